"""Files visitors and agents send (bot/attachments.py): the kind told by the bytes, the name made
safe to show, and signed links that open one file for a while."""

from __future__ import annotations

import itsdangerous.timed
import pytest

from bot.attachments import NAME_CHARS, Attachment, Links, clean_name, readable_size, sniff
from bot.errors import Refused

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.mark.parametrize(("data", "kind"), [
    (PNG, "png"), (b"\xff\xd8\xff\xe0", "jpeg"), (b"GIF89a...", "gif"), (b"GIF87a...", "gif"),
    (b"RIFF\0\0\0\0WEBPVP8 ", "webp"), (b"%PDF-1.7", "pdf"),
    (b"<html><script>", None), (b"<svg xmlns=", None), (b"PK\x03\x04", None), (b"", None),
    (b"RIFF\0\0\0\0WAVE", None), (b" %PDF-1.7", None),
])
def test_the_kind_is_told_by_the_first_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


@pytest.mark.parametrize(("name", "kind", "clean"), [
    ("my photo.png", "png", "my photo.png"),
    ("../../etc/passwd", "pdf", "passwd.pdf"),
    ("C:\\Users\\kim\\scan.pdf", "pdf", "scan.pdf"),
    ("a%20b.png", "png", "a b.png"),  # percent-encoded by some clients
    ("report.pdf.exe", "pdf", "report.pdf.exe.pdf"),  # ends in the extension its bytes are
    ("holiday.JPEG", "jpeg", "holiday.JPEG"),
    ('x"; filename="evil.html', "gif", "x_filename_evil.html.gif"),
    ("", "webp", "file.webp"),
    ("...", "png", "file.png"),
])
def test_a_name_is_made_safe_to_show_and_to_put_in_a_header(name: str, kind: str,
                                                            clean: str) -> None:
    assert clean_name(name, kind) == clean


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = clean_name("x" * 500 + ".pdf", "pdf")
    assert len(name) == NAME_CHARS and name.endswith("x.pdf")


def test_a_file_is_described_by_its_name_kind_and_size() -> None:
    assert readable_size(10) == "1 KB" and readable_size(1536) == "2 KB"
    assert readable_size(5 * 1048576) == "5.0 MB"
    assert Attachment("id", "a.pdf", "application/pdf", 2048).caption() == "\N{PAPERCLIP} a.pdf (PDF, 2 KB)"
    assert Attachment("id", "a.png", "image/png", 2048).caption().endswith("(image, 2 KB)")


class Clock:
    """Stands in for `time` in itsdangerous.timed: the test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(itsdangerous.timed, "time", clock)
    return clock


def _token(url: str) -> str:
    return url.split("?t=", 1)[1]


def test_a_link_opens_its_file_until_it_expires(clock: Clock) -> None:
    links = Links("secret", "https://chat.example.org", ttl=60)
    url = links.url("conv-1", "file-1")
    assert url.startswith("https://chat.example.org/attachments/file-1?t=")
    assert links.opened(_token(url), "file-1") == "conv-1"
    clock.now += 60
    assert links.opened(_token(url), "file-1") == "conv-1"
    clock.now += 1
    with pytest.raises(Refused) as error:
        links.opened(_token(url), "file-1")
    assert error.value.code == "link_expired"


def test_a_link_opens_no_other_file_and_a_forged_one_nothing(clock: Clock) -> None:
    links = Links("secret", "", ttl=60)
    token = _token(links.url("conv-1", "file-1"))
    forged = _token(Links("other secret", "", ttl=60).url("conv-1", "file-1"))
    for bad, file_id in ((token, "file-2"), (forged, "file-1"), ("x" + token[1:], "file-1"),
                         ("", "file-1")):
        with pytest.raises(Refused) as error:
            links.opened(bad, file_id)
        assert error.value.code == "link_invalid"


def test_a_message_has_a_link_only_when_it_carries_a_file() -> None:
    links = Links("secret", "", ttl=60)
    assert links.of("conv-1", {"text": "hi"}) == ""
    assert links.of("conv-1", {"file": {"id": "file-1"}}).startswith("/attachments/file-1?t=")
