"""HTTP for attachments: visitors and agents upload files, and signed links download them.

    POST /api/attachments          visitor: `Authorization: Bearer <resume secret>`
    POST /api/agent/attachments    agent:   `Authorization: Bearer <agent token>`, conversation_id
    GET  /attachments/ID?t=TOKEN   the signed link a message carries (bot/attachments.py)

Uploads are `multipart/form-data` with a `file` field (and an optional `message_id` that makes a
resend idempotent). Answers are JSON: `{ok: true, message}` or `{ok: false, error: {code,
message}}`, the codes of docs/protocol.md. A download is sent in chunks as storage reads them
(memory stays flat whatever the file and the number of readers), at most
ATTACHMENT_DOWNLOADS_PER_ADDRESS at once per network address and ATTACHMENT_DOWNLOADS in all.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from . import events, protocol
from .agents import Tokens
from .attachments import FORM_OVERHEAD, Attachment, Download, Files, Links, accept, too_large
from .background import Background
from .config import Settings
from .cors import Cors
from .dialogue import Dialogue
from .errors import Refused, unexpected
from .handoff import Handoff, access
from .limits import Limits, Slots, Who, Window
from .models import Sender
from .relay import Relay
from .store import NotOwner, Store

log = logging.getLogger(__name__)

DOWNLOADS_BUSY = Refused("rate_limited", "Too many downloads at once; wait for one to finish.")
DOWNLOADS_FULL = Refused("unavailable", "Too many downloads at once; please try again in a moment.")
STREAMING = "frontdesk_streaming"  # set on a request once its answer has begun
SERVED = {  # every file is served as data, never as a page
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=300",
}


def bearer(request: web.Request) -> str:
    return request.headers.get("Authorization", "").removeprefix("Bearer ").strip()


class Uploads:
    """The three routes, with what they need."""

    def __init__(self, store: Store, files: Files, links: Links, relay: Relay, dialogue: Dialogue,
                 handoff: Handoff, tokens: Tokens, settings: Settings) -> None:
        self.store, self.files, self.links, self.relay = store, files, links, relay
        self.dialogue, self.handoff, self.tokens, self.settings = dialogue, handoff, tokens, settings
        rate, factor = settings.attachment_rate, settings.visitor_address_factor
        self.limits = Limits({  # per 10 minutes: a visitor's conversation, address; an agent
            "visitor": [("conversation", Window(rate, 600)), ("address", Window(rate * factor, 600))],
            "agent": [("connection", Window(rate * 6, 600))],
        })
        self.downloads = Slots(settings.attachment_downloads_per_address,
                               settings.attachment_downloads)
        self.background = Background()
        self.cors = Cors(settings.allowed_origins)  # visitors upload from the customers' pages

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("OPTIONS", "/api/attachments", self.cors.preflight)
        app.router.add_post("/api/attachments", self.guarded(self.visitor_upload, cors=True))
        app.router.add_post("/api/agent/attachments", self.guarded(self.agent_upload))
        app.router.add_get("/attachments/{attachment_id}", self.guarded(self.download))

    # --- answering -------------------------------------------------------------------------------

    def guarded(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                cors: bool = False) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Refusals and faults answered as JSON with their status (errors.STATUS), and CORS
        headers on the routes the customers' pages use."""

        async def run(request: web.Request) -> web.StreamResponse:
            try:
                response = await handler(request)
            except Refused as error:
                if request.get(STREAMING):  # too late for an answer: aiohttp cuts the connection
                    raise
                response = error.to_response()
            except Exception as error:
                if request.get(STREAMING):
                    raise
                log.exception("%s %s failed", request.method, request.path)
                response = unexpected(error).to_response()
            if cors:
                self.cors.sign(request, response)
            return response

        return run

    # --- upload ------------------------------------------------------------------------------------

    async def read_file(self, request: web.Request) -> tuple[Attachment, bytes, dict[str, str]]:
        """The uploaded file, checked (size while reading, then type by its bytes), and the
        form's other fields."""
        limit = self.settings.attachment_max_bytes
        if (request.content_length or 0) > limit + FORM_OVERHEAD:
            raise Refused("file_too_large", too_large(self.settings))
        try:
            form = await request.clone(client_max_size=limit + FORM_OVERHEAD).post()
        except web.HTTPRequestEntityTooLarge:
            raise Refused("file_too_large", too_large(self.settings)) from None
        except HttpProcessingError:  # a part's header line over 8190 bytes: a very long name
            raise Refused("invalid_payload", "The form could not be read: is the file's name "
                                             "thousands of characters long?") from None
        except ValueError:
            raise Refused("invalid_payload", "Send the file as multipart/form-data.") from None
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise Refused("missing_field", "The form has no 'file'.")
        data = upload.file.read(limit + 1)
        attachment = accept(data, upload.filename or "", self.settings)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return attachment, data, fields

    async def visitor_upload(self, request: web.Request) -> web.Response:
        """A visitor's file joins their conversation as their message (answered like one: the
        bot says it can't read files; a person sees it)."""
        self.cors.check(request)
        secret = bearer(request)
        conversation = await self.store.resume(secret) if protocol.SESSION_ID.match(secret) else None
        if conversation is None:
            raise Refused("unknown_session", "Start the chat before sending a file.")
        who = Who("", conversation.id, request.remote or "?")
        if not self.limits.allow("visitor", who):
            raise Refused("rate_limited", "Too many files; wait a few minutes.")
        attachment, data, fields = await self.read_file(request)
        # Its message id is always looked up (a resend): a retried POST cannot know.
        client_id = events.read(events.VisitorUpload, fields).message_id
        await self.files.put(conversation.id, attachment, data)
        try:
            appended = await self.dialogue.receive(conversation.id, attachment.caption(), client_id,
                                                   file=attachment.meta(), resend=True)
        except BaseException:
            await self.files.delete(conversation.id, attachment.id)
            raise
        if not appended.new:  # a resend: the first upload is the one kept
            await self.files.delete(conversation.id, attachment.id)
        self.background.spawn(self.dialogue.respond(conversation.id, appended),
                              f"answer in {conversation.id}")
        return web.json_response({"ok": True, "message": self.relay.entry(conversation.id, appended.message)})

    async def agent_upload(self, request: web.Request) -> web.Response:
        """An agent's file to the visitor of a chat they own (supervisors: any owned chat)."""
        staff = await self.tokens.signed_in(self.store, bearer(request))
        agent = await self.store.get_agent(staff.name)
        if agent is None:
            raise Refused("session_ended", "This agent no longer exists.")
        if not self.limits.allow("agent", Who(agent.name)):
            raise Refused("rate_limited", "Too many files; wait a few minutes.")
        attachment, data, fields = await self.read_file(request)
        form = events.read(events.AgentUpload, fields)
        conversation_id, client_id = form.conversation_id, form.message_id
        await self.handoff.owned_by(conversation_id, agent)
        await self.files.put(conversation_id, attachment, data)
        try:
            appended = await self.relay.post(
                conversation_id, Sender.AGENT, attachment.caption(),
                {"agent_name": agent.display_name, "file": attachment.meta()}, client_id,
                guard=access.reply_guard(agent),
                resend=True,
            )
        except NotOwner as error:
            await self.files.delete(conversation_id, attachment.id)
            if error.conversation is not None:
                access.check_acts(error.conversation, agent)
            raise Refused("not_yours", "This chat is no longer yours.") from None
        if not appended.new:
            await self.files.delete(conversation_id, attachment.id)
        return web.json_response({"ok": True, "message": self.relay.entry(conversation_id, appended.message)})

    # --- download ----------------------------------------------------------------------------------

    async def download(self, request: web.Request) -> web.StreamResponse:
        """The file a signed link names, while the link is fresh and the conversation lives;
        served as its sniffed type, never as a page. A few at a time per address and in all."""
        attachment_id = request.match_info["attachment_id"]
        conversation_id = self.links.opened(request.query.get("t", ""), attachment_id)
        with self.downloads.slot(request.remote or "?", DOWNLOADS_BUSY, DOWNLOADS_FULL):
            if await self.store.get_conversation(conversation_id) is None:
                raise Refused("not_found", "There is no such file.")
            found = await self.files.get(conversation_id, attachment_id)
            if found is None:
                raise Refused("not_found", "There is no such file.")
            try:
                return await self.send(request, found)
            finally:
                found.close()

    async def send(self, request: web.Request, download: Download) -> web.StreamResponse:
        """The file's bytes, chunk by chunk as storage reads them, each written out before the
        next is read."""
        attachment = download.attachment
        response = web.StreamResponse(
            headers={**SERVED, "Content-Disposition": attachment.disposition()})
        response.content_type = attachment.type
        response.content_length = download.size
        request[STREAMING] = True
        await response.prepare(request)
        async for chunk in download.chunks():
            await response.write(chunk)
        await response.write_eof()
        return response
