#!/usr/bin/env python
"""Keep a pack's held-back sentences out of its training data: drop from an nlu/*.yml file every
example that is also in the pack's natural.jsonl or eval.jsonl (lower case, trimmed).

    .venv/bin/python scripts/drop_overlap.py spoke-and-chain sites/spoke-and-chain/nlu/visitors.yml
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "sites"
sys.path.insert(0, str(ROOT))

from bot.eval_data import held_back


def main(pack: str, nlu: Path) -> int:
    held = held_back(SITES / pack)
    kept: list[str] = []
    dropped: list[str] = []
    for line in nlu.read_text(encoding="utf-8").splitlines():
        example = line.strip()[2:].strip().lower() if line.strip().startswith("- ") else None
        (dropped if example in held else kept).append(line)
    nlu.write_text("\n".join(kept) + "\n", encoding="utf-8")
    print(f"{nlu}: dropped {len(dropped)} example(s) held back in sites/{pack}/")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
