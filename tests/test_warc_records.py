"""Golden WARC records (fixed ids and dates), digests recomputed independently."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from goahead_crawler.warc import records as rec

DATE = "2024-01-21T03:05:00Z"
BODY = gzip.compress("<p>ข่าว</p>".encode(), mtime=0)
EX = rec.Exchange(
    url="https://goahead.blogspot.com/2024/01/post.html?m=1",
    method="GET",
    target="/2024/01/post.html?m=1",
    request_headers=[
        ("Accept", "text/html"),
        ("Accept-Encoding", "gzip, deflate"),
        ("User-Agent", "goahead/1"),
        ("Host", "goahead.blogspot.com"),
    ],
    request_body=b"",
    status=200,
    reason="OK",
    protocol="HTTP/1.1",
    response_headers=[
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Content-Encoding", "gzip"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Raw", "ไทย".encode().decode("latin-1")),
    ],
    body=BODY,
    ip_address="142.250.1.1",
)


class FixedWriter(rec.MemberWriter):
    def __init__(self) -> None:
        super().__init__(level=6)
        self.n = 0

    def _make_warc_id(self) -> str:  # type: ignore[override]
        self.n += 1
        return f"<urn:uuid:00000000-0000-0000-0000-{self.n:012d}>"


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def plain(builder: rec.MemberWriter, record: object) -> bytes:
    return zlib.decompress(builder.member(record), zlib.MAX_WBITS | 16)


def test_response_record_bytes_are_golden() -> None:
    b = FixedWriter()
    http = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n"
        b"Content-Encoding: gzip\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
        + "X-Raw: ไทย".encode()
        + b"\r\n"
        + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
    )
    block = http + BODY
    expected = (
        (
            "WARC/1.0\r\nWARC-Type: response\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            f"WARC-Date: {DATE}\r\n"
            f"WARC-Target-URI: {EX.url}\r\n"
            "WARC-IP-Address: 142.250.1.1\r\n"
            f"WARC-Payload-Digest: {sha1(BODY)}\r\n"
            f"WARC-Block-Digest: {sha1(block)}\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(block)}\r\n\r\n"
        ).encode()
        + block
        + b"\r\n\r\n"
    )
    assert plain(b, rec.build_response(b, EX, DATE)) == expected
    # the capture hashes the body once, for dedup and for the record: the same bytes
    again = FixedWriter()
    assert plain(again, rec.build_response(again, EX, DATE, payload_digest=sha1(BODY))) == expected


def test_request_record_bytes_are_golden() -> None:
    b = FixedWriter()
    http = (
        b"GET /2024/01/post.html?m=1 HTTP/1.1\r\nAccept: text/html\r\n"
        b"Accept-Encoding: gzip, deflate\r\nUser-Agent: goahead/1\r\n"
        b"Host: goahead.blogspot.com\r\n\r\n"
    )
    expected = (
        (
            "WARC/1.0\r\nWARC-Type: request\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            f"WARC-Date: {DATE}\r\n"
            f"WARC-Target-URI: {EX.url}\r\n"
            "WARC-Concurrent-To: <urn:uuid:resp>\r\n"
            f"WARC-Payload-Digest: {sha1(b'')}\r\n"
            f"WARC-Block-Digest: {sha1(http)}\r\n"
            "Content-Type: application/http; msgtype=request\r\n"
            f"Content-Length: {len(http)}\r\n\r\n"
        ).encode()
        + http
        + b"\r\n\r\n"
    )
    assert plain(b, rec.build_request(b, EX, DATE, "<urn:uuid:resp>")) == expected


def test_revisit_has_headers_only_and_points_at_the_original() -> None:
    b = FixedWriter()
    record = rec.build_revisit(
        b, EX, DATE, ("https://goahead.blogspot.com/x", "2023-01-01T00:00:00Z")
    )
    data = plain(b, record)
    head, _, block = data.partition(b"\r\n\r\n")
    block = block[:-4]
    assert block.startswith(b"HTTP/1.1 200 OK\r\n")
    assert block.endswith(b"\r\n\r\n")
    assert BODY not in data
    assert f"WARC-Block-Digest: {sha1(block)}".encode() in head
    assert f"WARC-Payload-Digest: {sha1(BODY)}".encode() in head
    assert b"WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest" in head
    assert b"WARC-Refers-To-Target-URI: https://goahead.blogspot.com/x\r\n" in head
    assert b"WARC-Refers-To-Date: 2023-01-01T00:00:00Z\r\n" in head


def test_missing_content_length_is_added_from_the_body() -> None:
    ex = rec.Exchange(**{**EX.__dict__, "response_headers": [("Content-Type", "text/plain")]})
    http = rec.response_headers(ex)
    assert http.get_header("Content-Length") == str(len(BODY))
    assert rec.response_headers(EX).headers.count(("Content-Length", str(len(BODY)))) == 1


def test_warc_fields_repeat_list_values_and_skip_empty() -> None:
    body = rec.warc_fields({"via": "http://a/", "outlink": ["u1", "u2"], "operator": ""})
    assert body == b"via: http://a/\r\noutlink: u1\r\noutlink: u2\r\n"


def test_written_file_passes_warcio_check_and_index(tmp_path: Path) -> None:
    b = rec.MemberWriter()
    resp = rec.build_response(b, EX, DATE)
    group = [
        rec.build_warcinfo(b, "t.warc.gz", DATE, {"software": "goahead"}),
        resp,
        rec.build_request(b, EX, DATE, rec.record_id(resp)),
        rec.build_metadata(b, EX.url, DATE, {"via": "https://x/"}, rec.record_id(resp)),
    ]
    path = tmp_path / "t.warc.gz"
    path.write_bytes(b"".join(b.member(r) for r in group))
    for tool in ("check", "index"):
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "from warcio.cli import main; main()",
                tool,
                "-v" if tool == "check" else "--fields=warc-type,offset",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    with path.open("rb") as fh:
        got = [
            (r.rec_type, r.raw_stream.read()) for r in ArchiveIterator(fh, check_digests="raise")
        ]
    assert [t for t, _ in got] == ["warcinfo", "response", "request", "metadata"]
    assert got[1][1] == BODY


@pytest.mark.parametrize("level", [1, 9])
def test_each_record_is_one_gzip_member(level: int) -> None:
    b = rec.MemberWriter(level=level)
    member = b.member(rec.build_response(b, EX, DATE))
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    d.decompress(member)
    assert d.eof
    assert d.unused_data == b""
    assert next(iter(ArchiveIterator(io.BytesIO(member)))).rec_type == "response"


@pytest.mark.parametrize(("reason", "kept"), [
    ("\nTimeoutError: took longer than 180.0 seconds", "TimeoutError: took longer than 180.0 seconds"),
    ("  \r\n  ", "failed"),
    ("", "failed"),
    ("HTTP 503\ntraceback ...", "HTTP 503"),
    ("x" * 500, "x" * rec.FAILED_REASON_MAX),
])
def test_a_goahead_failed_record_always_says_why(reason: str, kept: str) -> None:
    """The field is what the rebuild reads to know a post was asked for (block_field skips
    an empty value): a reason starting with a line break was written empty, and the
    rebuild took the failed post for one never asked for."""
    from goahead_crawler.rebuild.timeline import block_field

    builder = rec.MemberWriter(io.BytesIO())
    record = rec.build_metadata(builder, "http://b.example/2024/01/a.html",
                                "2024-01-01T00:00:00Z",
                                {rec.FAILED_FIELD: rec.failed_reason(reason)})
    assert block_field(record.content_stream().read(), rec.FAILED_FIELD) == kept
