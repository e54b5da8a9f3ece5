"""The Redis implementation of `Store`: every key and script Frontdesk uses is here.

Keys (all under `fd:`): conv:{id} hash, msgs:{id} stream, pending:{id} list, turn:{id} lease,
queue:{department} sorted set by queue time, agent:{name} hash, agents set (agents_version
changes with it), agent_chats:{name} set, presence hash, alive:{name} string with TTL, tickets
sorted set, ticket:{id} string, canned:{department} hash, and short-lived keys for limits and
leases.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import secrets
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Iterable

import redis.asyncio as aioredis
import socketio
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ResponseError

from .config import Settings
from .models import Agent, Conversation, Message, Owner, Presence, Sender, Ticket
from .storage import Appended, Expect, Move, NotOwner, Outcome, Page

log = logging.getLogger(__name__)

PREFIX = "fd:"
AGENTS_VERSION = f"{PREFIX}agents_version"  # a new random value whenever an agent changes
VERSION_TTL = 86400  # seconds; an expired version is started again by the next read

# KEYS: conversation hash. ARGV: prefix, conversation id, expected owners (comma separated),
# expected agent and department ('' any, '=x' exactly x), new owner, queue score, agent capacity
# ('' for none), now, seconds to keep the conversation, then field/value pairs. Returns status (1 moved, 0 not in the expected
# state, -1 no conversation, -2 no capacity), then the state found: owner, agent, department,
# queued_at, picked_at, and 1 if this is the handoff's first pick-up.
# Keeps queue:{department} and agent_chats:{agent} in step with the conversation's owner, and
# empties pending:{id} when a person takes the conversation.
_TRANSITION = """
local conv, prefix, id = KEYS[1], ARGV[1], ARGV[2]
local st = redis.call('HMGET', conv, 'owner', 'agent', 'department', 'queued_at', 'picked_at')
if not st[1] then return {-1, '', '', '', '', '', 0} end
for i = 2, 5 do st[i] = st[i] or '' end
local cur, old_agent, old_dept = st[1], st[2], st[3]
local function found(status, first) return {status, cur, old_agent, old_dept, st[4], st[5], first} end
local ok = false
for owner in string.gmatch(ARGV[3], '[^,]+') do
  if owner == cur then ok = true end
end
if not ok then return found(0, 0) end
if ARGV[4] ~= '' and ARGV[4] ~= '=' .. old_agent then return found(0, 0) end
if ARGV[5] ~= '' and ARGV[5] ~= '=' .. old_dept then return found(0, 0) end
local to = ARGV[6]
local new = {department = old_dept, agent = old_agent}
for i = 11, #ARGV, 2 do new[ARGV[i]] = ARGV[i + 1] end
if to == 'agent' and ARGV[8] ~= '' and (cur ~= 'agent' or new.agent ~= old_agent) then
  if redis.call('SCARD', prefix .. 'agent_chats:' .. new.agent) >= tonumber(ARGV[8]) then
    return found(-2, 0)
  end
end
if cur == 'queue' then redis.call('ZREM', prefix .. 'queue:' .. old_dept, id) end
if cur == 'agent' then redis.call('SREM', prefix .. 'agent_chats:' .. old_agent, id) end
redis.call('HSET', conv, 'owner', to)
for i = 11, #ARGV, 2 do redis.call('HSET', conv, ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', conv, ARGV[10])
redis.call('EXPIRE', prefix .. 'msgs:' .. id, ARGV[10])
local first = 0
if to == 'agent' and (new.picked_at == nil) and (st[5] == '' or tonumber(st[5]) == 0) then
  redis.call('HSET', conv, 'picked_at', ARGV[9])
  first = 1
