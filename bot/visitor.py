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

from . import attachments, events, metrics, protocol, receipts
from .background import Background
from .config import Settings
from .dialogue import Dialogue
from .errors import Refused, logged
from .events import (
    EmailTranscript,
    LeaveMessage,
    RejectAnswer,
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
from .reply_times import ReplyTimes
from .store import NotOwner, Store
from .transcript_mail import TranscriptMail

log = logging.getLogger(__name__)



async def new_conversation(store: Store, session: dict[str, Any], request: SessionRequest,
                           user_id: str, secret: str) -> str:
    """A new conversation for a widget's connection (its browser, page and what it told)."""
    visitor = {"browser": session.get("browser", "")}
    told = request.model_dump(include={"timezone", "local_time", "language"})
    visitor.update({key: value for key, value in told.items() if value})
    conversation = Conversation(
        id=new_conversation_id(), user_id=user_id, visitor=visitor,
        page_url=request.page_url or session.get("page_url", ""),
    )
    await store.create_conversation(conversation, secret)
    return conversation.id


class VisitorNamespace(socketio.AsyncNamespace):
    """Handles visitors' widgets: sessions, messages, typing, history, left messages."""
    on_read = receipts.on_visitor_read  # seen receipts (bot/receipts.py)

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
        self.transcripts = TranscriptMail(store, settings)
        self.reply_times = ReplyTimes(store)

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
                await self.error(sid, event, logged(log, f"visitor event {event!r}", error))

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
        user_id = verified_user(self.settings, payload)
        secret = payload.session_id
        existing = await self.store.resume(secret) if secret else None
        if existing is not None and existing.user_id and existing.user_id != user_id:
            existing = None  # a verified user's conversation is theirs alone
        if existing is None:
            secret = secrets.token_urlsafe(24)
            conversation_id = await new_conversation(self.store, await self.get_session(sid),
                                                     payload, user_id, secret)
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
        await self.direct(sid, "session_state",
                          await self.session_state(secret, conversation_id, owner, bool(existing)))
        if existing and existing.owner is Owner.QUEUE:
            await self.handoff.announce_position(conversation_id, existing.department,
                                                 since=existing.in_queue_since())
        if existing:  # anything stored but never answered (a bridge died, Rasa failed) is now
            await receipts.resumed(self, sid, conversation_id)
            self.spawn(self.dialogue.answer_pending(conversation_id), f"pending of {conversation_id}")

    async def restart(self, sid: str) -> str:
        """Bind the connection to a new conversation (new id, new secret) and tell the widget,
        as `session_request` does; returns its id."""
        session = await self.get_session(sid)
        old, secret = session.get("conversation_id"), secrets.token_urlsafe(24)
        conversation_id = await new_conversation(self.store, session, SessionRequest(),
                                                 session.get("user_id", ""), secret)
        async with self.session(sid) as session:
            session["conversation_id"], session["secret"] = conversation_id, secret
        if old:
            await self.leave_room(sid, conversation_room(old))
        await self.store.visitor_tabs(conversation_id, +1)
        await self.enter_room(sid, conversation_room(conversation_id))
        await self.direct(sid, "session_confirm", secret)
        await self.direct(sid, "session_state",
                          await self.session_state(secret, conversation_id, Owner.BOT, False))
        return conversation_id

    async def session_state(self, secret: str, conversation_id: str, owner: Owner,
                            resumed: bool) -> dict[str, Any]:
        """What a widget learns on (re)connecting: session, who answers, hours, reply time..."""
        return {"session_id": secret, "conversation_id": conversation_id, "owner": owner.value,
                "resumed": resumed, "hours": self.handoff.routing.hours(),
                "reply_seconds": await self.reply_times.usual(),
                "site": self.settings.site.widget_defaults(),
                "files": attachments.limits(self.settings)}

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
        """The visitor leaves a message (name, email, text) for the team: it becomes a ticket,
        acknowledged once durable (`Store.durable`); a retry gets the same ticket."""
        conversation_id = await self.bound_conversation(sid, payload)
        ticket = await self.handoff.leave_message(conversation_id, payload.name, payload.email,
                                                  payload.text)
        await self.store.durable()
        await self.direct(sid, "message_left", {"ticket_id": ticket.id})

    async def on_email_transcript(self, sid: str, payload: EmailTranscript) -> None:
        """Mail the visitor this conversation's transcript once the visitor wrote and was
        answered (bot/transcript_mail.py); a mail server that cannot take it is said."""
        conversation_id = await self.bound_conversation(sid, payload)
        conversation = await self.handoff.conversation(conversation_id)
        address = (await self.get_session(sid)).get("address", "")
        send = await self.transcripts.prepare(conversation, payload.email, address)

        async def deliver() -> None:
            try:
                email = await send()
            except Refused as error:
                await self.error(sid, "email_transcript", error)
            else:
                await self.direct(sid, "transcript_sent", {"email": email})
                await self.handoff.remember.transcript_to(conversation, email)

        self.spawn(deliver(), f"transcript of {conversation_id}")

    async def on_reject_answer(self, sid: str, payload: RejectAnswer) -> None:
        """A thumbs-down on a bot answer: its question is kept for teaching (bot/teaching.py)."""
        conversation_id = await self.bound_conversation(sid, payload)
        if not await self.dialogue.teacher.rejected(conversation_id, payload.message_id):
            raise Refused("not_found", "There is no such answer of the assistant.")
        await self.direct(sid, "answer_rejected", {"message_id": payload.message_id})

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


def verified_user(settings: Settings, payload: SessionRequest) -> str:
    """A logged-in website user, proven by an HMAC of the user id with the site's secret."""
    if not payload.user_id:
        return ""
    if not settings.identity_secret:
        raise Refused("identity_disabled", "Identity verification is not set up.")
    expected = hmac.new(settings.identity_secret.encode(), payload.user_id.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, payload.user_hash):
        raise Refused("identity_invalid", "The user_hash does not match the user_id.")
    return payload.user_id
