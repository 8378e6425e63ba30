"""The crawl's one connection to its archive, shared by the pipeline and every reader.

The pipeline writes through it (migrations, posts, captures, the run row); the spider
(the previous run), the conditional-request middleware (validators), the WARC digest
lookup (revisits) and the resume skip list read through it. One connection, not one per
component: a second connection that a component opened beside the pipeline's, and kept,
lost the last writes of a crawl stopped by SIGTERM (commit 87e3f6a, and again in
tests/test_resume.py with a read-only one). It is opened, migrating, by whichever
component needs it first, and closed by the pipeline once it has written the run's final
row (on ``engine_stopped`` when there is no pipeline); a reader after that finds nothing.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals

from archive.connection import open_archive
from archive.errors import ArchiveError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from sqlite_utils import Database

#: Stats key: how many connections the crawl opened to its archive.
CONNECTIONS_STAT = "goahead/archive/connections"

_ARCHIVES: weakref.WeakKeyDictionary[Crawler, CrawlArchive] = weakref.WeakKeyDictionary()
_CHECKED: set[str] = set()  # archives this process has proved writable


def check_archive(path: str) -> None:
    """Prove the archive can take a crawl's writes (``open_archive(path, check=True)``),
    once per process: ``goahead crawl`` does it before any crawler starts, and the
    pipeline of a crawl started the Scrapy way does it before the first request."""
    key = str(Path(path).resolve())
    if key not in _CHECKED:
        open_archive(path, check=True).close()
        _CHECKED.add(key)


class CrawlArchive:
    """Get the crawler's instance with :meth:`of`; :meth:`db` writes, :meth:`reader` reads."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self._db: Database | None = None
        self.closed = False
        crawler.signals.connect(self.close, signal=signals.engine_stopped)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlArchive | None:
        """The crawler's archive, made on the first call; None when the archive is off."""
        settings = crawler.settings
        path = settings.get("GOAHEAD_ARCHIVE_DB")
        if not settings.getbool("GOAHEAD_ARCHIVE_ENABLED") or not path:
            return None
        archive = _ARCHIVES.get(crawler)
        if archive is None:
            archive = _ARCHIVES[crawler] = cls(crawler, path)
        return archive

    @classmethod
    def reader_of(cls, crawler: Crawler) -> Database | None:
        """The crawler's archive connection for reading (:meth:`reader`), or None when
        the archive is off or unusable."""
        archive = cls.of(crawler)
        return archive.reader() if archive is not None else None

    def db(self) -> Database:
        """The connection, opened (and the archive created or migrated) on first use.
        Raises :class:`~archive.errors.ArchiveError` for a file that is not an archive."""
        if self.closed:
            raise RuntimeError("the crawl's archive connection is closed")
        if self._db is None:
            self._db = open_archive(self.path)
            self.crawler.stats.inc_value(CONNECTIONS_STAT)
        return self._db

    def reader(self) -> Database | None:
        """The connection for a component that only reads, or None when the path holds
        no usable archive: the pipeline reports that, readers just find nothing."""
        if self.closed:
            return None
        try:
            return self.db()
        except ArchiveError:
            return None

    def close(self) -> None:
        self.closed = True
        if self._db is not None:
            self._db.close()
            self._db = None
