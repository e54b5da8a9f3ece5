"""Command line: `python -m bot run NAME` starts one process (`supervise NAME`: and restarts it
when it dies, as the Procfile does); `python -m bot agents ...` manages
agent accounts; `python -m bot data ...` exports or erases a visitor's data; `python -m bot pack
export` writes the examples taught in the console into the pack; `python -m bot prepare` creates
the secrets."""

from __future__ import annotations

import argparse
import sys

from . import agents, pack, privacy
from .config import ConfigError, Settings
from .processes import LAUNCHERS, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("run", help="start one Frontdesk process")
    start.add_argument("name", choices=sorted(LAUNCHERS))
    watched = commands.add_parser("supervise", help="start one process, restart it if it dies")
    watched.add_argument("name", choices=sorted(LAUNCHERS))
    commands.add_parser("serve", help="start the bridge (same as 'run bridge')")
    commands.add_parser("prepare", help="create the secrets in the data folder, once, before "
                        "the processes start (make run does this)")
    agents.add_arguments(commands.add_parser("agents", help="manage agents and supervisors"))
    privacy.add_arguments(commands.add_parser("data", help="export or erase a visitor's data"))
    pack.add_arguments(commands.add_parser("pack", help="write what was taught into the pack"))
    args = parser.parse_args(argv)
    try:  # creates any missing secret, atomically, 0600 in a 0700 folder
        settings = Settings.from_env()
    except ConfigError as error:  # said once, plainly: restarting would not mend it
        print(f"Frontdesk cannot start; fix these settings:\n{error}", file=sys.stderr)
        return 2
    if args.command == "supervise":
        from .supervisor import supervise

        return supervise(args.name)
    if args.command == "prepare":
        print(f"Secrets are in {settings.data_dir} (readable by this user only).")
        return 0
    if args.command == "agents":
        return agents.main(args, settings)
    if args.command == "pack":
        return pack.main(args, settings)
    if args.command == "data":
        return privacy.main(args, settings)
    run("bridge" if args.command == "serve" else args.name, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
