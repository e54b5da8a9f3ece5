"""The one error the bridge answers with: a stable `code` for programs, a `message` for people.

Every refusal (bad input, a move that is not allowed now, an expired token) is a `Refused`;
docs/protocol.md lists the codes. Anything else that escapes a handler is answered as
`internal_error` (or `unavailable` when the store cannot be reached) and logged.
"""

from __future__ import annotations


class Refused(Exception):
    """A request the bridge will not carry out; nothing was changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_event(self, event: str) -> dict[str, str]:
        """The `chat_error` payload on the visitor side."""
        return {"code": self.code, "message": self.message, "event": event}

    def to_result(self) -> dict[str, object]:
        """The `{ok: false}` acknowledgement on the agent side."""
        return {"ok": False, "error": {"code": self.code, "message": self.message}}


STATE_CHANGED = "state_changed"


def unexpected(error: BaseException) -> Refused:
    """What a client is told about an error nobody planned for (the log has the traceback)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    if isinstance(error, (RedisConnectionError, RedisTimeoutError, ConnectionError)):
        return Refused("unavailable", "The service is briefly unavailable; please try again.")
    return Refused("internal_error", "Something went wrong on our side; please try again.")
