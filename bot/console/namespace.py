"""The `/agent` Socket.IO namespace: sign-in, rooms, rates and dispatch to the desks.

Every agent event is a request with an acknowledgement: the handler's return value
(`{"ok": true, ...}` or `{"ok": false, "error": {"code", "message"}}`) is the answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from .. import events, metrics, protocol
from ..agents import Staff, Tokens
from ..config import Settings
from ..errors import Refused, logged
from ..events import Event
from ..handoff import Handoff, access
from ..limits import Who, per_connection
from ..models import Agent, Conversation, Presence
from ..relay import AGENT_NS, Relay, agent_room, conversation_room
from ..store import Store
from .answers import AnswerDesk
from .canned import CannedDesk
from .chats import ChatDesk
from .desk import Desk, Result, refused
from .history import HistoryDesk
from .moves import MoveDesk
from .people import PeopleDesk
from .tags import TagDesk
from .teaching import TeachDesk
from .tickets import TicketDesk
from .training import TrainingDesk

log = logging.getLogger(__name__)
AGENT_REFRESH = 5.0  # seconds an agent's record (role, department, capacity) may be cached
SESSION_RECHECK = 1.0  # seconds a connection's sign-in session is taken as still open
DESKS: tuple[type[Desk], ...] = (ChatDesk, MoveDesk, CannedDesk, TicketDesk, PeopleDesk,
                                 AnswerDesk, TrainingDesk, TeachDesk, HistoryDesk, TagDesk)
Handler = Callable[[str, Agent, Any], Awaitable[Result]]


def handlers(desks: list[Desk]) -> dict[str, Handler]:
    """Each desk's `do_<event>` methods, by event."""
    found: dict[str, Handler] = {}
    for desk in desks:
        for name in dir(desk):
            if name.startswith("do_"):
                assert name[3:] not in found, f"two desks answer {name[3:]!r}"
                found[name[3:]] = getattr(desk, name)
    return found


