"""Files visitors and agents send each other: images (PNG, JPEG, GIF, WebP) and PDF.

A file is accepted only if its first bytes are one of those types (whatever its name or declared
type says), and only up to ATTACHMENT_MAX_BYTES. It is stored outside Redis, behind `Files`
(`DiskFiles`: ATTACHMENT_DIR, by default FRONTDESK_DATA_DIR/attachments/CONVERSATION/ID with
random ids); only its metadata (id, name, type, size) goes into the conversation's message. It is
served by a short-lived signed link (`Links`) that names the conversation and the file: the
bridge hands links out only to the conversation's visitor and to consoles allowed to read the
conversation. Files end with their conversation: the sweeper deletes those whose conversation
has expired, and erasure deletes them at once. Every storage call runs in the storage's own
threads with a deadline (bot/workers.py); a download is read in chunks of `CHUNK` bytes, never
whole.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote, unquote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .config import Settings, private_dir
from .errors import Refused
from .workers import Workers

log = logging.getLogger(__name__)

# kind -> (MIME type, file name extension); `sniff` tells the kind from the first bytes
KINDS: dict[str, tuple[str, str]] = {
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
    "gif": ("image/gif", ".gif"),
    "webp": ("image/webp", ".webp"),
    "pdf": ("application/pdf", ".pdf"),
}
ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
FORM_OVERHEAD = 64 * 1024  # bytes of a multipart body besides the file itself
NAME_CHARS = 80
CHUNK = 64 * 1024  # bytes a download reads at a time
UNAVAILABLE = "The file store is not answering; please try again in a moment."


def sniff(data: bytes) -> str | None:
    """The kind of file these bytes are (by magic number), or None for anything else (HTML,
    SVG, scripts, archives...)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def clean_name(name: str, kind: str) -> str:
    """A file name safe to show and to put in a header: the last path part, letters, digits,
    spaces and `._-` only, bounded, ending in the extension of the kind its bytes are."""
    name = unquote(name or "")  # some clients percent-encode names in the form (%20, %22)
    name = unicodedata.normalize("NFKC", re.split(r"[\\/]", name)[-1])
    name = "".join(c if c.isalnum() or c in " ._-" else "_" for c in name)
    name = re.sub(r"[\s_]+", lambda m: m.group(0)[0], name).strip(" ._") or "file"
    extension = KINDS[kind][1]
    stem = name[: NAME_CHARS - len(extension)]
    if not stem.lower().endswith((extension, ".jpeg") if kind == "jpeg" else extension):
        return stem + extension
    return stem


def readable_size(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(1, round(size / 1024))} KB"


@dataclass(frozen=True)
class Attachment:
    """What the transcript keeps of a file."""

    id: str
    name: str
    type: str
    size: int

    @property
    def image(self) -> bool:
        return self.type.startswith("image/")

    def meta(self) -> dict[str, Any]:
        return asdict(self)

    def caption(self) -> str:
        """The message's text: what a transcript or a text-only client shows."""
        kind = "PDF" if self.type == "application/pdf" else "image"
        return f"\N{PAPERCLIP} {self.name} ({kind}, {readable_size(self.size)})"

    def disposition(self) -> str:
        """Images open in place; anything else is downloaded. The name is clean already; the
        ASCII form is for old clients."""
        how = "inline" if self.image else "attachment"
        ascii_name = self.name.encode("ascii", "replace").decode().replace("?", "_")
        return f"{how}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(self.name)}"


def accept(data: bytes, name: str, settings: Settings) -> Attachment:
    """Check an uploaded file by its bytes and size; refused with a reason people understand."""
    if len(data) > settings.attachment_max_bytes:
        raise Refused("file_too_large", too_large(settings))
    if not data:
        raise Refused("file_empty", "The file is empty.")
    kind = sniff(data)
    if kind is None or kind not in settings.attachment_types:
        raise Refused("file_type", allowed_types(settings))
    return Attachment(secrets.token_urlsafe(18), clean_name(name, kind), KINDS[kind][0], len(data))


def limits(settings: Settings) -> dict[str, Any]:
    """What a widget may send (told in `session_state`, so it can refuse a big file at once)."""
    types = [KINDS[t][0] for t in settings.attachment_types if t in KINDS]
    return {"max_bytes": settings.attachment_max_bytes, "types": types}


def too_large(settings: Settings) -> str:
    return f"That file is too large: files can be at most {readable_size(settings.attachment_max_bytes)}."


def allowed_types(settings: Settings) -> str:
    names = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP", "pdf": "PDF"}
    listed = ", ".join(names[t] for t in settings.attachment_types if t in names)
    return f"That kind of file can't be sent. Allowed: {listed}."


# --- where files live ---------------------------------------------------------------------------


@dataclass
class Download:
    """A stored file being read: its metadata, its length, and its bytes chunk by chunk."""

    attachment: Attachment
    size: int
    read: Callable[[], Awaitable[bytes]]  # the next chunk (at most CHUNK bytes); b"" at the end
    close: Callable[[], None]  # releases the file or the stream (in a worker thread)

    async def chunks(self) -> AsyncIterator[bytes]:
        while chunk := await self.read():
            yield chunk


class Files(Protocol):
    """Where attachments' bytes are kept, by conversation: `DiskFiles` (a folder) or `S3Files`
    (an S3-compatible bucket, bot/s3files.py), both `CONVERSATION/ID` with `ID.json` beside.
    Every call runs in `workers` (the storage's own threads, each call with a deadline)."""

    workers: Workers

    async def put(self, conversation_id: str, attachment: Attachment, data: bytes) -> None: ...

    async def get(self, conversation_id: str, attachment_id: str) -> Download | None:
        """The file, opened for reading, or None when there is no such file (any more); the
        caller closes it."""

    async def delete(self, conversation_id: str, attachment_id: str) -> None: ...

    async def erase(self, conversation_id: str) -> None:
        """Every file of the conversation."""

    async def conversations(self) -> list[str]:
        """The conversations that have files (for the sweeper)."""


class DiskFiles:
    """Files in a private folder: ROOT/CONVERSATION/ID (the bytes) and ID.json (metadata). Only
    ids the bridge generated reach a path; nothing a user wrote does."""

    def __init__(self, root: Path, workers: Workers) -> None:
        self.root = root
        self.workers = workers

    def folder(self, conversation_id: str) -> Path:
        if not ID.match(conversation_id):
            raise ValueError("not a conversation id")
        return self.root / conversation_id

    async def put(self, conversation_id: str, attachment: Attachment, data: bytes) -> None:
        await self.workers.run(self._put, self.folder(conversation_id), attachment, data)

    @staticmethod
    def _put(folder: Path, attachment: Attachment, data: bytes) -> None:
        private_dir(folder.parent)
        private_dir(folder)
        for path, content in ((folder / attachment.id, data),
                              (folder / f"{attachment.id}.json", json.dumps(attachment.meta()).encode())):
            temporary = path.with_name(f".{path.name}.tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
            os.replace(temporary, path)

    async def get(self, conversation_id: str, attachment_id: str) -> Download | None:
        if not ID.match(attachment_id) or not ID.match(conversation_id):
            return None
        opened = await self.workers.run(self._open, self.folder(conversation_id), attachment_id)
        if opened is None:
            return None
        attachment, file, size = opened
        return Download(attachment, size, lambda: self.workers.run(file.read, CHUNK),
                        lambda: self.workers.submit(file.close))

    @staticmethod
    def _open(folder: Path, attachment_id: str) -> tuple[Attachment, BinaryIO, int] | None:
        try:
            attachment = Attachment(**json.loads((folder / f"{attachment_id}.json").read_text()))
            file = open(folder / attachment_id, "rb")  # noqa: SIM115 - closed by Download.close
        except (OSError, ValueError, TypeError):
            return None
        return attachment, file, os.fstat(file.fileno()).st_size

    async def delete(self, conversation_id: str, attachment_id: str) -> None:
        await self.workers.run(self._delete, self.folder(conversation_id), attachment_id)

    @staticmethod
    def _delete(folder: Path, attachment_id: str) -> None:
        for path in (folder / attachment_id, folder / f"{attachment_id}.json"):
            path.unlink(missing_ok=True)

    async def erase(self, conversation_id: str) -> None:
        await self.workers.run(shutil.rmtree, self.folder(conversation_id), True)

    async def conversations(self) -> list[str]:
        return await self.workers.run(self._conversations)

    def _conversations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return [p.name for p in self.root.iterdir() if p.is_dir() and ID.match(p.name)]


def files_from(settings: Settings) -> Files:
    """The bucket when ATTACHMENT_S3_BUCKET is set (bot/s3files.py), else the folder; either
    with ATTACHMENT_THREADS threads of its own, each call waited for ATTACHMENT_TIMEOUT s."""
    workers = Workers("storage", settings.attachment_threads, settings.attachment_timeout,
                      UNAVAILABLE)
    if settings.attachment_s3_bucket:
        from .s3files import S3Files

        return S3Files(settings.attachment_s3_bucket, settings.attachment_s3_prefix,
                       settings.attachment_s3_endpoint, workers,
                       connections=settings.attachment_downloads + settings.attachment_threads)
    return DiskFiles(settings.attachment_dir, workers)


async def sweep(files: Files, exists: Callable[[list[str]], Awaitable[set[str]]]) -> int:
    """Delete the files of conversations that are gone (expired with RETENTION_DAYS, or never
    written); `exists(ids)` says which still are. Returns how many conversations lost files."""
    ids = await files.conversations()
    gone = 0
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        alive = await exists(batch)
        for conversation_id in batch:
            if conversation_id not in alive:
                await files.erase(conversation_id)
                gone += 1
    return gone


# --- links --------------------------------------------------------------------------------------


class Links:
    """Signed, expiring download links: `/attachments/ID?t=TOKEN`, the token naming the
    conversation and the file (so a link opens that one file, for ATTACHMENT_URL_TTL seconds)."""

    def __init__(self, secret: str, public_url: str, ttl: float) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="frontdesk-attachment")
        self.public_url = public_url
        self.ttl = ttl

    def url(self, conversation_id: str, attachment_id: str) -> str:
        token = self.serializer.dumps([conversation_id, attachment_id])
        return f"{self.public_url}/attachments/{attachment_id}?t={token}"

    def opened(self, token: str, attachment_id: str) -> str:
        """The conversation the link is for; refused when forged, for another file or expired."""
        try:
            conversation_id, signed_for = self.serializer.loads(token, max_age=self.ttl)  # type: ignore[arg-type]  # a float works
        except SignatureExpired:
            raise Refused("link_expired", "This link has expired; open the chat again.") from None
        except (BadSignature, ValueError, TypeError):
            raise Refused("link_invalid", "This link is not valid.") from None
        if signed_for != attachment_id or not isinstance(conversation_id, str):
            raise Refused("link_invalid", "This link is not valid.")
        return conversation_id

    def of(self, conversation_id: str, data: dict[str, Any]) -> str:
        """The link for a message's file, if it has one."""
        file = data.get("file")
        return self.url(conversation_id, file["id"]) if isinstance(file, dict) else ""
