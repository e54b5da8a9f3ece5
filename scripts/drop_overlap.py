#!/usr/bin/env python
"""Keep a pack's held-back sentences out of its training data: drop from an nlu/*.yml file every
example that is also in the pack's natural.jsonl or eval.jsonl (lower case, trimmed).

    .venv/bin/python scripts/drop_overlap.py spoke-and-chain sites/spoke-and-chain/nlu/visitors.yml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SITES = Path(__file__).resolve().parent.parent / "sites"


def held_back(pack: str) -> set[str]:
    texts: set[str] = set()
    for name in ("natural.jsonl", "eval.jsonl"):
        path = SITES / pack / name
        if path.exists():
            texts |= {json.loads(line)["text"].lower().strip()
                      for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    return texts


def main(pack: str, nlu: Path) -> int:
    held = held_back(pack)
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
