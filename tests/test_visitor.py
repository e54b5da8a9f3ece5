"""A visitor chats with the real assistant through the real bridge (issue: walking skeleton)."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest

from clients import Visitor
from handoff_flow import settled
from stack import Stack


async def test_faq_question_gets_that_topics_answer(visitor: Visitor, faq_answers) -> None:
    reply = await visitor.ask("What time does the box office open on Saturday?")
    assert reply["text"] in faq_answers["opening_hours"]
    assert reply["sender"] == "bot"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("where are you located?", "location"),
        ("can I get a refund for my tickets", "refunds"),
        ("is there wheelchair access?", "accessibility"),
        ("do you sell gift vouchers", "gift_cards"),
    ],
)
async def test_more_faq_topics(visitor: Visitor, faq_answers, question: str, topic: str) -> None:
    reply = await visitor.ask(question)
    assert reply["text"] in faq_answers[topic]


async def test_are_you_a_bot_gets_honest_answer_and_button(visitor: Visitor) -> None:
    reply = await visitor.ask("are you a real person?")
    assert "virtual assistant" in reply["text"].lower()
    buttons = {(q["title"], q["payload"]) for q in reply.get("quick_replies", [])}
    assert ("Talk to a person", "/human_handoff") in buttons


async def test_asking_for_a_person_hands_off(visitor: Visitor, redis) -> None:
    reply = await visitor.ask("I want to talk to a person")
    assert reply["custom"]["handoff"]["reason"] == "requested"
    assert await redis.hget(f"fd:conv:{visitor.conversation_id}", "owner") in ("triage", "queue")
    handoff = json.loads(await redis.hget(f"fd:conv:{visitor.conversation_id}", "handoff"))
    assert handoff["intent_ranking"][0]["name"] == "human_handoff"

    # While people own the conversation the bot says nothing: the message is acknowledged.
    mark = await visitor.say("hello? what are your opening hours", message_id="after-handoff")
    ack = await visitor.seen.wait_for("message_ack", start=mark)
    assert ack["client_id"] == "after-handoff"
    await settled(visitor, redis)
    assert not [e for e in visitor.seen.events[mark:]
                if e[0] == "bot_uttered" and e[1]["sender"] == "bot"]


async def test_settled_means_an_answer_on_its_way_has_come(visitor: Visitor, redis) -> None:
    """What the tests that check that the bot said nothing rely on: once `settled`, an answer
    that was coming is in (asked without waiting for it)."""
    mark = await visitor.say("what are your opening hours?", message_id="settle-1")
    await settled(visitor, redis)
    assert [e for e in visitor.seen.events[mark:] if e[0] == "bot_uttered"]


async def test_button_payload_hands_off(visitor: Visitor) -> None:
    reply = await visitor.ask("/human_handoff")
    assert reply["custom"]["handoff"]["reason"] == "requested"


async def test_transcript_is_in_redis_in_order(visitor: Visitor, redis) -> None:
    await visitor.ask("hi")
    await visitor.ask("where is the theatre?")
    rows = await redis.xrange(f"fd:msgs:{visitor.conversation_id}")
    senders = [fields["sender"] for _, fields in rows]
    texts = [fields["text"] for _, fields in rows]
    assert senders == ["visitor", "bot", "visitor", "bot"]
    assert texts[0] == "hi" and texts[2] == "where is the theatre?"
    ids = [row_id for row_id, _ in rows]
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
    assert all(float(fields["ts"]) > 0 for _, fields in rows)


async def test_reconnect_with_same_session_continues(stack: Stack) -> None:
    first = Visitor(stack.bridge_url)
    session_id = await first.connect()
    await first.ask("hello")
    await first.close()

    again = Visitor(stack.bridge_url)
    assert await again.connect(first.session_id) == session_id  # the widget's resume secret
    await again.sio.emit("history", {"session_id": first.session_id})
    history = await again.seen.wait_for("history")
    assert [m["text"] for m in history["messages"]][0] == "hello"
    assert len(history["messages"]) >= 2
    # Rasa continues the same tracker: the new turn lands in the same conversation.
    await again.ask("are you a bot?")
    token = stack.env["RASA_TOKEN"]
    url = f"{stack.rasa_url}/conversations/{session_id}/tracker?token={token}"
    tracker = json.load(urllib.request.urlopen(url, timeout=10))
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said[:2] == ["hello", "are you a bot?"]
    await again.close()


async def test_history_after_an_id_returns_only_what_followed(visitor: Visitor) -> None:
    await visitor.ask("hi")
    await visitor.sio.emit("history", {})
    first = (await visitor.seen.wait_for("history"))["messages"]
    mark = len(visitor.seen.events)
    await visitor.ask("thanks")
    await visitor.sio.emit("history", {"after": first[-1]["id"]})
    later = (await visitor.seen.wait_for("history", start=mark))["messages"]
    assert [m["text"] for m in later][0] == "thanks"
    assert {m["id"] for m in later}.isdisjoint({m["id"] for m in first})


async def test_unknown_session_id_gets_a_fresh_session(stack: Stack) -> None:
    client = Visitor(stack.bridge_url)
    proposed = "a" * 32
    session_id = await client.connect(proposed)
    assert session_id != proposed and len(session_id) == 32
    assert client.session_id != proposed
    await client.close()


async def test_the_conversation_id_staff_see_does_not_resume_it(stack: Stack) -> None:
    """Staff, logs and Rasa see the conversation id; only the visitor's widget holds the secret
    that resumes it."""
    owner = Visitor(stack.bridge_url)
    conversation_id = await owner.connect()
    await owner.ask("hello")
    assert owner.session_id != conversation_id
    intruder = Visitor(stack.bridge_url)
    assert await intruder.connect(conversation_id) != conversation_id
    await intruder.sio.emit("history", {})
    assert (await intruder.seen.wait_for("history"))["messages"] == []
    await owner.close()
    await intruder.close()


async def test_resend_of_same_message_id_is_stored_and_answered_once(visitor: Visitor, redis) -> None:
    mark = await visitor.say("hi there", message_id="dup-1")
    await visitor.seen.wait_for("bot_uttered", start=mark)
    await visitor.say("hi there", message_id="dup-1", resend=True)
    acks = [a for a in visitor.seen.of("message_ack") if a["client_id"] == "dup-1"]
    await visitor.seen.wait_for("message_ack", lambda a: a["client_id"] == "dup-1", start=mark + 2)
    await settled(visitor, redis)
    rows = await redis.xrange(f"fd:msgs:{visitor.conversation_id}")
    assert [f["text"] for _, f in rows].count("hi there") == 1
    acks = [a for a in visitor.seen.of("message_ack") if a["client_id"] == "dup-1"]
    assert len(acks) == 2 and acks[0]["id"] == acks[1]["id"]
    assert len(visitor.seen.of("bot_uttered")) == 1


async def test_a_resend_never_stored_is_stored_and_answered(visitor: Visitor, redis) -> None:
    """A resend whose first send was lost on the way: the lookup finds nothing, it is stored."""
    mark = await visitor.say("hello", message_id="lost-1", resend=True)
    ack = await visitor.seen.wait_for("message_ack", lambda a: a["client_id"] == "lost-1", start=mark)
    await visitor.seen.wait_for("bot_uttered", start=mark)
    rows = await redis.xrange(f"fd:msgs:{visitor.conversation_id}")
    assert [(id, f["client_id"]) for id, f in rows if f.get("client_id")] == [(ack["id"], "lost-1")]


def test_healthz_reports_redis_rasa_and_storage(stack: Stack) -> None:
    body = json.load(urllib.request.urlopen(f"{stack.bridge_url}/healthz", timeout=10))
    assert body == {"redis": True, "rasa": True, "storage": True}


def test_demo_page_and_widget_are_served(stack: Stack) -> None:
    page = urllib.request.urlopen(f"{stack.bridge_url}/", timeout=10).read().decode()
    assert 'src="/widget.js"' in page
    widget = urllib.request.urlopen(f"{stack.bridge_url}/widget.js", timeout=10).read()
    assert b"session_request" in widget


async def test_a_burst_of_visitors_all_get_sessions(stack: Stack) -> None:
    """300 widgets opening at once (more than the Redis pool holds) all get a session."""
    import aiohttp

    async def open_one(http: aiohttp.ClientSession) -> str:
        ws = await http.ws_connect(f"{stack.bridge_url}/socket.io/?EIO=4&transport=websocket")
        await ws.receive()
        await ws.send_str("40")
        await ws.receive()
        await ws.send_str('42["session_request",{}]')
        confirm = await asyncio.wait_for(ws.receive(), 15)
        await ws.close()
        return json.loads(confirm.data[2:])[1]

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        sessions = await asyncio.gather(*(open_one(http) for _ in range(300)))
    assert len(set(sessions)) == 300


async def test_a_connections_events_are_handled_in_the_order_sent(stack: Stack) -> None:
    """`history` and a message sent right behind `session_request`, without waiting for it,
    find the session (they got `no_session` when handled concurrently)."""
    for _ in range(5):
        client = Visitor(stack.bridge_url)
        await client.sio.connect(stack.bridge_url, transports=["websocket"])
        await client.sio.emit("session_request", {})
        await client.sio.emit("history", {})
        await client.sio.emit("user_uttered", {"message": "hello", "message_id": "first"})
        await client.seen.wait_for("history")
        await client.seen.wait_for("message_ack")
        assert not client.seen.of("chat_error"), client.seen.of("chat_error")
        await client.close()
