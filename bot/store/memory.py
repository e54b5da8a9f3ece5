"""`Store` in this process's memory, for fast tests: the same keys and semantics as the Redis one.

Written over a small model of Redis' keyspace (`Keyspace`: values with an expiry, empty
containers vanish, a write to an existing key keeps its expiry) under the same key names as
`RedisStore`, so that each method reads as the Lua script or pipeline it reproduces.
tests/test_store_equivalence.py holds the two to the same results, step by step.

Time comes from an injected clock (`time.time` by default): expiry, `updated_at`, stream ids.
Nothing is shared between processes; every method runs without yielding, so each is atomic.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from ..models import Agent, Conversation, Message, Owner, Presence, Sender, Ticket
from . import Appended, Expect, Move, NotOwner, Outcome, Page

Clock = Callable[[], float]  # seconds since the epoch, like time.time

PREFIX = "fd:"
RESEND_WINDOW = 100  # as bot/store/redis/transcripts.py: a resend is looked for among the latest messages
SNAPSHOT = ("owner", "agent", "department", "queued_at", "first_response_at", "leaving")
MAX_ID = 2**64 - 1


class ManualClock:
    """A clock that moves only when told to (`advance`): TTLs expire when a test says so."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Keyspace:
    """Redis' keyspace as far as the store needs it: a value per key, an optional expiry read
    through the clock (a key is gone once the clock is past it), and containers that vanish
    when emptied."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.values: dict[str, Any] = {}
        self.expiry: dict[str, float] = {}

    def get(self, key: str) -> Any:
        if key in self.expiry and self.clock() > self.expiry[key]:
            self.delete(key)
        return self.values.get(key)

    def make(self, key: str, empty: Callable[[], Any]) -> Any:
        """The container at `key`, created (with no expiry) if missing."""
        value = self.get(key)
        if value is None:
            value = self.values[key] = empty()
        return value

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """SET: a new value, with this expiry or none (SET drops an old one)."""
        if ttl is not None and ttl <= 0:
            raise ValueError("invalid expire time")
        self.values[key] = value
        self.expiry.pop(key, None)
        if ttl is not None:
            self.expiry[key] = self.clock() + ttl

    def delete(self, key: str) -> bool:
        self.expiry.pop(key, None)
        return self.values.pop(key, None) is not None

    def exists(self, key: str) -> bool:
        return self.get(key) is not None

    def expire(self, key: str, ttl: float) -> None:
        """EXPIRE/PEXPIRE: only an existing key; a time not in the future deletes it."""
        if not self.exists(key):
            return
        if ttl <= 0:
            self.delete(key)
        else:
            self.expiry[key] = self.clock() + ttl

    def tidy(self, key: str) -> None:
        """A container emptied by a removal is gone, as in Redis."""
        if key in self.values and not self.values[key]:
            self.delete(key)

    def names(self, prefix: str) -> list[str]:
        return [key for key in list(self.values) if key.startswith(prefix) and self.exists(key)]


def index_range(items: list[Any], start: int, stop: int) -> list[Any]:
    """Redis' LRANGE/ZRANGE indexes: inclusive, negative from the end, clamped."""
    n = len(items)
    start, stop = start + n if start < 0 else start, stop + n if stop < 0 else stop
    start = max(start, 0)
    if start > stop or start >= n:
        return []
    return items[start:min(stop, n - 1) + 1]


StreamId = tuple[int, int]
_STREAM_ID = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_id(text: str, missing_seq: int) -> StreamId:
    """A stream id "<ms>-<seq>" (or "<ms>": `missing_seq` completes it); ValueError otherwise."""
    match = _STREAM_ID.match(text)
    if not match or int(match[1]) > MAX_ID or (match[2] and int(match[2]) > MAX_ID):
        raise ValueError(f"not a message id: {text!r}")
    return int(match[1]), int(match[2]) if match[2] is not None else missing_seq


def format_id(stream_id: StreamId) -> str:
    return f"{stream_id[0]}-{stream_id[1]}"


def after_id(text: str) -> StreamId:
    """The first id after the exclusive start "(`text`" of XRANGE."""
    ms, seq = parse_id(text, 0)
    if (ms, seq) == (MAX_ID, MAX_ID):
        raise ValueError(f"not a message id: {text!r}")
    return (ms, seq + 1) if seq < MAX_ID else (ms + 1, 0)


