"""A returning visitor's previous agent (bot/history.py, `Routing.picks`): preferred when free and
eligible, without changing who waited longest: the real `Handoff` over the memory store, a clock
stepped by hand, auto-assignment on."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from in_process import Silent, desk_settings

from bot.handoff import Handoff, HandoffRequest
from bot.models import Agent, Conversation, Presence
from bot.relay import Relay
from bot.store.memory import ManualClock, MemoryStore

numbers = itertools.count(1)


class Desk:
    def __init__(self, folder: Path) -> None:
        self.clock = ManualClock()
        self.store = MemoryStore(self.clock)
        self.handoff = Handoff(self.store, Relay(Silent(), self.store),
                               desk_settings(folder, auto_assign=True), clock=self.clock)

    async def agent(self, name: str, capacity: int = 1, online: bool = True) -> None:
        await self.store.save_agent(Agent(name, name.title(), "general", capacity=capacity))
        await self.store.set_presence(name, Presence.ONLINE if online else Presence.AWAY)
        await self.store.keep_connected([name], ttl=86400)

    async def online(self, name: str) -> None:
        await self.store.set_presence(name, Presence.ONLINE)
        await self.handoff.assign("general")

    async def arrive(self, user_id: str = "") -> str:
        """A visitor asks for a person of General; returns the conversation id."""
        self.clock.advance(1)
        conversation = Conversation(id=f"{next(numbers):032x}", user_id=user_id)
        await self.store.create_conversation(conversation)
        await self.handoff.request(conversation.id, HandoffRequest("requested",
                                                                   department="general"))
        return conversation.id

    async def agent_of(self, cid: str) -> str:
        conversation = await self.store.get_conversation(cid)
        assert conversation is not None
        return conversation.agent


async def served_by_zed(desk: Desk) -> str:
    """A verified user's first chat, answered by zed and closed; zed stays free."""
    await desk.agent("zed")
    first = await desk.arrive("user-1")
    assert await desk.agent_of(first) == "zed"
    await desk.handoff.close(first)
    return first


def test_the_previous_agent_is_preferred_when_free(tmp_path: Path) -> None:
    async def run() -> None:
        desk = Desk(tmp_path)
        await served_by_zed(desk)
        await desk.agent("amy")  # least busy first, by name: amy would be chosen
        again = await desk.arrive("user-1")  # the same user, another device
        assert await desk.agent_of(again) == "zed"
        stranger = await desk.arrive("user-2")
        assert await desk.agent_of(stranger) == "amy"

    asyncio.run(run())


def test_the_longest_waiting_chat_is_still_served_first(tmp_path: Path) -> None:
    async def run() -> None:
        desk = Desk(tmp_path)
        await served_by_zed(desk)
        await desk.store.set_presence("zed", Presence.AWAY)
        older = await desk.arrive("user-9")  # waits first, no previous agent
        returning = await desk.arrive("user-1")  # zed's visitor, later
        await desk.online("zed")  # one seat: the longest-waiting chat has it
        assert await desk.agent_of(older) == "zed"
        assert await desk.agent_of(returning) == ""
        assert await desk.store.queue("general") == [returning]

    asyncio.run(run())


def test_a_busy_previous_agent_is_not_waited_for(tmp_path: Path) -> None:
    async def run() -> None:
        desk = Desk(tmp_path)
        await served_by_zed(desk)
        await desk.arrive("user-7")  # zed's one seat taken
        await desk.agent("amy")
        returning = await desk.arrive("user-1")
        assert await desk.agent_of(returning) == "amy"

    asyncio.run(run())
