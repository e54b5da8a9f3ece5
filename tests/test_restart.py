"""A bridge killed with SIGKILL and restarted loses nothing and doubles nothing."""

from __future__ import annotations

import signal

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from stack import Stack, free_port


async def test_sigkill_mid_conversation(stack: Stack, make_agent, redis) -> None:
    port = str(free_port())
    url = f"http://127.0.0.1:{port}"
    bridge = stack.start_bridge(FRONTDESK_PORT=port)
    visitor, agent = Visitor(url), AgentClient(url)
    cid = await visitor.connect()
    secret = visitor.session_id
    name, password = make_agent("tickets_billing", display_name="Kai")
    await agent.connect(name, password)
    await queue_visitor(visitor, "tickets_billing")
    await agent.must("claim", {"conversation_id": cid})
    await agent.must("reply", {"conversation_id": cid, "text": "one", "message_id": "a1"})
    await visitor.seen.wait_for("bot_uttered", lambda m: m["text"] == "one")
    mark = await visitor.say("two", message_id="v2")
    await visitor.seen.wait_for("message_ack", lambda a: a["client_id"] == "v2", start=mark)
    last_seen = visitor.seen.of("message_ack")[-1]["id"]

    token = agent.token
    bridge.stop(signal.SIGKILL)
    await visitor.close()
    await agent.close()

    bridge = stack.start_bridge(FRONTDESK_PORT=port)
    try:
        # Both sides reconnect; each resends what it was not sure had arrived.
        visitor, agent = Visitor(url), AgentClient(url)
        assert await visitor.connect(secret) == cid
        await agent.connect(token=token)  # sessions live in Redis: they survive restarts
        opened = await agent.must("open", {"conversation_id": cid})
        after_agent = opened["messages"][-1]["id"]
        mark = await visitor.say("two", message_id="v2", resend=True)  # stored once
        await visitor.seen.wait_for("message_ack", lambda a: a["client_id"] == "v2", start=mark)
        await visitor.say("three", message_id="v3")
        result = await agent.must("reply", {"conversation_id": cid, "text": "one",
                                            "message_id": "a1", "resend": True})
        assert result["duplicate"] is True
        await agent.must("reply", {"conversation_id": cid, "text": "four", "message_id": "a4"})

        await visitor.sio.emit("history", {"after": last_seen})
        replay = await visitor.seen.wait_for("history")
        assert [m["text"] for m in replay["messages"]] == ["three", "four"]
        history = await agent.must("history", {"conversation_id": cid, "after": after_agent})
        assert [m["text"] for m in history["messages"]] == ["three", "four"]

        rows = await redis.xrange(f"fd:msgs:{cid}")
        said = [f["text"] for _, f in rows if f["sender"] in ("visitor", "agent")]
        assert said == ["/human_handoff", "/department tickets_billing", "one", "two", "three",
                        "four"] or said[-4:] == ["one", "two", "three", "four"]
        assert said.count("one") == 1 and said.count("two") == 1
        assert await redis.hget(f"fd:conv:{cid}", "owner") == "agent"
        await visitor.close()
        await agent.close()
    finally:
        bridge.stop()

