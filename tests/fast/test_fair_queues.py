"""Fair queues in process (issue 24, item 1): nobody who may be served waits while a later chat for
the same agents is served. The real `Handoff` over the in-memory store, a clock stepped by hand,
auto-assignment on, agents of three departments and a supervisor; random arrivals, presence
changes (as the console makes them: the store, then `assign`), hand claims, closes, hand-backs,
transfers, agents gone and the sweeper's assignment round.

Checked after every step:
- Work is not left waiting: while anyone is free (online, connected, below capacity), no chat
  waits in any queue. A free agent may take a chat of their own departments
  (`access.departments_of`), and one of a department where nobody is free, as routing sends new
  chats (`Routing.route`).
- Queue order: every chat the bridge gave an agent by itself (not a hand claim, not a transfer
  to a named colleague) was, at that moment, the longest-waiting of the chats that agent may
  take; so no newcomer and no later chat goes first. Every chat it moved to someone free of
  another department was the longest-waiting of those nobody free serves.

The same with auto-assignment off ("offered"): agents claim by hand, and after each of the
sweeper's rounds a free seat is offered (its agent's queue holds) the chats of departments
nobody free serves, unless enough already wait in the free agents' own queues. Both were seen
to fail: on the bridge before this (a free agent of another department given nothing, a
newcomer served first), and with `Handoff.offer` left out.

FAST_EXAMPLES (default 2000, shared with the other fast test) and FAST_STEPS set the run's
length; INVARIANT_RANDOM=1 draws new examples.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from in_process import Silent, desk_settings

from bot.config import Settings
from bot.errors import Refused
from bot.handoff import Handoff, HandoffRequest, access
from bot.models import Agent, Conversation, Owner, Presence, Role
from bot.relay import Relay
from bot.store import Expect, Move
from bot.store.keys import PREFIX
from bot.store.memory import ManualClock, MemoryStore

EXAMPLES = int(os.environ.get("FAST_EXAMPLES", "2000"))
STEPS = int(os.environ.get("FAST_STEPS", "20"))
DEPARTMENTS = ["tickets_billing", "website_technical", "general"]
AGENTS = {  # name -> department, role, capacity
    "ava": ("tickets_billing", Role.AGENT, 1),
    "rui": ("website_technical", Role.AGENT, 1),
    "gil": ("general", Role.AGENT, 2),
    "sol": ("general", Role.SUPERVISOR, 1),
}
NAMES = sorted(AGENTS)
PRESENCES = [Presence.ONLINE, Presence.AWAY, Presence.OFFLINE]


class FairnessWatch(MemoryStore):
    """The in-memory store, checking at each move to an agent that the bridge made by itself
    that the chat was the longest-waiting one that agent may take."""

    desk: dict[str, Agent]  # the agents, as the test made them
    directed = False  # a hand claim or a transfer to a named colleague: the agent's own choice

    async def transition(self, conversation_id: str, expect: Expect, to: Owner, *,
                         capacity: int | None = None, score: float | None = None,
                         **fields: str) -> Move:
        if to is Owner.AGENT and not self.directed:
            waiting = await self.takeable(self.desk[fields["agent"]])
            chosen = waiting.pop(conversation_id, None)
            if chosen is not None and waiting:
                assert chosen <= min(waiting.values()), (
                    "a later chat served first", conversation_id, chosen, waiting)
        if to is Owner.QUEUE and expect.owners == (Owner.QUEUE,):  # moved to someone free
            waiting = await self.unserved()
            chosen = waiting.pop(conversation_id, None)
            assert chosen is not None, ("moved a chat of a department someone free serves",
                                        conversation_id)
            assert not waiting or chosen <= min(waiting.values()), (
                "a later chat moved first", conversation_id, chosen, waiting)
        return await super().transition(conversation_id, expect, to, capacity=capacity,
                                        score=score, **fields)

    async def free(self) -> list[Agent]:
        """Agents online, connected and below capacity."""
        presences = await self.presences()
        connected = await self.connected(self.desk)
        loads = await self.agent_loads(self.desk)
        return [a for a in self.desk.values() if a.name in connected
                and presences.get(a.name) is Presence.ONLINE and loads[a.name] < a.capacity]

    async def unserved(self) -> dict[str, float]:
        """Chat id -> queue score of every chat waiting in a department nobody free serves."""
        served = {d for a in await self.free() for d in access.departments_of(a, DEPARTMENTS)}
        waiting: dict[str, float] = {}
        for department in set(DEPARTMENTS) - served:
            waiting.update(self.keys.get(f"{PREFIX}queue:{department}") or {})
        return waiting

    async def takeable(self, agent: Agent) -> dict[str, float]:
        """Chat id -> queue score of every waiting chat `agent` may take now: of their own
        departments, and of departments where nobody is free."""
        free = await self.free()
        served = {d for a in free for d in access.departments_of(a, DEPARTMENTS)}
        mine = set(access.departments_of(agent, DEPARTMENTS))
        waiting: dict[str, float] = {}
        for department in DEPARTMENTS:
            if department in mine or department not in served:
                waiting.update(self.keys.get(f"{PREFIX}queue:{department}") or {})
        return waiting


class FairQueues(RuleBasedStateMachine):
    settings: Settings  # set by the test
    loop: asyncio.AbstractEventLoop

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.store = FairnessWatch(self.clock)
        self.handoff = Handoff(self.store, Relay(Silent(), self.store), self.settings,
                               clock=self.clock)
        self.agents = {name: Agent(name, name.title(), d, role, capacity)
                       for name, (d, role, capacity) in AGENTS.items()}
        self.store.desk = self.agents
        self.ids: list[str] = []
        self.numbers = itertools.count()

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    def act(self, coroutine: Awaitable[Any], directed: bool = False) -> None:
        """A call of the bridge's; `Refused` is an answer, anything else a failure."""
        self.store.directed = directed
        try:
            self.run(coroutine)
        except Refused:
            pass
        finally:
            self.store.directed = False

    @initialize(presences=st.lists(st.sampled_from(PRESENCES), min_size=4, max_size=4))
    def open_desk(self, presences: list[Presence]) -> None:
        for agent, presence in zip(self.agents.values(), presences):
            self.run(self.store.save_agent(agent))
            self.run(self.store.set_presence(agent.name, presence))
        self.run(self.store.keep_connected(self.agents, ttl=10 * 86400))

    # visitors ----------------------------------------------------------------------------------

    @rule(department=st.sampled_from(DEPARTMENTS))
    def visitor_asks_for_a_person(self, department: str) -> None:
        """A new visitor asks for a person of `department` (the bot hands over)."""
        self.clock.advance(1)  # arrivals are ordered
        conversation = Conversation(id=f"{next(self.numbers):032x}")
        self.run(self.store.create_conversation(conversation))
        self.ids.append(conversation.id)
        self.act(self.handoff.request(conversation.id,
                                      HandoffRequest("requested", department=department)))

    @rule(seconds=st.sampled_from([1, 30]))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)

    # agents ------------------------------------------------------------------------------------

    @rule(who=st.sampled_from(NAMES), presence=st.sampled_from(PRESENCES))
    def presence(self, who: str, presence: Presence) -> None:
        """As the console does (`do_presence`): the store, then auto-assignment when online."""
        self.run(self.store.set_presence(who, presence))
        if presence is Presence.ONLINE and self.settings.auto_assign:
            self.act(self.handoff.assign(self.agents[who].department))

    @rule(who=st.sampled_from(NAMES), data=st.data())
    def claim(self, who: str, data: st.DataObject) -> None:
        if self.ids:
            cid = data.draw(st.sampled_from(self.ids))
            self.act(self.handoff.claim(cid, self.agents[who]), directed=True)

    @rule(who=st.sampled_from(NAMES), how=st.sampled_from(["close", "hand_back", "general",
                                                            "tickets_billing", "to_sol"]))
    def agent_frees_a_seat(self, who: str, how: str) -> None:
        """The agent's oldest chat ends: closed, handed back, sent to a department or to Sol."""
        chats = sorted(self.run(self.store.agent_chats(who)))
        if not chats:
            return
        agent, cid = self.agents[who], chats[0]
        if how == "close":
            self.act(self.handoff.close(cid, agent))
        elif how == "hand_back":
            self.act(self.handoff.hand_back(cid, agent))
        elif how == "to_sol":
            self.act(self.handoff.transfer_to_agent(cid, agent, self.agents["sol"], ""),
                     directed=True)
        else:
            self.act(self.handoff.transfer_to_department(cid, agent, how, ""))

    @rule(who=st.sampled_from(NAMES))
    def agent_gone(self, who: str) -> None:
        """The agent's connection is gone past the grace time (as the sweeper sees it): offline,
        their chats back to the front of their queues."""
        self.run(self.store.set_presence(who, Presence.OFFLINE))
        for cid in sorted(self.run(self.store.agent_chats(who))):
            self.act(self.handoff.requeue(cid, who))

    @rule()
    def sweeper_serves(self) -> None:
        """The sweeper's round: free seats filled (auto-assignment) or offered. Without
        auto-assignment, a free seat is then offered a chat of a department nobody free serves
        unless enough chats already wait in the free agents' own queues to fill them all."""
        self.act(self.handoff.serve())
        if self.settings.auto_assign:
            return
        seats = self.run(self.store.free())
        loads = self.run(self.store.agent_loads(a.name for a in seats))
        spare = sum(a.capacity - loads[a.name] for a in seats)
        unserved = self.run(self.store.unserved())
        served = {d for a in seats for d in access.departments_of(a, DEPARTMENTS)}
        offered = sum(len(self.run(self.store.queue(d))) for d in served)
        assert not unserved or spare <= offered, ("free seats not offered the waiting chats",
                                                  spare, offered, unserved)

    # the invariant -----------------------------------------------------------------------------

    @invariant()
    def nobody_waits_while_someone_is_free(self) -> None:
        free = self.run(self.store.free())
        if not free or not self.settings.auto_assign:
            return
        waiting = {d: self.run(self.store.queue(d)) for d in DEPARTMENTS}
        assert not any(waiting.values()), ("chats wait while agents are free",
                                           [a.name for a in free], waiting)


@pytest.mark.parametrize("auto_assign", [True, False], ids=["assigned", "offered"])
def test_nobody_who_may_be_served_waits_behind_a_later_chat(tmp_path: Path,
                                                            auto_assign: bool) -> None:
    """Auto-assignment on: the invariants above. Off: the bridge moves chats to free seats
    (oldest first) but agents claim by hand; checked after each of the sweeper's rounds."""
    class Machine(FairQueues):  # a class of its own for each setting (hypothesis' settings)
        pass

    Machine.settings = desk_settings(tmp_path, auto_assign)
    Machine.loop = asyncio.new_event_loop()
    random = bool(os.environ.get("INVARIANT_RANDOM"))
    run = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS,
        deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=not random, database=settings().database if random else None,
    )(Machine)
    try:
        run.TestCase().runTest()
    finally:
        Machine.loop.close()
