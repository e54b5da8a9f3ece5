"""Every Redis key name Frontdesk uses, in one place (all under `fd:`, except Rasa's own).

Redis Cluster
-------------
Every Lua script declares in KEYS each key it touches, as Redis requires for a script to be
routed (and as Redis Cluster enforces). Where a key's name depends on what the script reads (the
queue of the department a conversation was in, the open chats of the agent who had it, the
resume key kept in the conversation), the caller declares the names it can know, and a script
that finds it needs another changes nothing and returns the names (`UNDECLARED`, then the
names); the caller calls again with them declared (bot/store/redis/conversations.py,
transcripts.py). With `expect` naming the agent and department, as `Expect.now` does, the first
call declares everything.

Frontdesk still needs one Redis primary (`REDIS_URL`, or found through `REDIS_SENTINELS`), not
a Cluster: keys one atomic step touches together live in different hash slots.

  script / transaction           keys touched together
  transition (conversations.py)  conv:{id} msgs:{id} pending:{id} queue:{dept} (old and new)
                                 agent_chats:{agent} (old and new)
  append (transcripts.py)        msgs:{id} conv:{id} pending:{id} resume:{hash of the secret}
  take/end turn (transcripts.py) turn:{id} pending:{id}
  tabs, lead                     one key each
  MULTI: save/remove agent       agent:{name} agents agents_version presence
  MULTI: save ticket, erasure    ticket:{id} tickets tickets:{dept} (and a conversation's keys)
  MULTI: staff sessions          staff:{session} staff_of:{name}
  MULTI: unanswered (teaching)   teach_index:{dept} teach_of:{id} teach:{entry}
  MULTI: history (history.py)    visits:{link} visits_of:{id}, or words:{dept}:{word} (each
                                 after a script noting the words in words_of:{id})

For Cluster, a conversation's own keys would take a hash tag, `fd:{<conversation id>}:conv`
and so on (the turn scripts then work as they are). The resume key is found by the secret
alone, so it cannot share that slot: the append would refresh its expiry in a call of its own.
The transition
cannot be made single-slot that way: it moves a conversation between shared indexes (a
department's queue, an agent's chats) in one step, which keeps "queued exactly when in its
department's queue, with an agent exactly when in that agent's chats"; on Cluster the indexes
would have to be updated after the move (and repaired by the sweeper), or kept per slot. The key
names are not tagged today because renaming them would hide every kept conversation from a
running deployment; a change to tags needs a one-time migration (RENAME each key of each
conversation) run with the bridges stopped.
"""

from __future__ import annotations

import hashlib

PREFIX = "fd:"
AGENTS = f"{PREFIX}agents"  # set of agent names
AGENTS_VERSION = f"{PREFIX}agents_version"  # a new random value whenever an agent changes
PRESENCE = f"{PREFIX}presence"  # hash: agent name -> presence
TICKETS = f"{PREFIX}tickets"  # sorted set of every kept ticket id by creation time
LIVE_MODEL = f"{PREFIX}model:live"  # hash: the model Rasa workers run (bot/store/rollout.py)
TRAINER = f"{PREFIX}trainer"  # hash: what the trainer did last
REPLICATED = f"{PREFIX}replicated"  # written (60 s) before a WAIT that had no write of its own
SCHEMA = f"{PREFIX}schema"  # hash: the data format version (bot/store/redis/schema.py)
SOCKETIO_CHANNEL = f"{PREFIX}socketio"  # python-socketio's pub/sub channel between bridges


def conv(conversation_id: str) -> str:
    """The conversation's hash (owner, agent, department, times...)."""
    return f"{PREFIX}conv:{conversation_id}"


def msgs(conversation_id: str) -> str:
    """The transcript: a stream, ids assigned by Redis."""
    return f"{PREFIX}msgs:{conversation_id}"


def pending(conversation_id: str) -> str:
    """Visitor message ids waiting for the bot's answer, oldest first."""
    return f"{PREFIX}pending:{conversation_id}"


def turn(conversation_id: str) -> str:
    """The lease of the one bridge answering the conversation now."""
    return f"{PREFIX}turn:{conversation_id}"


def resume(secret: str) -> str:
    """Where a visitor's resume secret leads: only its hash is kept."""
    return f"{PREFIX}resume:{hashlib.sha256(secret.encode()).hexdigest()}"


def queue(department: str) -> str:
    """A department's waiting conversations, scored by queue time."""
    return f"{PREFIX}queue:{department}"


def agent(name: str) -> str:
    return f"{PREFIX}agent:{name}"


def agent_chats(name: str) -> str:
    """The conversations an agent owns now."""
    return f"{PREFIX}agent_chats:{name}"


def alive(name: str) -> str:
    """Present (with a TTL) while the agent has a live connection on some bridge."""
    return f"{PREFIX}alive:{name}"


def staff(session: str) -> str:
    """A staff sign-in session: the agent's name, with a TTL."""
    return f"{PREFIX}staff:{session}"


