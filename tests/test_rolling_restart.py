"""A rolling restart under load loses and doubles nothing: two bridges of their own on the
session's Redis, visitors on each asking the bot one question after another (each with its
id); bridge A is restarted (SIGTERM, start, healthy), then bridge B, then the Rasa server they
share. Visitors whose bridge closed reconnect to the other one, resume their conversation and
send again (`resend`) what was not acknowledged. Then, from the transcripts in Redis: every
acknowledged message is there exactly once, every message the visitors sent is there, and the
bot answered each one."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from clients import Visitor
from stack import Process, Stack, free_port, http_ok
from waiting import eventually

ASKED = ["what are your opening hours?", "where is the theatre?", "is there parking nearby?",
         "do you sell gift vouchers?", "is the theatre wheelchair accessible?"]
VISITORS = 6
PACE = 0.3  # seconds between a visitor's answer and its next question: a steady stream


@dataclass
class Chat:
    """One visitor's side: the ids it sent, those acknowledged, and its reconnects."""

    number: int
    urls: list[str]
    sent: list[str] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)
    acked: dict[str, str] = field(default_factory=dict)  # message id -> stored id
    reconnects: int = 0
    conversation_id: str = ""
    errors: list[str] = field(default_factory=list)  # what made it reconnect

    async def run(self, stop: asyncio.Event) -> None:
        where = itertools.cycle(self.urls[self.number % 2:] + self.urls[:self.number % 2])
        visitor = Visitor(next(where))
        self.conversation_id = await visitor.connect()
        for k in itertools.count():
            if stop.is_set():
                break
            mid = f"c{self.number}-{k}"
            self.sent.append(mid)
            mark = len(visitor.seen.events)
            while not await self.exchange(visitor, ASKED[k % len(ASKED)], mid, mark):
                visitor = await self.reconnect(visitor, where)
                mark = 0  # an answer given when the conversation resumed counts
            await asyncio.sleep(PACE)
        await visitor.close()

    async def exchange(self, visitor: Visitor, text: str, mid: str, mark: int) -> bool:
        """Send (again, `resend`, unless stored already); True once acknowledged and answered
        by the bot (live, or found in the history after a reconnect)."""
        try:
            async with asyncio.timeout(10):
                if mid in self.acked and await self.answered_before(visitor, mid):
                    return True
                await visitor.say(text, message_id=mid, resend=mid in self.tried)
            self.tried.add(mid)
            ack = await visitor.seen.wait_for("message_ack", lambda a: a["client_id"] == mid,
                                              start=mark, timeout=20)
            self.acked[mid] = ack["id"]
            await visitor.seen.wait_for("bot_uttered", lambda m: m["sender"] == "bot",
                                        start=mark, timeout=90)
            return True
        except Exception as error:  # closed by a restart, or no answer: resend, reconnected
            self.errors.append(f"{mid}: {type(error).__name__} {error}")
            return False

    async def answered_before(self, visitor: Visitor, mid: str) -> bool:
        """The bot's answer to `mid` reached the old connection's bridge but maybe not us:
        the history after it says."""
        mark = len(visitor.seen.events)
        await visitor.sio.emit("history", {"after": self.acked[mid]})
        page = await visitor.seen.wait_for("history", start=mark, timeout=10)
        return any(m["sender"] == "bot" for m in page["messages"])

    async def reconnect(self, old: Visitor, urls: Iterator[str]) -> Visitor:
        """A fresh connection resuming the conversation, to the next bridge that takes it."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await old.close()
        self.reconnects += 1
        while True:
            visitor = Visitor(next(urls))
            try:
                async with asyncio.timeout(30):
                    assert await visitor.connect(old.session_id) == self.conversation_id
                return visitor
            except Exception as error:
                self.errors.append(f"reconnect: {type(error).__name__} {error}")
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(10):
                        await visitor.close()
                await asyncio.sleep(0.5)


def start_bridge(stack: Stack, port: str) -> Process:
    process = stack.start_bridge(FRONTDESK_PORT=port, RASA_TIMEOUT="300", VISITOR_RATE="100000")
    stack.wait(process, lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), 120)
    return process


def restart_rasa(stack: Stack) -> None:
    """SIGTERM the session's Rasa server and start it again on the same port."""
    rasa = next(p for p in reversed(stack.processes) if p.name == "rasa"
                and p.popen.poll() is None)
    rasa.stop()
    stack.start_rasa()


async def under_load(chats: list[Chat]) -> None:
    """Wait until every chat has had two more exchanges."""
    counts = [len(c.acked) for c in chats]
    try:
        await eventually(lambda: all(len(c.acked) >= n + 2 for c, n in zip(chats, counts)),
                         timeout=300, what="two more answers for every visitor")
    except AssertionError as error:
        raise AssertionError(f"{error}: {[(len(c.acked), c.errors[-3:]) for c in chats]}") \
            from None


async def test_rolling_restart_of_bridges_and_rasa_loses_and_doubles_nothing(
        stack: Stack, redis: aioredis.Redis) -> None:
    ports = [str(free_port()), str(free_port())]
    bridges = [start_bridge(stack, port) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    chats = [Chat(n, urls) for n in range(VISITORS)]
    stop = asyncio.Event()
    running = [asyncio.create_task(chat.run(stop)) for chat in chats]
    try:
        await under_load(chats)
        for k, port in enumerate(ports):  # one bridge at a time, each healthy before the next
            bridges[k].stop()
            bridges[k] = await asyncio.to_thread(start_bridge, stack, port)
            await under_load(chats)
        started = time.monotonic()
        await asyncio.to_thread(restart_rasa, stack)
        await under_load(chats)
        print(f"rasa restarted in {time.monotonic() - started:.0f} s; reconnects "
              f"{[c.reconnects for c in chats]}, answered {[len(c.acked) for c in chats]}")
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*running, return_exceptions=True), 180)
        for bridge in bridges:
            bridge.stop()
    assert sum(c.reconnects for c in chats) >= VISITORS  # each bridge restart moved its visitors
    for chat in chats:
        await assert_transcript(redis, chat)


async def assert_transcript(redis: Any, chat: Chat) -> None:
    rows = [fields for _, fields in await redis.xrange(f"fd:msgs:{chat.conversation_id}")]
    ids = [f["client_id"] for f in rows if f["sender"] == "visitor"]
    assert ids == chat.sent, f"{chat.conversation_id}: stored {ids}, sent {chat.sent}"
    assert set(chat.acked) <= set(ids)
    unanswered, waiting = [], None
    for fields in rows:
        if fields["sender"] == "visitor":
            if waiting:
                unanswered.append(waiting)
            waiting = fields["client_id"]
        elif fields["sender"] == "bot":
            waiting = None
    assert not unanswered and waiting is None, f"not answered: {unanswered + [waiting]}"
    owners = await redis.hget(f"fd:conv:{chat.conversation_id}", "owner")
    assert owners == "bot"  # nobody was handed to a person for want of an answer
