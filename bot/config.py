"""Every setting Frontdesk reads, from environment variables with sensible defaults.

`Environment` declares the variables (type, bounds, default) and pydantic-settings reads them;
`Settings.from_env` derives the rest (URLs, folders, secrets, the site pack's hours). A value
that cannot be used stops the start with `ConfigError`, which names every such variable.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from . import hours
from .addresses import HEADERS as FORWARDING_HEADERS
from .addresses import Network, networks
from .redis_address import Sentinels
from .redis_address import hosts as sentinel_hosts
from .site import DEFAULT_SITE, Site
from .site import cached as cached_site

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SENDER = "frontdesk@example.com"  # SMTP_FROM when no real domain is known: set it
LOCAL_NAMES = ("localhost", "localdomain", "local", "internal", "lan", "home", "arpa")
ATTACHMENT_TYPES = "png,jpeg,gif,webp,pdf"  # what visitors and agents may send (bot/attachments.py)


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


class ConfigError(ValueError):
    """Settings Frontdesk cannot start with: one line per bad variable, each named."""

    @classmethod
    def of(cls, error: ValidationError) -> ConfigError:
        return cls("\n".join(_explained(problem) for problem in error.errors()))


def _explained(problem: Any) -> str:
    """`AGENT_GRACE: input should be a valid number, got "abc"`, from pydantic's finding."""
    name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
    reason = problem["msg"].removeprefix("Value error, ").removeprefix(f"{name}: ")
    reason = reason.partition(", unable to parse")[0]  # pydantic's second clause says it again
    given = problem.get("input")
    if isinstance(given, str) and repr(given) not in reason:
        reason += f", got {json.dumps(given)}"
    return f"{name}: {reason[:1].lower()}{reason[1:]}"


FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _flag(value: object) -> object:
    """true/false, 1/0 or yes/no, in any case: anything else (`ture`) is refused, not false."""
    if isinstance(value, str):
        if value.strip().lower() not in FLAGS:
            raise ValueError("should be true or false (or 1/0, yes/no)")
        return FLAGS[value.strip().lower()]
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]
Port = Annotated[int, Field(ge=1, le=65535)]
Count = Annotated[int, Field(ge=0)]
AtLeastOne = Annotated[int, Field(ge=1)]  # threads, workers, concurrent calls, sizes
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]  # a duration (RETENTION_DAYS: days)


