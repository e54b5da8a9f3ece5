"""Where Redis is: one server (`redis://`, `rediss://`) or a primary found through Sentinel.

Every Redis connection pool of the bridge is made here (`pool`), so the store, the Socket.IO
manager and the command line follow a failover the same way. With Sentinels, Settings carries
them in one URL of its own (`sentinel_url`), which the rest of the code passes around as it
passes a plain one:

    redis+sentinel://[user:password@]host:port,host:port/MASTER/DB[?sentinel_password=...]

(`rediss+sentinel://`: TLS to the servers and the Sentinels). A connection asks a Sentinel for
the current primary when it connects; one that finds the old primary gone, or demoted to a
replica (a READONLY reply), is dropped and the command retried on a new connection, which asks
again. Rasa's tracker and lock stores do the same in their own environment (actions/redis_stores.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

SCHEMES = {"redis+sentinel": False, "rediss+sentinel": True}  # scheme -> TLS


@dataclass(frozen=True)
class Sentinels:
    """A primary known by its Sentinels' name for it, and how to reach the servers."""

    hosts: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    username: str = ""
    password: str = ""
    sentinel_password: str = ""
    tls: bool = False

    def url(self) -> str:
        scheme = "rediss+sentinel" if self.tls else "redis+sentinel"
        user = quote(self.username, safe="") if self.username else ""
        auth = f"{user}:{quote(self.password, safe='')}@" if self.username or self.password else ""
        hosts = ",".join(f"{host}:{port}" for host, port in self.hosts)
        query = f"?{urlencode({'sentinel_password': self.sentinel_password})}" \
            if self.sentinel_password else ""
        return f"{scheme}://{auth}{hosts}/{quote(self.master, safe='')}/{self.db}{query}"

    @classmethod
    def parse(cls, url: str) -> Sentinels | None:
        """The Sentinels a `redis+sentinel://` URL names; None for a plain Redis URL."""
        scheme, _, rest = url.partition("://")
        if scheme not in SCHEMES:
            return None
        rest, _, query = rest.partition("?")
        netloc, _, path = rest.partition("/")
        auth, _, hostlist = netloc.rpartition("@")
        username, _, password = auth.partition(":")
        master, _, db = path.partition("/")
        options = parse_qs(query)
        return cls(hosts=hosts(hostlist), master=unquote(master), db=int(db or 0),
                   username=unquote(username), password=unquote(password),
                   sentinel_password=options.get("sentinel_password", [""])[0],
                   tls=SCHEMES[scheme])

    def manager(self, **options: Any) -> Sentinel:
        """redis-py's Sentinel client; `options` are the servers' connection options."""
        auth = {"password": self.sentinel_password or None, "ssl": self.tls,
                "socket_connect_timeout": options.get("socket_connect_timeout", 5),
                "socket_timeout": 2}
        return Sentinel(list(self.hosts), sentinel_kwargs=auth)  # type: ignore[no-untyped-call]


def hosts(text: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` (REDIS_SENTINELS); ValueError names what cannot be read."""
    found: list[tuple[str, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"should be host:port pairs separated by commas, not {item!r}")
        found.append((host.strip("[]"), int(port)))
    if not found:
        raise ValueError("should name at least one Sentinel (host:port)")
    return tuple(found)


class _BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """A Sentinel pool that waits for a free connection under bursts (as the plain pool does)."""


def pool(url: str, **options: Any) -> aioredis.ConnectionPool:
    """A bounded blocking connection pool to the Redis `url` names (or to its Sentinels'
    current primary); `options` as redis-py's `BlockingConnectionPool.from_url` takes them."""
    sentinels = Sentinels.parse(url)
    if sentinels is None:
        return aioredis.BlockingConnectionPool.from_url(url, **options)
    options = {**options, "db": sentinels.db, "username": sentinels.username or None,
               "password": sentinels.password or None, "is_master": True}
    if sentinels.tls:
        options["ssl"] = True
    manager = sentinels.manager(**options)
    return _BlockingSentinelPool(sentinels.master, manager, **options)  # type: ignore[no-untyped-call]


def client(url: str, **options: Any) -> aioredis.Redis:
    """A client on its own `pool` (tools and tests: the bridge's parts share one)."""
    return aioredis.Redis(connection_pool=pool(url, **options))
