"""Behaviour that needs its own bridge settings, each on its own Redis database."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Any

import pytest
import socketio

from clients import AgentClient, Visitor, login
from handoff_flow import leave_message, queue_visitor
from waiting import eventually


async def test_no_agent_online_leave_message_ticket_email(isolated, make_agent, smtp) -> None:
    smtp_port, inbox = smtp
    url, redis_url = isolated(SMTP_PORT=str(smtp_port), SMTP_FROM="box@lantern.example")
    boss = AgentClient(url)  # in the department's room and the supervisors' room: told once
    await boss.connect(*make_agent("general", role="supervisor", redis_url=redis_url))
    await boss.must("presence", {"status": "away"})
    visitor = Visitor(url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    await queue_visitor(visitor, "website_technical")
    offer = await visitor.seen.wait_for(
        "bot_uttered", lambda m: m.get("custom", {}).get("leave_message")
    )
    assert "Nobody from our team is online" in offer["text"]  # no department asked
    assert offer["quick_replies"][0]["payload"] == "/leave_message"

    # A bad email is refused; a good one becomes a ticket that refers to the conversation.
    await visitor.sio.emit("leave_message", {"name": "Kim", "email": "nope", "text": "hi"})
    assert (await visitor.seen.wait_for("chat_error"))["code"] == "invalid_email"
    await visitor.sio.emit("leave_message", {
        "name": "Kim", "email": "kim@example.org",
        "text": "My e-tickets never arrived for Friday.",
    })
    left = await visitor.seen.wait_for("message_left")
    await boss.seen.wait_for("ticket", lambda t: t["id"] == left["ticket_id"])
    # A later ticket reaches the supervisor after anything sent about this one: then count.
    later = await leave_message(url, "A later message.")
    await boss.seen.wait_for("ticket", lambda t: t["id"] == later)
    assert len([t for t in boss.seen.of("ticket") if t["id"] == left["ticket_id"]]) == 1
    assert len([h for h in boss.seen.of("handoff") if h["conversation"]["id"] == cid]) == 1
    await boss.close()
    ack = await visitor.seen.wait_for("bot_uttered", lambda m: "kim@example.org" in m["text"])
    assert ack["custom"]["ticket"] == left["ticket_id"]

    name, password = make_agent("general", display_name="Jo", redis_url=redis_url)
    agent = AgentClient(url)
    await agent.connect(name, password)
    tickets = (await agent.must("tickets"))["tickets"]
    ticket = next(t for t in tickets if t["id"] == left["ticket_id"])
    assert ticket["conversation_id"] == cid and ticket["email"] == "kim@example.org"
    lines = await agent.must("ticket_transcript", {"ticket_id": ticket["id"]})
    assert any(line["text"] == "hello" for line in lines["messages"]) and not lines["more"]
    answered = await agent.must("ticket_reply", {"ticket_id": ticket["id"],
                                                 "text": "Sorry! I've re-sent them just now."})
    assert answered["ticket"]["status"] == "answered"
    for _ in range(50):
        if inbox.messages:
            break
        await asyncio.sleep(0.1)
    recipients, email = inbox.messages[0]
    assert recipients == ["kim@example.org"]
    body = email.get_payload(decode=True).decode()
    assert "re-sent them" in body and "> My e-tickets never arrived" in body
    assert email["Date"] and email["Message-ID"].endswith("@lantern.example>")
    await visitor.close()
    await agent.close()


async def test_unreachable_mail_server_is_said_and_the_ticket_stays_open(isolated, make_agent) -> None:
    from stack import free_port

    url, redis_url = isolated(SMTP_PORT=str(free_port()))  # nothing listens there
    ticket_id = await leave_message(url, "Where are my tickets?")
    agent = AgentClient(url)
    await agent.connect(*make_agent("general", redis_url=redis_url))
    result = await agent.call("ticket_reply", {"ticket_id": ticket_id, "text": "Sent!"})
    assert result["error"]["code"] == "email_failed", result
    assert "mail server" in result["error"]["message"] and "unanswered" in result["error"]["message"]
    ticket = next(t for t in (await agent.must("tickets"))["tickets"] if t["id"] == ticket_id)
    assert ticket["status"] == "open" and ticket["replies"] == []
    await agent.close()


@pytest.mark.parametrize("fqdn, public_url, sender", [
    ("mail.lantern.example", "http://127.0.0.1:8000", "frontdesk@mail.lantern.example"),
    ("vps123.provider.example", "https://chat.lantern.example", "frontdesk@chat.lantern.example"),
    ("localhost", "https://chat.lantern.example/", "frontdesk@chat.lantern.example"),
    ("a1b2c3d4e5f6", "http://Chat.Lantern.Example:8000", "frontdesk@chat.lantern.example"),
    ("localhost.localdomain", "http://localhost:8000", "frontdesk@example.com"),
    ("box.local", "http://10.0.0.7:8000", "frontdesk@example.com"),
    ("a1b2c3d4e5f6", "http://[::1]:8000", "frontdesk@example.com"),
])
def test_smtp_from_defaults_to_an_address_mail_servers_take(fqdn: str, public_url: str,
                                                             sender: str) -> None:
    from bot.config import default_sender

    assert default_sender(public_url, fqdn) == f"Frontdesk <{sender}>"


def test_unset_smtp_from_is_warned_about_at_startup(tmp_path, monkeypatch, caplog) -> None:
    import logging
    import socket as sockets

    from bot.config import Settings
    from bot.console import AgentNamespace

    monkeypatch.setattr(sockets, "getfqdn", lambda *_: "a1b2c3d4e5f6")  # a container's name
    env = {"FRONTDESK_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}
    settings = Settings.from_env(env)
    assert settings.smtp_from == "Frontdesk <frontdesk@example.com>"
    assert not settings.smtp_from_set
    with caplog.at_level(logging.WARNING, logger="bot.console"):
        AgentNamespace(None, None, None, None, settings)  # type: ignore[arg-type]
    assert "SMTP_FROM is not set" in caplog.text and "frontdesk@example.com" in caplog.text
    chosen = Settings.from_env({**env, "SMTP_FROM": "Box office <box@lantern.example>"})
    assert chosen.smtp_from_set and chosen.smtp_from == "Box office <box@lantern.example>"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.console"):
        AgentNamespace(None, None, None, None, chosen)  # type: ignore[arg-type]
    assert "SMTP_FROM" not in caplog.text


async def test_outside_business_hours_visitor_is_told(isolated, make_agent) -> None:
    url, redis_url = isolated(BUSINESS_HOURS="Mon-Sun 00:00-00:01")
    agent = AgentClient(url)
    await agent.connect(*make_agent("general", redis_url=redis_url))
    visitor = Visitor(url)
    await visitor.connect()
    await queue_visitor(visitor, "general")
    offer = await visitor.seen.wait_for(
        "bot_uttered", lambda m: m.get("custom", {}).get("leave_message") == "closed_hours"
    )
    assert "outside our opening hours" in offer["text"]
    await visitor.close()
    await agent.close()


async def test_auto_assign_picks_least_busy_agent(isolated, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="true")
    busy, free = AgentClient(url), AgentClient(url)
    await busy.connect(*make_agent("general", capacity=2, redis_url=redis_url))
    await free.connect(*make_agent("general", capacity=2, redis_url=redis_url))
    boss = AgentClient(url)  # a supervisor who is away: watches, is not assigned
    await boss.connect(*make_agent("general", role="supervisor", redis_url=redis_url))
    await boss.must("presence", {"status": "away"})
    first = Visitor(url)
    first_id = await first.connect()
    await queue_visitor(first, "general")
    # Whoever got the first chat is busier; the second chat goes to the other agent.
    got_first = await asyncio.wait_for(_first_assigned(busy, free), 20)
    other = free if got_first is busy else busy
    second = Visitor(url)
    second_id = await second.connect()
    await queue_visitor(second, "general")
    assigned = await other.seen.wait_for("assigned", lambda e: e["conversation_id"] == second_id)
    assert assigned
    # Assigned at once: nobody gets a "new chat waiting" alert for the first chat (no phantom
    # alert). Such an alert goes to the whole department's room, `other` included, before the
    # second chat began: it would have reached `other` before this assignment.
    for client in (busy, free, boss):
        assert not [e for e in client.seen.of("handoff")
                    if e["conversation"]["id"] == first_id], client.seen.of("handoff")
    joined = await second.seen.wait_for("bot_uttered", lambda m: "joined the chat" in m["text"])
    assert joined["agent_name"]
    for closing in (busy, free, boss, first, second):
        await closing.close()


async def _first_assigned(a: AgentClient, b: AgentClient) -> AgentClient:
    while True:
        for client in (a, b):
            if client.seen.of("assigned"):
                return client
        await asyncio.sleep(0.05)


async def test_agent_auth_is_required_and_checked(isolated, make_agent) -> None:
    url, redis_url = isolated(AGENT_TOKEN_TTL="2", LOGIN_RATE="3")
    name, password = make_agent("general", redis_url=redis_url)

    for auth in (None, {"token": ""}, {"token": "forged.token.value"}):
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(url, namespaces=["/agent"], transports=["websocket"], auth=auth)

    status, body = await login(url, name, "wrong-password")
    assert status == 401 and body["error"]["code"] == "bad_credentials"
    status, body = await login(url, "nobody", "whatever")
    assert status == 401

    agent = AgentClient(url)
    await agent.connect(name, password)
    assert (await agent.call("hello"))["ok"]
    assert (await agent.call("no_such_event"))["error"]["code"] == "unknown_event"
    assert (await agent.call("claim", "not an object"))["error"]["code"] == "invalid_payload"
    assert (await agent.call("claim", {"conversation_id": 5}))["error"]["code"] == "missing_field"
    assert (await agent.call("reply", {"conversation_id": "z" * 32, "text": "x" * 2001}))[
        "error"]["code"] == "message_too_long"
    assert (await agent.call("canned_set", {"department": "general", "key": "hi",
                                            "text": "Hello!"}))["error"]["code"] == "forbidden"
    # the token and its session expire: the bridge closes the connection by itself, and the
    # token opens no other (whole seconds are signed: the token may outlive the session by one,
    # refused meanwhile for the session's sake)
    await eventually(lambda: not agent.sio.connected, timeout=15, what="the session ended")

    async def expired() -> bool:
        return await _refusal(url, agent.token) == "token_expired"

    await eventually(expired, timeout=15, interval=0.25, what="the token refused as expired")
    await agent.close()

    # Attempts are limited per name and address (3 in this bridge): then even the right
    # password is refused from this address.
    for _ in range(3):
        await login(url, name, "wrong-again")
    status, body = await login(url, name, password)
    assert status == 429 and body["error"]["code"] == "rate_limited"


async def _refusal(url: str, token: str) -> str:
    """The code an /agent connection with `token` is refused with ('' when it is let in)."""
    client = socketio.AsyncClient(reconnection=False)
    refusals: list[dict[str, Any]] = []
    client.on("connect_error", refusals.append, namespace="/agent")
    try:
        await client.connect(url, namespaces=["/agent"], transports=["websocket"],
                             auth={"token": token})
    except socketio.exceptions.ConnectionError:
        return refusals[0]["data"]["code"] if refusals else "no reason given"
    await client.disconnect()
    return ""


async def test_agents_see_only_their_department(isolated, make_agent) -> None:
    url, redis_url = isolated()
    visitor = Visitor(url)
    cid = await visitor.connect()
    await queue_visitor(visitor, "tickets_billing")
    outsider = AgentClient(url)
    await outsider.connect(*make_agent("website_technical", redis_url=redis_url))
    for event in ("open", "claim", "history", "note"):
        result = await outsider.call(event, {"conversation_id": cid, "text": "peek"})
        assert result["error"]["code"] == "not_yours", (event, result)
    boss = AgentClient(url)
    await boss.connect(*make_agent("general", role="supervisor", redis_url=redis_url))
    assert (await boss.must("open", {"conversation_id": cid}))["conversation"]["id"] == cid
    for event in ("queue", "canned"):  # another department's lists are closed too
        result = await outsider.call(event, {"department": "tickets_billing"})
        assert result["error"]["code"] == "not_yours", (event, result)
    # A supervisor's change of canned responses reaches the open console at once.
    mark = len(outsider.seen.events)
    await boss.must("canned_set", {"department": "website_technical", "key": "hi", "text": "Hi!"})
    pushed = await outsider.seen.wait_for("canned", start=mark)
    assert pushed == {"department": "website_technical", "canned": {"hi": "Hi!"}}
    assert (await outsider.must("canned", {}))["canned"] == {"hi": "Hi!"}
    for client in (visitor, outsider, boss):
        await client.close()


async def test_identity_verification(isolated) -> None:
    url, _ = isolated(IDENTITY_SECRET="site-secret")
    good = hmac.new(b"site-secret", b"user-42", hashlib.sha256).hexdigest()
    visitor = Visitor(url)
    await visitor.sio.connect(url, transports=["websocket"])
    await visitor.sio.emit("session_request", {"user_id": "user-42", "user_hash": "0" * 64})
    assert (await visitor.seen.wait_for("chat_error"))["code"] == "identity_invalid"
    await visitor.sio.emit("session_request", {"user_id": "user-42", "user_hash": good})
    session_id = await visitor.seen.wait_for("session_confirm")
    state = await visitor.seen.wait_for("session_state")
    # Someone else who learns even the resume secret cannot take over a verified user's chat.
    intruder = Visitor(url)
    assert await intruder.connect(session_id) != state["conversation_id"]
    await visitor.close()
    await intruder.close()


async def test_visitor_flood_is_rate_limited(isolated) -> None:
    url, _ = isolated(VISITOR_RATE="3", RASA_URL="http://127.0.0.1:9")
    visitor = Visitor(url)
    await visitor.connect()
    for i in range(5):
        await visitor.say(f"message {i}", message_id=f"flood-{i}")
    error = await visitor.seen.wait_for("chat_error")
    assert error["code"] == "rate_limited"
    await visitor.close()


async def test_long_wait_offers_a_message(isolated, make_agent) -> None:
    url, redis_url = isolated(MAX_QUEUE_WAIT="2")
    agent = AgentClient(url)  # online, but nobody picks the chat up
    await agent.connect(*make_agent("general", redis_url=redis_url))
    visitor = Visitor(url)
    await visitor.connect()
    await queue_visitor(visitor, "general")
    offer = await visitor.seen.wait_for(
        "bot_uttered", lambda m: m.get("custom", {}).get("leave_message") == "long_wait",
        timeout=15,
    )
    assert "taking longer than it should" in offer["text"]
    await visitor.close()
    await agent.close()


async def test_only_allowed_origins_may_connect(isolated) -> None:
    url, _ = isolated(ALLOWED_ORIGINS="https://theatre.example")
    stranger = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await stranger.connect(url, transports=["websocket"],
                               headers={"Origin": "https://evil.example"})
    friend = Visitor(url)
    await friend.sio.connect(url, transports=["websocket"],
                             headers={"Origin": "https://theatre.example"})
    await friend.sio.emit("session_request", {})
    assert await friend.seen.wait_for("session_confirm", timeout=10)
    await friend.close()


async def test_limits_hold_across_reconnects_and_per_address(isolated) -> None:
    """Reconnecting does not reset a conversation's message limit; an address may open only
    so many sessions a minute; `history` is limited too."""
    url, _ = isolated(VISITOR_RATE="3", VISITOR_ADDRESS_FACTOR="1", RASA_URL="http://127.0.0.1:9",
                      RASA_TIMEOUT="0.2")
    visitor = Visitor(url)
    await visitor.connect()
    for i in range(3):
        await visitor.say(f"message {i}", message_id=f"m-{i}")
    await visitor.seen.wait_for("message_ack", lambda a: a["client_id"] == "m-2")
    await visitor.close()
    again = Visitor(url)
    await again.connect(visitor.session_id)  # same conversation, new connection
    mark = await again.say("one more", message_id="m-3")
    assert (await again.seen.wait_for("chat_error", start=mark))["code"] == "rate_limited"

    for _ in range(121):
        await again.sio.emit("history", {})
    error = await again.seen.wait_for("chat_error", lambda e: e["event"] == "history")
    assert error["code"] == "rate_limited"
    await again.close()

    answers = []
    for _ in range(30):  # 2 sessions so far; 30 a minute from one address
        extra = Visitor(url)
        await extra.sio.connect(url, transports=["websocket"])
        await extra.sio.emit("session_request", {})
        for _ in range(100):
            names = [name for name, _ in extra.seen.events]
            if "session_confirm" in names or "chat_error" in names:
                break
            await asyncio.sleep(0.05)
        answers.append("refused" if "chat_error" in names else "confirmed")
        await extra.close()
    assert answers == ["confirmed"] * 28 + ["refused"] * 2
