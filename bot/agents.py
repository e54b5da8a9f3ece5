"""Agent accounts: password hashing (argon2), signed expiring tokens, adding, resetting and
removing accounts (with the sessions they end), and the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from . import metrics
from .config import Settings
from .errors import Refused
from .models import Agent, Role
from .store import Store
from .store.redis import RedisStore

_hasher = PasswordHasher()
_UNKNOWN = _hasher.hash(secrets.token_urlsafe(16))  # checked for unknown names: the same work
# threads of their own: never queued behind storage or anything else in asyncio's shared pool
_hashing = ThreadPoolExecutor(2, thread_name_prefix="argon2")
CHECKS_AT_ONCE = 2  # password checks running at once (each takes ~0.1 s of one core)
CHECKS_WAITING = 8  # more may wait their turn; beyond that a login is refused at once (`busy`)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    metrics.PASSWORD_CHECKS.inc()
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Checks:
    """Password checks in worker threads, `at_once` at a time, at most `waiting` more queued:
    the event loop keeps serving everyone, and a login waits behind a few checks at most, never
    behind a crowd of guesses (the crowd's excess is refused at once)."""

    def __init__(self, at_once: int = CHECKS_AT_ONCE, waiting: int = CHECKS_WAITING) -> None:
        self.running = asyncio.Semaphore(at_once)
        self.bound = at_once + waiting
        self.inside = 0  # running or waiting

    async def check(self, password_hash: str, password: str) -> bool:
        if self.inside >= self.bound:
            metrics.PASSWORD_CHECKS_REFUSED.inc()
            raise Refused("busy", "Many sign-ins are being checked right now; try again in a "
                                  "few seconds.")
        self.inside += 1
        try:
            async with self.running:
                return await asyncio.get_running_loop().run_in_executor(
                    _hashing, _verify, password_hash, password)
        finally:
            self.inside -= 1


_checks = Checks()


async def check_password(password_hash: str, password: str) -> bool:
    """argon2 in a worker thread, a few at a time; Refused (`busy`) when too many are queued."""
    return await _checks.check(password_hash, password)


@dataclass(frozen=True)
class Staff:
    """Who a token speaks for: an agent's name and the sign-in session it belongs to."""

    name: str
    session: str


class Tokens:
    """Signed agent tokens that expire after `ttl` seconds."""

    def __init__(self, secret: str, ttl: float) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="frontdesk-agent")
        self.ttl = ttl

    def issue(self, agent: Agent, session: str) -> str:
        return self.serializer.dumps({"name": agent.name, "session": session})

    def verify(self, token: object) -> Staff:
        """Who a validly signed, unexpired token speaks for (its session may have ended since:
        see `signed_in`), or Refused."""
        if not isinstance(token, str) or not token:
            raise Refused("auth_required", "Log in first: a valid agent token is required.")
        try:
            data = self.serializer.loads(token, max_age=self.ttl)  # type: ignore[arg-type]  # compared as a number: a float works
        except SignatureExpired:
            raise Refused("token_expired", "Your session has expired; log in again.") from None
        except BadSignature:
            raise Refused("token_invalid", "This token is not valid.") from None
        if not isinstance(data, dict) or not data.get("session"):
            raise Refused("token_invalid", "This token is not valid.")
        return Staff(str(data["name"]), str(data["session"]))

    async def signed_in(self, store: Store, token: object) -> Staff:
        """A valid token whose session is still open (not signed out, reset or removed)."""
        staff = self.verify(token)
        if await store.staff_session(staff.session) != staff.name:
            raise Refused("session_ended", "This session has ended; please sign in again.")
        return staff


async def login(store: Store, name: str, password: str) -> Agent | None:
    """The agent, if the password is right; the same work whether or not the name exists.
    Refused (`busy`) when too many checks are queued already."""
    agent = await store.get_agent(name)
    right = await check_password(agent.password_hash if agent else _UNKNOWN, password)
    return agent if agent is not None and right else None


# --- accounts: what the command line and the console's People desk both do ------------------

MIN_PASSWORD = 8  # characters
MAX_AGENTS = 500  # accounts in all: the list every console and the sweeper read stays bounded


PASSWORD_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I
PASSWORD_LENGTH = 16  # 16 of 57 letters: about 93 random bits


