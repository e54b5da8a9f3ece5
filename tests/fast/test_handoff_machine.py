"""The handoff machine in process: the real `Handoff` and `Relay` over the in-memory store, with a
clock that moves only when a step says so and a stand-in for the Socket.IO server that records
what would be sent. No Redis, no Rasa, no socket: thousands of random interleavings in seconds.

The rules are the moves of bot/handoff/machine.py as the bridge's callers make them (the bot hands
over, the visitor picks a department or leaves a message, agents claim, transfer, hand back and
close, the sweeper requeues, closes abandoned chats and assigns), on a few conversations, with
agents of capacity 1 and 2 (one a supervisor) going online and away, and two moves at the same
moment. A `Refused` is an expected answer; anything else raised fails the run.

Checked after every step (the invariants of bot/handoff/machine.py; tests/test_invariants.py
checks them against the real Redis and Rasa, a few examples at a time):
1. One owner: every conversation has exactly one known owner, and an agent exactly when an
   agent owns it.
2. The indexes agree: a conversation is in `queue:{d}` iff queued in department d, in
   `agent_chats:{a}` iff agent a owns it, and in no other queue or agent's set.
3. No agent holds more chats than their capacity.
6. A refused move (or one the caller found not to apply) changed nothing and told nothing.
And the machine is told: after each move that happened (seen at the store), the conversation's
room hears its new owner, an agent who got it is sent `assigned`, one who lost it `released`.

FAST_EXAMPLES (default 2000) and FAST_STEPS set the length of the run; INVARIANT_RANDOM=1 draws
new examples instead of the same ones every time.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from bot.config import Settings
from bot.errors import Refused
from bot.handoff import REASONS, Handoff, HandoffRequest
from bot.models import Agent, Conversation, Owner, Presence, Role
from bot.relay import Relay, agent_room, conversation_room
from bot.store import Expect, Move, Outcome
from bot.store.keys import PREFIX
from bot.store.memory import ManualClock, MemoryStore

EXAMPLES = int(os.environ.get("FAST_EXAMPLES", "2000"))
STEPS = int(os.environ.get("FAST_STEPS", "20"))
SITE = "lantern-street"  # the pack the stack tests use

AGENTS = {  # name -> department, role, capacity ("" department: the pack's first)
    "ana": ("", Role.AGENT, 1),
    "ben": ("general", Role.AGENT, 2),
    "sue": ("general", Role.SUPERVISOR, 2),
}
NAMES = sorted(AGENTS)
OWNER = "(owner)"  # whoever owns the conversation now (else a supervisor): moves that apply
ACTORS = [*NAMES, OWNER]


# The moves of `race`: (handoff, conversation, an agent, another) -> the call
RACING: dict[str, Callable[[Handoff, str, Agent, Agent], Awaitable[Any]]] = {
    "claim": lambda h, cid, a, b: h.claim(cid, a),
    "transfer": lambda h, cid, a, b: h.transfer_to_agent(cid, a, b, ""),
    "department": lambda h, cid, a, b: h.transfer_to_department(cid, a, "general", ""),
    "hand_back": lambda h, cid, a, b: h.hand_back(cid, a),
    "close": lambda h, cid, a, b: h.close(cid, a),
    "requeue": lambda h, cid, a, b: h.requeue(cid, a.name),
    "choose": lambda h, cid, a, b: h.choose_department(cid, "general"),
    "reopen": lambda h, cid, a, b: h.reopen(cid),
    "request": lambda h, cid, a, b: h.request(cid, HandoffRequest("requested")),
}


@dataclass(frozen=True)
class Moved:
    """A move the store made: conversation, owner and agent before, owner and agent after."""

    conversation_id: str
    owner: Owner
    agent: str
    to: Owner
    to_agent: str


@dataclass(frozen=True)
class Told:
    """One emit the bridge would have sent."""

    event: str
    data: Any
    room: str
    namespace: str


Log = list[Moved | Told]


class Recorder:
    """Stands in for `socketio.AsyncServer` as `Relay` uses it: records every emit, connects no one.
    Each emit lets the event loop run other tasks, as a real one may, so that moves made at the
    same moment interleave where the bridge's would."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self.manager = SimpleNamespace(rooms={})  # no `emit_together`: Relay emits one by one

    async def emit(self, event: str, data: Any = None, room: Any = None, namespace: str = "/",
                   **_: Any) -> None:
        for one in room if isinstance(room, list) else [room]:
            self.log.append(Told(event, data, one, namespace))
        await asyncio.sleep(0)

    async def enter_room(self, *_: Any, **__: Any) -> None:
        pass

    async def leave_room(self, *_: Any, **__: Any) -> None:
        pass