def staff_of(name: str) -> str:
    """The sign-in sessions of one agent."""
    return f"{PREFIX}staff_of:{name}"


def ticket(ticket_id: str) -> str:
    return f"{PREFIX}ticket:{ticket_id}"


def ticket_replies(ticket_id: str) -> str:
    """A ticket's answers, in a list of their own so that concurrent answers all count."""
    return f"{PREFIX}ticket_replies:{ticket_id}"


def ticket_left(digest: str) -> str:
    """The ticket a left message made (a retry of the same one finds it), with a TTL."""
    return f"{PREFIX}left:{digest}"


def undelivered(conversation_id: str, client_id: str) -> str:
    """A message stored but refused (too few replicas): its resend delivers it live, once."""
    return f"{PREFIX}undelivered:{conversation_id}:{client_id}"


def department_tickets(department: str) -> str:
    return f"{PREFIX}tickets:{department}"


def canned(department: str) -> str:
    return f"{PREFIX}canned:{department}"


def unanswered(entry_id: str) -> str:
    """A message the bot did not answer (JSON), kept as long as its conversation."""
    return f"{PREFIX}teach:{entry_id}"


def unanswered_index(department: str) -> str:
    """A department's unanswered messages by time, bounded (TEACH_CAP) and with a TTL."""
    return f"{PREFIX}teach_index:{department}"


def unanswered_of(conversation_id: str) -> str:
    """The ids of a conversation's unanswered messages (for erasure)."""
    return f"{PREFIX}teach_of:{conversation_id}"


def visits(link: str) -> str:
    """One visitor's past conversations and tickets by time (entries `c:<id>`, `t:<id>`);
    `link` is a hash of how they are known (verified user id, email): bot/history.py. Bounded
    (HISTORY_CAP), with a TTL (RETENTION_DAYS)."""
    return f"{PREFIX}visits:{link}"


def visits_of(conversation_id: str) -> str:
    """The `visits` keys a conversation's entries are in (for erasure)."""
    return f"{PREFIX}visits_of:{conversation_id}"


def words(department: str, word: str) -> str:
    """Past conversations and tickets of a department that have this word, by time (the
    search index: bounded, SEARCH_INDEX_CAP, with a TTL)."""
    return f"{PREFIX}words:{department}:{word}"


def words_of(conversation_id: str) -> str:
    """The words a conversation's entries are indexed under: department -> words, space-separated
    (for erasure; bot/store/redis/history.py)."""
    return f"{PREFIX}words_of:{conversation_id}"


LEARNED = f"{PREFIX}learned"  # hash: normalised words -> taught example (JSON), bounded


def answer(topic: str) -> str:
    """A FAQ topic's edited answer (JSON); bounded by the pack's topics, no TTL: it is content."""
    return f"{PREFIX}answer:{topic}"


def answer_history(topic: str) -> str:
    """A topic's answer edits, newest first, trimmed to the latest few (bot/answers.py)."""
    return f"{PREFIX}answer_history:{topic}"


def stats(date: str) -> str:
    """One day's tallies (YYYY-MM-DD, UTC)."""
    return f"{PREFIX}stats:{date}"


def rated(conversation_id: str) -> str:
    """The conversation was rated (one rating per conversation)."""
    return f"{PREFIX}rated:{conversation_id}"


def ratings(week: str) -> str:
    """One week's ratings (ISO week, YYYY-Www, UTC): a hash of JSON [department, agent,
    rating] -> count."""
    return f"{PREFIX}ratings:{week}"


def read_marks(conversation_id: str) -> str:
    """The last message id each side (visitor, agent) has read: a hash."""
    return f"{PREFIX}read:{conversation_id}"


def samples(name: str) -> str:
    return f"{PREFIX}samples:{name}"


def limit(key: str) -> str:
    return f"{PREFIX}limit:{key}"


def lease(name: str) -> str:
    return f"{PREFIX}lease:{name}"


def once(key: str) -> str:
    return f"{PREFIX}once:{key}"


def rasa_tracker(conversation_id: str) -> str:
    """Rasa's tracker store key (endpoints.yml): erased with the conversation."""
    return f"rasa:tracker:{conversation_id}"


def rasa_lock(conversation_id: str) -> str:
    return f"rasa:lock:{conversation_id}"


# Lua put before every script that touches keys whose names depend on what it reads (see the
# note on Redis Cluster above): `touch(name)` is `name`, noted as missing unless declared.
DECLARED = """
local declared, missing = {}, {}
for _, name in ipairs(KEYS) do declared[name] = true end
local function touch(name)
  if not declared[name] then missing[#missing + 1] = name end
  return name
end
local function asking(result)  -- the result, then the names the caller must declare
  for _, name in ipairs(missing) do result[#result + 1] = name end
  return result
end
"""
UNDECLARED = -3  # a script's status: call again declaring the names it returned; nothing changed
