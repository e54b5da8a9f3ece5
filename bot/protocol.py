"""The wire format: reading Socket.IO packets, shaping what the bridge emits, safe text.

The visitor side follows Rasa's socketio channel (`session_request`, `session_confirm`,
`user_uttered`, `bot_uttered`) so existing Rasa widgets work; docs/protocol.md lists every event.
What clients send is read by the models of bot/events.py.
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
    return scheme is not None and scheme.group(1) not in SAFE_SCHEMES


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
    """Buttons as Rasa's quick replies: one that opens a web page is rasa-webchat's `web_url`."""
    return [
        {"content_type": "text", "type": "web_url", "title": b["title"], "url": b["url"]}
        if b.get("url") else {"content_type": "text", "title": b["title"], "payload": b["payload"]}
        for b in buttons
    ]


def frontdesk_fields(message: Message, link: str = "") -> dict[str, Any]:
    fields: dict[str, Any] = {"id": message.id, "ts": message.ts, "sender": message.sender.value}
    for key in ("agent_name", "custom", "transfer_to", "answer"):
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
