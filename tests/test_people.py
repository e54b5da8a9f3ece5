"""People managed in the console (`agent_*` events, bot/console/people.py): supervisors add,
edit, remove and reset agents; a removal or reset signs the agent's open console out at once,
as the command line does."""

from __future__ import annotations

import uuid

import pytest
import socketio

from clients import AgentClient, login
from stack import Stack
from waiting import eventually


def new_name(prefix: str = "pat") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


async def connected(url: str, name: str, password: str = "", token: str = "") -> AgentClient:
    client = AgentClient(url)
    await client.connect(name, password, token)
    return client


async def connect_refusal(url: str, token: str) -> str:
    client = socketio.AsyncClient(reconnection=False)
    refusals: list = []
    client.on("connect_error", refusals.append, namespace="/agent")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(url, namespaces=["/agent"], transports=["websocket"],
                             auth={"token": token})
    return refusals[0]["data"]["code"]


async def signed_out(client: AgentClient) -> None:
    await eventually(lambda: not client.sio.connected, timeout=5,
                     what="the console of an ended session is signed out")


async def test_a_supervisor_adds_an_agent_who_can_then_log_in(stack: Stack, make_agent) -> None:
    boss = await connected(stack.bridge_url, *make_agent("general", role="supervisor"))
    name = new_name()
    added = await boss.must("agent_add", {"name": name, "display_name": " Pat ",
                                          "department": "tickets_billing", "capacity": 4})
    assert added["agent"] == {"name": name, "display_name": "Pat", "department": "tickets_billing",
                              "role": "agent", "capacity": 4}
    password = added["password"]
    assert len(password) >= 16
    status, body = await login(stack.bridge_url, name, password)
    assert status == 200 and body["agent"]["display_name"] == "Pat"
    pat = await connected(stack.bridge_url, "", token=body["token"])
    assert (await pat.must("hello"))["agent"]["department"] == "tickets_billing"
    listed = {a["name"]: a for a in (await boss.must("agents"))["agents"]}
    assert listed[name]["capacity"] == 4

    # Edited: the fields given change, the password stays, the console follows signed in.
    edited = await boss.must("agent_edit", {"name": name, "department": "general",
                                            "role": "supervisor"})
    assert edited["agent"] == {"name": name, "display_name": "Pat", "department": "general",
                               "role": "supervisor", "capacity": 4}

    async def promoted() -> bool:
        return (await pat.must("hello"))["agent"]["role"] == "supervisor"

    await eventually(promoted, timeout=10, what="the edited role reaches the open console")
    assert pat.sio.connected
    assert (await login(stack.bridge_url, name, password))[0] == 200
    for client in (boss, pat):
        await client.close()


async def test_an_agent_is_refused(stack: Stack, make_agent) -> None:
    colleague, _ = make_agent("general")
    agent = await connected(stack.bridge_url, *make_agent("general"))
    name = new_name()
    for event, payload in [
        ("agent_add", {"name": name, "display_name": "Pat", "department": "general"}),
        ("agent_edit", {"name": colleague, "role": "supervisor"}),
        ("agent_remove", {"name": colleague}),
        ("agent_reset", {"name": colleague}),
    ]:
        answer = await agent.call(event, payload)
        assert answer["error"]["code"] == "forbidden", (event, answer)
        assert "password" not in answer
    assert (await login(stack.bridge_url, name, "anything-at-all"))[0] == 401
    listed = {a["name"]: a for a in (await agent.must("agents"))["agents"]}
    assert name not in listed and listed[colleague]["role"] == "agent"
    await agent.close()


