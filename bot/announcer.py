"""Queue positions for waiting visitors and queue news for agents, coalesced.

Nothing is sent when a queue changes: a change costs no Redis work and no pub/sub message,
however long the queue. Instead, once a second, each bridge reads each department's queue (one
`ZRANGE`) and the staffing (three reads for all departments), and tells only its own connections
what changed for them: a waiting visitor their new place and wait, the department's agents that
the queue moved. So a visitor hears at most once a second, and is right within a second or two.
The wait is left out when nobody can answer now (the visitor was offered to leave a message).
"""

from __future__ import annotations

from .handoff import Handoff
from .periodic import Periodic
from .relay import AGENT_NS, Relay, conversation_room, department_room
from .store import Store

AGENT_PAGE = 50  # ids of the longest-waiting chats sent to consoles; the rest is paged by `queue`


class QueueAnnouncer(Periodic):
    def __init__(self, store: Store, handoff: Handoff, relay: Relay) -> None:
        self.store = store
        self.handoff = handoff
        self.relay = relay
        self.told: dict[str, tuple[int, int | None]] = {}  # conversation -> (position, eta) sent
        self.queues: dict[str, list[str]] = {}  # department -> queue last told to agents

    async def tick(self) -> None:
        staffing = await self.handoff.staffing()
        told: dict[str, tuple[int, int | None]] = {}
        for department in self.handoff.departments:
            waiting = await self.store.queue(department)
            await self.tell_agents(department, waiting)
            await self.tell_visitors(department, waiting, staffing.get(department, 0), told)
        self.told = told  # conversations no longer waiting are forgotten

    async def tell_visitors(self, department: str, waiting: list[str], agents: int,
                            told: dict[str, tuple[int, int | None]]) -> None:
        for position, conversation_id in enumerate(waiting, start=1):
            room = conversation_room(conversation_id)
            if not self.relay.has_local(room):
                continue
            eta = self.handoff.estimate(position, agents) if agents else None
            told[conversation_id] = (position, eta)
            if self.told.get(conversation_id) == (position, eta):
                continue
            payload = {"position": position, "eta_seconds": eta, "department": department}
            await self.relay.local(room, "queue_position", payload)

    async def tell_agents(self, department: str, waiting: list[str]) -> None:
        if self.queues.get(department, []) == waiting:
            return
        self.queues[department] = waiting
        room = department_room(department)
        if self.relay.has_local(room, AGENT_NS):
            payload = {"department": department, "length": len(waiting),
                       "waiting": waiting[:AGENT_PAGE]}
            await self.relay.local(room, "queue", payload, AGENT_NS)
