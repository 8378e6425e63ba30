"""Retry-After is honoured (bounded) and requests that fail for good are recorded."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from twisted.internet.task import Clock

from goahead_crawler.cli.ops import runs
from goahead_crawler.middleware.failures import failures_from_stats
from goahead_crawler.middleware.retry_after import RetryAfter, retry_after_seconds
from tests.conftest import goahead_crawler

ROOT = Path(__file__).resolve().parents[1]

SPIDER = '''
import json
import scrapy

class Probe(scrapy.Spider):
    name = "probe"

    def __init__(self, urls="", out="", **kw):
        super().__init__(**kw)
        self.urls, self.out = urls.split(","), out

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        pass

    def closed(self, reason):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                 if isinstance(v, (int, float, str))}
        with open(self.out, "w") as fh:
            json.dump(stats, fh)
'''


def test_retry_after_values() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds(" 0 ") == 0.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(later, now=now) == 90.0
    past = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_a_retry_after_of_digits_that_are_not_ascii_is_no_value() -> None:
    """``Retry-After: ²`` (byte 0xB2, a digit to ``str.isdigit``) raised ValueError in the
    middleware: the 503 was not retried but lost, "could not convert string to float"."""
    for value in (b"\xb2", b"\xb9\xb3", "٣".encode()):
        assert retry_after_seconds(value) is None
    request = Request("http://x.blogspot.com/")
    response = Response(request.url, status=503, headers={"Retry-After": b"\xb2"},
                        request=request)
    mw = build_from_crawler(RetryAfter, goahead_crawler())
    assert asyncio.run(mw.process_response(request, response)) is response


def test_retry_after_is_configured_from_settings() -> None:
    mw = build_from_crawler(RetryAfter, goahead_crawler(GOAHEAD_RETRY_AFTER_MAX=5))
    assert mw.cap == 5.0
    assert mw.codes == {429, 503}
    with pytest.raises(NotConfigured):
        build_from_crawler(RetryAfter, goahead_crawler(GOAHEAD_RETRY_AFTER_ENABLED=False))
    with pytest.raises(NotConfigured, match="GOAHEAD_RETRY_AFTER_MAX"):
        build_from_crawler(RetryAfter, goahead_crawler(GOAHEAD_RETRY_AFTER_MAX=-1))


def _waited(retry_after: str, cap: float) -> tuple[float, float]:
    """(how long RetryAfter held a 429, on a fake clock; the seconds it counted)."""
    mw = build_from_crawler(RetryAfter, goahead_crawler(GOAHEAD_RETRY_AFTER_MAX=cap))
    mw.clock = Clock()
    request = Request("http://x.blogspot.com/")
    response = Response(request.url, status=429, headers={"Retry-After": retry_after},
                        request=request)

    async def run() -> float:
        task = asyncio.ensure_future(mw.process_response(request, response))
        ticks = 0
        await asyncio.sleep(0)
        while not task.done():
            mw.clock.advance(0.25)  # exact in binary: no float drift
            ticks += 1
            await asyncio.sleep(0)
        assert task.result() is response
        return ticks * 0.25

    return round(asyncio.run(run()), 2), mw.crawler.stats.get_value("goahead/retry_after/seconds")


def test_retry_after_holds_the_response_until_the_wait_is_over() -> None:
    assert _waited("2", cap=60) == (2.0, 2.0)
    assert _waited("3600", cap=0.5) == (0.5, 0.5)  # capped


def _probe(tmp_path: Path, urls: list[str], *settings: str) -> dict:
    spider = tmp_path / "probe.py"
    spider.write_text(SPIDER, encoding="utf-8")
    out = tmp_path / "stats.json"
    args = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-a", f"urls={','.join(urls)}",
            "-a", f"out={out}", "-s", "GOAHEAD_WARC_ENABLED=0", "-s", "GOAHEAD_ARCHIVE_ENABLED=0",
            "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=2", "-s", "LOG_LEVEL=WARNING"]
    for setting in settings:
        args += ["-s", setting]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.crawl
def test_retry_after_waits_and_failures_are_recorded(sample_site, tmp_path: Path) -> None:
    base = sample_site.urls["goahead"]
    urls = [base + "retry-after", base + "status/500"]
    stats = _probe(tmp_path, urls)
    assert stats["goahead/retry_after/waits"] == 2  # two retries, Retry-After: 1 each
    assert stats["goahead/retry_after/seconds"] == 2.0  # that it really waits: on a Clock above
    failures = failures_from_stats(json.dumps(stats))
    assert sorted((f["url"], f["error"], f["retries"]) for f in failures) == [
        (base + "retry-after", "HTTP 429", 2), (base + "status/500", "HTTP 500", 2)]
    assert stats["goahead/failed/requests"] == 2
    hits = [path for _, path, _ in sample_site.requests("goahead") if path == "/retry-after"]
    assert len(hits) == 3


@pytest.mark.crawl
def test_retry_after_cap_bounds_the_wait(sample_site, tmp_path: Path) -> None:
    stats = _probe(tmp_path, [sample_site.urls["goahead"] + "retry-after"],
                   "GOAHEAD_RETRY_AFTER_MAX=0.1")
    assert stats["goahead/retry_after/seconds"] == pytest.approx(0.2)


@pytest.mark.crawl
def test_failed_posts_are_recorded_reported_and_fetched_by_the_next_run(
        sample_site, tmp_path: Path) -> None:
    base = sample_site.urls["contempo"]
    blog = sample_site.blog("contempo")
    broken = [p.path for p in blog.posts[:2]]
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    middlewares = {"goahead_crawler.middleware.retry_after.RetryAfter": 560,
                   "goahead_crawler.middleware.failures.FailureLog": 50, "tests.ops_faults.Always503": 950}
    first = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a", f"url={base}",
         "-s", f"GOAHEAD_ARCHIVE_DB={db}", "-s", f"GOAHEAD_WARC_DIR={warcs}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=1", "-s", "LOG_LEVEL=WARNING",
         "-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}",
         "-s", f"GOAHEAD_TEST_503_PATHS={','.join(broken)}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stderr[-3000:]
    second = subprocess.run(
        [sys.executable, "-m", "goahead_crawler", "crawl", base, "--db", str(db),
         "--warc-dir", str(warcs), "--delay", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr[-3000:]
    listed = CliRunner().invoke(runs, ["--db", str(db), "--json"])
    latest, earliest = json.loads(listed.output)
    failed = sorted(f["url"] for f in earliest["failures"])
    assert failed == sorted(base.rstrip("/") + path for path in broken)
    assert {f["error"] for f in earliest["failures"]} == {"HTTP 503"}
    assert earliest["new"] == len(blog.posts) + len(blog.pages) - 2
    assert latest["failures"] == []
    assert latest["new"] == 2  # the two posts that failed, fetched by the next run


def test_crawl_reports_failures_at_the_end(capsys) -> None:
    from goahead_crawler.cli.crawl import report_failures
    from goahead_crawler.runner import CrawlResult

    failures = [{"url": f"http://b/{i}.html", "error": "HTTP 503", "retries": 3}
                for i in range(7)]
    report_failures([CrawlResult("http://b/", {"goahead/failures": json.dumps(failures)}),
                     CrawlResult("http://ok/", {})])
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("7 failures in the crawl of http://b/")
    assert err[1:] == [f"  http://b/{i}.html  HTTP 503" for i in range(5)]


def test_a_download_error_is_one_line_a_person_reads() -> None:
    """A TLS handshake that failed (an http-only blog asked as https) read
    "DownloadFailedError: [<twisted.python.failure.Failure OpenSSL.SSL.Error: [('SSL
    routines', '', 'wrong version number')]>]" in the run's failures and its one line."""
    from OpenSSL import SSL
    from scrapy.exceptions import DownloadFailedError
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseNeverReceived

    from goahead_crawler.middleware.failures import error_text

    try:
        raise SSL.Error([("SSL routines", "", "wrong version number")])
    except SSL.Error:
        tls = Failure()
    never = ResponseNeverReceived([tls])
    with pytest.raises(DownloadFailedError) as failed:
        raise DownloadFailedError(str(never)) from never
    assert error_text(failed.value) == (
        "DownloadFailedError: TLS handshake failed (wrong version number)")
    lost = ResponseNeverReceived([Failure(ConnectionResetError("reset by peer"))])
    assert error_text(lost) == "ResponseNeverReceived: ConnectionResetError: reset by peer"
    assert error_text(TimeoutError("took 180 s")) == "TimeoutError: took 180 s"
