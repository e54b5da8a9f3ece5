"""Visitors and agents talking steadily through bridges whose Redis primary is found through
Sentinel, with what was sent, acknowledged and refused recorded: shared by tests/test_sentinel.py
and bench/failover.py."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import redis.asyncio as aioredis
import socketio

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from stack import ROOT, Stack

DEPARTMENT = "general"


def add_agent(stack: Stack, capacity: int = 4) -> tuple[str, str]:
    """An agent made with the real command line (which finds Redis through the Sentinels)."""
    name, password = f"agent-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    subprocess.run(
        [sys.executable, "-m", "bot", "agents", "add", name, "--department", DEPARTMENT,
         "--capacity", str(capacity), "--display-name", name.title(), "--password-stdin"],
        cwd=ROOT, env=stack.env, check=True, capture_output=True, input=password + "\n",
        text=True, timeout=60,
    )
    return name, password


@dataclass
class Talker:
    """One side of one conversation: what it sent (client id -> text), what was acknowledged
    (client id -> stored id) and the codes it was refused with."""

    conversation_id: str
    sent: dict[str, str] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    unanswered: int = 0
    emitted: int = 0  # requests made, resends included
    last_ack: float = 0.0


@dataclass
class Load:
    """Visitors (queued in General, then each claimed by one of the agents) and agents replying,
    spread over the bridges."""

    visitors: list[Visitor]
    agents: list[AgentClient]
    chats: dict[str, list[str]]  # agent's index -> conversation ids it holds
    names: list[str]  # the agents' names, by index
    talkers: dict[tuple[str, str], Talker] = field(default_factory=dict)  # (side, cid)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Future[Any]] = field(default_factory=list)

    @classmethod
    async def start(cls, stack: Stack, urls: list[str], visitors: int, agents: int) -> Load:
        people = [Visitor(urls[i % len(urls)]) for i in range(visitors)]
        for visitor in people:
            await visitor.connect()
            await queue_visitor(visitor, DEPARTMENT)  # through the session's Rasa
        consoles, names = [], []
        for i in range(agents):
            name, password = add_agent(stack, capacity=visitors)
            names.append(name)
            console = AgentClient(urls[i % len(urls)])
            await console.connect(name, password)
            await console.must("presence", {"status": "online"})
            consoles.append(console)
        chats: dict[str, list[str]] = {str(i): [] for i in range(agents)}
        for k, visitor in enumerate(people):
            await consoles[k % agents].must("claim", {"conversation_id": visitor.conversation_id})
            chats[str(k % agents)].append(visitor.conversation_id)
        load = cls(people, consoles, chats, names)
        for visitor in people:
            load.talkers[("visitor", visitor.conversation_id)] = Talker(visitor.conversation_id)
            load.talkers[("agent", visitor.conversation_id)] = Talker(visitor.conversation_id)
        return load

    def run(self, every: float = 0.2) -> None:
        self.stop.clear()
        self.tasks = [asyncio.ensure_future(self._visitor(v, every)) for v in self.visitors]
        self.tasks += [asyncio.ensure_future(self._agent(i, every)) for i in range(len(self.agents))]

    async def halt(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)

    async def _visitor(self, visitor: Visitor, every: float) -> None:
        talker = self.talkers[("visitor", visitor.conversation_id)]
        k = len(talker.sent)
        while not self.stop.is_set():
            client_id = f"v-{visitor.conversation_id[:8]}-{k}"
            talker.sent[client_id] = f"visitor message {k}"
            await visitor.say(talker.sent[client_id], message_id=client_id)
            talker.emitted += 1
            k += 1
            await asyncio.sleep(every)

    async def _agent(self, index: int, every: float) -> None:
        console, k = self.agents[index], 0
        while not self.stop.is_set():
            for cid in self.chats[str(index)]:
                talker = self.talkers[("agent", cid)]
                client_id = f"a-{cid[:8]}-{len(talker.sent)}-{k}"
                talker.sent[client_id] = f"agent reply {k}"
                await self.reply(console, talker, client_id, resend=False)
            k += 1
            await asyncio.sleep(every)

    async def reply(self, console: AgentClient, talker: Talker, client_id: str,
                    resend: bool) -> None:
        payload = {"conversation_id": talker.conversation_id, "text": talker.sent[client_id],
                   "message_id": client_id, "resend": resend}
        try:
            result = await console.call("reply", payload, timeout=30)
        except socketio.exceptions.TimeoutError:
            talker.unanswered += 1
            return
        if result.get("ok"):
            talker.acked[client_id] = result["id"]
            talker.last_ack = time.monotonic()
        else:
            talker.refused.append(result["error"]["code"])

    def record(self) -> None:
        """The visitors' acknowledgements and refusals, from the events their widgets got."""
        for visitor in self.visitors:
            talker = self.talkers[("visitor", visitor.conversation_id)]
            talker.refused.clear()
            for name, data in visitor.seen.events:
                if name == "message_ack" and data["client_id"].startswith("v-"):
                    if data["client_id"] not in talker.acked:
                        talker.last_ack = time.monotonic()
                    talker.acked[data["client_id"]] = data["id"]
                elif name == "chat_error" and data.get("event") == "user_uttered":
                    talker.refused.append(data["code"])

    def answers(self, visitor: Visitor) -> int:
        """Events that answered this visitor's `user_uttered`s (an ack or a refusal each)."""
        return sum(1 for name, data in visitor.seen.events
                   if (name == "message_ack" and data["client_id"].startswith("v-"))
                   or (name == "chat_error" and data.get("event") == "user_uttered"))

    def acks_since(self) -> list[int]:
        return [len(t.acked) for t in self.talkers.values()]

    def unacked(self) -> list[tuple[str, Talker, str]]:
        self.record()
        return [(side, t, client_id) for (side, _), t in self.talkers.items()
                for client_id in t.sent if client_id not in t.acked]

    async def resend_until_acked(self, timeout: float) -> int:
        """Resend (as the widget and the console do) whatever was refused or not yet answered,
        until everything is acknowledged; returns how many resends it took."""
        deadline, resent = time.monotonic() + timeout, 0
        by_cid = {v.conversation_id: v for v in self.visitors}
        agent_of = {cid: self.agents[int(i)] for i, cids in self.chats.items() for cid in cids}
        while True:
            await asyncio.sleep(1)
            missing = self.unacked()
            if not missing:
                return resent
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(missing)} messages never acknowledged")
            for side, talker, client_id in missing:
                resent += 1
                if side == "visitor":
                    await by_cid[talker.conversation_id].say(
                        talker.sent[client_id], message_id=client_id, resend=True)
                    talker.emitted += 1
                else:
                    await self.reply(agent_of[talker.conversation_id], talker, client_id, True)

    async def live(self, timeout: float = 60) -> None:
        """Each visitor's next message reaches its agent's console, and the agent's answer the
        visitor, live (across bridges: the pub/sub between them is back too)."""
        for k, visitor in enumerate(self.visitors):
            console = self.agents[k % len(self.agents)]
            cid, mark = visitor.conversation_id, len(console.seen.events)
            await _say_until_acked(visitor, "still there?", f"live-{k}", timeout)
            await console.seen.wait_for("message", partial(_carries, f"live-{k}"),
                                        timeout=timeout, start=mark)
            mark = len(visitor.seen.events)
            await _reply_until_acked(console, {"conversation_id": cid, "text": f"yes {k}",
                                               "message_id": f"live-reply-{k}"}, timeout)
            await visitor.seen.wait_for("bot_uttered", partial(_says, f"yes {k}"),
                                        timeout=timeout, start=mark)

    async def check(self, redis: Any) -> tuple[int, int]:
        """Every acknowledged message stored exactly once, at the id it was acknowledged with;
        returns (lost, duplicated)."""
        lost = duplicated = 0
        for (side, cid), talker in self.talkers.items():
            rows = await redis.xrange(f"fd:msgs:{cid}")
            stored: dict[str, list[str]] = {}
            for row_id, fields in rows:
                if fields.get("sender") == side and fields.get("client_id"):
                    stored.setdefault(fields["client_id"], []).append(row_id)
            for client_id, row_id in talker.acked.items():
                if row_id not in stored.get(client_id, []):
                    lost += 1
            duplicated += sum(len(ids) - 1 for ids in stored.values())
        return lost, duplicated

    async def close(self) -> None:
        for visitor in self.visitors:
            await visitor.close()
        for agent in self.agents:
            await agent.close()


