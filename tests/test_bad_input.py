"""Bad input gets a clear error to that client only; nothing is stored; the bridge stays up."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest

from clients import Visitor
from stack import Stack

BAD = [
    ({"message": 42}, "message_not_string"),
    ({"message": ["hi"]}, "message_not_string"),
    ({"message": ""}, "message_empty"),
    ({"message": "   \n "}, "message_empty"),
    ({"message": "x" * 2001}, "message_too_long"),
    ({}, "missing_field"),
    ({"message": "hi", "session_id": "b" * 32}, "unknown_session"),
    ({"message": "hi", "message_id": {"$gt": ""}}, "invalid_message_id"),
    ({"message": "lone \ud800 surrogate"}, "invalid_text"),
    ({"message": "\udfff"}, "invalid_text"),
]


@pytest.mark.parametrize(("extra", "code"), BAD, ids=[c for _, c in BAD])
async def test_bad_message_is_refused_and_not_stored(
    stack: Stack, redis, extra: dict, code: str
) -> None:
    client = Visitor(stack.bridge_url)
    bystander = Visitor(stack.bridge_url)
    await client.connect()
    await bystander.connect()
    before = await redis.xlen(f"fd:msgs:{client.conversation_id}")
    payload = {"session_id": client.session_id, **extra}
    await client.sio.emit("user_uttered", payload)
    error = await client.seen.wait_for("chat_error", timeout=10)
    assert error["code"] == code and error["event"] == "user_uttered" and error["message"]
    assert await redis.xlen(f"fd:msgs:{client.conversation_id}") == before
    assert not bystander.seen.of("chat_error")
    # The same connection still works afterwards.
    reply = await client.ask("hello")
    assert reply["text"]
    await client.close()
    await bystander.close()


@pytest.mark.parametrize("payload", ["just a string", 7, None, [1, 2]])
async def test_non_object_payload_is_refused(visitor: Visitor, payload) -> None:
    await visitor.sio.emit("user_uttered", payload)
    error = await visitor.seen.wait_for("chat_error", timeout=10)
    assert error["code"] == "invalid_payload"


async def test_message_before_session_request_is_refused(stack: Stack) -> None:
    client = Visitor(stack.bridge_url)
    await client.sio.connect(stack.bridge_url, transports=["websocket"])
    await client.sio.emit("user_uttered", {"message": "hi"})
    error = await client.seen.wait_for("chat_error", timeout=10)
    assert error["code"] == "no_session"
    await client.close()


async def test_history_with_malformed_id_is_refused(visitor: Visitor) -> None:
    await visitor.sio.emit("history", {"after": "not-an-id"})
    error = await visitor.seen.wait_for("chat_error", timeout=10)
    assert error["code"] == "invalid_message_id"


def test_bridge_is_healthy_after_bad_input(stack: Stack) -> None:
    body = json.load(urllib.request.urlopen(f"{stack.bridge_url}/healthz", timeout=10))
    assert body["redis"] and body["rasa"]


async def test_invalid_unicode_anywhere_is_refused_or_dropped(stack: Stack, make_agent) -> None:
    """A lone UTF-16 surrogate cannot be stored or sent on: refused where it is the text, dropped
    where it is a detail (time zone, page, metadata); nothing crashes, nothing loops."""
    from clients import AgentClient

    visitor = Visitor(stack.bridge_url)
    await visitor.sio.connect(stack.bridge_url, transports=["websocket"])
    await visitor.sio.emit("session_request", {"timezone": "Europe/\ud800", "language": "\udc00",
                                               "page_url": "https://x.example/\ud800"})
    visitor.session_id = await visitor.seen.wait_for("session_confirm", timeout=10)
    state = await visitor.seen.wait_for("session_state", timeout=10)
    reply = await visitor.ask("hello", timeout=30)
    assert reply["text"]
    mark = await visitor.say("hi again", metadata={"tag": "\ud800", "ok": "yes"})
    await visitor.seen.wait_for("bot_uttered", start=mark)
    mark = len(visitor.seen.events)
    await visitor.sio.emit("leave_message", {"name": "K\ud800m", "email": "kim@example.org",
                                             "text": "bad \ud800 text"})
    assert (await visitor.seen.wait_for("chat_error", start=mark))["code"] == "invalid_text"

    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    conversation_id = state["conversation_id"]
    for event, data in (("reply", {"text": "x\ud800"}), ("note", {"text": "\ud800"})):
        result = await boss.call(event, {"conversation_id": conversation_id, **data})
        assert result["error"]["code"] in ("invalid_text", "not_assigned"), (event, result)
    result = await boss.call("note", {"conversation_id": conversation_id, "text": "\ud800"})
    assert result["error"]["code"] == "invalid_text"
    opened = await boss.must("open", {"conversation_id": conversation_id})
    assert "\\ud800" not in json.dumps(opened) and "\ud800" not in json.dumps(opened, ensure_ascii=False)
    await visitor.close()
    await boss.close()


@pytest.mark.parametrize("name", ["connect", "disconnect"])
async def test_reserved_event_names_from_a_client_are_refused(stack: Stack, name: str) -> None:
    from clients import AgentClient  # noqa: F401

    visitor = Visitor(stack.bridge_url)
    await visitor.connect()
    mark = len(visitor.seen.events)
    await visitor.sio.emit(name, {"REQUEST_METHOD": "GET", "token": "x"})
    error = await visitor.seen.wait_for("chat_error", start=mark, timeout=10)
    assert error["code"] == "reserved_event"
    assert (await visitor.ask("hello"))["text"]  # the connection is as it was
    await visitor.close()


async def test_binary_attachments_close_the_connection(stack: Stack, redis) -> None:
    """Nothing binary is buffered: the connection is closed, others carry on."""
    visitor, bystander = Visitor(stack.bridge_url), Visitor(stack.bridge_url)
    await visitor.connect()
    await bystander.connect()
    before = await redis.xlen(f"fd:msgs:{visitor.conversation_id}")
    await visitor.sio.emit("user_uttered", {"message": "hi", "blob": b"\0" * 50_000})
    for _ in range(50):
        if not visitor.sio.connected:
            break
        await asyncio.sleep(0.1)
    assert not visitor.sio.connected
    assert await redis.xlen(f"fd:msgs:{visitor.conversation_id}") == before
    assert (await bystander.ask("hello"))["text"]
    await bystander.close()


HUGE = "1" + "0" * 4000  # 10^4000
DEEP = "[" * 5000 + "]" * 5000
UNREADABLE = {
    "huge_message": f'["user_uttered",{{"message":{HUGE}}}]',
    "huge_metadata": f'["user_uttered",{{"message":"hi","metadata":{{"n":{HUGE}}}}}]',
    "deep": f'["user_uttered",{{"message":"hi","x":{DEEP}}}]',
    "deep_history": f'["history",{DEEP}]',
}


def tracebacks(stack: Stack) -> int:
    """Tracebacks in the log of the session's bridge."""
    bridge = next(p for p in stack.processes if p.name == "bridge")
    return bridge.log.read_text(errors="replace").count("Traceback")


