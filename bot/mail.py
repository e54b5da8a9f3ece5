"""Email through the configured SMTP server: answers to left messages, and chat transcripts a
visitor asks for. Plain text only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from zoneinfo import ZoneInfo

import aiosmtplib

from . import wording
from .config import Settings
from .models import Agent, Conversation, Message, Sender, Ticket
from .store import Store


def new_email(settings: Settings, to: str, subject: str) -> EmailMessage:
    """An empty message with the headers every mail of ours has (Date, Message-ID)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("frontdesk", domain=domain)
    return message


def reply_email(settings: Settings, ticket: Ticket, agent: Agent, text: str) -> EmailMessage:
    message = new_email(settings, ticket.email, f"Re: your message to {settings.site.name}")
    quoted = "\n".join(f"> {line}" for line in ticket.message.splitlines())
    message.set_content(f"{text}\n\n{agent.display_name}\n\nYou wrote:\n{quoted}\n")
    return message


class MailFailed(OSError):
    """The answer could not be handed to the mail server; the text says why, for people."""


async def send_reply(settings: Settings, ticket: Ticket, agent: Agent, text: str) -> None:
    """Send an agent's answer; raises MailFailed when the mail server cannot take it."""
    await send(settings, reply_email(settings, ticket, agent, text))


def speaker(message: Message) -> str:
    if message.sender is Sender.VISITOR:
        return "You"
    if message.sender is Sender.AGENT:
        return str(message.data.get("agent_name") or "Our team")
    return "Assistant" if message.sender is Sender.BOT else "Notice"


def said(message: Message, departments: Mapping[str, str]) -> str:
    """What a line says: a clicked button by its title (a file says its name, type and size)."""
    text = message.text.strip()
    if message.sender is Sender.VISITOR and text.startswith("/"):
        titles = {b["payload"]: b["title"] for b in wording.all_buttons(departments)}
        return f"({titles[text]})" if text in titles else text
    return text


def local_zone(conversation: Conversation) -> ZoneInfo | timezone:
    """The visitor's own time zone when their browser said it; else UTC."""
    try:
        return ZoneInfo(str(conversation.visitor.get("timezone") or "UTC"))
    except (ValueError, KeyError):
        return UTC


async def latest_messages(store: Store, conversation_id: str, max_chars: int,
                          max_pages: int = 50) -> tuple[list[Message], bool]:
    """The latest messages (notes left out) whose text fits in about `max_chars`, oldest first,
    read backwards a page at a time (at most `max_pages`); and whether earlier ones are left
    out."""
    kept: list[Message] = []
    size, before = 0, None
    for _ in range(max_pages):
        page = await store.page_before(conversation_id, before)
        for message in reversed(page.messages):
            if message.sender is Sender.NOTE:
                continue
            size += len(message.text) + LINE_OVERHEAD
            if size > max_chars:
                return kept[::-1], True
            kept.append(message)
        if not page.more or not page.messages:
            return kept[::-1], False
        before = page.messages[0].id
    return kept[::-1], True


LINE_OVERHEAD = 40  # the time and the speaker's name on each line


def exchanged(messages: list[Message]) -> bool:
    """A real exchange: the visitor wrote, and the assistant or a person answered."""
    senders = {m.sender for m in messages}
    return Sender.VISITOR in senders and bool(senders & {Sender.BOT, Sender.AGENT})


def transcript_text(conversation: Conversation, messages: list[Message],
                    departments: Mapping[str, str], left_out: bool = False) -> str:
    """The conversation as plain text, one line per message, internal notes left out; with a
    note when earlier messages did not fit."""
    zone = local_zone(conversation)
    lines = []
    for message in messages:
        if message.sender is Sender.NOTE or not (text := said(message, departments)):
            continue
        at = datetime.fromtimestamp(message.ts, zone).strftime("%d %b %Y %H:%M")
        lines.append(f"[{at}] {speaker(message)}: {text}")
    zone_name = getattr(zone, "key", "UTC")
    if left_out:
        lines.insert(0, wording.TRANSCRIPT_CUT)
    return (f"Here is the transcript of your chat (times in {zone_name}).\n\n"
            + "\n".join(lines) + "\n\nFiles sent in the chat are not attached to this email.\n")


def transcript_email(settings: Settings, to: str, conversation: Conversation,
                     messages: list[Message], left_out: bool = False) -> EmailMessage:
    message = new_email(settings, to, wording.TRANSCRIPT_SUBJECT.format(name=settings.site.name))
    message.set_content(transcript_text(conversation, messages, settings.site.department_titles,
                                        left_out))
    return message


async def send_transcript(settings: Settings, to: str, conversation: Conversation,
                          messages: list[Message], left_out: bool = False) -> None:
    """Mail a visitor their transcript; raises MailFailed when the mail server cannot take it."""
    await send(settings, transcript_email(settings, to, conversation, messages, left_out))


async def send(settings: Settings, email: EmailMessage) -> None:
    """Hand one message to the mail server; MailFailed says why not, for people."""
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        await aiosmtplib.send(
            email,
            hostname=settings.smtp_host, port=settings.smtp_port,
            username=settings.smtp_user or None, password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls, timeout=15,
        )
    except aiosmtplib.SMTPConnectError as error:
        raise MailFailed(f"the mail server ({server}) could not be reached") from error
    except aiosmtplib.SMTPTimeoutError as error:
        raise MailFailed(f"the mail server ({server}) did not answer in time") from error
    except aiosmtplib.SMTPException as error:
        raise MailFailed(f"the mail server ({server}) refused it: {error}") from error
    except OSError as error:
        raise MailFailed(f"the mail server ({server}) could not be reached: {error}") from error
