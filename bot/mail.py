"""Email for answers to left messages, through the configured SMTP server."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from .config import Settings
from .models import Agent, Ticket


def reply_email(settings: Settings, ticket: Ticket, agent: Agent, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ticket.email
    message["Subject"] = f"Re: your message to {settings.site.name}"
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("frontdesk", domain=domain)
    quoted = "\n".join(f"> {line}" for line in ticket.message.splitlines())
    message.set_content(f"{text}\n\n{agent.display_name}\n\nYou wrote:\n{quoted}\n")
    return message


class MailFailed(OSError):
    """The answer could not be handed to the mail server; the text says why, for people."""


async def send_reply(settings: Settings, ticket: Ticket, agent: Agent, text: str) -> None:
    """Send an agent's answer; raises MailFailed when the mail server cannot take it."""
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        await aiosmtplib.send(
            reply_email(settings, ticket, agent, text),
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