class WatchedStore(MemoryStore):
    """The in-memory store, noting each move it makes (the moves a step must have told)."""

    def __init__(self, clock: ManualClock, log: Log) -> None:
        super().__init__(clock)
        self.log = log

    async def transition(self, conversation_id: str, expect: Expect, to: Owner, *,
                         capacity: int | None = None, score: float | None = None,
                         **fields: str) -> Move:
        move = await super().transition(conversation_id, expect, to, capacity=capacity,
                                        score=score, **fields)
        if move.outcome is Outcome.MOVED:
            self.log.append(Moved(conversation_id, move.before.owner, move.before.agent, to,
                                  fields.get("agent", "")))
        return move


def owner_told(told: Told) -> str | None:
    """The owner an emit carries (a transcript entry, a bot utterance, a console's summary)."""
    data = told.data if isinstance(told.data, dict) else {}
    if told.event == "message":
        return data.get("owner")
    if told.event == "bot_uttered":
        return data.get("metadata", {}).get("owner")
    if told.event == "conversation":
        return data.get("conversation", {}).get("owner")
    return None


class HandoffMachine(RuleBasedStateMachine):
    """Visitors, agents and the sweeper acting on a few conversations, in one process."""

    settings: Settings  # set by the test
    closed_steps = 0  # steps of time that ended outside business hours: both are exercised
    loop: asyncio.AbstractEventLoop

    conversations = Bundle("conversations")

    def __init__(self) -> None:
        super().__init__()
        self.log: Log = []
        self.clock = ManualClock()
        self.store = WatchedStore(self.clock, self.log)
        self.relay = Relay(Recorder(self.log), self.store)
        self.handoff = Handoff(self.store, self.relay, self.settings, clock=self.clock)
        self.departments = list(self.handoff.departments)
        self.agents: dict[str, Agent] = {}
        self.ids: list[str] = []
        self.numbers = itertools.count()

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    # set-up ----------------------------------------------------------------------------------

    @initialize(target=conversations, online=st.lists(st.booleans(), min_size=3, max_size=3))
    def open_desk(self, online: list[bool]) -> Any:
        """Agents connected, online or away (so that chats wait in queues too); two visitors
        talking to the bot."""
        for (name, (department, role, capacity)), here in zip(AGENTS.items(), online):
            agent = Agent(name, name.title(), department or self.departments[0], role, capacity)
            self.run(self.store.save_agent(agent))
            self.presence(name, here)
            self.agents[name] = agent
        self.run(self.store.keep_connected(self.agents, ttl=10 * 86400))
        return multiple(self.new_conversation(), self.new_conversation())

    @rule(target=conversations)
    def new_conversation(self) -> str:
        conversation = Conversation(id=f"{next(self.numbers):032x}")
        self.run(self.store.create_conversation(conversation))
        self.ids.append(conversation.id)
        return conversation.id

    @rule(seconds=st.sampled_from([1, 30, 90, 3600]))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)
        HandoffMachine.closed_steps += not self.handoff.routing.is_open()

    @rule(who=st.sampled_from(NAMES), online=st.booleans())
    def presence(self, who: str, online: bool) -> None:
        self.run(self.store.set_presence(who, Presence.ONLINE if online else Presence.AWAY))

    # the bot and the visitor -----------------------------------------------------------------

    @rule(cid=conversations, reason=st.sampled_from(REASONS),
          department=st.sampled_from(["", "general", "website_technical", "tickets_billing"]))
    def bot_hands_over(self, cid: str, reason: str, department: str) -> None:
        request = HandoffRequest(reason, department=department)
        self.move(cid, lambda: self.handoff.request(cid, request))

    @rule(cid=conversations, department=st.sampled_from(["general", "tickets_billing", "typed"]))
    def visitor_chooses(self, cid: str, department: str) -> None:
        self.move(cid, lambda: self.handoff.choose_department(cid, department))

    @rule(cid=conversations)
    def visitor_leaves_message(self, cid: str) -> None:
        self.move(cid, lambda: self.handoff.leave_message(cid, "Kim", "kim@example.org", "hi"),
                  posts=True)

    @rule(cid=conversations)
    def visitor_writes_again(self, cid: str) -> None:
        self.move(cid, lambda: self.handoff.reopen(cid))

    # agents ----------------------------------------------------------------------------------

    @rule(cid=conversations, who=st.sampled_from(NAMES))
    def claim(self, cid: str, who: str) -> None:
        self.move(cid, lambda: self.handoff.claim(cid, self.agents[who]), by=who)

    @rule(cid=conversations, who=st.sampled_from(ACTORS), to=st.sampled_from(NAMES))
    def transfer_to_agent(self, cid: str, who: str, to: str) -> None:
        who = self.actor(cid, who)
        self.move(cid, lambda: self.handoff.transfer_to_agent(
            cid, self.agents[who], self.agents[to], "over to you"), by=who)

    @rule(cid=conversations, who=st.sampled_from(ACTORS),
          department=st.sampled_from(["general", "tickets_billing", "nowhere"]))
    def transfer_to_department(self, cid: str, who: str, department: str) -> None:
        who = self.actor(cid, who)
        self.move(cid, lambda: self.handoff.transfer_to_department(
            cid, self.agents[who], department, "a billing question"), by=who)

    @rule(cid=conversations, who=st.sampled_from(ACTORS))
    def hand_back(self, cid: str, who: str) -> None:
        who = self.actor(cid, who)
        self.move(cid, lambda: self.handoff.hand_back(cid, self.agents[who]), by=who)

    @rule(cid=conversations, who=st.sampled_from([*ACTORS, ""]))
    def close(self, cid: str, who: str) -> None:
        """An agent closes (or, with nobody named, the visitor's tab or the bridge)."""
        who = self.actor(cid, who)
        by = self.agents[who] if who else None
        self.move(cid, lambda: self.handoff.close(cid, by), by=who)

    # the sweeper -----------------------------------------------------------------------------

    @rule(cid=conversations, who=st.sampled_from(ACTORS))
    def agent_gone(self, cid: str, who: str) -> None:
        """The agent's connection has been gone past the grace time: their chat is requeued."""
        who = self.actor(cid, who)
        self.move(cid, lambda: self.handoff.requeue(cid, who))

    @rule(cid=conversations)
    def abandoned(self, cid: str) -> None:
        """The visitor left while waiting (as the sweeper read the conversation just now)."""
        seen = self.run(self.store.get_conversation(cid))
        if seen is not None:
            self.move(cid, lambda: self.handoff.abandoned(seen))

    @rule(department=st.sampled_from(["general", "tickets_billing", "website_technical"]))
    def sweeper_assigns(self, department: str) -> None:
        start = len(self.log)
        self.run(self.handoff.assign(department))
        self.check_told(start)

    @rule(cid=conversations, names=st.lists(st.sampled_from(sorted(RACING)), min_size=2,
                                            max_size=2),
          who=st.lists(st.sampled_from(NAMES), min_size=4, max_size=4))
    def race(self, cid: str, names: list[str], who: list[str]) -> None:
        """Two moves on one conversation at the same moment, from two consoles or bridges."""
        agents = [self.agents[name] for name in who]
        calls = [RACING[name](self.handoff, cid, agents[2 * i], agents[2 * i + 1])
                 for i, name in enumerate(names)]
        start = len(self.log)

        async def both() -> list[Any]:
            return await asyncio.gather(*calls, return_exceptions=True)

        for outcome in self.run(both()):
            if isinstance(outcome, BaseException) and not isinstance(outcome, Refused):
                raise outcome
        self.check_told(start)

    def actor(self, cid: str, who: str) -> str:
        """`who`, or for `OWNER` the agent who owns the conversation now (else a supervisor)."""
        if who != OWNER:
            return who
        conversation = self.run(self.store.get_conversation(cid))
        return conversation.agent if conversation and conversation.agent else "sue"

    # what each step must show ----------------------------------------------------------------

    def move(self, cid: str, act: Callable[[], Awaitable[Any]], by: str = "",
             posts: bool = False) -> None:
        """One move: if refused (or found not to apply: `False`, or no move at the store),
        nothing changed and nothing was told (invariant 6); else every move the store made was
        told. `by`: the agent acting, allowed only on their own chat (or as a supervisor).
        `posts`: the call stores a message whether or not it moves (a left message)."""
        before, start = self.snapshot(), len(self.log)
        try:
            result = self.run(act())
        except Refused:
            result = False
        moved = any(isinstance(entry, Moved) for entry in self.log[start:])
        if result is False or not moved:
            assert not moved, ("moved but said it did not", self.log[start:])
            if not posts:
                assert self.snapshot() == before, "a refused move changed something"
                assert self.log[start:] == [], ("a refused move told", self.log[start:])
            return
        seen = before[cid][0]
        if by and seen is not None and seen.owner is Owner.AGENT:
            assert seen.agent == by or self.agents[by].role is Role.SUPERVISOR, (seen, by)
        self.check_told(start)

    def check_told(self, start: int) -> None:
        """Every move the store made since `start` was told: its new owner to the
        conversation's room (any word, when the conversation moved again meanwhile), `assigned`
        to an agent who got it, `released` to one who lost it."""
        entries = self.log[start:]
        for at, move in enumerate(entries):
            if not isinstance(move, Moved):
                continue
            cid, later = move.conversation_id, entries[at + 1:]
            room = [t for t in later if isinstance(t, Told) and t.room == conversation_room(cid)]
            again = any(isinstance(m, Moved) and m.conversation_id == cid for m in later)
            assert room if again else any(owner_told(t) == move.to for t in room), (
                "a move not told", move, entries)
            by_agent = {(t.event, t.room, t.data.get("conversation_id")) for t in later
                        if isinstance(t, Told) and isinstance(t.data, dict)}
            if move.to_agent and move.to_agent != move.agent:
                assert ("assigned", agent_room(move.to_agent), cid) in by_agent, ("not assigned", move)
            if move.agent and move.agent != move.to_agent:
                assert ("released", agent_room(move.agent), cid) in by_agent, ("not released", move)

    def snapshot(self) -> dict[str, tuple[Conversation | None, int]]:
        """Every conversation as stored, with the length of its transcript."""
        return {cid: (self.run(self.store.get_conversation(cid)),
                      len(self.run(self.store.all_messages(cid)))) for cid in self.ids}

    # invariants ------------------------------------------------------------------------------

    @invariant()
    def consistent(self) -> None:
        keys = self.store.keys
        queues = {name.removeprefix(f"{PREFIX}queue:"): set(keys.get(name))
                  for name in keys.names(f"{PREFIX}queue:")}
        chats = {name.removeprefix(f"{PREFIX}agent_chats:"): set(keys.get(name))
                 for name in keys.names(f"{PREFIX}agent_chats:")}
        assert set(chats) <= set(self.agents), chats
        for name, held in chats.items():  # 3
            assert len(held) <= self.agents[name].capacity, (name, held)
        for cid in self.ids:
            conv = keys.get(f"{PREFIX}conv:{cid}")
            if conv is None:  # never handed over, nor written in: expired (and in no index)
                assert all(cid not in held for held in [*queues.values(), *chats.values()]), cid
                continue
            owner = Owner(conv["owner"])  # 1
            assert bool(conv.get("agent")) == (owner is Owner.AGENT), conv
            for department, waiting in queues.items():  # 2
                assert (cid in waiting) == (owner is Owner.QUEUE and conv["department"] == department), (
                    cid, conv, queues)
            if owner is Owner.QUEUE:
                assert cid in queues.get(conv["department"], ()), (cid, conv, queues)
                assert conv["department"] in self.departments, conv
            for name, held in chats.items():
                assert (cid in held) == (owner is Owner.AGENT and conv["agent"] == name), (
                    cid, conv, chats)
            if owner is Owner.AGENT:
                assert cid in chats.get(conv["agent"], ()), (cid, conv, chats)


@pytest.fixture(scope="module")
def desk_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The settings of a bridge, read from a mapping (no process): the sample pack, open until
    22:30 UTC (the clock starts at 22:13, so an hour passing closes it and another opens it
    again), auto-assignment on."""
    return Settings.from_env({
        "FRONTDESK_DATA_DIR": str(tmp_path_factory.mktemp("desk")),
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never connected to: the store is in memory
        "SITE": SITE, "BUSINESS_HOURS": "Mon-Sun 00:00-22:30", "BUSINESS_TIMEZONE": "UTC",
        "AUTO_ASSIGN": "true",
    })


def test_handoff_machine_holds_its_invariants_in_process(desk_settings: Settings) -> None:
    HandoffMachine.settings = desk_settings
    HandoffMachine.loop = asyncio.new_event_loop()
    random = bool(os.environ.get("INVARIANT_RANDOM"))
    run = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=not random, database=settings().database if random else None,
    )(HandoffMachine)
    try:
        run.TestCase().runTest()
    finally:
        HandoffMachine.loop.close()
    assert HandoffMachine.closed_steps > 0
