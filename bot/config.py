"""Every setting Frontdesk reads, from environment variables with sensible defaults."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

from .addresses import HEADERS as FORWARDING_HEADERS
from .addresses import Network, networks
from .site import DEFAULT_SITE, Site
from .site import cached as cached_site

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SENDER = "frontdesk@example.com"  # SMTP_FROM when no real domain is known: set it
LOCAL_NAMES = ("localhost", "localdomain", "local", "internal", "lan", "home", "arpa")
ATTACHMENT_TYPES = "png,jpeg,gif,webp,pdf"  # what visitors and agents may send (bot/attachments.py)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return int(env.get(name) or default)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return float(env.get(name) or default)


def private_dir(path: Path) -> Path:
    """A folder only this user can enter (0700), created if missing."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _persistent_secret(data_dir: Path, name: str) -> str:
    """A random secret generated once and kept in the data folder (never in the repo).

    Created atomically: written to a private temporary file (0600 from the start), then linked
    into place, which fails if another process got there first; then everyone reads the one
    that won. Several processes starting at once therefore agree on one value."""
    path = data_dir / name
    if not path.exists():
        private_dir(data_dir)
        temporary = data_dir / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def mail_domain(name: str) -> bool:
    """Whether a mail server would take `name` as the domain of a sender: fully qualified
    (with a dot), not an address, not localhost/localdomain or another name only local."""
    name = name.strip().rstrip(".").lower()
    labels = name.split(".")
    if len(labels) < 2 or any(not label for label in labels):
        return False
    try:
        ipaddress.ip_address(name)
        return False
    except ValueError:
        pass
    if labels[-1] in LOCAL_NAMES or labels[0] == "localhost" or labels[-1].isdigit():
        return False
    return all(label.replace("-", "").isalnum() and label.isascii() for label in labels)


def default_sender(public_url: str, fqdn: str) -> str:
    """SMTP_FROM when unset: frontdesk@ the public URL's host if it is a real domain (the
    operator's own), else this host's full name if that is (a provider's name is a last
    resort: receiving servers may not take it), else the placeholder frontdesk@example.com."""
    host = urlparse(public_url).hostname or ""
    domain = next((d for d in (host, fqdn) if mail_domain(d)), "")
    address = f"frontdesk@{domain.rstrip('.').lower()}" if domain else PLACEHOLDER_SENDER
    return f"Frontdesk <{address}>"


