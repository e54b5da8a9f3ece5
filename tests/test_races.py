"""Each race named in issue #9, made to happen: two bridges' worth of store clients, the real Redis
and the real Rasa, moves started at the same moment or in the window between a read and a move."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio

from bot.config import Settings
from bot.dialogue import Dialogue
from bot.errors import STATE_CHANGED, Refused
from bot.handoff import Handoff, HandoffRequest
from bot.models import Agent, Conversation, Owner, Presence, Role, Sender, Ticket
from bot.rasa import BotReply, RasaClient
from bot.relay import Relay
from bot.store import Expect
from bot.store.keys import PREFIX
from bot.store.redis import RedisStore

from clients import AgentClient, Visitor
from stack import Stack

DATABASE = 13
_ids = itertools.count()


class GatedRasa(RasaClient):
    """The real Rasa, with a gate the test opens: the window of a slow answer, made wide."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.asked = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()

    async def send(self, sender: str, text: str, metadata: dict | None = None) -> list[BotReply]:
        replies = await super().send(sender, text, metadata)
        self.asked.set()
        await self.gate.wait()
        return replies


class Bridge:
    """What one bridge process holds: its own store client, relay, handoff and dialogue."""

    def __init__(self, stack: Stack, settings: Settings) -> None:
        self.store = RedisStore(settings.redis_url)
        self.rasa = GatedRasa(stack.rasa_url, stack.env["RASA_TOKEN"], 20)
        self.relay = Relay(socketio.AsyncServer(async_mode="aiohttp"), self.store)
        self.handoff = Handoff(self.store, self.relay, settings)
        self.dialogue = Dialogue(self.store, self.rasa, self.relay, self.handoff, settings)

    async def close(self) -> None:
        await self.rasa.close()
        await self.store.close()


@pytest.fixture
async def bridges(stack: Stack) -> AsyncIterator[tuple[Bridge, Bridge]]:
    url = stack.redis_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    settings = Settings.from_env({**stack.env, "REDIS_URL": url, "AUTO_ASSIGN": "false"})
    a, b = Bridge(stack, settings), Bridge(stack, settings)
    await a.store.redis.flushdb()
    for name, department, role in (("ana", "tickets_billing", Role.AGENT),
                                   ("ben", "tickets_billing", Role.AGENT),
                                   ("sue", "general", Role.SUPERVISOR)):
        # Room for every chat a race below may give one agent (15 transfers to ben): a full
        # agent would refuse a transfer for capacity, not for the race under test.
        await a.store.save_agent(Agent(name, name.title(), department, role, 20))
        await a.store.set_presence(name, Presence.ONLINE)
    await a.store.keep_connected(["ana", "ben", "sue"], ttl=600)
    yield a, b
    await a.close()
    await b.close()


async def agent(bridge: Bridge, name: str) -> Agent:
    found = await bridge.store.get_agent(name)
    assert found is not None
    return found


async def new_chat(bridge: Bridge, owner: Owner = Owner.BOT, agent_name: str = "") -> str:
    cid = f"race{next(_ids):04d}{secrets.token_hex(8)}"
    await bridge.store.create_conversation(Conversation(id=cid))
    if owner in (Owner.QUEUE, Owner.AGENT):
        handoff = json.dumps(HandoffRequest("requested").to_dict())
        await bridge.store.transition(cid, Expect((Owner.BOT,)), Owner.QUEUE, department="tickets_billing",
                                      handoff=handoff, queued_at=repr(time.time()))
    if owner is Owner.AGENT:
        move = await bridge.store.transition(cid, Expect((Owner.QUEUE,)), Owner.AGENT, agent=agent_name)
        assert move.moved
    return cid


async def transcript(bridge: Bridge, cid: str) -> list:
    return await bridge.store.messages(cid)


