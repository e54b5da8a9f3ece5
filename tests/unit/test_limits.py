"""Rate limits (bot/limits.py): sliding windows per key, the scopes an event is counted in, the
sweep of idle keys, and slots of work in progress."""

from __future__ import annotations

import pytest

from bot import limits
from bot.errors import Refused
from bot.limits import Limits, Slots, Who, Window, per_connection, visitor_rules


class Clock:
    """Stands in for `time` in bot/limits.py: the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(limits, "time", clock)
    return clock


def test_a_window_allows_its_limit_then_refuses_until_the_oldest_hit_ages_out() -> None:
    window = Window(3, 10)
    assert [window.allow("a", t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert window.allow("b", 3)  # keys are counted apart
    assert not window.allow("a", 9.9)
    assert window.allow("a", 10)  # the hit at 0 is `seconds` old: out of the window
    assert not window.allow("a", 10.5)


def test_a_refused_event_is_not_counted() -> None:
    window = Window(1, 10)
    assert window.allow("a", 0)
    assert not window.allow("a", 5)
    assert window.allow("a", 10)  # had the refusal at 5 counted, this would wait until 15


def test_a_sweep_forgets_only_idle_keys() -> None:
    window = Window(2, 10)
    window.allow("idle", 0)
    window.allow("busy", 0)
    window.allow("busy", 8)
    window.sweep(12)
    assert set(window.hits) == {"busy"}


def test_a_visitor_event_counts_for_its_connection_conversation_and_address(clock: Clock) -> None:
    checks = Limits(visitor_rules(rate=2, address_factor=2))
    assert checks.allow("user_uttered", Who("tab-1", "chat-1", "1.2.3.4"))
    assert checks.allow("user_uttered", Who("tab-1", "chat-1", "1.2.3.4"))
    assert not checks.allow("user_uttered", Who("tab-1", "chat-1", "1.2.3.4"))  # connection
    assert not checks.allow("user_uttered", Who("tab-2", "chat-1", "1.2.3.4"))  # conversation
    assert checks.allow("user_uttered", Who("tab-3", "chat-2", "1.2.3.4"))
    assert checks.allow("user_uttered", Who("tab-4", "chat-3", "1.2.3.4"))
    assert not checks.allow("user_uttered", Who("tab-5", "chat-4", "1.2.3.4"))  # address: 2 x 2
    assert checks.allow("user_uttered", Who("tab-5", "chat-4", "5.6.7.8"))
    clock.now += 10
    assert checks.allow("user_uttered", Who("tab-1", "chat-1", "1.2.3.4"))


def test_an_empty_scope_is_not_counted(clock: Clock) -> None:
    checks = Limits(visitor_rules(rate=1, address_factor=1))
    assert checks.allow("user_uttered", Who("tab-1"))
    assert checks.allow("user_uttered", Who("tab-2"))  # no conversation, no address yet


def test_an_unknown_event_falls_under_the_catch_all(clock: Clock) -> None:
    checks = Limits(visitor_rules(rate=100, address_factor=1))
    who = Who("tab-1", "chat-1", "1.2.3.4")
    assert all(checks.allow("no_such_event", who) for _ in range(30))
    assert not checks.allow("another_unknown_event", who)
    assert checks.allow("user_uttered", who)  # a named event has windows of its own


def test_idle_keys_are_swept_every_so_many_checks(clock: Clock,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SWEEP_EVERY", 5)
    checks = per_connection(100)
    for n in range(4):
        checks.allow("x", Who(f"tab-{n}"))
    clock.now += 60
    (window,) = [w for _, w in checks.rules["*"]]
    assert len(window.hits) == 4
    checks.allow("x", Who("tab-new"))  # the fifth check sweeps first
    assert set(window.hits) == {"tab-new"}


def test_slots_bound_work_in_progress_per_key_and_in_all() -> None:
    slots = Slots(per_key=1, total=2)
    busy, full = Refused("busy", "busy"), Refused("full", "full")
    with slots.slot("a", busy, full):
        with pytest.raises(Refused) as error, slots.slot("a", busy, full):
            pass
        assert error.value is busy
        with slots.slot("b", busy, full):
            with pytest.raises(Refused) as error, slots.slot("c", busy, full):
                pass
            assert error.value is full
    assert slots.taken == 0 and not slots.held  # given back, keys holding none dropped


def test_a_slot_is_given_back_when_the_work_fails() -> None:
    slots = Slots(per_key=1, total=1)
    with pytest.raises(RuntimeError), slots.slot("a", Refused("b", ""), Refused("f", "")):
        raise RuntimeError("download broke")
    assert slots.taken == 0 and not slots.held
