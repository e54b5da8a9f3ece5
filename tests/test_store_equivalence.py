"""The in-memory store behaves as the Redis one: one random sequence of store operations,
applied to a `RedisStore` (a real Redis) and to a `MemoryStore`, gives the same results and
leaves the same observable state (conversations, transcripts, pending messages, queues, agents'
chats, presence, tickets, the visitor history and search indexes) after every step.

What cannot be equal is mapped: message ids (each store stamps them from its own clock) are
compared by their place in the transcript, and times by being within a few seconds; random
session tokens are paired by the order they were made in. TTLs here are long: expiry by the
clock is checked in tests/fast/test_memory_store.py (a real Redis cannot be stepped).

Needs only a Redis: `TEST_REDIS_URL` or `REDIS_URL` (its database 15 is emptied), else a
`redis-server` on a free port. `STORE_EXAMPLES` (default 60) examples.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot.models import (
    Agent,
    Conversation,
    Learned,
    Message,
    Owner,
    Presence,
    Role,
    Sender,
    Ticket,
    Unanswered,
)
from bot.store import Expect, NotOwner
from bot.store.memory import MemoryStore
from bot.store.redis import RedisStore

from stack import free_port, tcp_open

EXAMPLES = int(os.environ.get("STORE_EXAMPLES", "60"))
DATABASE = 15
IDS = ["c1", "c2"]
DEPARTMENTS = ["general", "billing"]
AGENTS = ["ana", "ben", "cyd"]
OWNERS = list(Owner)
CLIENT_IDS = ["", "k1", "k2", "k3"]
LINKS = ["l1", "l2"]  # visitor links (bot/history.py hashes them)
WORDS = ["hello", "refund", "at1234"]
TAGS = ["vip", "refund", "bug", "late"]
TIME_FIELDS = {"created_at", "updated_at", "picked_at", "first_response_at", "visitor_left_at",
               "ts", "waited_seconds"}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A Redis to compare with: the one configured, else a throwaway `redis-server`."""
    configured = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    if configured:
        yield configured.rsplit("/", 1)[0] + f"/{DATABASE}"
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no Redis: set TEST_REDIS_URL or install redis-server")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not tcp_open(port):
                assert time.monotonic() < deadline and process.poll() is None, "redis-server"
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/{DATABASE}"
        finally:
            process.terminate()
            process.wait(10)


def plain(value: Any, ids: dict[str, int]) -> Any:
    """A result as comparable data: dataclasses as dicts, message ids as their place in the
    transcript (`ids`), sets sorted."""
    if isinstance(value, NotOwner):
        return ["NotOwner", plain(value.conversation, ids)]
    if isinstance(value, Exception):
        return (type(value).__name__,)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: ids.get(v, v) if k == "id" and isinstance(v, str) else plain(v, ids)
                for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v, ids) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v, ids) for v in value]
    if isinstance(value, str) and value in ids:
        return ("message", ids[value])
    return value


def assert_same(redis: Any, memory: Any, path: str = "") -> None:
    """Equal, but for times (within 5 s of each other: the stores read separate clocks)."""
    if isinstance(redis, dict) and isinstance(memory, dict):
        assert redis.keys() == memory.keys(), (path, redis, memory)
        for key in redis:
            if key in TIME_FIELDS and isinstance(redis[key], float):
                assert (redis[key] == 0) == (memory[key] == 0), (path + key, redis, memory)
                assert abs(redis[key] - memory[key]) < 5, (path + key, redis, memory)
            else:
                assert_same(redis[key], memory[key], f"{path}{key}.")
    elif isinstance(redis, list) and isinstance(memory, list):
        assert len(redis) == len(memory), (path, redis, memory)
        for one, other in zip(redis, memory):
            assert_same(one, other, path)
    else:
        assert redis == memory, (path, redis, memory)


refs = st.one_of(st.none(), st.integers(0, 6), st.sampled_from(
    ["0", "0-1", "99999999999999-0", "x-1", "5-", "-", "1-2-3"]))


