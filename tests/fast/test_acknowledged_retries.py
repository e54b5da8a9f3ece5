"""A retried acknowledged write doubles nothing (issue #26): an agent's claim retried (its
answer lost, or `unavailable` while replicas lagged) is a success, not `already_taken`; a left
message retried gets the same ticket. The real `Handoff` and `MoveDesk` over the memory store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from in_process import Silent, desk_settings

from bot.console.moves import MoveDesk
from bot.errors import Refused
from bot.events import ConversationEvent
from bot.handoff import Handoff, HandoffRequest
from bot.models import Agent, Conversation, Presence, Sender
from bot.relay import Relay
from bot.store.memory import ManualClock, MemoryStore


class Console:
    def __init__(self, folder: Path) -> None:
        self.clock = ManualClock()
        self.store = MemoryStore(self.clock)
        relay = Relay(Silent(), self.store)
        self.handoff = Handoff(self.store, relay, desk_settings(folder, auto_assign=False), clock=self.clock)
        self.desk = MoveDesk(self.store, relay, self.handoff, desk_settings(folder, auto_assign=False))

    async def agent(self, name: str) -> Agent:
        agent = Agent(name, name.title(), "general", capacity=3)
        await self.store.save_agent(agent)
        await self.store.set_presence(name, Presence.ONLINE)
        await self.store.keep_connected([name], ttl=86400)
        return agent

    async def waiting(self, cid: str) -> str:
        """A conversation waiting in General's queue."""
        await self.store.create_conversation(Conversation(id=cid))
        await self.handoff.request(cid, HandoffRequest("requested", department="general"))
        return cid

    async def claim(self, agent: Agent, cid: str) -> dict[str, Any]:
        return await self.desk.do_claim("sid-" + agent.name, agent,
                                        ConversationEvent(conversation_id=cid))


def test_a_retried_claim_is_a_success_and_doubles_nothing(tmp_path: Path) -> None:
    async def run() -> None:
        console = Console(tmp_path)
        amy, bob = await console.agent("amy"), await console.agent("bob")
        cid = await console.waiting("c" * 32)
        first = await console.claim(amy, cid)
        again = await console.claim(amy, cid)  # the answer to the first was lost
        assert first["ok"] and again["ok"]
        assert again["conversation"]["agent"] == "amy"
        system = [m.text for m in await console.store.all_messages(cid) if m.sender is Sender.SYSTEM]
        assert len(system) == len(set(system))  # "Amy joined" once
        assert await console.store.agent_chats("amy") == {cid}
        with pytest.raises(Refused) as refused:
            await console.claim(bob, cid)
        assert refused.value.code == "already_taken"

    asyncio.run(run())


def test_a_retried_left_message_gets_the_same_ticket(tmp_path: Path) -> None:
    async def run() -> None:
        console = Console(tmp_path)
        cid = await console.waiting("d" * 32)
        leave = console.handoff.leave_message
        first = await leave(cid, "Ann", "ann@example.com", "Call me back, please.")
        again = await leave(cid, "Ann", "ann@example.com", "Call me back, please.")
        assert again.id == first.id
        tickets, _ = await console.store.tickets()
        assert [t.id for t in tickets] == [first.id]
        other = await leave(cid, "Ann", "ann@example.com", "And one more thing.")
        assert other.id != first.id
        console.clock.advance(3601)  # past the retry window: the same words are a new message
        later = await leave(cid, "Ann", "ann@example.com", "Call me back, please.")
        assert later.id not in (first.id, other.id)

    asyncio.run(run())
