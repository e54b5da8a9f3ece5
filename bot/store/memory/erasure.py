"""A conversation's keys by exact name, and erasing them, in memory."""

from __future__ import annotations

from ...models import Ticket
from .. import keys as names_of
from ..history import noted
from ..keys import PREFIX
from .teaching import MemoryTeaching
from .tickets import MemoryTickets


class MemoryErasure(MemoryTickets, MemoryTeaching):
    """`Erasure` in memory (it brings `MemoryTickets`: erasing finds the tickets of a conversation)."""

    async def tickets_where(self, email: str = "", conversation_id: str = "") -> list[Ticket]:
        return [ticket for ticket in self._tickets(self._ranked(f"{PREFIX}tickets"))
                if (email and ticket.email.lower() == email.lower())
                or (conversation_id and ticket.conversation_id == conversation_id)]

    async def conversations_of_user(self, user_id: str) -> list[str]:
        return [key.removeprefix(f"{PREFIX}conv:") for key in self.keys.names(f"{PREFIX}conv:")
                if self._hash(key).get("user_id") == user_id]

    async def conversation_keys(self, conversation_id: str) -> list[str]:
        """As `RedisStore.conversation_keys`: the same names, those that exist now."""
        conv = self._hash(f"{PREFIX}conv:{conversation_id}")
        resume, waiting_since = conv.get("resume"), conv.get("waiting_since")
        names = [f"{PREFIX}{kind}:{conversation_id}" for kind in ("conv", "msgs", "pending", "turn")]
        names += [resume] if resume else []
        stays = [conversation_id]
        if waiting_since and float(waiting_since):
            stays.append(f"{conversation_id}:{float(waiting_since):.3f}")
        for stay in stays:
            names += [f"{PREFIX}once:escalate:{stay}", f"{PREFIX}once:longwait:{stay}"]
        names += [f"{PREFIX}limit:transcript:{conversation_id}",
                  f"{PREFIX}once:handed_off:{conversation_id}",
                  names_of.rated(conversation_id), names_of.read_marks(conversation_id),
                  f"rasa:tracker:{conversation_id}", f"rasa:lock:{conversation_id}"]
        for ticket in await self.tickets_where(conversation_id=conversation_id):
            names += [f"{PREFIX}ticket:{ticket.id}", f"{PREFIX}ticket_replies:{ticket.id}"]
        names += [names_of.visits_of(conversation_id), names_of.words_of(conversation_id)]
        names.append(names_of.unanswered_of(conversation_id))
        for entry_id in sorted(self.keys.get(names_of.unanswered_of(conversation_id)) or set()):
            names.append(names_of.unanswered(entry_id))
        return [name for name in names if self.keys.exists(name)]

    async def erase_conversation(self, conversation_id: str) -> list[str]:
        conv = self._hash(f"{PREFIX}conv:{conversation_id}")
        department, agent = conv.get("department"), conv.get("agent")
        tickets = await self.tickets_where(conversation_id=conversation_id)
        unanswered = await self.unanswered_of(conversation_id)
        indexed = sorted(self.keys.get(names_of.visits_of(conversation_id)) or ()) + noted(
            self._hash(names_of.words_of(conversation_id)))
        entries = [f"c:{conversation_id}", *(f"t:{ticket.id}" for ticket in tickets)]
        keys = await self.conversation_keys(conversation_id)
        for key in keys:
            self.keys.delete(key)
        if department:
            self._zrem(f"{PREFIX}queue:{department}", conversation_id)
        if agent:
            self._srem(f"{PREFIX}agent_chats:{agent}", conversation_id)
        for ticket in tickets:
            self._zrem(f"{PREFIX}tickets", ticket.id)
            self._zrem(f"{PREFIX}tickets:{ticket.department}", ticket.id)
        for entry in unanswered:
            self._zrem(names_of.unanswered_index(entry.department), entry.id)
        for index in indexed:
            for member in entries:
                self._zrem(index, member)
        return keys

    async def erase_ticket(self, ticket_id: str, department: str = "") -> None:
        self.keys.delete(f"{PREFIX}ticket:{ticket_id}")
        self.keys.delete(f"{PREFIX}ticket_replies:{ticket_id}")
        self._zrem(f"{PREFIX}tickets", ticket_id)
        if department:
            self._zrem(f"{PREFIX}tickets:{department}", ticket_id)

    # staff sessions ---------------------------------------------------------------------------