class StoreMachine(RuleBasedStateMachine):
    """Every kind of store operation, on both stores, compared result by result."""

    url: str  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.redis = RedisStore(self.url)
        self.memory = MemoryStore()
        self.sessions: list[tuple[str, str]] = []  # (redis's token, memory's token)
        self.held: dict[str, list[Any]] = {}  # conversation -> its turn, held on both stores
        self.loop.run_until_complete(self.redis.redis.flushdb())

    def teardown(self) -> None:
        for managers, _ in self.held.values():
            for manager in managers:
                self.loop.run_until_complete(manager.__aexit__(None, None, None))
        self.loop.run_until_complete(self.redis.close())
        self.loop.close()

    # running one operation on both -------------------------------------------------------------

    async def ids(self, store: Any) -> dict[str, int]:
        """Each message id of the store -> its place in its transcript."""
        places = {}
        for cid in IDS:
            for n, message in enumerate(await store.all_messages(cid)):
                places[message.id] = n
        return places

    async def outcome(self, call: Callable[[Any, int], Awaitable[Any]], store: Any,
                      side: int) -> Any:
        try:
            result = await call(store, side)
        except (NotOwner, ValueError) as error:
            result = error
        return plain(result, await self.ids(store))

    def both(self, call: Callable[[Any, int], Awaitable[Any]]) -> Any:
        """`call(store, side)` on Redis (side 0) then memory (side 1); the results must agree."""
        redis = self.loop.run_until_complete(self.outcome(call, self.redis, 0))
        memory = self.loop.run_until_complete(self.outcome(call, self.memory, 1))
        assert_same(redis, memory)
        return redis

    async def resolve(self, store: Any, cid: str, ref: int | str | None) -> str | None:
        if not isinstance(ref, int):
            return ref
        messages = await store.all_messages(cid)
        return messages[ref % len(messages)].id if messages else None

    # conversations -------------------------------------------------------------------------------

    @initialize(owners=st.lists(st.sampled_from(OWNERS), min_size=len(IDS), max_size=len(IDS)))
    def conversations(self, owners: list[Owner]) -> None:
        """Conversations from the start (more steps find something to act on)."""
        for cid, owner in zip(IDS, owners):
            self.create(cid, owner, "", "", "", 0.0)

    @rule(cid=st.sampled_from(IDS), owner=st.sampled_from(OWNERS),
          department=st.sampled_from(["", *DEPARTMENTS]), user=st.sampled_from(["", "u1", "u2"]),
          secret=st.sampled_from(["", "s1", "s2"]), created=st.sampled_from([0.0, 1000.5]))
    def create(self, cid: str, owner: Owner, department: str, user: str, secret: str,
               created: float) -> None:
        self.both(lambda s, _: s.create_conversation(Conversation(
            cid, owner, created_at=created, department=department, user_id=user), secret))

    @rule(cid=st.sampled_from(IDS), fields=st.dictionaries(
        st.sampled_from(["rating", "user_id", "leaving", "email", "waiting_since"]),
        st.sampled_from(["", "u1", "good", "1234.5"]), min_size=1))
    def update(self, cid: str, fields: dict[str, str]) -> None:
        if fields.get("waiting_since") not in (None, "", "1234.5"):
            fields["waiting_since"] = "1234.5"
        self.both(lambda s, _: s.update_conversation(cid, **fields))

    @rule(cid=st.sampled_from(["c1", "c2", "c3"]), add=st.sampled_from(["", *TAGS]),
          remove=st.sampled_from(["", *TAGS]), cap=st.integers(0, 3))
    def retag(self, cid: str, add: str, remove: str, cap: int) -> None:
        """Tags (bot/tags.py): at most `cap`, each once, in the order added; None: no chat."""
        self.both(lambda s, _: s.retag(cid, add, remove, cap))

    @rule(cid=st.sampled_from(IDS), change=st.sampled_from([1, -1]))
    def tabs(self, cid: str, change: int) -> None:
        self.both(lambda s, _: s.visitor_tabs(cid, change))

    @rule(cid=st.sampled_from(IDS), now=st.sampled_from([True, True, False]),
          owners=st.lists(st.sampled_from(OWNERS), max_size=3, unique=True),
          agent=st.sampled_from([None, "", *AGENTS]),
          department=st.sampled_from([None, "", *DEPARTMENTS]),
          to=st.sampled_from([*OWNERS, Owner.QUEUE, Owner.AGENT]),
          capacity=st.sampled_from([None, 0, 1, 2]),
          score=st.sampled_from([None, 0.0, 5.0, 5.0, 1e9]),
          fields=st.dictionaries(st.sampled_from(
              ["agent", "department", "queued_at", "picked_at", "waiting_since", "handoff"]),
              st.sampled_from(["", "ana", "ben", "general", "billing", "7.25"])))
    def transition(self, cid: str, now: bool, owners: list[Owner], agent: str | None,
                   department: str | None, to: Owner, capacity: int | None,
                   score: float | None, fields: dict[str, str]) -> None:
        for name in ("queued_at", "picked_at", "waiting_since"):  # times stay times
            if fields.get(name) not in (None, "7.25"):
                fields[name] = "7.25"
        if fields.get("handoff") is not None:
            fields["handoff"] = "{}"
        if to is Owner.AGENT and not fields.get("agent"):  # a move to a person names them
            fields["agent"] = AGENTS[0]
        expect = Expect(tuple(owners), agent, department)
        seen = self.loop.run_until_complete(self.memory.get_conversation(cid))
        if now and seen:  # mostly a move from the state it is in (as callers make them)
            expect = Expect((seen.owner, *owners), agent and seen.agent, department and seen.department)
        self.both(lambda s, _: s.transition(cid, expect, to, capacity=capacity, score=score,
                                            **fields))

    @rule(cid=st.sampled_from(IDS), sender=st.sampled_from(list(Sender)),
          text=st.sampled_from(["hi", "hello"]), client_id=st.sampled_from(CLIENT_IDS),
          guard=st.sampled_from(["", "", "bot", "*", *AGENTS]), resend=st.booleans(),
          ts=st.sampled_from([0.0, 0.0, 1_000_000.0]))
    def append(self, cid: str, sender: Sender, text: str, client_id: str, guard: str,
               resend: bool, ts: float) -> None:
        self.both(lambda s, _: s.append(
            cid, Message(sender, text, ts=ts, client_id=client_id, data={"n": 1}), guard, resend))

    @rule(cid=st.sampled_from(IDS), text=st.sampled_from(["hi", "hello"]),
          client_id=st.sampled_from(CLIENT_IDS), resend=st.booleans())
    def visitor_writes(self, cid: str, text: str, client_id: str, resend: bool) -> None:
        """The commonest write: a visitor's message (pending while the bot or triage has it)."""
        self.append(cid, Sender.VISITOR, text, client_id, "", resend, 0.0)

    @rule(cid=st.sampled_from(IDS), to=st.sampled_from([Owner.QUEUE, Owner.AGENT]),
          name=st.sampled_from(AGENTS), department=st.sampled_from(DEPARTMENTS),
          capacity=st.sampled_from([None, 1, 2]))
    def person_takes(self, cid: str, to: Owner, name: str, department: str,
                     capacity: int | None) -> None:
        """The commonest move: from the state it is in to a queue or an agent."""
        fields = {"agent": name} if to is Owner.AGENT else {"agent": "", "department": department}
        self.transition(cid, True, [], None, None, to, capacity, None, fields)

    @rule(cid=st.sampled_from(IDS), ref=refs, limit=st.sampled_from([0, 1, 2, 1000]))
    def read(self, cid: str, ref: int | str | None, limit: int) -> None:
        async def pages(s: Any, _: int) -> Any:
            at = await self.resolve(s, cid, ref)
            results = []
            for read, least in ((s.messages, 1), (s.page_after, 0), (s.page_before, 0)):
                try:
                    results.append(await read(cid, at, max(limit, least)))
                except ValueError as error:
                    results.append(error)
            return results

        self.both(pages)

    @rule(cid=st.sampled_from(IDS), ref=st.integers(0, 6))
    def message(self, cid: str, ref: int) -> None:
        async def one(s: Any, _: int) -> Any:
            at = await self.resolve(s, cid, ref)
            return await s.message(cid, at) if at else None

        self.both(one)

    @rule(cid=st.sampled_from(IDS), answer=st.sampled_from(["head", "", "leave"]),
          hold=st.booleans())
    def turn(self, cid: str, answer: str, hold: bool) -> None:
        """A turn taken (and the head it saw), then answered, left, or held across steps."""
        if cid in self.held:
            return

        async def take(s: Any, side: int) -> Any:
            manager = s.turn(cid, 30)
            turn = await manager.__aenter__()
            if hold:
                self.held.setdefault(cid, [[None, None], [None, None]])
                self.held[cid][0][side], self.held[cid][1][side] = manager, turn
                return turn.ours, turn.head
            left = await turn.answered(turn.head or "") if answer == "head" else (
                await turn.answered("") if answer == "" else None)
            await manager.__aexit__(None, None, None)
            return turn.ours, turn.head, left

        self.both(take)

    @rule(cid=st.sampled_from(IDS), answer=st.booleans())
    def turn_while_held(self, cid: str, answer: bool) -> None:
        """Someone else holds the turn: a short wait, then not ours; then it is given up."""
        if cid not in self.held:
            return
        managers, turns = self.held.pop(cid)

        async def contend(s: Any, side: int) -> Any:
            async with s.turn(cid, 0.05) as other:
                result = [other.ours, other.head]
            result.append(await turns[side].answered(turns[side].head or "" if answer else ""))
            await managers[side].__aexit__(None, None, None)
            return result

        self.both(contend)

    @rule(cid=st.sampled_from(IDS), secret=st.sampled_from(["s1", "s2", "s3"]),
          user=st.sampled_from(["u1", "u2"]), name=st.sampled_from(AGENTS),
          erase=st.sampled_from([False, False, False, True]))
    def lookups(self, cid: str, secret: str, user: str, name: str, erase: bool) -> None:
        """Reads by key: resume secret, user, what is kept of a conversation, an agent; now and
        then the conversation is erased (not while a turn is held: its key would go too)."""
        async def reads(s: Any, _: int) -> Any:
            found = [await s.resume(secret), sorted(await s.conversations_of_user(user)),
                     await s.conversation_keys(cid), await s.get_agent(name)]
            if erase and cid not in self.held:
                found.append(await s.erase_conversation(cid))
            return found

        self.both(reads)

    # queues, agents, presence --------------------------------------------------------------------

    @rule(department=st.sampled_from(DEPARTMENTS), offset=st.integers(-2, 3),
          limit=st.integers(-1, 3), cid=st.sampled_from(IDS))
    def queue_reads(self, department: str, offset: int, limit: int, cid: str) -> None:
        async def reads(s: Any, _: int) -> Any:
            return [await s.queue(department, offset, limit), await s.queue_length(department),
                    [{"id": member, "ts": score}  # a score is a time (or 0: the front)
                     for member, score in await s.queue_scores(department, offset, limit)],
                    await s.queue_position(cid, department)]

        self.both(reads)

    @rule(name=st.sampled_from(AGENTS), department=st.sampled_from(DEPARTMENTS),
          capacity=st.integers(1, 3), role=st.sampled_from(list(Role)))
    def save_agent(self, name: str, department: str, capacity: int, role: Role) -> None:
        agent = Agent(name, name.title(), department, role, capacity)
        self.both(lambda s, _: s.save_agent(dataclasses.replace(agent)))

    @rule(name=st.sampled_from(AGENTS))
    def remove_agent(self, name: str) -> None:
        self.both(lambda s, _: s.remove_agent(name))

    @rule(name=st.sampled_from(AGENTS), presence=st.sampled_from(list(Presence)))
    def presence(self, name: str, presence: Presence) -> None:
        self.both(lambda s, _: s.set_presence(name, presence))

    @rule(names=st.lists(st.sampled_from(AGENTS), unique=True))
    def keep_connected(self, names: list[str]) -> None:
        self.both(lambda s, _: s.keep_connected(names, 3600))

    # tickets, canned responses, figures ------------------------------------------------------------

    @rule(tid=st.sampled_from(["t1", "t2", "t3"]), cid=st.sampled_from(IDS),
          email=st.sampled_from(["a@x.org", "A@X.org", "b@x.org"]),
          department=st.sampled_from(["", *DEPARTMENTS]),
          age=st.sampled_from([0.0, 10.0, 10.0, 200 * 86400]))
    def save_ticket(self, tid: str, cid: str, email: str, department: str, age: float) -> None:
        ticket = Ticket(tid, cid, "Kim", email, "hello", department, round(time.time() - age, 3))
        self.both(lambda s, _: s.save_ticket(dataclasses.replace(ticket)))

    @rule(tid=st.sampled_from(["t1", "t2", "t3"]), text=st.sampled_from(["ok", "done"]))
    def reply(self, tid: str, text: str) -> None:
        self.both(lambda s, _: s.add_ticket_reply(tid, {"by": "ana", "text": text}))

    @rule(limit=st.integers(0, 3), offset=st.integers(0, 3),
          department=st.sampled_from(["", *DEPARTMENTS]), tid=st.sampled_from(["t1", "t2"]),
          email=st.sampled_from(["", "a@x.org"]), cid=st.sampled_from(["", *IDS]))
    def ticket_reads(self, limit: int, offset: int, department: str, tid: str, email: str,
                     cid: str) -> None:
        async def reads(s: Any, _: int) -> Any:
            return [await s.tickets(limit, offset, department), await s.get_ticket(tid),
                    await s.tickets_where(email, cid)]

        self.both(reads)

    @rule(tid=st.sampled_from(["t1", "t2", "t3"]), department=st.sampled_from(["", *DEPARTMENTS]))
    def erase_ticket(self, tid: str, department: str) -> None:
        self.both(lambda s, _: s.erase_ticket(tid, department))

    # the visitor's history and the search index ----------------------------------------------

    @rule(cid=st.sampled_from(IDS), ticket=st.sampled_from(["", "t1", "t2"]),
          links=st.lists(st.sampled_from(LINKS), unique=True),
          age=st.sampled_from([0.0, 10.0, 10.0, 200 * 86400]))
    def add_visit(self, cid: str, ticket: str, links: list[str], age: float) -> None:
        entry, at = f"t:{ticket}" if ticket else f"c:{cid}", round(time.time() - age, 3)
        self.both(lambda s, _: s.add_visit(cid, entry, links, at))

    @rule(cid=st.sampled_from(IDS), ticket=st.sampled_from(["", "t1"]),
          department=st.sampled_from(["", *DEPARTMENTS]),
          words=st.lists(st.sampled_from(WORDS), unique=True),
          age=st.sampled_from([0.0, 20.0, 200 * 86400]))
    def add_words(self, cid: str, ticket: str, department: str, words: list[str],
                  age: float) -> None:
        entry, at = f"t:{ticket}" if ticket else f"c:{cid}", round(time.time() - age, 3)
        self.both(lambda s, _: s.add_words(cid, entry, department, words, at))

    @rule(links=st.lists(st.sampled_from(LINKS), unique=True), limit=st.integers(0, 3),
          cid=st.sampled_from(IDS), department=st.sampled_from(["", *DEPARTMENTS]),
          words=st.lists(st.sampled_from(WORDS), unique=True),
          since=st.sampled_from([0.0, time.time() - 15]),
          until=st.sampled_from([float("inf"), time.time() - 5]))
    def history_reads(self, links: list[str], limit: int, cid: str, department: str,
                      words: list[str], since: float, until: float) -> None:
        async def reads(s: Any, _: int) -> Any:
            return [await s.visits(links, limit), await s.visit_links(cid),
                    await s.find_words(department, words, since, until, limit)]

        self.both(reads)

    @rule(department=st.sampled_from(DEPARTMENTS), key=st.sampled_from(["hi", "bye"]),
          text=st.sampled_from(["Hello", ""]), delete=st.booleans())
    def canned(self, department: str, key: str, text: str, delete: bool) -> None:
        async def change(s: Any, _: int) -> Any:
            done = await (s.delete_canned(department, key) if delete
                          else s.set_canned(department, key, text))
            return done, await s.canned(department)

        self.both(change)

    @rule(topic=st.sampled_from(["prices", "hours"]),
          answer=st.sampled_from(["", '{"text": "A"}', '{"text": "B", "buttons": []}']),
          by=st.sampled_from(AGENTS), keep=st.integers(1, 3),
          expect=st.sampled_from([None, "", '{"text": "A"}']), limit=st.integers(0, 4))
    def answers(self, topic: str, answer: str, by: str, keep: int, expect: str | None,
                limit: int) -> None:
        at = round(time.time(), 3)

        async def edit(s: Any, _: int) -> Any:
            done = await s.edit_answer(topic, answer, by, at, keep, expect)
            return (done, await s.live_answer(topic), await s.live_answers(["prices", "hours"]),
                    await s.answer_history(topic, limit))

        self.both(edit)

    @rule(field=st.sampled_from(["handoffs", "abandoned"]), amount=st.integers(0, 3),
          sample=st.sampled_from(["queue_wait", "first_response"]),
          value=st.floats(0, 1000, allow_nan=False), days=st.integers(1, 3),
          recent=st.integers(-1, 4))
    def figures(self, field: str, amount: int, sample: str, value: float, days: int,
                recent: int) -> None:
        async def tally(s: Any, _: int) -> Any:
            await s.count(field, amount)
            await s.sample(sample, value)
            return await s.insights(days), await s.recent_samples(sample, recent)

        self.both(tally)

    @rule(cid=st.sampled_from(IDS), department=st.sampled_from(["", *DEPARTMENTS]),
          agent=st.sampled_from(["", *AGENTS]), rating=st.sampled_from(["good", "ok", "poor"]),
          days=st.integers(1, 15))
    def rate(self, cid: str, department: str, agent: str, rating: str, days: int) -> None:
        """One rating per conversation, counted in the week's tallies."""
        async def rated(s: Any, _: int) -> Any:
            return await s.rate(cid, department, agent, rating), (await s.insights(days))["ratings"]

        self.both(rated)

    @rule(cid=st.sampled_from(IDS), side=st.sampled_from(["visitor", "agent"]),
          mid=st.sampled_from(["1-0", "2-0", "2-1", "10-0", "9-5", "1795432153026-0"]))
    def read_mark(self, cid: str, side: str, mid: str) -> None:
        """Read marks move forward only (stream ids compared as numbers)."""
        async def mark(s: Any, _: int) -> Any:
            return await s.mark_read(cid, side, mid), await s.read_marks(cid)

        self.both(mark)

    # teaching -----------------------------------------------------------------------------------

    @rule(cid=st.sampled_from(IDS), mid=st.sampled_from(["1-0", "2-0", "3-0"]),
          kind=st.sampled_from(["unsure", "handoff"]), department=st.sampled_from(["", *DEPARTMENTS]),
          age=st.sampled_from([0.0, 10.0, 10.0, 200 * 86400]), cap=st.integers(1, 3))
    def unanswered(self, cid: str, mid: str, kind: str, department: str, age: float,
                   cap: int) -> None:
        entry = Unanswered(cid, mid, "what is " + mid, kind, department, ["faq_a"],
                           round(time.time() - age, 3))
        self.both(lambda s, _: s.add_unanswered(dataclasses.replace(entry), cap))

    @rule(entry=st.sampled_from(["c1:1-0", "c2:2-0", "c1:3-0", "c9:1-0"]),
          kind=st.sampled_from(["declined", ""]), cid=st.sampled_from(IDS),
          limit=st.integers(0, 4))
    def unanswered_reads(self, entry: str, kind: str, cid: str, limit: int) -> None:
        async def reads(s: Any, _: int) -> Any:
            changed = await s.relabel_unanswered(entry, kind) if kind else None
            return [changed, await s.get_unanswered(entry), await s.unanswered_of(cid),
                    await s.unanswered(["", *DEPARTMENTS], limit),
                    await s.unanswered([DEPARTMENTS[0]], limit)]

        self.both(reads)

    @rule(entries=st.lists(st.sampled_from(["c1:1-0", "c2:2-0", "c1:3-0", "c9:1-0"]), max_size=3))
    def unanswered_removed(self, entries: list[str]) -> None:
        self.both(lambda s, _: s.remove_unanswered(entries))

    @rule(key=st.sampled_from(["a", "b", "c"]), intent=st.sampled_from(["faq_a", "out_of_scope"]),
          at=st.sampled_from([1.0, 2.0]), cap=st.integers(1, 3))
    def learn(self, key: str, intent: str, at: float, cap: int) -> None:
        async def taught(s: Any, _: int) -> Any:
            return await s.learn(Learned(key, intent, "ana", at), key, cap), await s.learned()

        self.both(taught)

    # sessions and coordination -------------------------------------------------------------------

    @rule(name=st.sampled_from(AGENTS))
    def start_session(self, name: str) -> None:
        tokens = ["", ""]

        async def start(s: Any, side: int) -> None:
            tokens[side] = await s.start_staff_session(name, 3600)

        self.both(start)
        self.sessions.append((tokens[0], tokens[1]))

    @rule(n=st.integers(0, 5), end=st.booleans())
    def session(self, n: int, end: bool) -> None:
        if not self.sessions:
            return
        pair = self.sessions[n % len(self.sessions)]

        async def check(s: Any, side: int) -> Any:
            if end:
                await s.end_staff_session(pair[side])
            opened = await s.open_staff_sessions([p[side] for p in self.sessions])
            return [await s.staff_session(pair[side]),
                    sorted(i for i, p in enumerate(self.sessions) if p[side] in opened)]

        self.both(check)

    @rule(name=st.sampled_from(AGENTS))
    def end_sessions(self, name: str) -> None:
        self.both(lambda s, _: s.end_staff_sessions(name))

    @rule(key=st.sampled_from(["a", "b"]), limit=st.integers(0, 3), cost=st.integers(0, 2))
    def hit(self, key: str, limit: int, cost: int) -> None:
        self.both(lambda s, _: s.hit(key, limit, 3600, cost))

    @rule(name=st.sampled_from(["sweeper", "mail"]), holder=st.sampled_from(["p1", "p2"]))
    def lead(self, name: str, holder: str) -> None:
        self.both(lambda s, _: s.lead(name, holder, 3600))

    @rule(key=st.sampled_from(["x", "y"]))
    def once(self, key: str) -> None:
        self.both(lambda s, _: s.once(key, 3600))

    # the live model and the trainer ------------------------------------------------------------

    @rule(name=st.sampled_from(["m1.tar.gz", "m2.tar.gz", "m3.tar.gz"]),
          back=st.booleans(), by=st.sampled_from(["trainer", "sam"]))
    def rollout(self, name: str, back: bool, by: str) -> None:
        async def move(s: Any, _: int) -> Any:
            done = await (s.roll_back(by, 1.5) if back else s.promote(name, by, 1.5))
            return done, await s.live_model()

        self.both(move)

    @rule(state=st.sampled_from(["", "training", "live"]))
    def trainer(self, state: str) -> None:
        async def status(s: Any, _: int) -> Any:
            await s.set_trainer_status({"state": state, "examples": "3"} if state else {})
            return await s.trainer_status()

        self.both(status)

    # the state both must show after every step -------------------------------------------------

    @invariant()
    def same_state(self) -> None:
        async def state(s: Any, _: int) -> Any:
            return [
                await s.get_conversations(IDS),
                {cid: await s.all_messages(cid) for cid in IDS},
                {cid: await s.next_pending(cid) for cid in IDS},
                {d: await s.queue(d) for d in DEPARTMENTS},
                {a: await s.agent_chats(a) for a in AGENTS},
                await s.agent_loads(AGENTS),
                await s.agents(),
                await s.presences(),
                await s.connected(AGENTS),
                await s.tickets(),
                await s.unanswered(["", *DEPARTMENTS], 100),
                await s.learned(),
                await s.visits(LINKS, 100),
                {cid: await s.visit_links(cid) for cid in IDS},
                {d: [await s.find_words(d, [w], 0, float("inf"), 100) for w in WORDS]
                 for d in ["", *DEPARTMENTS]},
            ]

        self.both(state)


