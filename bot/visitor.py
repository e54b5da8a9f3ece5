"""The visitor side of the bridge: Rasa's socketio protocol on the default namespace."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import weakref
from typing import Any

import socketio

from . import metrics, protocol, wording
from .config import Settings
from .handoff import WITH_PEOPLE, Handoff, HandoffRequest, Refused
from .limits import RateLimit
from .models import Conversation, Owner, Sender
from .protocol import ProtocolError
from .rasa import BotReply, RasaClient, RasaUnavailable
from .relay import Relay, conversation_room
from .storage import Store

log = logging.getLogger(__name__)

DEPARTMENT_CHOICE = re.compile(r"^/department\s+(\w+)$")
RATING = re.compile(r"^/rate\s+(\w+)$")
EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,255}\.[^@\s<>]{2,}$")


class VisitorNamespace(socketio.AsyncNamespace):
    """Handles visitors' widgets: sessions, messages, typing, history, left messages."""

    def __init__(
        self, store: Store, rasa: RasaClient, relay: Relay, handoff: Handoff, settings: Settings
    ) -> None:
        super().__init__("/")
        self.store = store
        self.rasa = rasa
        self.relay = relay
        self.handoff = handoff
        self.settings = settings
        self.limit = RateLimit(settings.visitor_rate)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, conversation_id: str) -> asyncio.Lock:
        """One message at a time per conversation in this process, so replies keep their order."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def direct(self, sid: str, event: str, payload: Any) -> None:
        """Emit to one connection of this process, without a trip through Redis pub/sub."""
        await self.emit(event, payload, to=sid, ignore_queue=True)

    async def error(self, sid: str, event: str, error: ProtocolError) -> None:
        await self.direct(sid, "chat_error", error.to_event(event))

    # --- connection and session ---------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        metrics.CONNECTIONS.labels("visitor").inc()
        await self.save_session(sid, {
            "page_url": environ.get("HTTP_REFERER", ""),
            "browser": environ.get("HTTP_USER_AGENT", "")[:300],
        })

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        metrics.CONNECTIONS.labels("visitor").dec()
        self.limit.forget(sid)

    async def on_session_request(self, sid: str, data: Any = None) -> None:
        try:
            user_id = self.verified_user(data)
        except ProtocolError as error:
            await self.error(sid, "session_request", error)
            return
        conversation_id = protocol.proposed_session(data)
        existing = await self.store.get_conversation(conversation_id) if conversation_id else None
        if existing is not None and existing.user_id and existing.user_id != user_id:
            existing = None  # a verified user's conversation is theirs alone
        if existing is None:
            conversation_id = await self.new_conversation(sid, data, user_id)
        async with self.session(sid) as session:
            old = session.get("conversation_id")
            session["conversation_id"] = conversation_id
        if old and old != conversation_id:
            await self.leave_room(sid, conversation_room(old))
        await self.enter_room(sid, conversation_room(conversation_id))
        await self.direct(sid, "session_confirm", conversation_id)
        owner = existing.owner if existing else Owner.BOT
        state = {"session_id": conversation_id, "owner": owner.value, "resumed": bool(existing)}
        await self.direct(sid, "session_state", state)
        if existing and existing.owner is Owner.QUEUE:
            await self.handoff.announce_position(conversation_id, existing.department)

    def verified_user(self, data: Any) -> str:
        """A logged-in website user, proven by an HMAC of the user id with the site's secret."""
        if not isinstance(data, dict) or not data.get("user_id"):
            return ""
        user_id, given = str(data.get("user_id")), str(data.get("user_hash") or "")
        if not self.settings.identity_secret:
            raise ProtocolError("identity_disabled", "Identity verification is not set up.")
        expected = hmac.new(
            self.settings.identity_secret.encode(), user_id.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, given):
            raise ProtocolError("identity_invalid", "The user_hash does not match the user_id.")
        return user_id

    async def new_conversation(self, sid: str, data: Any, user_id: str) -> str:
        session = await self.get_session(sid)
        visitor = {"browser": session.get("browser", "")}
        if isinstance(data, dict):
            for key in ("timezone", "local_time", "language"):
                if isinstance(data.get(key), str):
                    visitor[key] = data[key][:100]
        page = data.get("page_url") if isinstance(data, dict) else None
        conversation = Conversation(
            id=secrets.token_hex(16), user_id=user_id, visitor=visitor,
            page_url=page[:500] if isinstance(page, str) else session.get("page_url", ""),
        )
        await self.store.create_conversation(conversation)
        await self.store.count("conversations")
        metrics.CONVERSATIONS.inc()
        return conversation.id

    # --- events -------------------------------------------------------------------------------

    async def on_user_uttered(self, sid: str, data: Any = None) -> None:
        try:
            payload = protocol.require_dict(data)
            text = protocol.message_text(payload, self.settings.max_message_chars)
            client_id = protocol.client_id(payload)
            conversation_id = await self.bound_conversation(sid, payload)
            if not self.limit.allow(sid):
                raise ProtocolError("rate_limited", "Too many messages; wait a few seconds.")
        except ProtocolError as error:
            await self.error(sid, "user_uttered", error)
            return
        meta = protocol.metadata(payload)
        async with self.lock(conversation_id):
            await self.visitor_says(sid, conversation_id, text, client_id, meta)

    async def on_typing(self, sid: str, data: Any = None) -> None:
        try:
            payload = protocol.require_dict(data)
            conversation_id = await self.bound_conversation(sid, payload)
        except ProtocolError as error:
            await self.error(sid, "typing", error)
            return
        await self.relay.to_agents(
            conversation_room(conversation_id), "visitor_typing",
            {"conversation_id": conversation_id, "on": bool(payload.get("on", True))},
        )

    async def on_history(self, sid: str, data: Any = None) -> None:
        """Replay: everything after the last message id the client saw, in order."""
        try:
            payload = protocol.require_dict(data if data is not None else {})
            conversation_id = await self.bound_conversation(sid, payload)
            after = payload.get("after") or None
            if after is not None and not isinstance(after, str):
                raise ProtocolError("invalid_message_id", "'after' must be a message id.")
            try:
                messages = await self.store.messages(conversation_id, after)
            except ValueError as error:
                raise ProtocolError("invalid_message_id", str(error)) from None
        except ProtocolError as error:
            await self.error(sid, "history", error)
            return
        entries = [protocol.transcript_entry(m) for m in messages if m.sender is not Sender.NOTE]
        await self.direct(sid, "history", {"session_id": conversation_id, "messages": entries})

    async def on_leave_message(self, sid: str, data: Any = None) -> None:
        """The visitor leaves a message (name, email, text) for the team: it becomes a ticket."""
        try:
            payload = protocol.require_dict(data)
            conversation_id = await self.bound_conversation(sid, payload)
            name = str(payload.get("name") or "").strip()[:100]
            email = str(payload.get("email") or "").strip()
            if not EMAIL.match(email):
                raise ProtocolError("invalid_email", "Please give a valid email address.")
            text = protocol.message_text(payload, self.settings.max_message_chars, field="text")
            if not self.limit.allow(sid):
                raise ProtocolError("rate_limited", "Too many messages; wait a few seconds.")
        except ProtocolError as error:
            await self.error(sid, "leave_message", error)
            return
        ticket = await self.handoff.leave_message(conversation_id, name, email, text)
        await self.direct(sid, "message_left", {"ticket_id": ticket.id})

    # --- the conversation ---------------------------------------------------------------------

    async def bound_conversation(self, sid: str, payload: dict[str, Any]) -> str:
        """The conversation this connection is bound to; a client can name no other."""
        session = await self.get_session(sid)
        conversation_id = session.get("conversation_id")
        if not conversation_id:
            raise ProtocolError("no_session", "Send session_request before anything else.")
        claimed = payload.get("session_id")
        if claimed not in (None, "", conversation_id):
            raise ProtocolError("unknown_session", "This connection is not bound to that session.")
        return conversation_id

    async def visitor_says(
        self, sid: str, conversation_id: str, text: str, client_id: str, meta: dict[str, Any]
    ) -> None:
        appended = await self.relay.post(
            conversation_id, Sender.VISITOR, text, {"metadata": meta} if meta else {}, client_id
        )
        stored, is_new, conversation = appended.message, appended.new, appended.conversation
        ack = {"id": stored.id, "client_id": client_id, "ts": stored.ts}
        await self.direct(sid, "message_ack", ack)
        if not is_new:
            return  # a resend after a reconnect: stored once, answered once
        metrics.VISITOR_MESSAGES.inc()
        owner = conversation.owner
        if owner is Owner.CLOSED:
            if rating := RATING.match(text.strip()):
                await self.handoff.rate(conversation_id, rating.group(1)[:20])
                return
            await self.handoff.reopen(conversation_id)
            owner = Owner.BOT
        if owner is Owner.TRIAGE:
            choice = DEPARTMENT_CHOICE.match(text.strip())
            await self.handoff.choose_department(conversation_id, choice.group(1) if choice else "")
        elif owner in WITH_PEOPLE:
            if text.strip() == "/leave_message":
                await self.handoff.offer_message(conversation_id, conversation.department, "asked")
        else:
            await self.ask_bot(conversation_id, text, meta)

    async def ask_bot(self, conversation_id: str, text: str, meta: dict[str, Any]) -> None:
        try:
            replies = await self.rasa.send(conversation_id, text, meta)
        except RasaUnavailable as error:
            metrics.RASA_ERRORS.inc()
            log.warning("Rasa unavailable for %s: %s", conversation_id, error)
            await self.hand_over(conversation_id, HandoffRequest("bot_unavailable", text=text))
            return
        if not replies:
            replies = [BotReply(text=wording.NO_REPLY, buttons=[wording.TALK_TO_PERSON])]
        for reply in replies:
            if reply.handoff is not None:
                request = HandoffRequest.from_signal(reply.handoff)
                request.text = request.text or text
                await self.hand_over(conversation_id, request)
            else:
                metrics.BOT_REPLIES.inc()
                await self.relay.post(conversation_id, Sender.BOT, reply.text, bot_data(reply))

    async def hand_over(self, conversation_id: str, request: HandoffRequest) -> None:
        metrics.HANDOFFS.labels(request.reason).inc()
        try:
            await self.handoff.request(conversation_id, request)
            await self.store.count("handoffs")
            await self.store.count(f"handoff:{request.reason}")
            if await self.store.once(f"handed_off:{conversation_id}", 90 * 86400):
                await self.store.count("handed_off")  # conversations, each counted once
        except Refused as refused:  # pragma: no cover - the conversation vanished
            log.warning("handoff refused for %s: %s", conversation_id, refused.message)


def bot_data(reply: BotReply) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if reply.buttons:
        data["buttons"] = reply.buttons
    if reply.image:
        data["image"] = reply.image
    if reply.custom:
        data["custom"] = reply.custom
    return data