end
if to == 'queue' then redis.call('ZADD', prefix .. 'queue:' .. new.department, ARGV[7], id) end
if to == 'agent' then redis.call('SADD', prefix .. 'agent_chats:' .. new.agent, id) end
-- A person answers from now on: nothing the visitor wrote waits for the bot any more.
if to == 'queue' or to == 'agent' then redis.call('DEL', prefix .. 'pending:' .. id) end
return found(1, first)
"""

# KEYS: stream, conversation hash, pending list. ARGV: the client id of a resend ('' for a first
# send: it is stored with the message, and a resend looks for it among the latest RESEND_WINDOW
# messages instead of a dedupe key written on every message), guard ('' none, 'bot', '*' any
# agent, or an agent's name), 'visitor'/'agent'/'' (what kind of message: a visitor's may become
# pending, an agent's may be the first response), now, seconds to keep the conversation, then
# field/value pairs. Returns the id (or ''), 1 new / 0 duplicate / -1 refused by the guard / -2
# no such conversation, 1 if it was the handoff's first response, how many visitor messages are
# pending, 1 if it was the visitor's first message, then the conversation's SNAPSHOT fields.
# Every write keeps the conversation's keys for the retention time from now (its resume key
# too). A visitor message to a person is never pending (a move to a queue or an agent empties
# the list), so it costs no read of the list.
RESEND_WINDOW = 100
_APPEND = """
local snap = redis.call('HMGET', KEYS[2], 'owner', 'agent', 'department', 'queued_at',
                        'first_response_at', 'leaving', 'written', 'kept_until')
for i = 1, 8 do snap[i] = snap[i] or '' end
local kept_until = tonumber(table.remove(snap)) or 0
local written = table.remove(snap)
if snap[1] == '' then return {'', -2, 0, 0, 0, unpack(snap)} end
local guard, kind = ARGV[2], ARGV[3]
if guard == 'bot' then
  if snap[1] ~= 'bot' then return {'', -1, 0, 0, 0, unpack(snap)} end
elseif guard ~= '' and (snap[1] ~= 'agent' or (guard ~= '*' and snap[2] ~= guard)) then
  return {'', -1, 0, 0, 0, unpack(snap)}
end
if ARGV[1] ~= '' then  -- a resend: the same sender's message with this client id, if stored
  for _, entry in ipairs(redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', %d)) do
    local f, m = entry[2], {}
    for i = 1, #f - 1, 2 do m[f[i]] = f[i + 1] end
    if m.client_id == ARGV[1] and m.sender == kind then
      return {entry[1], 0, 0, redis.call('LLEN', KEYS[3]), 0, unpack(snap)}
    end
  end
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
local first, pending = 0, 0
if kind == 'visitor' then
  if snap[1] == 'bot' or snap[1] == 'closed' or snap[1] == 'triage' then
    pending = redis.call('RPUSH', KEYS[3], id)
    if pending == 1 then redis.call('EXPIRE', KEYS[3], ARGV[5]) end  -- a new list: bounded too
  end
elseif kind == 'agent' and snap[1] == 'agent' and snap[4] ~= '' and tonumber(snap[4]) ~= 0
       and (snap[5] == '' or tonumber(snap[5]) == 0) then
  redis.call('HSET', KEYS[2], 'first_response_at', ARGV[4])
  first = 1
end
local first_write = 0
if kind == 'visitor' and written == '' then
  redis.call('HSET', KEYS[2], 'written', '1')
  first_write = 1
end
-- Keep everything RETENTION after now; refreshed at most every 1%% of it (at most hourly).
local ttl, now = tonumber(ARGV[5]), tonumber(ARGV[4])
if now + ttl - kept_until > math.min(3600, ttl / 100) or first_write == 1 then
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
  local resume = redis.call('HGET', KEYS[2], 'resume')
  if resume then redis.call('EXPIRE', resume, ttl) end
  redis.call('HSET', KEYS[2], 'kept_until', tostring(now + ttl))
end
return {id, 1, first, pending, first_write, unpack(snap)}
""" % RESEND_WINDOW
SNAPSHOT = ("owner", "agent", "department", "queued_at", "first_response_at", "leaving")
TRANSITION_STATE = ("owner", "agent", "department", "queued_at", "picked_at")

# KEYS: lease. ARGV: holder, ttl in ms. Take the lease if free, renew it if ours.
_LEAD = """
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""


# The turn of a conversation: had (SET NX with an expiry) together with the oldest pending
# message, and given up together with marking a message answered; a turn that expired meanwhile
# is not deleted (someone else may hold it). KEYS: turn, pending. ARGV: token, ms | message id.
_TAKE_TURN = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('LINDEX', KEYS[2], 0)}
end
return {0, false}
"""

_END_TURN = """
if ARGV[2] ~= '' then redis.call('LREM', KEYS[2], 1, ARGV[2]) end
local left = redis.call('LLEN', KEYS[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {left, 1}
end
return {left, 0}
"""

# A visitor's tab joined (+1) or left (-1) a conversation; when none is left, note the time.
_TABS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'visitor_tabs', ARGV[1])
if n <= 0 then redis.call('HSET', KEYS[1], 'visitor_tabs', 0, 'visitor_left_at', ARGV[2]) end
return n
"""


def _resume_key(secret: str) -> str:
    """Where a visitor's resume secret leads: only its hash is kept."""
    return f"{PREFIX}resume:{hashlib.sha256(secret.encode()).hexdigest()}"


def connection_options(max_connections: int) -> dict[str, Any]:
    """How every Redis connection of a bridge behaves (the store's pool and the Socket.IO
    manager's): bounded, health-checked, and retried with jittered exponential backoff when a
    connection breaks (a Redis restart leaves stale pooled connections behind)."""
    return {
        "max_connections": max_connections,
        "health_check_interval": 30,
        "socket_connect_timeout": 5,
        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=2.0), retries=4),
        "retry_on_error": [aioredis.ConnectionError, aioredis.TimeoutError],
    }


