"""Steps that several handoff tests share."""

from __future__ import annotations

import asyncio
import itertools

import redis.asyncio as aioredis

from clients import Visitor
from waiting import eventually

_ids = itertools.count(1)


async def queue_visitor(visitor: Visitor, department: str = "tickets_billing") -> str:
    """Ask for a person, pick `department` if asked, and wait until queued (or assigned).
    Returns the department the chat went to (the bot's guess when it had one)."""
    mark = await visitor.say("/human_handoff", message_id=f"handoff-{next(_ids)}")
    first = await visitor.seen.wait_for(
        "bot_uttered", lambda m: "handoff" in m.get("custom", {}), start=mark
    )
    guessed = first["custom"]["handoff"]["department"]
    if guessed:
        department = guessed
    else:
        await visitor.seen.wait_for("bot_uttered", lambda m: "quick_replies" in m, start=mark)
        mark = await visitor.say(f"/department {department}")
    queued = asyncio.ensure_future(visitor.seen.wait_for("queue_position", start=mark))
    joined = asyncio.ensure_future(visitor.seen.wait_for(
        "bot_uttered", lambda m: "agent_joined" in m.get("custom", {}), start=mark
    ))
    done, pending = await asyncio.wait({queued, joined}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()
    return department


def texts(visitor: Visitor, start: int = 0) -> list[str]:
    return [e[1]["text"] for e in visitor.seen.events[start:] if e[0] == "bot_uttered"]


async def leave_message(url: str, text: str = "My e-tickets never arrived for Friday.") -> str:
    """A visitor leaves a message (no department: it goes to General); returns the ticket id."""
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello")
    await visitor.sio.emit("leave_message", {"name": "Kim", "email": "kim@example.org",
                                             "text": text})
    left = await visitor.seen.wait_for("message_left")
    await visitor.close()
    return left["ticket_id"]


async def settled(visitor: Visitor, redis: aioredis.Redis) -> None:
    """Every message the visitor sent has had its turn (the bot answered, or left it to a
    person), and whatever that turn sent has reached the visitor. The proof a test needs before
    asserting that something did NOT happen, however slow the machine."""
    # The bridge handles a connection's events one after the other: once a later request is
    # answered, every message sent before it is stored (and, if the bot is to answer, pending).
    await round_trip(visitor)
    cid = visitor.conversation_id
    await eventually(lambda: turns_done(redis, cid), timeout=30,
                     what=f"the pending messages of {cid} answered")
    # A turn delivers its messages before it ends, and a connection's events arrive in the
    # order sent: the answer to a later request comes after them.
    await round_trip(visitor)


async def round_trip(visitor: Visitor) -> None:
    """Ask the bridge for the visitor's history and wait for it."""
    mark = len(visitor.seen.events)
    await visitor.sio.emit("history", {"session_id": visitor.session_id})
    await visitor.seen.wait_for("history", start=mark)


async def turns_done(redis: aioredis.Redis, conversation_id: str) -> bool:
    """No message of the conversation waits for its turn, and no turn is being taken."""
    return not await redis.exists(f"fd:pending:{conversation_id}", f"fd:turn:{conversation_id}")
