"""`Erasure` on Redis: every key of one conversation by its exact name, and deleting them
with the conversation's index entries in one transaction."""

from __future__ import annotations

from .. import keys
from ..history import noted
from .teaching import RedisTeaching
from .tickets import RedisTickets


class RedisErasure(RedisTickets, RedisTeaching):
    """`Erasure` (bot/store/erasure.py) on Redis; finds a conversation's tickets as `Tickets`
    does, and its unanswered messages as `Teaching` does."""

    async def conversations_of_user(self, user_id: str) -> list[str]:
        """Conversations of a verified website user (a scan: for the erasure command)."""
        found = []
        async for key in self.redis.scan_iter(match=keys.conv("*"), count=1000):
            if await self.redis.hget(key, "user_id") == user_id:
                found.append(key.removeprefix(keys.conv("")))
        return found

    async def conversation_keys(self, conversation_id: str) -> list[str]:
        """The keys kept for one conversation that exist now, each by its exact name (no
        pattern): record, transcript, pending list, turn, resume key, transcript-mail count,
        handoff mark, rating mark, read marks, Rasa's tracker and lock, its tickets with their
        replies, the lists of the history and search indexes its entries are in, and its
        unanswered messages kept for teaching."""
        resume, waiting_since = await self.redis.hmget(keys.conv(conversation_id),
                                                       "resume", "waiting_since")
        names = [key(conversation_id) for key in (keys.conv, keys.msgs, keys.pending, keys.turn)]
        names += [resume] if resume else []
        stays = [conversation_id]  # the sweeper's marks of its stays in a queue (bot/sweeper.py)
        if waiting_since and float(waiting_since):
            stays.append(f"{conversation_id}:{float(waiting_since):.3f}")
        for stay in stays:
            names += [keys.once(f"escalate:{stay}"), keys.once(f"longwait:{stay}")]
        names += [keys.limit(f"transcript:{conversation_id}"),
                  keys.once(f"handed_off:{conversation_id}"),
                  keys.rated(conversation_id), keys.read_marks(conversation_id),
                  keys.rasa_tracker(conversation_id), keys.rasa_lock(conversation_id)]
        for ticket in await self.tickets_where(conversation_id=conversation_id):
            names += [keys.ticket(ticket.id), keys.ticket_replies(ticket.id)]
        names += [keys.visits_of(conversation_id), keys.words_of(conversation_id)]
        names.append(keys.unanswered_of(conversation_id))
        for entry_id in sorted(await self.redis.smembers(keys.unanswered_of(conversation_id))):
            names.append(keys.unanswered(entry_id))
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(name)
            found = await pipe.execute()
        return [name for name, there in zip(names, found) if there]

    async def erase_conversation(self, conversation_id: str) -> list[str]:
        """Everything about one conversation (`conversation_keys`), and its entries in the
        queue, agent, ticket, history and search indexes, in one step; returns the keys deleted."""
        department, agent = await self.redis.hmget(keys.conv(conversation_id),
                                                    "department", "agent")
        tickets = await self.tickets_where(conversation_id=conversation_id)
        unanswered = await self.unanswered_of(conversation_id)
        indexed = sorted(await self.redis.smembers(keys.visits_of(conversation_id))) + noted(
            await self.redis.hgetall(keys.words_of(conversation_id)))
        entries = [f"c:{conversation_id}", *(f"t:{ticket.id}" for ticket in tickets)]
        names = await self.conversation_keys(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            if names:
                pipe.delete(*names)
            if department:
                pipe.zrem(keys.queue(department), conversation_id)
            if agent:
                pipe.srem(keys.agent_chats(agent), conversation_id)
            for ticket in tickets:
                pipe.zrem(keys.TICKETS, ticket.id)
                pipe.zrem(keys.department_tickets(ticket.department), ticket.id)
            for entry in unanswered:
                pipe.zrem(keys.unanswered_index(entry.department), entry.id)
            for index in indexed:  # its entries in the history and search indexes
                pipe.zrem(index, *entries)
            await pipe.execute()
        return names
