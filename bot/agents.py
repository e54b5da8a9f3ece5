"""Agent accounts: password hashing (argon2), signed expiring tokens, and the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, InvalidHashError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .config import Settings
from .errors import Refused
from .models import DEPARTMENTS, Agent, Role
from .redis_store import RedisStore
from .storage import Store

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(agent: Agent, password: str) -> bool:
    try:
        return _hasher.verify(agent.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Tokens:
    """Signed agent tokens that expire after `ttl` seconds."""

    def __init__(self, secret: str, ttl: float) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="frontdesk-agent")
        self.ttl = ttl

    def issue(self, agent: Agent) -> str:
        return self.serializer.dumps({"name": agent.name})

    def verify(self, token: object) -> str:
        """The agent name inside a valid token, or Refused."""
        if not isinstance(token, str) or not token:
            raise Refused("auth_required", "Log in first: a valid agent token is required.")
        try:
            data = self.serializer.loads(token, max_age=self.ttl)
        except SignatureExpired:
            raise Refused("token_expired", "Your session has expired; log in again.") from None
        except BadSignature:
            raise Refused("token_invalid", "This token is not valid.") from None
        return str(data["name"])


async def login(store: Store, name: str, password: str) -> Agent | None:
    agent = await store.get_agent(name)
    if agent is None or not check_password(agent, password):
        return None
    return agent


# --- command line: python -m bot agents add|list|remove|reset-password ----------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="agents_command", required=True)
    add = commands.add_parser("add", help="create an agent or supervisor")
    add.add_argument("name")
    add.add_argument("--department", default="general", choices=sorted(DEPARTMENTS))
    add.add_argument("--role", default="agent", choices=[r.value for r in Role])
    add.add_argument("--display-name", default="")
    add.add_argument("--capacity", type=int, default=3)
    add.add_argument("--password", default="", help="omit to be asked (or pipe it on stdin)")
    commands.add_parser("list", help="list agents")
    remove = commands.add_parser("remove", help="remove an agent")
    remove.add_argument("name")
    reset = commands.add_parser("reset-password", help="set a new password")
    reset.add_argument("name")
    reset.add_argument("--password", default="")


def _read_password(given: str) -> str:
    if given:
        return given
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            raise SystemExit("The passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    store = RedisStore(settings.redis_url)
    try:
        command = args.agents_command
        if command == "list":
            for agent in await store.agents():
                print(f"{agent.name}\t{agent.role.value}\t{agent.department}\t"
                      f"capacity {agent.capacity}\t{agent.display_name}")
            return 0
        if command == "remove":
            if not await store.remove_agent(args.name):
                print(f"No agent named {args.name!r}.", file=sys.stderr)
                return 1
            print(f"Removed {args.name}.")
            return 0
        password = _read_password(args.password)
        if len(password) < 8:
            print("The password must have at least 8 characters.", file=sys.stderr)
            return 1
        if command == "add":
            if await store.get_agent(args.name):
                print(f"An agent named {args.name!r} exists already.", file=sys.stderr)
                return 1
            agent = Agent(
                name=args.name, display_name=args.display_name or args.name,
                department=args.department, role=Role(args.role), capacity=args.capacity,
            )
        else:
            found = await store.get_agent(args.name)
            if found is None:
                print(f"No agent named {args.name!r}.", file=sys.stderr)
                return 1
            agent = found
        agent.password_hash = hash_password(password)
        await store.save_agent(agent)
        print(f"{'Added' if command == 'add' else 'Updated'} {agent.name} ({agent.role.value}, "
              f"{agent.department}).")
        return 0
    finally:
        await store.close()


def main(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))
