"""Attachments both ways and the transcript by email, against the real bridge, Redis, Rasa and a
real SMTP server (aiosmtpd). docs/security.md names these tests for its attachment lines."""

from __future__ import annotations

import asyncio
import socket
import stat
import struct
import subprocess
import sys
import zlib
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot import wording
from bot.config import Settings

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor, settled
from stack import ROOT, Stack, free_port
from waiting import eventually


def png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real, decodable PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


async def upload(base: str, credential: str, data: bytes | Any, name: str,
                 content_type: str = "application/octet-stream", agent: bool = False,
                 **fields: str) -> tuple[int, dict[str, Any]]:
    """POST a file as the widget (resume secret) or the console (agent token) does."""
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", data, filename=name, content_type=content_type)
    path = "/api/agent/attachments" if agent else "/api/attachments"
    async with aiohttp.ClientSession() as http, http.post(base + path, data=form,
                         headers={"Authorization": f"Bearer {credential}"}) as response:
        return response.status, await response.json()


async def fetch(url: str, source: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    """GET from the address `source` (any 127.x address reaches a bridge on loopback)."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with aiohttp.ClientSession(connector=connector) as http, http.get(url) as response:
        return response.status, dict(response.headers), await response.read()


async def slow_download(url: str, source: str) -> tuple[bytes, asyncio.StreamReader,
                                                        asyncio.StreamWriter]:
    """A GET from `source` that reads the answer's head and then nothing for now: with a tiny
    receive buffer, the bridge cannot finish sending a big file until the rest is read."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.bind((source, 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    writer.write(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                 "Connection: close\r\n\r\n".encode())
    return await reader.readuntil(b"\r\n\r\n"), reader, writer


async def _refused(url: str) -> tuple[int, dict[str, str], bytes] | None:
    """The answer to a download when it is a refusal (403), else None."""
    answer = await fetch(url)
    return answer if answer[0] == 403 else None


def files_of(stack: Stack, conversation_id: str) -> list[str]:
    folder = Settings.from_env(stack.env).attachment_dir / conversation_id
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


async def with_agent(stack: Stack, make_agent, visitor: Visitor,
                     department: str = "tickets_billing") -> AgentClient:
    agent = AgentClient(stack.bridge_url)
    await agent.connect(*make_agent(department))
    await visitor.ask("hello")
    await queue_visitor(visitor, department)
    await agent.must("claim", {"conversation_id": visitor.conversation_id})
    return agent


# --- both ways ------------------------------------------------------------------------------------


async def test_visitor_image_reaches_the_agent_served_as_an_image(stack, visitor, make_agent) -> None:
    agent = await with_agent(stack, make_agent, visitor)
    mark = len(agent.seen.events)
    image = png()
    status, body = await upload(stack.bridge_url, visitor.session_id, image, "payment error.png",
                                "image/png", message_id="up-1")
    assert status == 200 and body["ok"], body
    sent = body["message"]["file"]
    assert sent["name"] == "payment error.png" and sent["type"] == "image/png"
    assert sent["size"] == len(image) and sent["url"].startswith(stack.bridge_url + "/attachments/")
    live = await agent.seen.wait_for(
        "message", lambda m: m["message"].get("file", {}).get("id") == sent["id"], start=mark)
    assert live["message"]["sender"] == "visitor"
    status, headers, content = await fetch(live["message"]["file"]["url"])
    assert status == 200 and content == image
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Content-Disposition"].startswith("inline;")
    # only metadata went into the stored message; the bytes are outside Redis
    opened = await agent.must("open", {"conversation_id": visitor.conversation_id})
    stored = [m for m in opened["messages"] if m.get("file")]
    assert [m["file"]["id"] for m in stored] == [sent["id"]] and "url" in stored[0]["file"]
    assert files_of(stack, visitor.conversation_id) == sorted([sent["id"], sent["id"] + ".json"])
    folder = Settings.from_env(stack.env).attachment_dir / visitor.conversation_id
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    # a resend with the same message id stores nothing twice
    status, again = await upload(stack.bridge_url, visitor.session_id, image, "payment error.png",
                                 message_id="up-1")
    assert status == 200 and again["message"]["file"]["id"] == sent["id"]
    assert len(files_of(stack, visitor.conversation_id)) == 2
    await agent.close()


async def test_agent_pdf_reaches_the_visitor_as_a_download_link(stack, visitor, make_agent) -> None:
    agent = await with_agent(stack, make_agent, visitor)
    mark = len(visitor.seen.events)
    status, body = await upload(stack.bridge_url, agent.token, PDF, '../../etc/"tickets"<b>.pdf',
                                "application/pdf", agent=True,
                                conversation_id=visitor.conversation_id)
    assert status == 200, body
    got = await visitor.seen.wait_for("bot_uttered", lambda m: "file" in m, start=mark)
    link = got["file"]["url"]
    name = got["file"]["name"]
    assert name == "tickets_b_.pdf", name  # no path, no quotes, no markup
    # text-only clients (stock rasa-webchat) get a Markdown link named by the clean name
    assert got["text"] == f"[{name}]({link})"
    status, headers, content = await fetch(link)
    assert status == 200 and content == PDF
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}")
    await agent.close()


