"""Assembles the bridge: aiohttp web app, Socket.IO server, store, Rasa client, namespaces."""

from __future__ import annotations

import asyncio
import gc
import hmac
import html
import logging
from typing import Any

import socketio
from aiohttp import web
from aiohttp.typedefs import Handler

from . import metrics, protocol
from .addresses import Proxies
from .agents import Tokens
from .announcer import QueueAnnouncer
from .attachments import Files, Links, files_from
from .config import ROOT, Settings
from .console import AgentNamespace, insights_route, login_route, logout_route
from .cors import ANY_SITE, Cors
from .dialogue import Dialogue
from .errors import Refused
from .handoff import Handoff
from .model_server import model_route
from .rasa import RasaClient
from .relay import Relay
from .store.manager import socketio_manager
from .store.redis import RedisStore
from .store.redis.schema import SchemaTooNew, ensure_schema
from .sweeper import Sweeper
from .uploads import Uploads
from .visitor import VisitorNamespace, client_address

log = logging.getLogger(__name__)

DIST = ROOT / "widget" / "dist"
PAGES = ROOT / "widget" / "pages"

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", RedisStore)
RASA = web.AppKey("rasa", RasaClient)
SWEEPER = web.AppKey("sweeper", Sweeper)
ANNOUNCER = web.AppKey("announcer", QueueAnnouncer)
SIO = web.AppKey("sio", socketio.AsyncServer)
FILES = web.AppKey("files", Files)
STEP_BOUND = 0.8  # seconds each shutdown step may take
READY = web.AppKey("ready", asyncio.Task)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'self'"
)


RESERVED = ("connect", "disconnect")


class Packet(socketio.packet.Packet):
    """Socket.IO packets whose JSON is read by `protocol.PacketJson` (never raises)."""

    json = protocol.PacketJson


class Server(socketio.AsyncServer):
    """python-socketio's server, stricter about what clients send: a client event named like a
    lifecycle event (`connect`, `disconnect`) is routed to `reserved_event`, which refuses it,
    instead of re-running the connection's set-up or tear-down; an event whose JSON cannot be
    read reaches its namespace as `Undecodable` (answered `invalid_payload`); binary packets and
    packets that are not Socket.IO close the connection (one log line, no traceback)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.packet_class = Packet

    async def _handle_event(self, eio_sid: str, namespace: str, id: Any, data: Any) -> None:
        if isinstance(data, protocol.Undecodable):
            data = [data.event or "undecodable", data]
        elif not isinstance(data, list) or not data or not isinstance(data[0], str):
            data = ["undecodable", protocol.Undecodable(None)]
        if data[0] in RESERVED:
            data = ["reserved_event", *data[1:]]
        await super()._handle_event(eio_sid, namespace, id, data)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        """Binary attachments are not part of Frontdesk's protocol: a client that announces or
        sends one is disconnected before anything is buffered; so is one whose packet is not
        Socket.IO at all."""
        if not isinstance(data, str) or data[:1] in "56":
            log.info("binary or non-Socket.IO packet from %s (%s): disconnected",
                     client_address(self.environ.get(eio_sid, {})), eio_sid)
            await self.eio.disconnect(eio_sid)
            return
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError as error:  # python-socketio could not read the packet's frame
            log.info("malformed Socket.IO packet from %s (%s): %s; disconnected",
                     client_address(self.environ.get(eio_sid, {})), eio_sid, error)
            await self.eio.disconnect(eio_sid)


def create_app(settings: Settings) -> web.Application:
    store = RedisStore.from_settings(settings)
    rasa = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout,
                      settings.rasa_concurrency, settings.rasa_queue_wait)
    manager = socketio_manager(settings.redis_url)
    sio = Server(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=Cors(settings.allowed_origins).socketio,
        max_http_buffer_size=64 * 1024,
        json=protocol.FrameJson,  # Socket.IO packets: protocol.PacketJson (`Packet`)
    )
    files = files_from(settings)
    links = Links(settings.secret_key, settings.public_url, settings.attachment_url_ttl)
    relay = Relay(sio, store, links)
    handoff = Handoff(store, relay, settings)
    tokens = Tokens(settings.secret_key, settings.agent_token_ttl)
    agents = AgentNamespace(store, relay, handoff, tokens, settings)
    relay.guard_with(agents.outsiders)  # a chat's live events reach only who may see it
    dialogue = Dialogue(store, rasa, relay, handoff, settings)
    sio.register_namespace(VisitorNamespace(store, dialogue, relay, handoff, settings))
    uploads = Uploads(store, files, links, relay, dialogue, handoff, tokens, settings)
    sio.register_namespace(agents)

    proxies = Proxies(settings.trusted_proxies, settings.forwarded_header)
    app = web.Application(client_max_size=64 * 1024, middlewares=[proxies.middleware()])
    app.on_response_prepare.append(security_headers)
    app[SETTINGS] = settings
    app[FILES] = files
    app[STORE] = store
    app[RASA] = rasa
    app[SWEEPER] = Sweeper(store, handoff, settings, agents, files)
    app[ANNOUNCER] = QueueAnnouncer(store, handoff, relay)
    sio.attach(app)
    app.router.add_get("/", page("demo.html", settings))
    app.router.add_get("/console", page("console.html", settings))
    app.router.add_get("/webchat", page("webchat.html", settings))
    app.router.add_get("/widget.js", asset("widget.js"))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    app.router.add_post("/api/login", login_route(store, tokens, settings))
    app.router.add_post("/api/logout", logout_route(store, tokens, agents))
    app.router.add_get("/api/insights", insights_route(store, tokens, settings))
    app.router.add_get("/models/live", model_route(store, settings))
    uploads.add_routes(app)
    if DIST.is_dir():
        app.router.add_static("/static/", DIST)
    app[SIO] = sio
    app.on_startup.append(start)
    app.on_shutdown.append(closing)
    app.on_cleanup.append(stop)
    return app


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer, as its headers are sent (streamed downloads too)."""
    response.headers.update(HEADERS)
    if response.content_type == "text/html" or request.path in ("/", "/console", "/webchat"):
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)


