"""The visitor's history and the agents' search (bot/history.py, bot/console/history.py): a
returning visitor's earlier conversations and tickets, by verified user id and by email, newest
first and paged; their previous agent preferred when free; search by word and address; every
index key with a TTL, gone with erasure; and nothing from a department the agent may not see."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import subprocess
import sys
from typing import Any

import redis.asyncio as aioredis

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from stack import ROOT, Stack
from waiting import eventually

SECRET = "history-secret"


async def verified(url: str, user_id: str) -> Visitor:
    """A logged-in website user's widget on a new device: a new conversation."""
    visitor = Visitor(url)
    await visitor.sio.connect(url, transports=["websocket"])
    proof = hmac.new(SECRET.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    await visitor.sio.emit("session_request", {"user_id": user_id, "user_hash": proof})
    visitor.session_id = await visitor.seen.wait_for("session_confirm")
    visitor.conversation_id = (await visitor.seen.wait_for("session_state"))["conversation_id"]
    return visitor


async def agent(url: str, make_agent: Any, redis_url: str, department: str, role: str = "agent",
                display_name: str = "") -> tuple[AgentClient, str]:
    client = AgentClient(url)
    name, password = make_agent(department, role=role, redis_url=redis_url,
                                display_name=display_name)
    await client.connect(name, password)
    await client.must("hello")
    return client, name


async def served_by(visitor: Visitor, department: str) -> str:
    """Hand the visitor over and wait until an agent joined; returns the agent's name shown."""
    mark = len(visitor.seen.events)
    await queue_visitor(visitor, department)
    joined = await visitor.seen.wait_for(
        "bot_uttered", lambda m: "agent_joined" in m.get("custom", {}), start=mark, timeout=30)
    return str(joined["custom"]["agent_joined"])


async def owner(client: AgentClient, cid: str) -> dict[str, Any]:
    return (await client.must("open", {"conversation_id": cid}))["conversation"]


def erase(redis_url: str, stack: Stack, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "data", "erase", "--yes", *args],
                            cwd=ROOT, env={**stack.env, "REDIS_URL": redis_url},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


async def test_history_by_user_id_previous_agent_search_and_erasure(isolated, make_agent,
                                                                    stack: Stack) -> None:
    url, redis_url = isolated(IDENTITY_SECRET=SECRET, AUTO_ASSIGN="true",
                              RETENTION_DAYS="30")
    zed, zed_name = await agent(url, make_agent, redis_url, "general", display_name="zed")
    first = await verified(url, "user-7")
    await first.ask("my zebracrossing umbrella question")
    await served_by(first, "general")
    chat = await owner(zed, first.conversation_id)
    assert chat["agent"] == zed_name
    await zed.must("reply", {"conversation_id": first.conversation_id, "text": "Hello from Zed"})
    await zed.must("close", {"conversation_id": first.conversation_id})

    # Another free agent, whom the least-busy rule would pick first ("amy" < "zed"): the
    # returning visitor's previous agent is preferred.
    amy, _ = await agent(url, make_agent, redis_url, chat["department"],
                                display_name="amy")
    second = await verified(url, "user-7")  # another device: another conversation
    assert second.conversation_id != first.conversation_id
    await second.ask("hello again")
    await served_by(second, chat["department"])
    assert (await owner(zed, second.conversation_id))["agent"] == zed_name

    # Zed sees the visitor's earlier conversation, and opens it read only.
    listed = await zed.must("visitor_history", {"conversation_id": second.conversation_id})
    assert [e["id"] for e in listed["entries"]] == [first.conversation_id], listed
    entry = listed["entries"][0]
    assert entry["kind"] == "conversation" and entry["last_agent"] == zed_name
    assert entry["last_agent_name"] == "zed"  # the display name the console shows
    assert "zebracrossing" in entry["first_line"]
    past = await zed.must("past_transcript", {"conversation_id": first.conversation_id})
    assert any(m["text"] == "Hello from Zed" for m in past["messages"])

    # Search: by a word of the conversation, within a time window, in the department.
    found = await zed.must("search", {"text": "Zebracrossing umbrella"})
    assert first.conversation_id in [e["id"] for e in found["entries"]], found
    none = await zed.must("search", {"text": "zebracrossing", "until": 1000.0})
    assert none["entries"] == []
    assert (await zed.must("search", {"text": "nosuchwordanywhere"}))["entries"] == []

    # Every index key has a TTL within the retention time.
    client = aioredis.from_url(redis_url, decode_responses=True)
    indexes = [k async for k in client.scan_iter(match="fd:visits*")]
    indexes += [k async for k in client.scan_iter(match="fd:words*")]
    assert any(k.startswith("fd:visits:") for k in indexes)
    assert any(k.startswith("fd:words:") for k in indexes)
    ttls = {k: await client.ttl(k) for k in indexes}
    assert all(0 < t <= 30 * 86400 for t in ttls.values()), ttls

    # Erasure of the earlier conversation removes it from every index.
    erase(redis_url, stack, "--conversation", first.conversation_id)
    for key in [k async for k in client.scan_iter(match="fd:*")]:
        if key.startswith(("fd:visits", "fd:words")):
            assert first.conversation_id not in key
            if await client.type(key) == "zset":
                assert f"c:{first.conversation_id}" not in await client.zrange(key, 0, -1), key
    listed = await zed.must("visitor_history", {"conversation_id": second.conversation_id})
    assert listed["entries"] == []
    assert (await zed.must("search", {"text": "zebracrossing"}))["entries"] == []
    await client.aclose()
    for each in (first, second, zed, amy):
        await each.close()


async def test_history_by_email_is_paged_newest_first(isolated, make_agent) -> None:
    url, redis_url = isolated()
    boss, _ = await agent(url, make_agent, redis_url, "general", role="supervisor")
    tickets = []
    for n in range(6):  # six visits from six devices, each leaving a message with one address
        visitor = Visitor(url)
        await visitor.connect()
        await visitor.ask(f"visit number {n}")
        await visitor.sio.emit("leave_message", {"name": "Kim", "email": "Kim.Page@example.org",
                                                 "text": f"message number {n} quokka"})
        tickets.append((await visitor.seen.wait_for("message_left"))["ticket_id"])
        last = visitor.conversation_id
        await visitor.close()
    listed = await boss.must("visitor_history", {"conversation_id": last})
    assert listed["more"] and len(listed["entries"]) == 10
    rest = await boss.must("visitor_history", {"conversation_id": last, "offset": 10})
    assert not rest["more"]
    entries = listed["entries"] + rest["entries"]
    # The other five visits, each a conversation and a ticket; the last one's own ticket too.
    assert len(entries) == 11
    assert [e["id"] for e in entries if e["kind"] == "ticket"] == tickets[::-1]
    times = [e["at"] for e in entries]
    assert times == sorted(times, reverse=True)
    found = await boss.must("search", {"text": "kim.page@example.org"})
    assert [e["id"] for e in found["entries"]] == tickets[::-1], found
    await boss.close()


async def test_history_and_search_hold_department_isolation(isolated, make_agent) -> None:
    url, redis_url = isolated(IDENTITY_SECRET=SECRET, AUTO_ASSIGN="true")
    general, _ = await agent(url, make_agent, redis_url, "general")
    billing, _ = await agent(url, make_agent, redis_url, "tickets_billing")
    boss, _ = await agent(url, make_agent, redis_url, "general", role="supervisor")
    boss_presence = await boss.must("presence", {"status": "away"})
    assert boss_presence["presence"] == "away"
    first = await verified(url, "user-9")
    await first.ask("where is the wombatgate entrance")
    await served_by(first, "general")
    await general.must("close", {"conversation_id": first.conversation_id})
    second = await verified(url, "user-9")
    await second.ask("my refund for the tickets")
    await served_by(second, "tickets_billing")
    seen = await billing.must("open", {"conversation_id": second.conversation_id})
    assert seen["conversation"]["department"] == "tickets_billing"
    # The billing agent sees this chat, but not the visitor's general one, nor finds it.
    assert (await billing.must("visitor_history",
                               {"conversation_id": second.conversation_id}))["entries"] == []
    assert (await billing.must("search", {"text": "wombatgate"}))["entries"] == []
    refused = await billing.call("search", {"text": "wombatgate", "department": "general"})
    assert refused["error"]["code"] == "not_yours"
    refused = await billing.call("past_transcript", {"conversation_id": first.conversation_id})
    assert refused["error"]["code"] == "not_yours"
    # The supervisor sees both; the general agent finds theirs.
    listed = await boss.must("visitor_history", {"conversation_id": second.conversation_id})
    assert [e["id"] for e in listed["entries"]] == [first.conversation_id]
    found = await general.must("search", {"text": "wombatgate"})
    assert [e["id"] for e in found["entries"]] == [first.conversation_id]
    for each in (first, second, general, billing, boss):
        await each.close()


async def test_searches_are_rated_per_agent(isolated, make_agent) -> None:
    url, redis_url = isolated(SEARCH_RATE="3")
    client, _ = await agent(url, make_agent, redis_url, "general")
    for _ in range(3):
        await client.must("search", {"text": "anything"})
    refused = await client.call("search", {"text": "anything"})
    assert refused["error"]["code"] == "rate_limited"
    other, _ = await agent(url, make_agent, redis_url, "general")
    await other.must("search", {"text": "anything"})
    await asyncio.gather(client.close(), other.close())


async def test_a_transcript_address_links_visits_and_is_erased_with_them(isolated, make_agent,
                                                                         smtp, stack: Stack) -> None:
    smtp_port, inbox = smtp
    url, redis_url = isolated(SMTP_PORT=str(smtp_port), SMTP_FROM="box@lantern.example")
    first = Visitor(url)
    await first.connect()
    await first.ask("what are your opening hours?")
    await first.sio.emit("email_transcript", {"email": "Lee@example.org"})
    await first.seen.wait_for("transcript_sent")
    second = Visitor(url)  # another device, the same address given in a left message
    await second.connect()
    await second.ask("hello")
    await second.sio.emit("leave_message", {"name": "Lee", "email": "lee@example.org",
                                            "text": "Please call me back"})
    await second.seen.wait_for("message_left")
    boss, _ = await agent(url, make_agent, redis_url, "general", role="supervisor")

    async def listed() -> list[str]:
        answer = await boss.must("visitor_history", {"conversation_id": second.conversation_id})
        return [e["id"] for e in answer["entries"] if e["kind"] == "conversation"]

    assert await eventually(listed, timeout=20, what="the transcript's visit listed") == \
        [first.conversation_id]
    assert len(inbox.messages) == 1
    # Erasing by the address takes the conversation whose transcript went there too.
    erase(redis_url, stack, "--email", "lee@example.org")
    client = aioredis.from_url(redis_url, decode_responses=True)
    for cid in (first.conversation_id, second.conversation_id):
        assert not await client.exists(f"fd:conv:{cid}")
    assert [k async for k in client.scan_iter(match="fd:visits*")] == []
    assert [k async for k in client.scan_iter(match="fd:words*")] == []
    await client.aclose()
    for each in (first, second, boss):
        await each.close()
