"""The To-teach view: what the bot did not answer, grouped, and one click to teach it
(bot/teaching.py keeps the entries; the learned examples go to the pack with
`python -m bot pack export`)."""

from __future__ import annotations

from .. import teaching
from ..errors import Refused
from ..events import TeachFirst, TeachLabel, TeachList
from ..handoff import access
from ..models import Agent, Sender, Unanswered
from .desk import Desk, Result, ok

PAGE = 20  # groups per page
SCAN = 500  # the newest entries grouped for the view (each department keeps TEACH_CAP)


class TeachDesk(Desk):
    def intent_of(self, label: str) -> str:
        """The intent a label teaches ('' for ignore); a topic the pack does not have is refused."""
        if label == teaching.IGNORE:
            return ""
        if label != teaching.OUT_OF_SCOPE \
                and label.removeprefix(teaching.FAQ) not in self.settings.site.topics:
            raise Refused("unknown_topic", "The pack has no such topic.")
        return label

    async def do_teach_list(self, sid: str, agent: Agent, payload: TeachList) -> Result:
        access.check_teaches(agent, self.settings.teach_agents)
        departments = access.teach_departments(agent, payload.department, self.departments)
        groups = teaching.group(await self.store.unanswered(departments, SCAN))
        page = groups[payload.offset:payload.offset + PAGE]
        return ok(groups=[g.to_dict() for g in page], total=len(groups), offset=payload.offset,
                  more=payload.offset + PAGE < len(groups),
                  topics=teaching.topics(self.settings.site))

    async def learn(self, agent: Agent, texts: list[str], intent: str) -> int:
        """Keep each text as an example of `intent`; how many were kept."""
        learned = 0
        for text in dict.fromkeys(texts):
            example, key = teaching.learned_example(text, intent, agent.name)
            if not await self.store.learn(example, key, self.settings.learned_cap):
                raise Refused("learned_full", "The learned examples are full: export them "
                              "into the pack (python -m bot pack export) and retrain.")
            learned += 1
        return learned

    async def do_teach_label(self, sid: str, agent: Agent, payload: TeachLabel) -> Result:
        access.check_teaches(agent, self.settings.teach_agents)
        intent = self.intent_of(payload.label)
        found = [await self.store.get_unanswered(i) for i in dict.fromkeys(payload.entries)]
        entries = [entry for entry in found if entry is not None]
        for entry in entries:
            access.check_teaches_entry(agent, entry)
        learned = await self.learn(agent, [e.text for e in entries], intent) if intent else 0
        removed = await self.store.remove_unanswered([e.id for e in entries])
        return ok(removed=removed, learned=learned)

    async def do_teach_first(self, sid: str, agent: Agent, payload: TeachFirst) -> Result:
        """Label the visitor's first message of a chat the agent may see (one they finish)."""
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        intent = self.intent_of(payload.label)
        first = next((m for m in await self.store.messages(conversation.id, limit=50)
                      if m.sender is Sender.VISITOR and not m.text.startswith("/")
                      and not m.data.get("file")), None)
        if first is None:
            raise Refused("not_found", "The visitor wrote nothing to teach.")
        learned = await self.learn(agent, [first.text], intent) if intent else 0
        kept: list[Unanswered] = await self.store.unanswered_of(conversation.id)
        removed = await self.store.remove_unanswered(
            [e.id for e in kept if e.message_id == first.id])
        return ok(learned=learned, removed=removed, text=first.text)
