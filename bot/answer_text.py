"""What an answer may say: plain text with web links, and buttons (the syntax of the pack's
answers and of the console's editor; docs/site-pack.md).

A link is written as in Markdown, `[Book online](https://example.org/book)`; only http and
https links are links, anything else (`[x](javascript:...)`, `mailto:`, a relative path) is kept
as its words alone. A bare `https://...` in the text is a link in the widget too. A button
either opens a web page (`url`) or asks about a topic of the pack (`topic`), as if the visitor
had asked. Agents' messages follow bot/protocol.py's `safe_links` instead.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

WEB = re.compile(r"^https?://[^\s<>\"'`]{1,500}$", re.IGNORECASE)
_DESTINATION = r"(?:[^()\s]|\([^()\s]*\))*"  # one level of parentheses, as in bot/protocol.py
LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\(\s*(" + _DESTINATION + r")\s*\)")
BARE = r"(https?://[^\s<>\"'`\[\]()]+)"
PIECE = re.compile(LINK.pattern + "|" + BARE, re.IGNORECASE)
MAX_BUTTONS = 4
MAX_ANSWER_CHARS = 1500

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=WEB.pattern)]
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


def is_web(target: str) -> bool:
    """An http(s) link with no spaces, quotes or angle brackets."""
    return WEB.match(target) is not None


def parts(text: str) -> list[tuple[str, str]]:
    """The text as (words, link) pieces in order, as the widget shows it (widget/src/shared/
    text.js, `answerParts`): link is "" for plain words. A Markdown link to an http(s) target
    and a bare http(s) address are links; any other link is its words."""
    found: list[tuple[str, str]] = []
    at = 0
    for match in PIECE.finditer(text):
        found.append((text[at:match.start()], ""))
        if match.group(3):  # a bare address, without the punctuation that ends a sentence
            address = match.group(3).rstrip(".,;:!?")
            found += [(address, address), (match.group(3)[len(address):], "")]
        else:
            label, target = match.group(1), match.group(2)
            found.append((label, target if is_web(target) else ""))
        at = match.end()
    found.append((text[at:], ""))
    merged: list[tuple[str, str]] = []
    for words, link in found:
        if merged and not link and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + words, "")
        elif words:
            merged.append((words, link))
    return merged


def clean(text: str) -> str:
    """The text with every Markdown link that is not http(s) reduced to its words: what is
    sent (rasa-webchat renders the Markdown links that are left)."""
    return LINK.sub(lambda m: m.group(0) if is_web(m.group(2)) else m.group(1), text)


def unsafe_links(text: str) -> list[str]:
    """The targets of links in the text that are not http(s) (the editor refuses them)."""
    return [m.group(2) for m in LINK.finditer(text) if not is_web(m.group(2))]


class Button(BaseModel):
    """A button under an answer: a web page to open (`url`) or a topic to ask about (`topic`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    url: Url | None = None
    topic: Topic | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Button:
        if (self.url is None) == (self.topic is None):
            raise ValueError("a button has either a url (http or https) or a topic, not both")
        return self

    def wire(self) -> dict[str, str]:
        """As a stored message's button: a link, or a payload that asks about the topic."""
        if self.url is not None:
            return {"title": self.title, "url": self.url}
        return {"title": self.title, "payload": f"/faq_{self.topic}"}
