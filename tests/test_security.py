"""docs/security.md, line by line: each threat it lists has its test here (or is named there)."""

from __future__ import annotations

import asyncio
import json
import secrets
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
import socketio

from bot.config import Settings
from bot.handoff import HandoffRequest
from bot.models import Conversation, Owner, Ticket
from bot.site import DEFAULT_SITE, cached
from bot.store import Expect
from bot.store.redis import RedisStore

from clients import AgentClient, Visitor, login
from handoff_flow import queue_visitor
from stack import ROOT, Stack

DEPARTMENTS = cached(DEFAULT_SITE).department_titles  # the sample pack's


def settings_of(stack: Stack) -> Settings:
    return Settings.from_env(stack.env)


# --- removed agent, password reset, sign-out: sessions end at once ---------------------------


async def test_password_reset_removal_and_sign_out_end_sessions(stack: Stack, make_agent) -> None:
    name, password = make_agent("general", display_name="Rowan")
    first, second = AgentClient(stack.bridge_url), AgentClient(stack.bridge_url)
    await first.connect(name, password)
    await second.connect(name, password)
    assert (await first.call("hello"))["ok"]

    # Signing out ends that session only: its socket closes, the other stays.
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{stack.bridge_url}/api/logout",
                             headers={"Authorization": f"Bearer {first.token}"}) as response:
            assert response.status == 200
        await wait_disconnected(first)
        assert second.sio.connected and (await second.call("hello"))["ok"]
        status = await insights_status(http, stack, first.token)
        assert status == 401

        # A password reset (on the command line, another process) ends every session.
        agents_cli(stack, "reset-password", name, "--password-stdin", stdin="a-new-password-1")
        await wait_disconnected(second)
        assert await insights_status(http, stack, second.token) == 401
        refused = await connect_refusal(stack, second.token)
        assert refused == "session_ended"

        # Removing the agent ends the new session too; re-adding the name revives no token.
        third = AgentClient(stack.bridge_url)
        await third.connect(name, "a-new-password-1")
        agents_cli(stack, "remove", name)
        await wait_disconnected(third)
        make_again = ["add", name, "--department", "general", "--display-name", "Rowan",
                      "--password-stdin"]
        agents_cli(stack, *make_again, stdin="a-new-password-2")
        for old in (first.token, second.token, third.token):
            assert await connect_refusal(stack, old) == "session_ended"
            assert await insights_status(http, stack, old) == 401


async def test_role_and_department_changes_apply_without_reconnecting(stack: Stack, make_agent,
                                                                      redis) -> None:
    name, password = make_agent("general", display_name="Sky")
    agent, boss = AgentClient(stack.bridge_url), AgentClient(stack.bridge_url)
    await agent.connect(name, password)
    await boss.connect(*make_agent("general", role="supervisor"))
    for staff in (agent, boss):
        await staff.must("presence", {"status": "away"})  # so the chat waits in General's queue
    visitor = Visitor(stack.bridge_url)
    cid = await visitor.connect()
    assert await queue_visitor(visitor, "general") == "general"
    for staff in (agent, boss):  # both follow General's waiting chat
        await staff.must("open", {"conversation_id": cid})
    assert (await agent.call("queue", {"department": "tickets_billing"}))["error"]["code"] == "not_yours"
    await redis.hset(f"fd:agent:{name}", "department", "tickets_billing")  # as `agents` would,
    await redis.set("fd:agents_version", uuid.uuid4().hex)  # with the version every save changes
    for _ in range(80):
        if (await agent.call("queue", {"department": "tickets_billing"}))["ok"]:
            break
        await asyncio.sleep(0.1)
    assert (await agent.call("queue", {"department": "tickets_billing"}))["ok"]
    assert (await agent.call("queue", {"department": "general"}))["error"]["code"] == "not_yours"
    # ...and Sky no longer follows General's chat live: the supervisor does.
    mark = len(agent.seen.events)
    await visitor.say("are you still there?", message_id="still")
    await boss.seen.wait_for("message", lambda e: e["message"]["text"] == "are you still there?")
    await agent.must("hello")  # a round trip: anything sent before has arrived
    assert not [data for event, data in agent.seen.events[mark:] if event == "message"]
    for client in (agent, boss, visitor):
        await client.close()


