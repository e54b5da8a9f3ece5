"""A visitor's history and the agents' search: what is kept about past conversations and
tickets (bot/store/history.py), and when.

A conversation is remembered when it leaves people (closed, handed back, abandoned): under the
visitor's links (their verified user id, the email addresses they gave in a ticket or a
transcript request) and, in its department, under the words of its visitor and agent messages
(common words left out, at most WORDS_KEPT) and its tags (bot/tags.py). A ticket is remembered
when it is left. The widget's resume secret needs no link of its own: it always opens the same
conversation (a closed one reopens), whose earlier handoffs the console pages as earlier
messages, and whose links lead to the other visits.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable

from . import tags
from .models import Conversation, Owner, Sender, Ticket
from .stopwords import STOP
from .store import Store

WORDS_KEPT = 100  # distinct words indexed per conversation or ticket (the first ones)
TRANSCRIPT_READ = 500  # latest messages of a conversation read for its words
QUERY_WORDS = 5  # words a search looks for (the rest are ignored)
WORD = re.compile(r"[^\W_]{2,32}")
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
INDEXED = (Sender.VISITOR, Sender.AGENT)
LOOK_BACK = 20  # earlier visits looked at for a returning visitor's previous agent


def link(kind: str, value: str) -> str:
    """A visitor link's name (hashed: no address or user id in a key name)."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def links_of(conversation: Conversation, emails: Iterable[str] = ()) -> list[str]:
    """How the visitor of a conversation is known: verified user id, email addresses."""
    found = [link("user", conversation.user_id)] if conversation.user_id else []
    for email in (conversation.email, *emails):
        if email:
            found.append(link("email", email.strip().lower()))
    return list(dict.fromkeys(found))


def email_word(email: str) -> str:
    """How an email address is indexed as a word (hashed, as links are)."""
    return "at" + link("email", email.strip().lower())[:24]


def words(text: str, cap: int = WORDS_KEPT) -> list[str]:
    """The distinct words of a text (lowercased, common words left out, the first `cap`), an
    email address as one word of its own."""
    found = [email_word(email) for email in EMAIL.findall(text)]
    found += [w for w in WORD.findall(EMAIL.sub(" ", text).lower()) if w not in STOP]
    return list(dict.fromkeys(found))[:cap]


def query(text: str) -> list[str]:
    """The words a search asks for."""
    return words(text, QUERY_WORDS)


class Remember:
    """Keeps past conversations and tickets findable (the store's `History`)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def conversation(self, before: Conversation) -> None:
        """A conversation left people (`before`: as it was with them): keep its agent as the
        visitor's last one, and index it under the visitor's links and its words."""
        conversation = await self.store.get_conversation(before.id) or before
        if before.agent:
            await self.store.update_conversation(before.id, last_agent=before.agent)
        now, entry = self.clock(), f"c:{before.id}"
        links = links_of(conversation)
        if links:
            await self.store.add_visit(before.id, entry, links, now)
        page = await self.store.page_before(before.id, limit=TRANSCRIPT_READ)
        text = " ".join(m.text for m in page.messages if m.sender in INDEXED)
        found = words(text)
        if conversation.email:
            found = [email_word(conversation.email), *found][:WORDS_KEPT]
        found = [*map(tags.tag_word, conversation.tags[:tags.MAX_TAGS]), *found][:WORDS_KEPT]
        department = conversation.department or before.department
        await self.store.add_words(before.id, entry, department, found, now)

    async def ticket(self, conversation: Conversation, ticket: Ticket) -> None:
        """A ticket was left: under the visitor's links (its address among them), with its
        conversation, and under its words and address in its department."""
        links = links_of(conversation, [ticket.email])
        await self.store.add_visit(conversation.id, f"t:{ticket.id}", links, ticket.created_at)
        await self.store.add_visit(conversation.id, f"c:{conversation.id}", links,
                                   ticket.created_at)
        found = [email_word(ticket.email), *words(f"{ticket.name} {ticket.message}")]
        await self.store.add_words(conversation.id, f"t:{ticket.id}", ticket.department,
                                   found[:WORDS_KEPT], ticket.created_at)

    async def tagged(self, conversation: Conversation, tag: str) -> None:
        """A tag was added to a conversation that already left people (a closed chat still
        open in a console): findable by it at once, at its time (live chats are indexed, tags
        and all, when they leave people)."""
        if conversation.owner in (Owner.BOT, Owner.CLOSED) and conversation.department:
            await self.store.add_words(conversation.id, f"c:{conversation.id}",
                                       conversation.department, [tags.tag_word(tag)],
                                       conversation.updated_at or self.clock())

    async def transcript_to(self, conversation: Conversation, email: str) -> None:
        """The visitor had the transcript emailed: the address is one of their links."""
        now = self.clock()
        await self.store.add_visit(conversation.id, f"c:{conversation.id}",
                                   links_of(conversation, [email]), now)
        await self.store.add_words(conversation.id, f"c:{conversation.id}",
                                   conversation.department, [email_word(email)], now)

    async def previous_agent(self, conversation_id: str) -> str:
        """A returning visitor's last agent (kept as `last_agent`, which routing prefers): the
        conversation's own, else that of the newest of their earlier conversations."""
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None or conversation.last_agent:
            return conversation.last_agent if conversation else ""
        links = links_of(conversation) + await self.store.visit_links(conversation_id)
        if not links:
            return ""
        ids = [entry[2:] for entry, _ in await self.store.visits(links, LOOK_BACK)
               if entry.startswith("c:") and entry != f"c:{conversation_id}"]
        for earlier in await self.store.get_conversations(ids):
            if earlier.last_agent:
                await self.store.update_conversation(conversation_id,
                                                     last_agent=earlier.last_agent)
                return earlier.last_agent
        return ""