class _Manager(socketio.AsyncRedisManager):
    """python-socketio's Redis manager on a bounded blocking pool (its own `from_url` pool
    fails, and drops the emit, when a burst needs more connections than the bound), able to
    carry several emits in one pub/sub message (one PUBLISH per relayed chat message), knowing
    each client's rooms (its own disconnect scans, and copies, every room of the namespace: the
    cost of one disconnect grew with the number of connections), and guarding rooms: an emit
    may carry `only` (delivered only to the connections `guard` admits) or `leave` (after it,
    the connections `guard` does not admit leave the room), decided on each bridge for its own
    connections (see `Relay.guard_with`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rooms_of: dict[tuple[str, str], set[str | None]] = {}  # (namespace, sid) -> rooms
        self.guard: Callable[[str, str, Any], list[str]] | None = None

    def basic_enter_room(self, sid: str, namespace: str, room: str | None,
                         eio_sid: str | None = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: str | None) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self.rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.rooms_of[(namespace, sid)]

    def get_rooms(self, sid: str, namespace: str) -> list[str]:
        return [room for room in self.rooms_of.get((namespace, sid), ()) if room is not None]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """As python-socketio's (5.x), leaving only the rooms this client is in."""
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    async def emit_together(self, emits: list[dict[str, Any]]) -> None:
        """Emits ({event, data, namespace, room, only?, leave?} each, see `relay.emit`):
        delivered here, then to every other bridge, in one pub/sub message."""
        batch = [{"method": "emit", "event": one["event"], "data": [one["data"]],
                  "binary": False, "namespace": one["namespace"], "room": one["room"],
                  "skip_sid": None, "callback": None, "host_id": self.host_id,
                  "only": one.get("only"), "leave": one.get("leave")} for one in emits]
        await self._handle_emit({"batch": batch})
        await self._publish({"method": "emit", "batch": batch, "host_id": self.host_id})

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        for one in message.get("batch") or [message]:
            namespace, room = one.get("namespace") or "/", one.get("room")
            only, leave = one.get("only"), one.get("leave")
            if only is not None and self.guard is not None:
                one = {**one, "skip_sid": self.guard(namespace, room, only)}
            await super()._handle_emit(one)
            if leave is not None and self.guard is not None:
                for sid in self.guard(namespace, room, leave):
                    self.basic_leave_room(sid, namespace, room)


    def _redis_connect(self) -> None:
        pool = aioredis.BlockingConnectionPool.from_url(
            self.redis_url, timeout=20, **connection_options(max_connections=32)
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True


def socketio_manager(url: str) -> socketio.AsyncRedisManager:
    """python-socketio's pub/sub between bridges, on the same kind of connections as the store."""
    return _Manager(url, channel=f"{PREFIX}socketio")


_OUTCOMES = {1: Outcome.MOVED, 0: Outcome.STALE, -1: Outcome.MISSING, -2: Outcome.FULL}


class RedisTurn:
    """`Turn` (bot/storage.py) on Redis: ended by `answered` in the same step as the answer."""

    def __init__(self, store: "RedisStore", keys: list[str], token: str, ours: bool,
                 head: str | None) -> None:
        self.store, self.keys, self.token = store, keys, token
        self.ours, self.head, self.ended = ours, head, False

    async def answered(self, message_id: str) -> int:
        return await self.end(message_id)

    async def end(self, message_id: str) -> int:
        self.ended = True
        left, released = await self.store._end_turn(keys=self.keys, args=[self.token, message_id])
        if not released:  # expired meanwhile: someone else may hold it now
            log.warning("turn of %s expired before it was released", self.keys[0])
        return int(left)


class RedisStore:
    """`Store` on one Redis server, shared by every bridge process."""

    def __init__(
        self, url: str, max_connections: int = 64, retention: int = 90 * 86400,
        unwritten: float = 1800,
    ) -> None:
        self.retention = retention  # seconds a conversation is kept after its last activity
        self.unwritten = int(unwritten)  # seconds a conversation nobody wrote in is kept
        # A bounded pool that waits for a free connection instead of failing under bursts.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, decode_responses=True, socket_timeout=10, timeout=20,
            **connection_options(max_connections),
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self._transition = self.redis.register_script(_TRANSITION)
        self._append = self.redis.register_script(_APPEND)
        self._lead = self.redis.register_script(_LEAD)
        self._tabs = self.redis.register_script(_TABS)
        self._take_turn = self.redis.register_script(_TAKE_TURN)
        self._end_turn = self.redis.register_script(_END_TURN)
        self._agents: tuple[str | None, list[Agent]] = (None, [])  # (version, agents) last read

    @classmethod
    def from_settings(cls, settings: Settings) -> "RedisStore":
        return cls(settings.redis_url, retention=settings.retention_seconds,
                   unwritten=settings.unwritten_ttl)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (OSError, aioredis.RedisError):
            return False

    async def close(self) -> None:
        await self.redis.aclose(close_connection_pool=True)

    # conversations and transcripts ------------------------------------------------------------

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        fields = await self.redis.hgetall(f"{PREFIX}conv:{conversation_id}")
        return Conversation.from_fields(conversation_id, fields) if fields else None

    async def get_conversations(self, ids: list[str]) -> list[Conversation]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for conversation_id in ids:
                pipe.hgetall(f"{PREFIX}conv:{conversation_id}")
            rows = await pipe.execute()
        return [Conversation.from_fields(i, f) for i, f in zip(ids, rows) if f]

    async def create_conversation(self, conversation: Conversation, secret: str = "") -> bool:
        now = time.time()
        conversation.created_at = conversation.created_at or now
        conversation.updated_at = now
        key = f"{PREFIX}conv:{conversation.id}"
        fields = conversation.to_fields()
        created = await self.redis.hsetnx(key, "owner", fields.pop("owner"))
        if created:  # short-lived until the visitor writes (a page view is not a conversation)
            if secret:
                fields["resume"] = _resume_key(secret)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=fields)
                pipe.expire(key, self.unwritten)
                if secret:
                    pipe.set(fields["resume"], conversation.id, ex=self.unwritten)
                await pipe.execute()
        return bool(created)

    async def resume(self, secret: str) -> Conversation | None:
        conversation_id = await self.redis.get(_resume_key(secret))
        return await self.get_conversation(conversation_id) if conversation_id else None

    async def visitor_tabs(self, conversation_id: str, change: int) -> None:
        await self._tabs(keys=[f"{PREFIX}conv:{conversation_id}"],
                         args=[change, repr(time.time())])

    async def update_conversation(self, conversation_id: str, **fields: str) -> None:
        await self.redis.hset(f"{PREFIX}conv:{conversation_id}", mapping=fields)

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
        now = time.time()
        pairs: list[str] = ["updated_at", repr(now)]
        for name, value in fields.items():
            pairs += [name, value]
        score = repr(score) if score is not None else fields.get("queued_at", repr(now))
        args = [
            PREFIX, conversation_id, ",".join(o.value for o in expect.owners),
            "" if expect.agent is None else f"={expect.agent}",
            "" if expect.department is None else f"={expect.department}",
            to.value, score, "" if capacity is None else str(capacity), repr(now),
            str(self.retention), *pairs,
        ]
        status, *state = await self._transition(
            keys=[f"{PREFIX}conv:{conversation_id}"], args=args
        )
        first = bool(state.pop())
        before = Conversation.from_fields(
            conversation_id, {k: v for k, v in zip(TRANSITION_STATE, state) if v}
        )
        return Move(_OUTCOMES[int(status)], before, first)

    async def append(
        self, conversation_id: str, message: Message, guard: str = "", resend: bool = False
    ) -> Appended:
        message.ts = message.ts or time.time()
        kind = message.sender.value if message.sender in (Sender.VISITOR, Sender.AGENT) else ""
        resent = message.client_id if resend else ""
        args: list[str] = [resent, guard, kind, repr(message.ts), str(self.retention)]
        for name, value in message.to_fields().items():
            args += [name, value]
        keys = [f"{PREFIX}msgs:{conversation_id}", f"{PREFIX}conv:{conversation_id}",
                f"{PREFIX}pending:{conversation_id}"]
        stored_id, status, first, pending, first_write, *snapshot = await self._append(
            keys=keys, args=args
        )
        state = {k: v for k, v in zip(SNAPSHOT, snapshot) if v}
        conversation = Conversation.from_fields(conversation_id, state)
        if status in (-1, -2):
            raise NotOwner(conversation if state else None)
        if status == 1:
            message.id = stored_id
            return Appended(message, True, conversation, bool(first), int(pending),
                            bool(first_write))
        existing = await self.redis.xrange(keys[0], stored_id, stored_id)
        message = Message.from_fields(stored_id, existing[0][1])
        return Appended(message, False, conversation, pending=int(pending))

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        start = f"({after}" if after else "-"
        try:
            rows = await self.redis.xrange(f"{PREFIX}msgs:{conversation_id}", start, "+", count=limit)
        except ResponseError:  # a malformed id from a client
            raise ValueError(f"not a message id: {after!r}") from None
        return [Message.from_fields(id, fields) for id, fields in rows]

    async def page_after(self, conversation_id: str, after: str | None = None,
                         limit: int = 200) -> Page:
        messages = await self.messages(conversation_id, after, limit + 1)
        return Page(messages[:limit], len(messages) > limit)

    async def page_before(self, conversation_id: str, before: str | None = None,
                          limit: int = 200) -> Page:
        end = f"({before}" if before else "+"
        try:
            rows = await self.redis.xrevrange(f"{PREFIX}msgs:{conversation_id}", end, "-",
                                              count=limit + 1)
        except ResponseError:  # a malformed id from a client
            raise ValueError(f"not a message id: {before!r}") from None
        messages = [Message.from_fields(id, fields) for id, fields in rows[:limit]]
        return Page(messages[::-1], len(rows) > limit)

    async def message(self, conversation_id: str, message_id: str) -> Message | None:
        rows = await self.redis.xrange(f"{PREFIX}msgs:{conversation_id}", message_id, message_id)
        return Message.from_fields(rows[0][0], rows[0][1]) if rows else None

    async def next_pending(self, conversation_id: str) -> str | None:
        return await self.redis.lindex(f"{PREFIX}pending:{conversation_id}", 0)

    @asynccontextmanager
    async def turn(self, conversation_id: str, ttl: float) -> AsyncIterator["RedisTurn"]:
        keys = [f"{PREFIX}turn:{conversation_id}", f"{PREFIX}pending:{conversation_id}"]
        token, deadline = secrets.token_hex(16), time.monotonic() + ttl
        while True:  # another bridge answering this conversation: wait for it, a bounded time
            got, head = await self._take_turn(keys=keys, args=[token, max(1, int(ttl * 1000))])
            if got or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.02)
        turn = RedisTurn(self, keys, token, bool(got), head or None)
        try:
            yield turn
        finally:
            if turn.ours and not turn.ended:  # left without an answer (an error): release only
                await turn.end("")

    # queues -----------------------------------------------------------------------------------

    async def queue(self, department: str, offset: int = 0, limit: int = -1) -> list[str]:
        stop = -1 if limit < 0 else offset + limit - 1
        return await self.redis.zrange(f"{PREFIX}queue:{department}", offset, stop)

    async def queue_length(self, department: str) -> int:
        return await self.redis.zcard(f"{PREFIX}queue:{department}")

    async def queue_position(self, conversation_id: str, department: str) -> int | None:
        rank = await self.redis.zrank(f"{PREFIX}queue:{department}", conversation_id)
        return None if rank is None else rank + 1

    # agents and presence ----------------------------------------------------------------------

    async def save_agent(self, agent: Agent) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(f"{PREFIX}agent:{agent.name}", mapping=agent.to_fields())
            pipe.sadd(f"{PREFIX}agents", agent.name)
            pipe.set(AGENTS_VERSION, secrets.token_hex(8), ex=VERSION_TTL)
            await pipe.execute()

    async def get_agent(self, name: str) -> Agent | None:
        fields = await self.redis.hgetall(f"{PREFIX}agent:{name}")
        return Agent.from_fields(name, fields) if fields else None

    async def agents(self) -> list[Agent]:
        """Read again only when an agent was saved or removed since the last read (one `GET`
        otherwise): staffing, the sweeper and every console's revalidation ask each second."""
        version = await self.redis.get(AGENTS_VERSION)
        if version is None and await self.redis.exists(f"{PREFIX}agents"):
            # No version (expired, or agents saved before it existed): start one before reading
            # them, or take the winner's; with no agents no key is made.
            fresh = secrets.token_hex(8)
            started = await self.redis.set(AGENTS_VERSION, fresh, nx=True, ex=VERSION_TTL)
            version = fresh if started else await self.redis.get(AGENTS_VERSION)
        if version is None or version != self._agents[0]:
            names = sorted(await self.redis.smembers(f"{PREFIX}agents"))
            async with self.redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.hgetall(f"{PREFIX}agent:{name}")
                rows = await pipe.execute()
            # A change after the GET leaves a newer version than the one kept: read again then.
            self._agents = (version, [Agent.from_fields(n, f) for n, f in zip(names, rows) if f])
        return [copy.copy(agent) for agent in self._agents[1]]

    async def remove_agent(self, name: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(f"{PREFIX}agent:{name}")
            pipe.srem(f"{PREFIX}agents", name)
            pipe.hdel(f"{PREFIX}presence", name)
            pipe.set(AGENTS_VERSION, secrets.token_hex(8), ex=VERSION_TTL)
            deleted, *_ = await pipe.execute()
        return bool(deleted)

    async def agent_chats(self, name: str) -> set[str]:
        return await self.redis.smembers(f"{PREFIX}agent_chats:{name}")

    async def agent_loads(self, names: Iterable[str]) -> dict[str, int]:
        names = list(names)
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.scard(f"{PREFIX}agent_chats:{name}")
            counts = await pipe.execute() if names else []
        return dict(zip(names, counts))

    async def set_presence(self, name: str, presence: Presence) -> None:
        await self.redis.hset(f"{PREFIX}presence", name, presence.value)

    async def presences(self) -> dict[str, Presence]:
        raw = await self.redis.hgetall(f"{PREFIX}presence")
        return {name: Presence(value) for name, value in raw.items()}

    async def keep_connected(self, names: Iterable[str], ttl: float) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.set(f"{PREFIX}alive:{name}", "1", px=int(ttl * 1000))
            await pipe.execute()

    async def connected(self, names: Iterable[str]) -> set[str]:
        return await self._present("alive", names)

    async def _present(self, kind: str, names: Iterable[str]) -> set[str]:
        """Which of `names` have a live key `{PREFIX}{kind}:{name}` (one MGET)."""
        names = list(names)
        if not names:
            return set()
        values = await self.redis.mget([f"{PREFIX}{kind}:{n}" for n in names])
        return {name for name, value in zip(names, values) if value}

    # tickets and canned responses -------------------------------------------------------------

    async def save_ticket(self, ticket: Ticket) -> None:
        """The ticket, in the list of all tickets and in its department's (newest first)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}ticket:{ticket.id}", ticket.to_json(), ex=self.retention)
            for index in (f"{PREFIX}tickets", f"{PREFIX}tickets:{ticket.department}"):
                pipe.zadd(index, {ticket.id: ticket.created_at})
                pipe.zremrangebyscore(index, "-inf", time.time() - self.retention)
                pipe.expire(index, self.retention)
            await pipe.execute()

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        tickets = await self._tickets([ticket_id])
        return tickets[0] if tickets else None

    async def tickets(self, limit: int = 200, offset: int = 0,
                      department: str = "") -> tuple[list[Ticket], bool]:
        index = f"{PREFIX}tickets:{department}" if department else f"{PREFIX}tickets"
        ids = await self.redis.zrevrange(index, offset, offset + limit)  # one more: is there more?
        return await self._tickets(ids[:limit]), len(ids) > limit

    async def _tickets(self, ids: list[str]) -> list[Ticket]:
        """Tickets with their replies (kept in a list of their own so that none is lost)."""
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for id in ids:
                pipe.get(f"{PREFIX}ticket:{id}")
                pipe.lrange(f"{PREFIX}ticket_replies:{id}", 0, -1)
            rows = await pipe.execute()
        tickets = []
        for raw, replies in zip(rows[::2], rows[1::2]):
            if raw:
                ticket = Ticket.from_json(raw)
                ticket.replies += [json.loads(r) for r in replies]
                ticket.status = "answered" if ticket.replies else ticket.status
                tickets.append(ticket)
        return tickets

    async def add_ticket_reply(self, ticket_id: str, reply: dict) -> None:
        key = f"{PREFIX}ticket_replies:{ticket_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(reply))
            pipe.expire(key, self.retention)
            await pipe.execute()

    async def canned(self, department: str) -> dict[str, str]:
        return await self.redis.hgetall(f"{PREFIX}canned:{department}")

    async def set_canned(self, department: str, key: str, text: str) -> None:
        await self.redis.hset(f"{PREFIX}canned:{department}", key, text)

    async def delete_canned(self, department: str, key: str) -> bool:
        return bool(await self.redis.hdel(f"{PREFIX}canned:{department}", key))

    # insights ---------------------------------------------------------------------------------

    async def count(self, field: str, amount: int = 1) -> None:
        key = f"{PREFIX}stats:{time.strftime('%Y-%m-%d', time.gmtime())}"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(key, field, amount)
            pipe.expire(key, self.retention)
            await pipe.execute()

    async def sample(self, name: str, value: float) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.lpush(f"{PREFIX}samples:{name}", repr(round(value, 3)))
            pipe.ltrim(f"{PREFIX}samples:{name}", 0, 999)
            pipe.expire(f"{PREFIX}samples:{name}", self.retention)
            await pipe.execute()

    async def insights(self, days: int) -> dict:
        now = time.time()
        dates = [time.strftime("%Y-%m-%d", time.gmtime(now - 86400 * d)) for d in range(days)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for date in reversed(dates):
                pipe.hgetall(f"{PREFIX}stats:{date}")
            for name in ("queue_wait", "first_response"):
                pipe.lrange(f"{PREFIX}samples:{name}", 0, -1)
            rows = await pipe.execute()
        daily = [{"date": d, **{k: int(v) for k, v in r.items()}}
                 for d, r in zip(reversed(dates), rows[:days])]
        return {
            "daily": daily,
            "queue_wait": [float(v) for v in rows[days]],
            "first_response": [float(v) for v in rows[days + 1]],
        }

    # export and erasure (the command line; work grows with the data, bounded by retention) ----

    async def all_messages(self, conversation_id: str) -> list[Message]:
        """The whole transcript, read a page at a time."""
        found: list[Message] = []
        after = None
        while page := await self.messages(conversation_id, after, limit=1000):
            found += page
            after = page[-1].id
        return found

    async def tickets_where(self, email: str = "", conversation_id: str = "") -> list[Ticket]:
        """Kept tickets left with this email address or from this conversation."""
        matching: list[Ticket] = []
        start = 0
        while ids := await self.redis.zrange(f"{PREFIX}tickets", start, start + 499):
            for ticket in await self._tickets(ids):
                if (email and ticket.email.lower() == email.lower()) or (
                    conversation_id and ticket.conversation_id == conversation_id
                ):
                    matching.append(ticket)
            start += len(ids)
        return matching

    async def conversations_of_user(self, user_id: str) -> list[str]:
        """Conversations of a verified website user (a scan: for the erasure command)."""
        found = []
        async for key in self.redis.scan_iter(match=f"{PREFIX}conv:*", count=1000):
            if await self.redis.hget(key, "user_id") == user_id:
                found.append(key.removeprefix(f"{PREFIX}conv:"))
        return found

    async def conversation_keys(self, conversation_id: str) -> list[str]:
        """The keys kept for one conversation that exist now, each by its exact name (no
        pattern): record, transcript, pending list, turn, resume key, transcript-mail count,
        handoff mark, Rasa's tracker and lock, and its tickets with their replies."""
        resume, waiting_since = await self.redis.hmget(f"{PREFIX}conv:{conversation_id}",
                                                       "resume", "waiting_since")
        names = [f"{PREFIX}{kind}:{conversation_id}" for kind in ("conv", "msgs", "pending", "turn")]
        names += [resume] if resume else []
        stays = [conversation_id]  # the sweeper's marks of its stays in a queue (bot/sweeper.py)
        if waiting_since and float(waiting_since):
            stays.append(f"{conversation_id}:{float(waiting_since):.3f}")
        for stay in stays:
            names += [f"{PREFIX}once:escalate:{stay}", f"{PREFIX}once:longwait:{stay}"]
        names += [f"{PREFIX}limit:transcript:{conversation_id}",
                  f"{PREFIX}once:handed_off:{conversation_id}",
                  f"rasa:tracker:{conversation_id}", f"rasa:lock:{conversation_id}"]
        for ticket in await self.tickets_where(conversation_id=conversation_id):
            names += [f"{PREFIX}ticket:{ticket.id}", f"{PREFIX}ticket_replies:{ticket.id}"]
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(name)
            found = await pipe.execute()
        return [name for name, there in zip(names, found) if there]

    async def erase_conversation(self, conversation_id: str) -> list[str]:
        """Everything about one conversation (`conversation_keys`), and its entries in the
        queue, agent and ticket indexes, in one step; returns the keys deleted."""
        conv = f"{PREFIX}conv:{conversation_id}"
        department, agent = await self.redis.hmget(conv, "department", "agent")
        tickets = await self.tickets_where(conversation_id=conversation_id)
        keys = await self.conversation_keys(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            if keys:
                pipe.delete(*keys)
            if department:
                pipe.zrem(f"{PREFIX}queue:{department}", conversation_id)
            if agent:
                pipe.srem(f"{PREFIX}agent_chats:{agent}", conversation_id)
            for ticket in tickets:
                pipe.zrem(f"{PREFIX}tickets", ticket.id)
                pipe.zrem(f"{PREFIX}tickets:{ticket.department}", ticket.id)
            await pipe.execute()
        return keys

    async def erase_ticket(self, ticket_id: str, department: str = "") -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(f"{PREFIX}ticket:{ticket_id}", f"{PREFIX}ticket_replies:{ticket_id}")
            pipe.zrem(f"{PREFIX}tickets", ticket_id)
            if department:
                pipe.zrem(f"{PREFIX}tickets:{department}", ticket_id)
            await pipe.execute()

    # staff sessions ---------------------------------------------------------------------------

    async def start_staff_session(self, name: str, ttl: float) -> str:
        session = secrets.token_urlsafe(18)
        ms = int(ttl * 1000)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}staff:{session}", name, px=ms)
            pipe.sadd(f"{PREFIX}staff_of:{name}", session)
            pipe.pexpire(f"{PREFIX}staff_of:{name}", ms)  # the newest session ends last
            await pipe.execute()
        return session

    async def staff_session(self, session: str) -> str | None:
        return await self.redis.get(f"{PREFIX}staff:{session}")

    async def open_staff_sessions(self, sessions: Iterable[str]) -> set[str]:
        return await self._present("staff", sessions)

    async def end_staff_session(self, session: str) -> None:
        name = await self.redis.getdel(f"{PREFIX}staff:{session}")
        if name:
            await self.redis.srem(f"{PREFIX}staff_of:{name}", session)

    async def end_staff_sessions(self, name: str) -> int:
        sessions = await self.redis.smembers(f"{PREFIX}staff_of:{name}")
        async with self.redis.pipeline(transaction=True) as pipe:
            for session in sessions:
                pipe.delete(f"{PREFIX}staff:{session}")
            pipe.delete(f"{PREFIX}staff_of:{name}")
            results = await pipe.execute()
        return sum(results[:-1])

    # coordination -----------------------------------------------------------------------------

    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> bool:
        full = f"{PREFIX}limit:{key}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(full, 0, nx=True, px=int(window * 1000))
            pipe.incrby(full, cost)
            _, count = await pipe.execute()
        return count <= limit if cost else count < limit

    async def lead(self, name: str, holder: str, ttl: float) -> bool:
        result = await self._lead(keys=[f"{PREFIX}lease:{name}"], args=[holder, int(ttl * 1000)])
        return result == 1

    async def once(self, key: str, ttl: float) -> bool:
        return bool(await self.redis.set(f"{PREFIX}once:{key}", "1", nx=True, px=int(ttl * 1000)))
