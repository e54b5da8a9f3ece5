"""A visitor's messages and who answers them.

Each visitor message is stored first (and acknowledged), then answered. The store records a
message the bot or the triage step must answer as *pending* in the same atomic step that stores
it, and it stays pending until it has been dealt with: a bridge that dies in between, or a Rasa
that fails, leaves it pending, and it is answered when the visitor resends it or the
conversation is next touched. Answers are given one conversation turn at a time across every
bridge (a lock in the store), oldest message first, so two tabs on two bridges keep their order.
A message a person now owns needs no bot answer: the person sees it in the transcript.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref
from collections.abc import AsyncIterator
from typing import Any

from . import metrics, protocol, wording
from .answers import LiveAnswers
from .config import Settings
from .errors import Refused
from .handoff import Handoff, HandoffRequest, responder
from .handoff.responder import BOT_GUARD, Answer
from .models import Conversation, Message, Owner, Sender
from .rasa import BotReply, RasaClient, RasaUnavailable
from .relay import Relay
from .store import Appended, NotOwner, Store
from .teaching import OFF_TOPIC_RESPONSES, Teacher

log = logging.getLogger(__name__)

DEPARTMENT_CHOICE = re.compile(r"^/department\s+(\w+)$")
TURN_MARGIN = 10.0  # seconds a turn may outlast Rasa's timeout before another bridge takes over
HANDOFF_PAYLOAD = wording.TALK_TO_PERSON["payload"]
LEAVE_MESSAGE = wording.leave_message_button()["payload"]


class Dialogue:
    def __init__(
        self, store: Store, rasa: RasaClient, relay: Relay, handoff: Handoff, settings: Settings
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.relay = relay
        self.handoff = handoff
        self.settings = settings
        self.teacher = Teacher(store, settings.site, settings.teach_cap)
        self.answers = LiveAnswers(store, settings.site)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def local_lock(self, conversation_id: str) -> asyncio.Lock:
        """Messages of one conversation on this process wait here rather than poll the store."""
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def receive(
        self, conversation_id: str, text: str, client_id: str = "",
        meta: dict[str, Any] | None = None, file: dict[str, Any] | None = None,
        resend: bool = False,
    ) -> Appended:
        """Store a visitor's message; a `resend` of a stored client id returns the stored one.
        `file`: the metadata of an attachment the message carries (its text is a caption)."""
        data: dict[str, Any] = {"metadata": meta} if meta else {}
        if file:
            data["file"] = file
        appended = await self.relay.post(conversation_id, Sender.VISITOR, text, data, client_id,
                                        resend=resend)
        if appended.new:
            metrics.VISITOR_MESSAGES.inc()
        if appended.first_write:  # only now is it a conversation (page views are not counted)
            metrics.CONVERSATIONS.inc()
            await self.store.count("conversations")
        return appended

    async def respond(self, conversation_id: str, appended: Appended) -> None:
        """Answer what the visitor wrote (and anything older still unanswered), unless a person
        answers it; the append already said how many messages are pending."""
        if appended.new and appended.conversation.owner in (Owner.QUEUE, Owner.AGENT) \
                and not appended.message.data.get("file"):
            await self.leaving_by_chat(conversation_id, appended.message.text.strip(),
                                       appended.conversation)
        if appended.pending:
            await self.take_turns(conversation_id, appended.message, appended.conversation)

    async def leaving_by_chat(self, conversation_id: str, text: str, seen: Conversation) -> None:
        """Leaving a message as chat messages, for clients without the form (stock
        rasa-webchat sends the button's payload as text): the email, then the message. `seen`
        is the append's snapshot: an ordinary message costs no extra read. While a person
        answers live there is no message to leave: the visitor is told so, once."""
        step = seen.leaving
        if seen.owner is Owner.AGENT:
            if text == LEAVE_MESSAGE or step:
                if step:
                    await self.store.update_conversation(conversation_id, leaving="")
                await self.relay.post(conversation_id, Sender.SYSTEM, wording.WITH_PERSON)
            return
        if text == LEAVE_MESSAGE:
            await self.store.update_conversation(conversation_id, leaving="email")
            await self.relay.post(conversation_id, Sender.SYSTEM, wording.ASK_EMAIL)
        elif step == "email":
            if not protocol.EMAIL.match(text):
                await self.relay.post(conversation_id, Sender.SYSTEM, wording.EMAIL_AGAIN)
                return
            await self.store.update_conversation(conversation_id, leaving=f"to:{text}")
            await self.relay.post(conversation_id, Sender.SYSTEM, wording.ASK_MESSAGE)
        elif step.startswith("to:"):
            await self.store.update_conversation(conversation_id, leaving="")
            try:
                await self.handoff.leave_message(conversation_id, "", step.removeprefix("to:"),
                                                 text)
            except Refused as refused:  # a person took the chat meanwhile
                await self.relay.post(conversation_id, Sender.SYSTEM, refused.message)

    async def answer_pending(self, conversation_id: str) -> None:
        """Answer whatever is pending (after a reload or a crash); one read when nothing is."""
        if await self.store.next_pending(conversation_id) is not None:
            await self.take_turns(conversation_id)

    async def take_turns(self, conversation_id: str, known: Message | None = None,
                         seen: Conversation | None = None) -> None:
        """Answer every pending message of the conversation, oldest first, one turn each.
        `known`: the message just stored, with `seen`, the conversation as that store left it
        (used, without reading again, when that message is the first one pending)."""
        ttl = self.settings.rasa_timeout + self.settings.rasa_queue_wait + TURN_MARGIN
        async with self.local_lock(conversation_id):
            while True:
                async with self.store.turn(conversation_id, ttl) as turn:
                    if not turn.ours:
                        log.warning("turn of %s not had in %.0f s; left pending", conversation_id, ttl)
                        return
                    head = turn.head  # the oldest pending message, read with the turn
                    if head is None:
                        return
                    if known is not None and known.id == head:
                        message: Message | None = known
                    else:
                        message, seen = await self.store.message(conversation_id, head), None
                    if message is not None:
                        await self.answer(conversation_id, message, seen)
                    seen = None
                    left = await turn.answered(head)  # and the turn ends, in one step
                if not left:
                    return

    async def answer(self, conversation_id: str, message: Message,
                     seen: Conversation | None = None) -> None:
        """Deal with one visitor message as `responder.answer` says, by who owns the
        conversation now (`seen`: as the store left it when the message was stored; the bot's
        reply is refused anyway if a person took the conversation meanwhile)."""
        if seen is not None and seen.owner is Owner.BOT:
            conversation = seen
        else:
            conversation = await self.handoff.conversation(conversation_id)
        who = responder.answer(conversation.owner, message, conversation.updated_at)
        if who is Answer.RATE:
            await self.handoff.rate(conversation_id, responder.rating(message))
            return
        if who is Answer.REOPEN:
            if not await self.handoff.reopen(conversation_id):
                return
            who = responder.answer(Owner.BOT, message)
        if who is Answer.FILE_TO_BOT:
            await self.file_received(conversation_id)
        elif who is Answer.TRIAGE:
            choice = DEPARTMENT_CHOICE.match(message.text.strip())
            await self.handoff.choose_department(conversation_id, choice.group(1) if choice else "")
        elif who is Answer.BOT:
            meta = message.data.get("metadata") or {}
            await self.ask_bot(conversation_id, message.text, meta, message.id)
        # QUEUE, AGENT, SEEN: a person answers, or has seen it; the bridge says nothing.

    async def file_received(self, conversation_id: str) -> None:
        """The bot cannot read files: it says so and offers a person (the file stays in the
        transcript, which the person will see)."""
        try:
            await self.relay.post(conversation_id, Sender.BOT, wording.FILE_TO_BOT,
                                  {"buttons": [wording.TALK_TO_PERSON]}, guard=BOT_GUARD)
        except NotOwner:
            log.info("file acknowledgement in %s dropped: a person owns it now", conversation_id)

    async def ask_bot(self, conversation_id: str, text: str, meta: dict[str, Any],
                      message_id: str = "") -> None:
        """Rasa's answers to one visitor message, as the visitor sees them; what the bot could
        not answer is noted for teaching (bot/teaching.py)."""
        asked_for_person = text.strip() == HANDOFF_PAYLOAD
        if asked_for_person:
            await self.teacher.declined(conversation_id)
        try:
            async with self.typing(conversation_id):
                replies = await self.rasa.send(conversation_id, text, meta)
        except RasaUnavailable as error:
            metrics.RASA_ERRORS.inc()
            log.warning("Rasa unavailable for %s: %s", conversation_id, error)
            reason = "requested" if asked_for_person else "bot_unavailable"
            await self.hand_over(conversation_id, HandoffRequest(reason, text=text))
            return
        if asked_for_person and not any(reply.handoff for reply in replies):
            # The button always reaches a person, even when the action server cannot run.
            log.warning("Rasa gave no handoff for %s's request for a person", conversation_id)
            await self.hand_over(conversation_id, HandoffRequest("requested", text=text))
            return
        replies = await self.answers.substitute(replies)
        if not replies:
            replies = [BotReply(text=wording.NO_REPLY, buttons=[wording.TALK_TO_PERSON])]
        if any(reply.response in OFF_TOPIC_RESPONSES for reply in replies):
            await self.teacher.off_topic(conversation_id, message_id, text)
        for reply in replies:
            if reply.handoff is not None:
                request = HandoffRequest.from_signal(reply.handoff, self.handoff.departments)
                request.text = request.text or text
                await self.teacher.handed_over(conversation_id, message_id, text, request)
                await self.hand_over(conversation_id, request)
                continue
            if "unsure" in reply.custom and not reply.text:  # action_clarify's signal
                await self.teacher.unsure(conversation_id, message_id, text,
                                          reply.custom["unsure"])
                continue
            try:  # the bot only speaks while it owns the conversation
                await self.relay.post(
                    conversation_id, Sender.BOT, reply.text, bot_data(reply), guard=BOT_GUARD
                )
            except NotOwner:
                log.info("bot reply to %s dropped: a person owns it now", conversation_id)
                return
            metrics.BOT_REPLIES.inc()

    @contextlib.asynccontextmanager
    async def typing(self, conversation_id: str) -> AsyncIterator[None]:
        """Show the visitor the bot typing when its answer takes longer than a moment."""
        shown = False

        async def show() -> None:
            nonlocal shown
            await asyncio.sleep(self.settings.bot_typing_after)
            shown = True
            await self.relay.to_visitor(conversation_id, "bot_typing", {"on": True})

        task = asyncio.create_task(show())
        try:
            yield
        finally:
            task.cancel()
            if shown:
                await self.relay.to_visitor(conversation_id, "bot_typing", {"on": False})

    async def hand_over(self, conversation_id: str, request: HandoffRequest) -> None:
        if not await self.handoff.request(conversation_id, request):
            return
        metrics.HANDOFFS.labels(request.reason).inc()
        await self.store.count("handoffs")
        await self.store.count(f"handoff:{request.reason}")
        if await self.store.once(f"handed_off:{conversation_id}", self.settings.retention_seconds):
            await self.store.count("handed_off")  # conversations, each counted once


def bot_data(reply: BotReply) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if reply.buttons:
        data["buttons"] = reply.buttons
    if reply.image:
        data["image"] = reply.image
    if reply.custom:
        data["custom"] = reply.custom
    if reply.topic:
        data["answer"] = {"topic": reply.topic}
    return data
