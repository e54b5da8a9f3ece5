"""Attachments in an S3-compatible object store (AWS S3, MinIO, Cloudflare R2, Ceph ...).

Chosen with ATTACHMENT_S3_BUCKET (the bucket must exist); ATTACHMENT_S3_ENDPOINT names a store
other than AWS; ATTACHMENT_S3_PREFIX (default `frontdesk/`) keeps our objects apart. Credentials
and region come the way boto3 always reads them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_DEFAULT_REGION, a profile or an instance role), never from a file of ours. Objects are
PREFIX/CONVERSATION/ID (the bytes) and PREFIX/CONVERSATION/ID.json (the metadata), like
`DiskFiles`; the bridge serves them itself, so the bucket stays private, reading an object in
chunks as it sends them. boto3 is synchronous: each call runs in the storage's own threads
(bot/workers.py), waited for ATTACHMENT_TIMEOUT seconds, with boto3's own bounded timeouts and
retries; a store that cannot be reached is answered `unavailable`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any, BinaryIO, TypeVar

from .attachments import CHUNK, ID, UNAVAILABLE, Attachment, Download
from .errors import Refused
from .workers import Workers

T = TypeVar("T")


class S3Files:
    """`Files` in a bucket (bot/attachments.py)."""

    def __init__(self, bucket: str, prefix: str, endpoint: str, workers: Workers,
                 connections: int = 10) -> None:
        import boto3  # the optional extra `s3`; installed by `make run` and `make test`
        from botocore.config import Config
        from botocore.exceptions import ConnectionError, HTTPClientError

        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.workers = workers
        self.unreachable = (ConnectionError, HTTPClientError)  # no answer, a cut or a timeout
        self.client = boto3.client(  # a connection for each download streaming and each thread
            "s3", endpoint_url=endpoint or None,
            config=Config(connect_timeout=5, read_timeout=20, max_pool_connections=connections,
                          retries={"max_attempts": 4, "mode": "standard"}),
        )

    def key(self, conversation_id: str, name: str = "") -> str:
        if not ID.match(conversation_id):
            raise ValueError("not a conversation id")
        return f"{self.prefix}{conversation_id}/{name}"

    async def _run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(...)` in the storage's threads; a store out of reach is `unavailable`."""

        def reaching() -> T:
            try:
                return function(*args, **kwargs)
            except self.unreachable as error:
                raise Refused("unavailable", UNAVAILABLE) from error

        reaching.__qualname__ = f"S3 {getattr(function, '__name__', 'call')}"  # for the log
        return await self.workers.run(reaching)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        return await self._run(getattr(self.client, method), Bucket=self.bucket, **kwargs)

    async def put(self, conversation_id: str, attachment: Attachment, data: bytes) -> None:
        await self._run(self._put, conversation_id, attachment, data)

    def _put(self, conversation_id: str, attachment: Attachment, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(conversation_id, attachment.id),
                               Body=data, ContentType="application/octet-stream")
        self.client.put_object(Bucket=self.bucket,
                               Key=self.key(conversation_id, f"{attachment.id}.json"),
                               Body=json.dumps(attachment.meta()).encode(),
                               ContentType="application/json")

    async def get(self, conversation_id: str, attachment_id: str) -> Download | None:
        if not ID.match(attachment_id) or not ID.match(conversation_id):
            return None
        opened = await self._run(self._open, conversation_id, attachment_id)
        if opened is None:
            return None
        attachment, body, size = opened
        return Download(attachment, size, lambda: self._run(body.read, CHUNK),
                        lambda: self.workers.submit(body.close))

    def _open(self, conversation_id: str, attachment_id: str) -> tuple[Attachment, BinaryIO, int] | None:
        """The metadata, and the object's body as a stream (nothing of it read yet)."""
        try:
            meta = self.client.get_object(Bucket=self.bucket,
                                          Key=self.key(conversation_id, f"{attachment_id}.json"))
            attachment = Attachment(**json.loads(meta["Body"].read()))
            response = self.client.get_object(Bucket=self.bucket,
                                              Key=self.key(conversation_id, attachment_id))
        except self.client.exceptions.NoSuchKey:
            return None
        except (ValueError, TypeError):
            return None
        return attachment, response["Body"], int(response["ContentLength"])

    async def delete(self, conversation_id: str, attachment_id: str) -> None:
        keys = [self.key(conversation_id, attachment_id),
                self.key(conversation_id, f"{attachment_id}.json")]
        await self._delete(keys)

    async def erase(self, conversation_id: str) -> None:
        await self._delete([o["Key"] async for o in self._list(self.key(conversation_id))])

    async def conversations(self) -> list[str]:
        found: list[str] = []
        async for page in self._pages(self.prefix, delimiter="/"):
            for common in page.get("CommonPrefixes") or []:
                name = common["Prefix"][len(self.prefix):].rstrip("/")
                if ID.match(name):
                    found.append(name)
        return found

    async def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # S3 takes up to 1,000 keys a request
            batch = [{"Key": key} for key in keys[start:start + 1000]]
            if batch:
                await self._call("delete_objects", Delete={"Objects": batch, "Quiet": True})

    async def _list(self, prefix: str) -> AsyncIterator[dict[str, Any]]:
        async for page in self._pages(prefix):
            for item in page.get("Contents") or []:
                yield item

    async def _pages(self, prefix: str, delimiter: str = "") -> AsyncIterator[dict[str, Any]]:
        """Pages of a listing (1,000 keys each), one request at a time."""
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Prefix": prefix, "MaxKeys": 1000}
            if delimiter:
                kwargs["Delimiter"] = delimiter
            if token:
                kwargs["ContinuationToken"] = token
            page = await self._call("list_objects_v2", **kwargs)
            yield page
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")
