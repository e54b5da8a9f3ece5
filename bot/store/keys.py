"""Every Redis key name Frontdesk uses, in one place (all under `fd:`, except Rasa's own)."""

from __future__ import annotations

import hashlib

PREFIX = "fd:"
AGENTS = f"{PREFIX}agents"  # set of agent names
AGENTS_VERSION = f"{PREFIX}agents_version"  # a new random value whenever an agent changes
PRESENCE = f"{PREFIX}presence"  # hash: agent name -> presence
TICKETS = f"{PREFIX}tickets"  # sorted set of every kept ticket id by creation time
SOCKETIO_CHANNEL = f"{PREFIX}socketio"  # python-socketio's pub/sub channel between bridges


def conv(conversation_id: str) -> str:
    """The conversation's hash (owner, agent, department, times...)."""
    return f"{PREFIX}conv:{conversation_id}"


def msgs(conversation_id: str) -> str:
    """The transcript: a stream, ids assigned by Redis."""
    return f"{PREFIX}msgs:{conversation_id}"


def pending(conversation_id: str) -> str:
    """Visitor message ids waiting for the bot's answer, oldest first."""
    return f"{PREFIX}pending:{conversation_id}"


def turn(conversation_id: str) -> str:
    """The lease of the one bridge answering the conversation now."""
    return f"{PREFIX}turn:{conversation_id}"


def resume(secret: str) -> str:
    """Where a visitor's resume secret leads: only its hash is kept."""
    return f"{PREFIX}resume:{hashlib.sha256(secret.encode()).hexdigest()}"


def queue(department: str) -> str:
    """A department's waiting conversations, scored by queue time."""
    return f"{PREFIX}queue:{department}"


def agent(name: str) -> str:
    return f"{PREFIX}agent:{name}"


def agent_chats(name: str) -> str:
    """The conversations an agent owns now."""
    return f"{PREFIX}agent_chats:{name}"


def alive(name: str) -> str:
    """Present (with a TTL) while the agent has a live connection on some bridge."""
    return f"{PREFIX}alive:{name}"


def staff(session: str) -> str:
    """A staff sign-in session: the agent's name, with a TTL."""
    return f"{PREFIX}staff:{session}"


def staff_of(name: str) -> str:
    """The sign-in sessions of one agent."""
    return f"{PREFIX}staff_of:{name}"


def ticket(ticket_id: str) -> str:
    return f"{PREFIX}ticket:{ticket_id}"


def ticket_replies(ticket_id: str) -> str:
    """A ticket's answers, in a list of their own so that concurrent answers all count."""
    return f"{PREFIX}ticket_replies:{ticket_id}"


def department_tickets(department: str) -> str:
    return f"{PREFIX}tickets:{department}"


def canned(department: str) -> str:
    return f"{PREFIX}canned:{department}"


def stats(date: str) -> str:
    """One day's tallies (YYYY-MM-DD, UTC)."""
    return f"{PREFIX}stats:{date}"


def samples(name: str) -> str:
    return f"{PREFIX}samples:{name}"


def limit(key: str) -> str:
    return f"{PREFIX}limit:{key}"


def lease(name: str) -> str:
    return f"{PREFIX}lease:{name}"


def once(key: str) -> str:
    return f"{PREFIX}once:{key}"


def rasa_tracker(conversation_id: str) -> str:
    """Rasa's tracker store key (endpoints.yml): erased with the conversation."""
    return f"rasa:tracker:{conversation_id}"


def rasa_lock(conversation_id: str) -> str:
    return f"rasa:lock:{conversation_id}"
