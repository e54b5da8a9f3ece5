"""The handoff state machine as data: who may own a conversation, and every move between them.

Read `MOVES` top to bottom: each row is one move the bridge makes, the owners it starts from,
the owner it leaves the conversation with, the fields it writes and what it tells. Nothing
else moves a conversation: `Handoff.move` refuses (raises `IllegalMove`, also under
`python -O`) a move whose sources and target no row allows, and gives the store the owners this
table lets move to the target (`Expect.legal`): the store's transition script raises if the
owner it finds is not one of them.

Invariants (the same list is checked by tests/test_invariants.py after every random step):

1. One owner: every conversation has exactly one known owner (`Owner`), and an agent exactly
   when an agent owns it. Enforced by construction: `fields_for` sets `agent` on every move
   to AGENT and clears it on every other move (no caller passes `agent=""`), and the
   transition script clears it too, whoever calls the store.
2. The indexes agree with the conversation: it is in `queue:{d}` iff queued in department d, in
   `agent_chats:{a}` iff agent a owns it. Enforced by the store's transition script (one
   atomic step that leaves the old index and joins the new one, from the owner it finds).
3. No agent holds more chats than their capacity. Enforced by the transition script (a move
   to an agent with `capacity` is refused FULL when the agent's set is that large).
4. Every stored visitor message is answered or owned by a person: the store's append script
   marks the message pending in the step that stores it when the bot, the triage step or
   nobody (closed) owns the conversation (`models.PENDING`, which both stores read), a
   move to a queue or an agent empties the list (the transition script), and bot/dialogue.py
   answers what is pending, one turn at a time, as `responder.answer` says.
5. Transcript ids strictly increase, and a client message id is stored once. Enforced by the
   store's append script (stream ids, resend lookup), not by moves.
6. A refused move changes nothing: same owner, agent, department, and no message posted.
   Enforced by the compare-and-set (`Expect`) in the transition script and by `Handoff`,
   which tells nothing unless the move happened.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ..models import Owner

BOT, TRIAGE, QUEUE, AGENT, CLOSED = Owner.BOT, Owner.TRIAGE, Owner.QUEUE, Owner.AGENT, Owner.CLOSED


@dataclass(frozen=True)
class Move:
    """One row of the machine: `name` moves a conversation owned by one of `sources` to `to`,
    writing `fields` (besides `agent`, see `fields_for`), telling the visitor `visitor` and the
    agents `agents`."""

    name: str
    sources: frozenset[Owner]
    to: Owner
    fields: frozenset[str] = frozenset()
    visitor: str = ""
    agents: str = ""


def row(name: str, sources: Collection[Owner], to: Owner, fields: str = "", visitor: str = "",
        agents: str = "") -> Move:
    return Move(name, frozenset(sources), to, frozenset(fields.split()), visitor, agents)


HANDOFF_FIELDS = "handoff picked_at first_response_at"
QUEUE_FIELDS = "department queued_at waiting_since"

# What every move does besides its row, in the store's transition script, by the owners it
# leaves and joins: leaving QUEUE leaves queue:{department}, leaving AGENT leaves
# agent_chats:{agent}; joining QUEUE joins queue:{department} (ordered by `score`), joining AGENT
# joins agent_chats:{agent} (refused FULL at the agent's capacity; the handoff's first pick-up
# sets `picked_at`); joining QUEUE or AGENT empties the pending list (a person reads it now).
MOVES: tuple[Move, ...] = (
    row("request", [BOT], TRIAGE, HANDOFF_FIELDS,
        visitor="passing you to a person (or the truth: nobody can answer); pick a department"),
    row("request_routed", [BOT], QUEUE, f"{HANDOFF_FIELDS} {QUEUE_FIELDS}",
        visitor="passing you to a person; your place in the queue (or: leave a message)",
        agents="`handoff` to the department and supervisors"),
    row("choose_department", [TRIAGE], QUEUE, QUEUE_FIELDS,
        visitor="your place in the queue (or: leave a message)",
        agents="`handoff` to the department and supervisors"),
    row("claim", [QUEUE], AGENT,
        visitor="<agent> joined", agents="`assigned` to the agent"),
    row("reroute", [QUEUE], QUEUE, "department",
        visitor="routed to <department>, where someone is free; keeping your place",
        agents="consoles updated; then claimed for the free agent, or (no auto-assignment) "
               "`handoff` to their department"),
    row("transfer_to_agent", [AGENT], AGENT,
        visitor="transferred to <agent>, <agent> joined",
        agents="a note; `assigned` to the new agent, `released` to the old one"),
    row("transfer_to_department", [AGENT], QUEUE, "department waiting_since",
        visitor="transferred to <department>; your place in the queue",
        agents="a note; `released` to the old agent; `handoff` to the department"),
    row("requeue", [AGENT], QUEUE, "waiting_since",
        visitor="<agent> is gone; your place at the front of the queue",
        agents="`released` to the agent gone; `handoff` to the department"),
    row("hand_back", [TRIAGE, QUEUE, AGENT], BOT,
        visitor="the assistant answers again", agents="`released` to the agent, if any"),
    row("close", [BOT, TRIAGE, QUEUE, AGENT], CLOSED, "rated_agent",
        visitor="closed; rate this chat", agents="`released` to the agent, if any"),
    row("leave_message", [TRIAGE, QUEUE], CLOSED,
        visitor="your message is kept; we answer by email", agents="`ticket` to the department"),
    row("abandoned", [QUEUE], CLOSED, visitor="closed, you left (writing again reopens it)"),
    row("reopen", [CLOSED], BOT, "rated_agent"),
)

BY_NAME: Mapping[str, Move] = {move.name: move for move in MOVES}


def transitions(moves: Collection[Move] = MOVES) -> dict[Owner, frozenset[Owner]]:
    """Owner now -> owners it may pass the conversation to, as the table says."""
    return {owner: frozenset(m.to for m in moves if owner in m.sources) for owner in Owner}


TRANSITIONS: Mapping[Owner, frozenset[Owner]] = transitions()


def sources(to: Owner) -> frozenset[Owner]:
    """The owners that may hand a conversation to `to`."""
    return frozenset(owner for owner, targets in TRANSITIONS.items() if to in targets)


class IllegalMove(Exception):
    """A move the table does not allow: a bug in the caller, never a visitor's or agent's
    doing (those are `Refused`)."""


def check(owners: Collection[Owner], to: Owner, move: Move | None = None) -> None:
    """Raise `IllegalMove` unless every owner in `owners` may pass the conversation to `to`
    (and, given the row `move`, unless the row itself goes from those owners to `to`)."""
    allowed = move.sources if move is not None else sources(to)
    if move is not None and move.to is not to:
        raise IllegalMove(f"{move.name} moves to {move.to}, not {to}")
    illegal = sorted(set(owners) - allowed)
    if illegal or not owners:
        raise IllegalMove(f"no move from {illegal or 'nothing'} to {to}")


def fields_for(move: Move | None, to: Owner, fields: Mapping[str, str]) -> dict[str, str]:
    """The fields a move to `to` writes: those its row declares (any, without a row), and
    `agent`, the agent's name on a move to an agent, cleared on every other move (invariant 1,
    by construction: callers never pass `agent=""`)."""
    agent = fields.get("agent", "")
    if (to is AGENT) != bool(agent):
        raise IllegalMove(f"a move to {to} with agent {agent!r}")
    undeclared = set(fields) - {"agent"} - (move.fields if move is not None else set(fields))
    if undeclared:
        raise IllegalMove(f"{move.name if move else '?'} writes undeclared {sorted(undeclared)}")
    return {**fields, "agent": agent}
