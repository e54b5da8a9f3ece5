"""The handoff table (bot/handoff/machine.py) and who answers (bot/handoff/responder.py), as
pure functions: no stack needed."""

from __future__ import annotations

import pytest

from bot.handoff import machine, responder
from bot.handoff.machine import AGENT, BOT, CLOSED, QUEUE, TRIAGE, IllegalMove
from bot.handoff.responder import Answer
from bot.models import Message, Owner, Sender


def test_the_graph_is_the_table() -> None:
    assert {
        BOT: {TRIAGE, QUEUE, CLOSED},
        TRIAGE: {QUEUE, BOT, CLOSED},
        QUEUE: {QUEUE, AGENT, BOT, CLOSED},  # QUEUE: a reroute to where someone is free
        AGENT: {AGENT, QUEUE, BOT, CLOSED},
        CLOSED: {BOT},
    } == machine.TRANSITIONS
    assert machine.sources(BOT) == {TRIAGE, QUEUE, AGENT, CLOSED}
    assert len(machine.BY_NAME) == len(machine.MOVES)  # names are unique


@pytest.mark.parametrize("owners,to", [
    ((CLOSED,), AGENT), ((BOT,), AGENT), ((CLOSED,), QUEUE), ((TRIAGE,), AGENT),
    ((TRIAGE,), TRIAGE), ((BOT, CLOSED), BOT), ((), BOT),
])
def test_a_move_not_in_the_table_is_refused(owners: tuple[Owner, ...], to: Owner) -> None:
    """An exception, not an `assert`: it holds under `python -O` too."""
    with pytest.raises(IllegalMove):
        machine.check(owners, to)


def test_a_move_is_checked_against_its_own_row() -> None:
    machine.check((QUEUE,), AGENT, machine.BY_NAME["claim"])
    with pytest.raises(IllegalMove):  # an allowed edge, but not this move's
        machine.check((AGENT,), AGENT, machine.BY_NAME["claim"])
    with pytest.raises(IllegalMove):
        machine.check((QUEUE,), BOT, machine.BY_NAME["claim"])


def test_the_agent_is_set_exactly_when_an_agent_owns_it() -> None:
    claim, requeue = machine.BY_NAME["claim"], machine.BY_NAME["requeue"]
    assert machine.fields_for(claim, AGENT, {"agent": "ana"}) == {"agent": "ana"}
    assert machine.fields_for(requeue, QUEUE, {"waiting_since": "1"}) == {
        "waiting_since": "1", "agent": ""}  # cleared by the move, not by its caller
    with pytest.raises(IllegalMove):
        machine.fields_for(claim, AGENT, {})
    with pytest.raises(IllegalMove):
        machine.fields_for(requeue, QUEUE, {"agent": "ana"})
    with pytest.raises(IllegalMove):  # a field its row does not declare
        machine.fields_for(requeue, QUEUE, {"department": "general"})


def test_the_check_survives_python_O() -> None:
    """Run the refusal in a fresh interpreter with assertions off."""
    import subprocess
    import sys

    code = ("from bot.handoff import machine\n"
            "from bot.models import Owner\n"
            "try:\n"
            "    machine.check((Owner.CLOSED,), Owner.AGENT)\n"
            "except machine.IllegalMove:\n"
            "    print('refused')\n")
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "refused"


def visitor(text: str, ts: float = 10.0, **data: object) -> Message:
    return Message(Sender.VISITOR, text, ts=ts, data=dict(data))


@pytest.mark.parametrize("owner,message,answer", [
    (BOT, visitor("hello"), Answer.BOT),
    (BOT, visitor("a.pdf", file={"id": "x"}), Answer.FILE_TO_BOT),
    (TRIAGE, visitor("/department general"), Answer.TRIAGE),
    (TRIAGE, visitor("a.pdf", file={"id": "x"}), Answer.QUEUE),
    (QUEUE, visitor("hello?"), Answer.QUEUE),
    (AGENT, visitor("thanks"), Answer.AGENT),
    (CLOSED, visitor("/rate good"), Answer.RATE),
    (CLOSED, visitor("one more thing", ts=30.0), Answer.REOPEN),
    (CLOSED, visitor("bye", ts=10.0), Answer.SEEN),
])
def test_who_answers(owner: Owner, message: Message, answer: Answer) -> None:
    assert responder.answer(owner, message, closed_at=20.0) is answer


def test_pending_is_what_the_bridge_answers() -> None:
    """The owners whose visitor messages the store marks pending are those the bridge answers."""
    bridge = {Answer.BOT, Answer.FILE_TO_BOT, Answer.TRIAGE, Answer.RATE, Answer.REOPEN,
              Answer.SEEN}
    for owner in Owner:
        assert (responder.answer(owner, visitor("hi"), 0.0) in bridge) == (
            owner in responder.PENDING), owner
