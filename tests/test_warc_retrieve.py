"""``retrieve``: from a URL to its archived response via the captures table, and ``--at``;
``warc-get --headers``: the headers as recorded, byte for byte."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.captures import record_capture
from archive.connection import open_archive
from archive.models import Capture
from goahead_crawler.cli.replay import warc_get
from goahead_crawler.warc import records as rec
from goahead_crawler.warc.retrieve import (
    CaptureNotFound,
    WarcFileMissing,
    at_bound,
    recorded_head,
    retrieve,
)
from goahead_crawler.warc.writer import RotatingWarcWriter

URL = "http://blog.test/2024/01/post.html"
HTML = b"<html>archived</html>"
# Header values as Twisted hands them over: bytes, held as latin-1 str (records.to_str_headers)
LATIN1 = b"caf\xe9"  # a raw 0xE9 byte: not UTF-8, so warcio reads the line as latin-1
UTF8 = "ข่าว café".encode()  # UTF-8 bytes: warcio reads this line as UTF-8


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("2024", "2024-12-31T23:59:59Z"),
        ("2024-02", "2024-02-31T23:59:59Z"),  # a string bound: later than any February time
        ("2024-01-05", "2024-01-05T23:59:59Z"),
        ("20240105", "2024-01-05T23:59:59Z"),
        ("2024010510", "2024-01-05T10:59:59Z"),
        ("20240105103000", "2024-01-05T10:30:00Z"),
        ("2024-01-05T10:30:00Z", "2024-01-05T10:30:00Z"),
        ("2024-01-05T17:30:00+07:00", "2024-01-05T10:30:00Z"),
        ("2024-01-05T10:30", "2024-01-05T10:30:00Z"),
        (" 2024-01-05 10:30:00 ", "2024-01-05T10:30:00Z"),
    ],
)
def test_at_bound(text: str, bound: str) -> None:
    assert at_bound(text) == bound


@pytest.mark.parametrize("text", ["", "yesterday", "202", "2024011", "2024-01-05T99:00:00x"])
def test_at_bound_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        at_bound(text)


def exchange(date_header: str) -> rec.Exchange:
    body = gzip.compress(HTML, mtime=0)
    return rec.Exchange(
        url=URL, method="GET", target="/2024/01/post.html", request_headers=[],
        request_body=b"", status=200, reason="OK", protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                          ("Date", date_header), ("Content-Length", str(len(body))),
                          ("X-Name", LATIN1.decode("latin-1")),
                          ("X-Utf8", UTF8.decode("latin-1"))],
        body=body,
    )


@pytest.fixture
def archive(tmp_path: Path) -> tuple:
    """A response, then a revisit of it, both recorded in an archive."""
    db = open_archive(tmp_path / "a.db")
    builder = rec.MemberWriter()
    writer = RotatingWarcWriter(tmp_path / "warcs", builder=builder)
    first = exchange("Mon, 01 Jan 2024 00:00:00 GMT")
    digest = rec.sha1_b32(first.body)
    main = rec.build_response(builder, first, "2024-01-01T00:00:00Z")
    (w1,) = writer.write([main])
    revisit = rec.build_revisit(builder, exchange("Tue, 02 Jan 2024 00:00:00 GMT"),
                                "2024-01-02T00:00:00Z", (URL, "2024-01-01T00:00:00Z"))
    (w2,) = writer.write([revisit])
    writer.close()
    for w, when, kind in ((w1, "2024-01-01T00:00:00Z", "response"),
                          (w2, "2024-01-02T00:00:00Z", "revisit")):
        record_capture(db, Capture(URL, 200, w.filename, w.offset, w.length, digest,
                                         when, record_type=kind))
    return db, tmp_path / "warcs"


def test_latest_is_the_revisit_with_its_own_headers_and_the_original_body(archive) -> None:
    db, warcs = archive
    got = retrieve(db, warcs, URL)
    assert got.capture.record_type == "revisit"
    assert got.headers.get_header("Date") == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert got.decoded == HTML
    assert gzip.decompress(got.payload) == HTML
    assert got.original is not None
    assert got.original.fetched_at == "2024-01-01T00:00:00Z"


def test_at_picks_the_capture_at_or_before(archive) -> None:
    db, warcs = archive
    got = retrieve(db, warcs, URL, at="2024-01-01")
    assert got.capture.record_type == "response"
    assert got.original is None
    assert got.headers.get_header("Date") == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert got.decoded == HTML
    with pytest.raises(CaptureNotFound, match="at or before 2023-12-31T23:59:59Z"):
        retrieve(db, warcs, URL, at="2023")


def test_missing_things_are_named(archive, tmp_path: Path) -> None:
    db, warcs = archive
    with pytest.raises(CaptureNotFound, match=r"no capture of http://blog\.test/other"):
        retrieve(db, warcs, "http://blog.test/other")
    with pytest.raises(WarcFileMissing, match=r"WARC file goahead-.*\.warc\.gz not found in"):
        retrieve(db, tmp_path / "elsewhere", URL)
    db.execute("DELETE FROM captures WHERE record_type = 'response'")
    with pytest.raises(CaptureNotFound, match="no full response with digest sha1:"):
        retrieve(db, warcs, URL)


@pytest.mark.parametrize("at", ["2024-01-01", None])  # the response, then the revisit
def test_headers_come_back_byte_for_byte(archive, at: str | None) -> None:
    """``caf\\xe9`` and UTF-8 ``café`` both read as ``café`` through warcio, which once
    made ``warc-get --headers`` print a latin-1 byte as two UTF-8 ones."""
    db, warcs = archive
    got = retrieve(db, warcs, URL, at=at)
    date = got.headers.get_header("Date")
    written = rec.response_headers(exchange(date))
    written.compute_headers_buffer()
    head = recorded_head(warcs, got.capture)
    assert head == written.headers_buff
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nX-Name: caf\xe9\r\n" in head
    assert b"\r\nX-Utf8: " + UTF8 + b"\r\n" in head
    assert head.endswith(b"\r\n\r\n")
    args = [URL, "--db", str(warcs.parent / "a.db"), "--warc-dir", str(warcs), "--headers"]
    printed = CliRunner().invoke(warc_get, args + (["--at", at] if at else []))
    assert printed.exit_code == 0, printed.output
    assert printed.stdout_bytes == head


def one_capture(tmp_path: Path, url: str):
    """An archive (``tmp_path/a.db``, ``tmp_path/warcs``) holding one response, of ``url``
    as the crawl recorded it."""
    db = open_archive(tmp_path / "a.db")
    builder = rec.MemberWriter()
    writer = RotatingWarcWriter(tmp_path / "warcs", builder=builder)
    got = replace(exchange("Mon, 01 Jan 2024 00:00:00 GMT"), url=url)
    (w,) = writer.write([rec.build_response(builder, got, "2024-01-01T00:00:00Z")])
    writer.close()
    record_capture(db, Capture(url, 200, w.filename, w.offset, w.length,
                               rec.sha1_b32(got.body), "2024-01-01T00:00:00Z"))
    return db


def test_a_country_domain_or_another_spelling_finds_the_blogs_capture(tmp_path: Path) -> None:
    """The crawl fetches a blog on .blogspot.com, percent-encoded; the address a reader
    kept (``.blogspot.co.th``, the Thai path as written, the host in capitals) finds that
    capture. A view of the page (``?m=1``) is another URL, never silently the page."""
    url = "https://news.blogspot.com/2024/01/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"
    db = one_capture(tmp_path, url)
    for kept in ("https://news.blogspot.co.th/2024/01/ข่าว.html",
                 "https://NEWS.blogspot.com/2024/01/ข่าว.html", url):
        assert retrieve(db, tmp_path / "warcs", kept).capture.url == url
    with pytest.raises(CaptureNotFound):
        retrieve(db, tmp_path / "warcs", url + "?m=1")


def test_a_capture_recorded_with_lower_case_escapes_is_found_by_any_spelling(
        tmp_path: Path) -> None:
    """A crawl before escapes were written in upper case fetched a link as the page spelled
    it (``%e0%b8%82``) and recorded that. The URL an export or a search shows (upper
    case, or the Thai letters) names that capture (before: "no capture"); a URL that
    differs in an ASCII letter of its path, or in its query, is still another URL."""
    lower = "https://news.blogspot.com/2024/01/%e0%b8%82%e0%b9%88%e0%b8%b2%e0%b8%a7.html"
    db = one_capture(tmp_path, lower)
    upper = "https://news.blogspot.com/2024/01/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"
    for kept in (upper, "https://news.blogspot.com/2024/01/ข่าว.html",
                 "https://news.blogspot.co.th/2024/01/ข่าว.html", lower):
        found = retrieve(db, tmp_path / "warcs", kept)
        assert found.capture.url == lower
        assert found.decoded == HTML
    for other in (lower.replace(".html", ".HTML"), lower + "?m=1"):
        with pytest.raises(CaptureNotFound):
            retrieve(db, tmp_path / "warcs", other)
