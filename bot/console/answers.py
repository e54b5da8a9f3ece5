"""Answers edited live: supervisors read, edit and revert the FAQ topics' answers; every open
supervisor console sees a change at once, and the bot says it from the next message on
(bot/answers.py)."""

from __future__ import annotations

import time
from typing import Any

from ..answer_text import unsafe_links
from ..answers import HISTORY_KEPT, Answer, pack_answer
from ..errors import STATE_CHANGED, Refused
from ..events import AnswerSet, AnswerTopic, Event
from ..handoff import access
from ..models import Agent
from ..relay import SUPERVISORS
from ..store import AnswerEdit
from .desk import Desk, Result, ok

WHAT = "edit the bot's answers"


def shown(stored: str) -> dict[str, Any] | None:
    """A stored answer as the console shows it; None for the pack's."""
    answer = Answer.from_stored(stored)
    return answer.model_dump(exclude_none=True) if answer else None


def edit_view(edit: AnswerEdit) -> dict[str, Any]:
    return {"by": edit.by, "at": edit.at, "before": shown(edit.before), "after": shown(edit.after)}


class AnswerDesk(Desk):
    def topic(self, name: str) -> str:
        if name not in self.settings.site.topics:
            raise Refused("unknown_topic", "There is no such topic.")
        return name

    def view(self, topic: str, stored: str) -> dict[str, Any]:
        """A topic as the Answers view lists it: the pack's answer and the live one (None: the
        pack's stands)."""
        faq = self.settings.site.topics[topic]
        return {"topic": topic, "title": faq.title or topic.replace("_", " ").capitalize(),
                "department": faq.department,
                "pack": pack_answer(self.settings.site, topic).model_dump(exclude_none=True),
                "live": shown(stored)}

    async def do_answers(self, sid: str, agent: Agent, payload: Event) -> Result:
        access.check_supervisor(agent, WHAT)
        topics = list(self.settings.site.topics)
        live = await self.store.live_answers(topics)
        return ok(topics=[self.view(t, live.get(t, "")) for t in topics])

    async def do_answer_set(self, sid: str, agent: Agent, payload: AnswerSet) -> Result:
        access.check_supervisor(agent, WHAT)
        topic = self.topic(payload.topic)
        if unsafe_links(payload.text):
            raise Refused("invalid_link", "Links in answers must start with http:// or https://.")
        for button in payload.buttons:
            if button.topic is not None:
                self.topic(button.topic)
        answer = Answer(text=payload.text, buttons=payload.buttons)
        edit = await self.store.edit_answer(topic, answer.stored(), agent.name, time.time(),
                                             HISTORY_KEPT)
        assert edit is not None  # no `expect`: always done
        return await self.changed(topic, edit)

    async def do_answer_history(self, sid: str, agent: Agent, payload: AnswerTopic) -> Result:
        access.check_supervisor(agent, WHAT)
        topic = self.topic(payload.topic)
        edits = await self.store.answer_history(topic, HISTORY_KEPT)
        return ok(topic=topic, history=[edit_view(e) for e in edits])

    async def do_answer_revert(self, sid: str, agent: Agent, payload: AnswerTopic) -> Result:
        """The answer becomes what it was before the edit at `index` of the history (recorded
        as an edit itself), if nobody changed it meanwhile."""
        access.check_supervisor(agent, WHAT)
        topic = self.topic(payload.topic)
        edits = await self.store.answer_history(topic, payload.index + 1)
        if len(edits) <= payload.index:
            raise Refused("nothing_to_revert", "There is no such edit of this answer.")
        edit = await self.store.edit_answer(topic, edits[payload.index].before, agent.name,
                                            time.time(), HISTORY_KEPT, expect=edits[0].after)
        if edit is None:
            raise Refused(STATE_CHANGED, "The answer was changed meanwhile; look again.")
        return await self.changed(topic, edit)

    async def changed(self, topic: str, edit: AnswerEdit) -> Result:
        """Tell every supervisor console, and answer with the topic as it is now."""
        view = self.view(topic, edit.after)
        told = {**view, "edit": edit_view(edit)}
        await self.relay.to_agents([SUPERVISORS], "answer", told)
        return ok(**told)
