"""The live model, served by the bridge to every Rasa worker through Rasa's own model server
mechanism: a worker asks `GET /models/live?token=...` every MODEL_PULL_EVERY seconds with
`If-None-Match: <the model it runs>`, and gets 304 while it is current, or the file with its
name as `ETag` (Rasa then loads it without a restart, conversations kept in Redis).

The live model is the one the trainer or a supervisor promoted (bot/store/rollout.py), else the
newest file of the pack's model folder (what `make train` made). Workers started from the
folder run that newest file and say so (bot/processes.py: the file name is their fingerprint),
so the first pull is a 304.
"""

from __future__ import annotations

import asyncio
import hmac
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from .config import Settings
from .errors import Refused
from .store import Store

SUFFIX = ".tar.gz"


def model_files(folder: Path) -> list[Path]:
    """The pack's trained models, newest first."""
    files = [p for p in folder.glob(f"*{SUFFIX}") if p.is_file()] if folder.is_dir() else []
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


async def live_file(store: Store, folder: Path) -> Path | None:
    """The model every Rasa worker should run now (None before any was trained)."""
    name = (await store.live_model()).get("name", "")
    if name and (folder / name).is_file():
        return folder / name
    files = model_files(folder)
    return files[0] if files else None


def model_route(store: Store, settings: Settings) -> Handler:
    """GET /models/live?token=MODEL_TOKEN: Rasa's model server protocol (above)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        given = request.query.get("token", "").encode()
        if not hmac.compare_digest(given, settings.model_token.encode()):
            return Refused("token_invalid", "A model is served only with its token.").to_response()
        path = await live_file(store, settings.model_dir)
        if path is None:  # Rasa reads 404 as "no model yet" and asks again later
            return Refused("not_found", "No model is trained yet.").to_response()
        headers = {"ETag": path.name, "filename": path.name, "Cache-Control": "no-store"}
        if request.headers.get("If-None-Match") == path.name:
            return web.Response(status=304, headers=headers)
        body = await asyncio.to_thread(path.read_bytes)
        return web.Response(body=body, headers=headers, content_type="application/gzip")

    return handler
