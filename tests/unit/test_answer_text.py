"""The syntax of answers (bot/answer_text.py): http(s) links only, buttons to a page or a topic,
and how the live answers replace Rasa's FAQ messages (bot/answers.py, on the memory store)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.answer_text import Button, clean, parts, unsafe_links
from bot.answers import Answer, LiveAnswers
from bot.rasa import BotReply
from bot.site import load
from bot.store.memory import MemoryStore


def test_markdown_links_to_web_pages_are_links() -> None:
    assert parts("Book [online](https://x.example/book) or [by phone](http://x.example/t).") == [
        ("Book ", ""), ("online", "https://x.example/book"), (" or ", ""),
        ("by phone", "http://x.example/t"), (".", "")]


def test_a_bare_address_is_a_link_without_the_full_stop() -> None:
    assert parts("See https://x.example/a_(b). Thanks") == [
        ("See ", ""), ("https://x.example/a_", "https://x.example/a_"), ("(b). Thanks", "")]
    assert parts("at https://x.example/prices.") == [
        ("at ", ""), ("https://x.example/prices", "https://x.example/prices"), (".", "")]


@pytest.mark.parametrize("target", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,x",
    "vbscript:x", "mailto:a@x.example", "/relative", "//x.example/a", "https://x.example/\"a",
    "file:///etc/passwd",
])
def test_any_other_link_is_its_words(target: str) -> None:
    text = f"Click [here]({target}) now"
    assert all(link == "" for _, link in parts(text)), parts(text)
    assert clean(text) == "Click here now" == "".join(words for words, _ in parts(text))


def test_clean_keeps_web_links_and_drops_the_others() -> None:
    text = "[a](https://x.example) [b](javascript:alert(1)) [c](mailto:a@b.example)"
    assert clean(text) == "[a](https://x.example) b c"
    assert unsafe_links(text) == ["javascript:alert(1)", "mailto:a@b.example"]
    assert unsafe_links("plain https://x.example") == []


def test_a_button_has_a_web_page_or_a_topic() -> None:
    assert Button(title="Book", url="https://x.example/b").wire() == \
        {"title": "Book", "url": "https://x.example/b"}
    assert Button(title="Prices", topic="pricing").wire() == \
        {"title": "Prices", "payload": "/faq_pricing"}
    for bad in [{"title": "x"}, {"title": "x", "url": "https://a.example", "topic": "pricing"},
                {"title": "x", "url": "javascript:alert(1)"}, {"title": "", "topic": "a"},
                {"title": "x", "topic": "Not A Topic"}]:
        with pytest.raises(ValidationError):
            Button.model_validate(bad)


async def test_faq_messages_of_rasa_become_the_live_answer() -> None:
    site = load("lantern-street")
    store = MemoryStore()
    live = LiveAnswers(store, site)
    rasa = [BotReply(text="Part one", response="utter_faq_pricing"),
            BotReply(text="Part two", response="utter_faq_pricing"),
            BotReply(text="Anything else?", response="utter_anything_else"),
            BotReply(text="Not a topic", response="utter_faq_nonexistent")]
    replies = await live.substitute(rasa)
    assert [(r.text, r.topic) for r in replies] == [
        (site.topics["pricing"].answer, "pricing"), ("Anything else?", ""), ("Not a topic", "")]
    edited = Answer(text="New [x](https://x.example)", buttons=[Button(title="Refunds",
                                                                       topic="refunds")])
    await store.edit_answer("pricing", edited.stored(), "sam", 1.0, 20)
    first = (await live.substitute(rasa))[0]
    assert (first.text, first.buttons) == ("New [x](https://x.example)",
                                           [{"title": "Refunds", "payload": "/faq_refunds"}])
    await store.edit_answer("pricing", "{not json", "sam", 2.0, 20)  # unreadable: the pack's
    assert (await live.substitute(rasa))[0].text == site.topics["pricing"].answer
