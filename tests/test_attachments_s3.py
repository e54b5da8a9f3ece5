"""Attachments in an S3-compatible bucket (ATTACHMENT_S3_BUCKET): the same bridge code, the bytes
in a real S3 API over HTTP (moto's server, S3-compatible like MinIO), nothing on local disk, and
gone with erasure and expiry; and a bucket that never answers (a TCP server that reads and stays
silent) holds up neither logins nor clients for long."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import aiohttp
import boto3
import pytest
from moto.server import ThreadedMotoServer
from test_attachments import PDF, fetch, png, upload

from clients import Visitor, login
from stack import ROOT, Stack, free_port
from waiting import eventually

AWS = {"AWS_ACCESS_KEY_ID": "frontdesk-test", "AWS_SECRET_ACCESS_KEY": "frontdesk-test",
       "AWS_DEFAULT_REGION": "eu-west-1"}


@pytest.fixture(scope="module")
def s3() -> Iterator[tuple[str, object]]:
    """An S3-compatible server on loopback with an empty private bucket; returns the endpoint
    and a client for looking into it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=AWS["AWS_DEFAULT_REGION"],
                          aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket="chat-files",
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield endpoint, client
    server.stop()


def keys(client, prefix: str = "") -> list[str]:
    listed = client.list_objects_v2(Bucket="chat-files", Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents") or [])


async def test_files_live_in_the_bucket_and_go_with_the_conversation(
    isolated, stack: Stack, s3, tmp_path
) -> None:
    endpoint, client = s3
    url, redis_url = isolated(ATTACHMENT_S3_BUCKET="chat-files", ATTACHMENT_S3_ENDPOINT=endpoint,
                              ATTACHMENT_S3_PREFIX="shop-a", **AWS)
    visitor = Visitor(url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    image = png()
    status, body = await upload(url, visitor.session_id, image, "broken checkout.png", "image/png")
    assert status == 200 and body["ok"], body
    sent = body["message"]["file"]
    assert keys(client, f"shop-a/{cid}/") == sorted([f"shop-a/{cid}/{sent['id']}",
                                                      f"shop-a/{cid}/{sent['id']}.json"])
    stored = client.get_object(Bucket="chat-files", Key=f"shop-a/{cid}/{sent['id']}")
    assert stored["Body"].read() == image  # the bytes as sent, served only by the bridge
    status, headers, content = await fetch(sent["url"])
    assert status == 200 and content == image and headers["Content-Type"] == "image/png"
    # a refused file leaves nothing in the bucket; nothing is written to the local folder
    status, _ = await upload(url, visitor.session_id, b"<html>", "x.png", "image/png")
    assert status == 415 and len(keys(client, f"shop-a/{cid}/")) == 2
    assert not list(tmp_path.glob("attachments-*/*"))  # the bridge's own ATTACHMENT_DIR: empty
    # erasure empties the conversation's objects; the link then finds nothing
    env = {**stack.env, "REDIS_URL": redis_url, "ATTACHMENT_S3_BUCKET": "chat-files",
           "ATTACHMENT_S3_ENDPOINT": endpoint, "ATTACHMENT_S3_PREFIX": "shop-a", **AWS}
    subprocess.run([sys.executable, "-m", "bot", "data", "erase", "--yes", "--conversation", cid],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    assert keys(client, f"shop-a/{cid}/") == []
    assert (await fetch(sent["url"]))[0] == 404
    await visitor.close()


async def test_the_sweeper_deletes_objects_of_expired_conversations(isolated, s3) -> None:
    endpoint, client = s3
    url, _ = isolated(ATTACHMENT_S3_BUCKET="chat-files", ATTACHMENT_S3_ENDPOINT=endpoint,
                      ATTACHMENT_S3_PREFIX="shop-b/", RETENTION_DAYS="0.00005",  # 4.3 s
                      ATTACHMENT_SWEEP_EVERY="1", **AWS)
    visitor = Visitor(url)
    cid = await visitor.connect()
    await visitor.ask("hello")
    status, _body = await upload(url, visitor.session_id, PDF, "invoice.pdf", "application/pdf")
    assert status == 200 and keys(client, f"shop-b/{cid}/")
    await visitor.close()
    await eventually(lambda: not keys(client, f"shop-b/{cid}/"), timeout=30, interval=0.2,
                     what="the objects end with their conversation")


# --- a bucket that never answers (docs/security.md) ----------------------------------------------


class Silent:
    """An "S3 endpoint" that accepts connections, reads what is sent and never answers."""

    def __init__(self) -> None:
        self.connections: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self.hold, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.append(writer)
        while await reader.read(65536):
            pass

    async def holding(self, count: int) -> None:
        """Until `count` connections (calls in the bridge's threads) are held."""
        for _ in range(600):
            if len(self.connections) >= count:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{len(self.connections)} connections, not {count}")

    def release(self) -> None:
        """Stop listening and cut every connection: calls fail at once."""
        if self.server is not None:
            self.server.close()
        for writer in self.connections:
            writer.close()


@pytest.fixture
async def silent() -> AsyncIterator[Silent]:
    endpoint = Silent()
    yield endpoint
    endpoint.release()


async def health(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
        return response.status, await response.json()


async def test_a_hung_bucket_does_not_hold_up_logins(isolated, make_agent, silent) -> None:
    """More uploads hang in the bucket than asyncio's shared pool has threads; an agent still
    signs in while they hang (password checks have threads of their own), and once the bucket
    is cut off the uploads are answered `unavailable`."""
    url, redis_url = isolated(ATTACHMENT_S3_BUCKET="chat-files",
                              ATTACHMENT_S3_ENDPOINT=await silent.start(),
                              ATTACHMENT_TIMEOUT="120", ATTACHMENT_RATE="100", **AWS)
    name, password = make_agent(redis_url=redis_url)
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello")
    shared = min(32, (os.cpu_count() or 1) + 4)  # threads of asyncio's default executor
    uploads = [asyncio.create_task(upload(url, visitor.session_id, png(), f"{n}.png"))
               for n in range(shared + 2)]
    await silent.holding(min(shared, 8))  # the bridge's threads are all stuck in the bucket
    status, body = await login(url, name, password)
    assert status == 200 and body["ok"], body
    assert not any(task.done() for task in uploads), "the login waited for the bucket"
    silent.release()
    for status, body in await asyncio.gather(*uploads):
        assert status == 503 and body["error"]["code"] == "unavailable", (status, body)
    await visitor.close()


async def test_a_stuck_bucket_is_answered_unavailable_and_shown_by_healthz(isolated, make_agent,
                                                                            silent) -> None:
    url, redis_url = isolated(ATTACHMENT_S3_BUCKET="chat-files",
                              ATTACHMENT_S3_ENDPOINT=await silent.start(),
                              ATTACHMENT_TIMEOUT="1", **AWS)
    assert await health(url) == (200, {"redis": True, "rasa": True, "storage": True})
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello")
    status, body = await upload(url, visitor.session_id, png(), "receipt.png")
    assert status == 503 and body["error"]["code"] == "unavailable", body
    assert "try again" in body["error"]["message"]
    # its thread still waits for the bucket (boto3's own timeouts are longer): reported
    assert await health(url) == (503, {"redis": True, "rasa": True, "storage": False})
    name, password = make_agent(redis_url=redis_url)
    status, body = await login(url, name, password)
    assert status == 200 and body["ok"], body
    silent.release()  # the bucket answers again (here: refuses at once); the threads come back
    for _ in range(300):
        if (await health(url))[0] == 200:
            break
        await asyncio.sleep(0.1)
    assert await health(url) == (200, {"redis": True, "rasa": True, "storage": True})
    await visitor.close()
