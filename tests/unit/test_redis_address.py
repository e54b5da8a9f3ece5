"""REDIS_SENTINELS and friends: read, checked, carried as one URL to every Redis client, and
written into Rasa's endpoints as the Sentinel stores (nothing here needs a server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.processes import _rasa_endpoints
from bot.redis_address import Sentinels, pool


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"FRONTDESK_DATA_DIR": str(tmp_path), "REDIS_URL": "rediss://bob:p%40ss@ignored:1/3",
            "REDIS_SENTINELS": "10.0.0.1:26379, 10.0.0.2:26380", "REDIS_SENTINEL_MASTER": "main",
            "REDIS_SENTINEL_PASSWORD": "s3cret"}


def test_the_sentinels_and_the_servers_credentials_make_one_url(env: dict[str, str]) -> None:
    settings = Settings.from_env(env)
    assert not settings.embedded_redis
    sentinels = Sentinels.parse(settings.redis_url)
    assert sentinels == Sentinels(hosts=(("10.0.0.1", 26379), ("10.0.0.2", 26380)),
                                  master="main", db=3, username="bob", password="p@ss",
                                  sentinel_password="s3cret", tls=True)
    assert Sentinels.parse(sentinels.url()) == sentinels
    assert Sentinels.parse("redis://127.0.0.1:6379/0") is None
    made = pool(settings.redis_url, max_connections=4)
    assert made.connection_kwargs["password"] == "p@ss" and made.connection_kwargs["db"] == 3


def test_rasa_gets_the_sentinel_stores(env: dict[str, str]) -> None:
    settings = Settings.from_env({**env, "REDIS_URL": "redis://:pw@/0"})
    endpoints = json.loads(_rasa_endpoints(settings).read_text())
    assert endpoints["lock_store"]["type"] == "actions.redis_stores.SentinelLockStore"
    assert endpoints["tracker_store"]["type"] == "actions.redis_stores.SentinelTrackerStore"
    for store in (endpoints["lock_store"], endpoints["tracker_store"]):
        assert store["url"] == "main" and store["password"] == "pw"
        assert store["sentinels"] == ["10.0.0.1:26379", "10.0.0.2:26380"]


@pytest.mark.parametrize(("name", "value"), [
    ("REDIS_SENTINELS", "10.0.0.1"), ("REDIS_SENTINELS", "host:99999"),
    ("REDIS_MIN_REPLICAS", "-1"), ("REDIS_REPLICA_TIMEOUT", "0"),
    ("REDIS_URL", "redis+sentinel://h:1/main/0"),
])
def test_a_bad_value_is_named(env: dict[str, str], name: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**env, name: value})
    assert str(refused.value).startswith(f"{name}:"), refused.value
