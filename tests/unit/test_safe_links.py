"""Text a person writes to visitors (bot/protocol.py safe_links): Markdown links that could run
script are made plain, web, mail and phone links are kept, and what the text says stays."""

from __future__ import annotations

import pytest

from bot.protocol import safe_links, unsafe_target

ZWSP = "\u200b"


@pytest.mark.parametrize("target", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "jav&#x61;script:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox",
    "<javascript:alert(1)>", "file:///etc/passwd",
])
def test_a_target_that_is_not_web_mail_or_phone_is_unsafe(target: str) -> None:
    assert unsafe_target(target)


@pytest.mark.parametrize("target", [
    "https://example.org/a?b=c", "http://example.org", "mailto:help@example.org",
    "tel:+441234567", "/relative/path", "#anchor", "example.org/no-scheme",
])
def test_web_mail_phone_and_relative_targets_are_safe(target: str) -> None:
    assert not unsafe_target(target)


@pytest.mark.parametrize(("text", "shown"), [
    ("[click](javascript:alert(1))", "click"),
    ("see [here](javascript:alert(1) \"title\") now", "see here now"),
    ("[x](<javascript:alert(1)>)", "x"),
    ("[x](data:text/html,hi)", "x"),
])
def test_a_script_link_keeps_only_its_words(text: str, shown: str) -> None:
    assert safe_links(text) == shown


@pytest.mark.parametrize("text", [
    "Tickets: [box office](https://example.org/tickets) or [mail](mailto:a@example.org).",
    "Call [us](tel:+441234567), see <https://example.org>.",
    "Plain text with (parentheses) and [brackets].",
    "[Wikipedia](https://en.wikipedia.org/wiki/Foo_(bar))",
])
def test_safe_text_is_unchanged(text: str) -> None:
    assert safe_links(text) == text


def test_an_autolink_to_script_is_no_longer_a_link() -> None:
    out = safe_links("open <javascript:alert(1)> now")
    assert "javascript:" not in out and "javascript\u2236alert(1)" in out


def test_a_reference_definition_to_script_is_dropped() -> None:
    out = safe_links("[x][1]\n\n[1]: javascript:alert(1)\n")
    assert "javascript" not in out and out.startswith("[x][1]")


def test_a_link_opening_left_over_is_broken_up() -> None:
    """An unbalanced link the inline pattern does not match still cannot start a live link."""
    out = safe_links("[x](javascript:alert((1))")
    assert "](javascript" not in out and ZWSP in out
