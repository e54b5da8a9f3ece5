"""Delivers what happens in a conversation to everyone who should see it, on any bridge process.

Visitors' tabs join the room `conv:{id}` on the default namespace; agents following a
conversation join the same room name on `/agent`, their own room `agent:{name}`, and their
department's room `dept:{department}`. python-socketio's Redis manager carries every emit to the
other bridge processes.
"""

from __future__ import annotations

from typing import Any

import socketio

from . import protocol
from .attachments import Links
from .models import Message, Sender
from .storage import Appended, Store

AGENT_NS = "/agent"


def conversation_room(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def agent_room(name: str) -> str:
    return f"agent:{name}"


def department_room(department: str) -> str:
    return f"dept:{department}"


SUPERVISORS = "supervisors"


class Relay:
    def __init__(self, sio: socketio.AsyncServer, store: Store, links: Links | None = None) -> None:
        self.sio = sio
        self.store = store
        self.links = links  # signs the download links of files in messages

    def link(self, conversation_id: str, message: Message) -> str:
        """The signed download link of the message's file ('' without one)."""
        return self.links.of(conversation_id, message.data) if self.links else ""

    def entry(self, conversation_id: str, message: Message) -> dict[str, Any]:
        """A message as replayed to the visitor or shown in consoles, with its file's link."""
        return protocol.transcript_entry(message, self.link(conversation_id, message))

    async def post(
        self,
        conversation_id: str,
        sender: Sender,
        text: str,
        data: dict[str, Any] | None = None,
        client_id: str = "",
        guard: str = "",
        resend: bool = False,
    ) -> Appended:
        """Store a message once (a `resend` by client id) and deliver it to the visitor's tabs
        and to every console following the conversation, whoever owns it. See `Store.append`."""
        message = Message(sender, text, client_id=client_id, data=data or {})
        appended = await self.store.append(conversation_id, message, guard, resend)
        if appended.new:
            await self.deliver(conversation_id, appended.message)
        return appended

    async def deliver(self, conversation_id: str, message: Message) -> None:
        """To the visitor's tabs (unless the visitor wrote it or it is a note) and to the
        consoles following the conversation: one pub/sub message for both."""
        room = conversation_room(conversation_id)
        link = self.link(conversation_id, message)
        entry = {"conversation_id": conversation_id,
                 "message": protocol.transcript_entry(message, link)}
        emits = [("message", entry, AGENT_NS, room)]
        if message.sender not in (Sender.VISITOR, Sender.NOTE):
            emits.insert(0, ("bot_uttered", protocol.bot_uttered(message, link), "/", room))
        together = getattr(self.sio.manager, "emit_together", None)
        if together is not None:
            await together(emits)
            return
        for event, data, namespace, to in emits:
            await self.sio.emit(event, data, room=to, namespace=namespace)

    async def to_visitor(self, conversation_id: str, event: str, payload: Any) -> None:
        await self.sio.emit(event, payload, room=conversation_room(conversation_id))

    async def to_agents(self, room: str | list[str], event: str, payload: Any) -> None:
        """To agents' consoles; with several rooms a connection in more than one gets it once."""
        await self.sio.emit(event, payload, room=room, namespace=AGENT_NS)

    def has_local(self, room: str, namespace: str = "/") -> bool:
        """Whether a connection of this process is in `room`."""
        return bool(self.sio.manager.rooms.get(namespace, {}).get(room))

    async def local(self, room: str, event: str, payload: Any, namespace: str = "/") -> None:
        """To the connections of this process in `room` only (no pub/sub message)."""
        await self.sio.emit(event, payload, room=room, namespace=namespace, ignore_queue=True)

    async def follow(self, sid: str, conversation_id: str) -> None:
        """Let one agent connection (on this process) receive a conversation's messages.

        Connections on other processes are told with an `assigned` event and answer `open`."""
        await self.sio.enter_room(sid, conversation_room(conversation_id), namespace=AGENT_NS)

    async def unfollow(self, sid: str, conversation_id: str) -> None:
        await self.sio.leave_room(sid, conversation_room(conversation_id), namespace=AGENT_NS)
