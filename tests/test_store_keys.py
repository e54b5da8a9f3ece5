"""Every key a store script touches is declared in its KEYS (bot/store/keys.py, the note on Redis
Cluster): the commands each script runs are watched with MONITOR, and their keys (as Redis
itself finds them, COMMAND GETKEYS) compared with those the EVALSHA declared, through moves
whose queue and agent the caller did not name (the script asks for them) and a visitor's first
message (the resume key)."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any, Self, cast

import pytest
import redis.asyncio as aioredis

from bot.models import Conversation, Message, Owner, Sender
from bot.store import Expect
from bot.store.redis import RedisStore

from stack import Stack

DATABASE = 15  # this test's own database (conftest hands out 2-12; 13 and 14 are taken)
ARGUMENT = re.compile(r'"((?:[^"\\]|\\.)*)"')  # one quoted argument of a MONITOR line


class Watch:
    """MONITOR on one database: each EVALSHA with the commands its script ran."""

    def __init__(self, url: str) -> None:
        self.client = aioredis.from_url(url)
        self.lines: list[tuple[str, list[str]]] = []  # (client, command and arguments)

    async def __aenter__(self) -> Self:
        self.monitor = self.client.monitor()
        await self.monitor.connect()
        assert self.monitor.connection is not None
        self.connection = self.monitor.connection
        await self.connection.send_command("MONITOR")
        assert await self.connection.read_response() in (b"OK", "OK")
        self.task = asyncio.create_task(self.read())
        return self

    async def read(self) -> None:
        while True:
            line = await self.connection.read_response()
            line = line.decode() if isinstance(line, bytes) else line
            header = re.match(r"[\d.]+ \[(\d+) ([^\]]+)\] (.*)", line)
            if header and int(header.group(1)) == DATABASE:
                arguments = [bytes(a, "utf-8").decode("unicode_escape")
                             for a in ARGUMENT.findall(header.group(3))]
                self.lines.append((header.group(2), arguments))

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.sleep(0.2)  # let the last lines arrive
        self.task.cancel()
        await self.connection.disconnect()
        await self.client.aclose()

    def scripts(self) -> list[tuple[list[str], list[list[str]]]]:
        """(declared keys, commands run) for each EVALSHA: Redis 6 logs a script's commands
        just after its EVALSHA, Redis 7 just before it (the scenario runs one call at a time)."""
        clients = [client for client, _ in self.lines]
        step = 1 if clients.index("lua") > self._evalshas()[0] else -1
        found = []
        for at in self._evalshas():
            arguments = self.lines[at][1]
            run, line = [], at + step
            while 0 <= line < len(self.lines) and clients[line] == "lua":
                run.append(self.lines[line][1])
                line += step
            found.append((arguments[3:3 + int(arguments[2])], run))
        return found

    def _evalshas(self) -> list[int]:
        return [at for at, (client, arguments) in enumerate(self.lines)
                if client != "lua" and arguments[0].upper() == "EVALSHA"]


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[RedisStore]:
    url = stack.redis_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    async with RedisStore(url) as store:
        await store.redis.flushdb()
        yield store


async def test_every_script_touches_only_the_keys_it_declares(store: RedisStore,
                                                              stack: Stack) -> None:
    url = stack.redis_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    cid = secrets.token_hex(16)
    async with Watch(url) as watch:
        await store.create_conversation(Conversation(id=cid), secret="s" * 32)
        await store.append(cid, Message(sender=Sender.VISITOR, text="hello"))  # first write
        async with store.turn(cid, 5) as turn:
            assert turn.ours and turn.head
            await turn.answered(turn.head)
        await store.visitor_tabs(cid, 1)
        assert await store.lead("keys-test", "me", 5)
        # Moves whose department and agent the caller does not name: the script asks for them.
        for expect, to, fields in (
            (Expect((Owner.BOT,)), Owner.QUEUE, {"department": "billing"}),
            (Expect((Owner.QUEUE,)), Owner.AGENT, {"agent": "ana"}),
            (Expect((Owner.AGENT,)), Owner.AGENT, {"agent": "ben"}),
            (Expect((Owner.AGENT,)), Owner.QUEUE, {"agent": ""}),
            (Expect((Owner.QUEUE,)), Owner.CLOSED, {}),
        ):
            move = await store.transition(cid, expect, to, capacity=5, **cast(dict[str, Any], fields))
            assert move.moved, (to, move)
        await store.append(cid, Message(sender=Sender.VISITOR, text="again"))
    scripts = watch.scripts()
    assert len(scripts) >= 10, watch.lines
    for declared, run in scripts:
        for command in run:
            touched = await store.redis.command_getkeys(*command) if _has_keys(command) else []
            assert set(touched) <= set(declared), (command, declared)
    touched_names = {name for _, run in scripts for command in run for name in command}
    assert "fd:queue:billing" in touched_names and "fd:agent_chats:ben" in touched_names
    assert any(name.startswith("fd:resume:") for name in touched_names)


def _has_keys(command: list[str]) -> bool:
    """Commands without key arguments make COMMAND GETKEYS fail."""
    return command[0].upper() not in ("TIME", "PING", "ECHO")
