"""Grouping of unanswered messages (bot/teaching.py) and what `pack export` keeps (bot/pack.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.models import Learned, Unanswered
from bot.pack import chosen, render
from bot.site import SITES, load
from bot.teaching import group, key_of


def entry(text: str, ts: float, guesses: list[str] | None = None, kind: str = "unsure") -> Unanswered:
    return Unanswered("c1", f"{int(ts)}-0", text, kind, "general", guesses or [], ts)


def test_the_same_question_in_other_words_is_one_group() -> None:
    assert key_of("How do I get a refund?") == key_of("refund, how to get") == "refund"
    assert key_of("Can I bring my dogs?") == key_of("can i bring my dog") == "bring dog"
    assert key_of("?!") == "?!"  # no words: the text itself
    assert key_of("parking near the theatre") != key_of("refunds for the theatre")


def test_groups_are_newest_first_with_counts_and_guesses() -> None:
    groups = group([
        entry("How do I get a refund?", 10, ["faq_refunds"]),
        entry("where do I park", 30, ["faq_parking", "faq_location"]),
        entry("refund how", 20, ["faq_refunds", "faq_cancel_order"], kind="handoff"),
        entry("Where can I park?", 5, ["faq_location"]),
    ])
    shown = [g.to_dict() for g in groups]
    assert [g["key"] for g in shown] == ["park", "refund"]
    parking, refund = shown
    assert parking["count"] == 2 and parking["text"] == "where do I park"
    assert parking["guesses"] == ["faq_location", "faq_parking"]  # the commonest first
    assert refund["count"] == 2 and refund["kinds"] == {"handoff": 1, "unsure": 1}
    assert refund["guesses"][0] == "faq_refunds"
    assert refund["entries"] == ["c1:20-0", "c1:10-0"]  # newest first


def test_export_drops_held_back_questions_pack_duplicates_and_unknown_topics(tmp_path: Path) -> None:
    pack = "lantern-street"
    folder = tmp_path / pack
    shutil.copytree(SITES / pack, folder)
    natural = json.loads((folder / "natural.jsonl").read_text().splitlines()[0])["text"]
    in_pack = "student price?"  # sites/lantern-street/nlu/visitors.yml
    taught = [Learned("is the bar open at the interval", "faq_opening_hours", "sam", 1.0),
              Learned(f"  {natural.upper()} ", "faq_pricing", "sam", 2.0),
              Learned(in_pack, "faq_pricing", "sam", 3.0),
              Learned("what do you think of brexit", "out_of_scope", "sam", 4.0),
              Learned("a removed topic", "faq_no_such_topic", "sam", 5.0),
              Learned("[x](y) markup", "faq_pricing", "sam", 6.0)]
    kept = chosen(taught, folder, set(load(pack, tmp_path).topics))
    assert [k.text for k in kept] == ["is the bar open at the interval",
                                      "what do you think of brexit"]
    written = render(kept, pack)
    assert "  - intent: faq_opening_hours\n    examples: |\n      - is the bar open" in written
    assert "  - intent: out_of_scope" in written


def test_a_rejected_answer_names_its_topic_as_the_bridge_noted_it() -> None:
    from bot.store.memory import MemoryStore
    from bot.teaching import Teacher

    site = load("lantern-street")
    teacher = Teacher(MemoryStore(), site, 10)
    edited = "Prices changed: see the website."  # a live answer edited in the console
    assert teacher.topic_answered({"answer": {"topic": "pricing"}}, edited) == "faq_pricing"
    assert teacher.topic_answered({}, site.topics["parking"].answer) == "faq_parking"
    assert teacher.topic_answered({"answer": {"topic": "nope"}}, edited) == ""


async def test_an_off_topic_question_is_kept_but_an_acknowledgement_is_not() -> None:
    """After the off-topic refusal a bare "ok" gets the offer of a person too: nothing to teach."""
    from bot.store.memory import MemoryStore
    from bot.teaching import Teacher

    store = MemoryStore()
    teacher = Teacher(store, load("lantern-street"), cap=10)
    await teacher.off_topic("c1", "1-0", "ok thanks")
    await teacher.off_topic("c1", "2-0", "who won the match last night")
    kept = await store.unanswered_of("c1")
    assert [(e.text, e.kind) for e in kept] == [("who won the match last night", "off_topic")]