def _origins(configured: str, public_url: str, port: int) -> list[str] | str:
    """Where pages that may open Socket.IO connections come from: the bridge's own origin (the
    demo page and the console, always) plus the customer sites listed in ALLOWED_ORIGINS;
    `*` allows any site."""
    if configured.strip() == "*":
        return "*"
    parsed = urlparse(public_url)
    own = [f"{parsed.scheme}://{parsed.netloc}", f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    listed = [o.strip().rstrip("/") for o in configured.split(",") if o.strip()]
    return list(dict.fromkeys(own + listed))


def _forwarded_header(name: str) -> str:
    """FORWARDED_HEADER, checked: the one header a trusted proxy writes the client's address in."""
    for known in FORWARDING_HEADERS:
        if name.strip().lower() == known.lower():
            return known
    raise ValueError(f"FORWARDED_HEADER must be one of {', '.join(FORWARDING_HEADERS)}, "
                     f"not {name!r}")


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
    rasa_max_turns: int
    rasa_token: str
    rasa_timeout: float
    rasa_concurrency: int
    rasa_queue_wait: float
    rasa_workers: int
    bot_typing_after: float
    rasa_venv: Path
    site_name: str
    model_dir: Path
    action_port: int
    secret_key: str
    max_message_chars: int
    allowed_origins: list[str] | str
    metrics_token: str
    log_level: str
    auto_assign: bool
    remind_every: float
    escalate_after: float
    agent_grace: float
    max_queue_wait: float
    abandon_after: float
    avg_handle_seconds: float
    business_hours: str
    business_timezone: str
    agent_token_ttl: float
    identity_secret: str
    visitor_rate: int
    visitor_address_factor: int
    agent_rate: int
    login_rate: int
    trusted_proxies: tuple[Network, ...]
    forwarded_header: str
    smtp_host: str
    smtp_port: int
    smtp_from: str
    smtp_from_set: bool  # False: the default (`default_sender`), and the bridge warns at startup
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    retention_days: float
    unwritten_ttl: float
    attachment_dir: Path
    attachment_max_bytes: int
    attachment_types: tuple[str, ...]
    attachment_rate: int
    attachment_url_ttl: float
    attachment_sweep_every: float
    attachment_s3_bucket: str
    attachment_s3_prefix: str
    attachment_s3_endpoint: str
    attachment_timeout: float
    attachment_threads: int
    attachment_downloads: int
    attachment_downloads_per_address: int
    transcript_emails: int
    transcript_emails_per_recipient: int  # a day, to one address
    transcript_emails_per_address: int  # an hour, from one network address
    transcript_emails_per_hour: int  # the whole site
    transcript_max_chars: int  # of one emailed transcript (the latest messages; a note says so)

    @property
    def site(self) -> Site:
        """The business this Frontdesk serves (sites/<SITE>/, bot/site.py)."""
        return cached_site(self.site_name)

    @property
    def site_file(self) -> Path:
        """The pack's facts for the action server, written by scripts/build_site.py."""
        return ROOT / "build" / self.site_name / "site.json"

    @property
    def retention_seconds(self) -> int:
        """How long everything about a conversation is kept after its last activity."""
        return max(1, int(self.retention_days * 86400))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("FRONTDESK_DATA_DIR") or ROOT / "var").resolve()
        host = env.get("FRONTDESK_HOST") or "127.0.0.1"
        port = _int(env, "FRONTDESK_PORT", 8000)
        embedded_port = _int(env, "EMBEDDED_REDIS_PORT", 6380)
        redis_url = env.get("REDIS_URL") or ""
        rasa_port = _int(env, "RASA_PORT", 5005)
        public_url = (env.get("FRONTDESK_PUBLIC_URL") or f"http://{host}:{port}").rstrip("/")
        site_name = env.get("SITE") or DEFAULT_SITE
        site = cached_site(site_name)
        if not redis_url:  # the embedded server, with a password of its own
            password = _persistent_secret(data_dir, "redis-password")
            redis_url = f"redis://:{password}@127.0.0.1:{embedded_port}/0"
        return cls(
            host=host,
            port=port,
            public_url=public_url,
            data_dir=data_dir,
            redis_url=redis_url,
            embedded_redis=not env.get("REDIS_URL"),
            embedded_redis_port=embedded_port,
            rasa_url=(env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            rasa_port=rasa_port,
            rasa_max_turns=_int(env, "RASA_MAX_TURNS", 8),
            rasa_token=env.get("RASA_TOKEN") or _persistent_secret(data_dir, "rasa-token"),
            rasa_timeout=_float(env, "RASA_TIMEOUT", 10.0),
            rasa_concurrency=_int(env, "RASA_CONCURRENCY", 8),
            rasa_queue_wait=_float(env, "RASA_QUEUE_WAIT", 30.0),
            rasa_workers=_int(env, "RASA_WORKERS", 1),
            bot_typing_after=_float(env, "BOT_TYPING_AFTER", 0.4),
            rasa_venv=Path(env.get("RASA_VENV") or ROOT / ".venv-rasa"),
            site_name=site_name,
            model_dir=Path(env.get("RASA_MODEL_DIR") or ROOT / "models" / site_name),
            action_port=_int(env, "ACTION_PORT", 5055),
            secret_key=env.get("FRONTDESK_SECRET") or _persistent_secret(data_dir, "secret-key"),
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 2000),
            allowed_origins=_origins(env.get("ALLOWED_ORIGINS") or "", public_url, port),
            metrics_token=env.get("METRICS_TOKEN") or _persistent_secret(data_dir, "metrics-token"),
            log_level=env.get("LOG_LEVEL") or "INFO",
            auto_assign=(env.get("AUTO_ASSIGN") or "true").lower() in ("1", "true", "yes"),
            remind_every=_float(env, "REMIND_EVERY", 30),
            escalate_after=_float(env, "ESCALATE_AFTER", 120),
            agent_grace=_float(env, "AGENT_GRACE", 30),
            max_queue_wait=_float(env, "MAX_QUEUE_WAIT", 300),
            abandon_after=_float(env, "ABANDON_AFTER", 600),
            avg_handle_seconds=_float(env, "AVG_HANDLE_SECONDS", 180),
            business_hours=env.get("BUSINESS_HOURS", site.hours),
            business_timezone=env.get("BUSINESS_TIMEZONE") or site.timezone,
            agent_token_ttl=_float(env, "AGENT_TOKEN_TTL", 12 * 3600),
            identity_secret=env.get("IDENTITY_SECRET") or "",
            visitor_rate=_int(env, "VISITOR_RATE", 20),
            visitor_address_factor=_int(env, "VISITOR_ADDRESS_FACTOR", 5),
            agent_rate=_int(env, "AGENT_RATE", 60),
            login_rate=_int(env, "LOGIN_RATE", 10),
            trusted_proxies=networks(env.get("TRUSTED_PROXIES") or ""),
            forwarded_header=_forwarded_header(env.get("FORWARDED_HEADER") or "X-Forwarded-For"),
            smtp_host=env.get("SMTP_HOST") or "127.0.0.1",
            smtp_port=_int(env, "SMTP_PORT", 25),
            smtp_from=env.get("SMTP_FROM") or default_sender(public_url, socket.getfqdn()),
            smtp_from_set=bool(env.get("SMTP_FROM")),
            smtp_user=env.get("SMTP_USER") or "",
            smtp_password=env.get("SMTP_PASSWORD") or "",
            smtp_starttls=(env.get("SMTP_STARTTLS") or "false").lower() in ("1", "true", "yes"),
            retention_days=_float(env, "RETENTION_DAYS", 90),
            unwritten_ttl=_float(env, "UNWRITTEN_TTL", 1800),
            attachment_dir=Path(env.get("ATTACHMENT_DIR") or data_dir / "attachments").resolve(),
            attachment_max_bytes=_int(env, "ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024),
            attachment_types=tuple(
                t.strip().lower() for t in (env.get("ATTACHMENT_TYPES") or ATTACHMENT_TYPES).split(",")
                if t.strip()
            ),
            attachment_rate=_int(env, "ATTACHMENT_RATE", 10),
            attachment_url_ttl=_float(env, "ATTACHMENT_URL_TTL", 3600),
            attachment_sweep_every=_float(env, "ATTACHMENT_SWEEP_EVERY", 300),
            attachment_s3_bucket=env.get("ATTACHMENT_S3_BUCKET") or "",
            attachment_s3_prefix=env.get("ATTACHMENT_S3_PREFIX") or "frontdesk/",
            attachment_s3_endpoint=env.get("ATTACHMENT_S3_ENDPOINT") or "",
            attachment_timeout=_float(env, "ATTACHMENT_TIMEOUT", 20),
            attachment_threads=_int(env, "ATTACHMENT_THREADS", 8),
            attachment_downloads=_int(env, "ATTACHMENT_DOWNLOADS", 64),
            attachment_downloads_per_address=_int(env, "ATTACHMENT_DOWNLOADS_PER_ADDRESS", 4),
            transcript_emails=_int(env, "TRANSCRIPT_EMAILS", 3),
            transcript_emails_per_recipient=_int(env, "TRANSCRIPT_EMAILS_PER_RECIPIENT", 3),
            transcript_emails_per_address=_int(env, "TRANSCRIPT_EMAILS_PER_ADDRESS", 10),
            transcript_emails_per_hour=_int(env, "TRANSCRIPT_EMAILS_PER_HOUR", 100),
            transcript_max_chars=_int(env, "TRANSCRIPT_MAX_CHARS", 100_000),
        )

    def rasa_redis(self) -> dict[str, object]:
        """The Redis URL as Rasa's tracker and lock stores take it: host, port, db, user,
        password and TLS (`rediss://`)."""
        url = urlparse(self.redis_url)
        return {
            "url": url.hostname or "127.0.0.1",
            "port": url.port or 6379,
            "db": int((url.path or "/0").lstrip("/") or 0),
            "username": url.username or None,
            "password": url.password or None,
            "use_ssl": url.scheme == "rediss",
            "key_prefix": "rasa",
        }
