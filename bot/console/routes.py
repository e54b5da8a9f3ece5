"""The console's HTTP routes: login, logout, Insights."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from .. import events, metrics
from ..agents import Tokens, login
from ..config import Settings
from ..errors import Refused
from ..store import Store
from .desk import ok
from .namespace import AgentNamespace
from .satisfaction import satisfaction


def bearer(request: web.Request) -> str:
    return request.headers.get("Authorization", "").removeprefix("Bearer ").strip()


def insights_route(store: Store, tokens: Tokens, settings: Settings) -> Handler:
    """GET /api/insights?days=N with `Authorization: Bearer <agent token>`: figures for plots
    (the visitors' ratings: of the departments the agent may see)."""

    async def handler(request: web.Request) -> web.Response:
        try:
            staff = await tokens.signed_in(store, bearer(request))
        except Refused as error:
            return error.to_response()
        agent = await store.get_agent(staff.name)
        if agent is None:
            return Refused("session_ended", "This account is gone.").to_response()
        try:
            days = max(1, min(90, int(request.query.get("days", "14"))))
        except ValueError:
            return Refused("invalid_payload", "days is a number.").to_response()
        data = await store.insights(days)
        for day in data["daily"]:  # containment: conversations the bot handled alone
            started, handed = day.get("conversations", 0), day.get("handed_off", 0)
            day["containment"] = round(max(0.0, 1 - handed / started), 3) if started else None
        data["satisfaction"] = satisfaction(agent, settings.site.department_titles,
                                            data.pop("ratings"))
        data["rasa_latency"] = metrics.buckets(metrics.RASA_LATENCY)  # this process's figures
        return web.json_response(ok(**data))

    return handler


def login_route(store: Store, tokens: Tokens, settings: Settings) -> Handler:
    """POST /api/login {name, password} -> {token, agent}.

    Every attempt counts, before the password is checked (one atomic increment each), per name
    and address and per address: a burst cannot slip through, a stranger elsewhere cannot lock
    the real agent out, and nothing tells a known name from an unknown one. Only JSON is taken
    (`application/json`: a form on another site cannot send it without a CORS preflight); a
    login that would queue behind too many checks is refused at once (503 `busy`)."""

    async def handler(request: web.Request) -> web.Response:
        if request.content_type != "application/json":  # a cross-site form cannot send that
            return Refused("json_required", "Send the login as application/json.").to_response()
        try:
            body = events.read_json(events.Login, await request.read())
        except Refused as error:
            return error.to_response()
        name, password = body.name, body.password
        address = request.remote or "?"  # behind a trusted proxy, the client (bot/addresses.py)
        limits = ((f"login:name:{address}:{name}", settings.login_rate),
                  (f"login:addr:{address}", settings.login_rate * 3))
        for key, limit in limits:
            if not await store.hit(key, limit, 300):
                return Refused("rate_limited",
                               "Too many attempts; try again in a few minutes.").to_response()
        try:
            agent = await login(store, name, password)
        except Refused as error:  # busy: too many checks queued; nothing was checked
            return error.to_response(headers={"Retry-After": "2"})
        if agent is None:
            return Refused("bad_credentials", "Wrong name or password.").to_response()
        session = await store.start_staff_session(agent.name, tokens.ttl)
        return web.json_response(
            ok(token=tokens.issue(agent, session), agent=agent.public(), expires_in=tokens.ttl)
        )

    return handler


def logout_route(store: Store, tokens: Tokens, agents: AgentNamespace) -> Handler:
    """POST /api/logout with the token: its session ends, its connections close at once."""

    async def handler(request: web.Request) -> web.Response:
        try:
            staff = tokens.verify(bearer(request))
        except Refused as error:
            return error.to_response()
        await store.end_staff_session(staff.session)
        await agents.revalidate()
        return web.json_response(ok())

    return handler