@pytest.mark.parametrize("packet", list(UNREADABLE.values()), ids=list(UNREADABLE))
async def test_events_json_cannot_hold_are_answered_invalid_payload(stack: Stack, redis,
                                                                    packet: str) -> None:
    """A 10^4000 integer or a 5,000-deep list (sent raw: no client library would encode them)
    is answered `chat_error` invalid_payload for that event; nothing stored, nothing logged
    with a traceback, the connection goes on."""
    client = Visitor(stack.bridge_url)
    await client.connect()
    before, logged = await redis.xlen(f"fd:msgs:{client.conversation_id}"), tracebacks(stack)
    mark = len(client.seen.events)
    await client.sio.eio.send("2" + packet)  # a Socket.IO EVENT packet, as it goes on the wire
    error = await client.seen.wait_for("chat_error", start=mark, timeout=10)
    assert error["code"] == "invalid_payload" and error["event"] == packet[2:16].split('"')[0]
    assert await redis.xlen(f"fd:msgs:{client.conversation_id}") == before
    assert (await client.ask("hello"))["text"]
    assert tracebacks(stack) == logged
    await client.close()


async def test_many_unreadable_packets_log_no_tracebacks(stack: Stack) -> None:
    """256 of them on one connection: each answered (or rate limited), no traceback logged."""
    client = Visitor(stack.bridge_url)
    await client.connect()
    logged, mark = tracebacks(stack), len(client.seen.events)
    for i in range(256):
        await client.sio.eio.send("2" + list(UNREADABLE.values())[i % 4])
    await client.seen.wait_for("chat_error", start=mark, timeout=30)
    deadline = asyncio.get_running_loop().time() + 60
    while len(client.seen.of("chat_error")) < 256 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    codes = {e["code"] for e in client.seen.of("chat_error")}
    assert len(client.seen.of("chat_error")) == 256 and codes <= {"invalid_payload", "rate_limited"}
    assert tracebacks(stack) == logged
    await client.close()


