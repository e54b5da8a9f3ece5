"""Tags agents put on conversations: how a tag is written, and how many a conversation keeps.

A tag is normalised before it is stored or searched for: lowercased, runs of spaces, dashes and
underscores made one dash, anything but letters, digits and dashes left out, at most TAG_CHARS
characters ("Refund  request!" is `refund-request`). A conversation keeps at most MAX_TAGS
(the store's `retag`, atomic). Tags are indexed for the search with the conversation's words
when it leaves people (bot/history.py), under `tag_word`.
"""

from __future__ import annotations

import re

MAX_TAGS = 10  # tags one conversation keeps
TAG_CHARS = 32  # longest tag
SEPARATORS = re.compile(r"[\s_\-]+")
OTHER = re.compile(r"[^\w-]|_")


def normalise(text: str) -> str:
    """The tag `text` stands for ('' when nothing of it is left)."""
    tag = OTHER.sub("", SEPARATORS.sub("-", text.strip().lower()))
    return tag[:TAG_CHARS].strip("-")


def tag_word(tag: str) -> str:
    """The search index's word for a tag (no word of a message has a colon)."""
    return f"tag:{tag}"
