"""Steps that several handoff tests share."""

from __future__ import annotations

from clients import Visitor


async def queue_visitor(visitor: Visitor, department: str = "tickets_billing") -> None:
    """Ask for a person and, if asked which department, pick `department`."""
    mark = await visitor.say("/human_handoff", message_id=f"h-{visitor.session_id[:8]}")
    first = await visitor.seen.wait_for(
        "bot_uttered", lambda m: "handoff" in m.get("custom", {}), start=mark
    )
    if first["custom"]["handoff"]["department"]:
        return
    await visitor.seen.wait_for("bot_uttered", lambda m: "quick_replies" in m, start=mark)
    await visitor.say(f"/department {department}")


def texts(visitor: Visitor, start: int = 0) -> list[str]:
    return [e[1]["text"] for e in visitor.seen.events[start:] if e[0] == "bot_uttered"]
