"""Where Frontdesk keeps its state: the one source of truth every bridge process shares.

Interfaces (this package, one module per concept; typing.Protocol, no code):

  conversations.py  Conversations  records, and `transition`, the one way ownership moves
                                   (with `Expect`, `Move`, `Outcome`)
  transcripts.py    Transcripts    messages appended under an owner guard (`Appended`,
                                   `NotOwner`), pages of them (`Page`), the turn to answer (`Turn`)
  queues.py         Queues         each department's waiting conversations (read only)
  people.py         Agents         agents, their open chats, presence, live connections
                    StaffSessions  staff sign-in sessions
  tickets.py        Tickets        messages left when nobody could answer, and the replies
  canned.py         Canned         a department's ready answers
  answers.py        Answers        FAQ answers as supervisors edited them, and their edits
  insights.py       Insights       daily tallies and recent measurements
  coordination.py   Coordination   limits, leases and once-only marks between processes
  teaching.py       Teaching       messages the bot did not answer, and the examples taught
  history.py        History        past conversations and tickets by visitor, and by word (search)
  erasure.py        Erasure        a conversation's keys by exact name, and erasing them
  store.py          Store          all of them together (plus ping and close): what the domain
                                   code receives. A function may ask for a narrow one instead.

Implementations: `bot.store.redis.RedisStore`, one part per concept in bot/store/redis/ (the same
module names), all on one connection pool (redis/connection.py), put together by inheritance.
Writes that must change several keys at once are Lua scripts (the transition, an append, a turn)
or MULTI transactions; each script's header says its KEYS, ARGV, return value and the invariant
it keeps.

Keys: every name is made in keys.py, under `fd:` (Rasa's tracker keys under `rasa:`). Its
docstring has the note on Redis Cluster: every script declares each key it touches, but the
keys one step touches together are not in one hash slot, so Frontdesk needs a single Redis
server, and what would change for Cluster.

Socket.IO: manager.py is python-socketio's Redis pub/sub manager adapted to Frontdesk (bounded
pool, batched and guarded emits); it leans on python-socketio internals, pinned in pyproject.toml.

In memory: `bot.store.memory.MemoryStore`, the same parts over a model of Redis' keyspace on an
injected clock, for fast tests; tests/test_store_equivalence.py holds it to the Redis store's
results step by step.

Import the interfaces from here (`from bot.store import Store, Expect`), the Redis store from
`bot.store.redis`, the memory store from `bot.store.memory`.
"""

from __future__ import annotations

from .answers import AnswerEdit, Answers
from .canned import Canned
from .conversations import Conversations, Expect, Move, Outcome
from .coordination import Coordination
from .erasure import Erasure
from .history import History
from .insights import Insights
from .people import Agents, StaffSessions
from .queues import Queues
from .store import Store
from .teaching import Teaching
from .tickets import Tickets
from .transcripts import Appended, NotOwner, Page, Transcripts, Turn

__all__ = [
    "Agents", "AnswerEdit", "Answers", "Appended", "Canned", "Conversations", "Coordination",
    "Erasure", "Expect", "History",
    "Insights", "Move", "NotOwner", "Outcome", "Page", "Queues", "StaffSessions", "Store",
    "Teaching", "Tickets", "Transcripts", "Turn",
]
