"""The agent side of the bridge: HTTP login and the `/agent` Socket.IO namespace.

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
from aiohttp import web
from aiohttp.typedefs import Handler

from . import events, metrics, protocol
from .agents import Staff, Tokens, login
from .config import Settings
from .errors import Refused, unexpected
from .events import (
    AgentHistory,
    AgentTyping,
    Canned,
    CannedSet,
    ConversationEvent,
    Event,
    Note,
    PresenceChange,
    Queue,
    Reply,
    TicketReply,
    Tickets,
    TicketTranscript,
    Transfer,
)
from .handoff import Handoff, access
from .limits import Who, per_connection
from .models import Agent, Conversation, Presence, Sender, Ticket
from .relay import AGENT_NS, SUPERVISORS, Relay, agent_room, conversation_room, department_room
from .store import NotOwner, Store

log = logging.getLogger(__name__)
Result = dict[str, Any]
AGENT_REFRESH = 5.0  # seconds an agent's record (role, department, capacity) may be cached
SESSION_RECHECK = 1.0  # seconds a connection's sign-in session is taken as still open
TICKET_PAGE = 50  # tickets per `tickets` answer
TICKET_PREVIEW = 5  # latest lines of its conversation a listed ticket shows
TICKET_PREVIEW_CHARS = 300  # of each of those lines
QUEUE_PAGE = 50  # waiting chats per `queue` answer (and per department in `hello`)


def ok(**fields: Any) -> Result:
    return {"ok": True, **fields}


def refused(code: str, message: str) -> Result:
    return {"ok": False, "error": {"code": code, "message": message}}




class AgentNamespace(socketio.AsyncNamespace):
    """Agents' consoles: presence, queues, claim, reply, notes, transfer, hand-back, close."""

    def __init__(
        self, store: Store, relay: Relay, handoff: Handoff, tokens: Tokens, settings: Settings
    ) -> None:
        super().__init__(AGENT_NS)
        self.store = store
        self.relay = relay
        self.handoff = handoff
        self.tokens = tokens
        self.settings = settings
        self.departments = settings.site.department_titles
        self.context = events.context(settings.max_message_chars, self.departments)
        self.limits = per_connection(settings.agent_rate)
        self.local: dict[str, Staff] = {}  # sid -> who, for connections on this process
        self.records: dict[str, Agent] = {}  # sid -> their agent's record, read every second
        self._kicks: set[asyncio.Task[Any]] = set()
        if not settings.smtp_from_set:
            log.warning("SMTP_FROM is not set: emails to visitors (ticket answers, transcripts) "
                        "go from %s, which mail servers may refuse; set SMTP_FROM to an "
                        "address of your own domain", settings.smtp_from)

    # --- authentication -----------------------------------------------------------------------

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
            log.exception("agent event %r failed", event)
            return unexpected(error).to_result()

    async def handle(self, event: str, *args: Any) -> Result:
        """Check the token again (it may have expired), the rate, the payload (its model in
        `events.AGENT`); then act."""
        sid = args[0]
        handler: Callable[..., Awaitable[Result]] | None = getattr(self, f"do_{event}", None)
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

    async def do_reserved_event(self, sid: str, agent: Agent, payload: Event) -> Result:
        raise Refused("reserved_event", "'connect' and 'disconnect' are not events to send.")

    # --- what the agent sees ------------------------------------------------------------------

    async def do_hello(self, sid: str, agent: Agent, payload: Event) -> Result:
        """Who am I, my open chats, the queues I serve, departments."""
        departments = access.departments_of(agent, self.departments)
        queues = {d: await self.waiting(d) for d in departments}
        presence = (await self.store.presences()).get(agent.name, Presence.ONLINE)
        return ok(
            agent=agent.public(), presence=presence.value, departments=self.departments,
            chats=sorted(await self.store.agent_chats(agent.name)), queues=queues,
        )

    async def waiting(self, department: str, offset: int = 0,
                      limit: int = QUEUE_PAGE) -> list[dict[str, Any]]:
        """A page of a department's queue, in queue order (who is picked up first)."""
        now = time.time()
        items = []
        ids = await self.store.queue(department, offset, limit)
        for conversation in await self.store.get_conversations(ids):
            items.append(conversation.summary(now))
        return items

    async def do_queue(self, sid: str, agent: Agent, payload: Queue) -> Result:
        department, offset = payload.department or agent.department, payload.offset
        access.check_serves(agent, department, self.departments)
        waiting = await self.waiting(department, offset)
        length = await self.store.queue_length(department)
        return ok(department=department, waiting=waiting, length=length,
                  more=offset + QUEUE_PAGE < length)

    async def full(self, conversation: Conversation) -> Result:
        """Everything an agent needs on pick-up: nobody asks the visitor to repeat themselves."""
        summary = conversation.summary(time.time())
        page = await self.store.page_before(conversation.id)  # the latest page
        return ok(conversation=summary, earlier=page.more,
                  messages=[self.relay.entry(conversation.id, m) for m in page.messages])

    async def follow(self, sid: str, agent: Agent, conversation_id: str) -> Conversation:
        """Follow a conversation live (this connection) if the agent may see it; checked again
        once following, so a move meanwhile (whose followers are checked when it is told,
        `Relay.moved`) cannot leave this connection in its room."""
        access.check_sees(agent, await self.handoff.conversation(conversation_id))
        await self.relay.follow(sid, conversation_id)
        conversation = await self.handoff.conversation(conversation_id)
        if not access.may_see(agent, conversation):
            await self.relay.unfollow(sid, conversation_id)
            access.check_sees(agent, conversation)  # the refusal
        return conversation

    async def do_open(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        """Follow a conversation live (this connection) and get its whole transcript."""
        conversation = await self.follow(sid, agent, payload.conversation_id)
        return await self.full(conversation)

    async def do_leave(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        await self.relay.unfollow(sid, payload.conversation_id)
        return ok()

    async def do_history(self, sid: str, agent: Agent, payload: AgentHistory) -> Result:
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        after, before = payload.after, payload.before
        try:
            if before is not None:
                page = await self.store.page_before(conversation.id, before)
            else:
                page = await self.store.page_after(conversation.id, after)
        except ValueError as error:
            raise Refused("invalid_message_id", str(error)) from None
        return ok(messages=[self.relay.entry(conversation.id, m) for m in page.messages],
                  more=page.more)

    async def do_agents(self, sid: str, agent: Agent, payload: Event) -> Result:
        """Colleagues with presence and load, for transfers."""
        agents = await self.store.agents()
        presences = await self.store.presences()
        connected = await self.store.connected(a.name for a in agents)
        loads = await self.store.agent_loads(a.name for a in agents)
        listing = []
        for other in agents:
            presence = presences.get(other.name, Presence.OFFLINE)
            listing.append({
                **other.public(),
                "presence": presence.value if other.name in connected else "offline",
                "chats": loads[other.name],
            })
        return ok(agents=listing)

    # --- presence -----------------------------------------------------------------------------

    async def do_presence(self, sid: str, agent: Agent, payload: PresenceChange) -> Result:
        presence = payload.status
        await self.store.set_presence(agent.name, presence)
        if presence is Presence.ONLINE and self.settings.auto_assign:
            await self.handoff.assign(agent.department)
        return ok(presence=presence.value)

    # --- moves --------------------------------------------------------------------------------

    async def do_claim(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        conversation_id = payload.conversation_id
        conversation = await self.follow(sid, agent, conversation_id)
        claimed = await self.handoff.claim(conversation_id, agent, conversation.department)
        return await self.full(claimed)

    async def do_reply(self, sid: str, agent: Agent, payload: Reply) -> Result:
        conversation_id = payload.conversation_id
        text, client_id = protocol.safe_links(payload.text), payload.message_id
        try:
            appended = await self.relay.post(
                conversation_id, Sender.AGENT, text, {"agent_name": agent.display_name},
                client_id, guard=access.reply_guard(agent), resend=payload.resend,
            )
        except NotOwner as error:
            if error.conversation is None:
                raise Refused("unknown_conversation", "There is no such conversation.") from None
            access.check_acts(error.conversation, agent)  # raises the precise refusal
            raise
        stored, is_new, conversation = appended.message, appended.new, appended.conversation
        if appended.first_response:  # set atomically by the store, once per handoff
            first = max(0.0, stored.ts - conversation.queued_at)
            metrics.FIRST_RESPONSE.observe(first)
            await self.store.sample("first_response", first)
        return ok(id=stored.id, duplicate=not is_new)

    async def do_typing(self, sid: str, agent: Agent, payload: AgentTyping) -> Result:
        conversation_id = payload.conversation_id
        await self.handoff.owned_by(conversation_id, agent)
        await self.relay.to_visitor(
            conversation_id, "agent_typing",
            {"on": payload.on, "agent_name": agent.display_name},
        )
        return ok()

    async def do_note(self, sid: str, agent: Agent, payload: Note) -> Result:
        conversation_id, text = payload.conversation_id, payload.text
        conversation = await self.handoff.conversation(conversation_id)
        access.check_sees(agent, conversation)
        await self.handoff.note(conversation_id, agent, text)
        return ok()

    async def do_transfer(self, sid: str, agent: Agent, payload: Transfer) -> Result:
        conversation_id, note = payload.conversation_id, payload.note
        if payload.to_agent:
            target = await self.store.get_agent(payload.to_agent)
            if target is None:
                raise Refused("unknown_agent", "There is no such agent.")
            await self.handoff.transfer_to_agent(conversation_id, agent, target, note)
        else:  # the model makes sure there is one or the other
            await self.handoff.transfer_to_department(
                conversation_id, agent, payload.department, note
            )
        return ok()

    async def do_hand_back(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        await self.handoff.hand_back(conversation, agent)  # refused if it moved since the check
        return ok()

    async def do_close(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        await self.handoff.close(conversation, agent)  # refused if it moved since the check
        return ok()

    # --- canned responses and tickets ---------------------------------------------------------

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
        await self.relay.to_agents(  # every open console of that department, at once
            [department_room(department), SUPERVISORS], "canned",
            {"department": department, "canned": canned},
        )
        return ok(canned=canned)

    async def do_tickets(self, sid: str, agent: Agent, payload: Tickets) -> Result:
        """A page of tickets, newest first: a supervisor's of every department (or the one
        asked for), an agent's of their own department only."""
        department = access.ticket_department(agent, payload.department or "", self.departments)
        offset = payload.offset
        tickets, more = await self.store.tickets(TICKET_PAGE, offset, department)
        return ok(tickets=[await self.ticket_summary(t) for t in tickets], more=more)

    async def ticket_summary(self, ticket: Ticket) -> dict[str, Any]:
        """A ticket as lists show it: its conversation's latest lines, shortened (a summary;
        `ticket_transcript` pages the rest)."""
        page = await self.store.page_before(ticket.conversation_id, limit=TICKET_PREVIEW)
        lines = []
        for message in page.messages:
            if message.sender is Sender.NOTE:
                continue
            line = {"id": message.id, "sender": message.sender.value, "text": message.text,
                    "ts": message.ts}
            if len(message.text) > TICKET_PREVIEW_CHARS:
                line.update(text=message.text[:TICKET_PREVIEW_CHARS], cut=True)
            lines.append(line)
        return {**ticket.to_dict(), "transcript": lines, "transcript_more": page.more}

    async def ticket_of(self, agent: Agent, payload: TicketTranscript | TicketReply) -> Ticket:
        """The ticket named in `payload`, if this agent may act on it."""
        ticket = await self.store.get_ticket(payload.ticket_id)
        if ticket is None:
            raise Refused("unknown_ticket", "There is no such ticket.")
        access.check_ticket(agent, ticket)
        return ticket

    async def do_ticket_transcript(self, sid: str, agent: Agent,
                                   payload: TicketTranscript) -> Result:
        """A page of a ticket's conversation (notes left out), just before `before`."""
        ticket = await self.ticket_of(agent, payload)
        try:
            page = await self.store.page_before(ticket.conversation_id, payload.before)
        except ValueError as error:
            raise Refused("invalid_message_id", str(error)) from None
        return ok(messages=[self.relay.entry(ticket.conversation_id, m) for m in page.messages
                            if m.sender is not Sender.NOTE], more=page.more)

    async def do_ticket_reply(self, sid: str, agent: Agent, payload: TicketReply) -> Result:
        from .mail import send_reply  # imported here: only ticket replies need SMTP

        ticket = await self.ticket_of(agent, payload)
        text = payload.text
        try:
            await send_reply(self.settings, ticket, agent, text)
        except OSError as error:  # nothing recorded: the ticket stays unanswered
            raise Refused(
                "email_failed",
                f"The email was not sent: {error}. The ticket stays unanswered; try again later.",
            ) from None
        reply = {"agent": agent.display_name, "text": text, "ts": time.time()}
        await self.store.add_ticket_reply(ticket.id, reply)
        return ok(ticket=await self.ticket_summary(await self.store.get_ticket(ticket.id) or ticket))


def bearer(request: web.Request) -> str:
    return request.headers.get("Authorization", "").removeprefix("Bearer ").strip()


def insights_route(store: Store, tokens: Tokens) -> Handler:
    """GET /api/insights?days=N with `Authorization: Bearer <agent token>`: figures for plots."""

    async def handler(request: web.Request) -> web.Response:
        try:
            await tokens.signed_in(store, bearer(request))
        except Refused as error:
            return error.to_response()
        try:
            days = max(1, min(90, int(request.query.get("days", "14"))))
        except ValueError:
            return Refused("invalid_payload", "days is a number.").to_response()
        data = await store.insights(days)
        for day in data["daily"]:  # containment: conversations the bot handled alone
            started, handed = day.get("conversations", 0), day.get("handed_off", 0)
            day["containment"] = round(max(0.0, 1 - handed / started), 3) if started else None
        data["rasa_latency"] = metrics.buckets(metrics.RASA_LATENCY)  # this process's figures
        return web.json_response(ok(**data))

    return handler


def login_route(store: Store, tokens: Tokens, settings: Settings) -> Handler:
    """POST /api/login {name, password} -> {token, agent}.

    Every attempt counts, before the password is checked (one atomic increment each), per name
    and address and per address: a burst cannot slip through, a stranger elsewhere cannot lock
    the real agent out, and nothing tells a known name from an unknown one. Only JSON is taken
    (`application/json`: a form on another site cannot send it without a CORS preflight); a
    login that would queue behind too many checks is refused at once (503 `busy`)."""

    async def handler(request: web.Request) -> web.Response:
        if request.content_type != "application/json":  # a cross-site form cannot send that
            return Refused("json_required", "Send the login as application/json.").to_response()
        try:
            body = events.read_json(events.Login, await request.read())
        except Refused as error:
            return error.to_response()
        name, password = body.name, body.password
        address = request.remote or "?"  # behind a trusted proxy, the client (bot/addresses.py)
        limits = ((f"login:name:{address}:{name}", settings.login_rate),
                  (f"login:addr:{address}", settings.login_rate * 3))
        for key, limit in limits:
            if not await store.hit(key, limit, 300):
                return Refused("rate_limited",
                               "Too many attempts; try again in a few minutes.").to_response()
        try:
            agent = await login(store, name, password)
        except Refused as error:  # busy: too many checks queued; nothing was checked
            return error.to_response(headers={"Retry-After": "2"})
        if agent is None:
            return Refused("bad_credentials", "Wrong name or password.").to_response()
        session = await store.start_staff_session(agent.name, tokens.ttl)
        return web.json_response(
            ok(token=tokens.issue(agent, session), agent=agent.public(), expires_in=tokens.ttl)
        )

    return handler


def logout_route(store: Store, tokens: Tokens, agents: AgentNamespace) -> Handler:
    """POST /api/logout with the token: its session ends, its connections close at once."""

    async def handler(request: web.Request) -> web.Response:
        try:
            staff = tokens.verify(bearer(request))
        except Refused as error:
            return error.to_response()
        await store.end_staff_session(staff.session)
        await agents.revalidate()
        return web.json_response(ok())

    return handler