async def test_a_file_to_the_bot_is_kept_and_answered_honestly(stack, visitor) -> None:
    await visitor.ask("hello")
    mark = len(visitor.seen.events)
    status, body = await upload(stack.bridge_url, visitor.session_id, png(), "screenshot.png")
    assert status == 200, body
    said = await visitor.seen.wait_for("bot_uttered", lambda m: m["sender"] == "bot", start=mark)
    assert said["text"] == wording.FILE_TO_BOT
    assert [q["payload"] for q in said["quick_replies"]] == ["/human_handoff"]
    mark = len(visitor.seen.events)
    await visitor.sio.emit("history", {"session_id": visitor.session_id})
    history = await visitor.seen.wait_for("history", start=mark)
    kept = [m for m in history["messages"] if m.get("file")]
    assert len(kept) == 1 and kept[0]["sender"] == "visitor" and kept[0]["file"]["url"]


async def test_a_file_while_waiting_for_a_person_is_kept_for_them(stack, redis) -> None:
    """While the chat waits in the queue, a file is kept for the person (no bot answer)."""
    visitor = Visitor(stack.bridge_url)
    await visitor.connect()
    await visitor.ask("hello")
    await queue_visitor(visitor, "general")
    mark = len(visitor.seen.events)
    status, body = await upload(stack.bridge_url, visitor.session_id, png(), "while waiting.png")
    assert status == 200 and body["message"]["file"]["name"] == "while waiting.png"
    await visitor.sio.emit("history", {"session_id": visitor.session_id})
    history = await visitor.seen.wait_for("history", start=mark)
    assert [m["file"]["name"] for m in history["messages"] if m.get("file")] == ["while waiting.png"]
    await settled(visitor, redis)  # any answer is in (queue news may come: not the bot)
    assert not [e for e in visitor.seen.events[mark:]
                if e[0] == "bot_uttered" and e[1]["sender"] == "bot"]
    await visitor.close()


# --- refusals (docs/security.md) -----------------------------------------------------------------


@pytest.mark.parametrize("data,name,declared", [
    (HTML, "receipt.png", "image/png"),
    (SVG, "logo.svg", "image/svg+xml"),
    (SVG, "logo.png", "image/png"),
    (b"PK\x03\x04zipzipzip", "invoice.pdf", "application/pdf"),
    (b"<html>" + PDF, "mixed.pdf", "application/pdf"),
])
async def test_a_file_whose_bytes_are_not_an_allowed_type_is_refused(stack, visitor, data, name,
                                                                      declared) -> None:
    await visitor.ask("hello")
    status, body = await upload(stack.bridge_url, visitor.session_id, data, name, declared)
    assert status == 415 and body["error"]["code"] == "file_type", body
    assert "PNG, JPEG, GIF, WebP, PDF" in body["error"]["message"]
    assert files_of(stack, visitor.conversation_id) == []


