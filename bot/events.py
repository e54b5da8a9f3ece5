"""What clients send: one pydantic model per Socket.IO event and per HTTP body.

A model reads one payload: its fields, their types and bounds, what an absent field means, and
the documented error code (docs/protocol.md) a wrong one is refused with. What depends on the
state of things (may this agent see that chat? is that this connection's session? is there
such a ticket?) is for the handler, once the payload is read. `read` turns pydantic's findings
into the one `Refused` a client is told; `scripts/protocol_schema.py` writes the models out as
JSON Schema (docs/protocol.md, widget/src/protocol-schema.json).

Lenient where the protocol always was (a detail such as the time zone is cut or dropped, never
refused; `on` is anything truthy), strict where it refuses.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import CoreSchema, PydanticCustomError

from . import tags
from .answer_text import MAX_ANSWER_CHARS, MAX_BUTTONS, Button
from .errors import STATUS, Refused
from .models import Presence, Role
from .protocol import EMAIL, SESSION_ID, detail, encodable

DEFAULT_MAX_CHARS = 2000  # MAX_MESSAGE_CHARS, when no context says otherwise
TICKET_REPLY_CHARS = 20_000  # an emailed answer may be longer than a chat message
CANNED_KEY = "Give a department and a key (1-40 chars)."
LOGIN_NAME = r"^[a-z0-9][a-z0-9._-]{1,31}$"  # what the console may create (the command line: any)
DISPLAY_NAME_CHARS = 60
CAPACITY_MAX = 20  # chats at once
HISTORY_KEPT = 20  # edits of an answer kept (the latest); bot/answers.py


class Refusal:
    """What a client is told when a field is wrong in any way (missing included): `Annotated`
    metadata, shown in the JSON Schema as `x-refused`. `{field}` is replaced by its name."""

    def __init__(self, code: str, message: str) -> None:
        if code not in STATUS:  # documented codes only
            raise ValueError(f"{code} is not in errors.STATUS")
        self.code, self.message = code, message

    def refused(self, field: str) -> Refused:
        return Refused(self.code, self.message.format(field=field))

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["x-refused"] = self.code
        return schema


def context(max_chars: int, departments: dict[str, str]) -> dict[str, Any]:
    """What validation needs to know of the settings (`read`'s `context`)."""
    return {"max_chars": max_chars, "departments": departments}


# --- field types -----------------------------------------------------------------------------


def _string(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("message_not_string", "The field '{field}' must be a string.",
                                  {"field": info.field_name})
    return value


def _said(text: str, field: str | None, limit: int) -> str:
    """Someone's text: not blank, valid Unicode, not too long."""
    if not text.strip():
        raise PydanticCustomError("message_empty", "The message is empty.")
    if not encodable(text):
        raise PydanticCustomError("invalid_text", "The field '{field}' is not valid Unicode text.",
                                  {"field": field})
    if len(text) > limit:
        raise PydanticCustomError("message_too_long",
                                  "The message is longer than {limit} characters.", {"limit": limit})
    return text


def _chat_text(text: str, info: ValidationInfo) -> str:
    return _said(text, info.field_name, (info.context or {}).get("max_chars", DEFAULT_MAX_CHARS))


def _long_text(text: str, info: ValidationInfo) -> str:
    return _said(text, info.field_name, TICKET_REPLY_CHARS)


def _falsy_is_none(value: Any) -> Any:
    return value or None


def _detail(limit: int) -> BeforeValidator:
    """A detail a client tells about itself (time zone, page...): cut or dropped, never refused."""
    return BeforeValidator(lambda value: detail(value, limit))


def _page_facts(raw: Any) -> dict[str, Any]:
    """What the page tells about itself: at most 20 flat entries, what is not flat or not valid
    text dropped."""
    if not isinstance(raw, dict):
        return {}
    return {
        detail(str(k), 64): v for k, v in list(raw.items())[:20]
        if isinstance(v, (int, float, bool)) or (isinstance(v, str) and encodable(v))
    }


def _valid_text(text: str) -> str:
    if not encodable(text):
        raise ValueError("not valid Unicode text")
    return text


def _stated(value: Any) -> str:
    """A name or id as given, in words (`5` -> "5"); absent, null or "" -> ""."""
    return str(value) if value else ""


def _trimmed(value: Any) -> str:
    return _stated(value).strip()


def _display_name(value: Any) -> Any:
    """A name visitors see: trimmed, 1-60 printable characters (no line breaks)."""
    if not isinstance(value, str):
        return value  # refused as not a string
    value = value.strip()
    if not value or len(value) > DISPLAY_NAME_CHARS or not value.isprintable() \
            or not encodable(value):
        raise PydanticCustomError("invalid_display_name", DISPLAY_NAME_REFUSED)
    return value


def _known_department(value: Any, info: ValidationInfo) -> Any:
    if value is not None and value not in (info.context or {}).get("departments", (value,)):
        raise PydanticCustomError("unknown_department", "There is no such department.")
    return value


DISPLAY_NAME_REFUSED = (f"A display name is 1-{DISPLAY_NAME_CHARS} characters of text on one "
                        "line.")

# Text a person writes (a message, a reply, a note): 1 to MAX_MESSAGE_CHARS characters, not blank.
Text = Annotated[str, BeforeValidator(_string), AfterValidator(_chat_text),
                 Field(json_schema_extra={"minLength": 1, "maxLength": DEFAULT_MAX_CHARS})]
LongText = Annotated[str, BeforeValidator(_string), AfterValidator(_long_text),
                     Field(json_schema_extra={"minLength": 1, "maxLength": TICKET_REPLY_CHARS})]
ConversationId = Annotated[str, Field(pattern=SESSION_ID.pattern),
                           Refusal("missing_field", "A valid 'conversation_id' is required.")]
# A client's id of its message ("" or null: none), which makes a resend idempotent.
MessageId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{0,64}$"),
                      BeforeValidator(lambda value: "" if value is None else value),
                      Refusal("invalid_message_id", "message_id must be 1-64 letters, digits or _.:-")]
# A message id to page from ("1795432153026-0"); whether the conversation has it is the store's.
Cursor = Annotated[str | None, BeforeValidator(_falsy_is_none),
                   Refusal("invalid_message_id", "'{field}' must be a message id.")]
Stated = Annotated[str, BeforeValidator(_stated)]
Trimmed = Annotated[str, BeforeValidator(_trimmed)]
Email = Annotated[str, Field(pattern=EMAIL.pattern), BeforeValidator(_trimmed),
                  Refusal("invalid_email", "Please give a valid email address.")]
Department = Annotated[str | None, BeforeValidator(_falsy_is_none),
                       Refusal("unknown_department", "There is no such department.")]
Offset = Annotated[int, Field(ge=0, strict=True),  # 5.0, "5" and true are not whole numbers
                   Refusal("invalid_payload", "'{field}' must be a whole number, 0 or more.")]
Switch = Annotated[bool, BeforeValidator(bool)]  # anything truthy is on
# People (supervisors' `agent_*` events): a login name to create, one that exists, and the
# fields of an account; `| None` where an edit leaves the field as it is.
LoginName = Annotated[str, Field(pattern=LOGIN_NAME, strict=True), Refusal(
    "invalid_name", "A login name is 2-32 lower-case letters, digits, '.', '_' or '-', starting "
                    "with a letter or a digit.")]
AgentName = Annotated[str, Field(min_length=1, max_length=100, strict=True),
                      Refusal("unknown_agent", "There is no such agent.")]
DisplayName = Annotated[str | None, BeforeValidator(_display_name),
                        Field(json_schema_extra={"minLength": 1,
                                                 "maxLength": DISPLAY_NAME_CHARS}),
                        Refusal("invalid_display_name", DISPLAY_NAME_REFUSED)]
KnownDepartment = Annotated[str | None, Field(strict=True), AfterValidator(_known_department),
                            Refusal("unknown_department", "There is no such department.")]
AgentRole = Annotated[Role | None, Refusal("invalid_role", "role is agent or supervisor.")]
Capacity = Annotated[int | None, Field(ge=1, le=CAPACITY_MAX, strict=True), Refusal(
    "invalid_capacity", f"capacity is a whole number from 1 to {CAPACITY_MAX}.")]


# --- the base ----------------------------------------------------------------------------------


class Event(BaseModel):
    """A payload: a JSON object whose unknown keys are ignored (widgets send their own)."""

    model_config = ConfigDict(extra="ignore", frozen=True,
                              regex_engine="python-re")  # the patterns as bot/protocol.py reads them
    unreadable: ClassVar[tuple[str, str]] = ("invalid_payload",
                                             "The event's payload must be a JSON object.")


E = TypeVar("E", bound=BaseModel)


def read(model: type[E], data: Any, context: dict[str, Any] | None = None) -> E:
    """`data` as a `model`, or the `Refused` of its first problem."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        raise refusal(model, error) from None


def read_json(model: type[E], body: bytes) -> E:
    """An HTTP body of JSON as a `model` (unreadable JSON: the model's `unreadable` refusal)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise refusal(model, error) from None


def refusal(model: type[BaseModel], error: ValidationError) -> Refused:
    """The one refusal a client is told: its payload's first problem, as documented."""
    problem = error.errors()[0]
    kind, loc = problem["type"], problem["loc"]
    if kind in STATUS:  # raised by a check here with a documented code and its message
        return Refused(kind, problem["msg"])
    name = _field_named(model, loc[0]) if loc else None
    if name is None:  # not an object, not JSON
        return Refused(*getattr(model, "unreadable", Event.unreadable))
    for meta in model.model_fields[name].metadata:
        if isinstance(meta, Refusal):
            return meta.refused(name)
    if kind == "missing":
        return Refused("missing_field", f"The field '{name}' is missing.")
    return Refused("invalid_payload", f"'{name}': {problem['msg']}.")


def _field_named(model: type[BaseModel], key: Any) -> str | None:
    """The field an error's location names, by name or by one of its aliases."""
    for name, field in model.model_fields.items():
        aliases = field.validation_alias
        choices = aliases.choices if isinstance(aliases, AliasChoices) else [aliases]
        if key == name or key in choices:
            return name
    return None


# --- visitors (namespace /) ------------------------------------------------------------------


class VisitorEvent(Event):
    # The session this connection is bound to, if the client says (the handler compares).
    session_id: Annotated[str | None, Refusal(
        "unknown_session", "This connection is not bound to that session.")] = None


class SessionRequest(Event):
    """Bind the connection to a conversation: resume it with its secret, or start one."""

    session_id: Annotated[str, BeforeValidator(  # not a secret's shape: a new conversation
        lambda value: value if isinstance(value, str) and SESSION_ID.match(value) else "")] = ""
    user_id: Stated = ""
    user_hash: Stated = ""
    page_url: Annotated[str, _detail(500)] = ""
    timezone: Annotated[str, _detail(100)] = ""
    local_time: Annotated[str, _detail(100)] = ""
    language: Annotated[str, _detail(100)] = ""

    @model_validator(mode="before")
    @classmethod
    def _anything(cls, data: Any) -> Any:
        """Rasa's clients may send the bare session id, or nothing: a new conversation."""
        if isinstance(data, str):
            return {"session_id": data}
        return data if isinstance(data, dict) else {}


class UserUttered(VisitorEvent):
    message: Text
    message_id: MessageId = Field("", validation_alias=AliasChoices("message_id", "client_id"))
    resend: Annotated[bool, BeforeValidator(lambda value: value is True)] = False
    metadata: Annotated[dict[str, Any], BeforeValidator(_page_facts)] = Field(
        {}, validation_alias=AliasChoices("metadata", "customData"))  # rasa-webchat's name


class VisitorTyping(VisitorEvent):
    on: Switch = True


class VisitorHistory(VisitorEvent):
    after: Cursor = None

    @model_validator(mode="before")
    @classmethod
    def _nothing_is_all(cls, data: Any) -> Any:
        return {} if data is None else data


class LeaveMessage(VisitorEvent):
    name: Annotated[str, BeforeValidator(lambda value: detail(value or "", 100).strip())] = ""
    email: Email
    text: Text


class EmailTranscript(VisitorEvent):
    # Checked by the handler: the address of a message left in the conversation comes first.
    email: Trimmed = ""


class RejectAnswer(VisitorEvent):
    """A thumbs-down on one of the bot's answers (its message id): kept for teaching."""

    message_id: Annotated[str, Field(pattern=r"^\d{1,20}-\d{1,20}$"),
                          Refusal("invalid_message_id", "'message_id' must be a message id.")]


class ReadMark(VisitorEvent):
    """The visitor has read up to this message (its id): the agent sees "Seen"."""

    message_id: Annotated[str, Field(pattern=r"^\d{1,20}-\d{1,20}$"),
                          Refusal("invalid_message_id", "'message_id' must be a message id.")]


VISITOR: dict[str, type[Event]] = {
    "session_request": SessionRequest,
    "user_uttered": UserUttered,
    "typing": VisitorTyping,
    "history": VisitorHistory,
    "leave_message": LeaveMessage,
    "email_transcript": EmailTranscript,
    "reject_answer": RejectAnswer,
    "read": ReadMark,
}


# --- agents (namespace /agent) ---------------------------------------------------------------


class ConversationEvent(Event):
    conversation_id: ConversationId


class AgentHistory(ConversationEvent):
    """After `after` (from the start without it), or just before `before`."""

    after: Cursor = None
    before: Cursor = None


class Queue(Event):
    department: Department = None  # default: the agent's own
    offset: Offset = 0


class PresenceChange(Event):
    status: Annotated[Presence, Refusal("invalid_status", "status is online, away or offline.")]


class Reply(ConversationEvent):
    text: Text
    message_id: MessageId = Field("", validation_alias=AliasChoices("message_id", "client_id"))
    resend: Annotated[bool, BeforeValidator(lambda value: value is True)] = False


class AgentTyping(ConversationEvent):
    on: Switch = True


class AgentRead(ConversationEvent):
    """The agent who has the chat has read up to this message: the visitor sees "Seen"."""

    message_id: Annotated[str, Field(pattern=r"^\d{1,20}-\d{1,20}$"),
                          Refusal("invalid_message_id", "'message_id' must be a message id.")]


class Note(ConversationEvent):
    text: Text


def _transfer_note(value: Any, info: ValidationInfo) -> str:
    return detail(value or "", (info.context or {}).get("max_chars", DEFAULT_MAX_CHARS))


class Transfer(ConversationEvent):
    to_agent: Stated = ""
    department: Stated = ""
    note: Annotated[str, BeforeValidator(_transfer_note)] = ""

    @model_validator(mode="after")
    def _somewhere(self) -> Transfer:
        if not (self.to_agent or self.department):
            raise PydanticCustomError("missing_field", "Give 'to_agent' or 'department'.")
        return self


class Canned(Event):
    department: Department = None  # default: the agent's own


class CannedSet(Event):
    """Set a canned response, or delete it (`delete: true`, no text)."""

    department: Annotated[str, Refusal("invalid_payload", CANNED_KEY)]
    key: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_valid_text),
                   Refusal("invalid_payload", CANNED_KEY)]
    text: Text | None = None
    delete: Switch = False

    @model_validator(mode="after")
    def _complete(self, info: ValidationInfo) -> CannedSet:
        if self.department not in (info.context or {}).get("departments", (self.department,)):
            raise PydanticCustomError("invalid_payload", CANNED_KEY)
        if self.text is None and not self.delete:
            raise PydanticCustomError("missing_field", "The field 'text' is missing.")
        return self


