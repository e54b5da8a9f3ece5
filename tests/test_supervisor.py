"""`python -m bot supervise NAME` (what the Procfile runs): a process that dies is restarted
alone; SIGTERM stops it; nothing is orphaned when the supervisor itself is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from stack import ROOT, Stack, free_port, tcp_open


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_dead_bridge_is_restarted_and_sigterm_stops_all(stack: Stack) -> None:
    port = free_port()
    env = {**stack.env, "FRONTDESK_PORT": str(port)}
    supervisor = subprocess.Popen([sys.executable, "-m", "bot", "supervise", "bridge"], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
    try:
        assert wait_for(lambda: tcp_open(port), 60)
        first = children(supervisor.pid)
        assert len(first) == 1
        os.kill(first[0], signal.SIGKILL)  # the bridge dies...
        assert wait_for(lambda: not tcp_open(port), 10)
        assert wait_for(lambda: tcp_open(port), 60)  # ...and is back, alone
        second = children(supervisor.pid)
        assert len(second) == 1 and second != first
        assert supervisor.poll() is None

        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(30)  # by itself (how fast: bot/supervisor.py's grace, not a test's)
        assert wait_for(lambda: not alive(second[0]), 10)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert supervisor.stdout is not None
    assert "exited with code -9; restarting in 1 s" in supervisor.stdout.read()


def test_killing_the_supervisor_takes_its_process_along(stack: Stack) -> None:
    port = free_port()
    env = {**stack.env, "FRONTDESK_PORT": str(port)}
    supervisor = subprocess.Popen([sys.executable, "-m", "bot", "supervise", "bridge"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: tcp_open(port), 60)
        (child,) = children(supervisor.pid)
        supervisor.kill()
        supervisor.wait(5)
        assert wait_for(lambda: not alive(child), 10), "the bridge outlived its supervisor"
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
