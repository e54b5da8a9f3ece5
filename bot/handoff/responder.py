"""Who answers a visitor's message now: the one place that decides it.

The conversation's owner decides, read as the store left it: the bot (the assistant answers
through Rasa), the triage step (the words pick a department), the queue (nobody yet: the visitor
hears their place from the announcer, bot/announcer.py), or the agent who owns it (they read it
in the transcript). A closed conversation is reopened with the bot by a new message, but a
rating click is only a rating, and a message written before a person closed the chat was seen
by that person. The store marks a visitor's message *pending* exactly when the bridge itself
must answer it (`PENDING`), and only the bot speaks with the `BOT_GUARD`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from ..models import PENDING, Message, Owner

RATING = re.compile(r"^/rate\s+(\w+)$")

__all__ = ["BOT_GUARD", "PENDING", "WITH_PEOPLE", "Answer", "answer", "rating"]
# Owners in which a person (not the bot) is responsible for answering the visitor.
WITH_PEOPLE = (Owner.TRIAGE, Owner.QUEUE, Owner.AGENT)
# The store's append guard of the bot's messages: stored only while the bot owns the chat.
BOT_GUARD = "bot"


class Answer(StrEnum):
    """What answers one visitor message."""

    BOT = "bot"  # the assistant, through Rasa
    FILE_TO_BOT = "file_to_bot"  # the bot cannot read files: it says so and offers a person
    TRIAGE = "triage"  # the words pick a department (anything else: `general`)
    QUEUE = "queue"  # nobody yet: the announcer tells the visitor their place
    AGENT = "agent"  # the person who owns it reads it in the transcript
    RATE = "rate"  # a rating click after the close
    REOPEN = "reopen"  # written into a closed chat: it reopens, then the bot answers
    SEEN = "seen"  # written before a person closed the chat: they saw it, and said goodbye


def answer(owner: Owner, message: Message, closed_at: float = 0.0) -> Answer:
    """Who answers `message` in a conversation owned by `owner` (`closed_at`: when a closed
    conversation last moved)."""
    if owner is Owner.CLOSED:
        if RATING.match(message.text.strip()):
            return Answer.RATE
        return Answer.SEEN if message.ts < closed_at else Answer.REOPEN
    if owner is Owner.BOT:
        return Answer.FILE_TO_BOT if message.data.get("file") else Answer.BOT
    if owner is Owner.TRIAGE and not message.data.get("file"):
        return Answer.TRIAGE
    # A file sent while the visitor picks a department waits for that person without a word.
    return Answer.QUEUE if owner in (Owner.TRIAGE, Owner.QUEUE) else Answer.AGENT


def rating(message: Message) -> str:
    """The rating a `/rate <value>` click gives ('' for any other text)."""
    found = RATING.match(message.text.strip())
    return found.group(1)[:20] if found else ""