class Tickets(Event):
    offset: Offset = 0
    department: Department = None  # supervisors: every department without it


class TicketTranscript(Event):
    ticket_id: Stated = ""
    before: Cursor = None  # the latest page without it


class TicketReply(Event):
    ticket_id: Stated = ""
    text: LongText


# What a person teaches: a FAQ intent (faq_<topic>), out_of_scope, or ignore (checked by the
# desk against the pack's topics).
Label = Annotated[str, Field(pattern=r"^(faq_[a-z0-9_]{1,60}|out_of_scope|ignore)$"),
                  Refusal("unknown_topic", "'label' is faq_<topic>, out_of_scope or ignore.")]
EntryId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,100}:\d{1,20}-\d{1,20}$")]


class TeachList(Event):
    """A page of the To-teach view: groups of unanswered messages, newest first."""

    offset: Offset = 0
    department: Department = None  # supervisors: every department without it


class TeachLabel(Event):
    """Label a group's entries (their ids, as listed): a topic, out of scope, or ignore."""

    entries: Annotated[list[EntryId], Field(min_length=1, max_length=100),
                       Refusal("invalid_payload", "'entries' lists 1-100 entry ids.")]
    label: Label


class TeachFirst(ConversationEvent):
    """Label the message that started a handed-off chat (its first visitor message)."""

    label: Label


