"""Answers edited live: what the bot says for a FAQ topic is the answer a supervisor last gave
it in the console, else the pack's (sites/<pack>/faq.yml), read when the bot answers.

Rasa says which response a message came from (actions/channel.py: `response`); a message from
`utter_faq_<topic>` is replaced by that topic's live answer, with its links and buttons
(bot/answer_text.py). No retraining and no restart: every bridge reads the store for each FAQ
answer it sends (one GET, a fraction of a millisecond beside Rasa's tens), so an edit is what
the next answer says on every bridge, with no cache to invalidate.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .answer_text import MAX_ANSWER_CHARS, MAX_BUTTONS, Button, clean
from .events import HISTORY_KEPT
from .rasa import BotReply
from .site import Site
from .store import Answers

log = logging.getLogger(__name__)
__all__ = ["HISTORY_KEPT", "Answer", "LiveAnswers", "pack_answer"]

FAQ_RESPONSE = "utter_faq_"


class Answer(BaseModel):
    """A topic's answer: text (with http(s) links) and up to MAX_BUTTONS buttons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=MAX_ANSWER_CHARS)]
    buttons: list[Button] = Field(default=[], max_length=MAX_BUTTONS)

    def stored(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_stored(cls, raw: str) -> Answer | None:
        """A stored answer, or None for "" (the pack's) or one that cannot be read."""
        if not raw:
            return None
        try:
            return cls.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            log.warning("a stored answer could not be read; the pack's is used")
            return None

    def reply(self, topic: str) -> BotReply:
        """As the bot's message: only web links stay links; buttons as stored messages keep them."""
        return BotReply(text=clean(self.text), buttons=[b.wire() for b in self.buttons],
                        topic=topic)


def pack_answer(site: Site, topic: str) -> Answer:
    faq = site.topics[topic]
    return Answer(text=faq.answer, buttons=faq.buttons)


class LiveAnswers:
    """The answers the bot gives for the pack's topics, as they are now."""

    def __init__(self, store: Answers, site: Site) -> None:
        self.store = store
        self.site = site

    async def current(self, topic: str) -> Answer:
        edited = Answer.from_stored(await self.store.live_answer(topic))
        return edited or pack_answer(self.site, topic)

    def topic_of(self, reply: BotReply) -> str | None:
        """The pack's topic a message of Rasa answers, if it is one's answer."""
        name = reply.response.removeprefix(FAQ_RESPONSE)
        return name if reply.response.startswith(FAQ_RESPONSE) and name in self.site.topics \
            else None

    async def substitute(self, replies: list[BotReply]) -> list[BotReply]:
        """Rasa's messages with each topic's answer (all its paragraphs) as it is now."""
        out: list[BotReply] = []
        last: str | None = None
        for reply in replies:
            topic = self.topic_of(reply)
            if topic is None:
                out.append(reply)
            elif topic != last:  # a later paragraph of the same answer is already in it
                out.append((await self.current(topic)).reply(topic))
            last = topic
        return out
