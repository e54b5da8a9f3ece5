"""Two bridges and two Rasa servers on one Redis behave as one Frontdesk."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

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



def _says(text: str) -> Callable[[Any], bool]:
    """A `message` event whose message is `text`."""
    return lambda event: event["message"]["text"] == text

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
    from bot.store import Expect
    from bot.store.redis import RedisStore

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


async def test_a_chat_moved_away_reaches_only_who_may_see_it(stack: Stack, second: str, make_agent,
                                                             redis) -> None:
    """Transferred from Tickets to General (by a supervisor on bridge B), the chat no longer
    reaches the Tickets agents who had it open, on either bridge: not the visitor's messages,
    files (signed links), General's replies, notes or typing. General and supervisors get them."""
    from test_attachments import png, upload

    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    owner = AgentClient(stack.bridge_url)  # Tickets, bridge A: has the chat
    await owner.connect(*make_agent("tickets_billing", display_name="Tia"))
    assert await queue_visitor(visitor, "tickets_billing") == "tickets_billing"
    claimed = await owner.call("claim", {"conversation_id": cid})  # unless auto-assigned to Tia
    assert claimed["ok"] or claimed["error"]["code"] == "already_taken", claimed
    await owner.must("open", {"conversation_id": cid})
    colleague, general = AgentClient(second), AgentClient(second)  # Tickets, General: bridge B
    boss_a, boss_b = AgentClient(stack.bridge_url), AgentClient(second)
    await colleague.connect(*make_agent("tickets_billing", display_name="Tom"))
    await general.connect(*make_agent("general", display_name="Gus"))
    for boss in (boss_a, boss_b):
        await boss.connect(*make_agent("general", role="supervisor"))
        await boss.must("presence", {"status": "away"})  # so General's agent gets the chat
    for follower in (colleague, boss_a, boss_b):
        await follower.must("open", {"conversation_id": cid})
    tickets, everyone = (owner, colleague), (owner, colleague, general, boss_a, boss_b)
    await visitor.say("before the move", message_id="before")
    for follower in (*tickets, boss_a, boss_b):  # all in the chat's room, on both bridges
        await follower.seen.wait_for("message", lambda e: e["message"]["text"] == "before the move")

    marks = {id(agent): len(agent.seen.events) for agent in everyone}
    await boss_b.must("transfer", {"conversation_id": cid, "department": "general",
                                   "note": "over to General"})
    taken = await general.call("claim", {"conversation_id": cid})  # unless auto-assigned
    assert taken["ok"] or taken["error"]["code"] == "already_taken", taken
    await general.must("open", {"conversation_id": cid})

    await visitor.say("my PIN is 4711", message_id="pin")
    status, body = await upload(stack.bridge_url, visitor.session_id, png(), "card.png")
    assert status == 200, body
    await general.must("reply", {"conversation_id": cid, "text": "General here"})
    await general.must("note", {"conversation_id": cid, "text": "internal: check the PIN"})
    await visitor.sio.emit("typing", {"on": True})
    note, *later = ("over to General", "my PIN is 4711", "General here", "internal: check the PIN")

    for agent, texts in ((general, later), (boss_a, [note, *later]), (boss_b, [note, *later])):
        start = marks[id(agent)]  # who may see it gets everything, on both bridges
        for text in texts:
            await agent.seen.wait_for("message", _says(text), start=start)
        file = await agent.seen.wait_for("message", lambda e: "file" in e["message"], start=start)
        assert file["message"]["file"]["url"]
        await agent.seen.wait_for("visitor_typing", lambda e: e["conversation_id"] == cid,
                                  start=start)
    for agent in tickets:  # a round trip on each connection: anything sent before has arrived
        await agent.must("hello")
        leaked = [(name, data) for name, data in agent.seen.events[marks[id(agent)]:]
                  if name == "visitor_typing" or (name == "message" and (
                      data["message"]["text"] in (note, *later) or "file" in data["message"]))]
        assert not leaked, [(n, d.get("message", {}).get("text")) for n, d in leaked]
    for client in (visitor, *everyone):
        await client.close()
