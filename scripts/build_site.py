#!/usr/bin/env python
"""Build the Rasa project of one site pack: the base (data/, domain.yml) plus sites/<pack>/.

    .venv/bin/python scripts/build_site.py lantern-street     # -> build/lantern-street/
    .venv/bin/python scripts/build_site.py lantern-street --out DIR   # -> DIR/lantern-street/

Writes build/<pack>/config.yml (config.yml with the topics' own words for the judge),
build/<pack>/domain.yml (the base domain with the business's name, plus one intent and one answer
per FAQ topic), build/<pack>/data/ (the topics' training sentences and rules, the common topics'
wording for the topics that use one, the pack's optional nlu/*.yml) and build/<pack>/site.json
(departments and topics for the action server and the evaluation). Training reads
`--config build/<pack>/config.yml --domain build/<pack>/domain.yml --data data build/<pack>/data`.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from paraphrase import expand

from bot.eval_data import EvalDataError, check, topics_of
from bot.site import Site, SiteError, load, read_yaml, shown, where

BUILD = ROOT / "build"
COMMON = ROOT / "sites" / "common" / "topics.yml"
PER_TOPIC = 120


def _fill(value: Any, names: dict[str, str]) -> Any:
    """$name, $assistant, ... in every string of the base domain."""
    if isinstance(value, str):
        return string.Template(value).substitute(names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def domain(site: Site) -> dict[str, Any]:
    base = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    names = {"name": site.name, "assistant": site.assistant_name,
             "can_help_with": site.can_help_with, "goodbye": site.goodbye}
    built = _fill(base, names)
    built["intents"] += [f"faq_{topic}" for topic in site.topics]
    built["responses"].update(
        {f"utter_faq_{topic}": [{"text": t.answer}] for topic, t in site.topics.items()}
    )
    return built


def _examples_in(paths: list[Path]) -> dict[str, str]:
    """Every training sentence already written (lower case -> its intent)."""
    seen: dict[str, str] = {}
    for path in paths:
        data = read_yaml(path) or {}
        if not isinstance(data, dict) or not isinstance(data.get("nlu") or [], list):
            raise SiteError(f"{shown(path)}: expected Rasa's training data format (nlu: a list)")
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    seen.setdefault(line.strip()[2:].strip().lower(), str(block.get("intent")))
    return seen


def common_topics(site: Site) -> str:
    """The common topics' sentences, renamed to the pack's topics that use them."""
    library = {block["intent"]: block["examples"]
               for block in yaml.safe_load(COMMON.read_text(encoding="utf-8"))["nlu"]}
    lines = ['version: "3.1"', f"# Built by scripts/build_site.py from {COMMON.relative_to(ROOT)}.",
             "", "nlu:"]
    for topic, t in site.topics.items():
        if t.common is None:
            continue
        if t.common not in library:
            faq = ROOT / "sites" / site.id / "faq.yml"
            raise SiteError(f"{where(faq, ('topics', topic, 'common'))}: topics.{topic}.common: "
                            f"no common topic {t.common!r} (there are: {', '.join(library)})")
        lines += [f"  - intent: faq_{topic}", "    examples: |"]
        lines += [f"      {line.strip()}" for line in library[t.common].splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    """A sentence as a line of Rasa's examples block (no entity markup, one line)."""
    return re.sub(r"\s+", " ", text.replace("[", "(").replace("]", ")")).strip()


