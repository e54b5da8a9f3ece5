"""A Redis primary, its replica and three Sentinels on loopback ports (Debian's redis-server), for
the failover tests and bench/failover.py: kill a member with SIGKILL, start it again as a replica
of whoever is primary now."""

from __future__ import annotations

import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from stack import LOGS, Stack, free_port, tcp_open

REDIS_SERVER = "/usr/bin/redis-server"
MASTER = "frontdesk"


def ports(count: int) -> list[int]:
    """`count` different free ports."""
    found: set[int] = set()
    while len(found) < count:
        found.add(free_port())
    return sorted(found)


@dataclass
class Node:
    """One redis-server (a data server or a Sentinel)."""

    port: int
    folder: Path
    popen: subprocess.Popen | None = None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.popen is not None
            self.popen.kill()
            self.popen.wait()


@dataclass
class RedisGroup:
    """Primary + replica + three Sentinels (quorum 2), all with a password of their own."""

    folder: Path
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    servers: list[Node] = field(default_factory=list)
    sentinels: list[Node] = field(default_factory=list)
    down_after_ms: int = 1000

    @classmethod
    def start(cls, folder: Path, down_after_ms: int = 1000) -> RedisGroup:
        group = cls(folder, down_after_ms=down_after_ms)
        group.servers = [Node(port, folder / f"server-{port}") for port in ports(2)]
        group.sentinels = [Node(port, folder / f"sentinel-{port}") for port in ports(3)]
        group.run_server(group.servers[0], replica_of=None)
        group.run_server(group.servers[1], replica_of=group.servers[0].port)
        for sentinel in group.sentinels:
            group.run_sentinel(sentinel, group.servers[0].port)
        group.wait(lambda: group.replicas_of(group.servers[0]) == 1, "the replica in sync")
        group.wait(lambda: group.sentinels_know() == 3, "the Sentinels to know each other")
        return group

    @property
    def hosts(self) -> str:
        """REDIS_SENTINELS."""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    @property
    def env(self) -> dict[str, str]:
        """What a Frontdesk process needs to find the primary through the Sentinels."""
        return {"REDIS_SENTINELS": self.hosts, "REDIS_SENTINEL_MASTER": MASTER,
                "REDIS_URL": f"redis://:{self.password}@/0"}

    def run_server(self, node: Node, replica_of: int | None) -> None:
        node.folder.mkdir(parents=True, exist_ok=True)
        argv = [REDIS_SERVER, "--port", str(node.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(node.folder), "--requirepass", self.password,
                "--masterauth", self.password, "--repl-diskless-sync", "yes",
                "--repl-diskless-sync-delay", "0"]
        if replica_of is not None:
            argv += ["--replicaof", "127.0.0.1", str(replica_of)]
        self._spawn(node, argv, "server")

    def run_sentinel(self, node: Node, primary: int) -> None:
        node.folder.mkdir(parents=True, exist_ok=True)
        config = node.folder / "sentinel.conf"
        if not config.exists():  # a Sentinel started again keeps what it learnt
            config.write_text("\n".join([
                f"port {node.port}", "bind 127.0.0.1", f"dir {node.folder}",
                f"sentinel monitor {MASTER} 127.0.0.1 {primary} 2",
                f"sentinel auth-pass {MASTER} {self.password}",
                f"sentinel down-after-milliseconds {MASTER} {self.down_after_ms}",
                f"sentinel failover-timeout {MASTER} 4000",
                f"sentinel parallel-syncs {MASTER} 1", "",
            ]))
        self._spawn(node, [REDIS_SERVER, str(config), "--sentinel"], "sentinel")

    def _spawn(self, node: Node, argv: list[str], kind: str) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = (LOGS / f"{kind}-{node.port}.log").open("a")
        node.popen = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

        def listening() -> bool:
            if not node.alive():
                raise RuntimeError(f"{kind} on {node.port} exited: see {log.name}")
            return tcp_open(node.port)

        self.wait(listening, f"{kind} on {node.port}")

    def client(self, node: Node) -> redis.Redis:
        return redis.Redis(port=node.port, password=self.password, socket_timeout=2,
                           decode_responses=True)

    def primary_port(self) -> int | None:
        """The port the Sentinels' majority names as primary now."""
        named: dict[int, int] = {}
        for sentinel in self.sentinels:
            try:
                with redis.Redis(port=sentinel.port, socket_timeout=1) as s:
                    address = s.execute_command("SENTINEL", "get-master-addr-by-name", MASTER)
                port = int(address[1])
                named[port] = named.get(port, 0) + 1
            except (redis.RedisError, OSError, TypeError):
                continue
        best = max(named.items(), key=lambda item: item[1], default=(None, 0))
        return best[0] if best[1] >= 2 else None

    def primary(self) -> Node:
        port = self.primary_port()
        return next(node for node in self.servers if node.port == port)

    def replica(self) -> Node:
        port = self.primary_port()
        return next(node for node in self.servers if node.port != port)

    def replicas_of(self, node: Node) -> int:
        try:
            with self.client(node) as c:
                info = c.info("replication")
            return sum(1 for key, value in info.items()
                       if key.startswith("slave") and isinstance(value, dict)
                       and value.get("state") == "online")
        except (redis.RedisError, OSError):
            return -1

    def sentinels_know(self) -> int:
        """How many Sentinels see a quorum's worth of others and the replica."""
        count = 0
        for sentinel in self.sentinels:
            try:
                with redis.Redis(port=sentinel.port, socket_timeout=1,
                                 decode_responses=True) as s:
                    master = s.sentinel_master(MASTER)
                if int(master["num-other-sentinels"]) >= 2 and int(master["num-slaves"]) >= 1:
                    count += 1
            except (redis.RedisError, OSError, KeyError):
                continue
        return count

    def kill_primary(self) -> tuple[Node, float]:
        """SIGKILL the primary; returns it and the time of the kill."""
        node = self.primary()
        node.kill()
        return node, time.monotonic()

    def wait_failover(self, old: Node, timeout: float = 60) -> float:
        """Seconds until the Sentinels name another primary (which answers as one)."""
        started = time.monotonic()

        def moved() -> bool:
            port = self.primary_port()
            if port is None or port == old.port:
                return False
            with self.client(next(n for n in self.servers if n.port == port)) as c:
                return c.info("replication").get("role") == "master"

        self.wait(moved, "a new primary", timeout)
        return time.monotonic() - started

    def rejoin(self, node: Node) -> None:
        """Start a killed server again, as the replica of the current primary, in sync."""
        primary = self.primary()
        self.run_server(node, replica_of=primary.port)
        self.wait(lambda: self.replicas_of(primary) >= 1, "the replica back in sync")
        self.wait(lambda: self.sentinels_know() == 3, "the Sentinels to see the replica")

    def wait(self, condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except (redis.RedisError, OSError, StopIteration):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"waited {timeout}s for {what}")

    def stop(self) -> None:
        for node in [*self.sentinels, *self.servers]:
            node.kill()


def replicated_stack(session: Stack, folder: Path, group: RedisGroup) -> Stack:
    """A stack (no process started yet) on the group through its Sentinels, acknowledging only
    what one replica has, with the session's Rasa and limits no test here runs into."""
    return Stack.create(folder, RASA_URL=session.rasa_url, RASA_TOKEN=session.env["RASA_TOKEN"],
                        AUTO_ASSIGN="false", VISITOR_ADDRESS_FACTOR="1000", VISITOR_RATE="1000",
                        AGENT_RATE="100000", LOGIN_RATE="1000", REDIS_MIN_REPLICAS="1",
                        REDIS_REPLICA_TIMEOUT="0.5", **group.env)
