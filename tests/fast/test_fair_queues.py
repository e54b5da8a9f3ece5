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
  take; so no newcomer and no later chat goes first.

FAST_EXAMPLES (default 2000, shared with the other fast test) and FAST_STEPS set the run's
length; INVARIANT_RANDOM=1 draws new examples.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

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


class Silent:
    """Stands in for `socketio.AsyncServer` as `Relay` uses it: sends nothing."""

    manager = SimpleNamespace(rooms={})

    async def emit(self, *_: Any, **__: Any) -> None:
        await asyncio.sleep(0)

    async def enter_room(self, *_: Any, **__: Any) -> None:
        pass

    async def leave_room(self, *_: Any, **__: Any) -> None:
        pass


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
        return await super().transition(conversation_id, expect, to, capacity=capacity,
                                        score=score, **fields)

    async def free(self) -> list[Agent]:
        """Agents online, connected and below capacity."""
        presences = await self.presences()
        connected = await self.connected(self.desk)
        loads = await self.agent_loads(self.desk)
        return [a for a in self.desk.values() if a.name in connected
                and presences.get(a.name) is Presence.ONLINE and loads[a.name] < a.capacity]

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
        if presence is Presence.ONLINE:
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
    def sweeper_assigns(self) -> None:
        """The sweeper's round: assignment retried in every department."""
        for department in DEPARTMENTS:
            self.act(self.handoff.assign(department))

    # the invariant -----------------------------------------------------------------------------

    @invariant()
    def nobody_waits_while_someone_is_free(self) -> None:
        free = self.run(self.store.free())
        if not free:
            return
        waiting = {d: self.run(self.store.queue(d)) for d in DEPARTMENTS}
        assert not any(waiting.values()), ("chats wait while agents are free",
                                           [a.name for a in free], waiting)


@pytest.fixture(scope="module")
def desk_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A bridge's settings from a mapping: the sample pack, always open, auto-assignment on."""
    return Settings.from_env({
        "FRONTDESK_DATA_DIR": str(tmp_path_factory.mktemp("fair")),
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never connected to: the store is in memory
        "SITE": "lantern-street", "BUSINESS_HOURS": "", "AUTO_ASSIGN": "true",
    })


def test_nobody_who_may_be_served_waits_behind_a_later_chat(desk_settings: Settings) -> None:
    FairQueues.settings = desk_settings
    FairQueues.loop = asyncio.new_event_loop()
    random = bool(os.environ.get("INVARIANT_RANDOM"))
    run = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=not random, database=settings().database if random else None,
    )(FairQueues)
    try:
        run.TestCase().runTest()
    finally:
        FairQueues.loop.close()
