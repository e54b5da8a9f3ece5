"""May this agent see or act on this conversation, department or ticket: the one module that
says, for the console's events, the upload endpoint and the live events of conversations'
rooms (`bot/relay.py` delivers by `may_see`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ..errors import Refused
from ..models import Agent, Conversation, Owner, Role, Ticket, Unanswered
from ..relay import SUPERVISORS, department_room


def may_see(agent: Agent, conversation: Conversation) -> bool:
    """Agents see their own chats and their department's; supervisors see everything. The one
    rule for requests and for live events (`AgentNamespace.outsiders`)."""
    if agent.role is Role.SUPERVISOR or conversation.agent == agent.name:
        return True
    return conversation.department == agent.department and conversation.owner is not Owner.BOT


def departments_of(agent: Agent, departments: Collection[str]) -> list[str]:
    """The departments whose queues the agent serves: their own; a supervisor's, every one."""
    return list(departments) if agent.role is Role.SUPERVISOR else [agent.department]


def takes_from(agent: Agent, departments: Collection[str], served: Collection[str]) -> list[str]:
    """The queues a free agent may be given chats from: their own departments', and those of
    departments that nobody free serves (`served`: the departments of free agents, by
    `departments_of`), as routing sends a new chat where someone is free (`Routing.route`)."""
    own = departments_of(agent, departments)
    return [d for d in departments if d in own or d not in served]


def rooms_of(agent: Agent, departments: Collection[str]) -> set[str]:
    """The rooms of agents' consoles an agent's role and department entitle them to (least
    privilege)."""
    rooms = {department_room(d) for d in departments_of(agent, departments)}
    return rooms | {SUPERVISORS} if agent.role is Role.SUPERVISOR else rooms


def check_sees(agent: Agent, conversation: Conversation) -> None:
    """Refused unless the agent may see the conversation (`may_see`)."""
    if not may_see(agent, conversation):
        raise Refused("not_yours", "This chat belongs to another department or agent.")


def check_acts(conversation: Conversation, agent: Agent) -> None:
    """Refused unless the agent may act on the conversation now: it is assigned, to them (a
    supervisor may act on any assigned chat)."""
    if conversation.owner is not Owner.AGENT:
        raise Refused("not_assigned", "This chat is not assigned to anyone.")
    if conversation.agent != agent.name and agent.role is not Role.SUPERVISOR:
        raise Refused("not_yours", "This chat belongs to someone else.")


def reply_guard(agent: Agent) -> str:
    """The store's append guard of the agent's messages: stored only while the agent owns the
    chat ('*': while any agent owns it, for a supervisor). See `check_acts`."""
    return "*" if agent.role is Role.SUPERVISOR else agent.name


def check_serves(agent: Agent, department: Any, departments: Collection[str]) -> None:
    """Agents read and act on their own department only; supervisors on every one."""
    if department not in departments:
        raise Refused("unknown_department", "There is no such department.")
    if agent.role is not Role.SUPERVISOR and department != agent.department:
        raise Refused("not_yours", "That is another department's.")


def check_supervisor(agent: Agent, what: str) -> None:
    """Refused unless the agent is a supervisor (`what`: what only supervisors do)."""
    if agent.role is not Role.SUPERVISOR:
        raise Refused("forbidden", f"Only supervisors {what}.")


def check_not_self(agent: Agent, name: str, what: str) -> None:
    """Refused when a supervisor would do `what` to their own account from the console."""
    if agent.name == name:
        raise Refused("forbidden", f"You cannot {what} here: ask another supervisor, "
                                   "or use the command line.")


def check_supervisor_remains(agents: Collection[Agent], name: str, role: Role | None) -> None:
    """Refused (`last_supervisor`) when `name` leaving (`role` None) or taking `role` would
    leave no supervisor: the team can always manage its people from the console."""
    others = [a for a in agents if a.role is Role.SUPERVISOR and a.name != name]
    if not others and role is not Role.SUPERVISOR:
        raise Refused("last_supervisor", "This would leave no supervisor; make someone else a "
                                         "supervisor first.")


def check_ticket(agent: Agent, ticket: Ticket) -> None:
    """Agents act on their own department's tickets; supervisors on every one."""
    if agent.role is not Role.SUPERVISOR and ticket.department != agent.department:
        raise Refused("not_yours", "This ticket belongs to another department.")


def ticket_department(agent: Agent, asked: str, departments: Collection[str]) -> str:
    """The department whose tickets the agent lists: their own; a supervisor's choice ('' for
    all)."""
    if agent.role is not Role.SUPERVISOR:
        return agent.department
    if asked:
        check_serves(agent, asked, departments)
    return asked


def may_teach(agent: Agent, agents_may: bool) -> bool:
    """The To-teach view: supervisors; agents too where the setting (TEACH_AGENTS) allows."""
    return agent.role is Role.SUPERVISOR or agents_may


def check_teaches(agent: Agent, agents_may: bool) -> None:
    """Refused unless the agent may use the To-teach view (`may_teach`)."""
    if not may_teach(agent, agents_may):
        raise Refused("forbidden", "Only supervisors teach the bot here.")


def teach_departments(agent: Agent, asked: str | None, departments: Collection[str]) -> list[str]:
    """The departments whose unanswered messages the agent sees: their own; a supervisor's
    choice, or every one and those of no department."""
    if agent.role is not Role.SUPERVISOR:
        if asked and asked != agent.department:
            raise Refused("not_yours", "That is another department's.")
        return [agent.department]
    if asked:
        check_serves(agent, asked, departments)
        return [asked]
    return [*departments, ""]


def check_teaches_entry(agent: Agent, entry: Unanswered) -> None:
    """Agents label their own department's entries; supervisors every one."""
    if agent.role is not Role.SUPERVISOR and entry.department != agent.department:
        raise Refused("not_yours", "That message belongs to another department.")


def may_see_past(agent: Agent, conversation: Conversation) -> bool:
    """A past conversation in a visitor's history or a search: as `may_see`, and an agent also
    reads their department's conversations that were with a person once (`last_agent`), even
    back with the bot now."""
    return may_see(agent, conversation) or (
        conversation.department == agent.department and bool(conversation.last_agent))


def may_see_ticket(agent: Agent, ticket: Ticket) -> bool:
    """`check_ticket` as a question."""
    return agent.role is Role.SUPERVISOR or ticket.department == agent.department


def check_sees_past(agent: Agent, conversation: Conversation) -> None:
    if not may_see_past(agent, conversation):
        raise Refused("not_yours", "This chat belongs to another department.")


def search_departments(agent: Agent, asked: str | None, departments: Collection[str]) -> list[str]:
    """Where an agent searches: their own department; a supervisor, the one asked for, or
    every one (and past chats of no department)."""
    return teach_departments(agent, asked, departments)
