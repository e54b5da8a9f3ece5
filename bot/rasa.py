"""The Rasa server seen from the bridge: one long-lived HTTP client with a timeout, and at most
`concurrency` requests in flight from this bridge (the rest wait their turn, so an overloaded
Rasa makes visitors wait a little longer instead of timing out and handing them to people)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from . import metrics

RETRY_PAUSE = 0.5  # seconds between attempts while Rasa refuses connections


class RasaUnavailable(Exception):
    """Rasa did not answer in time, refused the connection, or answered with an error."""


@dataclass
class BotReply:
    """One message Rasa wants to send: text, buttons, an image, or a custom payload."""

    text: str = ""
    buttons: list[dict[str, str]] = field(default_factory=list)
    image: str = ""
    custom: dict[str, Any] = field(default_factory=dict)
    response: str = ""  # the response it came from (actions/channel.py), e.g. utter_faq_pricing
    topic: str = ""  # the FAQ topic whose live answer it is (bot/answers.py)

    @classmethod
    def from_rasa(cls, raw: dict[str, Any]) -> BotReply:
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in raw.get("buttons") or []
        ]
        custom = raw.get("custom")
        return cls(
            text=str(raw.get("text") or ""),
            buttons=buttons,
            image=str(raw.get("image") or ""),
            custom=custom if isinstance(custom, dict) else {},
            response=str(raw.get("response") or ""),
        )

    @property
    def handoff(self) -> dict[str, Any] | None:
        """The handoff signal sent by the `action_handoff` custom action, if this is one."""
        signal = self.custom.get("handoff")
        return signal if isinstance(signal, dict) else None


class RasaClient:
    """Talks to `rasa run --enable-api` over HTTP."""

    def __init__(self, base_url: str, token: str, timeout: float, concurrency: int = 8,
                 queue_wait: float = 30.0) -> None:
        self.base_url = base_url
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.queue_wait = queue_wait
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        """Send a visitor's message through Rasa's REST channel and return its replies, once a
        slot is free (waiting at most `queue_wait` seconds)."""
        try:
            async with asyncio.timeout(self.queue_wait):
                await self._slots.acquire()
        except TimeoutError:
            raise RasaUnavailable(f"no free slot to Rasa in {self.queue_wait:.0f} s") from None
        try:
            return await self._send(sender, text, metadata)
        finally:
            self._slots.release()

    async def _send(self, sender: str, text: str, metadata: dict[str, Any] | None) -> list[BotReply]:
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        started = time.perf_counter()
        deadline = started + (self.timeout.total or 10)
        try:
            while True:
                try:
                    raw = await self._post(body, deadline - time.perf_counter())
                    break
                except aiohttp.ClientConnectorError:
                    # Refused: Rasa is (re)starting. Try again until the timeout is spent.
                    if time.perf_counter() + RETRY_PAUSE >= deadline:
                        raise
                    await asyncio.sleep(RETRY_PAUSE)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        finally:
            metrics.RASA_LATENCY.observe(time.perf_counter() - started)
        return [BotReply.from_rasa(item) for item in raw if isinstance(item, dict)]

    async def _post(self, body: dict[str, Any], budget: float) -> Any:
        timeout = aiohttp.ClientTimeout(total=max(budget, 0.001))
        url = f"{self.base_url}/webhooks/rest/webhook"
        async with self.session.post(url, json=body, timeout=timeout) as response:
            if response.status != 200:
                raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
            return await response.json()

    async def wait_until_ready(self, seconds: float) -> bool:
        """Poll Rasa's status until it answers (True) or `seconds` pass (False)."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            if await self.healthy():
                return True
            await asyncio.sleep(1)
        return False

    async def healthy(self) -> bool:
        try:
            async with self.session.get(
                f"{self.base_url}/status", params={"token": self.token}
            ) as response:
                return response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False
