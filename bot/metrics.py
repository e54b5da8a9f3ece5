"""Prometheus metrics for `/metrics` (one set per bridge process; scrape each)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry()

CONVERSATIONS = Counter("frontdesk_conversations", "Conversations started", registry=REGISTRY)
HANDOFFS = Counter(
    "frontdesk_handoffs", "Conversations handed to people", ["reason"], registry=REGISTRY
)
BOT_REPLIES = Counter("frontdesk_bot_replies", "Messages answered by the bot", registry=REGISTRY)
VISITOR_MESSAGES = Counter(
    "frontdesk_visitor_messages", "Messages received from visitors", registry=REGISTRY
)
QUEUE_WAIT = Histogram(
    "frontdesk_queue_wait_seconds", "Time from queueing to pick-up",
    buckets=(5, 15, 30, 60, 120, 300, 600, 1800), registry=REGISTRY,
)
FIRST_RESPONSE = Histogram(
    "frontdesk_first_response_seconds", "Time from queueing to an agent's first reply",
    buckets=(5, 15, 30, 60, 120, 300, 600, 1800), registry=REGISTRY,
)
CONNECTIONS = Gauge(
    "frontdesk_active_connections", "Open Socket.IO connections", ["side"], registry=REGISTRY
)
RASA_LATENCY = Histogram(
    "frontdesk_rasa_latency_seconds", "Rasa HTTP round trip",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY,
)
RASA_ERRORS = Counter("frontdesk_rasa_errors", "Rasa unreachable or failing", registry=REGISTRY)
ABANDONED = Counter("frontdesk_abandoned", "Queued chats closed because the visitor left", registry=REGISTRY)
QUEUED = Gauge("frontdesk_queued", "Conversations waiting", ["department"], registry=REGISTRY)
PASSWORD_CHECKS = Counter(
    "frontdesk_password_checks", "argon2 password verifications (logins)", registry=REGISTRY
)
PASSWORD_CHECKS_REFUSED = Counter(
    "frontdesk_password_checks_refused", "Logins refused as busy: too many checks queued",
    registry=REGISTRY,
)


def render() -> bytes:
    return generate_latest(REGISTRY)


def buckets(histogram: Histogram) -> list[dict[str, float | int | None]]:
    """A histogram of this process as JSON: `[{le, count}]`, each bucket's own count (not the
    running total Prometheus keeps), `le` None for the last one (+Inf)."""
    running = [
        (float(sample.labels["le"]), sample.value)
        for metric in histogram.collect() for sample in metric.samples
        if sample.name.endswith("_bucket")
    ]
    counts: list[dict[str, float | int | None]] = []
    previous = 0.0
    for le, total in sorted(running):
        counts.append({"le": None if le == float("inf") else le, "count": int(total - previous)})
        previous = total
    return counts
