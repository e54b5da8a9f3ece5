#!/usr/bin/env python
"""Score the trained assistant's judgement (run in .venv-rasa).

    .venv-rasa/bin/python scripts/evaluate.py [--site PACK] [--model PATH] [--data FILE ...]
                                              [--errors N] [--json FILE]

Loads the pack's model (models/<pack>/) in-process and parses every sentence of the labelled JSONL
files (default: the public dev set ../shared/eval/dev.jsonl, skipped with a note if absent, the
pack's own check sentences sites/<pack>/eval.jsonl, and its natural questions
sites/<pack>/natural.jsonl, written by someone who never saw the training data and never trained
on). FAQ labels of the shared data name shared topics (faq:refunds); each is mapped onto the pack's
topic of that name or whose `common` topic it is (build/<pack>/site.json), and sentences about a
topic the pack does not have are left out and counted.
Each line: {"text", "label"} with label bot_challenge | human_handoff | out_of_scope |
out_of_domain | faq:<topic>. Each prediction is mapped to the outcome the visitor would get:
bot_challenge -> the honest challenge answer; human_handoff/out_of_scope/nlu_fallback -> handoff
or fallback; nlu_fallback with suggestions -> "did you mean" (asked: the topics as buttons and a
person); faq_<topic> -> that topic's answer; anything else -> small talk. A FAQ sentence is
answered right, asked (the right topic among the buttons or not), answered with a wrong topic,
or not answered (fallback, out of scope, a person).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tarfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "eval" / "dev.jsonl"
# What ends with a person (out of scope and fallbacks after a second strike; frustration at once)
HANDOFF_INTENTS = {"human_handoff", "out_of_scope", "nlu_fallback", "frustrated"}
TARGETS = {
    "challenge_recall": (">=", 0.97),
    "handoff_recall": (">=", 0.95),
    "oos_safe": (">=", 0.95),
    "ood_never_faq": (">=", 0.97),
    "faq_topic_acc": (">=", 0.85),
    "faq_right_or_among": (">=", 0.92),
    "wrong_topic": ("<=", 0.02),
}
PACK_FILES = ("eval.jsonl", "natural.jsonl")


def outcome(intent: str, suggestions: List[str] | None = None) -> str:
    """What the visitor gets for a predicted intent (and "did you mean" suggestions)."""
    if intent == "nlu_fallback" and suggestions:
        return "asked"
    if intent == "bot_challenge":
        return "challenge"
    if intent in HANDOFF_INTENTS:
        return "handoff"
    if intent.startswith("faq_"):
        return "faq:" + intent[len("faq_"):]
    return "smalltalk"


def ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


Row = Tuple[str, str, List[str]]  # label, predicted intent, suggestions


def score(rows: List[Row]) -> Dict[str, Any]:
    """rows: (label, predicted intent, suggestions) -> figures."""
    n: Counter[str] = Counter()
    for label, intent, suggestions in rows:
        got = outcome(intent, suggestions)
        safe = got in ("handoff", "asked")
        n["all"] += 1
        if label == "bot_challenge":
            n["challenge"] += 1
            n["challenge_ok"] += got == "challenge"
            n["challenge_as_handoff"] += intent == "human_handoff"
        elif label == "human_handoff":
            n["handoff"] += 1
            n["handoff_ok"] += safe
            n["handoff_strict"] += intent == "human_handoff"
            n["handoff_as_challenge"] += intent == "bot_challenge"
        elif label == "out_of_scope":
            n["oos"] += 1
            n["oos_ok"] += safe
            n["oos_asked"] += got == "asked"
        elif label == "out_of_domain":
            n["ood"] += 1
            n["ood_ok"] += not (got.startswith("faq:") or got == "challenge")
        elif label.startswith("faq:"):
            n["faq"] += 1
            n["faq_ok"] += got == label
            n["faq_wrong_topic"] += got.startswith("faq:") and got != label
            among = got == "asked" and "faq_" + label[len("faq:"):] in suggestions
            n["faq_asked"] += got == "asked"
            n["faq_among"] += among
            n["faq_right_or_among"] += got == label or among
    return {
        "n": n["all"],
        "challenge_recall": ratio(n["challenge_ok"], n["challenge"]),
        "handoff_recall": ratio(n["handoff_ok"], n["handoff"]),
        "handoff_recall_strict": ratio(n["handoff_strict"], n["handoff"]),
        "oos_safe": ratio(n["oos_ok"], n["oos"]),
        "ood_never_faq": ratio(n["ood_ok"], n["ood"]),
        "faq_topic_acc": ratio(n["faq_ok"], n["faq"]),
        "wrong_topic": ratio(n["faq_wrong_topic"], n["faq"]),
        "faq_asked": ratio(n["faq_asked"], n["faq"]),
        "faq_among": ratio(n["faq_among"], n["faq"]),
        "faq_right_or_among": ratio(n["faq_right_or_among"], n["faq"]),
        "faq_not_answered": ratio(n["faq"] - n["faq_ok"] - n["faq_wrong_topic"] - n["faq_asked"],
                                  n["faq"]),
        "oos_asked": ratio(n["oos_asked"], n["oos"]),
        "challenge_as_handoff": n["challenge_as_handoff"],
        "handoff_as_challenge": n["handoff_as_challenge"],
        "counts": {k: n[k] for k in ("challenge", "handoff", "oos", "ood", "faq")},
    }


def fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def report(name: str, figures: Dict[str, Any], latencies: List[float]) -> None:
    print(f"\n== {name}: {figures['n']} sentences {figures['counts']}")
    for key, label in [
        ("challenge_recall", "challenge recall (bot_challenge -> honest answer)"),
        ("handoff_recall", "handoff recall (human_handoff -> handoff/fallback)"),
        ("handoff_recall_strict", "  of which predicted human_handoff itself"),
        ("oos_safe", "out-of-scope safe rate (-> handoff/fallback/asked)"),
        ("oos_asked", "  of which asked \"did you mean\""),
        ("ood_never_faq", "out-of-domain never FAQ nor challenge"),
        ("faq_topic_acc", "FAQ answered right (topic accuracy)"),
        ("faq_among", "FAQ asked, the right topic among the buttons"),
        ("faq_right_or_among", "FAQ right or among the buttons"),
        ("faq_asked", "FAQ asked \"did you mean\" (all)"),
        ("wrong_topic", "FAQ answered with a wrong topic"),
        ("faq_not_answered", "FAQ not answered (not sure, out of scope, a person)"),
    ]:
        target = TARGETS.get(key)
        mark = ""
        if target and figures[key] is not None:
            op, goal = target
            ok = figures[key] >= goal if op == ">=" else figures[key] <= goal
            mark = f"   target {op} {goal:.2f} {'PASS' if ok else 'MISS'}"
        print(f"  {label:<52} {fmt(figures[key])}{mark}")
    print(f"  challenge<->handoff confusion: bot_challenge predicted human_handoff "
          f"{figures['challenge_as_handoff']}; human_handoff predicted bot_challenge "
          f"{figures['handoff_as_challenge']}")
    if latencies:
        ms = sorted(x * 1000 for x in latencies)
        p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
        print(f"  parse latency: median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms")


def load_rows(path: Path) -> List[Dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def topic_map(site: str) -> Dict[str, str]:
    """Shared topic name (and the pack's own) -> the pack's topic, from build/<site>/site.json."""
    from bot.eval_data import topics_of

    return topics_of(json.loads((ROOT / "build" / site / "site.json").read_text(encoding="utf-8")))


def on_pack(rows: List[Dict[str, str]], mapping: Dict[str, str]) -> Tuple[List[Dict[str, str]], int]:
    """The rows with FAQ labels renamed to the pack's topics; rows about other topics left out."""
    kept, left_out = [], 0
    for row in rows:
        label = row["label"]
        if label.startswith("faq:"):
            topic = mapping.get(label[len("faq:"):])
            if topic is None:
                left_out += 1
                continue
            row = {**row, "label": "faq:" + topic}
        kept.append(row)
    return kept, left_out


def _without_focus() -> None:
    from actions.components import QuestionFocus

    QuestionFocus.refocus = staticmethod(lambda message: None)  # type: ignore[method-assign]


def _without_evidence() -> None:
    from actions import judge

    judge.Evidence.weigh = staticmethod(lambda ranking, similarity, weight: ranking)  # type: ignore[method-assign]


def _without_asking() -> None:
    from actions import judge

    decide = judge.decide
    judge.decide = lambda ranking, cal: (decide(ranking, cal)[0], [])
    judge.with_hints = lambda decision, hints: decision


def _without_evidence_buttons() -> None:
    from actions import judge

    judge.Evidence.hint = staticmethod(lambda similarity, min_similarity: None)  # type: ignore[method-assign]


def _without_meaning_buttons() -> None:
    from actions import judge

    judge.Meaning.hint = lambda self, message, min_similarity: None  # type: ignore[method-assign]


def _without_agreement() -> None:
    from actions import judge

    judge.TopicJudge.agreed = lambda self, message, similarity: None  # type: ignore[method-assign]


def _without_checks() -> None:
    import re

    from actions import components

    components.BotChallengeDetector.process = lambda self, messages: messages  # type: ignore[method-assign]
    components.BARE_PERSON_REQUEST = re.compile(r"(?!)")
    components.BOT_CHALLENGE = re.compile(r"(?!)")


# Parts of the judgement `--without` switches off at parse time (docs/assistant.md's ablation).
ABLATIONS = {"focus": _without_focus, "evidence": _without_evidence, "asking": _without_asking,
             "evidence-buttons": _without_evidence_buttons,
             "meaning-buttons": _without_meaning_buttons, "agreement": _without_agreement,
             "checks": _without_checks}


def model_calibration(model: Path) -> Dict[str, Any] | None:
    """The thresholds TopicJudge chose for this pack at training (actions/judge.py)."""
    with tarfile.open(model) as archive:
        for member in archive.getmembers():
            if member.name.endswith("calibration.json"):
                handle = archive.extractfile(member)
                return json.loads(handle.read()) if handle else None
    return None


def sweep(rows: List[Dict[str, str]], parsed: List[Dict[str, Any]], calibration: Dict[str, Any]) -> None:
    """The FAQ figures if the answer threshold were another (the same ranking decided again;
    the detectors after the judge are not replayed)."""
    from actions.judge import decide

    print("  FAQ threshold sweep: threshold  right  among  right-or-among  wrong  oos-safe")
    for threshold in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        cal = {"base_threshold": 0.5, **calibration, "threshold": threshold}
        decided = [decide([r for r in p.get("intent_ranking") or [] if r["name"] != "nlu_fallback"], cal)
                   for p in parsed]
        f = score([(r["label"], i, s) for r, (i, s) in zip(rows, decided)])
        print(f"    {threshold:.2f}  {fmt(f['faq_topic_acc'])}  {fmt(f['faq_among'])}  "
              f"{fmt(f['faq_right_or_among'])}  {fmt(f['wrong_topic'])}  {fmt(f['oos_safe'])}")


def confusions(rows: List[Dict[str, str]], predicted: List[str], per_pair: int) -> None:
    """Which FAQ topics were answered as which other topic, with example sentences."""
    pairs: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for row, intent in zip(rows, predicted):
        got = outcome(intent)
        if row["label"].startswith("faq:") and got.startswith("faq:") and got != row["label"]:
            pairs[(row["label"][4:], got[4:])].append(row["text"])
    if not pairs:
        print("  no FAQ topic answered as another")
        return
    print("  topics answered as another (label -> answered as: sentences):")
    for (label, got), texts in sorted(pairs.items(), key=lambda kv: -len(kv[1]))[:12]:
        shown = "; ".join(repr(t[:80]) for t in texts[:per_pair])
        print(f"    {label} -> {got} ({len(texts)}): {shown}")


def latest_model(directory: Path) -> Path:
    models = sorted(directory.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit(f"No trained model in {directory}: run `make train` first.")
    return models[-1]


async def parse_all(agent: Any, texts: List[str]) -> Tuple[List[Dict[str, Any]], List[float]]:
    results, latencies = [], []
    for text in texts:
        start = time.perf_counter()
        results.append(await agent.parse_message(text))
        latencies.append(time.perf_counter() - start)
    return results, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", default=os.environ.get("SITE") or "lantern-street",
                        help="site pack (default: $SITE or lantern-street)")
    parser.add_argument("--model", type=Path, help="model archive (default: newest in models/<site>/)")
    parser.add_argument("--data", type=Path, nargs="*", help="labelled JSONL files")
    parser.add_argument("--sweep", action="store_true",
                        help="also print the figures at other FAQ thresholds (the calibration's curve)")
    parser.add_argument("--without", action="append", default=[], choices=sorted(ABLATIONS),
                        help="switch a part of the judgement off at parse time (the same trained "
                             "model), to measure what it adds; may be repeated")
    parser.add_argument("--errors", type=int, default=0, help="print up to N wrong outcomes per file")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.disable(logging.WARNING)
    import warnings

    warnings.filterwarnings("ignore")
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    # The pipeline uses a custom component from actions/ (as `rasa` does, import from the root).
    sys.path.insert(0, str(ROOT))
    from rasa.core.agent import Agent

    for part in args.without:
        ABLATIONS[part]()
        print(f"without: {part} (switched off at parse time)")

    model = args.model or latest_model(ROOT / "models" / args.site)
    mapping = topic_map(args.site)
    print(f"site pack: {args.site}")
    print(f"model: {model}")
    agent = Agent.load(str(model))
    agent.parse_message  # noqa: B018 (fail early on an old Rasa)
    asyncio.run(agent.parse_message("hello"))  # warm-up, not timed

    calibration = model_calibration(model)
    if calibration:
        print(f"calibration (chosen at training from the pack's own data): answer at >= "
              f"{calibration['threshold']:.3f} and {calibration['ambiguity']:.2f} clear of the "
              f"second; ask \"did you mean\" when the best topic >= {calibration['ask_min']:.2f} "
              f"(each button >= {calibration['suggest_min']:.2f}); held out: "
              f"{calibration.get('held_out')}")
    summary: Dict[str, Any] = {"site": args.site, "model": str(model), "files": {},
                               "calibration": calibration}
    pack = ROOT / "sites" / args.site
    for path in args.data or [SHARED_DATA] + [pack / name for name in PACK_FILES]:
        if not path.exists():
            print(f"\n== {path}: not found, nothing measured on it")
            continue
        if path.parent == pack:
            from bot.eval_data import EvalDataError, check

            try:  # a pack's own file must be about the pack (not copied from another)
                check(path, mapping)
            except EvalDataError as error:
                sys.exit(f"error: {error}")
        rows, left_out = on_pack(load_rows(path), mapping)
        if left_out:
            print(f"\n({left_out} FAQ sentences of {path.name} are about topics {args.site} does not have)")
        if not rows:
            print(f"\n== {path}: no sentence about this pack, nothing measured on it")
            continue
        parsed, latencies = asyncio.run(parse_all(agent, [r["text"] for r in rows]))
        predicted = [p["intent"]["name"] or "nlu_fallback" for p in parsed]
        suggested = [list(p.get("suggestions") or []) for p in parsed]
        figures = score([(r["label"], i, s) for r, i, s in zip(rows, predicted, suggested)])
        report(str(path), figures, latencies)
        summary["files"][str(path)] = figures
        if args.sweep and calibration:
            sweep(rows, parsed, calibration)
        confusions(rows, predicted, args.errors or 3)
        if args.errors:
            wrong = []
            for r, p, i, sg in zip(rows, parsed, predicted, suggested):
                got = outcome(i, sg)
                label = r["label"]
                bad = (
                    (label == "bot_challenge" and got != "challenge")
                    or (label in ("human_handoff", "out_of_scope") and got not in ("handoff", "asked"))
                    or (label == "out_of_domain" and (got.startswith("faq:") or got == "challenge"))
                    or (label.startswith("faq:") and got != label)
                )
                if bad:
                    extra = f" {sg}" if sg else ""
                    wrong.append(f"  {label:<20} -> {i:<22} {p['intent']['confidence']:.2f}  "
                                 f"{r['text']}{extra}")
            print(f"  wrong outcomes ({len(wrong)}):")
            print("\n".join(wrong[: args.errors]))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    # Missed targets are reported (PASS/MISS above), never an error: `make eval` exits 0.
    if not summary["files"]:
        print("\nnothing was measured: no labelled sentences (add sites/<pack>/eval.jsonl, "
              "docs/site-pack.md)")
        return
    missed = [f"{Path(name).name}:{key}" for name, figures in summary["files"].items()
              for key, (op, goal) in TARGETS.items()
              if figures.get(key) is not None
              and not (figures[key] >= goal if op == ">=" else figures[key] <= goal)]
    print(f"\nmeasured on: {', '.join(Path(name).name for name in summary['files'])}")
    print(f"targets missed: {', '.join(missed) if missed else 'none'}")


if __name__ == "__main__":
    main()
    sys.exit(0)
