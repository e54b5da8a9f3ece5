"""Canned responses: a department's agents read them, supervisors set them, every open console
of the department sees a change at once."""

from __future__ import annotations

from .. import protocol
from ..events import Canned, CannedSet
from ..handoff import access
from ..models import Agent
from ..relay import SUPERVISORS, department_room
from .desk import Desk, Result, ok


class CannedDesk(Desk):
    async def do_canned(self, sid: str, agent: Agent, payload: Canned) -> Result:
        department = payload.department or agent.department
        access.check_serves(agent, department, self.departments)
        return ok(department=department, canned=await self.store.canned(department))

    async def do_canned_set(self, sid: str, agent: Agent, payload: CannedSet) -> Result:
        access.check_supervisor(agent, "manage canned responses")
        department, key = payload.department, payload.key
        if payload.delete or payload.text is None:  # the model asks for a text unless deleting
            await self.store.delete_canned(department, key)
        else:
            await self.store.set_canned(department, key, protocol.safe_links(payload.text))
        canned = await self.store.canned(department)
        await self.relay.to_agents(
            [department_room(department), SUPERVISORS], "canned",
            {"department": department, "canned": canned},
        )
        return ok(canned=canned)
