"""Human handoff end to end: real Redis, real Rasa, real Socket.IO visitors and agents."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable
from typing import Any

import pytest
import redis.asyncio as aioredis

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor, texts
from stack import Stack
from waiting import eventually


async def test_full_story(stack: Stack, make_agent, redis, faq_answers) -> None:
    alex_name, alex_pw = make_agent("tickets_billing", display_name="Alex")
    sam_name, sam_pw = make_agent("tickets_billing", display_name="Sam")
    alex, sam = AgentClient(stack.bridge_url), AgentClient(stack.bridge_url)
    await alex.connect(alex_name, alex_pw)
    await sam.connect(sam_name, sam_pw)
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()

    # The bot answers a FAQ, then the visitor asks for a person.
    answer = await visitor.ask("how much are tickets?")
    assert answer["text"] in faq_answers["pricing"]
    mark = await visitor.say("I want to talk to a person please", message_id="ask-person")
    told = await visitor.seen.wait_for("bot_uttered", lambda m: "handoff" in m.get("custom", {}),
                                       start=mark)
    assert told["custom"]["handoff"]["reason"] == "requested"
    if not told["custom"]["handoff"]["department"]:
        await visitor.seen.wait_for("bot_uttered", lambda m: "quick_replies" in m, start=mark)
        await visitor.say("/department tickets_billing")
    position = await visitor.seen.wait_for("queue_position", start=mark)
    assert position["position"] >= 1 and position["eta_seconds"] > 0

    # Alex is told, with context, and claims it.
    note = await alex.seen.wait_for("handoff", lambda e: e["conversation"]["id"] == cid)
    assert note["conversation"]["handoff"]["reason"] == "requested"
    picked = await alex.must("claim", {"conversation_id": cid})
    convo, transcript = picked["conversation"], picked["messages"]
    assert convo["handoff"]["reason"] == "requested"
    assert convo["handoff"]["intent_ranking"] and convo["department"] == "tickets_billing"
    assert convo["waited_seconds"] >= 0 and "page_url" in convo
    said = [(m["sender"], m["text"]) for m in transcript]
    assert ("visitor", "how much are tickets?") in said
    assert ("bot", answer["text"]) in said
    assert await redis.hget(f"fd:conv:{cid}", "owner") == "agent"

    # The visitor is told who joined, and the agent's replies carry the name.
    joined = await visitor.seen.wait_for("bot_uttered", lambda m: "joined" in m["text"])
    assert joined["text"] == "Alex joined the chat."
    mark = len(visitor.seen.events)
    await alex.must("reply", {"conversation_id": cid, "text": "Hi, Alex here. How can I help?"})
    reply = await visitor.seen.wait_for("bot_uttered", lambda m: m["sender"] == "agent",
                                        start=mark)
    assert reply["agent_name"] == "Alex" and reply["text"] == "Hi, Alex here. How can I help?"

    # While Alex owns it, the visitor's words reach Alex and never the bot.
    mark = await visitor.say("what are your opening hours?", message_id="to-alex")
    got = await alex.seen.wait_for("message", lambda e: e["message"]["text"] ==
                                   "what are your opening hours?")
    assert got["conversation_id"] == cid and got["message"]["sender"] == "visitor"
    to_alex = mark  # the bot never answers it: checked once the bot has answered a later message

    # Typing both ways.
    await alex.must("typing", {"conversation_id": cid, "on": True})
    typing = await visitor.seen.wait_for("agent_typing")
    assert typing == {"on": True, "agent_name": "Alex"}
    await visitor.sio.emit("typing", {"on": True})
    assert (await alex.seen.wait_for("visitor_typing"))["conversation_id"] == cid

    # Internal note: agents only.
    await alex.must("note", {"conversation_id": cid, "text": "VIP subscriber"})

    # Transfer to Sam with a note: Sam gets everything.
    await alex.must("transfer", {"conversation_id": cid, "to_agent": sam_name,
                                 "note": "Wants to change seats"})
    assigned = await sam.seen.wait_for("assigned", lambda e: e["conversation_id"] == cid)
    assert assigned
    opened = await sam.must("open", {"conversation_id": cid})
    notes = [m for m in opened["messages"] if m["sender"] == "note"]
    assert [n["text"] for n in notes] == ["VIP subscriber", "Wants to change seats"]
    assert any(m["text"] == "how much are tickets?" for m in opened["messages"])
    assert (await alex.seen.wait_for("released"))["conversation_id"] == cid
    assert (await alex.call("reply", {"conversation_id": cid, "text": "still me?"}))["error"][
        "code"] == "not_yours"
    await visitor.seen.wait_for("bot_uttered", lambda m: "transferring you to Sam" in m["text"])
    assert not [t for t in texts(visitor) if "VIP" in t or "change seats" in t]

    # Hand back: the bot answers again.
    await sam.must("hand_back", {"conversation_id": cid})
    await visitor.seen.wait_for("bot_uttered", lambda m: m.get("custom", {}).get("handed_back"))
    answer = await visitor.ask("where is the theatre?")
    assert answer["text"] in faq_answers["location"]
    # The bot answers a conversation's messages oldest first: had the one Alex owned been given
    # to the bot, its answer would have come before this one.
    assert not [t for t in texts(visitor, to_alex) if t in faq_answers["opening_hours"]]

    # A ticket question, then a person again: the bot's department guess routes it to Sam's
    # queue. Sam claims, closes; the visitor rates in one click.
    answer = await visitor.ask("can I get a refund for my tickets?")
    assert answer["text"] in faq_answers["refunds"]
    assert await queue_visitor(visitor, "general") == "tickets_billing"
    await sam.must("claim", {"conversation_id": cid})
    await sam.must("close", {"conversation_id": cid})
    closing = await visitor.seen.wait_for("bot_uttered", lambda m: m.get("custom", {}).get("closed"))
    payloads = [q["payload"] for q in closing["quick_replies"]]
    assert "/rate good" in payloads
    mark = await visitor.say("/rate good")
    await visitor.seen.wait_for("bot_uttered", lambda m: "feedback" in m["text"], start=mark)
    assert await redis.hget(f"fd:conv:{cid}", "rating") == "good"
    assert await redis.hget(f"fd:conv:{cid}", "owner") == "closed"

    # The visitor's own history never shows notes.
    await visitor.sio.emit("history", {})
    history = await visitor.seen.wait_for("history")
    assert not [m for m in history["messages"] if m["sender"] == "note"]
    for client in (visitor, alex, sam):
        await client.close()


async def test_claim_races_have_exactly_one_winner(stack: Stack, make_agent) -> None:
    from bot.handoff import HandoffRequest  # set-up through the store, races through Socket.IO
    from bot.models import Conversation, Owner
    from bot.store import Expect
    from bot.store.redis import RedisStore

    store = RedisStore(stack.redis_url)
    one = AgentClient(stack.bridge_url)
    two = AgentClient(stack.bridge_url)
    await one.connect(*make_agent("general", capacity=1000))
    await two.connect(*make_agent("general", capacity=1000))

    async def race(cid: str) -> list[bool]:
        results = await asyncio.gather(
            one.call("claim", {"conversation_id": cid}), two.call("claim", {"conversation_id": cid})
        )
        return [r["ok"] for r in results]

    outcomes: list[list[bool]] = []
    for batch in range(10):  # 200 races, 20 chats waiting at a time
        ids = []
        for i in range(20):
            conversation = Conversation(id=f"race{batch:02d}{i:02d}{secrets.token_hex(8)}")
            await store.create_conversation(conversation)
            handoff = json.dumps(HandoffRequest("requested").to_dict())
            assert (await store.transition(conversation.id, Expect((Owner.BOT,)), Owner.QUEUE,
                                          department="general", handoff=handoff,
                                          queued_at=repr(time.time()))).moved
            ids.append(conversation.id)
        outcomes += await asyncio.gather(*(race(cid) for cid in ids))
        winner, loser = (one, two) if outcomes[-20][0] else (two, one)
        again = await loser.call("claim", {"conversation_id": ids[0]})
        assert again["error"]["code"] == "already_taken"
        retried = await winner.call("claim", {"conversation_id": ids[0]})  # its answer lost
        assert retried["ok"], retried
        for cid in ids:
            assert await store.redis.hget(f"fd:conv:{cid}", "owner") == "agent"
            await store.transition(cid, Expect((Owner.AGENT,)), Owner.CLOSED, agent="")
    assert len(outcomes) == 200
    assert all(sum(o) == 1 for o in outcomes), outcomes
    await one.close()
    await two.close()
    await store.close()


async def test_agent_disconnect_requeues_at_front(stack: Stack, make_agent, isolated) -> None:
    # A bridge of its own: free agents other tests left online would take the requeued chat
    # (whoever waits longest is served by anyone free who may serve them, bot/handoff/routing.py).
    url, redis_url = isolated()
    redis = aioredis.from_url(redis_url, decode_responses=True)
    alex = AgentClient(url)
    name, password = make_agent("website_technical", display_name="Robin", redis_url=redis_url)
    await alex.connect(name, password)
    visitor = Visitor(url)
    cid = await visitor.connect()
    await queue_visitor(visitor, "website_technical")
    await alex.seen.wait_for("handoff", lambda e: e["conversation"]["id"] == cid)
    await alex.must("claim", {"conversation_id": cid})
    await alex.close()  # gone; grace is 2 s in tests
    told = await visitor.seen.wait_for(
        "bot_uttered", lambda m: m.get("custom", {}).get("requeued"), timeout=20
    )
    assert "Robin lost their connection" in told["text"]
    assert await redis.hget(f"fd:conv:{cid}", "owner") == "queue"
    assert (await redis.zrange("fd:queue:website_technical", 0, 0)) == [cid]
    position = await visitor.seen.wait_for("queue_position", lambda p: p["position"] == 1)
    assert position["department"] == "website_technical"
    await visitor.close()
    await redis.aclose()


def reminded(reminder: dict[str, Any], cid: str) -> dict[str, Any]:
    """The chat `cid` as a reminder names it (one reminder names every chat due; other tests'
    chats may wait longer in the shared stack)."""
    return next((c for c in reminder.get("chats", []) if c["conversation_id"] == cid), {})


async def test_waiting_chat_reminds_agents_and_escalates(stack: Stack, make_agent) -> None:
    agent = AgentClient(stack.bridge_url)
    boss = AgentClient(stack.bridge_url)
    await agent.connect(*make_agent("general"))
    await boss.connect(*make_agent("general", role="supervisor"))
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await queue_visitor(visitor, "general")
    reminder = await agent.seen.wait_for("reminder", lambda e: bool(reminded(e, cid)), timeout=15)
    assert reminded(reminder, cid)["waited_seconds"] >= 2
    escalation = await boss.seen.wait_for("escalation", lambda e: e["conversation_id"] == cid,
                                          timeout=15)
    assert escalation["waited_seconds"] >= 3
    await agent.must("hand_back", {"conversation_id": cid})
    for client in (agent, boss, visitor):
        await client.close()


async def test_transfer_to_a_department_keeps_everything(stack: Stack, make_agent) -> None:
    first, second = AgentClient(stack.bridge_url), AgentClient(stack.bridge_url)
    await first.connect(*make_agent("general", display_name="Gale"))
    await second.connect(*make_agent("website_technical", display_name="Wren"))
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await queue_visitor(visitor, "general")
    await first.must("claim", {"conversation_id": cid})
    await visitor.say("my login keeps failing", message_id="login-1")
    await first.seen.wait_for("message", lambda e: e["message"]["text"] == "my login keeps failing")
    await first.must("transfer", {"conversation_id": cid, "department": "website_technical",
                                  "note": "Login problem, tried reset twice"})
    await second.seen.wait_for("handoff", lambda e: e["conversation"]["id"] == cid)
    told = await visitor.seen.wait_for("bot_uttered", lambda m: "transfer" in m.get("custom", {}))
    assert "Website & technical" in told["text"]
    picked = await second.must("claim", {"conversation_id": cid})
    texts_seen = [m["text"] for m in picked["messages"]]
    assert "my login keeps failing" in texts_seen and "Login problem, tried reset twice" in texts_seen
    assert picked["conversation"]["department"] == "website_technical"
    await second.must("close", {"conversation_id": cid})
    for client in (first, second, visitor):
        await client.close()


async def test_waited_is_the_wait_until_first_pick_up(stack: Stack, make_agent, isolated) -> None:
    url, redis_url = isolated()  # no other test's agents: nobody else takes the chat meanwhile
    agent = AgentClient(url)
    await agent.connect(*make_agent("general", redis_url=redis_url))
    visitor = Visitor(url)
    cid = await visitor.connect()
    asked = time.monotonic()
    await queue_visitor(visitor, "general")

    async def waited() -> float:
        listed = (await agent.must("queue", {"department": "general"}))["waiting"]
        return [c["waited_seconds"] for c in listed if c["id"] == cid][0]

    await eventually(lambda: _at_least(waited(), 2), timeout=15, interval=0.2,
                     what="the wait so far is counted")
    picked = (await agent.must("claim", {"conversation_id": cid}))["conversation"]
    # at least the 2 s seen, at most the time since the visitor asked (measured here: a slow
    # machine makes both longer, never the figure wrong)
    assert 2 <= picked["waited_seconds"] <= time.monotonic() - asked + 0.05  # (rounded to 0.1 s)
    await asyncio.sleep(1)  # the clock runs on (the bridge's own): the figure must not
    opened = (await agent.must("open", {"conversation_id": cid}))["conversation"]
    assert opened["waited_seconds"] == picked["waited_seconds"]
    assert opened["waited_seconds"] == round(opened["picked_at"] - opened["queued_at"], 1)
    await agent.must("close", {"conversation_id": cid})
    for client in (agent, visitor):
        await client.close()


async def _at_least(figure: Awaitable[float], least: float) -> bool:
    return await figure >= least


async def test_a_transfer_starts_the_queue_timers_again(stack: Stack, make_agent, redis) -> None:
    first, second = AgentClient(stack.bridge_url), AgentClient(stack.bridge_url)
    boss = AgentClient(stack.bridge_url)
    await first.connect(*make_agent("general", display_name="Gale"))
    await second.connect(*make_agent("website_technical", display_name="Wren"))
    await boss.connect(*make_agent("general", role="supervisor"))
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await queue_visitor(visitor, "general")
    samples = await redis.llen("fd:samples:queue_wait")
    picked = (await first.must("claim", {"conversation_id": cid}))["conversation"]
    await asyncio.sleep(4)  # with Gale longer than REMIND_EVERY (2 s) and ESCALATE_AFTER (3 s)
    mark = (len(second.seen.events), len(boss.seen.events))
    before_transfer = time.monotonic()
    await first.must("transfer", {"conversation_id": cid, "department": "website_technical"})
    transferred = time.monotonic()
    reminder = reminded(await second.seen.wait_for(
        "reminder", lambda e: bool(reminded(e, cid)), start=mark[0], timeout=15), cid)
    escalation = await boss.seen.wait_for("escalation", lambda e: e["conversation_id"] == cid,
                                          start=mark[1], timeout=15)
    # Only the time in the new queue counts: nothing fired at once after the transfer, and
    # the figures count from it (from the first queueing they would be 4 s more).
    assert time.monotonic() - transferred >= 1.5
    in_new_queue = time.monotonic() - before_transfer + 0.5  # (figures are rounded)
    assert 2 <= reminder["waited_seconds"] <= in_new_queue
    assert 3 <= escalation["waited_seconds"] <= in_new_queue
    listed = (await second.must("queue", {"department": "website_technical"}))["waiting"]
    in_new_queue = time.monotonic() - before_transfer + 0.5
    assert [c["waited_seconds"] for c in listed if c["id"] == cid][0] <= in_new_queue
    again = (await second.must("claim", {"conversation_id": cid}))["conversation"]
    # The first pick-up's wait stays the figure, sampled once for the handoff.
    assert again["waited_seconds"] == picked["waited_seconds"]
    assert await redis.llen("fd:samples:queue_wait") == samples + 1
    await second.must("close", {"conversation_id": cid})
    for client in (first, second, boss, visitor):
        await client.close()


def test_metrics_need_the_metrics_token(stack: Stack) -> None:
    from bot.config import Settings

    for header in ({}, {"Authorization": "Bearer wrong"}):
        request = urllib.request.Request(f"{stack.bridge_url}/metrics", headers=header)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    token = Settings.from_env(stack.env).metrics_token
    request = urllib.request.Request(f"{stack.bridge_url}/metrics",
                                     headers={"Authorization": f"Bearer {token}"})
    body = urllib.request.urlopen(request, timeout=10).read().decode()
    for name in ("frontdesk_conversations_total", "frontdesk_handoffs_total",
                 "frontdesk_active_connections", "frontdesk_rasa_latency_seconds",
                 "frontdesk_queue_wait_seconds", "frontdesk_first_response_seconds"):
        assert name in body


async def test_insights_need_a_token_and_count_handoffs(stack: Stack, make_agent) -> None:
    import aiohttp

    from clients import login

    visitor = Visitor(stack.bridge_url)
    await visitor.connect()
    await queue_visitor(visitor, "general")
    _status, body = await login(stack.bridge_url, *make_agent("general"))
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{stack.bridge_url}/api/insights") as response:
            assert response.status == 401
        headers = {"Authorization": f"Bearer {body['token']}"}
        async with http.get(f"{stack.bridge_url}/api/insights?days=3", headers=headers) as response:
            assert response.status == 200
            data = await response.json()
    today = data["daily"][-1]
    assert len(data["daily"]) == 3 and today["conversations"] >= 1
    assert today["handoffs"] >= 1 and today["handoff:requested"] >= 1
    assert 0 <= today["containment"] < 1
    latency = data["rasa_latency"]  # this process's histogram, as JSON (docs/protocol.md)
    assert latency[-1]["le"] is None and all(b["count"] >= 0 for b in latency)
    await visitor.close()


RASA_KEYS = {"text", "quick_replies", "attachment", "metadata"}  # bot_uttered's, exactly Rasa's


def owners(visitor: Visitor, start: int = 0) -> list[tuple[str, str]]:
    """(text, metadata.owner) of every live `bot_uttered` since `start`."""
    uttered = [data for name, data in visitor.seen.events[start:] if name == "bot_uttered"]
    for data in uttered:
        assert set(data["metadata"]) <= set(data) and {
            k for k in data if k not in data["metadata"]} <= RASA_KEYS, data  # no new top-level key
    return [(data["text"], data["metadata"]["owner"]) for data in uttered]


async def test_every_message_says_who_answers_next(stack: Stack, make_agent) -> None:
    """`metadata.owner` of each live `bot_uttered` (and `owner` of each console `message`):
    who answers the conversation right after it, through bot -> queue -> agent -> closed."""
    name, password = make_agent("tickets_billing", display_name="Owen")
    agent = AgentClient(stack.bridge_url)
    await agent.connect(name, password)
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()

    assert (await visitor.ask("hello"))["metadata"]["owner"] == "bot"
    mark = len(visitor.seen.events)
    await queue_visitor(visitor)
    told = owners(visitor, mark)
    assert told and all(owner in ("triage", "queue") for _, owner in told), told
    waiting = await visitor.seen.wait_for("bot_uttered", lambda m: "queue" in m.get("custom", {}),
                                          start=mark)
    assert waiting["metadata"]["owner"] == "queue"

    mark = len(visitor.seen.events)
    await agent.must("claim", {"conversation_id": cid})
    await agent.must("reply", {"conversation_id": cid, "text": "Owen here."})
    await visitor.seen.wait_for("bot_uttered", lambda m: m["text"] == "Owen here.", start=mark)
    assert [owner for _, owner in owners(visitor, mark)] == ["agent", "agent"]
    console = agent.seen.of("message")[-1]
    assert console["conversation_id"] == cid and console["owner"] == "agent"

    mark = len(visitor.seen.events)
    await agent.must("close", {"conversation_id": cid})
    closed = await visitor.seen.wait_for("bot_uttered", lambda m: m.get("closed") or
                                         m.get("custom", {}).get("closed"), start=mark)
    assert closed["metadata"]["owner"] == "closed"
    assert (await visitor.ask("/rate good"))["metadata"]["owner"] == "closed"
    assert (await visitor.ask("hello again"))["metadata"]["owner"] == "bot"  # reopened
    await agent.close()
    await visitor.close()


async def test_the_store_refuses_a_move_the_table_does_not_allow(stack: Stack) -> None:
    """The transition script gets the table's sources of the target (`Expect.legal`, which
    `Handoff.move` always gives): a move from another owner is an error, not a refusal; and it
    clears the agent itself on a move away from an agent."""
    from redis.exceptions import ResponseError

    from bot.handoff import machine
    from bot.models import Conversation, Owner
    from bot.store import Expect
    from bot.store.redis import RedisStore

    store = RedisStore(stack.redis_url)
    cid = f"table{secrets.token_hex(8)}"
    await store.create_conversation(Conversation(id=cid))
    with pytest.raises(ResponseError, match="no move from bot to agent"):
        await store.transition(cid, Expect((Owner.BOT,), legal=machine.sources(Owner.AGENT)),
                               Owner.AGENT, agent="ana")
    assert await store.redis.hget(f"fd:conv:{cid}", "owner") == "bot"  # nothing changed
    assert (await store.transition(cid, Expect((Owner.BOT,)), Owner.QUEUE, department="general",
                                   queued_at=repr(time.time()))).moved
    assert (await store.transition(cid, Expect((Owner.QUEUE,)), Owner.AGENT, agent="ana")).moved
    assert (await store.transition(cid, Expect((Owner.AGENT,)), Owner.CLOSED)).moved
    assert await store.redis.hmget(f"fd:conv:{cid}", "owner", "agent") == ["closed", ""]
    assert not await store.redis.sismember("fd:agent_chats:ana", cid)
    await store.close()
