"""The one error the bridge answers with: a stable `code` for programs, a `message` for people.

Every refusal (bad input, a move that is not allowed now, an expired token) is a `Refused`;
docs/protocol.md lists the codes, and `STATUS` every code with the HTTP status it is answered
with on the HTTP routes (Socket.IO events carry only the code). Anything else that escapes a
handler is answered as `internal_error` (or `unavailable` when the store cannot be reached) and
logged.
"""

from __future__ import annotations

import logging

from aiohttp import web

STATUS: dict[str, int] = {
    # the payload
    "invalid_payload": 400, "missing_field": 400, "message_not_string": 400, "message_empty": 400,
    "message_too_long": 400, "invalid_text": 400, "invalid_message_id": 400, "invalid_email": 400,
    "invalid_status": 400, "invalid_name": 400, "invalid_display_name": 400, "invalid_role": 400,
    "invalid_capacity": 400, "invalid_link": 400, "unknown_event": 400, "reserved_event": 400,
    "file_empty": 400, "invalid_tag": 400,
    "json_required": 415, "file_type": 415, "file_too_large": 413,
    # who is asking
    "auth_required": 401, "token_invalid": 401, "token_expired": 401, "session_ended": 401,
    "unknown_session": 401, "bad_credentials": 401, "no_session": 400,
    "identity_invalid": 400, "identity_disabled": 400,
    # may they
    "forbidden": 403, "forbidden_origin": 403, "not_yours": 403, "not_assigned": 403,
    "link_invalid": 403, "link_expired": 403,
    # what they name
    "unknown_conversation": 404, "not_found": 404, "unknown_agent": 400,
    "unknown_department": 400, "unknown_ticket": 400, "unknown_topic": 400,
    # the state of things: the move is not possible now
    "state_changed": 409, "already_taken": 409, "already_closed": 409, "at_capacity": 409,
    "not_with_people": 409, "same_agent": 409, "no_exchange": 409, "agent_exists": 409,
    "last_supervisor": 409, "agent_limit": 409, "nothing_to_revert": 409,
    "learned_full": 409, "with_person": 409, "too_many_tags": 409,
    # too much, or too many
    "rate_limited": 429, "transcript_limit": 429,
    # our side
    "internal_error": 500, "email_failed": 502, "unavailable": 503, "busy": 503,
}


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
        """The `{ok: false}` acknowledgement on the agent side, and the body of an HTTP answer."""
        return {"ok": False, "error": {"code": self.code, "message": self.message}}

    def to_response(self, headers: dict[str, str] | None = None) -> web.Response:
        """The answer of an HTTP route, with the code's status (`STATUS`)."""
        return web.json_response(self.to_result(), status=STATUS.get(self.code, 400),
                                 headers=headers)


STATE_CHANGED = "state_changed"


def logged(log: logging.Logger, what: str, error: BaseException) -> Refused:
    """`unexpected(error)`, logged: with its traceback, or in one line when it is the store out
    of reach or short of replicas (`unavailable`: a Redis failover logs one line a request)."""
    refusal = unexpected(error)
    if refusal.code == "unavailable":
        log.warning("%s: unavailable (%s: %s)", what, type(error).__name__, error)
    else:
        log.error("%s failed", what, exc_info=error)
    return refusal


def unexpected(error: BaseException) -> Refused:
    """What a client is told about an error nobody planned for (the log has the traceback)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    if isinstance(error, (RedisConnectionError, RedisTimeoutError, ConnectionError)):
        return Refused("unavailable", "The service is briefly unavailable; please try again.")
    return Refused("internal_error", "Something went wrong on our side; please try again.")