async def test_bot_reply_is_dropped_when_a_person_took_over_meanwhile(bridges) -> None:
    a, b = bridges
    cid = await new_chat(a)
    a.rasa.gate.clear()
    appended = await a.dialogue.receive(cid, "what time does the box office open?", "m1")
    answering = asyncio.create_task(a.dialogue.respond(cid, appended))
    await asyncio.wait_for(a.rasa.asked.wait(), 30)  # Rasa answered; the bridge has not posted
    await b.handoff.close(cid, await agent(b, "sue"))  # another bridge: a supervisor closes
    a.rasa.gate.set()
    await answering
    senders = [m.sender for m in await transcript(a, cid)]
    assert senders == [Sender.VISITOR, Sender.SYSTEM], senders  # no bot reply after the close
    assert await a.store.next_pending(cid) is None


async def test_transfer_and_requeue_race_one_wins_and_only_the_winner_speaks(bridges) -> None:
    a, b = bridges
    for _ in range(15):
        cid = await new_chat(a, Owner.AGENT, "ana")
        transfer = a.handoff.transfer_to_agent(cid, await agent(a, "ana"), await agent(a, "ben"),
                                               "over to you")
        requeue = b.handoff.requeue(cid, "ana")
        outcome = await asyncio.gather(transfer, requeue, return_exceptions=True)
        transferred = outcome[0] is None
        requeued = outcome[1] is True
        assert transferred != requeued, outcome
        if not transferred:
            assert isinstance(outcome[0], Refused) and outcome[0].code == STATE_CHANGED
        messages = await transcript(a, cid)
        notes = [m for m in messages if m.sender is Sender.NOTE]
        gone = [m for m in messages if m.data.get("custom", {}).get("requeued")]
        assert bool(notes) == transferred and bool(gone) == requeued, messages
        conversation = await a.store.get_conversation(cid)
        assert conversation is not None
        assert (conversation.owner, conversation.agent) == (
            (Owner.AGENT, "ben") if transferred else (Owner.QUEUE, "")
        )


async def test_requeue_never_takes_a_chat_that_moved_to_someone_else(bridges) -> None:
    a, b = bridges
    cid = await new_chat(a, Owner.AGENT, "ana")
    await a.handoff.transfer_to_agent(cid, await agent(a, "ana"), await agent(a, "ben"), "")
    before = len(await transcript(a, cid))
    assert await b.handoff.requeue(cid, "ana") is False  # the sweeper's stale view of ana
    assert len(await transcript(a, cid)) == before
    assert (await a.store.get_conversation(cid)).agent == "ben"


@pytest.mark.parametrize("move", ["transfer_to_department", "hand_back", "close"])
async def test_a_move_on_a_stale_read_is_refused_and_posts_nothing(bridges, move) -> None:
    a, b = bridges
    cid = await new_chat(a, Owner.AGENT, "ana")
    ana, sue = await agent(a, "ana"), await agent(a, "sue")
    stale = await a.store.get_conversation(cid)
    await b.handoff.transfer_to_agent(cid, sue, await agent(b, "ben"), "")  # meanwhile
    before = await transcript(a, cid)
    # What each move does after its read, with the read from before the transfer:
    with pytest.raises(Refused) as refused:
        if move == "transfer_to_department":
            await a.handoff.move(cid, Expect.now(stale), Owner.QUEUE, agent="", department="general")
        elif move == "hand_back":
            await a.handoff.move(cid, Expect.now(stale), Owner.BOT, agent="")
        else:
            await a.handoff.move(cid, Expect.now(stale), Owner.CLOSED, agent="")
    assert refused.value.code == STATE_CHANGED
    assert await transcript(a, cid) == before
    # And through the public move, by the agent who lost the chat: refused, nothing posted.
    with pytest.raises(Refused):
        if move == "transfer_to_department":
            await a.handoff.transfer_to_department(cid, ana, "general", "note")
        elif move == "hand_back":
            await a.handoff.hand_back(cid, ana)
        else:
            await a.handoff.close(cid, ana)
    assert await transcript(a, cid) == before


