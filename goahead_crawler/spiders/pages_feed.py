"""The static pages' feed (``/feeds/pages/default``): the ``blogger`` spider's side.

Mixed into ``BloggerSpider``. A static page's markup shows no date and no author; Blogger's
pages feed gives both (and the page id), as the posts feed does for posts. A full run reads
it before ``/sitemap-pages.xml``, paged by what came back (as the posts feed is) while each
page names pages not named before, at most :data:`MAX_PAGES_FEED_PAGES` pages; it schedules
the pages it names with their entry (source ``pages-feed``, which the rebuild reads the same
way: ``rebuild.history.WITH_ENTRY``); the sitemap and the pages' links add the pages it did
not name, without an entry. A page of it that fails, repeats itself or is past the cap ends
the paging with a warning saying how many pages it named of those it counts. Incremental
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

from goahead_crawler.blogger.feed import FeedError, next_start_index, parse_feed
from goahead_crawler.blogger.urls import PAGES_FEED_PATH, feed_page_url, is_static_page_path
from goahead_crawler.middleware.failures import REFUSAL_REPORTED_BY_SPIDER
from goahead_crawler.middleware.scope_guard import OutOfScope

SOURCE = "pages-feed"
# Feed pages read at most (150 entries each: 1,500 static pages, more than a blog's menu
# can show): a feed naming new pages on every page, behind a made-up total, stops here.
MAX_PAGES_FEED_PAGES = 10


class PagesFeedRoutes:
    """Reads the spider's ``root``, ``page_size``, ``frontier`` and scheduling."""

    pages_feed_named: set[str] | None = None  # page URLs (or entry ids) the feed named

    def _pages_feed_request(self: Any, alt: str = "json", start: int = 1, number: int = 1
                            ) -> scrapy.Request:
        return scrapy.Request(
            feed_page_url(self.root, start, self.page_size, alt=alt, path=PAGES_FEED_PATH),
            callback=self.parse_pages_feed, errback=self.pages_feed_failed,
            # a redirect off the blog is the owner's: a feed that is off (pages_feed_failed)
            meta={"goahead_source": SOURCE, "goahead_alt": alt, "goahead_start": start,
                  "goahead_page": number, REFUSAL_REPORTED_BY_SPIDER: True})

    def parse_pages_feed(self: Any, response: Response) -> Iterator[Any]:
        alt = response.meta.get("goahead_alt", "json")
        start = response.meta.get("goahead_start", 1)
        number = response.meta.get("goahead_page", 1)
        try:
            page = parse_feed(response.body)
        except FeedError as exc:
            yield from self._pages_feed_lost(response, str(exc), alt)
            return
        self._stat("pages_feed/entries", len(page.entries))
        self._stat("pages_feed/pages")
        named = self.pages_feed_named = self.pages_feed_named or set()
        before = len(named)
        for skipped in page.skipped:
            named.add(skipped.url or f"entry:{skipped.name}")
            self.logger.warning("Pages feed entry %s skipped: %s", skipped.name, skipped.reason)
        for entry in page.entries:
            named.add(self.frontier.key(entry.url) if entry.url else f"id:{entry.post_id}")
            if entry.url and is_static_page_path(entry.url):
                yield from self._schedule(entry.url, SOURCE, entry=entry, kind="page")
            else:
                self.logger.warning("Pages feed entry %s names no static page: %s",
                                    entry.post_id, entry.url)
        following = next_start_index(page, start)
        if following is not None and len(named) > before and number < MAX_PAGES_FEED_PAGES:
            yield self._pages_feed_request(alt, following, number + 1)
            return
        if following is not None:
            why = (f"page {response.url} brought nothing not named before"
                   if len(named) == before else
                   f"{number} pages read, the most a run reads (MAX_PAGES_FEED_PAGES)")
            self._stalled("pages-feed", why)
        self._pages_feed_short(page.total)
        yield from self._pages_sitemap_next()

    def _pages_feed_short(self: Any, total: int | None) -> None:
        """The static pages the feed counts and did not name get no feed date: said."""
        named = len(self.pages_feed_named or ())
        if total is not None and total > named:
            self._stat("pages_feed/unnamed", total - named)
            self.logger.warning("The pages feed counts %d static pages and named %d: the"
                                " others get no feed date or author", total, named)

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
        yield from self._pages_feed_lost(request, str(failure.value),
                                         "atom" if off else request.meta.get("goahead_alt"))

    def _pages_feed_lost(self: Any, request: Any, why: str, alt: str | None
                         ) -> Iterator[Any]:
        """JSON refused or broken: Atom once, at the same start-index (not for a feed that
        is off: 404, 410); then the pages it did not name come without feed dates."""
        self._stat("pages_feed/errors")
        start = request.meta.get("goahead_start", 1)
        if alt == "json":
            yield self._pages_feed_request("atom", start, request.meta.get("goahead_page", 1))
            return
        if start == 1:
            self.logger.info("No usable pages feed (%s: %s): static pages get no feed date"
                             " or author", request.url, why)
        else:
            self._stalled("pages-feed", f"page {request.url} failed ({why}); the"
                          f" {len(self.pages_feed_named or ())} pages named before it keep"
                          " their feed dates")
        yield from self._pages_sitemap_next()

    def _pages_sitemap_next(self: Any) -> Iterator[Any]:
        if self.sitemap_enabled:
            yield self._sitemap_request(self.root + "sitemap-pages.xml", index=False,
                                        pages=True)
