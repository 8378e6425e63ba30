"""A tiny spider for tests/test_warc_crawl.py: fetches the given URLs and dumps what
the WARC extension reported (meta, the capture_written signal, stats) to JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import scrapy

from goahead_crawler.signals import capture_written


class WarcTestSpider(scrapy.Spider):
    name = "warctest"

    def __init__(self, urls: str = "", out: str = "", **kwargs):
        super().__init__(**kwargs)
        self.urls = urls.split(",")
        self.out = out
        self.signalled: list[dict] = []
        self.seen: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_capture, signal=capture_written)
        return spider

    def on_capture(self, capture, request):
        self.signalled.append({**dataclasses.asdict(capture), "request_url": request.url})

    async def start(self):
        for url in self.urls:
            meta = {"goahead_source": "feed", "goahead_parent": self.urls[0]}
            yield scrapy.Request(url, meta=meta, dont_filter=True)

    def parse(self, response):
        capture = response.meta.get("warc_capture")
        self.seen.append(
            {
                "url": response.url,
                "body": response.body.decode("latin-1"),
                "capture": dataclasses.asdict(capture) if capture else None,
            }
        )

    def closed(self, reason):
        stats = {
            k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, int | str)
        }
        Path(self.out).write_text(
            json.dumps(
                {
                    "reason": reason,
                    "stats": stats,
                    "signalled": self.signalled,
                    "seen": self.seen,
                }
            )
        )