def before_id(text: str) -> StreamId:
    """The last id before the exclusive end "(`text`" of XREVRANGE."""
    ms, seq = parse_id(text, MAX_ID)
    if (ms, seq) == (0, 0):
        raise ValueError(f"not a message id: {text!r}")
    return (ms, seq - 1) if seq > 0 else (ms - 1, MAX_ID)


class Stream:
    """A Redis stream: entries in id order, ids from the clock's milliseconds as XADD '*'."""

    def __init__(self) -> None:
        self.entries: list[tuple[StreamId, dict[str, str]]] = []
        self.last: StreamId = (0, 0)

    def __bool__(self) -> bool:  # a stream stays while it has entries (none are deleted here)
        return bool(self.entries)

    def add(self, now: float, fields: dict[str, str]) -> str:
        ms = int(now * 1000)
        self.last = (ms, 0) if ms > self.last[0] else (self.last[0], self.last[1] + 1)
        self.entries.append((self.last, fields))
        return format_id(self.last)

    def between(self, low: StreamId, high: StreamId) -> list[tuple[StreamId, dict[str, str]]]:
        return [entry for entry in self.entries if low <= entry[0] <= high]


def _num(text: str) -> float | None:
    """Lua's tonumber: a number, or None."""
    try:
        return float(text)
    except ValueError:
        return None


def _unset(text: str) -> bool:
    """A time field never set: empty or zero (the scripts' `== '' or tonumber(x) == 0`)."""
    return text == "" or _num(text) == 0


def _resume_key(secret: str) -> str:
    return f"{PREFIX}resume:{hashlib.sha256(secret.encode()).hexdigest()}"


class MemoryTurn:
    """`Turn` (bot/storage.py) in memory: ended by `answered`, as `RedisTurn`."""

    def __init__(self, store: MemoryStore, conversation_id: str, token: str, ours: bool,
                 head: str | None) -> None:
        self.store, self.conversation_id, self.token = store, conversation_id, token
        self.ours, self.head, self.ended = ours, head, False

    async def answered(self, message_id: str) -> int:
        self.ended = True
        return self.store._end_turn(self.conversation_id, self.token, message_id)


