"""The sitemaps as a source of posts and pages: the ``blogger`` spider's side.

Mixed into ``BloggerSpider``. ``/sitemap.xml`` (an index, or a plain urlset) and
``/sitemap-pages.xml`` cross-check the posts feed and fill what it lacks: their posts are
held in the frontier until the feed is exhausted, their static pages scheduled at once. A
sitemap that is missing or unreadable says so, and with no feed either, discovery falls
back to HTML navigation. What a sitemap may claim (its caps, foreign hosts) is checked in
``spiders/safeguards.py`` and ``blogger/sitemap.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response
from twisted.python.failure import Failure

from goahead_crawler.listings import sitemap_listings, sitemap_of


class SitemapRoutes:
    """Everything here reads the spider's ``discovery``, ``frontier`` and scheduling."""

    def _sitemap_request(self: Any, url: str, *, index: bool, pages: bool = False
                         ) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.sitemap_failed,
                              meta={"goahead_source": "sitemap", "goahead_index": index,
                                    "goahead_pages": pages, **self._conditional_meta()})

    def parse_sitemap(self: Any, response: Response) -> Iterator[Any]:
        if self._not_modified(response, "sitemap"):  # unchanged since the last run
            if response.meta.get("goahead_index"):
                self.discovery.sitemap_state = "ok"
            return
        try:
            page, over = sitemap_of(response.body, self.root)
        except (etree.XMLSyntaxError, StopIteration, ValueError) as exc:
            self.logger.warning("Unusable sitemap %s: %s", response.url, exc)
            yield from self._sitemap_unavailable(response.meta)
            return
        self._stat("sitemap/files")
        self._stat("sitemap/posts", len(page.posts))  # named, before an incremental run's choice
        if response.meta.get("goahead_index"):  # an index, or a plain urlset, at /sitemap.xml
            self.discovery.sitemap_state = "ok"
        self._check_sitemap(response, page, over)
        self._listed(sitemap_listings(page, self.pages_enabled), response)
        for loc in page.sitemaps:
            yield self._sitemap_request(loc, index=False)
        for entry in self._sitemap_posts(page.posts):
            if self.frontier.feed_done:
                yield from self._schedule(entry.url, "sitemap", lastmod=entry.lastmod)
            else:
                self._stat("found/sitemap")
                self._note(entry.url)
                self.frontier.hold(entry)
        for entry in page.pages if self.pages_enabled else []:
            yield from self._schedule(entry.url, "sitemap-pages", kind="page",
                                      lastmod=entry.lastmod)

    def sitemap_failed(self: Any, failure: Failure) -> Iterator[Any]:
        self.logger.info("Sitemap %s unavailable: %s", failure.request.url, failure.value)
        yield from self._sitemap_unavailable(failure.request.meta)

    def _sitemap_unavailable(self: Any, meta: dict[str, Any]) -> Iterator[Any]:
        self._stat("sitemap/errors")
        if meta.get("goahead_pages"):
            self.discovery.pages_from_html = self.pages_enabled
        if meta.get("goahead_index") and self.discovery.sitemap_state == "pending":
            self.discovery.sitemap_state = "off"
            self.crawler.stats.set_value("goahead/sitemap/unavailable", 1)
            yield from self._maybe_start_pager()
