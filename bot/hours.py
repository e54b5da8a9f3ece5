"""Business hours: when a person can be expected to answer, e.g. "Tue-Sat 12:00-20:00"."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_RULE = re.compile(r"^(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse(spec: str) -> list[tuple[set[int], time, time]]:
    """Rules separated by ';' ("Mon-Fri 09:00-17:00; Sat 10:00-14:00"); '' means always open."""
    rules = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        match = _RULE.match(part.lower())
        unreadable = ValueError(f"BUSINESS_HOURS: cannot read {part!r}; write e.g. "
                                "'Mon-Fri 09:00-17:00'")
        if not match:
            raise unreadable
        first, last, h1, m1, h2, m2 = match.groups()
        try:  # an unknown day ("Xyz") or time ("25:00") is as unreadable as a wrong shape
            a, b = DAYS.index(first), DAYS.index(last or first)
            start, end = time(int(h1), int(m1)), time(int(h2), int(m2))
        except ValueError:
            raise unreadable from None
        days = set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(0, b + 1))
        rules.append((days, start, end))
    return rules


def is_open(spec: str, timezone: str, now: datetime | None = None) -> bool:
    rules = parse(spec)
    if not rules:
        return True
    now = now or datetime.now(ZoneInfo(timezone))
    return any(now.weekday() in days and start <= now.time() < end for days, start, end in rules)


def next_open(spec: str, timezone: str, now: datetime | None = None) -> datetime | None:
    """When people are next expected (the start of the next opening), None if always open."""
    rules = parse(spec)
    if not rules:
        return None
    now = now or datetime.now(ZoneInfo(timezone))
    for ahead in range(8):
        day = now + timedelta(days=ahead)
        starts = sorted(start for days, start, _ in rules if day.weekday() in days)
        for start in starts:
            at = day.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
            if at > now:
                return at
    return None


def status(spec: str, timezone: str, now: datetime | None = None) -> dict[str, object]:
    """For the widget: whether people are there now and, if not, when they are back."""
    if is_open(spec, timezone, now):
        return {"open": True}
    back = next_open(spec, timezone, now)
    return {"open": False, "back": when(back) if back else ""}


def when(moment: datetime) -> str:
    """"Monday 09:00 GMT": a day, a time and its zone (a visitor may be elsewhere)."""
    zone = moment.tzname() or ""
    if zone and not zone.isalpha():  # "+03": zones with no abbreviation
        zone = "UTC" + zone
    return f"{moment:%A %H:%M} {zone}".strip()