def test_memory_store_behaves_as_the_redis_store(redis_url: str) -> None:
    StoreMachine.url = redis_url
    run = settings(max_examples=EXAMPLES, stateful_step_count=50, deadline=None,
                   suppress_health_check=list(HealthCheck))(StoreMachine)
    run.TestCase().runTest()


ROLLOUTS = st.lists(st.one_of(
    st.tuples(st.just("promote"), st.sampled_from(["m1.tar.gz", "m2.tar.gz", "m3.tar.gz"])),
    st.tuples(st.just("roll_back"), st.just("")),
    st.tuples(st.just("status"), st.sampled_from(["", "training", "live"])),
), max_size=12)


def test_both_stores_promote_and_roll_back_alike(redis_url: str) -> None:
    """The live model's record and the trainer's status, on sequences of their own (in the
    machine above they are two rules among many and rarely meet)."""
    loop = asyncio.new_event_loop()
    redis = RedisStore(redis_url)

    async def run(store: Any, op: str, arg: str) -> Any:
        if op == "promote":
            done = await store.promote(arg, "trainer", 2.5)
        elif op == "roll_back":
            done = await store.roll_back("sam", 3.5)
        else:
            await store.set_trainer_status({"state": arg} if arg else {})
            done = await store.trainer_status()
        return done, await store.live_model()

    @settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ROLLOUTS)
    def same(ops: list[tuple[str, str]]) -> None:
        memory = MemoryStore()
        loop.run_until_complete(redis.redis.delete("fd:model:live", "fd:trainer"))
        for op, arg in ops:
            assert loop.run_until_complete(run(redis, op, arg)) == loop.run_until_complete(
                run(memory, op, arg)), (op, arg)

    try:
        same()
    finally:
        loop.run_until_complete(redis.close())
        loop.close()