async def wait_disconnected(client: AgentClient, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while client.sio.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not client.sio.connected, "the socket of an ended session is still open"


async def insights_status(http: aiohttp.ClientSession, stack: Stack, token: str) -> int:
    async with http.get(f"{stack.bridge_url}/api/insights",
                        headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status


async def connect_refusal(stack: Stack, token: str) -> str:
    client = socketio.AsyncClient(reconnection=False)
    refusals: list = []
    client.on("connect_error", refusals.append, namespace="/agent")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(stack.bridge_url, namespaces=["/agent"], transports=["websocket"],
                             auth={"token": token})
    return refusals[0]["data"]["code"]


def agents_cli(stack: Stack, *args: str, stdin: str = "") -> None:
    subprocess.run([sys.executable, "-m", "bot", "agents", *args], cwd=ROOT, env=stack.env,
                   input=stdin + "\n", text=True, check=True, capture_output=True)


# --- other department: every /agent event and HTTP route ------------------------------------

EVENTS = ["open", "history", "claim", "note", "reply", "typing", "transfer", "hand_back", "close",
          "queue", "canned", "canned_set", "ticket_reply", "teach_list", "teach_first",
          "visitor_history", "past_transcript", "search"]


def payload(event: str, conversation_id: str, department: str, ticket_id: str) -> dict[str, Any]:
    payloads: dict[str, dict[str, Any]] = {
        "open": {"conversation_id": conversation_id},
        "history": {"conversation_id": conversation_id},
        "claim": {"conversation_id": conversation_id},
        "note": {"conversation_id": conversation_id, "text": "peek"},
        "reply": {"conversation_id": conversation_id, "text": "hello from elsewhere"},
        "typing": {"conversation_id": conversation_id, "on": True},
        "transfer": {"conversation_id": conversation_id, "department": "general"},
        "hand_back": {"conversation_id": conversation_id},
        "close": {"conversation_id": conversation_id},
        "queue": {"department": department},
        "canned": {"department": department},
        "canned_set": {"department": department, "key": "x", "text": "y"},
        "ticket_reply": {"ticket_id": ticket_id, "text": "answer"},
        "teach_list": {"department": department},
        "teach_first": {"conversation_id": conversation_id, "label": "out_of_scope"},
        "visitor_history": {"conversation_id": conversation_id},
        "past_transcript": {"conversation_id": conversation_id},
        "search": {"text": "hello", "department": department},
    }
    return payloads[event]


async def test_agents_cannot_read_or_act_on_another_department(isolated, make_agent) -> None:
    url, redis_url = isolated()
    store = RedisStore(redis_url)
    chats: dict[str, dict[str, str]] = {}  # department -> {"queued": id, "assigned": id}
    tickets: dict[str, str] = {}
    owners: dict[str, str] = {}
    agents: dict[str, AgentClient] = {}
    for department in DEPARTMENTS:
        name, password = make_agent(department, redis_url=redis_url, display_name="Dee")
        owners[department] = name
        agents[department] = AgentClient(url)
        await agents[department].connect(name, password)
        chats[department] = {}
        for kind in ("queued", "assigned"):
            cid = f"iso{secrets.token_hex(12)}"
            await store.create_conversation(Conversation(id=cid))
            await store.transition(cid, Expect((Owner.BOT,)), Owner.QUEUE, department=department,
                                   handoff=json.dumps(HandoffRequest("requested").to_dict()),
                                   queued_at=repr(time.time()))
            if kind == "assigned":
                await store.transition(cid, Expect((Owner.QUEUE,)), Owner.AGENT, agent=name)
            chats[department][kind] = cid
        ticket = Ticket(id=secrets.token_hex(8), conversation_id=chats[department]["queued"],
                        name="Kim", email="kim@example.org", message="hi", department=department,
                        created_at=time.time())
        await store.save_ticket(ticket)
        tickets[department] = ticket.id

    async def state(cid: str) -> tuple:
        conversation = await store.get_conversation(cid)
        assert conversation is not None
        return (conversation.owner, conversation.agent, conversation.department,
                len(await store.messages(cid)))

    checked = 0
    for mine, client in agents.items():
        for other in DEPARTMENTS:
            if other == mine:
                continue
            listed = (await client.must("tickets"))["tickets"]
            assert all(t["department"] == mine for t in listed), listed
            for kind, cid in chats[other].items():
                for event in EVENTS:
                    before = await state(cid)
                    result = await client.call(event, payload(event, cid, other, tickets[other]))
                    assert not result["ok"], (mine, other, kind, event, result)
                    assert result["error"]["code"] in ("not_yours", "not_assigned", "forbidden"), (
                        mine, other, kind, event, result)
                    assert await state(cid) == before, (mine, other, kind, event)
                    checked += 1
    assert checked == len(DEPARTMENTS) * (len(DEPARTMENTS) - 1) * 2 * len(EVENTS)
    # Their own department is open to them, and a supervisor's is every department.
    for department, client in agents.items():
        assert (await client.call("open", {"conversation_id": chats[department]["queued"]}))["ok"]
        assert (await client.call("queue", {"department": department}))["ok"]
    boss = AgentClient(url)
    await boss.connect(*make_agent("general", role="supervisor", redis_url=redis_url))
    for department in DEPARTMENTS:
        assert (await boss.call("open", {"conversation_id": chats[department]["assigned"]}))["ok"]
        assert (await boss.call("queue", {"department": department}))["ok"]
    for client in (*agents.values(), boss):
        await client.close()
    await store.close()


# --- strangers at the login form ---------------------------------------------------------------


async def test_login_burst_is_limited_and_does_not_stall_the_bridge(stack: Stack, isolated,
                                                                    make_agent) -> None:
    url, redis_url = isolated(LOGIN_RATE="5")
    name, _ = make_agent("general", redis_url=redis_url)
    token = settings_of(stack).metrics_token  # the isolated bridge shares the stack's secrets
    checks_before = await password_checks(url, token)
    slowest = 0.0

    async def health() -> None:
        nonlocal slowest
        async with aiohttp.ClientSession() as http:
            for _ in range(20):
                started = time.perf_counter()
                async with http.get(f"{url}/healthz") as response:
                    await response.read()
                slowest = max(slowest, time.perf_counter() - started)
                await asyncio.sleep(0.05)

    guesses = [login(url, name, f"guess-{i}") for i in range(60)]
    results, _ = await asyncio.gather(asyncio.gather(*guesses), health())
    statuses = [status for status, _ in results]
    assert statuses.count(401) == 5 and statuses.count(429) == 55, statuses
    assert await password_checks(url, token) - checks_before == 5
    print(f"slowest /healthz during the burst: {slowest * 1000:.0f} ms")
    # Five password checks on the event loop would stall it for their whole time in a row
    # (about 5 x 110 ms here); in worker threads /healthz stays quick. 0.4 s leaves room for a
    # busy machine (a 0.2 s bound failed once at 200.2 ms) and still catches the stall.
    assert slowest < 0.4, f"/healthz took {slowest * 1000:.0f} ms during the burst"


async def test_unknown_names_cost_the_same_password_check(stack: Stack, isolated) -> None:
    url, _ = isolated()
    token = settings_of(stack).metrics_token
    before = await password_checks(url, token)
    status, body = await login(url, "nobody-by-that-name", "whatever")
    assert status == 401 and body["error"]["code"] == "bad_credentials"
    assert await password_checks(url, token) == before + 1


async def test_a_real_login_is_not_stuck_behind_a_crowd_of_guesses(stack: Stack, isolated,
                                                                  make_agent) -> None:
    """120 wrong guesses at once from 30 addresses, each within its limits (the issue's crowd,
    smaller): only a few password checks may queue, the rest are refused at once as `busy`;
    the real agent, from an address of their own, is then checked behind a few at most, not
    behind the whole crowd (it was 31.6 s behind 300)."""
    url, redis_url = isolated(TRUSTED_PROXIES="127.0.0.1", LOGIN_RATE="30")
    name, password = make_agent("general", redis_url=redis_url)
    token = settings_of(stack).metrics_token
    before = await password_checks(url, token)
    answers: list[tuple[int, str]] = []
    answered = asyncio.Condition()

    async def post(http: aiohttp.ClientSession, who: str, pw: str, address: str) -> tuple[int, str]:
        async with http.post(f"{url}/api/login", json={"name": who, "password": pw},
                             headers={"X-Forwarded-For": address}) as response:
            body = await response.json()
            return response.status, body.get("error", {}).get("code", "")

    async def guess(http: aiohttp.ClientSession, i: int) -> None:
        result = await post(http, f"nobody-{i % 7}", "wrong", f"198.51.100.{i % 30}")
        async with answered:
            answers.append(result)
            answered.notify_all()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        crowd = [asyncio.create_task(guess(http, i)) for i in range(120)]
        async with answered:  # the crowd has reached the bridge: its first answers are back
            await answered.wait_for(lambda: len(answers) >= 1)
        while True:
            status, code = await post(http, name, password, "192.0.2.7")
            if code != "busy":
                break
            checked = answers.count((401, "bad_credentials"))  # like a person trying again,

            def one_more(checked: int = checked) -> bool:       # once a check has finished
                return answers.count((401, "bad_credentials")) > checked

            async with answered:
                await answered.wait_for(one_more)
        checks_by_then = await password_checks(url, token) - before
        await asyncio.gather(*crowd)
    assert status == 200, (status, code)
    assert set(answers) == {(401, "bad_credentials"), (503, "busy")}, set(answers)
    assert answers[-1] == (401, "bad_credentials")  # refusals never waited for a check
    print(f"{answers.count((503, 'busy'))} guesses refused as busy; the agent was checked "
          f"after {checks_by_then - 1:.0f} of them")
    assert checks_by_then < 60, checks_by_then  # without a bound: after all 120


async def test_the_login_takes_only_json(stack: Stack) -> None:
    """A form on another site can post text/plain or a urlencoded body without a CORS
    preflight; the login takes only application/json (415 json_required)."""
    body = json.dumps({"name": "someone", "password": "whatever"})
    async with aiohttp.ClientSession() as http:
        for content_type in ("text/plain", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x", ""):
            headers = {"Content-Type": content_type} if content_type else {}
            async with http.post(f"{stack.bridge_url}/api/login", data=body.encode(),
                                 headers=headers) as response:
                answer = await response.json()
                assert response.status == 415, (content_type, response.status, answer)
                assert answer["error"]["code"] == "json_required"
        async with http.post(f"{stack.bridge_url}/api/login", data=body,
                             headers={"Content-Type": "application/json"}) as response:
            assert response.status == 401  # JSON is read: a wrong password
        for unreadable in ("[" * 5000 + "]" * 5000, '{"name": %s}' % ("1" * 5000)):
            async with http.post(f"{stack.bridge_url}/api/login", data=unreadable,
                                 headers={"Content-Type": "application/json"}) as response:
                answer = await response.json()
                assert response.status == 400 and answer["error"]["code"] == "invalid_payload"


async def password_checks(url: str, token: str) -> float:
    async with aiohttp.ClientSession() as http, \
            http.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}) as r:
        text = await r.text()
    for line in text.splitlines():
        if line.startswith("frontdesk_password_checks_total "):
            return float(line.split()[1])
    return 0.0


# --- network neighbour, other users on the machine, other sites --------------------------------


def listening(port: int) -> list[str]:
    """The local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.append(address)
    return found


def test_every_process_listens_on_loopback_only(stack: Stack) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}
    for variable in ("ACTION_PORT", "RASA_PORT", "FRONTDESK_PORT", "EMBEDDED_REDIS_PORT"):
        addresses = listening(int(stack.env[variable]))
        assert addresses and set(addresses) <= loopback, (variable, addresses)


def test_no_secret_on_any_command_line(stack: Stack) -> None:
    settings = settings_of(stack)
    secrets_ = [settings.rasa_token, settings.secret_key, settings.metrics_token,
                settings.redis_url.split("@")[0].rsplit(":", 1)[-1]]
    for process in stack.processes:
        if process.popen.poll() is not None:
            continue
        for pid in [process.popen.pid, *children(process.popen.pid)]:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            for secret in secrets_:
                assert secret not in command, (process.name, command.replace("\0", " ")[:200])


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


async def test_embedded_redis_needs_its_password_and_its_files_are_private(stack: Stack) -> None:
    settings = settings_of(stack)
    if not settings.embedded_redis:
        pytest.skip("TEST_REDIS_URL points at a Redis server of its own")
    anonymous = aioredis.from_url(f"redis://127.0.0.1:{settings.embedded_redis_port}/0")
    with pytest.raises(Exception, match=r"(?i)auth"):
        await anonymous.get("fd:agents")
    await anonymous.aclose()
    folder = settings.data_dir
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in [*folder.iterdir(), *(folder / "redis").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))


def test_secrets_are_created_once_by_many_processes_at_once(tmp_path: Path) -> None:
    script = ("import sys; from bot.config import Settings; s = Settings.from_env({"
              f"'FRONTDESK_DATA_DIR': {str(tmp_path / 'var')!r}}}); "
              "print(s.secret_key, s.rasa_token, s.redis_url, s.metrics_token, s.model_token)")
    processes = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                                  text=True) for _ in range(8)]
    outputs = {p.communicate(timeout=60)[0] for p in processes}
    assert len(outputs) == 1, outputs
    folder = tmp_path / "var"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {p.name for p in folder.iterdir()} == {"secret-key", "rasa-token", "redis-password",
                                                  "metrics-token", "model-token"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())


async def test_other_sites_cannot_open_connections(isolated) -> None:
    url, _ = isolated()  # default ALLOWED_ORIGINS: the bridge's own origin only
    assert not await opens(url, "https://evil.example")
    assert await opens(url, url)
    listed, _ = isolated(ALLOWED_ORIGINS="https://shop.example")
    assert await opens(listed, "https://shop.example")
    assert await opens(listed, listed)  # the console's own origin is always allowed
    assert not await opens(listed, "https://evil.example")


async def opens(url: str, origin: str) -> bool:
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(url, transports=["websocket"], headers={"Origin": origin},
                             wait_timeout=5)
    except socketio.exceptions.ConnectionError:
        return False
    await client.disconnect()
    return True


async def test_visitors_cannot_reach_another_visitors_conversation(stack: Stack) -> None:
    owner = Visitor(stack.bridge_url)
    conversation_id = await owner.connect()
    await owner.ask("my booking reference is LST-123")
    other = Visitor(stack.bridge_url)
    await other.connect(conversation_id)  # the id staff see: opens nothing
    for event, data in (("history", {"session_id": owner.session_id}),
                        ("user_uttered", {"message": "hi", "session_id": owner.session_id})):
        mark = len(other.seen.events)
        await other.sio.emit(event, data)
        assert (await other.seen.wait_for("chat_error", start=mark))["code"] == "unknown_session"
    assert "LST-123" not in json.dumps(other.seen.events)
    await owner.close()
    await other.close()


def test_metrics_route_is_closed_without_its_token(stack: Stack) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.bridge_url}/metrics", timeout=10)
    assert refused.value.code == 401


def test_redis_user_and_tls_reach_rasa(tmp_path: Path) -> None:
    """A `rediss://` URL with an ACL user becomes Rasa's tracker and lock store settings
    (written to a private file, not dropped)."""
    from bot.processes import _rasa_endpoints

    settings = Settings.from_env({"FRONTDESK_DATA_DIR": str(tmp_path),
                                  "REDIS_URL": "rediss://frontdesk:s3cret@redis.example:6380/3"})
    endpoints = json.loads(_rasa_endpoints(settings).read_text())
    assert endpoints["tracker_store"].pop("record_exp") == 90 * 86400
    tracker = endpoints["tracker_store"]
    assert tracker.pop("type") == "actions.tracker_store.RecentTurnsTrackerStore"
    assert tracker.pop("max_turns") == 8
    tracker["type"] = "redis"  # otherwise the same connection settings as Rasa's own store
    for store in (tracker, endpoints["lock_store"]):
        assert store == {"type": "redis", "url": "redis.example", "port": 6380, "db": 3,
                         "username": "frontdesk", "password": "s3cret", "use_ssl": True,
                         "key_prefix": "rasa"}
    assert stat.S_IMODE((tmp_path / "rasa-endpoints.yml").stat().st_mode) == 0o600
