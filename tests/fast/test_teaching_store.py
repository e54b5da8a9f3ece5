"""Entries kept for teaching go with their conversation: its retention (the store's TTL, on a
stepped clock), its erasure (`python -m bot data erase`), and a department's cap."""

from __future__ import annotations

from bot.models import Conversation, Learned, Message, Owner, Sender, Unanswered
from bot.privacy import erase, plan
from bot.store.memory import ManualClock, MemoryStore
from bot.teaching import learned_example, taught

DAY = 86400
C1, C2 = "1" * 32, "2" * 32


def entry(cid: str, n: int, at: float, department: str = "general") -> Unanswered:
    return Unanswered(cid, f"{n}-0", f"question {n}", "unsure", department, ["faq_a"], at)


async def test_entries_expire_with_retention_and_go_with_an_erasure() -> None:
    clock = ManualClock()
    store = MemoryStore(clock, retention=30 * DAY)
    for cid in (C1, C2):
        await store.create_conversation(Conversation(cid, Owner.BOT, created_at=clock()))
        await store.append(cid, Message(Sender.VISITOR, "hello"))
    await store.add_unanswered(entry(C1, 1, clock()), cap=10)
    await store.add_unanswered(entry(C2, 2, clock() + 1), cap=10)
    assert [e.conversation_id for e in await store.unanswered(["general"], 10)] == [C2, C1]

    planned = await plan(store, conversation=C1)
    kept = planned.keys()  # a Plan's list of key names
    assert f"fd:teach:{C1}:1-0" in kept
    await erase(store, planned)
    assert [e.conversation_id for e in await store.unanswered(["general"], 10)] == [C2]
    assert await store.unanswered_of(C1) == []

    clock.advance(30 * DAY + 1)
    assert await store.unanswered(["general"], 10) == []
    assert await store.get_unanswered(f"{C2}:2-0") is None


async def test_a_department_keeps_its_newest_entries_up_to_the_cap() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    for n in range(5):
        await store.add_unanswered(entry("c1", n, clock() + n), cap=3)
    await store.add_unanswered(entry("c1", 9, clock(), department="other"), cap=3)
    assert [e.message_id for e in await store.unanswered(["general"], 10)] == ["4-0", "3-0", "2-0"]
    assert not await store.add_unanswered(entry("c1", 4, clock() + 4), cap=3)  # once per message


async def test_a_label_of_the_same_words_replaces_the_earlier_one_within_the_cap() -> None:
    store = MemoryStore(ManualClock())
    example, key = learned_example("  Is the  bar open? ", "faq_a", "sam")
    assert (example.text, key) == ("Is the bar open?", "is the bar open?")
    assert await store.learn(example, key, cap=1)
    assert await store.learn(Learned("is the bar open?", "out_of_scope", "kim", 2.0), key, cap=1)
    assert not await store.learn(Learned("another", "faq_a", "kim", 3.0), "another", cap=1)
    assert await taught(store) == [{"text": "is the bar open?", "intent": "out_of_scope"}]
