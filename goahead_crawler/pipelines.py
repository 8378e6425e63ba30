"""ArchivePipeline: posts, comments, captures and the crawl-run row go into the SQLite archive."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.captures import record_capture
from archive.models import Capture, Post
from archive.posts import mark_gone, store_post, upsert_comments
from archive.runs import close_stale_runs, finish_run, start_run
from goahead_crawler.crawl_archive import CrawlArchive
from goahead_crawler.items import GonePost, PostComments
from goahead_crawler.signals import capture_written, warc_repaired

logger = logging.getLogger(__name__)

# Discovery figures copied from the crawl stats into the run row's counters.
STAT_COUNTERS = {
    "requests": "downloader/request_count",
    "bytes": "downloader/response_bytes",
    "errors": "log_count/ERROR",
}


class ArchivePipeline:
    """Upsert each ``Post`` on (blog_id, post_id), its comments, and every WARC capture.

    Errors are not swallowed: a failed write raises, Scrapy logs it as ``item_error`` and
    ``goahead crawl`` turns the error count into its exit status.
    """

    def __init__(self, crawler: Any, archive: CrawlArchive) -> None:
        self.crawler = crawler
        self.archive = archive
        self.db: Any = None
        self.run_id: int | None = None
        self.counts: Counter[str] = Counter()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.capture_written, signal=capture_written)
        crawler.signals.connect(self.warc_repaired, signal=warc_repaired)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        archive = CrawlArchive.of(crawler)
        if archive is None:
            raise NotConfigured("the archive is off (GOAHEAD_ARCHIVE_ENABLED, GOAHEAD_ARCHIVE_DB)")
        return cls(crawler, archive)

    def spider_opened(self) -> None:
        if self.db is not None:
            return
        spider = self.crawler.spider
        self.db = self.archive.db()
        root = getattr(spider, "root", "")
        site = urlsplit(root).netloc
        since = self.crawler.settings.get("GOAHEAD_RESUME_SINCE")
        if since:  # a resumed job: the runs its killed process left "running" are over
            killed = close_stale_runs(self.db, site, since)
            self.crawler.stats.set_value("goahead/resume/killed_runs", killed)
        settings = {k: v for k, v in self.crawler.settings.items() if k.startswith("GOAHEAD_")}
        self.run_id = start_run(self.db, site=site, url=root, settings=settings)
        self.crawler.stats.set_value("goahead/run_id", self.run_id)

    def capture_written(self, capture: Capture, **_: Any) -> None:
        if self.db is None:  # robots.txt may be fetched before spider_opened handlers finish
            self.spider_opened()
        capture.run_id = self.run_id
        record_capture(self.db, capture)

    def warc_repaired(self, path: Path) -> None:
        """A killed crawl's WARC file, just repaired: store what it captured and had no
        time to store, as the rebuild from WARC would (``goahead_crawler.rebuild``)."""
        from goahead_crawler.rebuild import catch_up

        result = catch_up(self.archive.db(), path)
        stats = self.crawler.stats
        stats.inc_value("goahead/catch_up/captures", result.captures)
        stats.inc_value("goahead/catch_up/posts", result.posts + result.pages)
        logger.warning("Caught up with the killed crawl of %s: %d captures, %d posts and "
                       "pages stored again (%d new, %d updated, %d unchanged), %d skipped",
                       path.name, result.captures, result.posts + result.pages, result.new,
                       result.updated, result.unchanged, len(result.problems))
        for problem in result.problems:
            logger.warning("Not caught up: %s", problem)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Post):
            self._store_post(item)
        elif isinstance(item, PostComments):
            stored = upsert_comments(self.db, item.blog_id, item.post_id, item.comments)
            self.counts["comments"] += stored
            self.crawler.stats.inc_value("goahead/comments/stored", stored)
        elif isinstance(item, GonePost):
            self._mark_gone(item)
        return item

    def _store_post(self, item: Post) -> None:
        outcome = store_post(self.db, item)
        self.counts[f"posts_{outcome}"] += 1
        if item.kind == "page":
            self.counts["pages"] += 1
        self.crawler.stats.inc_value(f"goahead/posts/{outcome}")

    def _mark_gone(self, item: GonePost) -> None:
        """A post that now answers 404 keeps its row, marked deleted (soft)."""
        if mark_gone(self.db, item.url, at=item.at):
            self.crawler.stats.inc_value("goahead/posts/marked_deleted")

    def spider_closed(self, reason: str) -> None:
        if self.db is None or self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        counters = dict(self.counts)
        for name, key in STAT_COUNTERS.items():
            counters[name] = stats.get(key, 0)
        # a 304 to a conditional request is an unchanged post that yielded no item
        counters["posts_unchanged"] = counters.get("posts_unchanged", 0) + stats.get(
            "goahead/posts/not_modified", 0)
        status = "finished" if reason == "finished" else reason
        finish_run(self.db, self.run_id, status=status, counters=counters,
                   stats={k: _jsonable(v) for k, v in stats.items()})
        self.archive.close()  # the crawl's one connection: nothing writes after the run row


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)
