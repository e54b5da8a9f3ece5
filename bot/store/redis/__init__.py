"""The Redis implementation of `Store`: one part per concept, put together as `RedisStore`."""

from __future__ import annotations

from ...config import Settings
from .answers import RedisAnswers
from .canned import RedisCanned
from .connection import RedisPart, Unreplicated, connection_options
from .conversations import RedisConversations
from .coordination import RedisCoordination
from .erasure import RedisErasure
from .history import RedisHistory
from .insights import RedisInsights
from .people import RedisAgents, RedisStaffSessions
from .queues import RedisQueues
from .reads import RedisReadMarks
from .rollout import RedisRollout
from .transcripts import RedisTranscripts, RedisTurn

__all__ = ["RedisPart", "RedisStore", "RedisTurn", "Unreplicated", "connection_options"]


class RedisStore(RedisConversations, RedisTranscripts, RedisQueues, RedisAgents,
                 RedisStaffSessions, RedisErasure, RedisCanned, RedisInsights, RedisCoordination,
                 RedisRollout, RedisAnswers, RedisReadMarks,
                 RedisHistory):
    """`Store` on one Redis server, shared by every bridge process. Each part shares the one
    connection pool of `RedisPart`; `RedisErasure` brings `RedisTickets` and `RedisTeaching` with it."""

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStore:
        return cls(settings.redis_url, retention=settings.retention_seconds,
                   unwritten=settings.unwritten_ttl, min_replicas=settings.redis_min_replicas,
                   replica_timeout=settings.redis_replica_timeout)
