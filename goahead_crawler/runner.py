"""Run blogger crawls from Python: one settings object, the same code as ``scrapy crawl``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings


@dataclass
class CrawlResult:
    url: str
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "not started"))

    @property
    def errors(self) -> int:
        return int(self.stats.get("log_count/ERROR", 0)) + int(
            self.stats.get("goahead/warc/errors", 0)
        )

    @property
    def ok(self) -> bool:
        return self.finish_reason == "finished" and self.errors == 0

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """goahead's settings module plus overrides at "cmdline" priority, like ``scrapy -s``."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "goahead_crawler.settings")
    settings = get_project_settings()
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def run_crawls(urls: list[str], settings: Settings, spider_args: dict[str, Any] | None = None
               ) -> list[CrawlResult]:
    """Crawl each blog (concurrently, one crawler each) and return their final stats."""
    process = CrawlerProcess(settings)
    pairs = []
    for url in urls:
        crawler = process.create_crawler("blogger")
        process.crawl(crawler, url=url, **(spider_args or {}))
        pairs.append((url, crawler))
    process.start()
    return [CrawlResult(url, dict(crawler.stats.get_stats())) for url, crawler in pairs]
