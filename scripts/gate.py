#!/usr/bin/env python
"""The gate before a retrained model goes live (run in .venv-rasa by the trainer, bot/trainer.py).

    .venv-rasa/bin/python scripts/gate.py --site PACK --candidate NEW.tar.gz --live OLD.tar.gz \
        [--taught TAUGHT.json] --json OUT.json

Both models parse the pack's check sentences (sites/<pack>/eval.jsonl) and the base's safety set
(sites/common/safety.jsonl: "are you real?", a person, out of scope, out of domain; written for
the gate, in no training file). The candidate passes only if no safety figure is worse than the
live model's and FAQ accuracy (the right topic answered or among the buttons) is not lower. The
JSON says which figure fell, the sentences the live model got right and the candidate does not,
and the taught examples (`--taught`: a list of
{"text", "intent"}) labelled with the intents the candidate wrongly gave them: the likely cause.
Exit 0 when it passes, 1 when it is held back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from evaluate import load_rows, on_pack, outcome, parse_all, score, topic_map

SAFETY = ROOT / "sites" / "common" / "safety.jsonl"
# Figure -> True when higher is better. Safety first; FAQ accuracy last, counted as the visitor
# meets it: the right topic answered, or among the "did you mean" buttons (a retrained pack's
# calibration moves a sentence or two between those, which is no loss; a wrong topic is).
FIGURES = {"challenge_recall": True, "handoff_recall": True, "oos_safe": True,
           "ood_never_faq": True, "wrong_topic": False, "faq_right_or_among": True}
SHOWN = (*FIGURES, "faq_topic_acc")


def right(label: str, got: str) -> bool:
    """The outcome the visitor should get for a sentence of `label`."""
    if label == "bot_challenge":
        return got == "challenge"
    if label in ("human_handoff", "out_of_scope"):
        return got in ("handoff", "asked")
    if label == "out_of_domain":
        return not (got.startswith("faq:") or got == "challenge")
    return got == label


async def judge(model: Path, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    parsed, _ = await parse_all(agent, [r["text"] for r in rows])
    return parsed


def outcomes(parsed: list[dict[str, Any]]) -> list[str]:
    return [outcome(p["intent"]["name"] or "nlu_fallback", list(p.get("suggestions") or []))
            for p in parsed]


def figures(rows: list[dict[str, str]], parsed: list[dict[str, Any]]) -> dict[str, Any]:
    return score([(r["label"], p["intent"]["name"] or "nlu_fallback",
                   list(p.get("suggestions") or [])) for r, p in zip(rows, parsed)])


def compare(rows: list[dict[str, str]], live: list[dict[str, Any]], new: list[dict[str, Any]],
            taught: list[dict[str, str]]) -> dict[str, Any]:
    before, after = figures(rows, live), figures(rows, new)
    fell = []
    for name, higher in FIGURES.items():
        old, now = before.get(name), after.get(name)
        if old is None or now is None:
            continue
        if (now < old) if higher else (now > old):
            fell.append({"figure": name, "live": round(old, 3), "new": round(now, 3)})
    was, got = outcomes(live), outcomes(new)
    lost = [{"text": r["text"], "label": r["label"], "live": w, "new": g}
            for r, w, g in zip(rows, was, got) if right(r["label"], w) and not right(r["label"], g)]
    wrong_intents = {"faq_" + x["new"][4:] if x["new"].startswith("faq:") else x["new"]
                     for x in lost}
    causes = [t for t in taught if t["intent"] in wrong_intents]
    return {"passed": not fell, "fell": fell, "lost": lost[:20], "causes": causes[:20],
            "live": {k: before.get(k) for k in SHOWN}, "new": {k: after.get(k) for k in SHOWN},
            "sentences": len(rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", required=True)
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--live", type=Path, required=True)
    parser.add_argument("--taught", type=Path)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    mapping = topic_map(args.site)
    rows: list[dict[str, str]] = []
    for path in (ROOT / "sites" / args.site / "eval.jsonl", SAFETY):
        if path.exists():
            rows += on_pack(load_rows(path), mapping)[0]
    taught = json.loads(args.taught.read_text(encoding="utf-8")) if args.taught else []
    live = asyncio.run(judge(args.live, rows))
    new = asyncio.run(judge(args.candidate, rows))
    verdict = compare(rows, live, new, taught)
    args.json.write_text(json.dumps(verdict, indent=1), encoding="utf-8")
    print(json.dumps({k: verdict[k] for k in ("passed", "fell", "sentences")}))
    return 0 if verdict["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
