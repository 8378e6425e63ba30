"""Run blogger crawls from Python: one settings object, the same code as ``scrapy crawl``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from goahead_crawler import config

# Set by the archive pipeline at the end of a run (goahead_crawler/run_record.py).
STATUS_KEY = "goahead/run/status"
ERRORS_KEY = "goahead/run/errors"


@dataclass
class CrawlResult:
    url: str
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def finish_reason(self) -> str:
        """Scrapy's close reason; ``killed`` for a crawl that started but never closed (a
        second Ctrl-C stops Scrapy at once: its run row reads killed too)."""
        if "finish_reason" in self.stats:
            return str(self.stats["finish_reason"])
        return "killed" if "start_time" in self.stats else "not started"

    @property
    def errors(self) -> int:
        """The run's failures (one list, reconciled by the archive pipeline); without an
        archive, the ERROR lines logged and the WARC errors."""
        if ERRORS_KEY in self.stats:
            return int(self.stats[ERRORS_KEY])
        return int(self.stats.get("log_count/ERROR", 0)) + int(
            self.stats.get("goahead/warc/errors", 0)
        )

    @property
    def status(self) -> str:
        """The run's status (finished, incomplete, failed, shutdown, refused, ...)."""
        if STATUS_KEY in self.stats:
            return str(self.stats[STATUS_KEY])
        if self.finish_reason == "finished" and self.errors:
            return "incomplete"
        return self.finish_reason

    @property
    def ok(self) -> bool:
        return self.status == "finished" and not self.problem

    @property
    def problem(self) -> str | None:
        """Why there was no blog to archive (private, removed, unreachable, not Blogger)."""
        from goahead_crawler.middleware.blog_gate import PROBLEM_KEY

        return self.stats.get(PROBLEM_KEY) or None

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
    return run_jobs([CrawlJob(url) for url in urls], settings, spider_args)


# process.crawl(crawler) merges the process's settings into the crawler's unless the
# crawler's are at a higher priority: per-blog values sit just above "cmdline" (40).
SITE_PRIORITY = 41


@dataclass(frozen=True)
class CrawlJob:
    """One blog to crawl, with settings of its own on top of the shared ones."""

    url: str
    overrides: dict[str, Any] = field(default_factory=dict)


def check_jobs(jobs: list[CrawlJob], settings: Settings) -> None:
    """Refuse settings that cannot work (``config.ConfigError``) before anything starts."""
    shared = settings.copy_to_dict()
    for job in jobs:
        config.validate({**shared, **job.overrides})


def run_jobs(jobs: list[CrawlJob], settings: Settings,
             spider_args: dict[str, Any] | None = None) -> list[CrawlResult]:
    """Crawl every job in one process, concurrently; each crawler gets its own settings."""
    process = CrawlerProcess(settings)
    pairs = []
    for job in jobs:
        crawler = process.create_crawler("blogger")
        # settings freeze only when the crawl starts, so per-blog overrides go in here
        crawler.settings.setdict(job.overrides, priority=SITE_PRIORITY)
        process.crawl(crawler, url=job.url, **(spider_args or {}))
        pairs.append((job.url, crawler))
    process.start()
    return [CrawlResult(url, dict(crawler.stats.get_stats())) for url, crawler in pairs]
