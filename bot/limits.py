"""Rate limits of Socket.IO events, kept in this process's memory with the `limits` library
(moving windows). A visitor event is counted for its connection, its conversation and its
network address, so reconnecting or opening more tabs does not reset anything; an agent event
for its connection. Nothing here costs a Redis call: a connection, and in practice an address
(sticky load balancing), lives on one bridge process.
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Who:
    """What an event is counted against."""

    connection: str
    conversation: str = ""
    address: str = ""


def visitor_rules(rate: int, address_factor: int) -> dict[str, list[tuple[str, RateLimitItem]]]:
    """Per visitor event: (scope, limit). `rate` messages per 10 s per connection (VISITOR_RATE);
    an address may do `address_factor` times what one conversation may."""
    messages = RateLimitItemPerSecond(rate, 10)
    return {
        "user_uttered": [("connection", messages), ("conversation", messages),
                         ("address", RateLimitItemPerSecond(rate * address_factor, 10))],
        "leave_message": [("connection", RateLimitItemPerMinute(3)),
                          ("conversation", RateLimitItemPerMinute(5, 60)),
                          ("address", RateLimitItemPerMinute(5 * address_factor, 60))],
        "session_request": [("connection", RateLimitItemPerMinute(10)),
                            ("address", RateLimitItemPerMinute(30 * address_factor))],
        "history": [("connection", RateLimitItemPerMinute(20)),
                    ("address", RateLimitItemPerMinute(60 * address_factor))],
        "typing": [("connection", RateLimitItemPerSecond(30, 10))],
        "*": [("connection", RateLimitItemPerSecond(30, 10))],  # anything else, unknown events
    }


class Limits:
    """Moving-window limits per event name and scope."""

    def __init__(self, rules: dict[str, list[tuple[str, RateLimitItem]]]) -> None:
        self.rules = rules
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def allow(self, event: str, who: Who) -> bool:
        """Count one `event` by `who`; False when any of its limits is spent (nothing counted
        then for the scopes after the spent one)."""
        for scope, item in self.rules.get(event) or self.rules["*"]:
            key = getattr(who, scope)
            if key and not await self.limiter.hit(item, event, scope, key):
                return False
        return True


def per_connection(rate: int) -> Limits:
    """`rate` events per 10 s for each connection, whatever the event (agents)."""
    return Limits({"*": [("connection", RateLimitItemPerSecond(rate, 10))]})
