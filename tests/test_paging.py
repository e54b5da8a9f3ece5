"""Long transcripts are replayed completely, a page at a time, to visitors and agents; tickets
carry the whole transcript."""

from __future__ import annotations

import asyncio

from bot.models import Message, Sender
from bot.redis_store import RedisStore
from clients import AgentClient, Visitor
from stack import Stack

LONG = 5000


async def test_a_5000_message_conversation_replays_completely(stack: Stack, make_agent) -> None:
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    store = RedisStore(stack.redis_url)
    try:
        for start in range(0, LONG, 500):  # the body of a very long chat, written straight in
            await asyncio.gather(*(
                store.append(cid, Message(Sender.SYSTEM, f"line {i}")) for i in range(start, start + 500)
            ))
        expected = [m.id for m in await store.all_messages(cid)]
    finally:
        await store.close()
    assert len(expected) == LONG + 2 and len(set(expected)) == len(expected)
    await visitor.close()

    # The visitor's widget, reloaded: pages of 200 until `more` is false.
    again = Visitor(stack.bridge_url)
    await again.connect(visitor.session_id)
    seen: list[str] = []
    after = ""
    for _ in range(100):
        mark = len(again.seen.events)
        await again.sio.emit("history", {"after": after})
        page = await again.seen.wait_for("history", start=mark)
        assert len(page["messages"]) <= 200
        seen += [m["id"] for m in page["messages"]]
        if not page["more"]:
            break
        after = page["last"]
    assert seen == expected  # nothing missing, nothing twice, in order

    # A message left now carries the whole transcript, not the first 1,000 lines.
    await again.sio.emit("leave_message", {"name": "Kim", "email": "kim@example.org",
                                           "text": "Please read all of it."})
    left = await again.seen.wait_for("message_left")
    store = RedisStore(stack.redis_url)
    try:
        ticket = await store.get_ticket(left["ticket_id"])
        expected = [m.id for m in await store.all_messages(cid)]  # with the ticket's notice
    finally:
        await store.close()
    assert len(ticket.transcript) >= LONG + 2
    assert ticket.transcript[LONG]["text"] == f"line {LONG - 2}"
    await again.close()

    # An agent: the latest page on open, then earlier pages on request.
    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    opened = await boss.must("open", {"conversation_id": cid})
    assert len(opened["messages"]) == 200 and opened["earlier"] is True
    assert [m["id"] for m in opened["messages"]] == expected[-200:]
    older = [m["id"] for m in opened["messages"]]
    more = True
    while more:
        page = await boss.must("history", {"conversation_id": cid, "before": older[0]})
        older = [m["id"] for m in page["messages"]] + older
        more = page["more"]
    assert older == expected
    forward = await boss.must("history", {"conversation_id": cid, "after": expected[99]})
    assert [m["id"] for m in forward["messages"]] == expected[100:300] and forward["more"]
    bad = await boss.call("history", {"conversation_id": cid, "before": "not-an-id"})
    assert bad["error"]["code"] == "invalid_message_id"
    await boss.close()
