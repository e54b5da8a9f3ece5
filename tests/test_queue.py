"""Queue positions: coalesced (at most one update a second per waiting visitor, no work per
change that grows with the queue), right within two seconds, and honest about the wait."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from waiting import eventually


async def settled(visitors: list[Visitor], expected: list[int | None], timeout: float = 4) -> None:
    """Wait until each visitor's latest queue_position is its expected place."""
    deadline = time.monotonic() + timeout
    while True:
        latest = [(v.seen.of("queue_position") or [{}])[-1].get("position") for v in visitors]
        if latest == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"positions {latest}, expected {expected}")
        await asyncio.sleep(0.1)


async def test_positions_are_right_coalesced_and_honest(isolated, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")
    visitors = [Visitor(url) for _ in range(12)]
    for visitor in visitors:
        await visitor.connect()
        await queue_visitor(visitor, "general")
    await settled(visitors, list(range(1, 13)))
    # Nobody can answer: no estimate, and the visitor was offered to leave a message.
    for visitor in visitors:
        assert visitor.seen.of("queue_position")[-1]["eta_seconds"] is None
        assert any(m.get("custom", {}).get("leave_message") == "no_agent"
                   for m in visitor.seen.of("bot_uttered"))

    # Someone comes online: the estimate appears (within a couple of seconds on a quiet machine).
    agent = AgentClient(url)
    await agent.connect(*make_agent("general", capacity=10, redis_url=redis_url))
    await agent.must("presence", {"status": "online"})
    await eventually(lambda: all(v.seen.of("queue_position")[-1]["eta_seconds"] is not None
                                 for v in visitors), timeout=15, what="the estimate appears")

    # Five pick-ups in quick succession: everyone behind moves up five places, told at most
    # about once a second (counted against the time it took), not once per change.
    marks = [len(v.seen.events) for v in visitors]
    started = time.monotonic()
    for visitor in visitors[:5]:
        await agent.must("claim", {"conversation_id": visitor.conversation_id})
    await settled(visitors[5:], list(range(1, 8)), timeout=15)
    elapsed = time.monotonic() - started
    for visitor, mark in zip(visitors[5:], marks[5:]):
        updates = [e for name, e in visitor.seen.events[mark:] if name == "queue_position"]
        assert 1 <= len(updates) <= int(elapsed) + 2, (len(updates), elapsed)

    # The console hears about the queue once a second at most, with its length.
    news = agent.seen.of("queue")
    assert news and news[-1]["length"] == 7 and len(news[-1]["waiting"]) == 7
    page = await agent.must("queue", {"department": "general"})
    assert page["length"] == 7 and not page["more"] and len(page["waiting"]) == 7
    bad = await agent.call("queue", {"department": "general", "offset": -1})
    assert bad["error"]["code"] == "invalid_payload"
    for visitor in visitors:
        await visitor.close()
    await agent.close()


async def test_routed_to_whoever_is_free_and_honest_when_nobody_is(isolated, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")
    # Nobody online at all: the bot does not claim to pass the visitor to a person, nor ask
    # which department (nobody could take it); it says so once, with one offer of a message.
    alone = Visitor(url)
    await alone.connect()
    mark = await alone.say("/human_handoff", message_id="h1")
    first = await alone.seen.wait_for("bot_uttered", lambda m: "handoff" in m.get("custom", {}),
                                      start=mark)
    assert first["text"].startswith("Nobody from our team is online right now.")
    assert "passing you" not in first["text"]
    assert first["custom"]["leave_message"] == "no_agent"
    assert [b["payload"] for b in first["quick_replies"]] == ["/leave_message"]
    position = await alone.seen.wait_for("queue_position", start=mark)
    assert position["department"] == "general" and position["eta_seconds"] is None
    await asyncio.sleep(2)  # anything more the bridge would say is said by now
    said = [data["text"] for name, data in alone.seen.events[mark:] if name == "bot_uttered"]
    assert said == [first["text"]], said

    # Someone from General is online: a chat for Website & technical goes to them.
    agent = AgentClient(url)
    await agent.connect(*make_agent("general", redis_url=redis_url))
    await agent.must("presence", {"status": "online"})
    visitor = Visitor(url)
    await visitor.connect()
    mark = await visitor.say("/human_handoff", message_id="h2")
    told = await visitor.seen.wait_for("bot_uttered", lambda m: "handoff" in m.get("custom", {}),
                                       start=mark)
    assert "passing you to a person" in told["text"]
    department = await queue_visitor_to(visitor, "website_technical", mark)
    assert department == "general"
    routed = await visitor.seen.wait_for("bot_uttered", lambda m: "so someone from" in m["text"],
                                         start=mark)
    assert routed["text"] == ("Nobody from Website & technical is free right now, so someone "
                              "from General will help you.")
    position = await visitor.seen.wait_for("queue_position", start=mark)
    assert position["department"] == "general" and position["eta_seconds"] > 0
    assert not any(m.get("custom", {}).get("leave_message") for m in visitor.seen.of("bot_uttered"))
    waiting = await agent.must("queue", {"department": "general"})
    assert visitor.conversation_id in [c["id"] for c in waiting["waiting"]]
    for client in (alone, visitor, agent):
        await client.close()


async def test_a_busy_department_sends_the_chat_to_someone_free(isolated, make_agent) -> None:
    """Online is not free: with the department's only agent at capacity, a chat goes to a free
    agent of General; when nobody is free anywhere it waits its turn in its own department."""
    url, redis_url = isolated(AUTO_ASSIGN="false")
    busy, general = AgentClient(url), AgentClient(url)
    await busy.connect(*make_agent("website_technical", capacity=1, redis_url=redis_url))
    await busy.must("presence", {"status": "online"})

    async def handed_over() -> tuple[Visitor, str]:
        visitor = Visitor(url)
        await visitor.connect()
        mark = await visitor.say("/human_handoff")
        return visitor, await queue_visitor_to(visitor, "website_technical", mark)

    first, department = await handed_over()
    assert department == "website_technical"  # free: their own department
    await busy.must("claim", {"conversation_id": first.conversation_id})  # now at capacity
    second, department = await handed_over()
    assert department == "website_technical"  # nobody free anywhere: waits for them
    third, department = await handed_over()
    assert department == "website_technical"  # still nobody free: behind the second
    await general.connect(*make_agent("general", redis_url=redis_url))
    await general.must("presence", {"status": "online"})
    fourth, department = await handed_over()
    assert department == "general"  # someone free elsewhere: not behind a busy agent
    for client in (first, second, third, fourth, busy, general):
        await client.close()


async def queue_visitor_to(visitor: Visitor, department: str, mark: int) -> str:
    """Pick `department` at triage; returns the department the chat waits in."""
    await visitor.seen.wait_for("bot_uttered", lambda m: "quick_replies" in m, start=mark)
    mark = await visitor.say(f"/department {department}")
    position = await visitor.seen.wait_for("queue_position", start=mark)
    return position["department"]


async def test_a_visitor_gone_from_the_queue_is_closed_not_left_waiting(isolated) -> None:
    import redis.asyncio as aioredis

    url, redis_url = isolated(AUTO_ASSIGN="false", ABANDON_AFTER="1")
    gone, stays = Visitor(url), Visitor(url)
    for visitor in (gone, stays):
        await visitor.connect()
        await queue_visitor(visitor, "general")
    second_tab = Visitor(url)  # the visitor who stays has a second tab on the same chat
    await second_tab.connect(stays.session_id)
    await gone.close()
    await stays.close()  # one tab closed, the other still open
    # str replies (decode_responses), which redis-py's types do not follow
    client: Any = aioredis.from_url(redis_url, decode_responses=True)
    try:
        deadline = time.monotonic() + 10
        while await client.hget(f"fd:conv:{gone.conversation_id}", "owner") != "closed":
            assert time.monotonic() < deadline, "the abandoned chat stayed in the queue"
            await asyncio.sleep(0.2)
        assert await client.zrange("fd:queue:general", 0, -1) == [stays.conversation_id]
        rows = await client.xrange(f"fd:msgs:{gone.conversation_id}")
        assert "You left before someone from our team could answer" in rows[-1][1]["text"]
        # The sweep that closed `gone` saw `stays` too (both left at once); two more sweeps
        # (one a second) must leave it queued: its second tab is open.
        await asyncio.sleep(2)
        assert await client.hget(f"fd:conv:{stays.conversation_id}", "owner") == "queue"
    finally:
        await client.aclose()
        await second_tab.close()


async def test_leave_a_message_by_chat_for_clients_without_the_form(isolated) -> None:
    """Stock rasa-webchat sends the button's payload as text: the bridge asks for the email and
    the message in the chat instead of offering the same button again (it looped)."""
    import redis.asyncio as aioredis

    url, redis_url = isolated(AUTO_ASSIGN="false")
    visitor = Visitor(url)
    await visitor.connect()
    await queue_visitor(visitor, "general")  # nobody online: offered to leave a message

    async def reply_to(text: str) -> str:
        mark = await visitor.say(text, message_id=f"leave-{len(visitor.seen.events)}")
        try:
            return (await visitor.seen.wait_for("bot_uttered", start=mark, timeout=5))["text"]
        except TimeoutError:
            raise AssertionError(visitor.seen.events[mark - 3:]) from None

    assert "What's your email address?" in await reply_to("/leave_message")
    assert "doesn't look like an email" in await reply_to("call me maybe")
    assert "What would you like to tell us?" in await reply_to("kim@example.org")
    assert "We'll reply to kim@example.org" in await reply_to("My tickets for Friday never came.")
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        assert await client.zcard("fd:tickets:general") == 1
    finally:
        await client.aclose()
    await visitor.close()
