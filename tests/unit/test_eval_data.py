"""A pack's check sentences (bot/eval_data.py): the labels a pack may use, and one line per
problem naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.eval_data import MAX_PROBLEMS, EvalDataError, check, topics_of

FACTS = {"topics": {"faq_refunds": {}, "faq_parcels": {"common": "delivery"},
                    "faq_returns": {"common": "delivery"}}}


def _file(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "eval.jsonl"
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def test_a_topic_answers_to_its_own_name_and_its_common_topic() -> None:
    assert topics_of(FACTS) == {"refunds": "refunds", "parcels": "parcels",
                                "returns": "returns", "delivery": "parcels"}  # the first wins


def test_good_rows_are_returned_and_blank_lines_skipped(tmp_path: Path) -> None:
    rows = [{"text": "money back?", "label": "faq:refunds"},
            {"text": "where is it", "label": "faq:delivery"},
            {"text": "a robot?", "label": "bot_challenge"}]
    path = _file(tmp_path, rows[0], "", "   ", rows[1], rows[2])
    assert check(path, topics_of(FACTS)) == rows


def test_each_problem_names_its_line(tmp_path: Path) -> None:
    path = _file(tmp_path, "{oops", ["text", "label"], {"text": 1, "label": "x"},
                 {"text": "hi", "label": "greeting"}, {"text": "a", "label": "faq:bikes"},
                 {"text": "b", "label": "faq:bikes"})
    with pytest.raises(EvalDataError) as error:
        check(path, topics_of(FACTS), shown="eval.jsonl")
    lines = str(error.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"eval.jsonl:{n}" for n in (1, 2, 3, 4, 5)]
    assert "not JSON" in lines[0] and '"label"' in lines[1] and '"text"' in lines[2]
    assert "'greeting' is not one of bot_challenge" in lines[3]
    assert "label 'faq:bikes' (2 sentences): the pack has no topic 'bikes'" in lines[4]


def test_a_long_list_of_problems_is_cut(tmp_path: Path) -> None:
    path = _file(tmp_path, *[{"text": "x", "label": f"nope{n}"} for n in range(MAX_PROBLEMS + 5)])
    with pytest.raises(EvalDataError) as error:
        check(path, {})
    lines = str(error.value).splitlines()
    assert len(lines) == MAX_PROBLEMS + 1 and lines[-1].endswith("... and 5 more")
