"""Long transcripts are replayed completely, a page at a time, to visitors and agents; tickets
refer to their conversation and page its transcript."""

from __future__ import annotations

import asyncio
import json

from bot.models import Message, Sender
from bot.store.redis import RedisStore

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

    # A message left refers to its conversation: the ticket stays small (it held the whole
    # transcript: 10 MB), and its transcript is paged from the conversation.
    await again.sio.emit("leave_message", {"name": "Kim", "email": "kim@example.org",
                                           "text": "Please read all of it."})
    left = await again.seen.wait_for("message_left")
    store = RedisStore(stack.redis_url)
    try:
        stored = await store.redis.get(f"fd:ticket:{left['ticket_id']}")
        expected = [m.id for m in await store.all_messages(cid)]  # with the ticket's notice
    finally:
        await store.close()
    assert stored and len(stored) < 2000, len(stored or "")
    await again.close()

    # An agent: a ticket in a list carries a summary, the rest comes a page at a time.
    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    listed = next(t for t in (await boss.must("tickets"))["tickets"] if t["id"] == left["ticket_id"])
    assert len(json.dumps(listed)) < 5000 and listed["transcript_more"] is True
    lines = [line["id"] for line in listed["transcript"]]
    assert 0 < len(lines) <= 5 and lines == expected[-len(lines):]
    more = True
    while more:
        page = await boss.must("ticket_transcript", {"ticket_id": left["ticket_id"],
                                                     "before": lines[0]})
        assert 0 < len(page["messages"]) <= 200
        lines = [m["id"] for m in page["messages"]] + lines
        more = page["more"]
    assert lines == expected  # nothing missing, nothing twice, in order

    # The conversation itself: the latest page on open, then earlier pages on request.
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


async def test_ticket_lists_are_paged_per_department(isolated, make_agent) -> None:
    """Spam in one department cannot push another's tickets out of view; every ticket is
    reachable page by page."""
    import time

    from bot.models import Ticket

    url, redis_url = isolated()
    store = RedisStore(redis_url)
    try:
        now = time.time()
        for i in range(60):
            await store.save_ticket(Ticket(id=f"g{i:02d}", conversation_id="c", name="", email=
                                           "spam@example.org", message="spam", department="general",
                                           created_at=now - 100 + i))
        await store.save_ticket(Ticket(id="real", conversation_id="c", name="Kim", email=
                                       "kim@example.org", message="my tickets", department=
                                       "tickets_billing", created_at=now - 1000))
    finally:
        await store.close()
    billing = AgentClient(url)
    await billing.connect(*make_agent("tickets_billing", redis_url=redis_url))
    page = await billing.must("tickets", {})
    assert [t["id"] for t in page["tickets"]] == ["real"] and not page["more"]
    general = AgentClient(url)
    await general.connect(*make_agent("general", redis_url=redis_url))
    first = await general.must("tickets", {})
    assert len(first["tickets"]) == 50 and first["more"] and first["tickets"][0]["id"] == "g59"
    second = await general.must("tickets", {"offset": 50})
    assert [t["id"] for t in second["tickets"]] == [f"g{i:02d}" for i in range(9, -1, -1)]
    assert not second["more"]
    boss = AgentClient(url)
    await boss.connect(*make_agent("general", role="supervisor", redis_url=redis_url))
    everything = (await boss.must("tickets", {"offset": 50}))["tickets"]
    assert [t["id"] for t in everything][-1] == "real"
    only = await boss.must("tickets", {"department": "tickets_billing"})
    assert [t["id"] for t in only["tickets"]] == ["real"]
    for client in (billing, general, boss):
        await client.close()
