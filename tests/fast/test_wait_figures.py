"""The figures a waiting visitor reads (issue 24): the estimate counts down with the time
waited, in whole minutes, and is late past MAX_QUEUE_WAIT; "usually replies in" is the median
of the latest measured first responses, read from the store at most once a minute."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.handoff.routing import Routing
from bot.reply_times import ReplyTimes, typical
from bot.store.memory import MemoryStore


def routing(tmp_path: Path) -> Routing:
    settings = Settings.from_env({
        "FRONTDESK_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0",
        "SITE": "lantern-street", "AVG_HANDLE_SECONDS": "180", "MAX_QUEUE_WAIT": "300",
    })
    return Routing(MemoryStore(), settings, settings.site.department_titles)


def test_the_estimate_counts_down_in_whole_minutes(tmp_path: Path) -> None:
    r = routing(tmp_path)
    assert [r.estimate(1, 1, waited) for waited in (0, 1, 59, 60, 61, 119, 120, 179, 180, 400)] \
        == [180, 180, 180, 120, 120, 120, 60, 60, 0, 0]
    assert r.estimate(3, 2, 30) == 240  # 270 s left, rounded up
    assert r.place(2, 0, "general", 10)["eta_seconds"] is None  # nobody can answer
    assert [r.place(1, 1, "general", w)["late"] for w in (299, 300)] == [False, True]


async def test_usual_reply_is_the_median_of_recent_first_responses() -> None:
    now = [0.0]
    store = MemoryStore()
    times = ReplyTimes(store, every=60, clock=lambda: now[0])
    assert typical([]) is None and typical([1.0, 2.0]) is None
    for value in (100.0, 400.0, 250.0):
        await store.sample("first_response", value)
    assert await times.usual() == 250
    await store.sample("first_response", 1000.0)
    await store.sample("first_response", 1000.0)
    assert await times.usual() == 250  # read again only once a minute
    now[0] = 61.0
    assert await times.usual() == 400
