"""Baseline for bench/crawl.py: download a list of URLs with Scrapy and do nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {  # noqa: RUF012 - Scrapy's own idiom
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }

    def __init__(self, urls: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.url_file = urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in Path(self.url_file).read_text().split():
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        return None