@pytest.mark.parametrize("frame", ["[" * 5000, '{"a": 1}', "zzz", '2{"not": "a list"}'])
async def test_frames_that_are_not_socketio_close_only_that_connection(stack: Stack,
                                                                       frame: str) -> None:
    """Not a Socket.IO packet at all: that connection is closed (one log line, no traceback);
    an event whose data is not a list is refused like any unreadable one."""
    client, bystander = Visitor(stack.bridge_url), Visitor(stack.bridge_url)
    await client.connect()
    await bystander.connect()
    logged, mark = tracebacks(stack), len(client.seen.events)
    await client.sio.eio.send(frame)
    if frame.startswith("2"):
        assert (await client.seen.wait_for("chat_error", start=mark))["code"] == "invalid_payload"
    else:
        for _ in range(100):
            if not client.sio.connected:
                break
            await asyncio.sleep(0.1)
        assert not client.sio.connected
    assert (await bystander.ask("hello"))["text"]
    assert tracebacks(stack) == logged
    await bystander.close()
    await client.close()


async def test_agent_events_json_cannot_hold_are_answered(stack: Stack, make_agent) -> None:
    """On the agent side the acknowledgement answers: `{ok: false, error: invalid_payload}`."""
    from clients import AgentClient

    agent = AgentClient(stack.bridge_url)
    await agent.connect(*make_agent("general"))
    logged = tracebacks(stack)
    for packet in (f'["reply",{{"conversation_id":"x","text":{HUGE}}}]', f'["queue",{DEEP}]'):
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        ack = agent.sio._generate_ack_id("/agent", answer.set_result)  # as `call` does
        await agent.sio.eio.send(f"2/agent,{ack}{packet}")
        result = await asyncio.wait_for(answer, 10)
        assert result == {"ok": False, "error": {"code": "invalid_payload", "message": ANY_TEXT}}
    assert (await agent.must("hello"))["agent"]
    assert tracebacks(stack) == logged
    await agent.close()


class _AnyText:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)


ANY_TEXT = _AnyText()


async def test_a_file_name_of_10000_characters_is_invalid_payload(visitor: Visitor, redis) -> None:
    """aiohttp refuses a form part's header line over 8190 bytes: said as invalid_payload (400),
    not internal_error; nothing stored."""
    import aiohttp

    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a1e2b9e500"
                        "00000049454e44ae426082")
    before = await redis.xlen(f"fd:msgs:{visitor.conversation_id}")
    form = aiohttp.FormData()
    form.add_field("file", png, filename="a" * 10_000 + ".png", content_type="image/png")
    async with aiohttp.ClientSession() as http, http.post(f"{visitor.url}/api/attachments", data=form,
                         headers={"Authorization": f"Bearer {visitor.session_id}"}) as response:
        body = await response.json()
    assert response.status == 400 and body["error"]["code"] == "invalid_payload", body
    assert await redis.xlen(f"fd:msgs:{visitor.conversation_id}") == before