async def test_messages_from_two_bridges_are_answered_in_order(bridges, faq_answers) -> None:
    a, b = bridges
    cid = await new_chat(a)
    first = await a.dialogue.receive(cid, "what time does the box office open?", "m1")
    second = await b.dialogue.receive(cid, "how do I get a refund?", "m2")
    # Bridge B happens to get to its message first: it must answer bridge A's first.
    await asyncio.gather(b.dialogue.respond(cid, second), a.dialogue.respond(cid, first))
    bot = [m.text for m in await transcript(a, cid) if m.sender is Sender.BOT]
    assert len(bot) == 2, bot
    assert bot[0] in faq_answers["opening_hours"] and bot[1] in faq_answers["refunds"], bot


async def test_stored_but_unanswered_is_answered_on_resend_or_next_touch(bridges) -> None:
    a, b = bridges
    cid = await new_chat(a)
    await a.dialogue.receive(cid, "hello", "lost-1")  # bridge A dies here
    resent = await b.dialogue.receive(cid, "hello", "lost-1", resend=True)  # the widget, to B
    assert not resent.new and resent.pending == 1
    await b.dialogue.respond(cid, resent)
    senders = [m.sender for m in await transcript(a, cid)]
    assert senders[0] is Sender.VISITOR and Sender.BOT in senders[1:], senders
    assert await a.store.next_pending(cid) is None

    other = await new_chat(a)
    await a.dialogue.receive(other, "hello", "lost-2")  # dies again; the visitor reloads
    await b.dialogue.answer_pending(other)
    assert Sender.BOT in [m.sender for m in await transcript(a, other)]


async def test_first_response_is_recorded_once_per_handoff(bridges) -> None:
    a, b = bridges
    cid = await new_chat(a, Owner.AGENT, "ana")
    replies = await asyncio.gather(
        a.relay.post(cid, Sender.AGENT, "Hi, Ana here", guard="ana"),
        b.relay.post(cid, Sender.AGENT, "Hi, Sue here", guard="*"),
    )
    assert sorted(r.first_response for r in replies) == [False, True]
    first_at = (await a.store.get_conversation(cid)).first_response_at
    assert first_at > 0
    # A new handoff measures its own first response.
    await a.handoff.hand_back(cid, await agent(a, "ana"))
    await a.handoff.request(cid, HandoffRequest("requested", department="tickets_billing"))
    await a.handoff.claim(cid, await agent(a, "ben"))
    assert (await a.store.get_conversation(cid)).first_response_at == 0
    again = await a.relay.post(cid, Sender.AGENT, "Ben here", guard="ben")
    assert again.first_response


async def test_queue_wait_is_sampled_once_per_handoff_also_when_auto_assigned(bridges) -> None:
    a, _ = bridges
    cid = await new_chat(a, Owner.QUEUE)
    await a.handoff.assign("tickets_billing")  # auto-assignment samples too
    assert len(await a.store.redis.lrange(f"{PREFIX}samples:queue_wait", 0, -1)) == 1
    conversation = await a.store.get_conversation(cid)
    assert conversation is not None and conversation.owner is Owner.AGENT
    # A transfer to a department and a pick-up there is the same handoff: no second sample.
    sue = await agent(a, "sue")
    await a.handoff.transfer_to_department(cid, sue, "tickets_billing", "")
    await a.handoff.claim(cid, await agent(a, "ben"))
    assert len(await a.store.redis.lrange(f"{PREFIX}samples:queue_wait", 0, -1)) == 1


async def test_two_ticket_answers_at_once_are_both_kept(bridges) -> None:
    a, b = bridges
    ticket = Ticket(id=secrets.token_hex(8), conversation_id="x" * 16, name="Kim",
                    email="kim@example.org", message="hi", created_at=time.time())
    await a.store.save_ticket(ticket)
    await asyncio.gather(
        a.store.add_ticket_reply(ticket.id, {"agent": "Ana", "text": "one", "ts": 1.0}),
        b.store.add_ticket_reply(ticket.id, {"agent": "Ben", "text": "two", "ts": 2.0}),
    )
    stored = await a.store.get_ticket(ticket.id)
    assert stored is not None and stored.status == "answered"
    assert sorted(r["text"] for r in stored.replies) == ["one", "two"]


