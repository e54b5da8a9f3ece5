"""Who answers a conversation now: the bot, a queue, or a person. Start with machine.py.

A conversation starts owned by the BOT. When the assistant hands over (or Rasa cannot answer),
it goes to TRIAGE if nobody knows the department yet (the visitor picks one with a click), then
to that department's QUEUE. An AGENT claims it from the queue, by hand or by auto-assignment; the
agent may transfer it to a colleague (AGENT) or a department (QUEUE), hand it back to the BOT, or
close it. If the agent's connection is gone for longer than the grace period the conversation
goes back to the front of its queue. A CLOSED conversation reopens with the bot when the visitor
writes again.

- machine.py: the owners and every move between them, as one table, with the invariants;
- responder.py: who answers a visitor's message now;
- access.py: which agent may see or act on which conversation, department or ticket;
- core.py and facade.py: `Handoff`, the moves made against the store, and told;
- routing.py, notices.py, tickets.py: where a chat waits, what people are told, left messages.
"""

from .facade import Handoff
from .machine import TRANSITIONS, IllegalMove, sources
from .request import REASONS, HandoffRequest
from .responder import WITH_PEOPLE

__all__ = [
           "REASONS",
           "TRANSITIONS",
           "WITH_PEOPLE",
           "Handoff",
           "HandoffRequest",
           "IllegalMove",
           "sources",
]
