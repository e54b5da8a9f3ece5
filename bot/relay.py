"""Delivers what happens in a conversation to everyone who should see it, on any bridge process.

Visitors' tabs join the room `conv:{id}` on the default namespace; agents following a
conversation join the same room name on `/agent`, their own room `agent:{name}`, and their
department's room `dept:{department}`. python-socketio's Redis manager carries every emit to the
other bridge processes.

A conversation's room on `/agent` follows the rule of the agents' requests (`open`): every event
to it carries the conversation's state (owner, department, agent) as it was when the event
happened, and each bridge delivers it only to its connections whose agent may see the
conversation in that state (`guard_with`); after a move, every follower is told the new state,
then those that may no longer see the conversation leave the room.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import socketio

from . import protocol
from .attachments import Links
from .models import Conversation, Message, Sender
from .store import Appended, Store

AGENT_NS = "/agent"


def conversation_room(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def agent_room(name: str) -> str:
    return f"agent:{name}"


def department_room(department: str) -> str:
    return f"dept:{department}"


SUPERVISORS = "supervisors"

# (namespace, room, state) -> this process's connections in the room that may not see a
# conversation in that state
Guard = Callable[[str, str, dict[str, str]], list[str]]


def state_of(conversation: Conversation) -> dict[str, str]:
    """What decides who may see a conversation, as carried with the events to its consoles."""
    return {"owner": conversation.owner.value, "department": conversation.department,
            "agent": conversation.agent}


def emit(event: str, data: Any, room: str, namespace: str = "/",
         only: dict[str, str] | None = None, leave: dict[str, str] | None = None) -> dict[str, Any]:
    """One emit: to the connections in `room` (with `only`: those that may see a conversation in
    that state); with `leave`, those that may not see it in that state leave the room after."""
    return {"event": event, "data": data, "namespace": namespace, "room": room,
            "only": only, "leave": leave}


class Relay:
    def __init__(self, sio: socketio.AsyncServer, store: Store, links: Links | None = None) -> None:
        self.sio = sio
        self.store = store
        self.links = links  # signs the download links of files in messages
        self.outsiders: Guard | None = None

    def guard_with(self, outsiders: Guard) -> None:
        """Who may not receive the events of conversations' rooms, decided on every bridge."""
        self.outsiders = outsiders
        if hasattr(self.sio.manager, "guard"):
            self.sio.manager.guard = outsiders

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
        and to the consoles following the conversation that may see it. See `Store.append`."""
        message = Message(sender, text, client_id=client_id, data=data or {})
        appended = await self.store.append(conversation_id, message, guard, resend)
        if appended.new or appended.redeliver:  # a resend of one stored but refused: live now
            await self.deliver(appended.conversation, appended.message)
        return appended

    async def deliver(self, conversation: Conversation, message: Message) -> None:
        """To the visitor's tabs (a note never; the visitor's own message as `visitor_uttered`,
        so that every tab shows it, the one that sent it included) and to the
        consoles following the conversation that may see it as it was when the message was
        stored (`conversation`): one pub/sub message for both. Its file's link is signed once,
        for them."""
        room = conversation_room(conversation.id)
        link = self.link(conversation.id, message)
        # Who answers the conversation right after this message: the store's snapshot of it as
        # the message was stored (a move is made before the message that tells it), so clients
        # need not infer it from the messages' `custom` facts.
        owner = conversation.owner.value
        entry = {"conversation_id": conversation.id, "owner": owner,
                 "message": protocol.transcript_entry(message, link)}
        emits = [emit("message", entry, room, AGENT_NS, only=state_of(conversation))]
        if message.sender is Sender.VISITOR:  # every tab shows it (the sender's: once, by id)
            emits.insert(0, emit("visitor_uttered", entry["message"], room))
        elif message.sender is not Sender.NOTE:
            uttered = protocol.bot_uttered(message, link)
            uttered["metadata"]["owner"] = owner
            emits.insert(0, emit("bot_uttered", uttered, room))
        await self.send(emits)

    async def to_followers(self, conversation: Conversation, event: str, payload: Any) -> None:
        """To the consoles following the conversation that may see it (as `conversation` is)."""
        await self.send([emit(event, payload, conversation_room(conversation.id), AGENT_NS,
                              only=state_of(conversation))])

    async def moved(self, conversation: Conversation, event: str, payload: Any) -> None:
        """After a move: to every console following the conversation (the last event for those
        that may no longer see it), then those that may not see it now leave its room, on
        every bridge."""
        await self.send([emit(event, payload, conversation_room(conversation.id), AGENT_NS,
                              leave=state_of(conversation))])

    async def send(self, emits: list[dict[str, Any]]) -> None:
        """Emits (see `emit`), to this process's connections and every other bridge's."""
        together = getattr(self.sio.manager, "emit_together", None)
        if together is not None:
            await together(emits)
            return
        for one in emits:  # a manager of one process (tests): the same rules, here
            namespace, room = one["namespace"], one["room"]
            only, leave = one["only"], one["leave"]
            outsiders = self.outsiders or (lambda *_: [])
            skip = outsiders(namespace, room, only) if only else None
            await self.sio.emit(one["event"], one["data"], room=room, namespace=namespace,
                                skip_sid=skip)
            for sid in outsiders(namespace, room, leave) if leave else []:
                await self.sio.leave_room(sid, room, namespace=namespace)

    async def to_visitor(self, conversation_id: str, event: str, payload: Any) -> None:
        await self.sio.emit(event, payload, room=conversation_room(conversation_id))

    async def to_agents(self, room: str | list[str], event: str, payload: Any) -> None:
        """To agents' consoles; with several rooms a connection in more than one gets it once."""
        await self.sio.emit(event, payload, room=room, namespace=AGENT_NS)

    def has_local(self, room: str, namespace: str = "/") -> bool:
        """Whether a connection of this process is in `room`."""
        return bool(self.sio.manager.rooms.get(namespace, {}).get(room))

    def members(self, room: str, namespace: str = "/") -> list[str]:
        """The connections of this process in `room`."""
        return [sid for sid, _ in self.sio.manager.get_participants(namespace, room)]

    async def local(self, room: str, event: str, payload: Any, namespace: str = "/") -> None:
        """To the connections of this process in `room` only (no pub/sub message)."""
        await self.sio.emit(event, payload, room=room, namespace=namespace, ignore_queue=True)

    async def follow(self, sid: str, conversation_id: str) -> None:
        """Let one agent connection (on this process) receive a conversation's messages.

        Connections on other processes are told with an `assigned` event and answer `open`."""
        await self.sio.enter_room(sid, conversation_room(conversation_id), namespace=AGENT_NS)

    async def unfollow(self, sid: str, conversation_id: str) -> None:
        await self.sio.leave_room(sid, conversation_room(conversation_id), namespace=AGENT_NS)
