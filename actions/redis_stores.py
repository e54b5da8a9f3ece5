"""Rasa's tracker and lock stores on the primary that Redis Sentinel names (loaded by the Rasa
server when REDIS_SENTINELS is set; bot/processes.py writes their endpoints).

Rasa 3.6's Redis stores connect to one host. These build their client through redis-py's
Sentinel instead: a connection asks a Sentinel for the current primary when it connects, and a
command that finds the old primary gone (or demoted: READONLY) is retried on a new connection,
with backoff, so after a failover every Rasa worker follows the new primary by itself. The
bridge does the same in its own environment (bot/redis_address.py).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from redis.sentinel import Sentinel

from actions.tracker_store import RecentTurnsTrackerStore

SENTINEL_OPTIONS = ("sentinels", "sentinel_password")


def primary(master: str, sentinels: List[str], sentinel_password: Optional[str] = None,
            db: int = 0, username: Optional[str] = None, password: Optional[str] = None,
            use_ssl: bool = False, socket_timeout: float = 10) -> Any:
    """A client of the primary called `master` by the Sentinels at `host:port` each."""
    hosts = [(item.rpartition(":")[0], int(item.rpartition(":")[2])) for item in sentinels]
    sentinel = Sentinel(hosts, sentinel_kwargs={"password": sentinel_password, "ssl": use_ssl,
                                                "socket_timeout": 2,
                                                "socket_connect_timeout": 2})
    return sentinel.master_for(
        master, db=int(db), username=username, password=password, ssl=use_ssl,
        decode_responses=True, socket_timeout=socket_timeout, socket_connect_timeout=2,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 8),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


def _split(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The Sentinel options, taken out of the options Rasa's own store reads."""
    return {name: kwargs.pop(name, None) for name in SENTINEL_OPTIONS}


class SentinelTrackerStore(RecentTurnsTrackerStore):
    """The tracker store (recent turns only, or the whole tracker when `max_turns` is 0) on
    the Sentinels' primary."""

    def __init__(self, domain: Any = None, host: str = "frontdesk", max_turns: int = 8,
                 **kwargs: Any) -> None:
        sentinel = _split(kwargs)
        super().__init__(domain, host=host, max_turns=max(2, int(max_turns)), **kwargs)
        self.whole = int(max_turns) <= 0
        self.red = primary(host, sentinel["sentinels"] or [], sentinel["sentinel_password"],
                           db=kwargs.get("db", 0), username=kwargs.get("username"),
                           password=kwargs.get("password"),
                           use_ssl=bool(kwargs.get("use_ssl", False)))

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        if self.whole:
            await RedisTrackerStore.save(self, tracker, timeout)
        else:
            await super().save(tracker, timeout)


class SentinelLockStore(RedisLockStore):
    """Rasa's Redis lock store on the Sentinels' primary."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = dict(endpoint_config.kwargs)
        options.pop("type", None)
        sentinel = _split(options)
        master = endpoint_config.url or "frontdesk"
        options.pop("port", None)
        super().__init__(host="127.0.0.1", **options)
        self.red = primary(master, sentinel["sentinels"] or [], sentinel["sentinel_password"],
                           db=options.get("db", 0), username=options.get("username"),
                           password=options.get("password"),
                           use_ssl=bool(options.get("use_ssl", False)))
