"""Nothing is kept forever: page views leave nothing lasting, conversations expire after the
retention time, and a visitor's data can be exported and erased on request."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys

import redis.asyncio as aioredis

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from stack import ROOT, Stack
from waiting import eventually


async def ttls(redis_url: str, pattern: str = "fd:*") -> dict[str, int]:
    client = aioredis.from_url(redis_url, decode_responses=True)
    found = {key: await client.ttl(key) async for key in client.scan_iter(match=pattern)}
    await client.aclose()
    # -2: the key was deleted between the listing and the question (a pending list emptied by
    # the bot's answer): gone is not kept. -1 (kept for ever) stays in, for the tests to catch.
    return {key: ttl for key, ttl in found.items() if ttl != -2}


async def test_page_views_leave_no_lasting_key_and_are_not_counted(isolated) -> None:
    url, redis_url = isolated(UNWRITTEN_TTL="3")
    visitors = [Visitor(url) for _ in range(40)]
    await asyncio.gather(*(v.connect() for v in visitors))  # 40 page views, nobody writes
    kept = await ttls(redis_url)
    assert kept, "a page view stores its conversation (briefly)"
    assert all(ttl > 0 for ttl in kept.values()), {k: t for k, t in kept.items() if t <= 0}
    conversations = {k: t for k, t in kept.items() if k.startswith(("fd:conv:", "fd:resume:"))}
    assert len(conversations) == 80 and all(t <= 3 for t in conversations.values())
    async def none_left() -> bool:
        return not [k for k in await ttls(redis_url) if not k.startswith(("fd:lease:", "fd:schema"))]

    await eventually(none_left, timeout=8, interval=0.25, what="page views leave no key behind")
    # A visitor whose page view expired can still write: the conversation starts again.
    reply = await visitors[0].ask("hello")
    assert reply["text"]
    client = aioredis.from_url(redis_url, decode_responses=True)
    stats = [await client.hgetall(key) async for key in client.scan_iter(match="fd:stats:*")]
    await client.aclose()
    assert sum(int(s.get("conversations", 0)) for s in stats) == 1  # only the one with words
    await asyncio.gather(*(v.close() for v in visitors))


async def test_conversations_expire_after_the_retention_time(isolated, stack: Stack) -> None:
    url, redis_url = isolated(RETENTION_DAYS="0.0001")  # 8.64 s
    visitor = Visitor(url)
    cid = await visitor.connect()
    resume = "fd:resume:" + hashlib.sha256(visitor.session_id.encode()).hexdigest()
    await visitor.ask("hello")
    kept = {k: t for k, t in (await ttls(redis_url)).items()
            if not k.startswith(("fd:lease:", "fd:turn:"))  # locks: seconds, then deleted
            and (cid in k or k == resume or k.startswith("fd:stats:"))}  # a bridge of an earlier
    # test on this database may still write while it stops: this conversation's keys only
    assert f"fd:conv:{cid}" in kept and f"fd:msgs:{cid}" in kept and resume in kept
    assert all(0 < ttl <= 9 for ttl in kept.values()), {k: t for k, t in kept.items() if not 0 < t <= 9}
    # Rasa's tracker expires with it (record_exp; the stack's Rasa keeps RETENTION_DAYS=90).
    tracker = await ttls(stack.redis_url, f"rasa:tracker:{cid}")
    assert tracker and all(0 < ttl <= 90 * 86400 for ttl in tracker.values()), tracker
    async def gone() -> bool:
        return not [k for k in await ttls(redis_url) if cid in k]

    await eventually(gone, timeout=20, interval=0.25, what="the conversation's keys expire")
    await visitor.close()


async def test_export_and_erase_a_visitor(stack: Stack, make_agent, redis) -> None:
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await visitor.ask("my booking LST-777 never arrived")
    await queue_visitor(visitor, "general")
    await visitor.sio.emit("leave_message", {"name": "Kim", "email": "Kim.Erase@example.org",
                                             "text": "Please email me the tickets."})
    left = await visitor.seen.wait_for("message_left")

    exported = json.loads(cli(stack, "data", "export", cid))
    assert exported["conversation"]["id"] == cid
    assert any("LST-777" in m["text"] for m in exported["messages"])
    assert [t["id"] for t in exported["tickets"]] == [left["ticket_id"]]

    assert await redis.exists(f"rasa:tracker:{cid}")
    cli(stack, "data", "erase", "--yes", "--email", "kim.erase@example.org")
    remaining = [key async for key in redis.scan_iter(match=f"*{cid}*")]
    assert remaining == [], remaining
    assert not await redis.exists(f"fd:ticket:{left['ticket_id']}")
    assert left["ticket_id"] not in await redis.zrange("fd:tickets", 0, -1)
    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    assert (await boss.call("open", {"conversation_id": cid}))["error"]["code"] == \
        "unknown_conversation"
    assert all(t["id"] != left["ticket_id"] for t in (await boss.must("tickets"))["tickets"])
    await visitor.close()
    await boss.close()


async def test_erasure_refuses_patterns_and_partial_ids_before_touching_anything(
    stack: Stack, make_agent, redis
) -> None:
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    name, _ = make_agent("general")
    lasting = ("fd:conv:*", "fd:msgs:*", "fd:resume:*", "fd:agent:*", "rasa:tracker:*")
    before = {key for pattern in lasting async for key in redis.scan_iter(match=pattern)}
    for given in ("*", cid[:3], cid.upper(), name, f"{cid}*", ""):
        result = run_cli(stack, "data", "erase", "--yes", "--conversation", given)
        assert result.returncode == 2, (given, result.stdout, result.stderr)
        assert "Nothing erased: not a conversation id" in result.stderr or not given, result.stderr
        assert "Traceback" not in result.stderr
    for flag, given in (("--email", "*"), ("--email", "kim at example.org"), ("--user", " ")):
        result = run_cli(stack, "data", "erase", "--yes", flag, given)
        assert result.returncode == 2 and "Nothing erased" in result.stderr, result.stderr
    assert await redis.exists(f"fd:conv:{cid}", f"fd:msgs:{cid}", f"fd:agent:{name}") == 3
    after = {key for pattern in lasting async for key in redis.scan_iter(match=pattern)}
    assert before <= after, before - after  # nothing deleted (a bridge may have written more)
    await visitor.close()


async def test_erasure_lists_exact_keys_asks_first_and_the_open_tab_starts_anew(
    stack: Stack, redis
) -> None:
    other = Visitor(stack.bridge_url)
    kept = await other.connect()
    await other.ask("hello")
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    old_secret = visitor.session_id
    await visitor.ask("my booking LST-778 never arrived")
    for answer in ("", "n\n"):  # no answer, or no: nothing is erased
        result = run_cli(stack, "data", "erase", "--conversation", cid, stdin=answer)
        assert result.returncode == 1, result.stderr
        listed = result.stdout.split()
        assert f"fd:conv:{cid}" in listed and f"fd:msgs:{cid}" in listed
        assert f"rasa:tracker:{cid}" in listed and not any(kept in k for k in listed)
        assert await redis.exists(f"fd:conv:{cid}")
    result = run_cli(stack, "data", "erase", "--conversation", cid, stdin="y\n")
    assert result.returncode == 0, result.stderr
    count = len([line for line in result.stdout.splitlines() if line.startswith("  ")])
    assert f"{count} key(s) of 1 conversation(s)." in result.stdout and count >= 4
    assert [key async for key in redis.scan_iter(match=f"*{cid}*")] == []
    assert await redis.exists(f"fd:conv:{kept}", f"fd:msgs:{kept}") == 2  # only that one

    # The tab still open writes again: a new conversation, under a new secret.
    mark = await visitor.say("hello again", message_id="after-erasure")
    secret = await visitor.seen.wait_for("session_confirm", start=mark)
    state = await visitor.seen.wait_for("session_state", start=mark)
    assert secret != old_secret and state["conversation_id"] != cid and not state["resumed"]
    await visitor.seen.wait_for("bot_uttered", start=mark)
    assert [key async for key in redis.scan_iter(match=f"*{cid}*")] == []
    stored = await redis.xrange(f"fd:msgs:{state['conversation_id']}")
    assert any(fields.get("text") == "hello again" for _, fields in stored)
    # The old secret opens nothing: it starts a conversation of its own.
    again = Visitor(stack.bridge_url)
    assert await again.connect(old_secret) not in (cid, state["conversation_id"])
    assert again.session_id != old_secret
    await asyncio.gather(visitor.close(), other.close(), again.close())


def run_cli(stack: Stack, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=stack.env,
                          capture_output=True, text=True, timeout=60, input=stdin)


def cli(stack: Stack, *args: str) -> str:
    result = run_cli(stack, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout
