"""What the blog lists, for the run's reconciliation: the ``blogger`` spider's side.

Mixed into ``BloggerSpider``. Every post or page URL a listing names (the feed, the
sitemaps, HTML navigation: :mod:`goahead_crawler.listings`, the rule the rebuild from WARC
shares) is noted in the run ledger (:mod:`goahead_crawler.ledger`),
and so is each one ``--max-posts`` kept out; a post page that could not be fetched is
noted with its reason. At the start of every run, resumed or not, the posts and pages
that earlier runs listed and the archive still lacks are scheduled first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.listed import Listing, missing_listed
from goahead_crawler.blogger.urls import same_blog
from goahead_crawler.crawl_archive import CrawlArchive
from goahead_crawler.ledger import RunLedger
from goahead_crawler.listings import on_blog
from goahead_crawler.signals import fetch_failed

UNSTORED = "unstored"  # the source of a missing post scheduled first
UNSTORED_PRIORITY = 10  # ahead of every other post page


class ListedRoutes:
    """Everything here reads ``self.frontier`` and ``self.crawler``."""

    _run_ledger: RunLedger | None = None

    @property
    def ledger(self: Any) -> RunLedger:
        if self._run_ledger is None:
            ledger = self._run_ledger = RunLedger.of(self.crawler)
            ledger.key = lambda url: self.frontier.key(url)
            ledger.claimed = lambda url: url in self.frontier.seen
        return self._run_ledger

    def _listed(self: Any, listings: list[Listing], response: Response) -> None:
        """What a listing response names (:mod:`goahead_crawler.listings`), dated when it
        was fetched (its WARC capture's time, as the rebuild dates it)."""
        capture = response.meta.get("warc_capture")
        for item in on_blog(listings, self.frontier.key, self.root,
                            capture.fetched_at if capture else None):
            self.ledger.listed(item)

    def _note(self: Any, url: str, kind: str = "post") -> None:
        """A URL a source named, before the frontier decides: a post that ``--max-posts``
        keeps out."""
        key = self.frontier.key(url)
        if not same_blog(key, self.root):
            return
        if kind == "post" and key not in self.frontier.seen and self.frontier.limit_reached():
            self.ledger.limited_out(key)

    def _unstored_first(self: Any) -> Iterator[scrapy.Request]:
        """The posts and pages earlier runs listed that the archive still lacks."""
        db = CrawlArchive.reader_of(self.crawler)
        if db is None:
            return
        missing = missing_listed(db, urlsplit(self.root).netloc)
        if missing:
            self.logger.info("%d posts listed before are not in the archive: fetching them"
                             " first", len(missing))
        for item in missing:
            for request in self._schedule(item.url, UNSTORED, kind=item.kind,
                                          lastmod=item.lastmod):
                yield request.replace(priority=UNSTORED_PRIORITY)

    def _fetch_failed(self: Any, failure: Failure) -> None:
        """A post or page that could not be fetched: its reason goes into the ledger."""
        request = failure.request
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        reason = fetch_failure_reason(failure)
        self.ledger.not_stored(first, reason)
        self.ledger.fail(first, reason, request.meta.get("retry_times", 0))
        self.crawler.signals.send_catch_log(fetch_failed, url=first, reason=reason)
        self._stat("posts/failed")
        self.logger.warning("Could not fetch %s: %s", first, reason)


def fetch_failure_reason(failure: Failure) -> str:
    """One line: why a page request failed for good."""
    exc = failure.value
    if failure.check(HttpError):
        return f"HTTP {exc.response.status}"
    if failure.check(IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return "excluded by robots.txt"
        if "offsite" in text.lower():
            return f"redirected off the blog, to {failure.request.url}"
        return text or "not requested"  # e.g. out of scope (redirected from ...): why
    return f"{type(exc).__name__}: {exc}"[:300]
