"""Visitors' ratings after a person's chat closes, on the real stack: one per conversation (the
first stays), only the offered values, counted in Insights under the department and the agent who
had the chat, and each agent sees their own departments' ratings only."""

from __future__ import annotations

from typing import Any

import aiohttp

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor, settled
from stack import Stack


async def insights(stack: Stack, token: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(
            f"{stack.bridge_url}/api/insights?days=7",
            headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200
        body = await response.json()
    return body["satisfaction"]


def row(rows: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    return next((r for r in rows if r["key"] == key), None)


async def served_and_closed(stack: Stack, agent: AgentClient, department: str) -> Visitor:
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    assert await queue_visitor(visitor, department) == department
    await agent.must("claim", {"conversation_id": cid})
    await agent.must("close", {"conversation_id": cid})
    await visitor.seen.wait_for("bot_uttered", lambda m: m.get("custom", {}).get("closed"))
    return visitor


async def test_one_rating_per_conversation_counted_by_agent_and_department(
        stack: Stack, make_agent, redis) -> None:
    alex_name, alex_pw = make_agent("tickets_billing", display_name="Alex")
    wes_name, wes_pw = make_agent("website_technical", display_name="Wes")
    alex, wes, boss = (AgentClient(stack.bridge_url) for _ in range(3))
    await alex.connect(alex_name, alex_pw)
    await wes.connect(wes_name, wes_pw)
    await boss.connect(*make_agent("general", role="supervisor"))
    before = await insights(stack, boss.token)

    first = await served_and_closed(stack, alex, "tickets_billing")
    cid = first.conversation_id
    mark = await first.say("/rate good")
    await first.seen.wait_for("bot_uttered", lambda m: "feedback" in m["text"], start=mark)
    thanks = len([e for e in first.seen.of("bot_uttered") if "feedback" in e["text"]])
    for again in ("/rate poor", "/rate excellent"):  # a second rating, a value never offered
        await first.say(again)
    await settled(first, redis)
    assert await redis.hget(f"fd:conv:{cid}", "rating") == "good"
    assert len([e for e in first.seen.of("bot_uttered") if "feedback" in e["text"]]) == thanks
    assert await redis.ttl(f"fd:rated:{cid}") > 0

    second = await served_and_closed(stack, wes, "website_technical")
    mark = await second.say("/rate poor")
    await second.seen.wait_for("bot_uttered", lambda m: "feedback" in m["text"], start=mark)

    mine = await insights(stack, alex.token)
    assert row(mine["agents"], alex_name) == {"key": alex_name, "count": 1, "average": 3.0,
                                              "good": 1, "ok": 0, "poor": 0}
    assert row(mine["agents"], wes_name) is None  # another department's
    assert {r["key"] for r in mine["departments"]} <= {"tickets_billing"}
    theirs = await insights(stack, wes.token)
    assert row(theirs["agents"], wes_name) == {"key": wes_name, "count": 1, "average": 1.0,
                                               "good": 0, "ok": 0, "poor": 1}
    assert row(theirs["agents"], alex_name) is None
    assert {r["key"] for r in theirs["departments"]} <= {"website_technical"}

    everything = await insights(stack, boss.token)
    assert row(everything["agents"], alex_name) and row(everything["agents"], wes_name)
    count = {r["key"]: r["count"] for r in everything["departments"]}
    was = {r["key"]: r["count"] for r in before["departments"]}
    assert count["tickets_billing"] == was.get("tickets_billing", 0) + 1
    assert count["website_technical"] == was.get("website_technical", 0) + 1
    assert sum(r["count"] for r in everything["weeks"]) == sum(r["count"] for r in before["weeks"]) + 2
    for client in (first, second, alex, wes, boss):
        await client.close()