async def test_an_oversized_upload_gets_a_clear_error_and_nothing_is_stored(stack, visitor) -> None:
    await visitor.ask("hello")
    big = png() + b"\0" * (5 * 1024 * 1024)
    status, body = await upload(stack.bridge_url, visitor.session_id, big, "huge.png", "image/png")
    assert status == 413 and body["error"]["code"] == "file_too_large", body
    assert "at most 5.0 MB" in body["error"]["message"]

    async def chunks():  # no Content-Length: the body is bounded while it is read
        yield png()
        for _ in range(6):
            yield b"\0" * (1024 * 1024)

    status, body = await upload(stack.bridge_url, visitor.session_id, chunks(), "stream.png")
    assert status == 413 and body["error"]["code"] == "file_too_large", body
    assert files_of(stack, visitor.conversation_id) == []


async def test_another_visitor_or_a_forged_link_cannot_fetch_the_file(stack, visitor, make_agent) -> None:
    await visitor.ask("hello")
    status, body = await upload(stack.bridge_url, visitor.session_id, png(), "mine.png")
    link = body["message"]["file"]["url"]
    file_id = body["message"]["file"]["id"]
    other = Visitor(stack.bridge_url)
    await other.connect()
    await other.ask("hello")
    status, theirs = await upload(stack.bridge_url, other.session_id, png(), "theirs.png")
    their_link = theirs["message"]["file"]["url"]
    # one file's link opens no other file; no link, a forged or a tampered one opens nothing
    token = their_link.split("?t=")[1]
    for url in (f"{stack.bridge_url}/attachments/{file_id}?t={token}",
                f"{stack.bridge_url}/attachments/{file_id}",
                f"{stack.bridge_url}/attachments/{file_id}?t=x" + token[1:],
                link.replace(file_id, "A" * len(file_id))):
        status, _, content = await fetch(url)
        assert status == 403 and b"\x89PNG" not in content, (url, status)
    # the conversation id (what staff see) is no credential; nor a made-up secret
    for credential in (visitor.conversation_id, "x" * 32, ""):
        status, refused = await upload(stack.bridge_url, credential, png(), "x.png")
        assert status == 401 and refused["error"]["code"] == "unknown_session"
    # another department's agent is refused the chat, so never gets its links, and may not send
    insider, outsider = AgentClient(stack.bridge_url), AgentClient(stack.bridge_url)
    await insider.connect(*make_agent("tickets_billing"))  # so the chat waits there
    await outsider.connect(*make_agent("website_technical"))
    assert await queue_visitor(visitor, "tickets_billing") == "tickets_billing"
    refused = await outsider.call("open", {"conversation_id": visitor.conversation_id})
    assert refused["error"]["code"] == "not_yours"
    status, refused = await upload(stack.bridge_url, outsider.token, PDF, "x.pdf", agent=True,
                                   conversation_id=visitor.conversation_id)
    assert status == 403 and refused["error"]["code"] in ("not_assigned", "not_yours"), refused
    status, refused = await upload(stack.bridge_url, "not-a-token", PDF, "x.pdf", agent=True,
                                   conversation_id=visitor.conversation_id)
    assert status == 401, refused
    await other.close()
    await outsider.close()
    await insider.close()


