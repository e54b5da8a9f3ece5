"""Tickets page size against transcript length (issue #25 item 6): a ticket refers to its
conversation, so a supervisor's `tickets` page should weigh the same whether the chat had 10 or
5,000 messages. Redis and the bridge only (no Rasa: leaving a message does not ask it).

For each length a visitor starts a conversation through the bridge, its visitor messages are
written straight into the store (as tests/test_paging.py does), and the visitor leaves a message
(a ticket). The previous length's ticket is erased first, so the page holds exactly one ticket.
A supervisor (made with `python -m bot agents add`) fetches the `tickets` page --fetches times
over Socket.IO (AGENT_RATE is raised for that), then the ticket's first `ticket_transcript`
page. Sizes are of the json-encoded
acknowledgements; for scale, the whole transcript's size is printed too (what a ticket that
copied it would carry).

    .venv/bin/python bench/tickets.py --lengths 10,100,1000,5000 [--plot docs/img/tickets.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid

from bot.models import Message, Sender
from bot.store.redis import RedisStore

import common
from clients import AgentClient, Visitor
from stack import Stack

BATCH = 500  # appends in flight at once
TEXT = "message {i}: could you tell me whether the matinee on Saturday has step-free seats?"


def make_supervisor(stack: Stack) -> tuple[str, str]:
    """A supervisor through the real command line, as tests/conftest.py make_agent does."""
    name, password = f"bench-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    subprocess.run([sys.executable, "-m", "bot", "agents", "add", name, "--department", "general",
                    "--role", "supervisor", "--display-name", name, "--password-stdin"],
                   cwd=common.ROOT, env=stack.env, check=True, capture_output=True,
                   input=password + "\n", text=True)
    return name, password


def size(value: object) -> int:
    return len(json.dumps(value).encode())


async def conversation_with_ticket(url: str, store: RedisStore, length: int) -> tuple[str, str]:
    """A conversation of `length` visitor messages with a message left in it: (cid, ticket id)."""
    visitor = Visitor(url)
    cid = await visitor.connect()
    for start in range(0, length, BATCH):
        await asyncio.gather(*(store.append(cid, Message(Sender.VISITOR, TEXT.format(i=i)))
                               for i in range(start, min(length, start + BATCH))))
    await visitor.sio.emit("leave_message", {"name": "Kim", "email": "kim@example.org",
                                             "text": "Please read all of it and call me back."})
    left = await visitor.seen.wait_for("message_left", timeout=30)
    await visitor.close()
    return cid, left["ticket_id"]


async def measure(url: str, redis_url: str, boss: AgentClient, length: int, fetches: int,
                  previous: str) -> tuple[dict, str]:
    """One length: its figures, and its ticket's id (erased before the next length)."""
    store = RedisStore(redis_url)
    try:
        if previous:
            await store.erase_ticket(previous, "general")
        started = time.perf_counter()
        cid, ticket_id = await conversation_with_ticket(url, store, length)
        built = time.perf_counter() - started
        stored = await store.all_messages(cid)
    finally:
        await store.close()
    times = []
    for _ in range(fetches):
        started = time.perf_counter()
        page = await boss.must("tickets", {})
        times.append((time.perf_counter() - started) * 1000)
    ticket = next(t for t in page["tickets"] if t["id"] == ticket_id)
    assert len(page["tickets"]) == 1, [t["id"] for t in page["tickets"]]
    started = time.perf_counter()
    first = await boss.must("ticket_transcript", {"ticket_id": ticket_id})
    transcript_ms = (time.perf_counter() - started) * 1000
    row = {"length": length, "stored_messages": len(stored),
           "whole_transcript_bytes": size([m.to_dict() for m in stored]),
           "page_bytes": size(page), "ticket_bytes": size(ticket),
           "summary_lines": len(ticket["transcript"]), "transcript_more": ticket["transcript_more"],
           "page_ms_p50": round(common.percentile(times, 50), 2),
           "page_ms_p99": round(common.percentile(times, 99), 2),
           "transcript_page_bytes": size(first), "transcript_page_lines": len(first["messages"]),
           "transcript_page_ms": round(transcript_ms, 2), "build_s": round(built, 1)}
    print(json.dumps(row), flush=True)
    return row, ticket_id


async def run(stack: Stack, lengths: list[int], fetches: int) -> list[dict]:
    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_supervisor(stack))
    rows, previous = [], ""
    try:
        for length in lengths:
            row, previous = await measure(stack.bridge_url, stack.redis_url, boss, length,
                                          fetches, previous)
            rows.append(row)
    finally:
        await boss.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="10,100,1000,5000",
                        help="visitor messages per conversation, comma separated")
    parser.add_argument("--fetches", type=int, default=50, help="tickets pages timed per length")
    parser.add_argument("--plot", help="write an SVG of page bytes against transcript length here")
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    if any(n < 1 or n > 100_000 for n in lengths) or not 1 <= args.fetches <= 1000:
        parser.error("lengths must be 1..100000 and fetches 1..1000")
    print(f"# tickets page against transcript length on {common.machine()}, "
          f"commit {common.git_head()}", flush=True)
    stack = common.new_stack(RASA_URL="http://127.0.0.1:9", AGENT_RATE="1000000")  # timed fetches
    try:
        stack.start_redis()
        stack.start_bridge()
        rows = asyncio.run(run(stack, lengths, args.fetches))
    finally:
        stack.stop_all()
    print(f"{'messages':>8} {'page bytes':>10} {'ticket bytes':>12} {'page p50 ms':>11} "
          f"{'first transcript page bytes':>27} {'whole transcript bytes':>22}")
    for r in rows:
        print(f"{r['length']:>8} {r['page_bytes']:>10} {r['ticket_bytes']:>12} "
              f"{r['page_ms_p50']:>11} {r['transcript_page_bytes']:>27} "
              f"{r['whole_transcript_bytes']:>22}")
    if args.plot:
        import plot

        plot.lines(args.plot, "Tickets page against transcript length",
                   "visitor messages in the conversation", "bytes (json)",
                   {"tickets page (one ticket)": [(r["length"], r["page_bytes"]) for r in rows],
                    "first ticket_transcript page": [(r["length"], r["transcript_page_bytes"])
                                                     for r in rows],
                    "whole transcript (what a copy carried)":
                        [(r["length"], r["whole_transcript_bytes"]) for r in rows]}, logy=True)


if __name__ == "__main__":
    main()
