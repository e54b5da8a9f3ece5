"""Client payloads read by the models of bot/events.py: the documented refusals, no stack."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from bot import events
from bot.console import DESKS
from bot.errors import STATUS, Refused
from bot.models import Role
from bot.visitor import VisitorNamespace

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = events.context(2000, {"general": "General", "sales": "Sales"})
CONVERSATION = "c" * 20
NEW = {"name": "alex", "display_name": "Alex", "department": "general"}


def code_of(model: type[events.Event], data: Any) -> tuple[str, str]:
    with pytest.raises(Refused) as refused:
        events.read(model, data, CONTEXT)
    return refused.value.code, refused.value.message


@pytest.mark.parametrize(("data", "code"), [
    ({"message": 42}, "message_not_string"),
    ({"message": ["hi"]}, "message_not_string"),
    ({"message": None}, "message_not_string"),
    ({"message": ""}, "message_empty"),
    ({"message": "   \n "}, "message_empty"),
    ({"message": "x" * 2001}, "message_too_long"),
    ({}, "missing_field"),
    ({"message": "hi", "message_id": {"$gt": ""}}, "invalid_message_id"),
    ({"message": "hi", "client_id": "no spaces"}, "invalid_message_id"),
    ({"message": "lone \ud800 surrogate"}, "invalid_text"),
    ({"message": "hi", "session_id": 5}, "unknown_session"),
    ("just a string", "invalid_payload"),
    (7, "invalid_payload"),
    (None, "invalid_payload"),
    ([1, 2], "invalid_payload"),
])
def test_user_uttered_refusals(data: Any, code: str) -> None:
    assert code_of(events.UserUttered, data)[0] == code


def test_the_messages_say_which_field() -> None:
    assert code_of(events.UserUttered, {}) == ("missing_field", "The field 'message' is missing.")
    assert code_of(events.Note, {"conversation_id": CONVERSATION, "text": 5}) == (
        "message_not_string", "The field 'text' must be a string.")
    assert code_of(events.UserUttered, {"message": "x" * 2001})[1] == \
        "The message is longer than 2000 characters."
    assert code_of(events.Queue, {"offset": -1}) == (
        "invalid_payload", "'offset' must be a whole number, 0 or more.")
    assert code_of(events.AgentHistory, {"conversation_id": CONVERSATION, "before": 3}) == (
        "invalid_message_id", "'before' must be a message id.")


def test_a_message_as_rasa_clients_send_it() -> None:
    said = events.read(events.UserUttered, {
        "message": "hi", "client_id": "m-1", "resend": True, "session_id": "s" * 20,
        "customData": {"page": "/x", "n": 2, "nested": {"a": 1}, "bad": "\ud800"}}, CONTEXT)
    assert (said.message, said.message_id, said.resend) == ("hi", "m-1", True)
    assert said.metadata == {"page": "/x", "n": 2}  # flat and valid only
    assert not events.read(events.UserUttered, {"message": "hi", "resend": 1}).resend
    assert events.read(events.UserUttered, {"message": "hi", "message_id": None}).message_id == ""


def test_the_limit_comes_from_the_settings() -> None:
    short = events.context(10, {})
    with pytest.raises(Refused, match="longer than 10"):
        events.read(events.UserUttered, {"message": "x" * 11}, short)
    assert events.read(events.TicketReply, {"text": "x" * 20_000}, short).text  # its own limit


@pytest.mark.parametrize("data", [None, "", 7, [1], {"session_id": "short"}])
def test_a_session_request_never_fails(data: Any) -> None:
    assert events.read(events.SessionRequest, data).session_id == ""


def test_session_request_details_are_cut_or_dropped() -> None:
    request = events.read(events.SessionRequest, {
        "session_id": "a" * 32, "user_id": 42, "timezone": "Europe/\ud800", "language": 5,
        "page_url": "https://x.example/" + "p" * 600})
    assert request.session_id == "a" * 32 and request.user_id == "42"
    assert (request.timezone, request.language, len(request.page_url)) == ("Europe/", "", 500)
    assert events.read(events.SessionRequest, "b" * 24).session_id == "b" * 24  # bare


def test_visitor_history_and_leave_message() -> None:
    assert events.read(events.VisitorHistory, None).after is None
    assert events.read(events.VisitorHistory, {"after": ""}).after is None
    assert code_of(events.VisitorHistory, {"after": 5})[0] == "invalid_message_id"
    assert code_of(events.LeaveMessage, {"email": "nope", "text": "hi"})[0] == "invalid_email"
    assert code_of(events.LeaveMessage, {"email": "kim@example.org", "text": "\ud800"})[0] == \
        "invalid_text"
    left = events.read(events.LeaveMessage, {"name": " Kim ", "email": " kim@example.org ",
                                             "text": "call me"})
    assert (left.name, left.email) == ("Kim", "kim@example.org")


@pytest.mark.parametrize(("model", "data", "code"), [
    (events.ConversationEvent, {}, "missing_field"),
    (events.ConversationEvent, {"conversation_id": "short"}, "missing_field"),
    (events.ConversationEvent, {"conversation_id": 12345678901234567890}, "missing_field"),
    (events.Queue, {"offset": True}, "invalid_payload"),
    (events.Queue, {"offset": 5.0}, "invalid_payload"),
    (events.Queue, {"offset": "5"}, "invalid_payload"),
    (events.Tickets, {"offset": -1}, "invalid_payload"),
    (events.Queue, {"department": 5}, "unknown_department"),
    (events.PresenceChange, {}, "invalid_status"),
    (events.PresenceChange, {"status": "ONLINE"}, "invalid_status"),
    (events.Transfer, {"conversation_id": CONVERSATION}, "missing_field"),
    (events.CannedSet, {"department": "nowhere", "key": "k", "text": "t"}, "invalid_payload"),
    (events.CannedSet, {"department": "general", "key": "k" * 41, "text": "t"}, "invalid_payload"),
    (events.CannedSet, {"department": "general", "key": "\ud800", "text": "t"}, "invalid_payload"),
    (events.CannedSet, {"department": "general", "key": "k"}, "missing_field"),
    (events.TicketReply, {"ticket_id": "t", "text": "x" * 20_001}, "message_too_long"),
    (events.TicketTranscript, {"before": ["x"]}, "invalid_message_id"),
    (events.AgentUpload, {"message_id": "ok"}, "missing_field"),
    (events.AgentAdd, {**NEW, "name": "Alex"}, "invalid_name"),
    (events.AgentAdd, {**NEW, "name": "a"}, "invalid_name"),
    (events.AgentAdd, {**NEW, "name": "al ex"}, "invalid_name"),
    (events.AgentAdd, {**NEW, "name": 12}, "invalid_name"),
    (events.AgentAdd, {**NEW, "display_name": "  "}, "invalid_display_name"),
    (events.AgentAdd, {**NEW, "display_name": "A\nB"}, "invalid_display_name"),
    (events.AgentAdd, {**NEW, "display_name": "x" * 61}, "invalid_display_name"),
    (events.AgentAdd, {"name": "alex", "department": "general"}, "invalid_display_name"),
    (events.AgentAdd, {**NEW, "department": "nowhere"}, "unknown_department"),
    (events.AgentAdd, {"name": "alex", "display_name": "Alex"}, "unknown_department"),
    (events.AgentAdd, {**NEW, "role": "admin"}, "invalid_role"),
    (events.AgentAdd, {**NEW, "capacity": 0}, "invalid_capacity"),
    (events.AgentAdd, {**NEW, "capacity": 21}, "invalid_capacity"),
    (events.AgentAdd, {**NEW, "capacity": "3"}, "invalid_capacity"),
    (events.AgentEdit, {"name": "alex", "role": "root"}, "invalid_role"),
    (events.AgentEdit, {"name": "alex", "department": "nowhere"}, "unknown_department"),
    (events.AgentEdit, {}, "unknown_agent"),
    (events.AgentNamed, {"name": ["alex"]}, "unknown_agent"),
])
def test_agent_refusals(model: type[events.Event], data: dict, code: str) -> None:
    assert code_of(model, data)[0] == code


def test_agent_payloads_as_read() -> None:
    transfer = events.read(events.Transfer, {"conversation_id": CONVERSATION, "to_agent": 7,
                                             "note": "n" * 3000}, CONTEXT)
    assert (transfer.to_agent, len(transfer.note)) == ("7", 2000)
    assert events.read(events.CannedSet, {"department": "general", "key": "k",
                                          "delete": True}, CONTEXT).text is None
    assert events.read(events.Queue, {"department": ""}).department is None
    assert events.read(events.AgentTyping, {"conversation_id": CONVERSATION, "on": 0}).on is False
    added = events.read(events.AgentAdd, {**NEW, "display_name": " Alex K. "}, CONTEXT)
    assert (added.display_name, added.role, added.capacity) == ("Alex K.", Role.AGENT, 3)
    edit = events.read(events.AgentEdit, {"name": "Alex", "capacity": 5}, CONTEXT)
    assert (edit.name, edit.capacity, edit.role, edit.department) == ("Alex", 5, None, None)


@pytest.mark.parametrize("body", [b"[" * 5000 + b"]" * 5000, b'{"name": ' + b"1" * 5000 + b"}",
                                  b"not json", b"[1]", b'{"name": "x"}', b"\xff"])
def test_unreadable_logins(body: bytes) -> None:
    with pytest.raises(Refused) as refused:
        events.read_json(events.Login, body)
    assert (refused.value.code, refused.value.message) == (
        "invalid_payload", "Send JSON with name and password.")


def test_a_login_is_cut_not_refused() -> None:
    login = events.read_json(events.Login, b'{"name": "' + b"n" * 500 + b'", "password": 5}')
    assert (len(login.name), login.password) == (100, "5")


def test_every_handler_has_its_model() -> None:
    """A new event gets a model, or it would be read as an empty one."""
    agent = {name.removeprefix("do_") for desk in DESKS for name, _ in inspect.getmembers(desk)
             if name.startswith("do_")}
    visitor = {name.removeprefix("on_") for name, _ in inspect.getmembers(VisitorNamespace)
               if name.startswith("on_")} - {"connect", "disconnect", "reserved_event"}
    assert agent == set(events.AGENT) and visitor == set(events.VISITOR)


def test_every_refusal_in_the_bridge_has_a_status_and_is_documented() -> None:
    raised = set()
    for path in (ROOT / "bot").rglob("*.py"):
        raised |= set(re.findall(r'(?:Refused|Refusal|refused)\(\s*"([a-z_]+)"', path.read_text()))
    assert raised <= set(STATUS), raised - set(STATUS)
    docs = (ROOT / "docs" / "protocol.md").read_text()
    assert not {code for code in STATUS if not re.search(rf"\b{code}\b", docs)}


def test_tags_are_normalised_and_named() -> None:
    from bot import tags
    from bot.events import Search, Tag, read

    assert tags.normalise("  Refund  Request!") == "refund-request"
    assert tags.normalise("late_delivery -- again") == "late-delivery-again"
    assert tags.normalise("Crème brûlée") == "crème-brûlée"
    assert tags.normalise("<b>vip</b>") == "bvipb"
    assert tags.normalise("x" * 40) == "x" * tags.TAG_CHARS
    assert tags.normalise("!!!") == ""
    cid = "a" * 32
    assert read(Tag, {"conversation_id": cid, "tag": "VIP"}).tag == "vip"
    for bad in ("", " ", "!!!", "x" * 65, 3, None):
        with pytest.raises(Refused) as refused:
            read(Tag, {"conversation_id": cid, "tag": bad})
        assert refused.value.code == "invalid_tag", bad
    assert read(Search, {"tag": "Late Delivery"}).tag == "late-delivery"
    assert read(Search, {"text": "hello"}).tag == ""
