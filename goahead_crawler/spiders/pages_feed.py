"""The static pages' feed (``/feeds/pages/default``): the ``blogger`` spider's side.

Mixed into ``BloggerSpider``. A static page's markup shows no date and no author; Blogger's
pages feed gives both (and the page id), as the posts feed does for posts. A full run reads
it once, one page of entries (bounded: ``GOAHEAD_FEED_PAGE_SIZE``, never paged on), before
``/sitemap-pages.xml``, and schedules the pages it names with their entry (source
``pages-feed``, which the rebuild reads the same way: ``rebuild.history.WITH_ENTRY``); the
sitemap and the pages' links add the pages it did not name, without an entry. Incremental
runs do not ask for it (they fetch no static page but a retry). Its pages are not "listed"
(the sitemap and links list them), so a page it names and nothing else lists is not
reported missing when its fetch fails: the failure itself is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from goahead_crawler.blogger.feed import FeedError, parse_feed
from goahead_crawler.blogger.urls import PAGES_FEED_PATH, feed_page_url, is_static_page_path
from goahead_crawler.middleware.failures import REFUSAL_REPORTED_BY_SPIDER
from goahead_crawler.middleware.scope_guard import OutOfScope

SOURCE = "pages-feed"


class PagesFeedRoutes:
    """Reads the spider's ``root``, ``page_size``, ``frontier`` and scheduling."""

    def _pages_feed_request(self: Any, alt: str = "json") -> scrapy.Request:
        return scrapy.Request(
            feed_page_url(self.root, 1, self.page_size, alt=alt, path=PAGES_FEED_PATH),
            callback=self.parse_pages_feed, errback=self.pages_feed_failed,
            # a redirect off the blog is the owner's: a feed that is off (pages_feed_failed)
            meta={"goahead_source": SOURCE, "goahead_alt": alt,
                  REFUSAL_REPORTED_BY_SPIDER: True})

    def parse_pages_feed(self: Any, response: Response) -> Iterator[Any]:
        alt = response.meta.get("goahead_alt", "json")
        try:
            page = parse_feed(response.body)
        except FeedError as exc:
            yield from self._pages_feed_lost(response.url, str(exc), alt)
            return
        self._stat("pages_feed/entries", len(page.entries))
        if page.total is not None and page.total > len(page.entries) + len(page.skipped):
            self.logger.warning(
                "The pages feed counts %d static pages and named %d (read once, not paged"
                " on): the others get no feed date or author", page.total,
                len(page.entries))
        for skipped in page.skipped:
            self.logger.warning("Pages feed entry %s skipped: %s", skipped.name, skipped.reason)
        for entry in page.entries:
            if entry.url and is_static_page_path(entry.url):
                yield from self._schedule(entry.url, SOURCE, entry=entry, kind="page")
            else:
                self.logger.warning("Pages feed entry %s names no static page: %s",
                                    entry.post_id, entry.url)
        yield from self._pages_sitemap_next()

    def pages_feed_failed(self: Any, failure: Failure) -> Iterator[Any]:
        request = failure.request
        if failure.check(OutOfScope):  # not recorded as a failure: said here
            self._stat("pages_feed/errors")
            self.logger.warning("The pages feed redirects off the blog, to %s; static pages"
                                " get no feed date or author", request.url)
            yield from self._pages_sitemap_next()
            return
        status = failure.value.response.status if failure.check(HttpError) else None
        off = status in (404, 410) or failure.check(IgnoreRequest)  # off, or robots.txt
        yield from self._pages_feed_lost(request.url, str(failure.value),
                                         "atom" if off else request.meta.get("goahead_alt"))

    def _pages_feed_lost(self: Any, url: str, why: str, alt: str | None) -> Iterator[Any]:
        """JSON refused or broken: Atom once (not for a feed that is off: 404, 410); then
        the pages come without feed dates."""
        self._stat("pages_feed/errors")
        if alt == "json":
            yield self._pages_feed_request("atom")
            return
        self.logger.info("No usable pages feed (%s: %s): static pages get no feed date or"
                         " author", url, why)
        yield from self._pages_sitemap_next()

    def _pages_sitemap_next(self: Any) -> Iterator[Any]:
        if self.sitemap_enabled:
            yield self._sitemap_request(self.root + "sitemap-pages.xml", index=False,
                                        pages=True)
