#!/usr/bin/env python
"""Write a cut-down copy of a site pack: each topic only its answer, keywords and first three
examples (no common wording, no nlu/), as a business starting out would write it; the pack's
natural.jsonl comes along to score it. Used to measure how far a pack "from answers" goes
(docs/assistant.md):

    .venv/bin/python scripts/cut_pack.py lantern-street lantern-street-cut
    SITE=lantern-street-cut bash scripts/train.sh && make eval SITE=lantern-street-cut
    rm -r sites/lantern-street-cut models/lantern-street-cut build/lantern-street-cut
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

SITES = Path(__file__).resolve().parent.parent / "sites"


def cut(source: str, target: str, examples: int = 3) -> Path:
    src, dst = SITES / source, SITES / target
    dst.mkdir(exist_ok=False)
    shutil.copy(src / "site.yml", dst / "site.yml")
    faq = yaml.safe_load((src / "faq.yml").read_text(encoding="utf-8"))
    for topic in faq["topics"].values():
        topic.pop("common", None)
        topic["examples"] = topic["examples"][:examples]
    (dst / "faq.yml").write_text(yaml.safe_dump(faq, sort_keys=False, allow_unicode=True, width=1000),
                                 encoding="utf-8")
    if (src / "natural.jsonl").exists():
        shutil.copy(src / "natural.jsonl", dst / "natural.jsonl")
    return dst


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(f"wrote {cut(sys.argv[1], sys.argv[2])}")
