"""Earlier captures for WARC revisit records, looked up in the archive's captures table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from archive.captures import capture_by_digest
from goahead_crawler.crawl_archive import CrawlArchive

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from archive.models import Capture


class ArchiveDigestLookup:
    """``GOAHEAD_WARC_DIGEST_LOOKUP``: payload digest -> the earliest capture with that payload.

    Reads through the crawl's one archive connection (:mod:`goahead_crawler.crawl_archive`),
    the pipeline's: never a second connection beside it.
    """

    def __init__(self, archive: CrawlArchive) -> None:
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveDigestLookup:
        archive = CrawlArchive.of(crawler)
        if archive is None:
            raise NotConfigured("no archive to look earlier captures up in")
        return cls(archive)

    def __call__(self, digest: str) -> Capture | None:
        db = self.archive.reader()
        return capture_by_digest(db, digest) if db is not None else None