def training_data(site: Site, written: dict[str, str]) -> str:
    """NLU sentences and rules for every topic, in Rasa's YAML. A topic whose pack already has
    PER_TOPIC sentences in nlu/ gets only its examples; others are expanded up to PER_TOPIC."""
    lines = ['version: "3.1"', f"# Built by scripts/build_site.py from sites/{site.id}/faq.yml.", "",
             "nlu:"]
    already = Counter(written.values())
    for topic, t in site.topics.items():
        intent = f"faq_{topic}"
        limit = max(len(t.examples), PER_TOPIC - already[intent])
        sentences = [s for s in map(_clean, expand(topic, t.examples, t.keywords, limit))
                     if written.setdefault(s.lower(), intent) == intent]
        own = {_clean(e).lower() for e in t.examples}
        # The pack's own examples, then the sentences made from them (scripts/paraphrase.py),
        # marked `made`: the judge's calibration scores only written sentences (actions/judge.py).
        for block, metadata in (([s for s in sentences if s.lower() in own], ""),
                                ([s for s in sentences if s.lower() not in own], "made")):
            if block:
                lines += [f"  - intent: {intent}"] + ([f"    metadata: {metadata}"] if metadata else [])
                lines += ["    examples: |"] + [f"      - {s}" for s in block]
    lines += ["", "rules:"]
    for topic in site.topics:
        lines += [f"  - rule: answer faq {topic}", "    steps:", f"      - intent: faq_{topic}",
                  f"      - action: utter_faq_{topic}", ""]
        # The same question twice in a row: the answer did not help, so offer a person at once.
        lines += [f"  - rule: same question twice ({topic}) offers a person", "    steps:",
                  f"      - action: utter_faq_{topic}", f"      - intent: faq_{topic}",
                  "      - action: utter_offer_person", ""]
    return "\n".join(lines)


def facts(site: Site) -> dict[str, Any]:
    """What the action server and the evaluation need to know about the pack."""
    return {
        "id": site.id,
        "name": site.name,
        "departments": {k: {"title": d.title, "words": d.words} for k, d in site.departments.items()},
        "topics": {f"faq_{k}": {"department": t.department, "common": t.common,
                                "title": t.title or k.replace("_", " ").capitalize()}
                   for k, t in site.topics.items()},
    }


JUDGE = "actions.judge.TopicJudge"


def config(site: Site) -> str:
    """The base config.yml with the pack's topic words (answer, keywords, title) given to the
    judge, which weighs a message's likeness to them (actions/judge.py). In the config, so an
    edited answer changes the model's fingerprint and is trained again."""
    base = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    topics = {f"faq_{k}": " ".join([t.answer, *t.keywords, t.title or k.replace("_", " ")])
              for k, t in site.topics.items()}
    for component in base["pipeline"]:
        if component["name"] == JUDGE:
            component["topics"] = topics
    return (f"# Built by scripts/build_site.py from config.yml and sites/{site.id}/: do not edit.\n"
            + yaml.safe_dump(base, sort_keys=False, allow_unicode=True, width=1000))


def check_eval(site: Site, folder: Path) -> None:
    """Refuse the pack's eval.jsonl or natural.jsonl if it is not the pack's: see
    bot.eval_data.check."""
    for path in (folder / "eval.jsonl", folder / "natural.jsonl"):
        if path.is_file():
            check(path, topics_of(facts(site)), shown(path))


def build(name: str, out: Path = BUILD) -> Path:
    site = load(name)
    check_eval(site, ROOT / "sites" / name)
    target = out / name
    shutil.rmtree(target, ignore_errors=True)
    (target / "data").mkdir(parents=True)
    (target / "data" / "common.yml").write_text(common_topics(site), encoding="utf-8")
    pack_nlu = sorted((ROOT / "sites" / name / "nlu").glob("*.yml"))
    written = _examples_in(sorted((ROOT / "data").glob("*.yml")) + [target / "data" / "common.yml"]
                           + pack_nlu)  # read where they are written: errors name that file
    for path in pack_nlu:
        shutil.copy(path, target / "data" / f"pack_{path.name}")
    (target / "data" / "faq.yml").write_text(training_data(site, written), encoding="utf-8")
    (target / "domain.yml").write_text(
        f"# Built by scripts/build_site.py from domain.yml and sites/{name}/: do not edit.\n"
        + yaml.safe_dump(domain(site), sort_keys=False, allow_unicode=True, width=1000),
        encoding="utf-8",
    )
    (target / "site.json").write_text(json.dumps(facts(site), indent=1), encoding="utf-8")
    (target / "config.yml").write_text(config(site), encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    out = BUILD
    if len(argv) == 3 and argv[1] == "--out":  # the trainer builds beside the live build
        argv, out = argv[:1], Path(argv[2]).resolve()
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        target = build(argv[0], out)
    except (SiteError, EvalDataError) as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    print(f"built {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
