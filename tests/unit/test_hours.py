"""Business hours (bot/hours.py): reading BUSINESS_HOURS, open or closed at a moment, and when
people are back."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot import hours

ZONE = "Europe/London"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the first week of June 2026, which starts on a Monday (day 0)."""
    return datetime(2026, 6, 1 + day, hour, minute, tzinfo=ZoneInfo(ZONE))


def test_rules_are_days_and_times() -> None:
    assert hours.parse("Mon-Fri 09:00-17:00; Sat 10:00-14:30") == [
        ({0, 1, 2, 3, 4}, time(9), time(17)),
        ({5}, time(10), time(14, 30)),
    ]


def test_a_range_of_days_may_wrap_round_the_week() -> None:
    assert hours.parse("Fri-Mon 8:00-12:00") == [({4, 5, 6, 0}, time(8), time(12))]


@pytest.mark.parametrize("spec", ["", " ", ";", " ; "])
def test_no_rule_is_always_open(spec: str) -> None:
    assert hours.parse(spec) == []
    assert hours.is_open(spec, ZONE, at(6, 3))
    assert hours.next_open(spec, ZONE, at(6, 3)) is None
    assert hours.status(spec, ZONE, at(6, 3)) == {"open": True}


@pytest.mark.parametrize("spec", ["weekdays 9 to 5", "Mon-Fri 9-17", "Xyz 09:00-17:00",
                                  "Mon-Fri 09:00-17:00; oops", "Mon 25:00-26:00"])
def test_an_unreadable_rule_is_named(spec: str) -> None:
    with pytest.raises(ValueError, match=r"^BUSINESS_HOURS: cannot read '.+'; write e\.g\. "):
        hours.parse(spec)


@pytest.mark.parametrize(("moment", "is_open"), [
    (at(0, 9), True),  # the first minute counts
    (at(0, 16, 59), True),
    (at(0, 17), False),  # the closing minute does not
    (at(0, 8, 59), False),
    (at(5, 10), True),
    (at(5, 14, 30), False),
    (at(6, 12), False),  # Sunday
])
def test_open_between_the_start_and_the_end_of_a_rule(moment: datetime, is_open: bool) -> None:
    assert hours.is_open("Mon-Fri 09:00-17:00; Sat 10:00-14:30", ZONE, moment) is is_open


@pytest.mark.parametrize(("moment", "back"), [
    (at(0, 8), at(0, 9)),  # later the same day
    (at(0, 18), at(1, 9)),  # the next day
    (at(4, 18), at(5, 10)),  # Friday evening: Saturday's own opening
    (at(5, 15), at(7, 9)),  # Saturday afternoon: Monday, past the closed Sunday
])
def test_back_at_the_next_opening(moment: datetime, back: datetime) -> None:
    spec = "Mon-Fri 09:00-17:00; Sat 10:00-14:30"
    assert hours.next_open(spec, ZONE, moment) == back


def test_the_widget_is_told_when_people_are_back() -> None:
    spec = "Mon-Fri 09:00-17:00"
    assert hours.status(spec, ZONE, at(0, 10)) == {"open": True}
    # with the zone's name: a visitor may be elsewhere (June in London is BST)
    assert hours.status(spec, ZONE, at(4, 18)) == {"open": False, "back": "Monday 09:00 BST"}
    december = datetime(2026, 12, 4, 18, tzinfo=ZoneInfo(ZONE))  # a Friday: GMT
    assert hours.status(spec, ZONE, december) == {"open": False, "back": "Monday 09:00 GMT"}


def test_outside_hours_the_offer_says_when_people_are_back_and_not_to_keep_waiting() -> None:
    from bot import wording

    offer = wording.nobody_available("general", "closed_hours", {"general": "General"},
                                     "Monday 09:00 GMT")
    assert "we're back Monday 09:00 GMT" in offer
    assert "keep waiting" not in offer
    assert "keep waiting here" in wording.nobody_available("general", "no_agent",
                                                           {"general": "General"})