class AgentAdd(Event):
    """A new account (supervisors); its password is made by the bridge and answered once."""

    name: LoginName
    display_name: DisplayName
    department: KnownDepartment
    role: AgentRole = Role.AGENT
    capacity: Capacity = 3

    @model_validator(mode="after")
    def _complete(self) -> AgentAdd:
        if self.display_name is None:
            raise PydanticCustomError("invalid_display_name", DISPLAY_NAME_REFUSED)
        if self.department is None:
            raise PydanticCustomError("unknown_department", "There is no such department.")
        return self


class AgentEdit(Event):
    """Change an account (supervisors): the fields given, the others as they are."""

    name: AgentName
    display_name: DisplayName = None
    department: KnownDepartment = None
    role: AgentRole = None
    capacity: Capacity = None


class AgentNamed(Event):
    """An existing account: to remove, or to give a new password."""

    name: AgentName
def _answer_text(text: str, info: ValidationInfo) -> str:
    return _said(text, info.field_name, MAX_ANSWER_CHARS)


TopicName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$"),
                      Refusal("unknown_topic", "There is no such topic.")]
BUTTONS_REFUSED = (f"'buttons' is a list of at most {MAX_BUTTONS}, each a title (1-40 "
                   "characters) and either a url (http:// or https://) or a topic.")


