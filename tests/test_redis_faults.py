"""Redis going away under the bridge: a restart under load loses no acknowledged message and
leaves no request unanswered; a bridge stops on SIGTERM whatever Redis does."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis

from clients import Visitor
from handoff_flow import queue_visitor
from stack import Stack, free_port, tcp_open
from waiting import eventually

VISITORS = 30


async def test_a_redis_restart_under_load_loses_nothing(stack: Stack, tmp_path) -> None:
    own = Stack.create(tmp_path, RASA_URL=stack.rasa_url, RASA_TOKEN=stack.env["RASA_TOKEN"],
                       AUTO_ASSIGN="false", VISITOR_ADDRESS_FACTOR="1000", VISITOR_RATE="1000")
    own.env.pop("REDIS_URL", None)  # its own embedded Redis, which this test restarts
    redis_process = own.start_redis()
    own.start_bridge()
    try:
        visitors = [Visitor(own.bridge_url) for _ in range(VISITORS)]
        for visitor in visitors:
            await visitor.connect()
            await queue_visitor(visitor, "general")  # stored and acknowledged, no Rasa needed
        acked: dict[str, dict[str, str]] = {v.conversation_id: {} for v in visitors}
        sent: dict[str, dict[str, str]] = {v.conversation_id: {} for v in visitors}
        errors: list[dict] = []
        stop = asyncio.Event()

        async def talk(visitor: Visitor) -> None:
            k = 0
            while not stop.is_set():
                client_id, text = f"{visitor.conversation_id[:8]}-{k}", f"message {k}"
                sent[visitor.conversation_id][client_id] = text
                await visitor.say(text, message_id=client_id)
                k += 1
                await asyncio.sleep(0.1)

        def record() -> None:
            errors.clear()
            for visitor in visitors:
                for name, data in visitor.seen.events:
                    if name == "message_ack":
                        acked[visitor.conversation_id][data["client_id"]] = data["id"]
                    elif name == "chat_error":
                        errors.append(data)

        def acks_from(marks: list[int]) -> bool:
            """Every visitor has had three messages acknowledged since its mark."""
            return all(sum(1 for name, _ in v.seen.events[mark:] if name == "message_ack") >= 3
                       for v, mark in zip(visitors, marks, strict=True))

        def marks() -> list[int]:
            return [len(v.seen.events) for v in visitors]

        before = await run_id(own.redis_url)
        start = marks()
        talking = [asyncio.ensure_future(talk(v)) for v in visitors]
        await eventually(lambda: acks_from(start), timeout=30, what="the load acknowledged")
        redis_process.stop()  # a clean restart: Redis writes its append-only file
        await asyncio.sleep(1.5)  # the outage (the scenario, not a wait for a result)
        redis_process = own.start_redis()
        restarted = marks()
        await eventually(lambda: acks_from(restarted), timeout=30,
                         what="every visitor acknowledged again after the restart")
        stop.set()
        await asyncio.gather(*talking)

        # Every message was acknowledged or refused with a code; what was refused is resent
        # (as the widget does) until everything is acknowledged, without a bridge restart.
        deadline = time.monotonic() + 30
        while True:
            await asyncio.sleep(1)
            record()
            unacked = [(v, client_id, text) for v in visitors
                       for client_id, text in sent[v.conversation_id].items()
                       if client_id not in acked[v.conversation_id]]
            if not unacked:
                break
            assert time.monotonic() < deadline, f"{len(unacked)} messages never acknowledged"
            for visitor, client_id, text in unacked:
                await visitor.say(text, message_id=client_id, resend=True)
        assert await run_id(own.redis_url) != before  # Redis really was restarted
        assert {e["code"] for e in errors} <= {"unavailable"}, errors

        # Every acknowledged message is in the transcript, once.
        # str replies (decode_responses), which redis-py's types do not follow
        client: Any = aioredis.from_url(own.redis_url, decode_responses=True)
        try:
            for visitor in visitors:
                rows = await client.xrange(f"fd:msgs:{visitor.conversation_id}")
                stored = [f.get("client_id") for _, f in rows if f.get("sender") == "visitor"]
                ids = acked[visitor.conversation_id]
                assert set(ids) <= set(stored)
                assert len([c for c in stored if c in ids]) == len(ids)  # none twice
        finally:
            await client.aclose()
        for visitor in visitors:
            await visitor.close()
    finally:
        own.stop_all()


async def run_id(url: str) -> str:
    client = aioredis.from_url(url)
    try:
        return (await client.info("server"))["run_id"]
    finally:
        await client.aclose()


class HangingProxy:
    """A TCP relay to a real Redis that, once `hang()` is called, stops passing bytes while
    keeping every connection open: a Redis that hangs after the bridge started (a bridge reads
    the data format version from Redis before it listens)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.hung = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.hung.is_set():
                    sink.sendall(data)
        except OSError:
            pass

    def hang(self) -> None:
        self.hung.set()

    def close(self) -> None:
        self.listener.close()


async def test_sigterm_stops_the_bridge_with_redis_hanging(stack: Stack) -> None:
    real = urlsplit(stack.redis_url)
    silent = HangingProxy((real.hostname or "127.0.0.1", real.port or 6379))
    port = free_port()
    bridge = stack.start_bridge(
        REDIS_URL=real._replace(netloc=real.netloc.replace(f"{real.hostname}:{real.port}",
                                                           f"127.0.0.1:{silent.port}")).geturl(),
        FRONTDESK_PORT=str(port))
    silent.hang()  # accepts connections and never answers from now on: a hung Redis
    try:
        visitor = Visitor(f"http://127.0.0.1:{port}")
        await visitor.sio.connect(f"http://127.0.0.1:{port}", transports=["websocket"])
        await visitor.sio.emit("session_request", {})  # stuck on Redis
        await asyncio.sleep(1)
        started = time.monotonic()
        bridge.popen.send_signal(signal.SIGTERM)
        while bridge.popen.poll() is None and time.monotonic() - started < 30:
            await asyncio.sleep(0.05)
        # it stops by itself (not killed); a hung Redis must not keep it up
        assert bridge.popen.poll() is not None, "SIGTERM did not stop the bridge"
        assert not tcp_open(port)
        await visitor.close()
    finally:
        bridge.stop(signal.SIGKILL)
        silent.close()
