"""Two bridges and two Rasa servers on one Redis behave as one Frontdesk."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Iterator

import pytest

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from stack import Stack, free_port


@pytest.fixture(scope="module")
def second(stack: Stack) -> Iterator[str]:
    """Bridge B with its own Rasa server B, sharing Redis (and the action server) with A."""
    rasa_port = str(free_port())
    bridge_port = str(free_port())
    rasa = stack.start("rasa", RASA_PORT=rasa_port)
    status = f"http://127.0.0.1:{rasa_port}/status?token={stack.env['RASA_TOKEN']}"
    from stack import http_ok

    stack.wait(rasa, lambda: http_ok(status), 300)
    bridge = stack.start_bridge(FRONTDESK_PORT=bridge_port, RASA_PORT=rasa_port,
                                RASA_URL=f"http://127.0.0.1:{rasa_port}")
    yield f"http://127.0.0.1:{bridge_port}"
    bridge.stop()
    rasa.stop()


async def test_visitor_on_a_agent_on_b_converse(stack: Stack, second: str, make_agent,
                                                faq_answers) -> None:
    visitor = Visitor(stack.bridge_url)
    agent = AgentClient(second)
    cid = await visitor.connect()
    await agent.connect(*make_agent("general", display_name="Bea"))
    answer = await visitor.ask("where is the theatre?")
    assert answer["text"] in faq_answers["location"]
    assert await queue_visitor(visitor, "general") == "general"
    await agent.seen.wait_for("handoff", lambda e: e["conversation"]["id"] == cid)
    picked = await agent.must("claim", {"conversation_id": cid})
    assert any(m["text"] == "where is the theatre?" for m in picked["messages"])

    await agent.must("reply", {"conversation_id": cid, "text": "Hello from bridge B"})
    got = await visitor.seen.wait_for("bot_uttered", lambda m: m["text"] == "Hello from bridge B")
    assert got["agent_name"] == "Bea"
    await visitor.say("Hello from bridge A", message_id="from-a")
    message = await agent.seen.wait_for("message", lambda e: e["message"]["text"] ==
                                        "Hello from bridge A")
    assert message["conversation_id"] == cid

    # The visitor reconnects to the other bridge and replays what came after their last id.
    last = got["id"]
    await visitor.close()
    await agent.must("reply", {"conversation_id": cid, "text": "missed while away"})
    moved = Visitor(second)
    assert await moved.connect(visitor.session_id) == cid
    await moved.sio.emit("history", {"after": last})
    replay = await moved.seen.wait_for("history")
    assert [m["text"] for m in replay["messages"]] == ["Hello from bridge A", "missed while away"]

    # Hand back on B: the bot (Rasa B behind bridge B) continues the same tracker in Redis.
    await agent.must("hand_back", {"conversation_id": cid})
    answer = await moved.ask("do you sell gift vouchers")
    assert answer["text"] in faq_answers["gift_cards"]
    await moved.close()
    await agent.close()


async def test_claim_race_across_bridges(stack: Stack, second: str, make_agent) -> None:
    from bot.handoff import HandoffRequest
    from bot.models import Conversation, Owner
    from bot.redis_store import RedisStore
    from bot.storage import Expect

    store = RedisStore(stack.redis_url)
    on_a, on_b = AgentClient(stack.bridge_url), AgentClient(second)
    await on_a.connect(*make_agent("general", capacity=1000))
    await on_b.connect(*make_agent("general", capacity=1000))
    ids = []
    for _ in range(20):
        conversation = Conversation(id=f"xrace{secrets.token_hex(10)}")
        await store.create_conversation(conversation)
        await store.transition(conversation.id, Expect((Owner.BOT,)), Owner.QUEUE, department="general",
                               handoff=json.dumps(HandoffRequest("requested").to_dict()),
                               queued_at=repr(time.time()))
        ids.append(conversation.id)
    results = await asyncio.gather(*(
        asyncio.gather(on_a.call("claim", {"conversation_id": c}),
                       on_b.call("claim", {"conversation_id": c}))
        for c in ids
    ))
    assert all(a["ok"] + b["ok"] == 1 for a, b in results), results
    for cid in ids:
        await store.transition(cid, Expect((Owner.AGENT,)), Owner.CLOSED, agent="")
    await on_a.close()
    await on_b.close()
    await store.close()