class AnswerTopic(Event):
    """A topic's history (`answer_history`); `answer_revert` undoes the edit at `index` of it
    (0, the latest: the answer becomes what it was before that edit)."""

    topic: TopicName
    index: Annotated[int, Field(ge=0, lt=HISTORY_KEPT, strict=True),
                     Refusal("invalid_payload", f"'index' is a whole number, 0 to {HISTORY_KEPT - 1}.")] = 0


class VisitorPast(ConversationEvent):
    """A page of the same visitor's earlier conversations and tickets (bot/history.py)."""

    offset: Offset = 0


class PastTranscript(ConversationEvent):
    """A page of a past conversation's transcript, read only: the latest without `before`."""

    before: Cursor = None


SEARCH_REFUSED = "'text' is at most 200 characters: words or an email address."
TAG_INPUT_CHARS = 64  # a tag as typed, before it is normalised to at most tags.TAG_CHARS
TAG_REFUSED = "A tag is 1-32 letters, digits or dashes."
# A time to search from or until (seconds since 1970, 0: no bound)
Moment = Annotated[float, Field(ge=0, le=1e11, allow_inf_nan=False),
                   Refusal("invalid_payload", "'{field}' is a time in seconds since 1970, or 0.")]


def _tag(value: Any, info: ValidationInfo) -> str:
    """A tag as stored (bot/tags.py): normalised; '' stays '' (no tag)."""
    return tags.normalise(_string(value, info))


