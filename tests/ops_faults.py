"""A fault for whole-crawl tests: chosen pages answer 503 (Retry-After-less) every time.

Loaded by a crawl subprocess as ``tests.ops_faults.Always503`` (the project root is on
``sys.path`` under ``python -m``); ``GOAHEAD_TEST_503_PATHS`` lists the URL paths.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse


class Always503:
    def __init__(self, paths: list[str]) -> None:
        self.paths = set(paths)

    @classmethod
    def from_crawler(cls, crawler: Any) -> Always503:
        return cls(crawler.settings.getlist("GOAHEAD_TEST_503_PATHS"))

    def process_request(self, request: Any) -> HtmlResponse | None:
        if urlsplit(request.url).path in self.paths:
            return HtmlResponse(request.url, status=503, body=b"down", request=request)
        return None


class TinyArchive:
    """Extension: the crawl's archive connection may grow by only
    ``GOAHEAD_TEST_ARCHIVE_PAGES`` more pages (SQLite's ``max_page_count``): past that,
    every write fails with SQLITE_FULL, "database or disk is full", as on a full disk."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.pages = crawler.settings.getint("GOAHEAD_TEST_ARCHIVE_PAGES")
        from scrapy import signals

        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Any) -> TinyArchive:
        return cls(crawler)

    def spider_opened(self) -> None:
        from goahead_crawler import crawl_lock
        from goahead_crawler.crawl_archive import CrawlArchive

        db = CrawlArchive.of(self.crawler).db()
        used = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {used + self.pages}")
        # On a real disk the lock file's reserve, freed before the run's last write, is
        # room that write can use; under a page limit it would free nothing, and whether
        # the last write still fit would depend on how full the last page happened to be.
        free_reserve = crawl_lock.CrawlLock.free_reserve

        def free_reserve_as_a_disk_would(lock: crawl_lock.CrawlLock) -> None:
            free_reserve(lock)
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed: the run is over
                size = db.execute("PRAGMA page_size").fetchone()[0]
                now = db.execute("PRAGMA page_count").fetchone()[0]
                db.execute(f"PRAGMA max_page_count = {now + crawl_lock.RESERVE_BYTES // size}")

        crawl_lock.CrawlLock.free_reserve = free_reserve_as_a_disk_would  # type: ignore[method-assign]


class FullWarcDisk:
    """Extension: the WARC writer fails with ENOSPC ("No space left on device") once it
    has written ``GOAHEAD_TEST_WARC_GROUPS`` record groups, as on a full disk."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.left = crawler.settings.getint("GOAHEAD_TEST_WARC_GROUPS")
        from scrapy import signals

        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FullWarcDisk:
        return cls(crawler)

    def spider_opened(self) -> None:
        import errno

        from goahead_crawler.warc.extension import find_warc_capture

        writer = find_warc_capture(self.crawler).writer
        write = writer.write

        def full(group: Any) -> Any:
            if self.left <= 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.left -= 1
            return write(group)

        writer.write = full
