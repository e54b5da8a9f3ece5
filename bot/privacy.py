"""Export and erasure, for a visitor's right of access and right to erasure (GDPR art. 15, 17).

    python -m bot data export CONVERSATION_ID            # JSON on stdout
    python -m bot data erase --conversation ID           # everything about one conversation
    python -m bot data erase --user USER_ID              # every conversation of a verified user
    python -m bot data erase --email ADDRESS             # tickets left with that address, and
                                                         # the conversations they came from
                                                         # (or whose transcript went there)

Erasure checks its argument before touching anything (a conversation id is 32 hex digits, as
the console shows it; an address must be one), lists every key it will delete by its exact name
with a count, and asks before deleting (`--yes` to skip the question; without a terminal or an
answer on stdin it refuses). Everything else expires by itself RETENTION_DAYS after the last
activity.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from . import history, protocol
from .attachments import Files, files_from
from .config import Settings
from .models import CONVERSATION_ID, Ticket
from .store import Store
from .store.history import HISTORY_CAP
from .store.redis import RedisStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="data_command", required=True)
    export = commands.add_parser("export", help="print one conversation as JSON")
    export.add_argument("conversation_id")
    erase = commands.add_parser("erase", help="erase everything about a visitor")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--conversation", help="a conversation id (32 hex digits)")
    who.add_argument("--user", help="a verified user's id (IDENTITY_SECRET)")
    who.add_argument("--email", help="the address a message was left with")
    erase.add_argument("--yes", action="store_true", help="erase without asking")


class BadArgument(ValueError):
    """What to erase was not named exactly; nothing was touched."""


def check(conversation: str = "", user: str = "", email: str = "") -> None:
    """Refuse anything but an exact name (a pattern, an empty or partial id) before any look-up."""
    if conversation and not CONVERSATION_ID.match(conversation):
        raise BadArgument(f"not a conversation id: {conversation!r} (32 lowercase hex digits, "
                          "as the console shows it; no patterns)")
    if user and (not user.strip() or len(user) > 200 or not user.isprintable()):
        raise BadArgument(f"not a user id: {user!r}")
    if email and not protocol.EMAIL.match(email):
        raise BadArgument(f"not an email address: {email!r}")
    if not (conversation or user or email):
        raise BadArgument("name a conversation, a user or an email address")


@dataclass
class Plan:
    """What an erasure will delete: each conversation's keys, and tickets left with the address
    whose conversation is gone already."""

    conversations: dict[str, list[str]] = field(default_factory=dict)
    tickets: list[Ticket] = field(default_factory=list)

    def keys(self) -> list[str]:
        """Every key, once (a ticket's keys are among its conversation's)."""
        return list(dict.fromkeys(key for keys in self.conversations.values() for key in keys))


async def plan(store: Store, conversation: str = "", user: str = "", email: str = "") -> Plan:
    """Find, by exact names, everything that erasing this visitor deletes."""
    check(conversation, user, email)
    ids = [conversation] if conversation else []
    if user:
        ids += await store.conversations_of_user(user)
    found = Plan()
    if email:
        for ticket in await store.tickets_where(email=email):
            ids.append(ticket.conversation_id)
            found.tickets.append(ticket)
        # and those whose transcript went there (the visitor's history keeps the address)
        visits = await store.visits([history.link("email", email.strip().lower())], HISTORY_CAP)
        ids += [entry[2:] for entry, _ in visits if entry.startswith("c:")]
    for conversation_id in dict.fromkeys(ids):
        found.conversations[conversation_id] = await store.conversation_keys(conversation_id)
    return found


async def export(store: Store, conversation_id: str) -> dict[str, Any] | None:
    conversation = await store.get_conversation(conversation_id)
    if conversation is None:
        return None
    return {
        "conversation": conversation.summary(),
        "messages": [m.to_dict() for m in await store.all_messages(conversation_id)],
        "tickets": [asdict(t) for t in await store.tickets_where(conversation_id=conversation_id)],
    }


async def erase(store: Store, planned: Plan, files: Files | None = None) -> int:
    """Delete what `plan` found (and each conversation's files); returns how many keys went."""
    deleted = 0
    for conversation_id in planned.conversations:
        deleted += len(await store.erase_conversation(conversation_id))
        if files is not None:
            await files.erase(conversation_id)
    for ticket in planned.tickets:
        await store.erase_ticket(ticket.id, ticket.department)
    return deleted


def confirmed(count: int) -> bool:
    """Ask on the terminal (or read an answer piped in); no answer is a no."""
    print(f"Erase these {count} key(s)? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline() if sys.stdin is not None else ""
    return answer.strip().lower() in ("y", "yes")


async def _erase(args: argparse.Namespace, settings: Settings) -> int:
    conversation, user, email = args.conversation or "", args.user or "", args.email or ""
    try:
        check(conversation, user, email)
    except BadArgument as error:
        print(f"Nothing erased: {error}.", file=sys.stderr)
        return 2
    async with RedisStore.from_settings(settings) as store:
        planned = await plan(store, conversation, user, email)
        keys = planned.keys()
        for conversation_id in planned.conversations:
            print(f"conversation {conversation_id} (and the files sent in it)")
        for key in keys:
            print(f"  {key}")
        print(f"{len(keys)} key(s) of {len(planned.conversations)} conversation(s).")
        if not keys:
            print("Nothing to erase.")
            return 0
        if not args.yes and not confirmed(len(keys)):
            print("Nothing erased (answer 'y', or give --yes).", file=sys.stderr)
            return 1
        count = await erase(store, planned, files_from(settings))
        print(f"Erased {count} key(s) of {len(planned.conversations)} conversation(s), "
              "and the files sent in them.")
        return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.data_command == "erase":
        return await _erase(args, settings)
    async with RedisStore.from_settings(settings) as store:
        data = await export(store, args.conversation_id)
    if data is None:
        print(f"No conversation {args.conversation_id!r}.", file=sys.stderr)
        return 1
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def main(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))
