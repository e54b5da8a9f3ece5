"""The visitor's side of a handoff, the bridge's rules (issue 24): every tab of a conversation
hears the visitor's own messages; no ticket is made for a chat a person answers live; the wait
estimate counts down and says when it is late. (The widget's side: tests/browser/
test_visitor_side_ui.py.)"""

from __future__ import annotations

import redis.asyncio as aioredis

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor


async def test_a_visitor_message_reaches_every_tab_of_the_conversation(isolated) -> None:
    url, _ = isolated()
    tab_a, tab_b = Visitor(url), Visitor(url)
    await tab_a.connect()
    await tab_b.connect(tab_a.session_id)
    mark_a = len(tab_a.seen.events)
    mark_b = await tab_b.say("written in tab B", message_id="tab-b-1")
    ack = await tab_b.seen.wait_for("message_ack", start=mark_b)
    echoed = await tab_a.seen.wait_for("visitor_uttered", start=mark_a)
    assert (echoed["id"], echoed["client_id"], echoed["text"], echoed["sender"]) == (
        ack["id"], "tab-b-1", "written in tab B", "visitor")
    mine = await tab_b.seen.wait_for("visitor_uttered", start=mark_b)  # the sender dedupes by id
    assert mine["id"] == ack["id"]
    await tab_a.close()
    await tab_b.close()


async def test_no_ticket_for_a_chat_a_person_answers(isolated, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")
    visitor = Visitor(url)
    await visitor.connect()
    department = await queue_visitor(visitor, "tickets_billing")
    agent = AgentClient(url)
    await agent.connect(*make_agent(department, redis_url=redis_url))
    await agent.must("claim", {"conversation_id": visitor.conversation_id})

    mark = len(visitor.seen.events)
    await visitor.sio.emit("leave_message", {"name": "Kim", "email": "kim@example.org",
                                             "text": "Never mind the chat."})
    error = await visitor.seen.wait_for("chat_error", start=mark)
    assert (error["code"], error["event"]) == ("with_person", "leave_message")
    # typed as a chat message (clients without the form): told, no ticket either
    mark = await visitor.say("/leave_message", message_id="leave-by-chat")
    told = await visitor.seen.wait_for(
        "bot_uttered", lambda m: "no need to leave a message" in m["text"], start=mark)
    assert told["metadata"]["owner"] == "agent"
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        assert [k async for k in client.scan_iter("fd:ticket:*")] == []
        assert await client.hget(f"fd:conv:{visitor.conversation_id}", "owner") == "agent"
    finally:
        await client.aclose()
    await visitor.close()
    await agent.close()


async def test_the_wait_counts_down_and_is_late_with_the_long_wait_offer(isolated,
                                                                         make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false", AVG_HANDLE_SECONDS="75", MAX_QUEUE_WAIT="20")
    agent = AgentClient(url)  # online, but nobody picks the chat up
    await agent.connect(*make_agent("general", redis_url=redis_url))
    visitor = Visitor(url)
    await visitor.connect()
    await queue_visitor(visitor, "general")
    first = await visitor.seen.wait_for("queue_position")
    assert (first["position"], first["eta_seconds"], first["late"]) == (1, 120, False)
    lower = await visitor.seen.wait_for("queue_position", lambda q: q["eta_seconds"] == 60,
                                        timeout=40)
    assert lower["late"] is False
    late = await visitor.seen.wait_for("queue_position", lambda q: q["late"], timeout=40)
    offer = await visitor.seen.wait_for(
        "bot_uttered", lambda m: m.get("custom", {}).get("leave_message") == "long_wait",
        timeout=15)
    assert late["position"] == 1 and "taking longer than it should" in offer["text"]
    await visitor.close()
    await agent.close()