class AgentNamespace(socketio.AsyncNamespace):
    """Agents' consoles: who is signed in on this process, in which rooms, and what they ask."""

    def __init__(
        self, store: Store, relay: Relay, handoff: Handoff, tokens: Tokens, settings: Settings
    ) -> None:
        super().__init__(AGENT_NS)
        self.store = store
        self.relay = relay
        self.tokens = tokens
        self.settings = settings
        self.departments = settings.site.department_titles
        self.context = events.context(settings.max_message_chars, self.departments)
        self.limits = per_connection(settings.agent_rate)
        self.handlers = handlers([desk(store, relay, handoff, settings) for desk in DESKS])
        self.handlers["reserved_event"] = self.reserved
        self.local: dict[str, Staff] = {}  # sid -> who, for connections on this process
        self.records: dict[str, Agent] = {}  # sid -> their agent's record, read every second
        self._kicks: set[asyncio.Task[Any]] = set()
        if not settings.smtp_from_set:
            log.warning("SMTP_FROM is not set: emails to visitors (ticket answers, transcripts) "
                        "go from %s, which mail servers may refuse; set SMTP_FROM to an "
                        "address of your own domain", settings.smtp_from)

    # --- connections --------------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            staff = await self.tokens.signed_in(self.store, token)
            agent = await self.store.get_agent(staff.name)
            if agent is None:
                raise Refused("session_ended", "This agent no longer exists.")
        except Refused as error:
            raise socketio.exceptions.ConnectionRefusedError(
                error.message, {"code": error.code}
            ) from None
        await self.save_session(sid, {"token": token, "name": staff.name})
        self.local[sid] = staff
        self.records[sid] = agent
        metrics.CONNECTIONS.labels("agent").inc()
        await self.enter_room(sid, agent_room(staff.name))
        await self.join_rooms(sid, agent)
        await self.store.keep_connected([staff.name], ttl=self.keepalive_ttl)
        if staff.name not in (await self.store.presences()):
            await self.store.set_presence(staff.name, Presence.ONLINE)

    async def join_rooms(self, sid: str, agent: Agent) -> None:
        """Be in exactly the rooms the agent's current record entitles them to."""
        async with self.session(sid) as session:
            had, should = set(session.get("rooms", ())), access.rooms_of(agent, self.departments)
            session["rooms"] = sorted(should)
        for room in had - should:
            await self.leave_room(sid, room)
        for room in should - had:
            await self.enter_room(sid, room)

    @property
    def keepalive_ttl(self) -> float:
        return max(3.0, min(self.settings.agent_grace, 10.0))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.local.pop(sid, None)
        self.records.pop(sid, None)
        metrics.CONNECTIONS.labels("agent").dec()

    def local_names(self) -> set[str]:
        return {staff.name for staff in self.local.values()}

    async def revalidate(self) -> None:
        """Run every second (by the sweeper): disconnect connections whose session ended
        (signed out, password reset, agent removed) and follow role and department changes,
        whichever bridge the change was made on."""
        if not self.local:
            return
        local = dict(self.local)
        open_ = await self.store.open_staff_sessions({s.session for s in local.values()})
        agents = {a.name: a for a in await self.store.agents()}
        for sid, staff in local.items():
            if sid not in self.local:
                continue  # gone meanwhile
            agent = agents.get(staff.name)
            if staff.session not in open_ or agent is None:
                await self.disconnect(sid)
            else:
                before, self.records[sid] = self.records.get(sid), agent
                await self.join_rooms(sid, agent)
                if before and (before.role, before.department) != (agent.role, agent.department):
                    await self.unfollow_unseen(sid, agent)

    async def unfollow_unseen(self, sid: str, agent: Agent) -> None:
        """Stop following the conversations the agent may no longer see (role or department
        changed)."""
        prefix = conversation_room("")
        ids = [room.removeprefix(prefix) for room in self.rooms(sid) if room.startswith(prefix)]
        seen = {c.id for c in await self.store.get_conversations(ids) if access.may_see(agent, c)}
        for conversation_id in set(ids) - seen:
            await self.relay.unfollow(sid, conversation_id)

    def outsiders(self, namespace: str, room: str, state: dict[str, str]) -> list[str]:
        """This process's connections in a conversation's `room` that may not see it in
        `state` (owner, department, agent): they get none of its events."""
        if namespace != AGENT_NS:
            return []
        conversation = Conversation.from_fields("", state)
        return [sid for sid in self.relay.members(room, namespace)
                if sid not in self.records or not access.may_see(self.records[sid], conversation)]

    # --- every event --------------------------------------------------------------------------

    async def current_agent(self, session: dict[str, Any]) -> Agent | None:
        """The agent's record, read again from the store at most every few seconds (rooms
        follow changes through `revalidate`)."""
        cached, read_at = session.get("agent"), session.get("agent_read_at", 0.0)
        if cached is None or time.monotonic() - read_at > AGENT_REFRESH:
            cached = await self.store.get_agent(session["name"])
            session["agent"], session["agent_read_at"] = cached, time.monotonic()
        return cached

    async def still_signed_in(self, session: dict[str, Any]) -> None:
        """The token is checked on every event (signature, expiry); whether its session is
        still open is read from the store at most every SESSION_RECHECK seconds, the same
        bound within which `revalidate` closes the sockets of ended sessions."""
        if time.monotonic() - session.get("session_checked_at", 0.0) < SESSION_RECHECK:
            self.tokens.verify(session.get("token"))
            return
        await self.tokens.signed_in(self.store, session.get("token"))
        session["session_checked_at"] = time.monotonic()

    def kick(self, sid: str) -> None:
        """Disconnect soon, after the refusal has been acknowledged."""

        async def later() -> None:
            await asyncio.sleep(0.2)
            await self.disconnect(sid)

        task = asyncio.create_task(later())
        self._kicks.add(task)
        task.add_done_callback(self._kicks.discard)

    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Every event is answered: a result, a refusal, or `internal_error` (logged)."""
        if event in ("connect", "disconnect"):
            return await super().trigger_event(event, *args)
        try:
            return await self.handle(event, *args)
        except Refused as error:
            return error.to_result()
        except Exception as error:
            return logged(log, f"agent event {event!r}", error).to_result()

    async def reserved(self, sid: str, agent: Agent, payload: Event) -> Result:
        raise Refused("reserved_event", "'connect' and 'disconnect' are not events to send.")

    async def handle(self, event: str, *args: Any) -> Result:
        """Check the token again (it may have expired), the rate, the payload (its model in
        `events.AGENT`); then hand the event to its desk."""
        sid = args[0]
        handler = self.handlers.get(event)
        if handler is None and not any(isinstance(a, protocol.Undecodable) for a in args):
            return refused("unknown_event", f"There is no agent event {event!r}.")
        session = await self.get_session(sid)
        try:
            await self.still_signed_in(session)
        except Refused as error:
            self.kick(sid)
            return error.to_result()
        if not self.limits.allow(event, Who(sid)):
            return refused("rate_limited", "Too many requests; slow down a little.")
        agent = await self.current_agent(session)
        if agent is None:
            self.kick(sid)
            return refused("session_ended", "This agent no longer exists.")
        protocol.undecodable(args)
        assert handler is not None  # `undecodable` refused the event otherwise
        model = events.AGENT.get(event, Event)
        return await handler(sid, agent, events.read(model, args[1] if len(args) > 1 else {},
                                                     self.context))