async def test_unexpected_errors_are_answered_as_internal_error(stack: Stack, make_agent, redis) -> None:
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    supervisor = AgentClient(stack.bridge_url)
    await supervisor.connect(*make_agent("general", role="supervisor"))
    fields = await redis.hgetall(f"fd:conv:{cid}")
    await redis.delete(f"fd:conv:{cid}")
    await redis.set(f"fd:conv:{cid}", "not a hash")  # a broken record: every read fails
    try:
        mark = await visitor.say("still there?", message_id="broken-1")
        error = await visitor.seen.wait_for("chat_error", start=mark)
        assert error["code"] == "internal_error" and error["event"] == "user_uttered"
        result = await supervisor.call("open", {"conversation_id": cid})
        assert result["ok"] is False and result["error"]["code"] == "internal_error"
    finally:
        await redis.delete(f"fd:conv:{cid}")
        await redis.hset(f"fd:conv:{cid}", mapping=fields)
    await visitor.close()
    await supervisor.close()


async def test_every_bridge_sees_an_agent_change_at_once_and_reads_nothing_more_otherwise(
        bridges) -> None:
    """`agents()` is asked several times a second by every bridge; it reads the agents again only
    when one was saved or removed, on whichever bridge, and sees that change on its next call."""
    a, b = bridges

    assert [x.name for x in await a.store.agents()] == ["ana", "ben", "sue"]
    # Written behind the store's back (no new version): not read again, the kept list answers.
    await b.store.redis.hset(f"{PREFIX}agent:ana", "department", "unseen")
    for _ in range(3):
        assert {x.name: x.department for x in await a.store.agents()}["ana"] == "tickets_billing"

    await b.store.save_agent(Agent("ana", "Ana", "general", Role.AGENT, 3))  # moved, elsewhere
    assert {x.name: x.department for x in await a.store.agents()}["ana"] == "general"
    await b.store.remove_agent("ben")
    assert [x.name for x in await a.store.agents()] == ["ana", "sue"]
    mine = await a.store.agents()
    mine[0].department = "changed by a caller"  # a caller's copy, not the store's
    assert (await a.store.agents())[0].department == "general"


async def test_a_resend_matches_only_its_own_senders_message(bridges) -> None:
    """A visitor resending with the id of the agent's message (or the other way) is stored."""
    a, _ = bridges
    cid = await new_chat(a, Owner.AGENT, "ana")
    reply = await a.relay.post(cid, Sender.AGENT, "Hi, Ana here", client_id="same-1", guard="ana")
    visitor = await a.dialogue.receive(cid, "hello", "same-1", resend=True)
    assert visitor.new and visitor.message.id != reply.message.id
    again = await a.relay.post(cid, Sender.AGENT, "Hi, Ana here", client_id="same-1", guard="ana",
                               resend=True)
    assert not again.new and again.message.id == reply.message.id


async def test_agents_are_kept_also_when_no_version_was_ever_written(bridges) -> None:
    """Agents saved before the version key existed (an upgrade), or a version expired: the
    first read starts one, with an end of life."""
    a, b = bridges
    await a.store.redis.delete(f"{PREFIX}agents_version")
    assert [x.name for x in await a.store.agents()] == ["ana", "ben", "sue"]
    assert await a.store.redis.ttl(f"{PREFIX}agents_version") > 0
    await b.store.redis.hset(f"{PREFIX}agent:ana", "department", "unseen")  # behind the store
    assert {x.name: x.department for x in await a.store.agents()}["ana"] == "tickets_billing"
    await b.store.save_agent(Agent("ana", "Ana", "general", Role.AGENT, 3))
    assert {x.name: x.department for x in await a.store.agents()}["ana"] == "general"
