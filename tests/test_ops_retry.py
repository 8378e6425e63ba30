"""Retry-After is honoured (bounded) and requests that fail for good are recorded."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from goahead_crawler.retry import RetryAfter, failures_from_stats, retry_after_seconds

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


def test_retry_after_is_configured_from_settings() -> None:
    mw = build_from_crawler(RetryAfter, get_crawler(settings_dict={"GOAHEAD_RETRY_AFTER_MAX": 5}))
    assert mw.cap == 5.0
    assert mw.codes == {429, 503}
    with pytest.raises(NotConfigured):
        build_from_crawler(RetryAfter, get_crawler(settings_dict={
            "GOAHEAD_RETRY_AFTER_ENABLED": False}))
    with pytest.raises(NotConfigured, match="GOAHEAD_RETRY_AFTER_MAX"):
        build_from_crawler(RetryAfter, get_crawler(settings_dict={
            "GOAHEAD_RETRY_AFTER_MAX": -1}))


def _probe(tmp_path: Path, urls: list[str], *settings: str) -> tuple[dict, float]:
    spider = tmp_path / "probe.py"
    spider.write_text(SPIDER, encoding="utf-8")
    out = tmp_path / "stats.json"
    args = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-a", f"urls={','.join(urls)}",
            "-a", f"out={out}", "-s", "GOAHEAD_WARC_ENABLED=0", "-s", "GOAHEAD_ARCHIVE_ENABLED=0",
            "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=2", "-s", "LOG_LEVEL=WARNING"]
    for setting in settings:
        args += ["-s", setting]
    began = time.monotonic()
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    elapsed = time.monotonic() - began
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text()), elapsed


def test_retry_after_waits_and_failures_are_recorded(sample_site, tmp_path: Path) -> None:
    base = sample_site.urls["goahead"]
    urls = [base + "retry-after", base + "status/500"]
    stats, elapsed = _probe(tmp_path, urls)
    assert stats["goahead/retry_after/waits"] == 2  # two retries, Retry-After: 1 each
    assert stats["goahead/retry_after/seconds"] == 2.0
    assert elapsed >= 2.0
    failures = failures_from_stats(json.dumps(stats))
    assert sorted((f["url"], f["error"], f["retries"]) for f in failures) == [
        (base + "retry-after", "HTTP 429", 2), (base + "status/500", "HTTP 500", 2)]
    assert stats["goahead/failed/requests"] == 2
    hits = [path for _, path, _ in sample_site.requests("goahead") if path == "/retry-after"]
    assert len(hits) == 3


def test_retry_after_cap_bounds_the_wait(sample_site, tmp_path: Path) -> None:
    stats, elapsed = _probe(tmp_path, [sample_site.urls["goahead"] + "retry-after"],
                            "GOAHEAD_RETRY_AFTER_MAX=0.1")
    assert stats["goahead/retry_after/seconds"] == pytest.approx(0.2)
    assert elapsed < 10
