"""Whole crawls with WarcCapture, in a subprocess, against a stdlib server on 127.0.0.1.

The server remembers the exact bytes it sent and the request it received, so the test
can compare the WARC records with the wire.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from goahead_crawler.warc.reader import read_response

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

ROOT = Path(__file__).resolve().parents[1]
SPIDER = Path(__file__).parent / "data" / "warc_spider.py"
HTML = "<html><body><p>ข่าว news</p></body></html>".encode()
GZ = gzip.compress(HTML, mtime=0)
GZ_CHUNKED = gzip.compress(HTML * 50, mtime=0)
SAME = b"identical payload " * 20
WARCIO_CLI = "from warcio.cli import main; main()"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: dict[str, tuple[str, list[tuple[str, str]]]] = {}  # noqa: RUF012

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Handler.received[self.path] = (self.requestline, list(self.headers.items()))
        path = self.path.split("?")[0]
        if path == "/gz":
            self._send(
                200,
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", "gzip"),
                    ("Set-Cookie", "a=1"),
                    ("Set-Cookie", "b=2"),
                ],
                GZ,
            )
        elif path == "/chunked":
            self._send_chunked(GZ_CHUNKED)
        elif path in ("/same-a", "/same-b"):
            self._send(200, [("Content-Type", "text/plain")], SAME)
        elif path == "/moved":
            self._send(301, [("Location", "/gz?from=moved&x=1")], b"")
        else:
            self._send(404, [("Content-Type", "text/plain")], b"not here")

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_chunked(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(body), 100):
            part = body[i : i + 100]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def crawl(tmp: Path, urls: list[str], **settings: object) -> dict:
    out = tmp / "result.json"
    args = [
        sys.executable,
        "-m",
        "scrapy.cmdline",
        "runspider",
        str(SPIDER),
        "-a",
        "urls=" + ",".join(urls),
        "-a",
        f"out={out}",
    ]
    base = {
        "EXTENSIONS": json.dumps({"goahead_crawler.warc.extension.WarcCapture": 0}),
        # the add-on brings goahead's defaults to a project that is not goahead's
        "ADDONS": json.dumps({"goahead_crawler.addon.Goahead": 0}),
        "GOAHEAD_ARCHIVE_ENABLED": "False",  # capture without an archive: no digest lookup
        "GOAHEAD_WARC_DIR": str(tmp / "warcs"),
        "ROBOTSTXT_OBEY": "False",
        "TELNETCONSOLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": "1",
        "LOG_LEVEL": "INFO",
        "USER_AGENT": "goahead-test/1.0",
    }
    for key, value in {**base, **settings}.items():
        args += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        args, cwd=tmp, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.exists(), proc.stderr[-4000:]
    return {**json.loads(out.read_text()), "log": proc.stderr, "dir": tmp / "warcs"}


def records(warc_dir: Path) -> list[tuple[str, object, bytes]]:
    found = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests="raise"):
                found.append((path.name, record, record.raw_stream.read()))
    return found


@pytest.fixture(scope="module")
def result(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    urls = [f"{server}/{p}" for p in ("gz", "chunked", "same-a", "same-b", "moved")]
    return crawl(tmp_path_factory.mktemp("crawl"), urls)


def by_type(result: dict, rtype: str) -> dict[str, tuple[object, bytes]]:
    return {
        r.rec_headers.get_header("WARC-Target-URI").split("/", 3)[3]: (r, body)
        for _, r, body in records(result["dir"])
        if r.rec_type == rtype
    }


def test_files_are_finished_and_pass_warcio_check(result: dict) -> None:
    assert result["reason"] == "finished", result["log"][-3000:]
    files = sorted(result["dir"].glob("*.warc.gz"))
    assert len(files) == 1
    assert not list(result["dir"].glob("*.open"))
    for tool in ("check", "index"):
        proc = subprocess.run(
            [sys.executable, "-c", WARCIO_CLI, tool, str(files[0])],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    with files[0].open("rb") as fh:
        assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"


def test_gzip_payload_is_kept_as_sent(result: dict) -> None:
    record, payload = by_type(result, "response")["gz"]
    assert payload == GZ
    # ...while HttpCompressionMiddleware still decoded it for the spider afterwards
    seen = {s["url"].split("/", 3)[3]: s["body"] for s in result["seen"]}
    assert seen["gz"] == HTML.decode("latin-1")
    http = record.http_headers
    assert http.protocol == "HTTP/1.1"
    assert http.get_statuscode() == "200"
    assert http.get_header("Content-Encoding") == "gzip"
    assert int(http.get_header("Content-Length")) == len(GZ)
    assert [v for k, v in http.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"


def test_chunking_is_removed_and_length_added(result: dict) -> None:
    record, payload = by_type(result, "response")["chunked"]
    assert payload == GZ_CHUNKED
    names = [k.lower() for k, _ in record.http_headers.headers]
    assert "transfer-encoding" not in names
    assert int(record.http_headers.get_header("Content-Length")) == len(GZ_CHUNKED)


def test_request_record_matches_what_the_server_received(result: dict) -> None:
    responses = by_type(result, "response")
    for target, (record, _) in by_type(result, "request").items():
        line, headers = Handler.received["/" + target]
        http = record.http_headers
        assert f"{http.protocol} {http.statusline}" == line
        assert http.headers == headers
        response_id = (responses.get(target) or by_type(result, "revisit")[target])[0]
        assert record.rec_headers.get_header("WARC-Concurrent-To") == (
            response_id.rec_headers.get_header("WARC-Record-ID")
        )
    assert "gz?from=moved&x=1" in by_type(result, "request")  # query string kept


def test_identical_payload_becomes_a_revisit(result: dict) -> None:
    revisits = {k: v for k, v in by_type(result, "revisit").items() if k.startswith("same")}
    assert len(revisits) == 1
    ((target, (record, payload)),) = revisits.items()
    other = "same-a" if target == "same-b" else "same-b"
    original, body = by_type(result, "response")[other]
    h = record.rec_headers
    assert payload == b""
    assert h.get_header("WARC-Refers-To-Target-URI").endswith("/" + other)
    assert h.get_header("WARC-Refers-To-Date") == original.rec_headers.get_header("WARC-Date")
    assert h.get_header("WARC-Payload-Digest") == original.rec_headers.get_header(
        "WARC-Payload-Digest"
    )
    assert body == SAME
    assert result["stats"]["goahead/warc/revisits"] == 2  # /gz is fetched twice too


def test_metadata_records_say_how_pages_were_found(result: dict) -> None:
    meta = by_type(result, "metadata")
    assert set(meta) >= {"gz", "chunked", "same-a", "same-b", "moved"}
    _, body = meta["chunked"]
    assert b"goahead-source: feed\r\n" in body
    assert b"via: http://127.0.0.1:" in body


def test_captures_reach_meta_signal_and_reader(result: dict) -> None:
    by_url = {c["url"].split("/", 3)[3]: c for c in result["signalled"]}
    assert set(by_url) == {"gz", "chunked", "same-a", "same-b", "moved", "gz?from=moved&x=1"}
    assert by_url["moved"]["status"] == 301
    assert by_url["same-a"]["record_type"] != by_url["same-b"]["record_type"]
    seen = {s["url"].split("/", 3)[3]: s for s in result["seen"]}
    capture = seen["chunked"]["capture"]
    signalled = dict(by_url["chunked"])
    assert signalled.pop("request_url") == capture["url"]
    assert capture == signalled
    headers, payload, decoded = read_response(
        result["dir"], capture["warc_file"], capture["warc_offset"]
    )
    assert payload == GZ_CHUNKED
    assert decoded == HTML * 50
    assert headers.get_header("Content-Encoding") == "gzip"
    assert capture["content_type"] == "text/html"
    assert capture["fetched_at"].endswith("Z")


def test_stats_count_records_bytes_and_files(result: dict) -> None:
    stats = result["stats"]
    all_records = records(result["dir"])
    assert stats["goahead/warc/records_written"] == len(all_records)
    size = sum(p.stat().st_size for p in result["dir"].glob("*.warc.gz"))
    assert stats["goahead/warc/bytes_written"] == size
    assert stats["goahead/warc/files"] == 1
    assert "goahead/warc/errors" not in stats


def test_rotation_at_a_tiny_size(server: str, tmp_path: Path) -> None:
    urls = [f"{server}/{p}" for p in ("gz", "chunked", "same-a")]
    result = crawl(tmp_path, urls, GOAHEAD_WARC_MAX_SIZE=1)
    files = sorted(result["dir"].glob("*.warc.gz"))
    assert len(files) == 3 == result["stats"]["goahead/warc/files"]
    for path in files:
        with path.open("rb") as fh:
            types = [r.rec_type for r in ArchiveIterator(fh)]
        assert types == ["warcinfo", "response", "request", "metadata"]


def test_a_disk_error_closes_the_spider(server: str, tmp_path: Path) -> None:
    (tmp_path / "warcs").write_text("a file where the WARC directory should be")
    result = crawl(tmp_path, [f"{server}/gz", f"{server}/chunked"])
    assert result["reason"] == "warc_error"
    assert result["stats"]["goahead/warc/errors"] >= 1
    assert "WARC write failed" in result["log"]
