"""Reminders of waiting chats without alert storms (issue 24, item 3): only agents who can take a
chat are reminded, once an interval whatever the number of chats; Away and at-capacity agents
get the count, not the noise."""

from __future__ import annotations

import time
from functools import partial

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from waiting import eventually

REMIND_EVERY = 2  # seconds (the stack's)


async def test_only_who_can_take_a_chat_is_reminded_once_an_interval(isolated, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false", REMIND_EVERY=str(REMIND_EVERY),
                              ESCALATE_AFTER="3600")
    people: dict[str, AgentClient] = {}
    for name, role, capacity, presence in [("Fay", "agent", 3, "online"),
                                           ("Cat", "agent", 1, "online"),
                                           ("Wes", "agent", 3, "away"),
                                           ("Sol", "supervisor", 3, "away")]:
        agent = people[name] = AgentClient(url)
        department = "general" if role == "supervisor" else "tickets_billing"
        await agent.connect(*make_agent(department, role=role, capacity=capacity,
                                        display_name=name, redis_url=redis_url))
        await agent.must("presence", {"status": presence})
    visitors = [Visitor(url) for _ in range(4)]
    try:
        for visitor in visitors:
            await visitor.connect()
            await queue_visitor(visitor, "tickets_billing")
        await people["Cat"].must("claim", {"conversation_id": visitors[0].conversation_id})
        queued = time.monotonic()  # Cat is at capacity now; three chats wait
        waiting = {v.conversation_id for v in visitors[1:]}

        fay = people["Fay"]
        await eventually(lambda: len(fay.seen.of("reminder")) >= 3, timeout=8 * REMIND_EVERY,
                         what="Fay, who can take a chat, is reminded again and again")
        elapsed = time.monotonic() - queued
        reminders = fay.seen.of("reminder")
        # one sound an interval for three chats (not three), naming them all
        assert len(reminders) <= elapsed / REMIND_EVERY + 1, (len(reminders), elapsed)
        assert {c["conversation_id"] for c in reminders[-1]["chats"]} == waiting
        assert reminders[-1]["waiting"] == 3
        assert reminders[-1]["conversation_id"] == visitors[1].conversation_id  # the longest

        def counted(agent: AgentClient) -> bool:
            return any(w["waiting"] == 3 for w in agent.seen.of("waiting"))

        for name in ("Cat", "Wes", "Sol"):  # at capacity, Away, an Away supervisor
            quiet = people[name]
            await eventually(partial(counted, quiet), what=f"{name} gets the count")
            assert quiet.seen.of("waiting")[-1]["departments"] == {"tickets_billing": 3}
            assert quiet.seen.of("reminder") == [], f"{name} was reminded"
    finally:
        for visitor in visitors:
            await visitor.close()
        for agent in people.values():
            await agent.close()
