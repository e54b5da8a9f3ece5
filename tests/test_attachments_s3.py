"""Attachments in an S3-compatible bucket (ATTACHMENT_S3_BUCKET): the same bridge code, the bytes
in a real S3 API over HTTP (moto's server, S3-compatible like MinIO), nothing on local disk, and
gone with erasure and expiry."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from clients import Visitor
from stack import ROOT, Stack, free_port
from test_attachments import PDF, fetch, png, upload

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
    subprocess.run([sys.executable, "-m", "bot", "data", "erase", "--conversation", cid],
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
    status, body = await upload(url, visitor.session_id, PDF, "invoice.pdf", "application/pdf")
    assert status == 200 and keys(client, f"shop-b/{cid}/")
    await visitor.close()
    for _ in range(30):
        await asyncio.sleep(1)
        if not keys(client, f"shop-b/{cid}/"):
            break
    assert keys(client, f"shop-b/{cid}/") == [], "the objects outlived their conversation"
