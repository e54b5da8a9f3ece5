"""Every setting Frontdesk reads, from environment variables with sensible defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return int(env.get(name) or default)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return float(env.get(name) or default)


def _persistent_secret(data_dir: Path, name: str) -> str:
    """A random secret generated once and kept in the data folder (never in the repo)."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    """Frontdesk's configuration; build it with `Settings.from_env()`."""

    host: str
    port: int
    public_url: str
    data_dir: Path
    redis_url: str
    embedded_redis: bool
    embedded_redis_port: int
    rasa_url: str
    rasa_port: int
    rasa_token: str
    rasa_timeout: float
    rasa_venv: Path
    model_dir: Path
    action_port: int
    secret_key: str
    max_message_chars: int
    allowed_origins: list[str] | str
    log_level: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("FRONTDESK_DATA_DIR") or ROOT / "var").resolve()
        host = env.get("FRONTDESK_HOST") or "127.0.0.1"
        port = _int(env, "FRONTDESK_PORT", 8000)
        embedded_port = _int(env, "EMBEDDED_REDIS_PORT", 6380)
        redis_url = env.get("REDIS_URL") or ""
        rasa_port = _int(env, "RASA_PORT", 5005)
        origins = env.get("ALLOWED_ORIGINS") or "*"
        return cls(
            host=host,
            port=port,
            public_url=env.get("FRONTDESK_PUBLIC_URL") or f"http://{host}:{port}",
            data_dir=data_dir,
            redis_url=redis_url or f"redis://127.0.0.1:{embedded_port}/0",
            embedded_redis=not redis_url,
            embedded_redis_port=embedded_port,
            rasa_url=(env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            rasa_port=rasa_port,
            rasa_token=env.get("RASA_TOKEN") or _persistent_secret(data_dir, "rasa-token"),
            rasa_timeout=_float(env, "RASA_TIMEOUT", 10.0),
            rasa_venv=Path(env.get("RASA_VENV") or ROOT / ".venv-rasa"),
            model_dir=Path(env.get("RASA_MODEL_DIR") or ROOT / "models"),
            action_port=_int(env, "ACTION_PORT", 5055),
            secret_key=env.get("FRONTDESK_SECRET") or _persistent_secret(data_dir, "secret-key"),
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 2000),
            allowed_origins="*" if origins == "*" else [o.strip() for o in origins.split(",")],
            log_level=env.get("LOG_LEVEL") or "INFO",
        )

    def redis_parts(self) -> dict[str, str]:
        """Host, port, db and password of the Redis URL, for Rasa's endpoints.yml."""
        url = urlparse(self.redis_url)
        return {
            "REDIS_HOST": url.hostname or "127.0.0.1",
            "REDIS_PORT": str(url.port or 6379),
            "REDIS_DB": (url.path or "/0").lstrip("/") or "0",
            "REDIS_PASSWORD": url.password or "",
        }