class Environment(BaseSettings):
    """Every environment variable Frontdesk reads, with its type and default: a field is its
    variable in lower case (AGENT_GRACE -> `agent_grace`). "" is as good as unset. Read once,
    at start-up, by `Settings.from_env`; README.md's table says what each means."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    frontdesk_host: str = "127.0.0.1"
    frontdesk_port: Port = 8000
    frontdesk_public_url: str = ""  # default: http://FRONTDESK_HOST:FRONTDESK_PORT
    frontdesk_data_dir: Path | None = None  # default: var/
    frontdesk_secret: str = ""  # default: generated once into the data folder
    redis_url: str = ""  # default: the embedded server
    embedded_redis_port: Port = 6380
    redis_sentinels: str = ""  # host:port,host:port: find the primary through Sentinel
    redis_sentinel_master: str = "frontdesk"
    redis_sentinel_password: str = ""
    redis_min_replicas: Count = 0
    redis_replica_timeout: Annotated[float, Field(gt=0, le=60, allow_inf_nan=False)] = 0.5
    rasa_url: str = ""  # default: http://127.0.0.1:RASA_PORT
    rasa_port: Port = 5005
    rasa_max_turns: Count = 8
    rasa_token: str = ""
    rasa_timeout: Seconds = 10.0
    rasa_concurrency: AtLeastOne = 8
    rasa_queue_wait: Seconds = 30.0
    rasa_workers: AtLeastOne = 1
    bot_typing_after: Seconds = 0.4
    rasa_venv: Path | None = None  # default: .venv-rasa
    site: str = DEFAULT_SITE
    rasa_model_dir: Path | None = None  # default: models/SITE
    model_token: str = ""  # default: generated once into the data folder
    model_server_url: str = ""  # default: http://127.0.0.1:FRONTDESK_PORT/models/live
    model_pull_every: AtLeastOne = 10
    train_after_examples: AtLeastOne = 5
    train_after: Seconds = 600
    action_port: Port = 5055
    max_message_chars: AtLeastOne = 2000
    allowed_origins: str = ""
    metrics_token: str = ""
    log_level: str = "INFO"
    auto_assign: Flag = True
    remind_every: Seconds = 30
    escalate_after: Seconds = 120
    agent_grace: Seconds = 30
    max_queue_wait: Seconds = 300
    abandon_after: Seconds = 600
    avg_handle_seconds: Seconds = 180
    business_hours: str | None = None  # default: the pack's; "" is always open
    business_timezone: str = ""  # default: the pack's
    agent_token_ttl: Seconds = 12 * 3600
    identity_secret: str = ""
    visitor_rate: Count = 20
    visitor_address_factor: Count = 5
    agent_rate: Count = 60
    login_rate: Count = 10
    trusted_proxies: str = ""
    forwarded_header: str = "X-Forwarded-For"
    smtp_host: str = "127.0.0.1"
    smtp_port: Port = 25
    smtp_from: str = ""  # default: `default_sender`
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: Flag = False
    retention_days: Seconds = 90
    unwritten_ttl: Seconds = 1800
    attachment_dir: Path | None = None  # default: FRONTDESK_DATA_DIR/attachments
    attachment_max_bytes: AtLeastOne = 5 * 1024 * 1024
    attachment_types: str = ATTACHMENT_TYPES
    attachment_rate: Count = 10
    attachment_url_ttl: Seconds = 3600
    attachment_sweep_every: Seconds = 300
    attachment_s3_bucket: str = ""
    attachment_s3_prefix: str = "frontdesk/"
    attachment_s3_endpoint: str = ""
    attachment_timeout: Seconds = 20
    attachment_threads: AtLeastOne = 8
    attachment_downloads: Count = 64
    attachment_downloads_per_address: Count = 4
    transcript_emails: Count = 3
    transcript_emails_per_recipient: Count = 3
    transcript_emails_per_address: Count = 10
    transcript_emails_per_hour: Count = 100
    transcript_max_chars: AtLeastOne = 100_000
    teach_cap: AtLeastOne = 1000
    teach_agents: Flag = False
    learned_cap: AtLeastOne = 5000
    search_rate: AtLeastOne = 30

    @classmethod
    def read(cls, env: Mapping[str, str] | None = None) -> Environment:
        """The process's environment, or `env` in its place (tests, tools); `ConfigError`
        names every bad value at once."""
        try:
            if env is None:
                return cls()
            return _Given.model_validate({name.lower(): value for name, value in env.items()})
        except ValidationError as error:
            raise ConfigError.of(error) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment only: no .env file, no secrets folder."""
        return init_settings, env_settings

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, values: Any) -> Any:
        """VAR= means the default, as `VAR=${VAR:-}` in scripts expects; BUSINESS_HOURS= alone
        means something (always open)."""
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if v != "" or k == "business_hours"}
        return values

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinels_readable(cls, text: str) -> str:
        if text:
            sentinel_hosts(text)
        return text

    @field_validator("redis_url")
    @classmethod
    def _plain_url(cls, url: str) -> str:
        if url and urlparse(url).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("should start redis://, rediss:// or unix:// (Sentinels: "
                             "REDIS_SENTINELS)")
        return url

    @field_validator("site")
    @classmethod
    def _site_exists(cls, name: str) -> str:
        cached_site(name)  # SiteError (a ValueError) says what is wrong with the pack
        return name

    @field_validator("business_hours")
    @classmethod
    def _hours_readable(cls, spec: str | None) -> str | None:
        if spec is not None:
            hours.parse(spec)
        return spec

    @field_validator("business_timezone")
    @classmethod
    def _zone_known(cls, zone: str) -> str:
        try:
            if zone:
                ZoneInfo(zone)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError("no such time zone (an IANA name, like Europe/London or UTC)") \
                from None
        return zone

    @field_validator("log_level")
    @classmethod
    def _level_known(cls, level: str) -> str:
        if level.upper() not in logging.getLevelNamesMapping():
            raise ValueError("should be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level.upper()

    @field_validator("trusted_proxies")
    @classmethod
    def _networks_readable(cls, text: str) -> str:
        networks(text)
        return text

    @field_validator("forwarded_header")
    @classmethod
    def _header_known(cls, name: str) -> str:
        """The one header a trusted proxy writes the client's address in, spelt as we do."""
        for known in FORWARDING_HEADERS:
            if name.strip().lower() == known.lower():
                return known
        raise ValueError(f"should be one of {', '.join(FORWARDING_HEADERS)}")

    @field_validator("attachment_types")
    @classmethod
    def _kinds_known(cls, text: str) -> str:
        unknown = set(_kinds(text)) - set(ATTACHMENT_TYPES.split(","))
        if unknown:
            raise ValueError(f"should be some of {ATTACHMENT_TYPES}, not {', '.join(sorted(unknown))}")
        return text


class _Given(Environment):
    """The same variables from a mapping given in place of the environment: the process's own
    variables do not fill in what it leaves out."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _kinds(text: str) -> tuple[str, ...]:
    """ATTACHMENT_TYPES as a tuple: `png, JPEG` -> ("png", "jpeg")."""
    return tuple(t.strip().lower() for t in text.split(",") if t.strip())


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
    redis_min_replicas: int  # a message is acknowledged once this many replicas have it...
    redis_replica_timeout: float  # ...within this many seconds, else refused `unavailable`
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
    model_token: str  # what Rasa workers show to pull the live model from the bridge
    model_server_url: str
    model_pull_every: int  # seconds between a Rasa worker's pulls (304 while unchanged)
    train_after_examples: int  # the trainer retrains once this many new examples are taught...
    train_after: float  # ...or once the oldest untrained one has waited this many seconds
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
    teach_cap: int  # unanswered messages kept per department for teaching (the oldest go)
    teach_agents: bool  # agents (not only supervisors) see and label their department's
    learned_cap: int  # taught examples kept in Redis (beyond it a new one is refused)
    search_rate: int  # console searches per agent per minute, on every bridge

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
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every variable read and checked (`ConfigError` names each bad one), then the values
        that follow from them: URLs, folders, secrets created once, the site pack's defaults."""
        given = Environment.read(env)
        site = cached_site(given.site)
        host, port = given.frontdesk_host, given.frontdesk_port
        data_dir = (given.frontdesk_data_dir or ROOT / "var").resolve()
        public_url = (given.frontdesk_public_url or f"http://{host}:{port}").rstrip("/")
        redis_url = given.redis_url
        if given.redis_sentinels:
            redis_url = _sentinel_url(given)
        elif not redis_url:  # the embedded server, with a password of its own
            password = _persistent_secret(data_dir, "redis-password")
            redis_url = f"redis://:{password}@127.0.0.1:{given.embedded_redis_port}/0"
        derived = dict(
            host=host,
            port=port,
            public_url=public_url,
            data_dir=data_dir,
            redis_url=redis_url,
            embedded_redis=not (given.redis_url or given.redis_sentinels),
            rasa_url=(given.rasa_url or f"http://127.0.0.1:{given.rasa_port}").rstrip("/"),
            rasa_token=given.rasa_token or _persistent_secret(data_dir, "rasa-token"),
            rasa_venv=given.rasa_venv or ROOT / ".venv-rasa",
            site_name=given.site,
            model_dir=given.rasa_model_dir or ROOT / "models" / given.site,
            model_token=given.model_token or _persistent_secret(data_dir, "model-token"),
            model_server_url=given.model_server_url or f"http://127.0.0.1:{port}/models/live",
            secret_key=given.frontdesk_secret or _persistent_secret(data_dir, "secret-key"),
            allowed_origins=_origins(given.allowed_origins, public_url, port),
            metrics_token=given.metrics_token or _persistent_secret(data_dir, "metrics-token"),
            business_hours=site.hours if given.business_hours is None else given.business_hours,
            business_timezone=given.business_timezone or site.timezone,
            trusted_proxies=networks(given.trusted_proxies),
            smtp_from=given.smtp_from or default_sender(public_url, socket.getfqdn()),
            smtp_from_set=bool(given.smtp_from),
            attachment_dir=(given.attachment_dir or data_dir / "attachments").resolve(),
            attachment_types=_kinds(given.attachment_types),
        )
        return cls(**{**given.model_dump(include=_SAME_NAMES), **derived})

    def rasa_redis(self) -> dict[str, object]:
        """The Redis URL as Rasa's tracker and lock stores take it: host, port, db, user,
        password and TLS (`rediss://`), and the Sentinels if any (actions/redis_stores.py)."""
        sentinels = Sentinels.parse(self.redis_url)
        if sentinels is not None:
            return {
                "url": sentinels.master, "port": 0, "db": sentinels.db,
                "username": sentinels.username or None, "password": sentinels.password or None,
                "use_ssl": sentinels.tls, "key_prefix": "rasa",
                "sentinels": [f"{host}:{port}" for host, port in sentinels.hosts],
                "sentinel_password": sentinels.sentinel_password or None,
            }
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


def _sentinel_url(given: Environment) -> str:
    """REDIS_SENTINELS and REDIS_SENTINEL_MASTER, with the user, password, database and TLS
    (`rediss://`) of REDIS_URL if given (its host and port are not used), as one URL."""
    url = urlparse(given.redis_url or "redis://")
    return Sentinels(
        hosts=sentinel_hosts(given.redis_sentinels), master=given.redis_sentinel_master,
        db=int((url.path or "/0").lstrip("/") or 0), username=unquote(url.username or ""),
        password=unquote(url.password or ""), sentinel_password=given.redis_sentinel_password,
        tls=url.scheme == "rediss",
    ).url()


_SAME_NAMES = {f.name for f in fields(Settings)} & set(Environment.model_fields)
"""Settings named as their variable (AGENT_GRACE -> `agent_grace`): its value, unless derived."""
