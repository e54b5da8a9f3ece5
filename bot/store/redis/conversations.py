"""`Conversations` on Redis: conversation hashes, and the transition script that moves
ownership and keeps the queue and agent indexes in step."""

from __future__ import annotations

import logging
import time

from ...models import Conversation, Owner
from .. import keys
from ..conversations import Expect, Move, Outcome
from .connection import RedisPart

log = logging.getLogger(__name__)

# The one script that moves a conversation between owners (the moves: bot/handoff/machine.py).
# KEYS: conversation hash, its stream, its pending list, then the index keys the caller expects
#   the move to touch (queue:{department}, agent_chats:{agent}, before and after; see keys.py).
# ARGV: prefix, conversation id, expected owners (comma separated), expected agent and department
#   ('' any, '=x' exactly x), new owner, queue score, agent capacity ('' for none), now, seconds
#   to keep the conversation, the owners the table lets move to the new owner (comma separated,
#   `Expect.legal`; '' not checked), then field/value pairs to set.
# Returns status (1 moved, 0 not in the expected state, -1 no conversation, -2 no capacity,
#   UNDECLARED an index key missing from KEYS: nothing changed, its names follow), then the state
#   found: owner, agent, department, queued_at, picked_at, and 1 if this is the handoff's first
#   pick-up.
# A move the table does not allow from the owner found is an error (a bug in the caller), not a
# refusal. The invariants it keeps are in the script's header.
TRANSITION = keys.DECLARED + """
-- Invariants kept here, atomically (numbered as in bot/handoff/machine.py):
-- 1. one owner, moved along the table's graph (ARGV[11]); the agent is set exactly when an
--    agent owns the conversation: cleared on every move to another owner;
-- 2. queue:{d} holds it iff it is queued in department d, agent_chats:{a} iff agent a owns it;
-- 3. no agent holds more chats than the capacity given (ARGV[8]);
-- 4. a move to a queue or an agent empties pending:{id} (a person reads what the visitor wrote);
-- 6. a move that finds another state than the one expected changes nothing.
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
local allowed = ARGV[11] == ''
for owner in string.gmatch(ARGV[11], '[^,]+') do
  if owner == cur then allowed = true end
end
if not allowed then return redis.error_reply('no move from ' .. cur .. ' to ' .. to) end
local new = {department = old_dept, agent = old_agent}
for i = 12, #ARGV, 2 do new[ARGV[i]] = ARGV[i + 1] end
if to ~= 'agent' then new.agent = '' end
if to == 'agent' and (new.agent or '') == '' then
  return redis.error_reply('a move to an agent names the agent')
end
local old_queue = cur == 'queue' and touch(prefix .. 'queue:' .. old_dept)
local old_chats = cur == 'agent' and touch(prefix .. 'agent_chats:' .. old_agent)
local new_queue = to == 'queue' and touch(prefix .. 'queue:' .. new.department)
local new_chats = to == 'agent' and touch(prefix .. 'agent_chats:' .. new.agent)
if #missing > 0 then return asking(found(UNDECLARED, 0)) end
if new_chats and ARGV[8] ~= '' and (cur ~= 'agent' or new.agent ~= old_agent) then
  if redis.call('SCARD', new_chats) >= tonumber(ARGV[8]) then
    return found(-2, 0)
  end
end
if old_queue then redis.call('ZREM', old_queue, id) end
if old_chats then redis.call('SREM', old_chats, id) end
redis.call('HSET', conv, 'owner', to)
for i = 12, #ARGV, 2 do redis.call('HSET', conv, ARGV[i], ARGV[i + 1]) end
redis.call('HSET', conv, 'agent', new.agent)
redis.call('EXPIRE', conv, ARGV[10])
redis.call('EXPIRE', KEYS[2], ARGV[10])
local first = 0
if to == 'agent' and (new.picked_at == nil) and (st[5] == '' or tonumber(st[5]) == 0) then
  redis.call('HSET', conv, 'picked_at', ARGV[9])
  first = 1
end
if new_queue then redis.call('ZADD', new_queue, ARGV[7], id) end
if new_chats then redis.call('SADD', new_chats, id) end
-- A person answers from now on: nothing the visitor wrote waits for the bot any more.
if to == 'queue' or to == 'agent' then redis.call('DEL', KEYS[3]) end
return found(1, first)
""".replace("UNDECLARED", str(keys.UNDECLARED))
TRANSITION_STATE = ("owner", "agent", "department", "queued_at", "picked_at")
_OUTCOMES = {1: Outcome.MOVED, 0: Outcome.STALE, -1: Outcome.MISSING, -2: Outcome.FULL}

