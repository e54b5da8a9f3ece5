"""The account functions the command line and the console's People desk share (bot/agents.py),
on the memory store: what they refuse, and the sessions they end."""

from __future__ import annotations

import pytest

from bot import agents
from bot.errors import Refused
from bot.models import Agent
from bot.store.memory import ManualClock, MemoryStore


def store() -> MemoryStore:
    return MemoryStore(ManualClock())


async def test_reset_and_removal_end_every_session() -> None:
    people = store()
    await agents.add(people, Agent("pat", "Pat", "general"), "first-password")
    sessions = [await people.start_staff_session("pat", 60) for _ in range(2)]
    assert await agents.login(people, "pat", "first-password")
    assert await agents.reset(people, "pat", "second-password") == 2
    assert not await people.open_staff_sessions(sessions)
    assert not await agents.login(people, "pat", "first-password")
    assert await agents.login(people, "pat", "second-password")
    session = await people.start_staff_session("pat", 60)
    assert await agents.remove(people, "pat") == 1
    assert await people.staff_session(session) is None and await people.get_agent("pat") is None


async def test_what_the_account_functions_refuse() -> None:
    people = store()
    await agents.add(people, Agent("pat", "Pat", "general"), "first-password")
    with pytest.raises(Refused) as taken:
        await agents.add(people, Agent("pat", "Other", "general"), "other-password")
    assert taken.value.code == "agent_exists"
    assert (await people.get_agent("pat") or Agent("", "", "")).display_name == "Pat"
    for operation in (agents.reset(people, "nobody", "x" * 8), agents.remove(people, "nobody")):
        with pytest.raises(Refused) as unknown:
            await operation
        assert unknown.value.code == "unknown_agent"


async def test_the_number_of_agents_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agents, "MAX_AGENTS", 2)
    people = store()
    for name in ("a1", "a2"):
        await agents.add(people, Agent(name, name, "general"), "password")
    with pytest.raises(Refused) as full:
        await agents.add(people, Agent("a3", "a3", "general"), "password")
    assert full.value.code == "agent_limit"


def test_a_new_password_is_long_and_unmistakable() -> None:
    made = {agents.new_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) == 16 and not set(p) & set("0O1lI") for p in made)
