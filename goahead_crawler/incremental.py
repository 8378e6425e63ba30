"""Incremental re-crawls: what the last successful run left, and conditional requests.

- :func:`previous_run` reads the archive: when the last finished full run of a site
  started, which posts are live there, and which requests failed since (to retry them).
  The spider asks the feed only for what changed after that start (``updated-min``).
- :class:`ConditionalRequests` (a downloader middleware) adds ``If-None-Match`` /
  ``If-Modified-Since`` to the requests the spider marks ``goahead_conditional``, taking
  the validators from the URL's latest capture (its WARC record's ETag and Last-Modified).
  A 304 then reaches the spider as a normal response, and ``WarcCapture`` writes it as a
  server-not-modified revisit of that capture (``request.meta["goahead_previous"]``).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlite_utils import Database

from archive import store
from goahead_crawler.blogger.changes import updated_min
from goahead_crawler.retry import failures_from_stats
from goahead_crawler.warc.reader import RevisitRecord, read_response

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
CONDITIONAL = "goahead_conditional"  # request.meta: add validators from the last capture
PREVIOUS = "goahead_previous"  # request.meta: (uri, warc-date, payload digest) it revisits

_LAST_RUN = (
    "SELECT id, started_at FROM runs WHERE site = ? AND status = 'finished'"
    " AND CAST(coalesce(json_extract(settings, '$.GOAHEAD_MAX_POSTS'), 0) AS INTEGER) = 0"
    " ORDER BY id DESC LIMIT 1"
)


@dataclass
class PreviousRun:
    """What an incremental run starts from."""

    run_id: int
    started_at: str
    since: str  # updated-min: started_at minus the margin, RFC 3339 UTC
    live_posts: set[str] = field(default_factory=set)  # canonical URLs, kind "post"
    retry_urls: list[str] = field(default_factory=list)  # failed after retries since then


def previous_run(db_path: str, site: str, margin_seconds: float) -> PreviousRun | None:
    """The last finished, unlimited run of ``site`` (a host), or None: crawl in full.

    Read-only: the spider must not migrate or lock the archive the pipeline opens next.
    """
    path = Path(db_path)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    db = read_only(path)
    try:
        return _previous_run(db, site, margin_seconds)
    except sqlite3.DatabaseError:  # not an archive (yet): the pipeline will say so
        return None
    finally:
        db.close()


def read_only(path: str | Path) -> Database:
    """The archive for reading only: no migrations, no locks beside the pipeline's writes."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    return Database(sqlite3.connect(uri, uri=True, check_same_thread=False))


def _previous_run(db: Database, site: str, margin_seconds: float) -> PreviousRun | None:
    last = next(iter(db.query(_LAST_RUN, [site])), None)
    if last is None:
        return None
    live = {r["url"] for r in db.query(
        "SELECT url FROM posts WHERE site = ? AND kind = 'post' AND deleted_at IS NULL",
        [site])}
    retry: list[str] = []
    for row in db.query("SELECT stats FROM runs WHERE site = ? AND id >= ? ORDER BY id",
                        [site, last["id"]]):
        retry += [f["url"] for f in failures_from_stats(row["stats"]) if f["url"] not in retry]
    return PreviousRun(last["id"], last["started_at"],
                       updated_min(last["started_at"], margin_seconds), live, retry)


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    previous: tuple[str, str, str]  # the full response it stands for: uri, date, digest


def capture_validators(db: Database, warc_dir: str, url: str) -> Validators | None:
    """ETag / Last-Modified of ``url``'s latest capture, read back from its WARC record."""
    capture = store.latest_capture(db, url)
    if capture is None or capture.status not in (200, 304):
        return None
    try:
        headers = read_response(warc_dir, capture.warc_file, capture.warc_offset).headers
        previous = (capture.url, capture.fetched_at, capture.digest)
    except RevisitRecord as revisit:
        headers = revisit.headers
        previous = (revisit.uri, revisit.date, revisit.digest)
    except (OSError, ValueError) as exc:
        logger.info("No validators for %s: %s", url, exc)
        return None
    etag, modified = headers.get_header("ETag"), headers.get_header("Last-Modified")
    if not etag and not modified:
        return None
    return Validators(etag, modified, previous)


class ConditionalRequests:
    """Downloader middleware: conditional GETs for the requests the spider marks."""

    def __init__(self, crawler: Crawler, db_path: str, warc_dir: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.warc_dir = warc_dir
        self.db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequests:
        s = crawler.settings
        if not s.getbool("GOAHEAD_INCREMENTAL", True):
            raise NotConfigured("GOAHEAD_INCREMENTAL is off")
        if not s.getbool("GOAHEAD_ARCHIVE_ENABLED", True) or not s.getbool(
                "GOAHEAD_WARC_ENABLED", True):
            raise NotConfigured("conditional requests need the archive and the WARC files")
        mw = cls(crawler, s.get("GOAHEAD_ARCHIVE_DB"), s.get("GOAHEAD_WARC_DIR") or "warcs")
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_request(self, request: Request) -> None:
        if not request.meta.get(CONDITIONAL) or PREVIOUS in request.meta:
            return
        if self.db is None:
            self.db = read_only(self.db_path)
        found = capture_validators(self.db, self.warc_dir, request.url.split("#", 1)[0])
        if found is None:
            return
        if found.etag:
            request.headers[b"If-None-Match"] = found.etag
        if found.last_modified:
            request.headers[b"If-Modified-Since"] = found.last_modified
        request.meta[PREVIOUS] = found.previous
        allowed = list(request.meta.get("handle_httpstatus_list", ()))
        request.meta["handle_httpstatus_list"] = [*allowed, 304]
        self.crawler.stats.inc_value("goahead/incremental/conditional")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
