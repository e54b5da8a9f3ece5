"""A pack's own check sentences, sites/<pack>/eval.jsonl: every line names a label the pack has.

Used by scripts/build_site.py (which refuses the pack) and scripts/evaluate.py. No pydantic and
nothing newer than Python 3.10 here: evaluate.py runs in Rasa's environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping

LABELS = ("bot_challenge", "human_handoff", "out_of_scope", "out_of_domain")
MAX_PROBLEMS = 10  # lines of one error; the rest are counted


class EvalDataError(ValueError):
    """Check sentences that cannot be scored; one line a problem, each naming the file and line."""


def topics_of(facts: Mapping[str, Any]) -> Dict[str, str]:
    """Topic names a label may use (the pack's own, and the common topics its topics have as
    `common:`) -> the pack's topic; facts is build/<pack>/site.json."""
    mapping: Dict[str, str] = {}
    for intent, topic in facts["topics"].items():
        own = intent[len("faq_"):]
        mapping[own] = own
        if topic.get("common"):
            mapping.setdefault(topic["common"], own)
    return mapping


def check(path: Path, topics: Mapping[str, str], shown: str = "") -> List[Dict[str, str]]:
    """The rows of path, or EvalDataError when a line is not {"text", "label"} with a known label,
    or its FAQ label is about a topic the pack lacks (the file was copied from another pack)."""
    shown = shown or str(path)
    rows: List[Dict[str, str]] = []
    problems: List[str] = []
    missing: Dict[str, List[int]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                problems.append(f"{shown}:{number}: not JSON: {error}")
                continue
            if not (isinstance(row, dict) and isinstance(row.get("text"), str)
                    and isinstance(row.get("label"), str)):
                problems.append(f'{shown}:{number}: expected {{"text": "...", "label": "..."}}')
                continue
            label = row["label"]
            if label.startswith("faq:") and label[len("faq:"):] not in topics:
                missing.setdefault(label[len("faq:"):], []).append(number)
            elif label not in LABELS and not label.startswith("faq:"):
                problems.append(f"{shown}:{number}: label {label!r} is not one of "
                                f"{', '.join(LABELS)}, faq:<topic>")
            rows.append(row)
    for topic, numbers in missing.items():
        problems.append(
            f"{shown}:{numbers[0]}: label 'faq:{topic}' ({len(numbers)} sentence"
            f"{'s' if len(numbers) > 1 else ''}): the pack has no topic {topic!r} (nor one with "
            f"common: {topic}); this looks copied from another pack: write check sentences about "
            "your own topics, or delete the file"
        )
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise EvalDataError("\n".join(problems[:MAX_PROBLEMS]
                                      + ([f"{shown}: ... and {more} more"] if more > 0 else [])))
    return rows


def held_back(folder: Path) -> set[str]:
    """The sentences of a pack (its folder) that are never trained on: its natural questions
    and check sentences, lower case and trimmed (scripts/drop_overlap.py, bot/trainer.py)."""
    texts: set[str] = set()
    for name in ("natural.jsonl", "eval.jsonl"):
        path = folder / name
        if path.exists():
            texts |= {json.loads(line)["text"].lower().strip()
                      for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    return texts
