"""Fair queues on the real stack (issue 24, item 1): whoever waits longest is served first when
anyone who may serve them becomes free, across departments, and the visitor's place says so."""

from __future__ import annotations

from typing import Any

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from waiting import eventually


def joined(visitor: Visitor) -> str:
    """The display name of the agent who joined the visitor's chat last ('' if nobody)."""
    names = [m["custom"]["agent_joined"] for m in visitor.seen.of("bot_uttered")
             if "agent_joined" in m.get("custom", {})]
    return names[-1] if names else ""


def place(visitor: Visitor) -> Any:
    """The visitor's latest place in a queue (None before any)."""
    positions = visitor.seen.of("queue_position")
    return positions[-1]["position"] if positions else None


async def test_an_agent_coming_online_takes_the_oldest_chat_not_a_newcomer(
        isolated, make_agent) -> None:
    """Agent A of Tickets at capacity, a supervisor Away, agent R of Website Offline; two visitors
    queue for Tickets. R goes Online: R gets the one who waited longest; a newcomer asking for
    Tickets queues behind the other one, who is next."""
    url, redis_url = isolated(AUTO_ASSIGN="true")
    people: list[AgentClient] = []
    for department, role, name, presence in [
            ("tickets_billing", "agent", "Ava", "online"),
            ("website_technical", "agent", "Rui", "offline"),
            ("general", "supervisor", "Sol", "away")]:
        agent = AgentClient(url)
        await agent.connect(*make_agent(department, role=role, capacity=1, display_name=name,
                                        redis_url=redis_url))
        await agent.must("presence", {"status": presence})
        people.append(agent)
    ava, rui, _ = people
    visitors = [Visitor(url) for _ in range(4)]
    try:
        for visitor in visitors[:3]:
            await visitor.connect()
            await queue_visitor(visitor, "tickets_billing")
        first, older, younger, newcomer = visitors
        await eventually(lambda: joined(first) == "Ava", what="Ava takes the first chat")
        await eventually(lambda: (place(older), place(younger)) == (1, 2),
                         what="the other two wait in Tickets, in order")

        await rui.must("presence", {"status": "online"})
        await eventually(lambda: joined(older) == "Rui", timeout=15,
                         what="Rui, now online, takes the chat that waited longest")
        assert [a["conversation_id"] for a in rui.seen.of("assigned")] == [older.conversation_id]
        assert joined(younger) == ""
        await eventually(lambda: place(younger) == 1, what="the other one is next")

        await newcomer.connect()
        await queue_visitor(newcomer, "tickets_billing")
        await eventually(lambda: place(newcomer) == 2, what="the newcomer queues behind")
        assert joined(newcomer) == "" and joined(younger) == "" and place(younger) == 1
        assert not ava.seen.of("released")
    finally:
        for visitor in visitors:
            await visitor.close()
        for agent in people:
            await agent.close()


async def test_without_auto_assignment_the_oldest_chat_is_offered_to_who_comes_online(
        isolated, make_agent) -> None:
    """The same desk, agents claiming by hand: when Rui goes Online, the chat that waited longest
    moves to his queue (he is alerted, the visitor hears their new place); the other stays next
    in Tickets, as many moved as Rui has free seats."""
    url, redis_url = isolated(AUTO_ASSIGN="false")
    people: list[AgentClient] = []
    for department, name, presence in [("tickets_billing", "Ava", "online"),
                                       ("website_technical", "Rui", "offline")]:
        agent = AgentClient(url)
        await agent.connect(*make_agent(department, capacity=1, display_name=name,
                                        redis_url=redis_url))
        await agent.must("presence", {"status": presence})
        people.append(agent)
    ava, rui = people
    visitors = [Visitor(url) for _ in range(3)]
    try:
        for visitor in visitors:
            await visitor.connect()
            await queue_visitor(visitor, "tickets_billing")
        first, older, younger = visitors
        await ava.must("claim", {"conversation_id": first.conversation_id})
        await eventually(lambda: (place(older), place(younger)) == (1, 2),
                         what="two wait in Tickets, in order")

        await rui.must("presence", {"status": "online"})
        offered = await rui.seen.wait_for("handoff", timeout=15)
        assert offered["conversation"]["id"] == older.conversation_id
        assert offered["conversation"]["department"] == "website_technical"
        await eventually(lambda: {**older.seen.of("queue_position")[-1], "eta_seconds": 0} == {
            "position": 1, "eta_seconds": 0, "department": "website_technical", "late": False},
            what="the visitor hears their place in the Website queue")
        # 180 s a chat, less what was waited since queueing (in whole minutes up)
        assert 0 < older.seen.of("queue_position")[-1]["eta_seconds"] <= 180
        await eventually(lambda: place(younger) == 1, what="the other one is next in Tickets")
        listed = (await rui.must("queue", {"department": "website_technical"}))["waiting"]
        assert [c["id"] for c in listed] == [older.conversation_id]
        assert len(rui.seen.of("handoff")) == 1  # one free seat, one chat offered
        await rui.must("claim", {"conversation_id": older.conversation_id})
        await eventually(lambda: joined(older) == "Rui", what="Rui takes it")
    finally:
        for visitor in visitors:
            await visitor.close()
        for agent in people:
            await agent.close()
