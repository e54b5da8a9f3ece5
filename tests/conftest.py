"""Session fixtures: one real Redis, action server, Rasa server (trained model) and bridge."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiosmtpd.controller import Controller

from clients import Visitor
from stack import ROOT, Stack, free_port

TESTS = Path(__file__).resolve().parent
# The tiers, cheapest first: a test's tier is the folder it lives in (anything else is `stack`).
FOLDER_TIERS = {"unit", "fast", "browser"}
NEED_STACK = {"stack", "browser"}


def tier(item: pytest.Item) -> str:
    """The tier of a test, from its folder under tests/ (docs: README "Tests")."""
    try:
        folder = item.path.relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        return "stack"
    return folder if folder in FOLDER_TIERS else "stack"


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(tier(item))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse to run the stack or browser tiers without a trained model (unit and fast tests
    need none): a missing model would fail every one of them after minutes of waiting."""
    light = [item.nodeid for item in session.items
             if tier(item) not in NEED_STACK and "stack" in getattr(item, "fixturenames", ())]
    if light:
        raise pytest.UsageError(f"unit and fast tests start no process, but these use the "
                                f"`stack` fixture: {', '.join(light)}")
    if not any(tier(item) in NEED_STACK for item in session.items):
        return
    if not any((ROOT / "models" / "lantern-street").glob("*.tar.gz")):
        raise pytest.UsageError("No trained model in models/lantern-street/: run the stack tests "
                                "with `make test` (`make test-fast` needs none).")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Every Frontdesk process, started as `make run` starts them, on free ports (only when a
    stack or browser test asks for it: see pytest_collection_finish)."""
    stack = Stack.create(
        tmp_path_factory.mktemp("frontdesk"),
        AUTO_ASSIGN="false", AGENT_GRACE="2", REMIND_EVERY="2", ESCALATE_AFTER="3",
        MAX_QUEUE_WAIT="3600", LOGIN_RATE="1000", AGENT_RATE="100000",
        VISITOR_ADDRESS_FACTOR="1000",  # every test visitor comes from 127.0.0.1
    )
    try:
        stack.start_redis()
        stack.start_actions()
        stack.start_rasa()
        stack.start_bridge()
        yield stack
    finally:
        stack.stop_all()


_databases = itertools.cycle(range(2, 13))  # for bridges with settings of their own (13 and
# 14 belong to test_races and test_invariants), emptied each time one is handed out


@pytest.fixture
def isolated(stack: Stack, tmp_path: Path):
    """Start a bridge with its own settings and its own Redis database (and its own folder of
    attachments: a sweeper deletes the files of conversations its Redis does not know);
    returns its URL."""
    started = []

    def start(**env: str) -> tuple[str, str]:
        redis_url = stack.redis_url.rsplit("/", 1)[0] + f"/{next(_databases)}"
        import redis as sync_redis

        sync_redis.Redis.from_url(redis_url).flushdb()
        port = str(free_port())
        env.setdefault("ATTACHMENT_DIR", str(tmp_path / f"attachments-{port}"))
        process = stack.start_bridge(FRONTDESK_PORT=port, REDIS_URL=redis_url, **env)
        started.append(process)
        return f"http://127.0.0.1:{port}", redis_url

    yield start
    for process in started:
        process.stop()


@pytest.fixture
async def redis(stack: Stack) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(stack.redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def visitor(stack: Stack) -> AsyncIterator[Visitor]:
    client = Visitor(stack.bridge_url)
    await client.connect()
    yield client
    await client.close()


@pytest.fixture
def make_agent(stack: Stack):
    """Create an agent with the real command line; returns (name, password)."""
    import subprocess
    import sys
    import uuid

    def make(department: str = "tickets_billing", role: str = "agent", capacity: int = 3,
             display_name: str = "", redis_url: str = "", site: str = "") -> tuple[str, str]:
        name = f"{display_name or 'agent'}-{uuid.uuid4().hex[:6]}".lower()
        password = uuid.uuid4().hex
        env = {**stack.env, "REDIS_URL": redis_url or stack.redis_url}
        if site:
            env["SITE"] = site
        subprocess.run(
            [sys.executable, "-m", "bot", "agents", "add", name, "--department", department,
             "--role", role, "--capacity", str(capacity), "--display-name",
             display_name or name, "--password-stdin"],
            cwd=ROOT, env=env, check=True, capture_output=True, input=password + "\n", text=True,
        )
        return name, password

    return make


@pytest.fixture
def faq_answers() -> dict[str, list[str]]:
    """Every FAQ answer text by topic, read from the file business owners edit (the sample
    pack's faq.yml)."""
    from bot.site import load

    return {name: [topic.answer] for name, topic in load("lantern-street").topics.items()}


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server (aiosmtpd) on loopback; returns its port and what it received."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()