def _named(tag: str) -> str:
    if not tag:
        raise ValueError("no tag")
    return tag


# A tag, normalised (1-32 characters of letters, digits and dashes once normalised)
TagName = Annotated[str, Field(max_length=TAG_INPUT_CHARS), AfterValidator(_tag),
                    Refusal("invalid_tag", TAG_REFUSED)]


class Search(Event):
    """Past conversations and tickets by words or an email address, and by a tag (at least one
    of the two), in a department (the agent's own; a supervisor's choice, or all), between two
    times."""

    text: Annotated[str, BeforeValidator(_string), Field(max_length=200),
                    Refusal("invalid_payload", SEARCH_REFUSED)] = ""
    tag: TagName = ""
    department: Department = None
    since: Moment = 0
    until: Moment = 0
    offset: Offset = 0


class Tag(ConversationEvent):
    """Add a tag to a conversation, or (`remove`) take it off."""

    tag: Annotated[TagName, AfterValidator(_named)]
    remove: Switch = False


class AnswerSet(Event):
    """A topic's new answer: text (web links as [words](https://...)) and buttons."""

    topic: TopicName
    text: Annotated[str, BeforeValidator(_string), AfterValidator(_answer_text),
                    Field(json_schema_extra={"minLength": 1, "maxLength": MAX_ANSWER_CHARS})]
    buttons: Annotated[list[Button], Field(max_length=MAX_BUTTONS),
                       Refusal("invalid_payload", BUTTONS_REFUSED)] = []