async def test_reset_and_removal_sign_the_open_console_out(stack: Stack, make_agent) -> None:
    boss = await connected(stack.bridge_url, *make_agent("general", role="supervisor"))
    name = new_name()
    first = (await boss.must("agent_add", {"name": name, "display_name": "Pat",
                                           "department": "general"}))["password"]
    pat = await connected(stack.bridge_url, name, first)
    assert (await pat.call("hello"))["ok"]

    reset = await boss.must("agent_reset", {"name": name})
    assert reset["sessions_ended"] == 1 and reset["password"] != first
    await signed_out(pat)
    assert await connect_refusal(stack.bridge_url, pat.token) == "session_ended"
    assert (await login(stack.bridge_url, name, first))[0] == 401

    pat = await connected(stack.bridge_url, name, reset["password"])
    removed = await boss.must("agent_remove", {"name": name})
    assert removed == {"ok": True, "name": name, "sessions_ended": 1}
    await signed_out(pat)
    assert await connect_refusal(stack.bridge_url, pat.token) == "session_ended"
    assert (await login(stack.bridge_url, name, reset["password"]))[0] == 401
    assert (await boss.call("agent_remove", {"name": name}))["error"]["code"] == "unknown_agent"
    # The name added again revives none of the old sessions: they ended, not just the account.
    await boss.must("agent_add", {"name": name, "display_name": "Pat", "department": "general"})
    assert await connect_refusal(stack.bridge_url, pat.token) == "session_ended"
    await boss.close()

    # The bridge logs who did what, never a password.
    def logged() -> str:
        return "".join(p.log.read_text(errors="replace") for p in stack.processes
                       if p.name == "bridge")

    await eventually(lambda: f"reset the password of {name}" in logged(), what="the audit line")
    assert first not in logged() and reset["password"] not in logged()


@pytest.mark.parametrize(("event", "payload", "code"), [
    ("agent_add", {"name": "Pat Smith", "display_name": "Pat", "department": "general"},
     "invalid_name"),
    ("agent_add", {"name": "pat", "display_name": "Pat\nSmith", "department": "general"},
     "invalid_display_name"),
    ("agent_add", {"name": "pat", "display_name": "Pat", "department": "nowhere"},
     "unknown_department"),
    ("agent_add", {"name": "pat", "display_name": "Pat", "department": "general",
                   "role": "owner"}, "invalid_role"),
    ("agent_add", {"name": "pat", "display_name": "Pat", "department": "general",
                   "capacity": 99}, "invalid_capacity"),
    ("agent_edit", {"name": "nobody-here", "capacity": 2}, "unknown_agent"),
    ("agent_reset", {"name": "nobody-here"}, "unknown_agent"),
])
async def test_bad_input_is_refused_with_its_code(stack: Stack, make_agent, event: str,
                                                  payload: dict, code: str) -> None:
    boss = await connected(stack.bridge_url, *make_agent("general", role="supervisor"))
    answer = await boss.call(event, payload)
    assert answer["error"]["code"] == code, answer
    assert (await login(stack.bridge_url, "pat", "x" * 16))[0] == 401  # nothing was made
    await boss.close()


async def test_a_name_is_taken_once_and_a_supervisor_always_remains(stack: Stack, isolated,
                                                                    make_agent) -> None:
    url, redis_url = isolated()  # a Redis database of its own: one supervisor in it
    boss_name, password = make_agent("general", role="supervisor", redis_url=redis_url)
    boss = await connected(url, boss_name, password)
    taken = await boss.call("agent_add", {"name": boss_name, "display_name": "Again",
                                          "department": "general"})
    assert taken["error"]["code"] == "agent_exists"
    assert (await login(url, boss_name, password))[0] == 200  # the account is as it was
    for event, payload in [("agent_edit", {"name": boss_name, "role": "agent"}),
                           ("agent_remove", {"name": boss_name})]:
        assert (await boss.call(event, payload))["error"]["code"] == "last_supervisor"
    assert (await boss.call("agent_reset", {"name": boss_name}))["error"]["code"] == "forbidden"
    assert (await boss.must("hello"))["agent"]["role"] == "supervisor"

    # With a second supervisor, the first may step down.
    deputy = new_name("deputy")
    await boss.must("agent_add", {"name": deputy, "display_name": "Deputy",
                                  "department": "general", "role": "supervisor"})
    assert (await boss.must("agent_edit", {"name": boss_name, "role": "agent"}))["agent"][
        "role"] == "agent"
    await boss.close()