# A visitor's tab joined (+1) or left (-1) a conversation; when none is left, note the time.
# KEYS: conversation hash. ARGV: change (+1 or -1), now. Returns the tabs open now (-1: no
#   such conversation, nothing written). Keeps: the count never goes below 0, and a deleted
#   conversation is not re-created by a tab closing late.
TABS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'visitor_tabs', ARGV[1])
if n <= 0 then redis.call('HSET', KEYS[1], 'visitor_tabs', 0, 'visitor_left_at', ARGV[2]) end
return n
"""

# KEYS: conversation hash. ARGV: tag to add ('' none), tag to remove ('' none), most tags kept.
# Returns the tags after (space separated), or nil when there is no conversation.
RETAG = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local tags, have = {}, false
for t in string.gmatch(redis.call('HGET', KEYS[1], 'tags') or '', '%S+') do
  if t ~= ARGV[2] then table.insert(tags, t) end
  if t == ARGV[1] then have = true end
end
if ARGV[1] ~= '' and not have and #tags < tonumber(ARGV[3]) then table.insert(tags, ARGV[1]) end
local joined = table.concat(tags, ' ')
redis.call('HSET', KEYS[1], 'tags', joined)
return joined
"""


class RedisConversations(RedisPart):
    """`Conversations` (bot/store/conversations.py) on Redis."""

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        fields = await self.redis.hgetall(keys.conv(conversation_id))
        return Conversation.from_fields(conversation_id, fields) if fields else None

    async def get_conversations(self, ids: list[str]) -> list[Conversation]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for conversation_id in ids:
                pipe.hgetall(keys.conv(conversation_id))
            rows = await pipe.execute()
        return [Conversation.from_fields(i, f) for i, f in zip(ids, rows) if f]

    async def create_conversation(self, conversation: Conversation, secret: str = "") -> bool:
        now = time.time()
        conversation.created_at = conversation.created_at or now
        conversation.updated_at = now
        key = keys.conv(conversation.id)
        fields = conversation.to_fields()
        created = await self.redis.hsetnx(key, "owner", fields.pop("owner"))
        if created:  # short-lived until the visitor writes (a page view is not a conversation)
            if secret:
                fields["resume"] = keys.resume(secret)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=fields)
                pipe.expire(key, self.unwritten)
                if secret:
                    pipe.set(fields["resume"], conversation.id, ex=self.unwritten)
                await pipe.execute()
        return bool(created)

    async def resume(self, secret: str) -> Conversation | None:
        conversation_id = await self.redis.get(keys.resume(secret))
        return await self.get_conversation(conversation_id) if conversation_id else None

    async def visitor_tabs(self, conversation_id: str, change: int) -> None:
        await self.script(TABS)(keys=[keys.conv(conversation_id)],
                                args=[change, repr(time.time())])

    async def update_conversation(self, conversation_id: str, **fields: str) -> None:
        await self.redis.hset(keys.conv(conversation_id), mapping=fields)

    async def retag(self, conversation_id: str, add: str, remove: str, cap: int) -> list[str] | None:
        joined = await self.script(RETAG)(keys=[keys.conv(conversation_id)],
                                          args=[add, remove, cap])
        return None if joined is None else str(joined).split()

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
        order = repr(score) if score is not None else fields.get("queued_at", repr(now))
        args = [
            keys.PREFIX, conversation_id, ",".join(o.value for o in expect.owners),
            "" if expect.agent is None else f"={expect.agent}",
            "" if expect.department is None else f"={expect.department}",
            to.value, order, "" if capacity is None else str(capacity), repr(now),
            str(self.retention), "" if expect.legal is None else ",".join(sorted(expect.legal)),
            *pairs,
        ]
        names = [keys.conv(conversation_id), keys.msgs(conversation_id),
                 keys.pending(conversation_id), *_indexes(expect, to, fields)]
        result = await self.run_declaring(TRANSITION, names, args, status_at=0, asked_at=7)
        if result is None:  # it kept moving under us: as for any move that found another state
            log.warning("transition of %s: the state kept changing; not moved", conversation_id)
            result = [0, "", "", "", "", "", 0]
        status, *state = result
        first = bool(state[5])
        before = Conversation.from_fields(
            conversation_id, {k: v for k, v in zip(TRANSITION_STATE, state[:5]) if v}
        )
        return Move(_OUTCOMES[int(status)], before, first)


def _indexes(expect: Expect, to: Owner, fields: dict[str, str]) -> list[str]:
    """The index keys a move is expected to touch: the queue or agent chats it may leave (when
    `expect` names the department or agent) and the one it enters."""
    names = []
    if Owner.QUEUE in expect.owners and expect.department is not None:
        names.append(keys.queue(expect.department))
    if Owner.AGENT in expect.owners and expect.agent:
        names.append(keys.agent_chats(expect.agent))
    department = fields.get("department", expect.department)
    if to is Owner.QUEUE and department is not None:
        names.append(keys.queue(department))
    agent = fields.get("agent", expect.agent)
    if to is Owner.AGENT and agent:
        names.append(keys.agent_chats(agent))
    return list(dict.fromkeys(names))