AGENT: dict[str, type[Event]] = {
    "hello": Event,
    "presence": PresenceChange,
    "queue": Queue,
    "agents": Event,
    "open": ConversationEvent,
    "leave": ConversationEvent,
    "claim": ConversationEvent,
    "reply": Reply,
    "typing": AgentTyping,
    "read": AgentRead,
    "note": Note,
    "transfer": Transfer,
    "hand_back": ConversationEvent,
    "close": ConversationEvent,
    "history": AgentHistory,
    "canned": Canned,
    "canned_set": CannedSet,
    "tickets": Tickets,
    "ticket_transcript": TicketTranscript,
    "ticket_reply": TicketReply,
    "visitor_history": VisitorPast,
    "past_transcript": PastTranscript,
    "search": Search,
    "tag": Tag,
    "teach_list": TeachList,
    "teach_label": TeachLabel,
    "teach_first": TeachFirst,
    "model": Event,
    "model_train": Event,
    "model_rollback": Event,
    "agent_add": AgentAdd,
    "agent_edit": AgentEdit,
    "agent_remove": AgentNamed,
    "agent_reset": AgentNamed,
    "answers": Event,
    "answer_set": AnswerSet,
    "answer_history": AnswerTopic,
    "answer_revert": AnswerTopic,
}


# --- HTTP bodies -----------------------------------------------------------------------------

LOGIN_REFUSED = "Send JSON with name and password."


class Login(BaseModel):
    """POST /api/login, as JSON. Over-long values are cut (a password check costs the same)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    unreadable: ClassVar[tuple[str, str]] = ("invalid_payload", LOGIN_REFUSED)

    name: Annotated[str, BeforeValidator(lambda value: str(value)[:100]),
                    Refusal("invalid_payload", LOGIN_REFUSED)]
    password: Annotated[str, BeforeValidator(lambda value: str(value)[:1000]),
                        Refusal("invalid_payload", LOGIN_REFUSED)]


class VisitorUpload(Event):
    """POST /api/attachments: the form's fields besides `file`."""

    message_id: MessageId = ""


class AgentUpload(Event):
    """POST /api/agent/attachments: the form's fields besides `file`."""

    conversation_id: ConversationId
    message_id: MessageId = ""


HTTP: dict[str, type[BaseModel]] = {
    "POST /api/login": Login,
    "POST /api/attachments": VisitorUpload,
    "POST /api/agent/attachments": AgentUpload,
}


# --- the schema ------------------------------------------------------------------------------


class _Untitled(GenerateJsonSchema):
    """No `title` on every field (the name says it)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def json_schema() -> dict[str, Any]:
    """Every model as JSON Schema (draft 2020-12) under `$defs`, and which event or route takes
    which: `visitor`, `agent` and `http` map a name to its `$ref`."""
    tables: dict[str, dict[str, type[BaseModel]]] = {"visitor": {**VISITOR}, "agent": {**AGENT},
                                                      "http": HTTP}
    models = sorted({m for table in tables.values() for m in table.values()},
                    key=lambda model: model.__name__)
    refs, schema = models_json_schema([(model, "validation") for model in models],
                                      schema_generator=_Untitled, ref_template="#/$defs/{model}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "What Frontdesk's clients send",
        "description": "Generated from bot/events.py by scripts/protocol_schema.py: do not edit. "
                       "x-refused: the error code a wrong value is refused with.",
        **{side: {name: refs[(model, "validation")] for name, model in table.items()}
           for side, table in tables.items()},
        "$defs": schema["$defs"],
    }
