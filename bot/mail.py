"""Email for answers to left messages, through the configured SMTP server."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from .config import Settings
from .models import Agent, Ticket


def reply_email(settings: Settings, ticket: Ticket, agent: Agent, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ticket.email
    message["Subject"] = "Re: your message to Lantern Street Theatre"
    quoted = "\n".join(f"> {line}" for line in ticket.message.splitlines())
    message.set_content(f"{text}\n\n{agent.display_name}\n\nYou wrote:\n{quoted}\n")
    return message


async def send_reply(settings: Settings, ticket: Ticket, agent: Agent, text: str) -> None:
    """Send an agent's answer; raises OSError (or an SMTP error, which is one) on failure."""
    try:
        await aiosmtplib.send(
            reply_email(settings, ticket, agent, text),
            hostname=settings.smtp_host, port=settings.smtp_port,
            username=settings.smtp_user or None, password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls, timeout=15,
        )
    except aiosmtplib.SMTPException as error:
        raise OSError(str(error)) from error
