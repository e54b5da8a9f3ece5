#!/usr/bin/env python
"""Score the trained assistant's judgement (run in .venv-rasa).

    .venv-rasa/bin/python scripts/evaluate.py [--site PACK] [--model PATH] [--data FILE ...]
                                              [--sweep] [--errors N]

Loads the pack's model (models/<pack>/) in-process and parses every sentence of the labelled JSONL
files (default: the public dev set ../shared/eval/dev.jsonl, skipped with a note if absent, and the
pack's own sites/<pack>/eval.jsonl). FAQ labels of the shared data name shared topics (faq:refunds);
each is mapped onto the pack's topic of that name or whose `common` topic it is (build/<pack>/site.json), and sentences about
a topic the pack does not have are left out and counted.
Each line: {"text", "label"} with label bot_challenge | human_handoff | out_of_scope |
out_of_domain | faq:<topic>. Each prediction is mapped to the outcome the visitor would get:
bot_challenge -> the honest challenge answer; human_handoff/out_of_scope/nlu_fallback -> handoff
or fallback; faq_<topic> -> that topic's answer; anything else -> small talk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

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
    "wrong_topic": ("<=", 0.02),
}


def outcome(intent: str) -> str:
    """What the visitor gets for a predicted intent."""
    if intent == "bot_challenge":
        return "challenge"
    if intent in HANDOFF_INTENTS:
        return "handoff"
    if intent.startswith("faq_"):
        return "faq:" + intent[len("faq_"):]
    return "smalltalk"


def apply_fallback(ranking: List[Dict[str, Any]], threshold: float, ambiguity: float) -> str:
    """The intent FallbackClassifier would give with other thresholds (ranking without it)."""
    ranked = [r for r in ranking if r["name"] != "nlu_fallback"]
    if not ranked:
        return "nlu_fallback"
    top = ranked[0]["confidence"]
    second = ranked[1]["confidence"] if len(ranked) > 1 else 0.0
    if top < threshold or (top - second) < ambiguity:
        return "nlu_fallback"
    return ranked[0]["name"]


def ratio(hits: int, total: int) -> Optional[float]:
    return hits / total if total else None


def score(rows: List[Tuple[str, str]]) -> Dict[str, Any]:
    """rows: (label, predicted intent) -> figures."""
    n = Counter()
    for label, intent in rows:
        got = outcome(intent)
        n["all"] += 1
        if label == "bot_challenge":
            n["challenge"] += 1
            n["challenge_ok"] += got == "challenge"
            n["challenge_as_handoff"] += intent == "human_handoff"
        elif label == "human_handoff":
            n["handoff"] += 1
            n["handoff_ok"] += got == "handoff"
            n["handoff_strict"] += intent == "human_handoff"
            n["handoff_as_challenge"] += intent == "bot_challenge"
        elif label == "out_of_scope":
            n["oos"] += 1
            n["oos_ok"] += got == "handoff"
        elif label == "out_of_domain":
            n["ood"] += 1
            n["ood_ok"] += not (got.startswith("faq:") or got == "challenge")
        elif label.startswith("faq:"):
            n["faq"] += 1
            n["faq_ok"] += got == label
            n["faq_wrong_topic"] += got.startswith("faq:") and got != label
    return {
        "n": n["all"],
        "challenge_recall": ratio(n["challenge_ok"], n["challenge"]),
        "handoff_recall": ratio(n["handoff_ok"], n["handoff"]),
        "handoff_recall_strict": ratio(n["handoff_strict"], n["handoff"]),
        "oos_safe": ratio(n["oos_ok"], n["oos"]),
        "ood_never_faq": ratio(n["ood_ok"], n["ood"]),
        "faq_topic_acc": ratio(n["faq_ok"], n["faq"]),
        "wrong_topic": ratio(n["faq_wrong_topic"], n["faq"]),
        "challenge_as_handoff": n["challenge_as_handoff"],
        "handoff_as_challenge": n["handoff_as_challenge"],
        "counts": {k: n[k] for k in ("challenge", "handoff", "oos", "ood", "faq")},
    }


def fmt(value: Optional[float]) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def report(name: str, figures: Dict[str, Any], latencies: List[float]) -> None:
    print(f"\n== {name}: {figures['n']} sentences {figures['counts']}")
    for key, label in [
        ("challenge_recall", "challenge recall (bot_challenge -> honest answer)"),
        ("handoff_recall", "handoff recall (human_handoff -> handoff/fallback)"),
        ("handoff_recall_strict", "  of which predicted human_handoff itself"),
        ("oos_safe", "out-of-scope safe rate (-> handoff/fallback)"),
        ("ood_never_faq", "out-of-domain never FAQ nor challenge"),
        ("faq_topic_acc", "FAQ topic accuracy"),
        ("wrong_topic", "wrong-topic rate (FAQ answered with another topic)"),
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
        p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
        print(f"  parse latency: median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms")


def load_rows(path: Path) -> List[Dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def topic_map(site: str) -> Dict[str, str]:
    """Shared topic name (and the pack's own) -> the pack's topic, from build/<site>/site.json."""
    facts = json.loads((ROOT / "build" / site / "site.json").read_text(encoding="utf-8"))
    mapping: Dict[str, str] = {}
    for intent, topic in facts["topics"].items():
        own = intent[len("faq_"):]
        mapping[own] = own
        if topic.get("common"):
            mapping.setdefault(topic["common"], own)
    return mapping


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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", default=os.environ.get("SITE") or "lantern-street",
                        help="site pack (default: $SITE or lantern-street)")
    parser.add_argument("--model", type=Path, help="model archive (default: newest in models/<site>/)")
    parser.add_argument("--data", type=Path, nargs="*", help="labelled JSONL files")
    parser.add_argument("--sweep", action="store_true", help="also try other fallback thresholds")
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

    model = args.model or latest_model(ROOT / "models" / args.site)
    mapping = topic_map(args.site)
    print(f"site pack: {args.site}")
    print(f"model: {model}")
    agent = Agent.load(str(model))
    agent.parse_message  # noqa: B018 (fail early on an old Rasa)
    asyncio.run(agent.parse_message("hello"))  # warm-up, not timed

    summary: Dict[str, Any] = {"site": args.site, "model": str(model), "files": {}}
    for path in args.data or [SHARED_DATA, ROOT / "sites" / args.site / "eval.jsonl"]:
        if not path.exists():
            print(f"\n== {path}: not found, skipped")
            continue
        rows, left_out = on_pack(load_rows(path), mapping)
        if left_out:
            print(f"\n({left_out} FAQ sentences of {path.name} are about topics {args.site} does not have)")
        parsed, latencies = asyncio.run(parse_all(agent, [r["text"] for r in rows]))
        predicted = [p["intent"]["name"] or "nlu_fallback" for p in parsed]
        figures = score([(r["label"], i) for r, i in zip(rows, predicted)])
        report(str(path), figures, latencies)
        summary["files"][str(path)] = figures
        if args.errors:
            wrong = []
            for r, p, i in zip(rows, parsed, predicted):
                got = outcome(i)
                label = r["label"]
                bad = (
                    (label == "bot_challenge" and got != "challenge")
                    or (label in ("human_handoff", "out_of_scope") and got != "handoff")
                    or (label == "out_of_domain" and (got.startswith("faq:") or got == "challenge"))
                    or (label.startswith("faq:") and got != label)
                )
                if bad:
                    wrong.append(f"  {label:<20} -> {i:<22} {p['intent']['confidence']:.2f}  {r['text']}")
            print(f"  wrong outcomes ({len(wrong)}):")
            print("\n".join(wrong[: args.errors]))
        if args.sweep:
            print("  threshold sweep (FallbackClassifier threshold, ambiguity):")
            rankings = [p.get("intent_ranking") or [] for p in parsed]
            for threshold in (0.0, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
                for ambiguity in (0.0, 0.1):
                    f = score([(r["label"], apply_fallback(k, threshold, ambiguity))
                               for r, k in zip(rows, rankings)])
                    print(f"    t={threshold:.2f} a={ambiguity:.2f}  chal {fmt(f['challenge_recall'])}"
                          f"  hand {fmt(f['handoff_recall'])}  oos {fmt(f['oos_safe'])}"
                          f"  ood {fmt(f['ood_never_faq'])}  faq {fmt(f['faq_topic_acc'])}"
                          f"  wrong {fmt(f['wrong_topic'])}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    # Missed targets are reported (PASS/MISS above), never an error: `make eval` exits 0.
    missed = [f"{Path(name).name}:{key}" for name, figures in summary["files"].items()
              for key, (op, goal) in TARGETS.items()
              if figures.get(key) is not None
              and not (figures[key] >= goal if op == ">=" else figures[key] <= goal)]
    print(f"\ntargets missed: {', '.join(missed) if missed else 'none'}")


if __name__ == "__main__":
    main()
    sys.exit(0)
