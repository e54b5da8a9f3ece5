"""Command line: `python -m bot run NAME` starts one process; `python -m bot serve` the bridge."""

from __future__ import annotations

import argparse
import sys

from .config import Settings
from .processes import LAUNCHERS, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("run", help="start one Frontdesk process")
    start.add_argument("name", choices=sorted(LAUNCHERS))
    commands.add_parser("serve", help="start the bridge (same as 'run bridge')")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    run("bridge" if args.command == "serve" else args.name, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
