"""Export and erasure, for a visitor's right of access and right to erasure (GDPR art. 15, 17).

    python -m bot data export CONVERSATION_ID            # JSON on stdout
    python -m bot data erase --conversation ID           # everything about one conversation
    python -m bot data erase --user USER_ID              # every conversation of a verified user
    python -m bot data erase --email ADDRESS             # tickets left with that address, and
                                                         # the conversations they came from

Everything else expires by itself RETENTION_DAYS after the last activity.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict

from .attachments import Files, files_from
from .config import Settings
from .redis_store import RedisStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="data_command", required=True)
    export = commands.add_parser("export", help="print one conversation as JSON")
    export.add_argument("conversation_id")
    erase = commands.add_parser("erase", help="erase everything about a visitor")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--conversation")
    who.add_argument("--user")
    who.add_argument("--email")


async def export(store: RedisStore, conversation_id: str) -> dict | None:
    conversation = await store.get_conversation(conversation_id)
    if conversation is None:
        return None
    return {
        "conversation": conversation.summary(),
        "messages": [m.to_dict() for m in await store.all_messages(conversation_id)],
        "tickets": [asdict(t) for t in await store.tickets_where(conversation_id=conversation_id)],
    }


async def erase(store: RedisStore, conversation: str = "", user: str = "", email: str = "",
                files: Files | None = None) -> int:
    """Erase; returns how many conversations were erased (tickets and files go with them)."""
    ids = [conversation] if conversation else []
    if user:
        ids += await store.conversations_of_user(user)
    if email:
        for ticket in await store.tickets_where(email=email):
            ids.append(ticket.conversation_id)
            await store.erase_ticket(ticket.id, ticket.department)
    for conversation_id in dict.fromkeys(ids):
        await store.erase_conversation(conversation_id)
        if files is not None:
            await files.erase(conversation_id)
    return len(set(ids))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    store = RedisStore.from_settings(settings)
    try:
        if args.data_command == "export":
            data = await export(store, args.conversation_id)
            if data is None:
                print(f"No conversation {args.conversation_id!r}.", file=sys.stderr)
                return 1
            print(json.dumps(data, indent=2, ensure_ascii=False))
            return 0
        count = await erase(store, args.conversation or "", args.user or "", args.email or "",
                            files_from(settings))
        print(f"Erased {count} conversation(s) and what belonged to them.")
        return 0
    finally:
        await store.close()


def main(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))
