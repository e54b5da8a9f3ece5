"""Queue positions for waiting visitors and queue news for agents, coalesced.

Nothing is sent when a queue changes: a change costs no Redis work and no pub/sub message,
however long the queue. Instead, once a second, each bridge reads each department's queue (one
`ZRANGE`) and the staffing (three reads for all departments), and tells only its own connections
what changed for them: a waiting visitor their new place and wait, the department's agents that
the queue moved. So a visitor hears at most once a second, and is right within a second or two.
The wait is left out when nobody can answer now (the visitor was offered to leave a message).
The wait counts down with the time waited (whole minutes: a visitor hears it once a minute),
and once it is longer than `MAX_QUEUE_WAIT` it is said to be late (no estimate any more):
what the visitor reads agrees with the sweeper's "this is taking longer than it should".
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .handoff import Handoff
from .periodic import Periodic
from .relay import AGENT_NS, Relay, conversation_room, department_room
from .store import Store

Told = tuple[int, int | None, bool]  # position, wait left, late

AGENT_PAGE = 50  # ids of the longest-waiting chats sent to consoles; the rest is paged by `queue`


class QueueAnnouncer(Periodic):
    def __init__(self, store: Store, handoff: Handoff, relay: Relay,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.handoff = handoff
        self.relay = relay
        self.clock = clock
        self.told: dict[str, Told] = {}  # conversation -> what its tabs were told last
        self.since: dict[str, float] = {}  # conversation -> when it entered its queue
        self.queues: dict[str, list[str]] = {}  # department -> queue last told to agents

    async def tick(self) -> None:
        staffing = await self.handoff.staffing()
        told: dict[str, Told] = {}
        for department in self.handoff.departments:
            waiting = await self.store.queue(department)
            await self.tell_agents(department, waiting)
            await self.tell_visitors(department, waiting, staffing.get(department, 0), told)
        self.told = told  # conversations no longer waiting are forgotten
        self.since = {c: at for c, at in self.since.items() if c in told}

    async def tell_visitors(self, department: str, waiting: list[str], agents: int,
                            told: dict[str, Told]) -> None:
        local = [(position, conversation_id) for position, conversation_id
                 in enumerate(waiting, start=1)
                 if self.relay.has_local(conversation_room(conversation_id))]
        await self.learn_since([c for _, c in local])
        now = self.clock()
        for position, conversation_id in local:
            since = self.since.get(conversation_id, 0.0)
            waited = max(0.0, now - since) if since else 0.0
            payload = self.handoff.routing.place(position, agents, department, waited)
            told[conversation_id] = (position, payload["eta_seconds"], payload["late"])
            if self.told.get(conversation_id) == told[conversation_id]:
                continue
            await self.relay.local(conversation_room(conversation_id), "queue_position", payload)

    async def learn_since(self, ids: list[str]) -> None:
        """When each newly seen waiting chat entered its queue: one read for all of them, once
        per stay (a chat that leaves the queue is forgotten, and read again if it comes back)."""
        new = [c for c in ids if c not in self.since]
        if new:
            for conversation in await self.store.get_conversations(new):
                self.since[conversation.id] = conversation.in_queue_since()

    async def tell_agents(self, department: str, waiting: list[str]) -> None:
        if self.queues.get(department, []) == waiting:
            return
        self.queues[department] = waiting
        room = department_room(department)
        if self.relay.has_local(room, AGENT_NS):
            payload = {"department": department, "length": len(waiting),
                       "waiting": waiting[:AGENT_PAGE]}
            await self.relay.local(room, "queue", payload, AGENT_NS)
