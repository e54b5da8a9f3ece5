"""Chat transcripts emailed to visitors: every cap counted in Redis before sending, and given
back when the mail server does not take the message."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

from . import protocol
from .config import Settings
from .errors import Refused
from .models import Conversation
from .store import Store

log = logging.getLogger(__name__)
Counted = list[tuple[str, int, float]]  # (key, most, window) of each cap counted


class TranscriptMail:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def caps(self, conversation_id: str, email: str,
             address: str) -> list[tuple[str, int, float, str]]:
        """(key, most, window in seconds, why refused) of every transcript cap."""
        s = self.settings
        recipient = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
        return [
            (f"transcript:{conversation_id}", s.transcript_emails, s.retention_seconds,
             f"The transcript can be emailed at most {s.transcript_emails} times per chat."),
            (f"transcript_to:{recipient}", s.transcript_emails_per_recipient, 86400,
             "That address has had as many transcripts as we send in a day; try tomorrow."),
            (f"transcript_from:{address}", s.transcript_emails_per_address, 3600,
             "Too many transcripts were asked for from your network; try again later."),
            ("transcript_site", s.transcript_emails_per_hour, 3600,
             "We are sending too many transcripts just now; try again later."),
        ]

    async def count(self, conversation_id: str, email: str, address: str) -> Counted:
        """Count one transcript against every cap (at once: tabs and bridges racing get no
        more); a cap that is full refuses it, and what was counted is given back."""
        counted: Counted = []
        for key, most, window, why in self.caps(conversation_id, email, address):
            counted.append((key, most, window))
            if not await self.store.hit(key, most, window):
                await self.give_back(counted)
                raise Refused("transcript_limit", why)
        return counted

    async def give_back(self, counted: Counted) -> None:
        for key, most, window in counted:
            await self.store.hit(key, most, window, cost=-1)

    async def prepare(self, conversation: Conversation, email: str,
                      address: str) -> Callable[[], Awaitable[str]]:
        """Check and count a transcript of `conversation` (the latest part, up to
        TRANSCRIPT_MAX_CHARS) to the address of a message left in it if there is one, else
        `email`; refused at once when it may not be sent. Returns the sending, to run beside the
        connection's events (a slow mail server holds up nothing else): it gives the address,
        or raises `email_failed` after giving the counted try back."""
        from .mail import exchanged, latest_messages, send_transcript  # only transcripts: SMTP

        email = conversation.email or email
        if not protocol.EMAIL.match(email):
            raise Refused("invalid_email", "Please give a valid email address.")
        messages, left_out = await latest_messages(self.store, conversation.id,
                                                   self.settings.transcript_max_chars)
        if not exchanged(messages):
            raise Refused("no_exchange", "There is nothing to send yet: the transcript can be "
                          "emailed once you have written and had an answer.")
        counted = await self.count(conversation.id, email, address)

        async def send() -> str:
            try:
                await send_transcript(self.settings, email, conversation, messages, left_out)
            except Exception as error:  # the mail server, or a bug: either way the visitor is told
                await self.give_back(counted)
                if not isinstance(error, OSError):
                    log.exception("transcript of %s failed", conversation.id)
                why = str(error) if isinstance(error, OSError) else "it could not be written"
                raise Refused("email_failed",
                              f"The email was not sent: {why}. Please try again later.") from None
            return email

        return send