async def test_an_expired_link_is_refused_and_files_end_with_their_conversation(isolated,
                                                                                tmp_path) -> None:
    url, _ = isolated(ATTACHMENT_URL_TTL="2", RETENTION_DAYS="0.0001",  # 8.6 s
                      ATTACHMENT_SWEEP_EVERY="1", ATTACHMENT_RATE="2")
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello")
    status, body = await upload(url, visitor.session_id, png(), "a.png")
    assert status == 200, body
    link = body["message"]["file"]["url"]
    assert (await fetch(link))[0] == 200
    status, _ = await upload(url, visitor.session_id, PDF, "b.pdf")
    assert status == 200
    status, limited = await upload(url, visitor.session_id, PDF, "c.pdf")  # ATTACHMENT_RATE
    assert status == 429 and limited["error"]["code"] == "rate_limited", limited
    # links count whole seconds: a 2 s link may live up to 3 s
    refused = await eventually(lambda: _refused(link), timeout=10, what="the link expired")
    assert refused is not None and b"expired" in refused[2]
    # a fresh link (history) works until the conversation expires; then the files are gone
    mark = len(visitor.seen.events)
    await visitor.sio.emit("history", {"session_id": visitor.session_id})
    history = await visitor.seen.wait_for("history", start=mark)
    fresh = next(m for m in history["messages"] if m.get("file"))["file"]["url"]
    assert (await fetch(fresh))[0] == 200
    [folder] = tmp_path.glob("attachments-*/*")  # the isolated bridge's own ATTACHMENT_DIR
    assert folder.name == visitor.conversation_id and len(list(folder.iterdir())) == 4
    await visitor.close()
    # RETENTION_DAYS after the last activity, then the next sweep
    await eventually(lambda: not folder.exists(), timeout=30, interval=0.2,
                     what="the files end with their conversation")
    assert (await fetch(fresh))[0] in (403, 404)


async def test_erasure_deletes_the_files(stack, visitor) -> None:
    await visitor.ask("hello")
    status, body = await upload(stack.bridge_url, visitor.session_id, png(), "erase-me.png")
    assert status == 200 and files_of(stack, visitor.conversation_id)
    subprocess.run([sys.executable, "-m", "bot", "data", "erase", "--yes", "--conversation",
                    visitor.conversation_id], cwd=ROOT, env=stack.env, check=True,
                   capture_output=True)
    assert files_of(stack, visitor.conversation_id) == []
    status, _, _ = await fetch(body["message"]["file"]["url"])
    assert status == 404


