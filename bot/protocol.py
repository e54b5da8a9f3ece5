"""The wire format: validating what clients send and shaping what the bridge emits.

The visitor side follows Rasa's socketio channel (`session_request`, `session_confirm`,
`user_uttered`, `bot_uttered`) so existing Rasa widgets work; docs/protocol.md lists every event.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from engineio import json as engineio_json

from .errors import Refused
from .models import Message

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_PART = r"(?:[^()\s]|\([^()\s]*\))*"  # a link destination, with one level of parentheses
_INLINE_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*(<[^>\n]*>|" + _PART + r")(?:\s+[^()\n]*)?\)")
_LINK_OPENING = re.compile(r"\]\s*\(\s*<?\s*([^\s()<>]*)")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*)>")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+).*$", re.MULTILINE)
_ZWSP = "\u200b"


def unsafe_target(target: str) -> bool:
    """A link target that is not a web, mail or phone link (javascript:, data:, vbscript:...)."""
    plain = html.unescape(target.strip("<> ")).strip()
    plain = re.sub(r"[\x00-\x20\x7f]", "", plain).lower()
    scheme = re.match(r"^([a-z][a-z0-9+.\-]*):", plain)
    return bool(scheme) and scheme.group(1) not in SAFE_SCHEMES


def safe_links(text: str) -> str:
    """Text a person writes to visitors, with every Markdown link that could run script made
    plain: some widgets (rasa-webchat) render Markdown, so `[x](javascript:...)` would be live.
    Web links stay as they are; what the text says is kept."""
    text = _INLINE_LINK.sub(lambda m: m.group(1) if unsafe_target(m.group(2)) else m.group(0), text)
    # Whatever is left that opens a link to such a target is broken up (invisibly).
    text = _LINK_OPENING.sub(
        lambda m: "]" + _ZWSP + m.group(0)[1:] if unsafe_target(m.group(1)) else m.group(0), text
    )
    text = _AUTOLINK.sub(lambda m: m.group(1).replace(":", "\u2236", 1)
                         if unsafe_target(m.group(1)) else m.group(0), text)
    return _DEFINITION.sub(lambda m: "" if unsafe_target(m.group(1)) else m.group(0), text)


def encodable(text: str) -> bool:
    """False for text that cannot be stored or sent on (a lone UTF-16 surrogate, say)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def detail(value: Any, limit: int) -> str:
    """A detail a client tells about itself (time zone, page...): a string, valid, bounded;
    anything else is dropped rather than refused."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "ignore").decode("utf-8")[:limit]


def require_dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Refused("invalid_payload", "The event's payload must be a JSON object.")
    return data


_EVENT_NAME = re.compile(r'^\s*\[\s*"([A-Za-z0-9_]{1,64})"')


class Undecodable:
    """A Socket.IO packet whose JSON could not be read: a number of more than 100 digits
    (engine.io's bound), nesting deeper than Python's recursion limit, or not JSON at all.
    It stands in for the event's arguments, so that the event is answered `invalid_payload`."""

    def __init__(self, text: Any) -> None:
        found = _EVENT_NAME.match(text) if isinstance(text, str) else None
        self.event = found.group(1) if found else ""


def undecodable(args: tuple[Any, ...]) -> None:
    """Refuse an event that came as an undecodable packet."""
    if any(isinstance(arg, Undecodable) for arg in args):
        raise Refused("invalid_payload", "The event could not be read as JSON (a number of more "
                                         "than 100 digits? nesting too deep?).")


class FrameJson:
    """The JSON module engine.io reads its frames with: nesting too deep is not JSON either
    (engine.io then passes the frame on as text, and Socket.IO refuses it)."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: str, **options: Any) -> Any:
        try:
            return engineio_json.loads(text, **options)
        except RecursionError:
            raise ValueError("nesting too deep") from None


class PacketJson:
    """The JSON module Socket.IO packets are read with: what cannot be read becomes an
    `Undecodable` (answered), not an exception (no answer, a traceback per packet)."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: str, **options: Any) -> Any:
        try:
            return engineio_json.loads(text, **options)
        except (ValueError, RecursionError):
            return Undecodable(text)


def message_text(data: dict[str, Any], max_chars: int, field: str = "message") -> str:
    """Someone's text, checked: present, a string, not blank, not too long."""
    if field not in data:
        raise Refused("missing_field", f"The field '{field}' is missing.")
    text = data[field]
    if not isinstance(text, str):
        raise Refused("message_not_string", f"The field '{field}' must be a string.")
    if not text.strip():
        raise Refused("message_empty", "The message is empty.")
    if not encodable(text):
        raise Refused("invalid_text", f"The field '{field}' is not valid Unicode text.")
    if len(text) > max_chars:
        raise Refused(
            "message_too_long", f"The message is longer than {max_chars} characters."
        )
    return text


def resend(data: dict[str, Any]) -> bool:
    """The client sends this message again (same `message_id`) not knowing if it was stored."""
    return data.get("resend") is True


def client_id(data: dict[str, Any]) -> str:
    """The optional client-generated message id that makes resends idempotent."""
    value = data.get("message_id", data.get("client_id"))
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise Refused("invalid_message_id", "message_id must be 1-64 letters, digits or _.:-")
    return value


def proposed_session(data: Any) -> str:
    """The session id a client asks to resume, or '' for a new one."""
    if isinstance(data, dict):
        data = data.get("session_id")
    if isinstance(data, str) and SESSION_ID.match(data):
        return data
    return ""


def metadata(data: dict[str, Any]) -> dict[str, Any]:
    """What the page tells about itself (`metadata` or rasa-webchat's `customData`)."""
    raw = data.get("metadata", data.get("customData"))
    if not isinstance(raw, dict):
        return {}
    return {
        detail(str(k), 64): v for k, v in list(raw.items())[:20]
        if isinstance(v, (int, float, bool)) or (isinstance(v, str) and encodable(v))
    }


def bot_uttered(message: Message, link: str = "") -> dict[str, Any]:
    """A stored bot, agent or system message as Rasa's `bot_uttered` payload.

    Top-level keys are exactly Rasa's (rasa-webchat shows nothing else); Frontdesk's own fields
    (id, ts, sender, agent_name, custom, file) travel in `metadata`. A file (`link`: its signed
    URL) reaches text-only clients as a Markdown link named by its (clean) file name."""
    payload: dict[str, Any] = {"text": message.text}
    data = message.data
    if data.get("file") and link:
        payload["text"] = f"[{data['file']['name']}]({link})"
    if data.get("buttons"):
        payload["quick_replies"] = quick_replies(data["buttons"])
    if data.get("image"):
        payload["attachment"] = {"type": "image", "payload": {"src": data["image"]}}
    payload["metadata"] = frontdesk_fields(message, link)
    return payload


def quick_replies(buttons: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]


def frontdesk_fields(message: Message, link: str = "") -> dict[str, Any]:
    fields: dict[str, Any] = {"id": message.id, "ts": message.ts, "sender": message.sender.value}
    for key in ("agent_name", "custom", "transfer_to"):
        if message.data.get(key):
            fields[key] = message.data[key]
    if message.data.get("file"):
        fields["file"] = {**message.data["file"], "url": link}
    return fields


def transcript_entry(message: Message, link: str = "") -> dict[str, Any]:
    """A message as history replay and the agents' live view show it (flat); `link`: the signed
    URL of its file, if it has one."""
    entry = bot_uttered(message, link)
    entry.update(entry.pop("metadata"))
    if message.client_id:
        entry["client_id"] = message.client_id
    return entry


EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,255}\.[^@\s<>]{2,}$")