def page(name: str, settings: Settings) -> Handler:
    """A handler serving one HTML page from widget/pages, with the site pack's names filled in
    ({{site_name}}, {{widget_title}}; escaped)."""
    site = settings.site
    text = (PAGES / name).read_text(encoding="utf-8")
    for key, value in {"site_name": site.name, "widget_title": site.widget.title}.items():
        text = text.replace("{{" + key + "}}", html.escape(value))

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type="text/html",
                            headers={"Cache-Control": "no-cache"})

    return handler


def asset(name: str) -> Handler:
    async def handler(request: web.Request) -> web.FileResponse:
        headers = {"Cache-Control": "no-cache", **ANY_SITE}
        return web.FileResponse(DIST / name, headers=headers)

    return handler


async def healthz(request: web.Request) -> web.Response:
    """503 when Redis or Rasa do not answer, or storage calls are past ATTACHMENT_TIMEOUT."""
    redis_ok = await request.app[STORE].ping()
    rasa_ok = await request.app[RASA].healthy()
    storage_ok = not request.app[FILES].workers.stuck()
    status = 200 if redis_ok and rasa_ok and storage_ok else 503
    return web.json_response({"redis": redis_ok, "rasa": rasa_ok, "storage": storage_ok},
                             status=status)


async def prometheus(request: web.Request) -> web.Response:
    """Prometheus figures, for a scraper holding METRICS_TOKEN (var/metrics-token)."""
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), request.app[SETTINGS].metrics_token.encode()):
        return Refused("auth_required", "Send the metrics token.").to_response()
    return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")


async def start(app: web.Application) -> None:
    """Before listening: bring Redis's data to this release's format (once, by one bridge)."""
    await ensure_schema(app[STORE], app[SWEEPER].holder)
    app[SWEEPER].start()
    app[ANNOUNCER].start()
    app[READY] = asyncio.create_task(announce_when_ready(app))


async def announce_when_ready(app: web.Application) -> None:
    """Print the URLs once Rasa answers; until then visitors are told the assistant is away."""
    url = app[SETTINGS].public_url
    log.info("Bridge listening on %s; waiting for Rasa at %s", url, app[SETTINGS].rasa_url)
    if await app[RASA].wait_until_ready(600):
        log.info("Frontdesk is ready. Demo page: %s/   Agent console: %s/console", url, url)
    else:
        log.warning("Rasa has not answered for 10 minutes; visitors are being handed to people.")


async def closing(app: web.Application) -> None:
    """SIGTERM: close every connection at once (clients reconnect, to another bridge if there
    is one), within a bound whatever Redis does."""
    sio = app[SIO]
    try:
        await asyncio.wait_for(sio.eio.disconnect(), STEP_BOUND)
    except Exception:
        log.warning("connections not all closed cleanly at shutdown")
    await sio.shutdown()


async def stop(app: web.Application) -> None:
    """Each step bounded, so that the process ends within 5 s of SIGTERM even with Redis hung."""
    app[READY].cancel()
    for step in (app[SWEEPER].stop, app[ANNOUNCER].stop, app[RASA].close, app[STORE].close):
        try:
            await asyncio.wait_for(step(), STEP_BOUND)
        except Exception:
            log.warning("%s did not finish at shutdown", getattr(step, "__qualname__", step))
    app[FILES].workers.close()


def tune_gc() -> None:
    """Collect the young generations less often: with thousands of long-lived connections a
    full collection stalls the loop for 100+ ms, which showed as the p99 of the person path."""
    gc.collect()
    gc.freeze()  # what exists at start-up is never garbage
    gc.set_threshold(50_000, 20, 100)


def event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it installs (less CPU per socket event than asyncio's own loop)."""
    try:
        import uvloop
    except ImportError:  # Windows
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def serve(settings: Settings) -> None:
    tune_gc()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        web.run_app(
            create_app(settings), host=settings.host, port=settings.port, print=None,
            shutdown_timeout=1,  # connections were closed in `closing` already
            loop=event_loop(),
        )
    except SchemaTooNew as error:
        log.error("%s", error)
        raise SystemExit(2) from None
