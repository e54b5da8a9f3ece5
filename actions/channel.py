"""Rasa's REST channel, saying which response each message came from.

Rasa's own REST channel drops the name of the response (`utter_action`) its messages were made
from; this one keeps it as `response` on each message (a long text split into paragraphs gives
several, each named). The bridge reads it to know which FAQ topic an answer is
(`utter_faq_<topic>`), and sends that topic's live answer (bot/answers.py). Everything else is
Rasa's REST channel as it is: the same name (`rest`), so the same URL, /webhooks/rest/webhook.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)


class NamingCollector(CollectingOutputChannel):
    """Collects messages as the REST channel does, each with the response it came from."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        name = message.get("utter_action")
        before = len(self.messages)
        await super().send_response(recipient_id, message)
        if isinstance(name, str) and name:
            for sent in self.messages[before:]:
                sent["response"] = name


class NamingRestInput(RestInput):
    """The REST channel (`rest`), its answers collected by `NamingCollector`."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = Blueprint("naming_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            collector = NamingCollector()
            try:  # as Rasa's channel: a failure is logged, what was said so far is answered
                await on_new_message(UserMessage(
                    self._extract_message(request), collector, await self._extract_sender(request),
                    input_channel=self._extract_input_channel(request),
                    metadata=self.get_metadata(request),
                ))
            except (CancelledError, Exception):
                log.exception("rest.message.received.failure")
            return response.json(collector.messages)

        return webhook
