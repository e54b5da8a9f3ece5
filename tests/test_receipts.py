"""Seen receipts on the real stack, across two bridges on one Redis: the visitor's read mark
reaches the agent's console, the agent's reaches the widget; marks only move forward, only for
a message of one's own conversation (the agent: a chat they have), at a bounded rate, kept with
a TTL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor, settled
from stack import Stack, free_port


@pytest.fixture(scope="module")
def other_bridge(stack: Stack) -> Iterator[str]:
    """A second bridge on the same Redis (and Rasa)."""
    port = str(free_port())
    bridge = stack.start_bridge(FRONTDESK_PORT=port)
    yield f"http://127.0.0.1:{port}"
    bridge.stop()


async def test_read_marks_cross_bridges_and_stay_in_their_conversation(
        stack: Stack, other_bridge: str, make_agent, redis) -> None:
    alex, sam, wes = (AgentClient(other_bridge) for _ in range(3))
    await alex.connect(*make_agent("tickets_billing", display_name="Alex"))
    await sam.connect(*make_agent("tickets_billing", display_name="Sam"))
    await wes.connect(*make_agent("website_technical", display_name="Wes"))
    visitor, stranger = Visitor(stack.bridge_url), Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await stranger.connect()
    await visitor.ask("hello")
    assert await queue_visitor(visitor) == "tickets_billing"
    await alex.must("claim", {"conversation_id": cid})
    mark = await visitor.say("my tickets never came", message_id="r1")
    asked = (await visitor.seen.wait_for("message_ack", start=mark))["id"]
    said = (await alex.must("reply", {"conversation_id": cid, "text": "Let me look."}))["id"]

    # The visitor (bridge A) read the agent's reply: Alex's console (bridge B) is told.
    await visitor.sio.emit("read", {"message_id": said})
    told = await alex.seen.wait_for("visitor_read")
    assert told == {"conversation_id": cid, "message_id": said}
    # Alex read the visitor's message: the widget is told, across the bridges.
    assert (await alex.must("read", {"conversation_id": cid, "message_id": asked}))["moved"]
    assert (await visitor.seen.wait_for("agent_read")) == {"message_id": asked}
    assert await redis.hgetall(f"fd:read:{cid}") == {"visitor": said, "agent": asked}
    assert await redis.ttl(f"fd:read:{cid}") > 0

    # Only forward: an earlier message changes nothing and tells nobody.
    assert not (await alex.must("read", {"conversation_id": cid, "message_id": asked}))["moved"]
    # Not someone else's chat: an agent of the department who does not have it, another
    # department's agent; nor a message that is not in the conversation.
    for other, code in ((sam, "not_yours"), (wes, "not_yours")):
        refused = await other.call("read", {"conversation_id": cid, "message_id": asked})
        assert refused["error"]["code"] == code, refused
    refused = await alex.call("read", {"conversation_id": cid, "message_id": "1-0"})
    assert refused["error"]["code"] == "not_found"
    # A visitor marks only their own conversation: another's message id is not in theirs.
    mark = len(stranger.seen.events)
    await stranger.sio.emit("read", {"message_id": said})
    error = await stranger.seen.wait_for("chat_error", start=mark)
    assert (error["code"], error["event"]) == ("not_found", "read")
    await settled(visitor, redis)
    assert len(visitor.seen.of("agent_read")) == 1 and len(alex.seen.of("visitor_read")) == 1
    assert await redis.hgetall(f"fd:read:{cid}") == {"visitor": said, "agent": asked}

    # A bounded rate per conversation and side, counted for every bridge.
    alex_on_a = AgentClient(stack.bridge_url)
    await alex_on_a.connect(token=alex.token)
    answers = []
    for n in range(32):
        client = alex if n % 2 else alex_on_a
        answers.append(await client.call("read", {"conversation_id": cid, "message_id": asked}))
    codes = [a["error"]["code"] for a in answers if not a["ok"]]
    assert codes and set(codes) == {"rate_limited"}, answers
    assert sum(a["ok"] for a in answers) <= 30 - 2  # two were used above

    for agent in (alex, sam, wes, alex_on_a):
        await agent.close()
    await visitor.close()
    await stranger.close()
