"""Bad input gets a clear error to that client only; nothing is stored; the bridge stays up."""

from __future__ import annotations

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
