"""``SkipArchived``: a resumed job does not fetch again what it archived before it died.

A spider middleware, on only for a ``goahead crawl --resume`` job that resumes a killed
crawl (``GOAHEAD_RESUME_SINCE``, see :mod:`goahead_crawler.extensions.resume`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import NotConfigured

from archive.posts import urls_fetched_since
from goahead_crawler.blogger.urls import canonical_url
from goahead_crawler.crawl_archive import CrawlArchive

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class SkipArchived:
    """Spider middleware: on a resumed job, drop requests for pages archived since it began.

    Dropped before the scheduler, so they are neither fetched nor reported as failures.
    """

    def __init__(self, crawler: Crawler, archive: CrawlArchive, since: str) -> None:
        self.crawler = crawler
        self.archive = archive
        self.since = since
        self.done: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipArchived:
        since = crawler.settings.get("GOAHEAD_RESUME_SINCE")
        archive = CrawlArchive.of(crawler)
        if not since or archive is None:
            raise NotConfigured  # not a resumed job: off, silently
        return cls(crawler, archive, since)

    def _load(self) -> set[str]:
        site = urlsplit(getattr(self.crawler.spider, "root", "")).netloc
        db = self.archive.reader()
        done = urls_fetched_since(db, site, self.since) if db is not None else set()
        self.crawler.stats.set_value("goahead/resume/already_archived", len(done))
        logger.info("Resuming job begun %s: %d pages already archived", self.since, len(done))
        return done

    def _keep(self, item: Any) -> bool:
        if not isinstance(item, Request):
            return True
        if self.done is None:
            self.done = self._load()
        if canonical_url(item.url) in self.done:
            self.crawler.stats.inc_value("goahead/resume/skipped")
            return False
        return True

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            if self._keep(item):
                yield item

    def process_spider_output(self, response: Response, result: Iterable[Any]
                              ) -> Iterator[Any]:
        return (item for item in result if self._keep(item))

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]
                                          ) -> AsyncIterator[Any]:
        async for item in result:
            if self._keep(item):
                yield item
