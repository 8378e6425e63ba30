"""WarcCapture built the Scrapy way, driven with real Request/Response objects."""

from __future__ import annotations

import gzip
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.models import Capture, Post
from goahead_crawler.signals import capture_written
from goahead_crawler.warc.extension import WarcCapture, find_warc_capture, load_lookup
from goahead_crawler.warc.files import crashed_files
from goahead_crawler.warc.writer import RotatingWarcWriter
from tests.conftest import goahead_crawler

BODY = gzip.compress(b"<html>hello</html>", mtime=0)


def make(tmp_path: Path, **settings: object) -> WarcCapture:
    crawler = goahead_crawler(GOAHEAD_WARC_DIR=str(tmp_path), **settings)
    return build_from_crawler(WarcCapture, crawler)


def exchange(
    url: str = "http://blog.test/p?x=1", body: bytes = BODY, **meta: object
) -> tuple[Request, Response]:
    request = Request(url, meta=dict(meta), headers={"User-Agent": "t", "Accept": "*/*"})
    response = Response(
        url,
        status=200,
        body=body,
        request=request,
        protocol="HTTP/1.1",
        headers={
            "Content-Type": "text/html",
            "Content-Encoding": "gzip",
            "Content-Length": str(len(body)),
        },
        ip_address=IPv4Address("10.0.0.5"),
    )
    return request, response


def all_records(path: Path) -> list:
    out = []
    for p in sorted(path.glob("*.warc.gz")):
        with p.open("rb") as fh:
            out += [
                (r.rec_type, r.rec_headers, r.http_headers, r.raw_stream.read())
                for r in ArchiveIterator(fh, check_digests="raise")
            ]
    return out


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"GOAHEAD_WARC_ENABLED": False}, "GOAHEAD_WARC_ENABLED"),
        ({"GOAHEAD_WARC_MAX_SIZE": 0}, "GOAHEAD_WARC_MAX_SIZE"),
        ({"GOAHEAD_WARC_DIGEST_LOOKUP": "os.sep"}, "GOAHEAD_WARC_DIGEST_LOOKUP"),
    ],
)
def test_not_configured(tmp_path: Path, settings: dict, message: str) -> None:
    with pytest.raises(NotConfigured, match=message):
        make(tmp_path, **settings)


def test_settings_are_read_once(tmp_path: Path) -> None:
    ext = make(
        tmp_path,
        GOAHEAD_WARC_PREFIX="news",
        GOAHEAD_WARC_MAX_SIZE=1234,
        GOAHEAD_WARC_OPERATOR="ops@example.test",
        ROBOTSTXT_OBEY=True,
    )
    assert (ext.writer.prefix, ext.writer.max_size) == ("news", 1234)
    info = ext.writer.info()
    assert info["operator"] == "ops@example.test"
    assert info["robots"] == "obey"
    assert info["isPartOf"] == ext.run_id
    assert "goahead-archive-run-id" not in info
    assert info["goahead-archive"] == "archive.db"  # GOAHEAD_ARCHIVE_DB, by default
    ext.stats.set_value("goahead/run_id", 42)  # what the archive pipeline does on open
    assert ext.writer.info()["goahead-archive-run-id"] == "42"


def test_capture_writes_records_sets_meta_and_signals(tmp_path: Path) -> None:
    ext = make(tmp_path)
    got: list[tuple[Capture, Request]] = []
    ext.crawler.signals.connect(
        lambda capture, request: got.append((capture, request)), signal=capture_written, weak=False
    )
    request, response = exchange(goahead_source="sitemap", goahead_parent="http://blog.test/")
    ext.response_downloaded(response=response, request=request)
    capture = request.meta["warc_capture"]
    assert got == [(capture, request)]
    assert (capture.url, capture.status, capture.record_type) == (
        "http://blog.test/p?x=1",
        200,
        "response",
    )
    assert capture.content_type == "text/html"
    assert capture.site == "blog.test"
    ext.spider_closed()
    records = all_records(tmp_path)
    assert [r[0] for r in records] == ["warcinfo", "response", "request", "metadata"]
    _, rh, _http, payload = records[1]
    assert payload == BODY
    assert rh.get_header("WARC-IP-Address") == "10.0.0.5"
    assert rh.get_header("WARC-Payload-Digest") == capture.digest
    req_http = records[2][2]
    assert f"{req_http.protocol} {req_http.statusline}" == "GET /p?x=1 HTTP/1.1"
    assert req_http.headers[-1] == ("Host", "blog.test")
    assert records[3][3] == b"goahead-source: sitemap\r\nvia: http://blog.test/\r\n"
    stats = ext.stats.get_stats()
    assert stats["goahead/warc/records_written"] == 4
    assert stats["goahead/warc/files"] == 1
    assert capture.warc_file == next(tmp_path.glob("*.warc.gz")).name


