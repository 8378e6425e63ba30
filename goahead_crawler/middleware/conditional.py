"""``ConditionalRequests``: the conditional GETs of an incremental re-crawl.

A downloader middleware that adds ``If-None-Match`` / ``If-Modified-Since`` to the
requests the spider marks ``goahead_conditional``, taking the validators from the URL's
latest capture (its WARC record's ETag and Last-Modified). A 304 then reaches the spider as
a normal response, and ``WarcCapture`` writes it as a server-not-modified revisit of that
capture (``request.meta["goahead_previous"]``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from archive.captures import latest_capture
from goahead_crawler.blogger.urls import lower_escapes
from goahead_crawler.crawl_archive import CrawlArchive
from goahead_crawler.warc.files import settings_warc_folder
from goahead_crawler.warc.reader import RevisitRecord, read_response

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from sqlite_utils import Database

logger = logging.getLogger(__name__)
CONDITIONAL = "goahead_conditional"  # request.meta: add validators from the last capture
PREVIOUS = "goahead_previous"  # request.meta: (uri, warc-date, payload digest) it revisits


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    previous: tuple[str, str, str]  # the full response it stands for: uri, date, digest


def capture_validators(db: Database, warc_dir: str, url: str) -> Validators | None:
    """ETag / Last-Modified of ``url``'s latest capture, read back from its WARC record.
    A URL captured before escapes were sent in upper case is found under its lower-case
    spelling (one indexed lookup more, for a URL with escapes and no capture): else the
    first crawl after the upgrade downloaded each such image or post again in full."""
    capture = latest_capture(db, url)
    if capture is None and "%" in url:
        capture = latest_capture(db, lower_escapes(url))
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

    def __init__(self, crawler: Crawler, archive: CrawlArchive, warc_dir: str) -> None:
        self.crawler = crawler
        self.archive = archive
        self.warc_dir = warc_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequests:
        s = crawler.settings
        if not s.getbool("GOAHEAD_INCREMENTAL"):
            raise NotConfigured("GOAHEAD_INCREMENTAL is off")
        archive = CrawlArchive.of(crawler)
        if archive is None or not s.getbool("GOAHEAD_WARC_ENABLED"):
            raise NotConfigured("conditional requests need the archive and the WARC files")
        return cls(crawler, archive, str(settings_warc_folder(s)))

    def process_request(self, request: Request) -> None:
        if not request.meta.get(CONDITIONAL) or PREVIOUS in request.meta:
            return
        db = self.archive.reader()
        found = capture_validators(db, self.warc_dir, request.url.split("#", 1)[0]) if db else None
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
