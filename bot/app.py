"""Assembles the bridge: aiohttp web app, Socket.IO server, store and Rasa client."""

from __future__ import annotations

import logging

import socketio
from aiohttp import web

from .config import ROOT, Settings
from .rasa import RasaClient
from .redis_store import RedisStore
from .visitor import VisitorNamespace

log = logging.getLogger(__name__)

STATIC = ROOT / "widget" / "dist"
PAGES = ROOT / "widget" / "pages"

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", RedisStore)
RASA = web.AppKey("rasa", RasaClient)


def create_app(settings: Settings) -> web.Application:
    store = RedisStore(settings.redis_url)
    rasa = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout)
    manager = socketio.AsyncRedisManager(settings.redis_url, channel="fd:socketio")
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=settings.allowed_origins,
        max_http_buffer_size=64 * 1024,
    )
    sio.register_namespace(VisitorNamespace(store, rasa, settings.max_message_chars))

    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[STORE] = store
    app[RASA] = rasa
    sio.attach(app)
    app.router.add_get("/", page("demo.html"))
    app.router.add_get("/healthz", healthz)
    if STATIC.is_dir():
        app.router.add_static("/static/", STATIC)
    app.on_startup.append(announce)
    app.on_cleanup.append(close_clients)
    return app


def page(name: str):
    """A handler serving one HTML page from widget/pages."""

    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(PAGES / name)

    return handler


async def healthz(request: web.Request) -> web.Response:
    redis_ok = await request.app[STORE].ping()
    rasa_ok = await request.app[RASA].healthy()
    status = 200 if redis_ok and rasa_ok else 503
    return web.json_response({"redis": redis_ok, "rasa": rasa_ok}, status=status)


async def announce(app: web.Application) -> None:
    log.info("Frontdesk demo page: %s/", app[SETTINGS].public_url)


async def close_clients(app: web.Application) -> None:
    await app[RASA].close()
    await app[STORE].close()


def serve(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None,
        shutdown_timeout=5,
    )


