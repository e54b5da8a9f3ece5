"""The visitor side of the bridge: Rasa's socketio protocol on the default namespace."""

from __future__ import annotations

import asyncio
import logging
import secrets
import weakref
from typing import Any

import socketio

from . import protocol, wording
from .handoff import Handoff, HandoffRequest
from .models import Conversation, Message, Owner, Sender
from .protocol import ProtocolError
from .rasa import BotReply, RasaClient, RasaUnavailable
from .storage import Store

log = logging.getLogger(__name__)


def room(conversation_id: str) -> str:
    """The Socket.IO room every tab (on any bridge process) of one conversation joins."""
    return f"conv:{conversation_id}"


class VisitorNamespace(socketio.AsyncNamespace):
    """Handles `session_request`, `user_uttered` and `history` from visitors' widgets."""

    def __init__(
        self, store: Store, rasa: RasaClient, max_message_chars: int, namespace: str = "/"
    ) -> None:
        super().__init__(namespace)
        self.store = store
        self.rasa = rasa
        self.handoff = Handoff(store)
        self.max_message_chars = max_message_chars
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, conversation_id: str) -> asyncio.Lock:
        """One message at a time per conversation in this process, so replies keep their order."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def error(self, sid: str, event: str, error: ProtocolError) -> None:
        await self.emit("chat_error", error.to_event(event), to=sid)

    # --- events -------------------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await self.save_session(sid, {"page_url": environ.get("HTTP_REFERER", "")})

    async def on_session_request(self, sid: str, data: Any = None) -> None:
        conversation_id = protocol.proposed_session(data)
        existing = await self.store.get_conversation(conversation_id) if conversation_id else None
        if existing is None:
            conversation_id = secrets.token_hex(16)
            session = await self.get_session(sid)
            await self.store.create_conversation(
                Conversation(id=conversation_id, page_url=session.get("page_url", ""))
            )
        async with self.session(sid) as session:
            old = session.get("conversation_id")
            session["conversation_id"] = conversation_id
        if old and old != conversation_id:
            await self.leave_room(sid, room(old))
        await self.enter_room(sid, room(conversation_id))
        await self.emit("session_confirm", conversation_id, to=sid)
        owner = existing.owner if existing else Owner.BOT
        await self.emit(
            "session_state",
            {"session_id": conversation_id, "owner": owner.value, "resumed": existing is not None},
            to=sid,
        )

    async def on_user_uttered(self, sid: str, data: Any = None) -> None:
        try:
            payload = protocol.require_dict(data)
            text = protocol.message_text(payload, self.max_message_chars)
            client_id = protocol.client_id(payload)
            conversation_id = await self.bound_conversation(sid, payload)
        except ProtocolError as error:
            await self.error(sid, "user_uttered", error)
            return
        meta = protocol.metadata(payload)
        async with self.lock(conversation_id):
            await self.visitor_says(sid, conversation_id, text, client_id, meta)

    async def on_history(self, sid: str, data: Any = None) -> None:
        """Replay: everything after the last message id the client saw, in order."""
        try:
            payload = protocol.require_dict(data or {})
            conversation_id = await self.bound_conversation(sid, payload)
            after = payload.get("after") or None
            if after is not None and not isinstance(after, str):
                raise ProtocolError("invalid_message_id", "'after' must be a message id.")
            messages = await self.store.messages(conversation_id, after)
        except ProtocolError as error:
            await self.error(sid, "history", error)
            return
        except ValueError as error:
            await self.error(sid, "history", ProtocolError("invalid_message_id", str(error)))
            return
        entries = [protocol.transcript_entry(m) for m in messages]
        await self.emit("history", {"session_id": conversation_id, "messages": entries}, to=sid)

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
        message = Message(Sender.VISITOR, text, client_id=client_id, data={"metadata": meta})
        stored, is_new = await self.store.append(conversation_id, message)
        await self.emit(
            "message_ack", {"id": stored.id, "client_id": client_id, "ts": stored.ts}, to=sid
        )
        if not is_new:
            return  # a resend after a reconnect: stored once, answered once
        owner = await self.handoff.owner(conversation_id)
        if owner is Owner.CLOSED:
            await self.handoff.reopen(conversation_id)
            owner = Owner.BOT
        if owner is Owner.BOT:
            await self.ask_bot(conversation_id, text, meta)

    async def ask_bot(self, conversation_id: str, text: str, meta: dict[str, Any]) -> None:
        try:
            replies = await self.rasa.send(conversation_id, text, meta)
        except RasaUnavailable as error:
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
                await self.say(conversation_id, Sender.BOT, reply.text, bot_data(reply))

    async def hand_over(self, conversation_id: str, request: HandoffRequest) -> None:
        """Move the conversation to a queue and tell the visitor honestly."""
        await self.handoff.to_queue(conversation_id, request)
        custom = {"handoff": {"reason": request.reason, "department": request.department}}
        await self.say(
            conversation_id, Sender.SYSTEM, wording.HANDOFF[request.reason], {"custom": custom}
        )

    async def say(
        self, conversation_id: str, sender: Sender, text: str, data: dict[str, Any]
    ) -> Message:
        """Store a message for the visitor, then send it to every tab of the conversation."""
        stored, _ = await self.store.append(conversation_id, Message(sender, text, data=data))
        await self.emit("bot_uttered", protocol.bot_uttered(stored), room=room(conversation_id))
        return stored


def bot_data(reply: BotReply) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if reply.buttons:
        data["buttons"] = reply.buttons
    if reply.image:
        data["image"] = reply.image
    if reply.custom:
        data["custom"] = reply.custom
    return data
