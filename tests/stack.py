"""Starts real Frontdesk processes (Redis, action server, Rasa, bridge) for tests and benchmarks."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "tests" / "artifacts" / "logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rasa_api(port: str, token: str, path: str, body: dict[str, Any] | None = None,
             timeout: float = 60) -> Any:
    """A call to Rasa's HTTP API (token-protected): GET, or POST of `body` as JSON."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}?token={token}", data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def tcp_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self, sig: int = 15) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    """A set of processes sharing one environment; `start` launches `python -m bot run NAME`."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    @classmethod
    def create(cls, data_dir: Path, **overrides: str) -> Stack:
        env = dict(os.environ)
        env.pop("REDIS_URL", None)
        redis_url = os.environ.get("TEST_REDIS_URL", "")
        env.update(
            FRONTDESK_DATA_DIR=str(data_dir),
            EMBEDDED_REDIS_PORT=str(free_port()),
            RASA_PORT=str(free_port()),
            ACTION_PORT=str(free_port()),
            FRONTDESK_PORT=str(free_port()),
            RASA_TOKEN=secrets.token_urlsafe(16),
            FRONTDESK_SECRET=secrets.token_urlsafe(32),
            PYTHONUNBUFFERED="1",
            SITE="lantern-street",  # the stories are the sample theatre's (BUSINESS_HOURS: always)
            BUSINESS_HOURS="",
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update(overrides)
        return cls(data_dir=data_dir, env=env)

    @property
    def redis_url(self) -> str:
        """The Redis URL every process of this stack uses (with the embedded server's password)."""
        from bot.config import Settings

        return Settings.from_env(self.env).redis_url

    @property
    def bridge_url(self) -> str:
        return f"http://127.0.0.1:{self.env['FRONTDESK_PORT']}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    def start(self, name: str, **overrides: str) -> Process:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = LOGS / f"{name}-{len(self.processes)}.log"
        env = {**self.env, **overrides}
        popen = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", name],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def wait(self, process: Process, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            if ready():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{process.name} not ready after {timeout}s:\n{process.tail()}")

    def start_redis(self) -> Process:
        process = self.start("redis")
        if "REDIS_URL" not in self.env:
            self.wait(process, lambda: tcp_open(int(self.env["EMBEDDED_REDIS_PORT"])), 30)
        return process

    def start_actions(self) -> Process:
        process = self.start("actions")
        self.wait(process, lambda: tcp_open(int(self.env["ACTION_PORT"])), 120)
        return process

    def start_rasa(self) -> Process:
        process = self.start("rasa")
        status = f"{self.rasa_url}/status?token={self.env['RASA_TOKEN']}"
        self.wait(process, lambda: http_ok(status), 300)
        return process

    def start_bridge(self, **overrides: str) -> Process:
        process = self.start("bridge", **overrides)
        port = overrides.get("FRONTDESK_PORT", self.env["FRONTDESK_PORT"])
        self.wait(process, lambda: tcp_open(int(port)), 60)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
