"""The handoff core's invariants under random interleavings of every move (hypothesis' stateful
testing), against the real Redis store and the real Rasa server, with no bridge in between.

Invariants, checked after every step:
1. One owner: every conversation has exactly one known owner, and an agent exactly when an agent
   owns it.
2. The indexes agree with the conversation: it is in `queue:{d}` iff queued in department d, in
   `agent_chats:{a}` iff agent a owns it, and in no other queue or agent's set.
3. No agent holds more chats than their capacity.
4. Every stored visitor message is answered or owned by a person: nothing is left pending (but
   just after a simulated crash, until the conversation is next touched), and while the bot or
   the triage step owns a conversation its last message is not the visitor's.
5. Transcript ids strictly increase, and a client message id is stored once.
6. A refused move changes nothing: same owner, agent, department, and no message posted.

`make test` runs a fixed number of examples; `make invariants` (or `INVARIANT_EXAMPLES=2000
pytest tests/test_invariants.py`) runs longer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from bot.config import Settings
from bot.dialogue import Dialogue
from bot.errors import Refused
from bot.handoff import Handoff
from bot.models import Agent, Conversation, Owner, Presence, Role, Sender
from bot.rasa import RasaClient
from bot.relay import Relay
from bot.site import DEFAULT_SITE, cached
from bot.store.keys import PREFIX
from bot.store.redis import RedisStore

from stack import Stack

DEPARTMENTS = cached(DEFAULT_SITE).department_titles  # the sample pack's

EXAMPLES = int(os.environ.get("INVARIANT_EXAMPLES", "25"))
STEPS = int(os.environ.get("INVARIANT_STEPS", "30"))
DATABASE = 14  # the machine's own Redis database, emptied before every example

TEXTS = [
    "/human_handoff", "I want to talk to someone about a refund for my tickets",
    "what time does the box office open?", "hello", "/department general",
    "/department tickets_billing", "/rate good", "/leave_message", "asdkjh qwe",
]
AGENTS = [  # name, department, role, capacity
    ("ana", "tickets_billing", Role.AGENT, 1),
    ("ben", "tickets_billing", Role.AGENT, 2),
    ("cyd", "general", Role.AGENT, 1),
    ("sue", "general", Role.SUPERVISOR, 2),
]
_ids = itertools.count()


def redis_db(url: str, db: int) -> str:
    return url.rsplit("/", 1)[0] + f"/{db}"


class HandoffMachine(RuleBasedStateMachine):
    """Visitors, agents, the sweeper and crashing bridges acting on a few conversations."""

    stack: Stack  # set by the test

    conversations = Bundle("conversations")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        env = {**self.stack.env, "REDIS_URL": redis_db(self.stack.redis_url, DATABASE),
               "AUTO_ASSIGN": "true", "RASA_TIMEOUT": "20"}
        self.settings = Settings.from_env(env)
        self.store = RedisStore(self.settings.redis_url)
        self.rasa = RasaClient(self.stack.rasa_url, self.stack.env["RASA_TOKEN"], 20)
        self.relay = Relay(socketio.AsyncServer(async_mode="aiohttp"), self.store)
        self.handoff = Handoff(self.store, self.relay, self.settings)
        self.dialogue = Dialogue(self.store, self.rasa, self.relay, self.handoff, self.settings)
        self.agents: dict[str, Agent] = {}
        self.crashed: set[str] = set()  # stored, never answered: a bridge died after the ack
        self.ids: list[str] = []
        self.last_sent: dict[str, tuple[str, str]] = {}  # conversation -> (client id, text)
        self.run(self.store.redis.flushdb())

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.rasa.close())
        self.run(self.store.close())
        self.loop.close()

    # set-up ------------------------------------------------------------------------------------

    @initialize()
    def agents_online(self) -> None:
        async def create() -> None:
            for name, department, role, capacity in AGENTS:
                agent = Agent(name, name.title(), department, role, capacity)
                await self.store.save_agent(agent)
                await self.store.set_presence(name, Presence.ONLINE)
                self.agents[name] = agent
            await self.store.keep_connected(self.agents, ttl=3600)

        self.run(create())

    @rule(target=conversations)
    def new_conversation(self) -> str:
        conversation = Conversation(id=f"inv{next(_ids):06d}{secrets.token_hex(6)}")
        self.run(self.store.create_conversation(conversation))
        self.ids.append(conversation.id)
        return conversation.id

    # the visitor ---------------------------------------------------------------------------------

    async def say(self, cid: str, text: str, client_id: str = "", resend: bool = False) -> None:
        client_id = client_id or f"m{next(_ids)}"
        self.last_sent[cid] = (client_id, text)
        appended = await self.dialogue.receive(cid, text, client_id, resend=resend)
        await self.dialogue.respond(cid, appended)

    @rule(cid=conversations, text=st.sampled_from(TEXTS))
    def visitor_says(self, cid: str, text: str) -> None:
        self.run(self.say(cid, text))
        self.crashed.discard(cid)

    @rule(cid=conversations, times=st.integers(1, 2))
    def visitor_resends(self, cid: str, times: int) -> None:
        """The ack of the last message was lost: the client sends it again (once or twice at
        the same moment), saying it is a resend. Stored once (invariant 5), answered once."""
        if cid in self.last_sent:
            client_id, text = self.last_sent[cid]

            async def again() -> None:
                await asyncio.gather(*(self.say(cid, text, client_id, resend=True)
                                       for _ in range(times)))

            self.run(again())
            self.crashed.discard(cid)

    @rule(cid=conversations, text=st.sampled_from(TEXTS))
    def bridge_dies_after_storing(self, cid: str, text: str) -> None:
        """Stored and acknowledged, then the bridge died before anyone answered."""
        self.run(self.dialogue.receive(cid, text, f"m{next(_ids)}"))
        if self.run(self.store.next_pending(cid)) is not None:
            self.crashed.add(cid)

    @rule(cid=conversations)
    def visitor_comes_back(self, cid: str) -> None:
        """A reload: the bridge answers what was stored but never answered."""
        self.run(self.dialogue.answer_pending(cid))
        self.crashed.discard(cid)

    @rule(cid=conversations, texts=st.lists(st.sampled_from(TEXTS), min_size=2, max_size=3))
    def two_tabs_at_once(self, cid: str, texts: list[str]) -> None:
        """Messages from several tabs (or bridges) at the same moment."""

        async def all_at_once() -> None:
            await asyncio.gather(*(self.say(cid, t) for t in texts))

        self.run(all_at_once())
        self.crashed.discard(cid)

    @rule(cid=conversations)
    def leave_message(self, cid: str) -> None:
        self.move(cid, lambda: self.handoff.leave_message(cid, "Kim", "kim@example.org", "hi"))

    # agents and the sweeper -------------------------------------------------------------------

    @rule(cid=conversations, who=st.sampled_from([a[0] for a in AGENTS]))
    def claim(self, cid: str, who: str) -> None:
        self.move(cid, lambda: self.handoff.claim(cid, self.agents[who]))

    @rule(cid=conversations, who=st.sampled_from([a[0] for a in AGENTS]),
          to=st.sampled_from([a[0] for a in AGENTS]))
    def transfer_to_agent(self, cid: str, who: str, to: str) -> None:
        self.move(cid, lambda: self.handoff.transfer_to_agent(
            cid, self.agents[who], self.agents[to], "over to you"), by=who)

    @rule(cid=conversations, who=st.sampled_from([a[0] for a in AGENTS]),
          department=st.sampled_from(list(DEPARTMENTS)))
    def transfer_to_department(self, cid: str, who: str, department: str) -> None:
        self.move(cid, lambda: self.handoff.transfer_to_department(
            cid, self.agents[who], department, "billing question"), by=who)

    @rule(cid=conversations, who=st.sampled_from([a[0] for a in AGENTS]))
    def hand_back(self, cid: str, who: str) -> None:
        self.move(cid, lambda: self.handoff.hand_back(cid, self.agents[who]), by=who)

    @rule(cid=conversations, who=st.sampled_from([a[0] for a in AGENTS]))
    def close(self, cid: str, who: str) -> None:
        self.move(cid, lambda: self.handoff.close(cid, self.agents[who]), by=who)

    @rule(cid=conversations, who=st.sampled_from([a[0] for a in AGENTS]))
    def sweeper_requeues(self, cid: str, who: str) -> None:
        """The agent's connection has been gone past the grace time: only their chats move."""
        before = self.run(self.snapshot(cid))
        if self.run(self.handoff.requeue(cid, who)):
            assert before[:2] == ("agent", who), (before, who)
        else:
            assert self.run(self.snapshot(cid)) == before, "a requeue that did nothing told"

    @rule(cid=conversations)
    def sweeper_closes_abandoned(self, cid: str) -> None:
        """The visitor left the queue long ago (as the sweeper read it): closed if still queued."""
        seen = self.run(self.handoff.conversation(cid))
        before = self.run(self.snapshot(cid))
        self.run(self.handoff.abandoned(seen))
        if before[0] != "queue":
            assert self.run(self.snapshot(cid)) == before, "only a queued chat is closed"

    @rule(department=st.sampled_from(list(DEPARTMENTS)))
    def sweeper_assigns(self, department: str) -> None:
        self.run(self.handoff.assign(department))

    @rule(who=st.sampled_from([a[0] for a in AGENTS]), online=st.booleans())
    def presence(self, who: str, online: bool) -> None:
        status = Presence.ONLINE if online else Presence.AWAY
        self.run(self.store.set_presence(who, status))

    @rule(cid=conversations, data=st.data())
    def race(self, cid: str, data: st.DataObject) -> None:
        """Two moves on one conversation at the same moment, from two consoles or bridges."""
        names = [a[0] for a in AGENTS]
        moves: dict[str, Callable[[], Awaitable[Any]]] = {
            "claim": lambda: self.handoff.claim(cid, self.agents[data.draw(st.sampled_from(names))]),
            "transfer": lambda: self.handoff.transfer_to_agent(
                cid, self.agents[data.draw(st.sampled_from(names))],
                self.agents[data.draw(st.sampled_from(names))], ""),
            "department": lambda: self.handoff.transfer_to_department(
                cid, self.agents[data.draw(st.sampled_from(names))],
                data.draw(st.sampled_from(list(DEPARTMENTS))), ""),
            "hand_back": lambda: self.handoff.hand_back(
                cid, self.agents[data.draw(st.sampled_from(names))]),
            "close": lambda: self.handoff.close(cid, self.agents[data.draw(st.sampled_from(names))]),
            "requeue": lambda: self.handoff.requeue(cid, data.draw(st.sampled_from(names))),
            "abandoned": lambda: self.abandon_as_seen(cid),
            "visitor": lambda: self.dialogue.receive(cid, "hello?", f"m{next(_ids)}"),
            "say": lambda: self.say(cid, data.draw(st.sampled_from(TEXTS))),
        }
        first, second = data.draw(st.lists(st.sampled_from(sorted(moves)), min_size=2, max_size=2))
        calls = [moves[first](), moves[second]()]

        async def both() -> list[Any]:
            return await asyncio.gather(*calls, return_exceptions=True)

        for outcome in self.run(both()):
            if isinstance(outcome, Exception) and not isinstance(outcome, Refused):
                raise outcome
        if "visitor" in (first, second) or "say" in (first, second):
            self.run(self.dialogue.answer_pending(cid))
            self.crashed.discard(cid)

    # helpers -----------------------------------------------------------------------------------

    async def abandon_as_seen(self, cid: str) -> None:
        await self.handoff.abandoned(await self.handoff.conversation(cid))

    def move(self, cid: str, act: Callable[[], Awaitable[Any]], by: str = "") -> None:
        """Run one move; if it is refused, check that it changed nothing (invariant 6); if it
        was an agent's move on an assigned chat, check that the agent was allowed to."""
        before = self.run(self.snapshot(cid))
        try:
            self.run(act())
        except Refused:
            assert self.run(self.snapshot(cid)) == before, "a refused move changed something"
            return
        if by and before[0] == "agent":
            assert before[1] == by or self.agents[by].role is Role.SUPERVISOR, (before, by)

    async def snapshot(self, cid: str) -> tuple[str, str, str, int]:
        r: Any = self.store.redis  # str replies: redis-py's types assume bytes
        owner, agent, department = await r.hmget(f"{PREFIX}conv:{cid}", "owner", "agent",
                                                  "department")
        return owner, agent, department, await r.xlen(f"{PREFIX}msgs:{cid}")

    # invariants --------------------------------------------------------------------------------

    @invariant()
    def consistent(self) -> None:
        self.run(self.check())

    async def check(self) -> None:
        r: Any = self.store.redis  # str replies: redis-py's types assume bytes
        queues = {d: set(await r.zrange(f"{PREFIX}queue:{d}", 0, -1)) for d in DEPARTMENTS}
        chats = {a: await r.smembers(f"{PREFIX}agent_chats:{a}") for a in self.agents}
        for name, agent in self.agents.items():  # 3
            assert len(chats[name]) <= agent.capacity, (name, chats[name])
        for cid in self.ids:
            conv = await r.hgetall(f"{PREFIX}conv:{cid}")
            owner = Owner(conv["owner"])  # 1
            assert bool(conv.get("agent")) == (owner is Owner.AGENT), conv
            for department, waiting in queues.items():  # 2
                queued_here = owner is Owner.QUEUE and conv["department"] == department
                assert (cid in waiting) == queued_here, (cid, conv, queues)
            for name, held in chats.items():
                assert (cid in held) == (owner is Owner.AGENT and conv["agent"] == name), (cid, conv, chats)
            rows = await r.xrange(f"{PREFIX}msgs:{cid}")
            ids = [tuple(map(int, i.split("-"))) for i, _ in rows]  # 5
            assert ids == sorted(set(ids)), ids
            client_ids = [f["client_id"] for _, f in rows if f.get("client_id")]
            assert len(client_ids) == len(set(client_ids)), client_ids
            if cid in self.crashed:
                continue
            pending = await r.lrange(f"{PREFIX}pending:{cid}", 0, -1)  # 4
            assert not pending, (cid, conv, pending)
            if owner in (Owner.BOT, Owner.TRIAGE, Owner.CLOSED) and rows:
                assert rows[-1][1]["sender"] != Sender.VISITOR.value, (cid, conv, rows[-3:])
            assert bot_only_while_it_owns(rows), (cid, [(f["sender"], f["text"]) for _, f in rows])


def bot_only_while_it_owns(rows: list[tuple[str, dict[str, str]]]) -> bool:
    """No bot message between a handoff and the next hand-back, nor between a close and the
    visitor's next message (read from the system messages each move posts)."""
    state = "bot"
    for _, fields in rows:
        custom = json.loads(fields.get("data") or "{}").get("custom") or {}
        sender = fields["sender"]
        if sender == Sender.BOT.value and state != "bot":
            return False
        if sender == Sender.VISITOR.value and state == "closed":
            state = "bot"  # writing into a closed chat reopens it with the bot
        elif sender == Sender.SYSTEM.value:
            if "handoff" in custom:
                state = "people"
            elif custom.get("closed"):
                state = "closed"
            elif custom.get("handed_back") or "ticket" in custom:
                state = "bot"
    return True


def test_handoff_invariants_hold_under_random_interleavings(stack: Stack) -> None:
    HandoffMachine.stack = stack
    run = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=list(HealthCheck), derandomize=not os.environ.get("INVARIANT_RANDOM"),
    )(HandoffMachine)
    run.TestCase().runTest()
