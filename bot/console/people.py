"""People: supervisors add, edit, remove and reset agents from the console, with the command
line's revocation (`bot/agents.py` does both): a removed or reset agent's sessions end at once,
and `AgentNamespace.revalidate` signs their consoles out within a second, on every bridge."""

from __future__ import annotations

import logging

from .. import agents as accounts
from ..events import AgentAdd, AgentEdit, AgentNamed
from ..handoff import access
from ..models import Agent, Role
from .desk import Desk, Result, ok

log = logging.getLogger(__name__)


class PeopleDesk(Desk):
    async def do_agent_add(self, sid: str, agent: Agent, payload: AgentAdd) -> Result:
        """A new account; its password is made here and answered this once (never logged)."""
        access.check_supervisor(agent, "add people")
        added = Agent(name=payload.name, display_name=str(payload.display_name),
                      department=str(payload.department), role=payload.role or Role.AGENT,
                      capacity=payload.capacity or 3)
        password = accounts.new_password()
        await accounts.add(self.store, added, password)
        log.info("%s added %s (%s, %s)", agent.name, added.name, added.role.value,
                 added.department)
        return ok(agent=added.public(), password=password)

    async def do_agent_edit(self, sid: str, agent: Agent, payload: AgentEdit) -> Result:
        """Display name, department, role, capacity: consoles follow within a second (rooms,
        what they may see) without signing anyone out."""
        access.check_supervisor(agent, "edit people")
        before = await accounts.existing(self.store, payload.name)
        after = Agent(name=before.name, password_hash=before.password_hash,
                      display_name=payload.display_name or before.display_name,
                      department=payload.department or before.department,
                      role=payload.role or before.role, capacity=payload.capacity or before.capacity)
        access.check_supervisor_remains(await self.store.agents(), after.name, after.role)
        await self.store.save_agent(after)
        if not await self.supervisor_left():  # two supervisors demoted each other at once
            await self.store.save_agent(before)
            access.check_supervisor_remains([], after.name, after.role)  # the refusal
        log.info("%s edited %s (%s, %s)", agent.name, after.name, after.role.value,
                 after.department)
        return ok(agent=after.public())

    async def do_agent_remove(self, sid: str, agent: Agent, payload: AgentNamed) -> Result:
        access.check_supervisor(agent, "remove people")
        gone = await accounts.existing(self.store, payload.name)
        access.check_supervisor_remains(await self.store.agents(), gone.name, None)
        ended = await accounts.remove(self.store, gone.name)
        if not await self.supervisor_left():  # removed at once with the last other one
            await self.store.save_agent(gone)  # back, signed out
            access.check_supervisor_remains([], gone.name, None)  # the refusal
        log.info("%s removed %s; %d session(s) ended", agent.name, gone.name, ended)
        return ok(name=gone.name, sessions_ended=ended)

    async def do_agent_reset(self, sid: str, agent: Agent, payload: AgentNamed) -> Result:
        """A new password, answered this once; every session of the old one ends."""
        access.check_supervisor(agent, "reset passwords")
        access.check_not_self(agent, payload.name, "reset your own password")
        password = accounts.new_password()
        ended = await accounts.reset(self.store, payload.name, password)
        log.info("%s reset the password of %s; %d session(s) ended", agent.name, payload.name,
                 ended)
        return ok(name=payload.name, password=password, sessions_ended=ended)

    async def supervisor_left(self) -> bool:
        """Read again after a change: is there still a supervisor?"""
        return any(a.role is Role.SUPERVISOR for a in await self.store.agents())
