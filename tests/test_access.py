"""Who may see or act on what (bot/handoff/access.py), as pure functions: no stack needed."""

from __future__ import annotations

import pytest

from bot.errors import Refused
from bot.handoff import access
from bot.models import Agent, Conversation, Owner, Role, Ticket

DEPARTMENTS = ("general", "billing")
ANA = Agent("ana", "Ana", "billing")
BEN = Agent("ben", "Ben", "general")
SUE = Agent("sue", "Sue", "general", Role.SUPERVISOR)


def chat(owner: Owner, department: str = "billing", agent: str = "") -> Conversation:
    return Conversation(id="c" * 16, owner=owner, department=department, agent=agent)


@pytest.mark.parametrize("agent,conversation,sees", [
    (ANA, chat(Owner.QUEUE), True),  # her department's, with people
    (ANA, chat(Owner.BOT), False),  # the bot's, even in her department
    (BEN, chat(Owner.QUEUE), False),  # another department's
    (BEN, chat(Owner.AGENT, "billing", "ben"), True),  # his own, whatever the department
    (SUE, chat(Owner.BOT, "general"), True),  # supervisors see everything
])
def test_who_sees_a_conversation(agent: Agent, conversation: Conversation, sees: bool) -> None:
    assert access.may_see(agent, conversation) is sees
    if sees:
        access.check_sees(agent, conversation)
    else:
        with pytest.raises(Refused, match="another department"):
            access.check_sees(agent, conversation)


def test_who_acts_on_a_conversation() -> None:
    mine = chat(Owner.AGENT, agent="ana")
    access.check_acts(mine, ANA)
    access.check_acts(mine, SUE)
    with pytest.raises(Refused) as refused:
        access.check_acts(mine, BEN)
    assert refused.value.code == "not_yours"
    with pytest.raises(Refused) as refused:
        access.check_acts(chat(Owner.QUEUE), ANA)
    assert refused.value.code == "not_assigned"
    assert (access.reply_guard(ANA), access.reply_guard(SUE)) == ("ana", "*")


def test_departments_rooms_and_tickets() -> None:
    access.check_serves(ANA, "billing", DEPARTMENTS)
    access.check_serves(SUE, "billing", DEPARTMENTS)
    for department, code in (("general", "not_yours"), ("nowhere", "unknown_department")):
        with pytest.raises(Refused) as refused:
            access.check_serves(ANA, department, DEPARTMENTS)
        assert refused.value.code == code
    assert access.departments_of(ANA, DEPARTMENTS) == ["billing"]
    assert access.rooms_of(ANA, DEPARTMENTS) == {"dept:billing"}
    assert access.rooms_of(SUE, DEPARTMENTS) == {"dept:general", "dept:billing", "supervisors"}
    assert access.ticket_department(ANA, "general", DEPARTMENTS) == "billing"
    assert access.ticket_department(SUE, "", DEPARTMENTS) == ""
    ticket = Ticket("t1", "c" * 16, "Kim", "kim@example.org", "hi", department="general")
    access.check_ticket(BEN, ticket)
    with pytest.raises(Refused):
        access.check_ticket(ANA, ticket)
    with pytest.raises(Refused, match="Only supervisors"):
        access.check_supervisor(ANA, "manage canned responses")


@pytest.mark.parametrize("team,name,role,allowed", [
    ([SUE, ANA], "sue", Role.AGENT, False),  # the only supervisor steps down
    ([SUE, ANA], "sue", None, False),  # ...or leaves
    ([SUE, ANA], "sue", Role.SUPERVISOR, True),  # stays one (another field changes)
    ([SUE, ANA], "ana", None, True),  # an agent leaves
    ([SUE, Agent("tom", "Tom", "billing", Role.SUPERVISOR)], "sue", None, True),  # Tom remains
])
def test_a_supervisor_always_remains(team: list[Agent], name: str, role: Role | None,
                                     allowed: bool) -> None:
    if allowed:
        access.check_supervisor_remains(team, name, role)
    else:
        with pytest.raises(Refused) as refused:
            access.check_supervisor_remains(team, name, role)
        assert refused.value.code == "last_supervisor"


def test_no_resetting_oneself_in_the_console() -> None:
    access.check_not_self(SUE, "ana", "reset your own password")
    with pytest.raises(Refused, match="cannot reset your own password here"):
        access.check_not_self(SUE, "sue", "reset your own password")
