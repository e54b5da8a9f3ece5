"""Periodic duties: keep agents' connections marked alive, and (on one bridge at a time) remind
agents of waiting chats (bot/reminders.py), escalate to supervisors, offer a message on long
waits, retry auto-assignment, and requeue the chats of agents gone longer than the grace
period."""

from __future__ import annotations

import logging
import os
import secrets
import time
from typing import Protocol

from . import metrics
from .attachments import Files, sweep
from .config import Settings
from .handoff import Handoff
from .periodic import Periodic
from .relay import SUPERVISORS
from .reminders import Due, Reminders
from .store import Store

log = logging.getLogger(__name__)


class Consoles(Protocol):
    """What the sweeper needs of this process's agents' connections (`AgentNamespace`)."""

    async def revalidate(self) -> None: ...

    def local_names(self) -> set[str]: ...


class Sweeper(Periodic):
    def __init__(self, store: Store, handoff: Handoff, settings: Settings, agents: Consoles,
                 files: Files | None = None) -> None:
        self.store = store
        self.files = files  # attachments: deleted once their conversation is gone
        self.files_swept = float("-inf")
        self.handoff = handoff
        self.settings = settings
        self.agents = agents  # the /agent namespace: connections on this process
        self.holder = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.gone_since: dict[str, float] = {}
        self.had: set[str] = set()  # `once` keys this process already saw set
        self.reminders = Reminders(store, handoff.relay, settings)

    async def tick(self) -> None:
        ttl = max(3.0, min(self.settings.agent_grace, 10.0))
        await self.agents.revalidate()  # ended sessions lose their sockets within a second
        await self.store.keep_connected(self.agents.local_names(), ttl=ttl)
        if not await self.store.lead("sweeper", self.holder, ttl=5 * self.interval):
            return
        due: list[Due] = []
        for department in self.handoff.departments:
            due += await self.waiting(department)
        await self.reminders.send(due)
        await self.handoff.serve()  # every queue at once: the longest-waiting first
        await self.departed()
        await self.expired_files()

    async def expired_files(self) -> None:
        """Every ATTACHMENT_SWEEP_EVERY seconds: the files of conversations that expired go too."""
        now = time.monotonic()
        if self.files is None or now - self.files_swept < self.settings.attachment_sweep_every:
            return
        self.files_swept = now

        async def exists(ids: list[str]) -> set[str]:
            return {c.id for c in await self.store.get_conversations(ids)}

        if gone := await sweep(self.files, exists):
            log.info("files of %d expired conversation(s) deleted", gone)

    async def waiting(self, department: str) -> list[Due]:
        """Escalate, offer a message on long waits, close abandoned chats; the chats due a
        reminder (bot/reminders.py sends them, once an interval per agent)."""
        now, s, due = time.time(), self.settings, []
        queue = await self.store.queue(department)
        metrics.QUEUED.labels(department).set(len(queue))
        for conversation in await self.store.get_conversations(queue):  # one round trip
            conversation_id = conversation.id
            # Only this stay in the queue counts: a transfer or requeue starts the timers again,
            # and each stay has its own reminders, escalation and long-wait offer.
            since = conversation.in_queue_since()
            # (a chat queued before `waiting_since` existed keeps the keys it had: no repeats)
            stay = f"{conversation_id}:{since:.3f}" if conversation.waiting_since else conversation_id
            waited = now - since
            payload = {"conversation_id": conversation_id, "waited_seconds": round(waited),
                       "department": department}
            if waited >= s.remind_every:
                due.append(Due(conversation_id, department, waited))
            if waited >= s.escalate_after and await self.once(f"escalate:{stay}", 86400):
                await self.handoff.relay.to_agents(SUPERVISORS, "escalation", payload)
            if waited >= s.max_queue_wait and await self.once(f"longwait:{stay}", 86400):
                await self.handoff.offer_message(conversation_id, department, "long_wait")
            gone = now - conversation.visitor_left_at
            if conversation.visitor_tabs <= 0 and conversation.visitor_left_at and gone >= s.abandon_after:
                await self.handoff.abandoned(conversation)
        return due

    async def once(self, key: str, ttl: float) -> bool:
        """`Store.once`, remembered here: a key already had costs no Redis call next second."""
        if key in self.had:
            return False
        first = await self.store.once(key, ttl)
        if len(self.had) >= 100_000:
            self.had.clear()
        self.had.add(key)
        return first

    async def departed(self) -> None:
        """Requeue the chats of agents whose every connection has been gone for the grace time."""
        now = time.time()
        agents = await self.store.agents()
        connected = await self.store.connected(a.name for a in agents)
        for agent in agents:
            if agent.name in connected:
                self.gone_since.pop(agent.name, None)
                continue
            chats = await self.store.agent_chats(agent.name)
            if not chats:
                continue
            since = self.gone_since.setdefault(agent.name, now)
            if now - since >= self.settings.agent_grace:
                for conversation_id in sorted(chats):
                    await self.handoff.requeue(conversation_id, agent.name)
                self.gone_since.pop(agent.name, None)
