"""Finding the question in a visitor's message (actions/focus.py, plain Python: no Rasa)."""

from __future__ import annotations

import pytest

from actions.focus import focus, kept, parts, rewrite

STORY = ("hi! my mum uses a wheelchair and we have booked for Saturday, will she be able to get "
         "to her seat?")


def _texts(text: str, found: list) -> list[str]:
    return [text[p.start:p.end].strip() for p in found]


def test_a_story_is_split_into_its_sentences_and_asking_clauses() -> None:
    found = parts(STORY)
    assert _texts(STORY, found) == ["my mum uses a wheelchair and we have booked for Saturday",
                                    "will she be able to get to her seat"]
    assert [p.asks for p in found] == [False, True]


def test_the_question_of_a_story_is_weighed_most() -> None:
    assert _texts(STORY, focus(STORY)) == ["will she be able to get to her seat"]
    assert rewrite(STORY) == ("my mum uses a wheelchair and we have booked for Saturday will she "
                              "be able to get to her seat will she be able to get to her seat")


@pytest.mark.parametrize("text", [
    "what time do you open?",  # one part: nothing to weigh against
    "I lost my ticket. My friend lost hers.",  # nothing asks
    "can I park? is there a lift?",  # everything asks
])
def test_nothing_is_weighed_more_when_there_is_no_story_around_a_question(text: str) -> None:
    assert focus(text) == []


@pytest.mark.parametrize("text", ["Hello there", "thanks so much!", "hi team, cheers"])
def test_pleasantries_are_dropped_but_never_the_whole_message(text: str) -> None:
    assert parts(text) == []
    assert _texts(text, kept(text)) == [text]
    assert rewrite(text) == text


def test_thanks_and_greetings_do_not_pull_the_message_elsewhere() -> None:
    text = "thanks so much. I lost my ticket. can you resend it"
    assert _texts(text, parts(text)) == ["I lost my ticket", "can you resend it"]
    assert _texts(text, focus(text)) == ["can you resend it"]


@pytest.mark.parametrize("text", ["so how do I get there", "I'd like a refund",
                                  "wondering if you have parking", "do you sell gift cards"])
def test_a_clause_asks_by_its_words_without_a_question_mark(text: str) -> None:
    assert [p.asks for p in parts(text)] == [True]
