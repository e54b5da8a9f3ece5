"""The visitor side of the bridge: Rasa's socketio protocol on the default namespace."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable
from typing import Any

import socketio

from . import attachments, events, hours, metrics, protocol
from .background import Background
from .config import Settings
from .dialogue import Dialogue
from .errors import Refused, unexpected
from .events import (
    EmailTranscript,
    LeaveMessage,
    SessionRequest,
    UserUttered,
    VisitorEvent,
    VisitorHistory,
    VisitorTyping,
)
from .handoff import Handoff
from .limits import Limits, Who, visitor_rules
from .models import Conversation, Owner, Sender, new_conversation_id
from .relay import Relay, conversation_room
from .store import NotOwner, Store

log = logging.getLogger(__name__)



class VisitorNamespace(socketio.AsyncNamespace):
    """Handles visitors' widgets: sessions, messages, typing, history, left messages."""

    def __init__(
        self, store: Store, dialogue: Dialogue, relay: Relay, handoff: Handoff, settings: Settings
    ) -> None:
        super().__init__("/")
        self.store = store
        self.dialogue = dialogue
        self.relay = relay
        self.handoff = handoff
        self.settings = settings
        self.limits = Limits(visitor_rules(settings.visitor_rate, settings.visitor_address_factor))
        self.context = events.context(settings.max_message_chars, settings.site.department_titles)
        self.in_order: dict[str, asyncio.Lock] = {}  # per connection
        self.background = Background()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Every event gets an answer: a refusal or an unexpected error becomes `chat_error`.
        A connection's events are handled one after the other, in the order sent (a `history`
        right after `session_request` finds the session); bot answers run on their own.
        Handlers get their payload read as its model in `events.VISITOR`."""
        if event in ("connect", "disconnect"):
            result = await super().trigger_event(event, *args)
            if event == "disconnect":
                self.in_order.pop(args[0], None)
            return result
        sid = args[0]
        async with self.in_order.setdefault(sid, asyncio.Lock()):
            try:
                await self.count(event, sid)
                protocol.undecodable(args)
                if event in events.VISITOR:
                    data = args[1] if len(args) > 1 else None
                    args = (sid, events.read(events.VISITOR[event], data, self.context))
                return await super().trigger_event(event, *args)
            except Refused as error:
                await self.error(sid, event, error)
            except Exception as error:
                log.exception("visitor event %r failed", event)
                await self.error(sid, event, unexpected(error))

    def spawn(self, work: Awaitable[None], what: str) -> None:
        """Run `work` beside the connection's events (kept referenced; failures logged)."""
        self.background.spawn(work, what)

    async def count(self, event: str, sid: str) -> None:
        """Every visitor event counts against its connection, conversation and address."""
        session = await self.get_session(sid)
        who = Who(sid, session.get("conversation_id", ""), session.get("address", ""))
        if not self.limits.allow(event, who):
            raise Refused("rate_limited", "Too many requests; wait a few seconds.")

    async def direct(self, sid: str, event: str, payload: Any) -> None:
        """Emit to one connection of this process, without a trip through Redis pub/sub."""
        await self.emit(event, payload, to=sid, ignore_queue=True)

    async def error(self, sid: str, event: str, error: Refused) -> None:
        await self.direct(sid, "chat_error", error.to_event(event))

    # --- connection and session ---------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        metrics.CONNECTIONS.labels("visitor").inc()
        await self.save_session(sid, {
            "page_url": protocol.detail(environ.get("HTTP_REFERER", ""), 500),
            "browser": protocol.detail(environ.get("HTTP_USER_AGENT", ""), 300),
            "address": client_address(environ),
        })

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        metrics.CONNECTIONS.labels("visitor").dec()
        conversation_id = (await self.get_session(sid)).get("conversation_id")
        if conversation_id:
            try:
                await self.store.visitor_tabs(conversation_id, -1)
            except Exception as error:
                log.warning("visitor tab of %s not counted out: %s", conversation_id, error)

    async def on_session_request(self, sid: str, payload: SessionRequest) -> None:
        """Start a conversation, or resume one with the secret its widget keeps. The secret is
        the visitor's alone: staff, logs and Rasa see the conversation id, which opens nothing."""
        user_id = self.verified_user(payload)
        secret = payload.session_id
        existing = await self.store.resume(secret) if secret else None
        if existing is not None and existing.user_id and existing.user_id != user_id:
            existing = None  # a verified user's conversation is theirs alone
        if existing is None:
            secret = secrets.token_urlsafe(24)
            conversation_id = await self.new_conversation(sid, payload, user_id, secret)
        else:
            conversation_id = existing.id
        async with self.session(sid) as session:
            old = session.get("conversation_id")
            session["conversation_id"], session["secret"] = conversation_id, secret
            session["user_id"] = user_id
        if old != conversation_id:
            if old:
                await self.leave_room(sid, conversation_room(old))
                await self.store.visitor_tabs(old, -1)
            await self.store.visitor_tabs(conversation_id, +1)
        await self.enter_room(sid, conversation_room(conversation_id))
        await self.direct(sid, "session_confirm", secret)
        owner = existing.owner if existing else Owner.BOT
        state = {"session_id": secret, "conversation_id": conversation_id, "owner": owner.value,
                 "resumed": bool(existing),
                 "hours": hours.status(self.settings.business_hours,
                                       self.settings.business_timezone),
                 "site": self.settings.site.widget_defaults(),
                 "files": attachments.limits(self.settings)}
        await self.direct(sid, "session_state", state)
        if existing and existing.owner is Owner.QUEUE:
            await self.handoff.announce_position(conversation_id, existing.department)
        if existing:  # anything stored but never answered (a bridge died, Rasa failed) is now
            self.spawn(self.dialogue.answer_pending(conversation_id), f"pending of {conversation_id}")

    async def restart(self, sid: str) -> str:
        """Bind the connection to a new conversation (new id, new secret) and tell the widget,
        as `session_request` does; returns its id."""
        session = await self.get_session(sid)
        old, secret = session.get("conversation_id"), secrets.token_urlsafe(24)
        conversation_id = await self.new_conversation(sid, SessionRequest(),
                                                      session.get("user_id", ""), secret)
        async with self.session(sid) as session:
            session["conversation_id"], session["secret"] = conversation_id, secret
        if old:
            await self.leave_room(sid, conversation_room(old))
        await self.store.visitor_tabs(conversation_id, +1)
        await self.enter_room(sid, conversation_room(conversation_id))
        await self.direct(sid, "session_confirm", secret)
        await self.direct(sid, "session_state", {
            "session_id": secret, "conversation_id": conversation_id, "owner": Owner.BOT.value,
            "resumed": False,
            "hours": hours.status(self.settings.business_hours, self.settings.business_timezone),
            "site": self.settings.site.widget_defaults(), "files": attachments.limits(self.settings)})
        return conversation_id

    def verified_user(self, payload: SessionRequest) -> str:
        """A logged-in website user, proven by an HMAC of the user id with the site's secret."""
        if not payload.user_id:
            return ""
        user_id, given = payload.user_id, payload.user_hash
        if not self.settings.identity_secret:
            raise Refused("identity_disabled", "Identity verification is not set up.")
        expected = hmac.new(
            self.settings.identity_secret.encode(), user_id.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, given):
            raise Refused("identity_invalid", "The user_hash does not match the user_id.")
        return user_id

    async def new_conversation(self, sid: str, request: SessionRequest, user_id: str,
                               secret: str) -> str:
        session = await self.get_session(sid)
        visitor = {"browser": session.get("browser", "")}
        told = request.model_dump(include={"timezone", "local_time", "language"})
        visitor.update({key: value for key, value in told.items() if value})
        conversation = Conversation(
            id=new_conversation_id(), user_id=user_id, visitor=visitor,
            page_url=request.page_url or session.get("page_url", ""),
        )
        await self.store.create_conversation(conversation, secret)
        return conversation.id

    # --- events -------------------------------------------------------------------------------

    async def on_user_uttered(self, sid: str, payload: UserUttered) -> None:
        text, client_id, resend = payload.message, payload.message_id, payload.resend
        conversation_id = await self.bound_conversation(sid, payload)
        meta = payload.metadata
        try:
            appended = await self.dialogue.receive(conversation_id, text, client_id, meta,
                                                   resend=resend)
        except NotOwner as gone:
            if gone.conversation is not None:
                raise
            # The conversation is gone (erased, or a page view nobody wrote in expired): a new
            # one, under a new id and secret; the old secret opens nothing, the old id stays gone.
            conversation_id = await self.restart(sid)
            appended = await self.dialogue.receive(conversation_id, text, client_id, meta,
                                                   resend=resend)
        stored = appended.message
        ack = {"id": stored.id, "client_id": client_id, "ts": stored.ts}
        await self.direct(sid, "message_ack", ack)
        # Answering may wait for Rasa: the connection's next events need not wait for it.
        self.spawn(self.dialogue.respond(conversation_id, appended), f"answer in {conversation_id}")

    async def on_typing(self, sid: str, payload: VisitorTyping) -> None:
        conversation_id = await self.bound_conversation(sid, payload)
        conversation = await self.store.get_conversation(conversation_id)  # who may see it now
        if conversation is None:
            return
        await self.relay.to_followers(
            conversation, "visitor_typing",
            {"conversation_id": conversation_id, "on": payload.on},
        )

    async def on_history(self, sid: str, payload: VisitorHistory) -> None:
        """Replay, a page at a time: what came after the last message id the client saw, in
        order; `more` says to ask again after the last one of this page."""
        conversation_id = await self.bound_conversation(sid, payload)
        after = payload.after
        try:
            page = await self.store.page_after(conversation_id, after)
        except ValueError as error:
            raise Refused("invalid_message_id", str(error)) from None
        entries = [self.relay.entry(conversation_id, m) for m in page.messages
                   if m.sender is not Sender.NOTE]
        secret = (await self.get_session(sid)).get("secret")
        after = page.messages[-1].id if page.messages else after
        await self.direct(sid, "history", {"session_id": secret, "messages": entries,
                                           "more": page.more, "last": after or ""})

    async def on_leave_message(self, sid: str, payload: LeaveMessage) -> None:
        """The visitor leaves a message (name, email, text) for the team: it becomes a ticket."""
        conversation_id = await self.bound_conversation(sid, payload)
        ticket = await self.handoff.leave_message(conversation_id, payload.name, payload.email,
                                                  payload.text)
        await self.direct(sid, "message_left", {"ticket_id": ticket.id})

    async def on_email_transcript(self, sid: str, payload: EmailTranscript) -> None:
        """Mail the visitor this conversation's transcript (plain text, the latest part up to
        TRANSCRIPT_MAX_CHARS) once the visitor wrote and was answered; to the address of a
        message left in it if there is one. Every cap is counted in Redis (`transcript_caps`);
        a mail server that cannot take it is said, and the attempt is given back."""
        from .mail import exchanged, latest_messages, send_transcript  # only this event: SMTP

        conversation_id = await self.bound_conversation(sid, payload)
        conversation = await self.handoff.conversation(conversation_id)
        email = conversation.email or payload.email
        if not protocol.EMAIL.match(email):
            raise Refused("invalid_email", "Please give a valid email address.")
        messages, left_out = await latest_messages(self.store, conversation_id,
                                                   self.settings.transcript_max_chars)
        if not exchanged(messages):
            raise Refused("no_exchange", "There is nothing to send yet: the transcript can be "
                          "emailed once you have written and had an answer.")
        address = (await self.get_session(sid)).get("address", "")
        counted = await self.count_transcript(conversation_id, email, address)

        async def send() -> None:  # beside the connection's events: a slow mail server holds
            try:                   # up nothing else
                await send_transcript(self.settings, email, conversation, messages, left_out)
            except Exception as error:  # the mail server, or a bug: either way the visitor is told
                await self.give_back(counted)  # not sent: the try is given back
                if not isinstance(error, OSError):
                    log.exception("transcript of %s failed", conversation_id)
                why = str(error) if isinstance(error, OSError) else "it could not be written"
                await self.error(sid, "email_transcript", Refused(
                    "email_failed", f"The email was not sent: {why}. Please try again later."))
                return
            await self.direct(sid, "transcript_sent", {"email": email})

        self.spawn(send(), f"transcript of {conversation_id}")

    def transcript_caps(self, conversation_id: str, email: str,
                        address: str) -> list[tuple[str, int, float, str]]:
        """(key, most, window in seconds, why refused) of every transcript cap."""
        s = self.settings
        recipient = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
        return [
            (f"transcript:{conversation_id}", s.transcript_emails, s.retention_seconds,
             f"The transcript can be emailed at most {s.transcript_emails} times per chat."),
            (f"transcript_to:{recipient}", s.transcript_emails_per_recipient, 86400,
             "That address has had as many transcripts as we send in a day; try tomorrow."),
            (f"transcript_from:{address}", s.transcript_emails_per_address, 3600,
             "Too many transcripts were asked for from your network; try again later."),
            ("transcript_site", s.transcript_emails_per_hour, 3600,
             "We are sending too many transcripts just now; try again later."),
        ]

    async def count_transcript(self, conversation_id: str, email: str,
                               address: str) -> list[tuple[str, int, float]]:
        """Count one transcript against every cap (at once: tabs and bridges racing get no
        more); a cap that is full refuses it, and what was counted is given back."""
        counted: list[tuple[str, int, float]] = []
        for key, most, window, why in self.transcript_caps(conversation_id, email, address):
            counted.append((key, most, window))
            if not await self.store.hit(key, most, window):
                await self.give_back(counted)
                raise Refused("transcript_limit", why)
        return counted

    async def give_back(self, counted: list[tuple[str, int, float]]) -> None:
        for key, most, window in counted:
            await self.store.hit(key, most, window, cost=-1)

    async def on_reserved_event(self, sid: str, *args: Any) -> None:
        raise Refused("reserved_event", "'connect' and 'disconnect' are not events to send.")

    # --- the conversation ---------------------------------------------------------------------

    async def bound_conversation(self, sid: str, payload: VisitorEvent) -> str:
        """The conversation this connection is bound to; a client can name no other."""
        session = await self.get_session(sid)
        conversation_id: str | None = session.get("conversation_id")
        if not conversation_id:
            raise Refused("no_session", "Send session_request before anything else.")
        claimed = payload.session_id
        if claimed not in (None, "", session.get("secret")):
            raise Refused("unknown_session", "This connection is not bound to that session.")
        return conversation_id


def client_address(environ: dict[str, Any]) -> str:
    """The network address of a Socket.IO client (aiohttp's view of it: behind a trusted proxy,
    the address it forwarded; bot/addresses.py)."""
    request = environ.get("aiohttp.request")
    return str(getattr(request, "remote", "") or environ.get("REMOTE_ADDR", "") or "?")