async def test_downloads_are_bounded_per_address_and_in_all(isolated) -> None:
    """Many readers of a big file: a few at a time per address (429), a bound in all (503); the
    ones under way complete, whole, and a slot is free again once one is done."""
    size = 16 * 1024 * 1024
    url, _ = isolated(ATTACHMENT_DOWNLOADS_PER_ADDRESS="2", ATTACHMENT_DOWNLOADS="3",
                      ATTACHMENT_MAX_BYTES=str(size))
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello")
    big = PDF + bytes(range(256)) * ((size - len(PDF)) // 256)
    status, body = await upload(url, visitor.session_id, big, "programme.pdf", "application/pdf")
    assert status == 200, body
    link = body["message"]["file"]["url"]
    held = [await slow_download(link, source)
            for source in ("127.0.0.1", "127.0.0.1", "127.0.0.2")]
    for head, _, _ in held:
        assert head.startswith(b"HTTP/1.1 200"), head
        assert f"Content-Length: {len(big)}\r\n".encode() in head
        for header in (b"X-Content-Type-Options: nosniff", b"Cache-Control: private",
                       b"Content-Disposition: attachment;", b"Content-Type: application/pdf",
                       b"Referrer-Policy: strict-origin-when-cross-origin"):
            assert header in head, (header, head)
    status, _, content = await fetch(link)  # a third from 127.0.0.1
    assert status == 429 and b'"rate_limited"' in content, (status, content[:200])
    status, _, content = await fetch(link, "127.0.0.2")  # its first, but all three are taken
    assert status == 503 and b'"unavailable"' in content, (status, content[:200])
    for _, reader, writer in held:
        assert await reader.read() == big
        writer.close()
    status, _, content = await fetch(link)
    assert status == 200 and content == big
    await visitor.close()


# --- transcript by email ---------------------------------------------------------------------------


async def test_transcript_by_email_arrives_as_plain_text(isolated, make_agent, smtp) -> None:
    smtp_port, inbox = smtp
    url, _redis_url = isolated(SMTP_PORT=str(smtp_port), SMTP_FROM="box@lantern.example",
                              TRANSCRIPT_EMAILS="2")
    visitor = Visitor(url)
    await visitor.connect()
    reply = await visitor.ask("what are your opening hours?")
    await upload(url, visitor.session_id, png(), "seat.png")
    mark = len(visitor.seen.events)
    await visitor.sio.emit("email_transcript", {"email": "not an address"})
    assert (await visitor.seen.wait_for("chat_error", start=mark))["code"] == "invalid_email"
    mark = len(visitor.seen.events)
    await visitor.sio.emit("email_transcript", {"email": "kim@example.org"})
    sent = await visitor.seen.wait_for("transcript_sent", start=mark)
    assert sent == {"email": "kim@example.org"}
    assert len(inbox.messages) == 1
    recipients, mail = inbox.messages[0]
    assert recipients == ["kim@example.org"]
    assert mail["Date"] and mail["Message-ID"] and mail["From"] == "box@lantern.example"
    assert mail.get_content_type() == "text/plain" and not mail.is_multipart()
    body = mail.get_payload(decode=True).decode()
    assert "You: what are your opening hours?" in body
    assert f"Assistant: {reply['text'][:40]}" in body
    assert "seat.png (image" in body and "<html" not in body.lower()
    mark = len(visitor.seen.events)
    await visitor.sio.emit("email_transcript", {"email": "kim@example.org"})
    await visitor.seen.wait_for("transcript_sent", start=mark)
    tab = Visitor(url)  # another tab of the same chat: the limit is the conversation's
    await tab.connect(visitor.session_id)
    await tab.sio.emit("email_transcript", {"email": "kim@example.org"})
    error = await tab.seen.wait_for("chat_error")
    assert error["code"] == "transcript_limit" and error["event"] == "email_transcript"
    assert len(inbox.messages) == 2
    await visitor.close()
    await tab.close()


async def transcript_asked(visitor: Visitor, email: str) -> tuple[str, Any]:
    """Ask for the transcript; returns ("sent", answer) or ("error", the chat_error)."""
    mark = len(visitor.seen.events)
    await visitor.sio.emit("email_transcript", {"email": email})
    sent = asyncio.ensure_future(visitor.seen.wait_for("transcript_sent", start=mark))
    refused = asyncio.ensure_future(visitor.seen.wait_for(
        "chat_error", lambda e: e.get("event") == "email_transcript", start=mark))
    done, pending = await asyncio.wait({sent, refused}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return ("sent", sent.result()) if sent in done else ("error", refused.result())


async def test_transcript_mail_is_no_relay(stack: Stack, isolated, smtp, tmp_path) -> None:
    smtp_port, inbox = smtp
    caps = {"TRANSCRIPT_EMAILS": "5", "TRANSCRIPT_EMAILS_PER_RECIPIENT": "2",
            "TRANSCRIPT_EMAILS_PER_ADDRESS": "3", "TRANSCRIPT_EMAILS_PER_HOUR": "50"}
    url, redis_url = isolated(SMTP_PORT=str(smtp_port), SMTP_FROM="box@lantern.example", **caps)
    port = str(free_port())  # a second bridge on the same Redis: the caps are shared
    other = stack.start_bridge(FRONTDESK_PORT=port, REDIS_URL=redis_url, SMTP_PORT=str(smtp_port),
                               SMTP_FROM="box@lantern.example",
                               ATTACHMENT_DIR=str(tmp_path / "other"), **caps)
    try:
        # A page view, with nothing said, sends nothing.
        silent = Visitor(url)
        await silent.connect()
        kind, answer = await transcript_asked(silent, "stranger@example.net")
        assert (kind, answer["code"]) == ("error", "no_exchange"), answer
        # One stranger's address: at most TRANSCRIPT_EMAILS_PER_RECIPIENT a day, whichever
        # bridge and conversation asks.
        visitors = [Visitor(url), Visitor(f"http://127.0.0.1:{port}"), Visitor(url)]
        for visitor in visitors:
            await visitor.connect()
            await visitor.ask("hello")
        assert (await transcript_asked(visitors[0], "stranger@example.net"))[0] == "sent"
        assert (await transcript_asked(visitors[1], "Stranger@Example.net"))[0] == "sent"
        kind, answer = await transcript_asked(visitors[2], "stranger@example.net")
        assert (kind, answer["code"]) == ("error", "transcript_limit") and "day" in answer["message"]
        # One network address: at most TRANSCRIPT_EMAILS_PER_ADDRESS an hour (refusals not counted).
        assert (await transcript_asked(visitors[2], "someone@example.net"))[0] == "sent"
        kind, answer = await transcript_asked(visitors[1], "another@example.net")
        assert (kind, answer["code"]) == ("error", "transcript_limit") and "network" in answer["message"]
        assert len(inbox.messages) == 3
        assert [r for r, _ in inbox.messages].count(["stranger@example.net"]) + \
            [r for r, _ in inbox.messages].count(["Stranger@Example.net"]) == 2
        await asyncio.gather(silent.close(), *(v.close() for v in visitors))
    finally:
        other.stop()


async def test_transcript_goes_to_the_address_left_and_the_site_has_a_cap(isolated, smtp) -> None:
    smtp_port, inbox = smtp
    url, _ = isolated(SMTP_PORT=str(smtp_port), SMTP_FROM="box@lantern.example",
                      TRANSCRIPT_EMAILS_PER_ADDRESS="100", TRANSCRIPT_EMAILS_PER_HOUR="2")
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello")
    await visitor.sio.emit("leave_message", {"name": "Kim", "email": "kim@example.org",
                                             "text": "Please call me back."})
    await visitor.seen.wait_for("message_left")
    kind, answer = await transcript_asked(visitor, "stranger@example.net")
    assert (kind, answer) == ("sent", {"email": "kim@example.org"})
    assert inbox.messages[-1][0] == ["kim@example.org"]
    other = Visitor(url)
    await other.connect()
    await other.ask("hello")
    assert (await transcript_asked(other, "one@example.net"))[0] == "sent"
    kind, answer = await transcript_asked(other, "two@example.net")  # the site's hourly cap
    assert (kind, answer["code"]) == ("error", "transcript_limit") and "too many" in answer["message"]
    assert len(inbox.messages) == 2
    await visitor.close()
    await other.close()


async def test_a_long_transcript_is_cut_to_its_latest_part_with_a_note(stack: Stack, isolated,
                                                                       smtp) -> None:
    from bot.models import Message, Sender
    from bot.store.redis import RedisStore

    smtp_port, inbox = smtp
    url, redis_url = isolated(SMTP_PORT=str(smtp_port), SMTP_FROM="box@lantern.example",
                              TRANSCRIPT_MAX_CHARS="20000")
    visitor = Visitor(url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    store = RedisStore(redis_url)
    try:
        for start in range(0, 2000, 500):  # 2,000 lines of 500 characters: 1 MB
            await asyncio.gather(*(store.append(cid, Message(Sender.SYSTEM, f"line {i} " + "x" * 490))
                                   for i in range(start, start + 500)))
    finally:
        await store.close()
    await visitor.ask("thanks")
    assert (await transcript_asked(visitor, "kim@example.org"))[0] == "sent"
    body = inbox.messages[-1][1].get_payload(decode=True).decode()
    assert len(body) < 25_000 and wording.TRANSCRIPT_CUT in body
    assert "line 1999 " in body and "You: thanks" in body
    assert "line 0 " not in body and "You: hello" not in body
    await visitor.close()


async def test_transcript_with_the_mail_server_down_is_said_clearly(isolated) -> None:
    url, _ = isolated(SMTP_PORT=str(free_port()), TRANSCRIPT_EMAILS="1")  # nothing listens
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello")
    for _ in range(2):  # a failed attempt does not use up the allowance
        mark = len(visitor.seen.events)
        await visitor.sio.emit("email_transcript", {"email": "kim@example.org"})
        error = await visitor.seen.wait_for("chat_error", start=mark)
        assert error["code"] == "email_failed", error
        assert "could not be reached" in error["message"] and "try again later" in error["message"]
    await visitor.close()