def _carries(client_id: str, event: dict[str, Any]) -> bool:
    return bool(event["message"].get("client_id") == client_id)


def _says(text: str, event: dict[str, Any]) -> bool:
    return bool(event.get("text") == text)


async def invariants(redis: Any, load: Load) -> None:
    """The handoff invariants on the load's conversations: each held by exactly the agent its
    hash names (and in that agent's chats), none in a queue, stream ids strictly increasing."""
    queued = set(await redis.zrange(f"fd:queue:{DEPARTMENT}", 0, -1))
    held = {name: await redis.smembers(f"fd:agent_chats:{name}") for name in load.names}
    for cids in load.chats.values():
        for cid in cids:
            conv = await redis.hgetall(f"fd:conv:{cid}")
            assert conv.get("owner") == "agent", (cid, conv)
            assert cid not in queued, cid
            assert [name for name, chats in held.items() if cid in chats] == [conv["agent"]], \
                (cid, conv, held)
            rows = await redis.xrange(f"fd:msgs:{cid}")
            ids = [tuple(map(int, i.split("-"))) for i, _ in rows]
            assert ids == sorted(set(ids)), cid


def store_client(url: str) -> aioredis.Redis:
    from bot.redis_address import client

    return client(url, decode_responses=True)


async def _say_until_acked(visitor: Visitor, text: str, client_id: str, timeout: float) -> None:
    """Send, and resend after a refusal (`unavailable` while too few replicas confirm), as the
    widget does, until acknowledged: a refused message may be stored, and is shown on its resend."""
    deadline = time.monotonic() + timeout
    for attempt in itertools.count():
        mark = len(visitor.seen.events)
        await visitor.say(text, message_id=client_id, resend=attempt > 0)
        name, data = await visitor.seen.wait_for_any(("message_ack", "chat_error"), start=mark,
                                                      timeout=max(deadline - time.monotonic(), 1))
        if name == "message_ack":
            return
        assert data.get("code") == "unavailable" and time.monotonic() < deadline, data
        await asyncio.sleep(0.5)


async def _reply_until_acked(console: AgentClient, payload: dict[str, Any], timeout: float) -> None:
    """An agent's reply, resent after `unavailable` as the console does, until acknowledged."""
    deadline = time.monotonic() + timeout
    for attempt in itertools.count():
        result = await console.call("reply", {**payload, "resend": attempt > 0})
        if result.get("ok"):
            return
        assert result["error"]["code"] == "unavailable" and time.monotonic() < deadline, result
        await asyncio.sleep(0.5)
