"""Baseline for bench/crawl.py: download a list of URLs with Scrapy and do nothing else.

Run it outside the project (bench/runs.py does: another working directory, no
SCRAPY_SETTINGS_MODULE), so that none of goahead's settings (WARC capture, the archive
pipeline, scope, conditional requests) apply: Scrapy's defaults and the settings below.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {  # noqa: RUF012 - Scrapy's own idiom
        "ROBOTSTXT_OBEY": False,  # robots.txt is in the URL list when the crawl asked for it
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 8,  # as goahead's
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "TELNETCONSOLE_ENABLED": False,  # as goahead: no listening ports
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }

    def __init__(self, urls: str = "", stats: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.url_file = urls
        self.stats_file = stats

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.opened = time.monotonic()  # Scrapy sets elapsed_time_seconds after closed()
        for url in Path(self.url_file).read_text().split():
            yield scrapy.Request(url, callback=self.parse, dont_filter=True,
                                 meta={"handle_httpstatus_all": True})

    def parse(self, response: scrapy.http.Response) -> None:
        return None

    def closed(self, reason: str) -> None:
        if self.stats_file:
            stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                     if isinstance(v, int | float | str)}
            stats["elapsed_time_seconds"] = time.monotonic() - self.opened
            Path(self.stats_file).write_text(json.dumps(stats))
