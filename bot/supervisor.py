"""`python -m bot supervise NAME`: run one Frontdesk process and restart it when it dies.

honcho (the Procfile runner of `make run`) stops every process when one exits. Under it, each
process runs through this small supervisor instead: a crash (Rasa out of memory, a killed bridge)
restarts that process alone, after a back-off that grows while it keeps failing (1 s, 2 s, 4 s ...
30 s) and resets once it has run for a minute. SIGTERM or SIGINT stop the process and the
supervisor; the child also dies with the supervisor (PR_SET_PDEATHSIG), so nothing is orphaned.
In production, systemd (`Restart=on-failure`) or a container restart policy does the same job
for `python -m bot run NAME`; see the README.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time

STEADY = 60.0  # seconds of running after which a crash counts as a first one again
MAX_PAUSE = 30.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the supervisor dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: the signal handlers below still stop the child
        pass


def supervise(name: str) -> int:
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause = 1.0
    while True:
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, "-m", "bot", "run", name],
                                 preexec_fn=_die_with_parent)
        code = child.wait()
        if stopping:
            return code
        if time.monotonic() - started >= STEADY:
            pause = 1.0
        print(f"{name} exited with code {code}; restarting in {pause:.0f} s", flush=True)
        deadline = time.monotonic() + pause
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return code
        pause = min(pause * 2, MAX_PAUSE)
