"""Tags on conversations (bot/tags.py, bot/console/tags.py): an agent adds and removes them on a
chat they may see, normalised, at most 10; every console following the chat is told; the
visitor's history and the search show them, and a search by tag finds only conversations that
have it, in the departments the agent may see."""

from __future__ import annotations

from typing import Any

from test_visitor_history import SECRET, agent, served_by, verified

from bot import tags


def ids(found: dict[str, Any]) -> list[str]:
    return [e["id"] for e in found["entries"]]


async def test_tags_are_normalised_bounded_told_and_searched_with_isolation(
        isolated, make_agent) -> None:
    url, redis_url = isolated(IDENTITY_SECRET=SECRET, AUTO_ASSIGN="true")
    general, _ = await agent(url, make_agent, redis_url, "general")
    billing, _ = await agent(url, make_agent, redis_url, "tickets_billing")
    first = await verified(url, "user-31")
    await first.ask("hello")
    await served_by(first, "general")
    cid = first.conversation_id
    await general.must("open", {"conversation_id": cid})

    added = await general.must("tag", {"conversation_id": cid, "tag": "  Refund  Request!"})
    assert added["tags"] == ["refund-request"]
    told = await general.seen.wait_for(
        "conversation", lambda e: e["conversation"]["tags"] == ["refund-request"])
    assert told["conversation"]["id"] == cid
    assert (await general.must("tag", {"conversation_id": cid, "tag": "refund_request"}))[
        "tags"] == ["refund-request"]  # the same tag: nothing changes
    for bad in ("", "!!!", "x" * 65, 7):
        refused = await general.call("tag", {"conversation_id": cid, "tag": bad})
        assert refused["error"]["code"] == "invalid_tag", (bad, refused)
    for n in range(tags.MAX_TAGS - 1):
        await general.must("tag", {"conversation_id": cid, "tag": f"t{n}"})
    full = await general.call("tag", {"conversation_id": cid, "tag": "one-too-many"})
    assert full["error"]["code"] == "too_many_tags"
    long = await general.must("tag", {"conversation_id": cid, "tag": "t0", "remove": True})
    assert "t0" not in long["tags"] and len(long["tags"]) == tags.MAX_TAGS - 1
    kept = await general.must("tag", {"conversation_id": cid, "tag": "Z" * 40})
    assert kept["tags"][-1] == "z" * tags.TAG_CHARS
    await general.must("tag", {"conversation_id": cid, "tag": "z" * 32, "remove": True})
    # Another department's agent may not tag (nor see) it.
    refused = await billing.call("tag", {"conversation_id": cid, "tag": "vip"})
    assert refused["error"]["code"] == "not_yours"

    await general.must("close", {"conversation_id": cid})
    found = await general.must("search", {"tag": "Refund Request"})
    assert ids(found) == [cid]
    assert found["entries"][0]["tags"][0] == "refund-request"
    assert ids(await general.must("search", {"text": "hello", "tag": "refund-request"})) == [cid]
    assert ids(await general.must("search", {"tag": "t0"})) == []  # taken off
    assert ids(await general.must("search", {"tag": "nosuchtag"})) == []
    assert ids(await billing.must("search", {"tag": "refund-request"})) == []  # isolation
    refused = await general.call("search", {})
    assert refused["error"]["code"] == "invalid_payload"

    # On a chat that already left people, a tag is findable at once; one taken off is not.
    await general.must("tag", {"conversation_id": cid, "tag": "late-tag"})
    assert ids(await general.must("search", {"tag": "late-tag"})) == [cid]
    await general.must("tag", {"conversation_id": cid, "tag": "refund-request", "remove": True})
    assert ids(await general.must("search", {"tag": "refund-request"})) == []

    second = await verified(url, "user-31")  # the history shows the earlier visit's tags
    await second.ask("hello again")
    await served_by(second, "general")
    listed = await general.must("visitor_history", {"conversation_id": second.conversation_id})
    assert ids(listed) == [cid] and "late-tag" in listed["entries"][0]["tags"]
    for each in (first, second, general, billing):
        await each.close()

