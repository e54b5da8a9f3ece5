"""The agent side of the bridge: HTTP login and the `/agent` Socket.IO namespace.

`namespace.py` is the transport (sign-in, rooms, rates, dispatch); each desk holds the events of
one concept: `chats.py` what an agent sees, `moves.py` what an agent does to a conversation,
`canned.py` canned responses, `tickets.py` left messages,
`people.py` supervisors' managing of agents. `routes.py` holds the HTTP routes.
"""

from .namespace import DESKS, AgentNamespace
from .routes import insights_route, login_route, logout_route

__all__ = ["DESKS", "AgentNamespace", "insights_route", "login_route", "logout_route"]