def test_non_http_and_post_requests(tmp_path: Path) -> None:
    ext = make(tmp_path)
    request = Request("data:,hi")
    ext.response_downloaded(response=Response("data:,hi", body=b"hi"), request=request)
    assert "warc_capture" not in request.meta
    post = Request("http://blog.test:8080/form", method="POST", body=b"q=1")
    ext.response_downloaded(response=Response(post.url, body=b"ok", request=post), request=post)
    ext.spider_closed()
    http = all_records(tmp_path)[2][2]
    assert http.headers[0] == ("Content-Length", "3")
    assert ("Host", "blog.test:8080") in http.headers
    assert all_records(tmp_path)[2][3] == b"q=1"


def test_lookup_seeds_revisits(tmp_path: Path) -> None:
    seen: list[str] = []

    def lookup(digest: str) -> Capture | None:  # what archive.capture_by_digest gives
        seen.append(digest)
        return Capture(
            url="http://blog.test/old",
            status=200,
            warc_file="old.warc.gz",
            warc_offset=0,
            warc_length=1,
            digest=digest,
            fetched_at="2020-01-01T00:00:00Z",
        )

    ext = make(tmp_path, GOAHEAD_WARC_DIGEST_LOOKUP=lookup)
    request, response = exchange()
    ext.response_downloaded(response=response, request=request)
    capture = request.meta["warc_capture"]
    assert capture.record_type == "revisit"
    assert seen == [capture.digest]
    ext.spider_closed()
    rtype, rh, _, payload = all_records(tmp_path)[1]
    assert (rtype, payload) == ("revisit", b"")
    assert rh.get_header("WARC-Refers-To-Target-URI") == "http://blog.test/old"
    assert rh.get_header("WARC-Refers-To-Date") == "2020-01-01T00:00:00Z"
    assert ext.stats.get_value("goahead/warc/revisits") == 1


def test_same_payload_twice_in_one_run_is_a_revisit(tmp_path: Path) -> None:
    ext = make(tmp_path)
    first, second = exchange("http://blog.test/a"), exchange("http://blog.test/b")
    empty = exchange("http://blog.test/c", body=b""), exchange("http://blog.test/d", body=b"")
    for request, response in (first, second, *empty):
        ext.response_downloaded(response=response, request=request)
    ext.spider_closed()
    kinds = [r.meta["warc_capture"].record_type for r, _ in (first, second, *empty)]
    assert kinds == ["response", "revisit", "response", "response"]


def test_write_metadata_links_to_the_last_response(tmp_path: Path) -> None:
    ext = make(tmp_path)
    request, response = exchange()
    ext.response_downloaded(response=response, request=request)
    written = ext.write_metadata(request.url, {"outlink": ["http://a/", "http://b/"]})
    ext.spider_closed()
    records = all_records(tmp_path)
    rtype, rh, _, body = records[-1]
    assert rtype == "metadata"
    assert body == b"outlink: http://a/\r\noutlink: http://b/\r\n"
    assert rh.get_header("WARC-Concurrent-To") == records[1][1].get_header("WARC-Record-ID")
    assert written.offset > request.meta["warc_capture"].warc_offset


def test_an_archived_page_gets_a_metadata_record_with_source_and_outlinks(
    tmp_path: Path,
) -> None:
    ext = make(tmp_path)
    request, response = exchange(goahead_source="feed", goahead_parent="http://blog.test/feed")
    ext.response_downloaded(response=response, request=request)
    page = Post(blog_id="1", post_id="2", url="http://blog.test/p", site="blog.test",
                outlinks=["http://a/", "http://b/"])
    ext.item_scraped(item=page, response=response)
    ext.item_scraped(item={"url": "http://blog.test/p"}, response=response)  # no outlinks
    ext.spider_closed()
    records = all_records(tmp_path)
    assert [r[0] for r in records] == ["warcinfo", "response", "request", "metadata", "metadata"]
    _, rh, _, body = records[-1]
    assert rh.get_header("WARC-Target-URI") == "http://blog.test/p?x=1"  # as captured
    assert rh.get_header("WARC-Concurrent-To") == records[1][1].get_header("WARC-Record-ID")
    assert body == (b"goahead-source: feed\r\nvia: http://blog.test/feed\r\n"
                    b"goahead-kind: post\r\noutlink: http://a/\r\noutlink: http://b/\r\n")