def new_password() -> str:
    """A password for a new or reset account, read aloud or copied without mistaking a letter,
    to be shown once to the supervisor who asked: it is kept only as its hash, never logged."""
    return "".join(secrets.choice(PASSWORD_LETTERS) for _ in range(PASSWORD_LENGTH))


async def hash_async(password: str) -> str:
    """argon2 in the password checks' threads, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_hashing, hash_password, password)


async def existing(store: Store, name: str) -> Agent:
    agent = await store.get_agent(name)
    if agent is None:
        raise Refused("unknown_agent", f"No agent named {name!r}.")
    return agent


async def add(store: Store, agent: Agent, password: str) -> None:
    """Create the account, with this password; Refused (`agent_exists`) if the name is taken."""
    if await store.get_agent(agent.name):
        raise Refused("agent_exists", f"An agent named {agent.name!r} exists already.")
    if len(await store.agents()) >= MAX_AGENTS:
        raise Refused("agent_limit", f"There are {MAX_AGENTS} agents already; remove one first.")
    agent.password_hash = await hash_async(password)
    await store.save_agent(agent)


async def reset(store: Store, name: str, password: str) -> int:
    """A new password; every session signed in with the old one ends (their consoles are signed
    out within a second, on every bridge). Returns how many ended."""
    agent = await existing(store, name)
    agent.password_hash = await hash_async(password)
    await store.save_agent(agent)
    return await store.end_staff_sessions(name)


async def remove(store: Store, name: str) -> int:
    """Remove the account and end every session of it; returns how many ended."""
    await existing(store, name)
    ended = await store.end_staff_sessions(name)
    if not await store.remove_agent(name):
        raise Refused("unknown_agent", f"No agent named {name!r}.")
    return ended


# --- command line: python -m bot agents add|list|remove|reset-password ----------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="agents_command", required=True)
    add = commands.add_parser("add", help="create an agent or supervisor")
    add.add_argument("name")
    add.add_argument("--department", default="general",
                     help="one of the site pack's departments (SITE; default general)")
    add.add_argument("--role", default="agent", choices=[r.value for r in Role])
    add.add_argument("--display-name", required=True,
                     help="the name visitors see (e.g. 'Alex'); the login name stays private")
    add.add_argument("--capacity", type=int, default=3)
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from stdin (else you are asked for it)")
    commands.add_parser("list", help="list agents")
    remove = commands.add_parser("remove", help="remove an agent")
    remove.add_argument("name")
    reset = commands.add_parser("reset-password", help="set a new password")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true")
    logout = commands.add_parser("sign-out", help="end every session of an agent at once")
    logout.add_argument("name")


def _read_password(from_stdin: bool) -> str:
    """Asked for, or read from stdin: never on the command line (shell history, `ps`)."""
    if not from_stdin and sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            raise SystemExit("The passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    store = RedisStore.from_settings(settings)
    try:
        return await _command(store, args)
    except Refused as error:
        print(error.message, file=sys.stderr)
        return 1
    finally:
        await store.close()


async def _command(store: Store, args: argparse.Namespace) -> int:
    command = args.agents_command
    if command == "list":
        for agent in await store.agents():
            print(f"{agent.name}\t{agent.role.value}\t{agent.department}\t"
                  f"capacity {agent.capacity}\t{agent.display_name}")
    elif command == "remove":
        print(f"Removed {args.name}; {await remove(store, args.name)} session(s) ended.")
    elif command == "sign-out":
        print(f"{await store.end_staff_sessions(args.name)} session(s) of {args.name} ended.")
    else:
        password = _read_password(args.password_stdin)
        if len(password) < MIN_PASSWORD:
            raise Refused("invalid_payload",
                          f"The password must have at least {MIN_PASSWORD} characters.")
        if command == "add":
            agent = Agent(
                name=args.name, display_name=args.display_name.strip() or "Team member",
                department=args.department, role=Role(args.role), capacity=args.capacity,
            )
            await add(store, agent, password)
            print(f"Added {agent.name} ({agent.role.value}, {agent.department}).")
        else:  # a new password ends every session signed in with the old one
            print(f"{await reset(store, args.name, password)} session(s) ended.")
            print(f"Updated {args.name}.")
    return 0


def main(args: argparse.Namespace, settings: Settings) -> int:
    departments = settings.site.departments
    if getattr(args, "department", None) is not None and args.department not in departments:
        print(f"No department {args.department!r} in the site pack {settings.site_name!r} "
              f"(there are: {', '.join(departments)}).", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, settings))
