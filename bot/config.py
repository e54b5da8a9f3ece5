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
    auto_assign: bool
    remind_every: float
    escalate_after: float
    agent_grace: float
    max_queue_wait: float
    avg_handle_seconds: float
    business_hours: str
    business_timezone: str
    agent_token_ttl: float
    identity_secret: str
    visitor_rate: int
    agent_rate: int
    login_rate: int
    smtp_host: str
    smtp_port: int
    smtp_from: str
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool

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
            auto_assign=(env.get("AUTO_ASSIGN") or "true").lower() in ("1", "true", "yes"),
            remind_every=_float(env, "REMIND_EVERY", 30),
            escalate_after=_float(env, "ESCALATE_AFTER", 120),
            agent_grace=_float(env, "AGENT_GRACE", 30),
            max_queue_wait=_float(env, "MAX_QUEUE_WAIT", 300),
            avg_handle_seconds=_float(env, "AVG_HANDLE_SECONDS", 180),
            business_hours=env.get("BUSINESS_HOURS") or "",
            business_timezone=env.get("BUSINESS_TIMEZONE") or "UTC",
            agent_token_ttl=_float(env, "AGENT_TOKEN_TTL", 12 * 3600),
            identity_secret=env.get("IDENTITY_SECRET") or "",
            visitor_rate=_int(env, "VISITOR_RATE", 20),
            agent_rate=_int(env, "AGENT_RATE", 60),
            login_rate=_int(env, "LOGIN_RATE", 10),
            smtp_host=env.get("SMTP_HOST") or "127.0.0.1",
            smtp_port=_int(env, "SMTP_PORT", 25),
            smtp_from=env.get("SMTP_FROM") or "Frontdesk <frontdesk@localhost>",
            smtp_user=env.get("SMTP_USER") or "",
            smtp_password=env.get("SMTP_PASSWORD") or "",
            smtp_starttls=(env.get("SMTP_STARTTLS") or "false").lower() in ("1", "true", "yes"),
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
