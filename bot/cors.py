"""Which pages of other sites may use the bridge, in one place (ALLOWED_ORIGINS, bot/config.py).

Three doors face the customers' sites: the Socket.IO handshake (python-socketio checks the
origin with the list given here), the visitors' file upload (a CORS request, with a
preflight: it carries the resume secret in `Authorization`) and the widget's script, which any
page may load. Everything else (the console, the login, agents' uploads) is for the bridge's
own pages, and sends no CORS headers: a browser keeps other sites out.
"""

from __future__ import annotations

from aiohttp import web

from .errors import Refused

ANY_SITE = {"Access-Control-Allow-Origin": "*"}  # a public script: reading it tells nothing
PREFLIGHT_MAX_AGE = "600"  # seconds a browser may keep a preflight's answer


class Cors:
    """The origins allowed to use the bridge from their pages: a list, or `*` for any."""

    def __init__(self, allowed: list[str] | str) -> None:
        self.allowed = allowed

    @property
    def socketio(self) -> list[str] | str:
        """As python-socketio's `cors_allowed_origins` takes them."""
        return self.allowed

    def allows(self, origin: str) -> bool:
        return self.allowed == "*" or origin in self.allowed

    def check(self, request: web.Request) -> None:
        """Refused (`forbidden_origin`) when a page of another site not listed sends it; a
        request without an `Origin` (not from a browser's page) passes."""
        origin = request.headers.get("Origin", "")
        if origin and not self.allows(origin):
            raise Refused("forbidden_origin", "This site may not send files to the chat.")

    def sign(self, request: web.Request, response: web.StreamResponse) -> None:
        """Let the page read the answer, if its site is allowed."""
        origin = request.headers.get("Origin", "")
        if origin and self.allows(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"

    async def preflight(self, request: web.Request) -> web.Response:
        """OPTIONS before a cross-site POST with `Authorization`."""
        response = web.Response(status=204)
        self.sign(request, response)
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response