class MemoryStore:
    """`Store` (bot/storage.py) in memory: one process, one event loop."""

    def __init__(self, clock: Clock = time.time, retention: int = 90 * 86400,
                 unwritten: float = 1800) -> None:
        self.clock = clock
        self.retention = retention
        self.unwritten = int(unwritten)
        self.keys = Keyspace(clock)

    # small Redis commands over the keyspace ---------------------------------------------------

    def _hash(self, key: str) -> dict[str, str]:
        return self.keys.get(key) or {}

    def _hset(self, key: str, **fields: str) -> None:
        self.keys.make(key, dict).update(fields)

    def _zset(self, key: str) -> dict[str, float]:
        return self.keys.get(key) or {}

    def _ranked(self, key: str, reverse: bool = False) -> list[str]:
        """A sorted set's members by score, ties by member (as Redis orders them)."""
        members = sorted(self._zset(key).items(), key=lambda item: (item[1], item[0]))
        return [member for member, _ in (members[::-1] if reverse else members)]

    def _zrem(self, key: str, member: str) -> None:
        self._zset(key).pop(member, None)
        self.keys.tidy(key)

    def _srem(self, key: str, member: str) -> None:
        (self.keys.get(key) or set()).discard(member)
        self.keys.tidy(key)

    def _stream(self, conversation_id: str) -> Stream:
        return self.keys.get(f"{PREFIX}msgs:{conversation_id}") or Stream()

    def _pending(self, conversation_id: str) -> list[str]:
        return self.keys.get(f"{PREFIX}pending:{conversation_id}") or []

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        pass

    # conversations and transcripts ------------------------------------------------------------

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        fields = self._hash(f"{PREFIX}conv:{conversation_id}")
        return Conversation.from_fields(conversation_id, fields) if fields else None

    async def get_conversations(self, ids: list[str]) -> list[Conversation]:
        found = [await self.get_conversation(i) for i in ids]
        return [conversation for conversation in found if conversation]

    async def create_conversation(self, conversation: Conversation, secret: str = "") -> bool:
        now = self.clock()
        conversation.created_at = conversation.created_at or now
        conversation.updated_at = now
        key = f"{PREFIX}conv:{conversation.id}"
        fields = conversation.to_fields()
        if "owner" in self._hash(key):
            return False
        if secret:
            fields["resume"] = _resume_key(secret)
            self.keys.set(fields["resume"], conversation.id, ttl=self.unwritten)
        self._hset(key, **fields)
        self.keys.expire(key, self.unwritten)
        return True

    async def resume(self, secret: str) -> Conversation | None:
        conversation_id = self.keys.get(_resume_key(secret))
        return await self.get_conversation(conversation_id) if conversation_id else None

    async def visitor_tabs(self, conversation_id: str, change: int) -> None:
        conv = self.keys.get(f"{PREFIX}conv:{conversation_id}")
        if conv is None:
            return
        tabs = int(conv.get("visitor_tabs", "0")) + change
        conv["visitor_tabs"] = str(tabs)
        if tabs <= 0:
            conv.update(visitor_tabs="0", visitor_left_at=repr(self.clock()))

    async def update_conversation(self, conversation_id: str, **fields: str) -> None:
        self._hset(f"{PREFIX}conv:{conversation_id}", **fields)

    async def transition(
        self,
        conversation_id: str,
        expect: Expect,
        to: Owner,
        *,
        capacity: int | None = None,
        score: float | None = None,
        **fields: str,
    ) -> Move:
        """As the transition script of bot/store/redis/conversations.py."""
        now = self.clock()
        changes = {"updated_at": repr(now), **fields}
        conv = self.keys.get(f"{PREFIX}conv:{conversation_id}")
        state = {k: (conv or {}).get(k, "") for k in
                 ("owner", "agent", "department", "queued_at", "picked_at")}
        before = Conversation.from_fields(conversation_id, {k: v for k, v in state.items() if v})
        if conv is None or not state["owner"]:
            return Move(Outcome.MISSING, Conversation.from_fields(conversation_id, {}))
        cur, old_agent, old_dept = state["owner"], state["agent"], state["department"]
        if (cur not in {o.value for o in expect.owners}
                or (expect.agent is not None and expect.agent != old_agent)
                or (expect.department is not None and expect.department != old_dept)):
            return Move(Outcome.STALE, before)
        if expect.legal is not None and cur not in {o.value for o in expect.legal}:
            raise ValueError(f"no move from {cur} to {to.value}")  # a bug in the caller
        agent = changes.get("agent", old_agent) if to is Owner.AGENT else ""
        if to is Owner.AGENT and not agent:
            raise ValueError("a move to an agent names the agent")
        changes["agent"] = agent  # set exactly when an agent owns it
        department = changes.get("department", old_dept)
        if (to is Owner.AGENT and capacity is not None and (cur != "agent" or agent != old_agent)
                and len(self.keys.get(f"{PREFIX}agent_chats:{agent}") or ()) >= capacity):
            return Move(Outcome.FULL, before)
        if cur == "queue":
            self._zrem(f"{PREFIX}queue:{old_dept}", conversation_id)
        if cur == "agent":
            self._srem(f"{PREFIX}agent_chats:{old_agent}", conversation_id)
        conv.update(owner=to.value, **changes)
        self.keys.expire(f"{PREFIX}conv:{conversation_id}", self.retention)
        self.keys.expire(f"{PREFIX}msgs:{conversation_id}", self.retention)
        first = to is Owner.AGENT and "picked_at" not in changes and _unset(state["picked_at"])
        if first:
            conv["picked_at"] = repr(now)
        if to is Owner.QUEUE:
            rank = float(score if score is not None else fields.get("queued_at", repr(now)))
            self.keys.make(f"{PREFIX}queue:{department}", dict)[conversation_id] = rank
        if to is Owner.AGENT:
            self.keys.make(f"{PREFIX}agent_chats:{agent}", set).add(conversation_id)
        if to in (Owner.QUEUE, Owner.AGENT):  # a person answers from now on
            self.keys.delete(f"{PREFIX}pending:{conversation_id}")
        return Move(Outcome.MOVED, before, first)

    async def append(
        self, conversation_id: str, message: Message, guard: str = "", resend: bool = False
    ) -> Appended:
        """As the append script of bot/store/redis/transcripts.py."""
        message.ts = message.ts or self.clock()
        kind = message.sender.value if message.sender in (Sender.VISITOR, Sender.AGENT) else ""
        conv_key = f"{PREFIX}conv:{conversation_id}"
        conv = self._hash(conv_key)
        snap = {k: conv.get(k, "") for k in SNAPSHOT}
        seen = Conversation.from_fields(conversation_id, {k: v for k, v in snap.items() if v})
        owner, agent = snap["owner"], snap["agent"]
        if not owner:
            raise NotOwner(seen if any(snap.values()) else None)
        if (guard == "bot" and owner != "bot") or (
                guard not in ("", "bot") and (owner != "agent" or guard not in ("*", agent))):
            raise NotOwner(seen)
        stream = self._stream(conversation_id)
        if resend and message.client_id:
            for stream_id, fields in stream.entries[::-1][:RESEND_WINDOW]:
                if fields["client_id"] == message.client_id and fields["sender"] == kind:
                    stored = Message.from_fields(format_id(stream_id), fields)
                    return Appended(stored, False, seen, pending=len(self._pending(conversation_id)))
        message.id = self.keys.make(f"{PREFIX}msgs:{conversation_id}", Stream).add(
            self.clock(), message.to_fields())
        first = pending = 0
        if kind == "visitor" and owner in ("bot", "closed", "triage"):
            waiting = self.keys.make(f"{PREFIX}pending:{conversation_id}", list)
            waiting.append(message.id)
            pending = len(waiting)
            if pending == 1:  # a new list: bounded too
                self.keys.expire(f"{PREFIX}pending:{conversation_id}", self.retention)
        elif (kind == "agent" and owner == "agent" and not _unset(snap["queued_at"])
              and _unset(snap["first_response_at"])):
            conv["first_response_at"] = repr(message.ts)
            first = 1
        first_write = kind == "visitor" and not conv.get("written")
        if first_write:
            conv["written"] = "1"
        self._keep(conversation_id, message.ts, first_write)
        return Appended(message, True, seen, bool(first), pending, first_write)

    def _keep(self, conversation_id: str, now: float, always: bool) -> None:
        """Keep the conversation's keys for the retention time from `now`; refreshed at most
        every 1% of it (at most hourly), as the append script."""
        conv = self._hash(f"{PREFIX}conv:{conversation_id}")
        ttl = self.retention
        if now + ttl - (_num(conv.get("kept_until", "")) or 0) <= min(3600, ttl / 100) and not always:
            return
        for kind in ("msgs", "conv", "pending"):
            self.keys.expire(f"{PREFIX}{kind}:{conversation_id}", ttl)
        if conv.get("resume"):
            self.keys.expire(conv["resume"], ttl)
        conv["kept_until"] = "%.14g" % (now + ttl)  # Lua's tostring

    async def message(self, conversation_id: str, message_id: str) -> Message | None:
        rows = self._stream(conversation_id).between(parse_id(message_id, 0),
                                                     parse_id(message_id, MAX_ID))
        return Message.from_fields(format_id(rows[0][0]), rows[0][1]) if rows else None

    async def next_pending(self, conversation_id: str) -> str | None:
        pending = self._pending(conversation_id)
        return pending[0] if pending else None

    @asynccontextmanager
    async def turn(self, conversation_id: str, ttl: float) -> AsyncIterator[MemoryTurn]:
        key = f"{PREFIX}turn:{conversation_id}"
        token, deadline = secrets.token_hex(16), time.monotonic() + ttl
        while True:  # another task answering this conversation: wait for it, a bounded time
            got = self.keys.get(key) is None
            if got:
                self.keys.set(key, token, ttl=max(1, int(ttl * 1000)) / 1000)
            if got or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.02)
        turn = MemoryTurn(self, conversation_id, token, got,
                          await self.next_pending(conversation_id) if got else None)
        try:
            yield turn
        finally:
            if turn.ours and not turn.ended:  # left without an answer (an error): release only
                await turn.answered("")

    def _end_turn(self, conversation_id: str, token: str, message_id: str) -> int:
        pending = self._pending(conversation_id)
        if message_id in pending:
            pending.remove(message_id)
            self.keys.tidy(f"{PREFIX}pending:{conversation_id}")
        if self.keys.get(f"{PREFIX}turn:{conversation_id}") == token:
            self.keys.delete(f"{PREFIX}turn:{conversation_id}")
        return len(pending)

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        if limit < 1:  # as redis-py refuses a COUNT below 1
            raise ValueError("limit must be positive")
        low = after_id(after) if after else (0, 0)
        rows = self._stream(conversation_id).between(low, (MAX_ID, MAX_ID))
        return [Message.from_fields(format_id(i), f) for i, f in rows[:limit]]

    async def all_messages(self, conversation_id: str) -> list[Message]:
        entries = self._stream(conversation_id).entries
        return [Message.from_fields(format_id(i), f) for i, f in entries]

    async def page_after(self, conversation_id: str, after: str | None = None,
                         limit: int = 200) -> Page:
        messages = await self.messages(conversation_id, after, limit + 1)
        return Page(messages[:limit], len(messages) > limit)

    async def page_before(self, conversation_id: str, before: str | None = None,
                          limit: int = 200) -> Page:
        high = before_id(before) if before else (MAX_ID, MAX_ID)
        rows = self._stream(conversation_id).between((0, 0), high)[::-1][:limit + 1]
        messages = [Message.from_fields(format_id(i), f) for i, f in rows[:limit]]
        return Page(messages[::-1], len(rows) > limit)

    # queues -----------------------------------------------------------------------------------

    async def queue(self, department: str, offset: int = 0, limit: int = -1) -> list[str]:
        stop = -1 if limit < 0 else offset + limit - 1
        return index_range(self._ranked(f"{PREFIX}queue:{department}"), offset, stop)

    async def queue_length(self, department: str) -> int:
        return len(self._zset(f"{PREFIX}queue:{department}"))

    async def queue_position(self, conversation_id: str, department: str) -> int | None:
        ranked = self._ranked(f"{PREFIX}queue:{department}")
        return ranked.index(conversation_id) + 1 if conversation_id in ranked else None

    # agents and presence ----------------------------------------------------------------------

    async def save_agent(self, agent: Agent) -> None:
        self._hset(f"{PREFIX}agent:{agent.name}", **agent.to_fields())
        self.keys.make(f"{PREFIX}agents", set).add(agent.name)

    async def get_agent(self, name: str) -> Agent | None:
        fields = self._hash(f"{PREFIX}agent:{name}")
        return Agent.from_fields(name, fields) if fields else None

    async def agents(self) -> list[Agent]:
        names = sorted(self.keys.get(f"{PREFIX}agents") or ())
        found = [await self.get_agent(name) for name in names]
        return [copy.copy(agent) for agent in found if agent]

    async def remove_agent(self, name: str) -> bool:
        deleted = self.keys.delete(f"{PREFIX}agent:{name}")
        self._srem(f"{PREFIX}agents", name)
        self._hash(f"{PREFIX}presence").pop(name, None)
        self.keys.tidy(f"{PREFIX}presence")
        return deleted

    async def agent_chats(self, name: str) -> set[str]:
        return set(self.keys.get(f"{PREFIX}agent_chats:{name}") or ())

    async def agent_loads(self, names: Iterable[str]) -> dict[str, int]:
        return {name: len(await self.agent_chats(name)) for name in names}

    async def set_presence(self, name: str, presence: Presence) -> None:
        self._hset(f"{PREFIX}presence", **{name: presence.value})

    async def presences(self) -> dict[str, Presence]:
        return {name: Presence(v) for name, v in self._hash(f"{PREFIX}presence").items()}

    async def keep_connected(self, names: Iterable[str], ttl: float) -> None:
        for name in names:
            self.keys.set(f"{PREFIX}alive:{name}", "1", ttl=int(ttl * 1000) / 1000)

    async def connected(self, names: Iterable[str]) -> set[str]:
        return {name for name in names if self.keys.get(f"{PREFIX}alive:{name}")}

    # tickets and canned responses -------------------------------------------------------------

    async def save_ticket(self, ticket: Ticket) -> None:
        """The ticket, in the list of all tickets and in its department's (newest first)."""
        self.keys.set(f"{PREFIX}ticket:{ticket.id}", ticket.to_json(), ttl=self.retention)
        for index in (f"{PREFIX}tickets", f"{PREFIX}tickets:{ticket.department}"):
            scores = self.keys.make(index, dict)
            scores[ticket.id] = ticket.created_at
            oldest = self.clock() - self.retention
            for old in [i for i, created in scores.items() if created <= oldest]:
                del scores[old]
            self.keys.tidy(index)
            self.keys.expire(index, self.retention)

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        tickets = self._tickets([ticket_id])
        return tickets[0] if tickets else None

    async def tickets(self, limit: int = 200, offset: int = 0,
                      department: str = "") -> tuple[list[Ticket], bool]:
        index = f"{PREFIX}tickets:{department}" if department else f"{PREFIX}tickets"
        ids = index_range(self._ranked(index, reverse=True), offset, offset + limit)
        return self._tickets(ids[:limit]), len(ids) > limit

    def _tickets(self, ids: list[str]) -> list[Ticket]:
        """Tickets with their replies (kept in a list of their own so that none is lost)."""
        tickets = []
        for id in ids:
            raw = self.keys.get(f"{PREFIX}ticket:{id}")
            if raw:
                ticket = Ticket.from_json(raw)
                ticket.replies += [json.loads(r) for r in
                                   self.keys.get(f"{PREFIX}ticket_replies:{id}") or ()]
                ticket.status = "answered" if ticket.replies else ticket.status
                tickets.append(ticket)
        return tickets

    async def add_ticket_reply(self, ticket_id: str, reply: dict[str, Any]) -> None:
        key = f"{PREFIX}ticket_replies:{ticket_id}"
        self.keys.make(key, list).append(json.dumps(reply))
        self.keys.expire(key, self.retention)

    async def canned(self, department: str) -> dict[str, str]:
        return dict(self._hash(f"{PREFIX}canned:{department}"))

    async def set_canned(self, department: str, key: str, text: str) -> None:
        self._hset(f"{PREFIX}canned:{department}", **{key: text})

    async def delete_canned(self, department: str, key: str) -> bool:
        found = self._hash(f"{PREFIX}canned:{department}").pop(key, None) is not None
        self.keys.tidy(f"{PREFIX}canned:{department}")
        return found

    # insights ---------------------------------------------------------------------------------

    def _day(self, now: float) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(now))

    async def count(self, field: str, amount: int = 1) -> None:
        key = f"{PREFIX}stats:{self._day(self.clock())}"
        tally = self.keys.make(key, dict)
        tally[field] = str(int(tally.get(field, "0")) + amount)
        self.keys.expire(key, self.retention)

    async def sample(self, name: str, value: float) -> None:
        key = f"{PREFIX}samples:{name}"
        kept = self.keys.make(key, list)
        kept[:] = [repr(round(value, 3)), *kept][:1000]
        self.keys.expire(key, self.retention)

    async def insights(self, days: int) -> dict[str, Any]:
        now = self.clock()
        dates = [self._day(now - 86400 * d) for d in range(days)][::-1]
        return {
            "daily": [{"date": d, **{k: int(v) for k, v in
                                     self._hash(f"{PREFIX}stats:{d}").items()}} for d in dates],
            **{name: [float(v) for v in self.keys.get(f"{PREFIX}samples:{name}") or ()]
               for name in ("queue_wait", "first_response")},
        }

    # export and erasure -----------------------------------------------------------------------

    async def tickets_where(self, email: str = "", conversation_id: str = "") -> list[Ticket]:
        return [ticket for ticket in self._tickets(self._ranked(f"{PREFIX}tickets"))
                if (email and ticket.email.lower() == email.lower())
                or (conversation_id and ticket.conversation_id == conversation_id)]

    async def conversations_of_user(self, user_id: str) -> list[str]:
        return [key.removeprefix(f"{PREFIX}conv:") for key in self.keys.names(f"{PREFIX}conv:")
                if self._hash(key).get("user_id") == user_id]

    async def conversation_keys(self, conversation_id: str) -> list[str]:
        """As `RedisStore.conversation_keys`: the same names, those that exist now."""
        conv = self._hash(f"{PREFIX}conv:{conversation_id}")
        resume, waiting_since = conv.get("resume"), conv.get("waiting_since")
        names = [f"{PREFIX}{kind}:{conversation_id}" for kind in ("conv", "msgs", "pending", "turn")]
        names += [resume] if resume else []
        stays = [conversation_id]
        if waiting_since and float(waiting_since):
            stays.append(f"{conversation_id}:{float(waiting_since):.3f}")
        for stay in stays:
            names += [f"{PREFIX}once:escalate:{stay}", f"{PREFIX}once:longwait:{stay}"]
        names += [f"{PREFIX}limit:transcript:{conversation_id}",
                  f"{PREFIX}once:handed_off:{conversation_id}",
                  f"rasa:tracker:{conversation_id}", f"rasa:lock:{conversation_id}"]
        for ticket in await self.tickets_where(conversation_id=conversation_id):
            names += [f"{PREFIX}ticket:{ticket.id}", f"{PREFIX}ticket_replies:{ticket.id}"]
        return [name for name in names if self.keys.exists(name)]

    async def erase_conversation(self, conversation_id: str) -> list[str]:
        conv = self._hash(f"{PREFIX}conv:{conversation_id}")
        department, agent = conv.get("department"), conv.get("agent")
        tickets = await self.tickets_where(conversation_id=conversation_id)
        keys = await self.conversation_keys(conversation_id)
        for key in keys:
            self.keys.delete(key)
        if department:
            self._zrem(f"{PREFIX}queue:{department}", conversation_id)
        if agent:
            self._srem(f"{PREFIX}agent_chats:{agent}", conversation_id)
        for ticket in tickets:
            self._zrem(f"{PREFIX}tickets", ticket.id)
            self._zrem(f"{PREFIX}tickets:{ticket.department}", ticket.id)
        return keys

    async def erase_ticket(self, ticket_id: str, department: str = "") -> None:
        self.keys.delete(f"{PREFIX}ticket:{ticket_id}")
        self.keys.delete(f"{PREFIX}ticket_replies:{ticket_id}")
        self._zrem(f"{PREFIX}tickets", ticket_id)
        if department:
            self._zrem(f"{PREFIX}tickets:{department}", ticket_id)

    # staff sessions ---------------------------------------------------------------------------

    async def start_staff_session(self, name: str, ttl: float) -> str:
        session = secrets.token_urlsafe(18)
        seconds = int(ttl * 1000) / 1000
        self.keys.set(f"{PREFIX}staff:{session}", name, ttl=seconds)
        self.keys.make(f"{PREFIX}staff_of:{name}", set).add(session)
        self.keys.expire(f"{PREFIX}staff_of:{name}", seconds)  # the newest session ends last
        return session

    async def staff_session(self, session: str) -> str | None:
        name: str | None = self.keys.get(f"{PREFIX}staff:{session}")
        return name

    async def open_staff_sessions(self, sessions: Iterable[str]) -> set[str]:
        return {s for s in sessions if self.keys.get(f"{PREFIX}staff:{s}")}

    async def end_staff_session(self, session: str) -> None:
        name = self.keys.get(f"{PREFIX}staff:{session}")
        self.keys.delete(f"{PREFIX}staff:{session}")
        if name:
            self._srem(f"{PREFIX}staff_of:{name}", session)

    async def end_staff_sessions(self, name: str) -> int:
        sessions = self.keys.get(f"{PREFIX}staff_of:{name}") or set()
        ended = sum(self.keys.delete(f"{PREFIX}staff:{s}") for s in list(sessions))
        self.keys.delete(f"{PREFIX}staff_of:{name}")
        return ended

    # coordination -----------------------------------------------------------------------------

    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> bool:
        full = f"{PREFIX}limit:{key}"
        if self.keys.get(full) is None:
            self.keys.set(full, "0", ttl=int(window * 1000) / 1000)
        count = int(self.keys.get(full)) + cost
        self.keys.values[full] = str(count)  # INCRBY keeps the expiry
        return count <= limit if cost else count < limit

    async def lead(self, name: str, holder: str, ttl: float) -> bool:
        key = f"{PREFIX}lease:{name}"
        if self.keys.get(key) not in (None, holder):
            return False
        self.keys.set(key, holder, ttl=int(ttl * 1000) / 1000)
        return True

    async def once(self, key: str, ttl: float) -> bool:
        if self.keys.get(f"{PREFIX}once:{key}") is not None:
            return False
        self.keys.set(f"{PREFIX}once:{key}", "1", ttl=int(ttl * 1000) / 1000)
        return True
