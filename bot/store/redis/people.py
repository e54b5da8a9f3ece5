"""`Agents` and `StaffSessions` on Redis: agent hashes (and a cached list of them), open chats,
presence, live connections and sign-in sessions."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterable

from ...models import Agent, Presence
from .. import keys
from .connection import RedisPart

VERSION_TTL = 86400  # seconds; an expired version is started again by the next read


class RedisAgents(RedisPart):
    """`Agents` (bot/store/people.py) on Redis."""

    _agents: tuple[str | None, list[Agent]] = (None, [])  # (version, agents) last read

    async def save_agent(self, agent: Agent) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.agent(agent.name), mapping=agent.to_fields())
            pipe.sadd(keys.AGENTS, agent.name)
            pipe.set(keys.AGENTS_VERSION, secrets.token_hex(8), ex=VERSION_TTL)
            await pipe.execute()

    async def get_agent(self, name: str) -> Agent | None:
        fields = await self.redis.hgetall(keys.agent(name))
        return Agent.from_fields(name, fields) if fields else None

    async def agents(self) -> list[Agent]:
        """Read again only when an agent was saved or removed since the last read (one `GET`
        otherwise): staffing, the sweeper and every console's revalidation ask each second."""
        version = await self.redis.get(keys.AGENTS_VERSION)
        if version is None and await self.redis.exists(keys.AGENTS):
            # No version (expired, or agents saved before it existed): start one before reading
            # them, or take the winner's; with no agents no key is made.
            fresh = secrets.token_hex(8)
            started = await self.redis.set(keys.AGENTS_VERSION, fresh, nx=True, ex=VERSION_TTL)
            version = fresh if started else await self.redis.get(keys.AGENTS_VERSION)
        if version is None or version != self._agents[0]:
            names = sorted(await self.redis.smembers(keys.AGENTS))
            async with self.redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.hgetall(keys.agent(name))
                rows = await pipe.execute()
            # A change after the GET leaves a newer version than the one kept: read again then.
            self._agents = (version, [Agent.from_fields(n, f) for n, f in zip(names, rows) if f])
        return [copy.copy(agent) for agent in self._agents[1]]

    async def remove_agent(self, name: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.agent(name))
            pipe.srem(keys.AGENTS, name)
            pipe.hdel(keys.PRESENCE, name)
            pipe.set(keys.AGENTS_VERSION, secrets.token_hex(8), ex=VERSION_TTL)
            deleted, *_ = await pipe.execute()
        return bool(deleted)

    async def agent_chats(self, name: str) -> set[str]:
        chats: set[str] = await self.redis.smembers(keys.agent_chats(name))
        return chats

    async def agent_loads(self, names: Iterable[str]) -> dict[str, int]:
        names = list(names)
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.scard(keys.agent_chats(name))
            counts = await pipe.execute() if names else []
        return dict(zip(names, counts))

    async def set_presence(self, name: str, presence: Presence) -> None:
        await self.redis.hset(keys.PRESENCE, name, presence.value)

    async def presences(self) -> dict[str, Presence]:
        raw = await self.redis.hgetall(keys.PRESENCE)
        return {name: Presence(value) for name, value in raw.items()}

    async def keep_connected(self, names: Iterable[str], ttl: float) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.set(keys.alive(name), "1", px=int(ttl * 1000))
            await pipe.execute()

    async def connected(self, names: Iterable[str]) -> set[str]:
        return await self._present(keys.alive, names)


class RedisStaffSessions(RedisPart):
    """`StaffSessions` (bot/store/people.py) on Redis: one key per session with its expiry,
    and a set of each agent's sessions to end them all."""

    async def start_staff_session(self, name: str, ttl: float) -> str:
        session = secrets.token_urlsafe(18)
        ms = int(ttl * 1000)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.staff(session), name, px=ms)
            pipe.sadd(keys.staff_of(name), session)
            pipe.pexpire(keys.staff_of(name), ms)  # the newest session ends last
            await pipe.execute()
        return session

    async def staff_session(self, session: str) -> str | None:
        name: str | None = await self.redis.get(keys.staff(session))
        return name

    async def open_staff_sessions(self, sessions: Iterable[str]) -> set[str]:
        return await self._present(keys.staff, sessions)

    async def end_staff_session(self, session: str) -> None:
        name = await self.redis.getdel(keys.staff(session))
        if name:
            await self.redis.srem(keys.staff_of(name), session)

    async def end_staff_sessions(self, name: str) -> int:
        sessions = await self.redis.smembers(keys.staff_of(name))
        async with self.redis.pipeline(transaction=True) as pipe:
            for session in sessions:
                pipe.delete(keys.staff(session))
            pipe.delete(keys.staff_of(name))
            results = await pipe.execute()
        return sum(results[:-1])
