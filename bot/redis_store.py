"""The Redis store and Socket.IO manager, now in `bot.store.redis` and `bot.store.manager`."""

# compatibility shim for branches merging #21; removed after the merge
from .store.keys import AGENTS_VERSION, PREFIX  # noqa: F401
from .store.manager import _Manager, socketio_manager  # noqa: F401
from .store.redis import RedisStore, RedisTurn, connection_options  # noqa: F401
from .store.redis.people import VERSION_TTL  # noqa: F401
from .store.redis.transcripts import RESEND_WINDOW, SNAPSHOT  # noqa: F401
