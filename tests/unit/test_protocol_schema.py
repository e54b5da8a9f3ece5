"""docs/protocol.md's appendix and widget/src/protocol-schema.json are the models as they are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_schema_is_the_models() -> None:
    done = subprocess.run([sys.executable, "scripts/protocol_schema.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