def test_a_post_an_earlier_crawl_captured_gets_a_completion_record(tmp_path: Path) -> None:
    """Stored again by this crawl with the images that settled since, released by an
    image's response: no page metadata about the image, a record about the post instead,
    naming its images, which the rebuild replays."""
    ext = make(tmp_path)
    request, response = exchange("http://cdn.test/photo.jpg", goahead_source="image")
    ext.response_downloaded(response=response, request=request)
    post = Post(blog_id="1", post_id="2", url="http://blog.test/p", site="blog.test",
                images=["http://cdn.test/photo.jpg"], warc_file="earlier.warc.gz",
                warc_offset=123)
    ext.item_scraped(item=post, response=response)
    ext.spider_closed()
    records = all_records(tmp_path)
    assert [r[0] for r in records] == ["warcinfo", "response", "request", "metadata",
                                       "metadata"]
    _, rh, _, body = records[-1]
    assert rh.get_header("WARC-Target-URI") == "http://blog.test/p"
    assert body == b"goahead-completed: images\r\ngoahead-image: http://cdn.test/photo.jpg\r\n"


def test_spider_opened_repairs_crashed_files(tmp_path: Path) -> None:
    left = RotatingWarcWriter(tmp_path, "goahead", host="h")
    left.write([])  # opens the file: warcinfo only
    path = left.current_path
    left._fh.close()  # crash
    with path.open("ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00partial")
    ext = make(tmp_path)
    ext.spider_opened()
    assert crashed_files(tmp_path) == []
    assert ext.stats.get_value("goahead/warc/repaired_files") == 1
    assert ext.stats.get_value("goahead/warc/repaired_bytes_cut") == 11


def test_a_bug_is_counted_and_raised(tmp_path: Path) -> None:
    ext = make(tmp_path)
    request, response = exchange(goahead_outlinks=5)  # a spider bug: not a list
    with pytest.raises(TypeError):
        ext.response_downloaded(response=response, request=request)
    ext.spider_closed()
    assert ext.stats.get_value("goahead/warc/errors") == 1
    assert not ext.failed


def test_find_and_load_helpers(tmp_path: Path) -> None:
    crawler = goahead_crawler(GOAHEAD_WARC_DIR=str(tmp_path))
    assert load_lookup(crawler, None) is None
    assert load_lookup(crawler, "os.path.basename") is not None
    assert find_warc_capture(crawler) is None  # extensions not loaded before crawl()


def test_http2_keeps_http11_framing_and_names_the_protocol(tmp_path: Path) -> None:
    ext = make(tmp_path)
    request, response = exchange()
    response = response.replace(protocol="h2")
    ext.response_downloaded(response=response, request=request)
    ext.spider_closed()
    _, rh, http, _ = all_records(tmp_path)[1]
    assert http.protocol == "HTTP/1.1"
    assert rh.get_header("WARC-Protocol") == "h2"


def test_a_failing_lookup_costs_dedup_not_the_capture(tmp_path: Path) -> None:
    def lookup(digest: str) -> None:
        raise RuntimeError("archive is locked")

    ext = make(tmp_path, GOAHEAD_WARC_DIGEST_LOOKUP=lookup)
    request, response = exchange()
    ext.response_downloaded(response=response, request=request)
    ext.spider_closed()
    assert request.meta["warc_capture"].record_type == "response"
    assert ext.stats.get_value("goahead/warc/lookup_errors") == 1


def test_capture_without_an_archive_has_no_lookup_but_still_captures(tmp_path: Path) -> None:
    """The default digest lookup needs the archive; with it off there are no revisits
    against earlier crawls, but capture goes on (it used to switch WarcCapture off)."""
    ext = make(tmp_path, GOAHEAD_ARCHIVE_ENABLED=False)
    assert ext.index.lookup is None
    request, response = exchange()
    ext.response_downloaded(response, request)
    ext.spider_closed()
    assert request.meta["warc_capture"].record_type == "response"
