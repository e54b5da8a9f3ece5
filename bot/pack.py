"""`python -m bot pack export`: what the console changed (Redis) into the pack's own folder, so
the pack in git stays the source of truth: the examples taught, as sites/<pack>/nlu/learned.yml in
Rasa's NLU format (scripts/build_site.py reads every nlu/*.yml of a pack), and the answers edited,
as sites/<pack>/answers.yml (bot/site.py reads it over faq.yml's answers and buttons).

Written whole each time from what Redis holds. An example is left out when its intent is not
the pack's (a topic since removed), when it is one of the pack's held-back questions
(natural.jsonl, eval.jsonl: as scripts/drop_overlap.py drops them, lower case and trimmed) or
when another nlu file of the pack already has it. answers.yml keeps the answers it had and takes
every topic's answer as edited in the console (a topic reverted to "the pack's" keeps the file's).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import yaml

from .answers import Answer
from .config import Settings
from .eval_data import held_back
from .models import Learned
from .site import ANSWERS_FILE, SITES, Site, load
from .store.redis import RedisStore
from .teaching import FAQ, OUT_OF_SCOPE

LEARNED_FILE = "learned.yml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="pack_command", required=True)
    export = commands.add_parser("export", help="write the examples taught and the answers edited "
                                 "in the console into sites/<pack>/nlu/learned.yml and answers.yml")
    export.add_argument("--pack", help="the pack (default: SITE)")
    export.add_argument("--sites", type=Path, default=SITES, help=argparse.SUPPRESS)


def written(folder: Path) -> set[str]:
    """Examples the pack's other nlu files already have (lower case)."""
    seen: set[str] = set()
    for path in sorted((folder / "nlu").glob("*.yml")):
        if path.name == LEARNED_FILE:
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            seen |= {line.strip()[2:].strip().lower()
                     for line in str(block.get("examples") or "").splitlines()
                     if line.strip().startswith("- ")}
    return seen


def render(examples: list[Learned], pack: str) -> str:
    """Rasa NLU YAML: one block per intent, each example with who taught it and when."""
    by_intent: dict[str, list[Learned]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example)
    lines = ['version: "3.1"',
             f"# Taught in the console, written by `python -m bot pack export` ({pack}).",
             "# Edit in the console and export again; a line here is training data.", "", "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {e.text}" for e in by_intent[intent]]
    return "\n".join(lines) + "\n"


def chosen(examples: list[Learned], folder: Path, topics: set[str]) -> list[Learned]:
    """The examples to write (see the module docstring), each text once."""
    skip = held_back(folder) | written(folder)
    kept: dict[str, Learned] = {}
    for example in examples:
        text = " ".join(example.text.split())
        known = example.intent == OUT_OF_SCOPE or example.intent.removeprefix(FAQ) in topics
        plain = "](" not in text and not text.startswith(("-", "/"))  # no entity markup
        if text and known and plain and text.lower() not in skip:
            kept[text.lower()] = Learned(text, example.intent, example.by, example.at)
    return list(kept.values())


def answers_yaml(site: Site, folder: Path, stored: dict[str, str], pack: str) -> tuple[str, int]:
    """answers.yml: the file's answers, each replaced by the console's edit if there is one."""
    path = folder / ANSWERS_FILE
    old = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}
    topics: dict[str, dict[str, object]] = {
        name: dict(entry) for name, entry in (old.get("topics") or {}).items() if name in site.topics}
    edited = 0
    for name in site.topics:
        answer = Answer.from_stored(stored.get(name, ""))
        if answer is not None:
            topics[name] = answer.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            topics[name]["answer"] = topics[name].pop("text")
            edited += 1
    head = (f"# Answers edited in the console, written by `python -m bot pack export` ({pack}):\n"
            "# they replace faq.yml's answer and buttons of these topics.\n")
    body = yaml.safe_dump({"topics": dict(sorted(topics.items()))}, sort_keys=False,
                          allow_unicode=True, width=100)
    return head + body, edited


async def export(settings: Settings, pack: str, sites: Path) -> tuple[Path, int, int, int]:
    """Write the learned file and answers.yml; (the learned file, examples written, examples
    left out, answers taken from the console)."""
    site = load(pack, sites)
    async with RedisStore.from_settings(settings) as store:
        examples = await store.learned()
        stored = await store.live_answers(list(site.topics))
    folder = sites / pack
    kept = chosen(examples, folder, set(site.topics))
    target = folder / "nlu" / LEARNED_FILE
    target.parent.mkdir(exist_ok=True)
    target.write_text(render(kept, pack), encoding="utf-8")
    text, edited = answers_yaml(site, folder, stored, pack)
    if edited or (folder / ANSWERS_FILE).is_file():
        (folder / ANSWERS_FILE).write_text(text, encoding="utf-8")
        load(pack, sites)  # what was written reads back as a valid pack
    return target, len(kept), len(examples) - len(kept), edited


def main(args: argparse.Namespace, settings: Settings) -> int:
    pack = args.pack or settings.site_name
    target, count, left, edited = asyncio.run(export(settings, pack, args.sites))
    print(f"{target}: {count} learned example(s) written, {left} left out "
          "(held back, already in the pack, or not the pack's topic).")
    if edited:
        print(f"{target.parent.parent / ANSWERS_FILE}: {edited} answer(s) edited in the console.")
    return 0
