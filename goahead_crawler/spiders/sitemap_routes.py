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

from goahead_crawler.blogger.sitemap import MAX_IDLE_SITEMAPS
from goahead_crawler.listings import sitemap_listings, sitemap_of

CHAINED = "goahead_chained"  # request.meta: one of an index's sitemaps, read one at a time


class SitemapRoutes:
    """Everything here reads the spider's ``discovery``, ``frontier`` and scheduling."""

    def _sitemap_request(self: Any, url: str, *, index: bool, pages: bool = False,
                         chained: bool = False) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.sitemap_failed,
                              dont_filter=chained,  # the chain asks each once (_chain_sitemaps)
                              meta={"goahead_source": "sitemap", "goahead_index": index,
                                    "goahead_pages": pages, CHAINED: chained,
                                    **self._conditional_meta()})

    def _chain_sitemaps(self: Any, index_url: str, locs: list[str]) -> Iterator[Any]:
        """An index's sitemaps, one at a time (:meth:`_next_sitemap`), each once, and not
        those asked already (an index that names itself, or the pages sitemap)."""
        asked = {index_url, self.root + "sitemap.xml", self.root + "sitemap-pages.xml"}
        self.discovery.sitemap_queue = [loc for loc in dict.fromkeys(locs) if loc not in asked]
        yield from self._next_sitemap(None)

    def _next_sitemap(self: Any, new: int | None) -> Iterator[Any]:
        """The index's next sitemap, unless :data:`MAX_IDLE_SITEMAPS` in a row named no
        post not named before (``new`` 0; None: unchanged since the last run, or the
        chain's start)."""
        state = self.discovery
        state.sitemaps_idle = state.sitemaps_idle + 1 if new == 0 else 0
        if not state.sitemap_queue:
            return
        if state.sitemaps_idle >= MAX_IDLE_SITEMAPS:
            self._stalled("sitemap", f"{state.sitemaps_idle} sitemaps in a row named no post"
                                     " not named before, or failed; the"
                                     f" {len(state.sitemap_queue):,} more the index names are"
                                     " not read")
            state.sitemap_queue = []
            return
        yield self._sitemap_request(state.sitemap_queue.pop(0), index=False, chained=True)

    def parse_sitemap(self: Any, response: Response) -> Iterator[Any]:
        chained = response.meta.get(CHAINED)
        if self._not_modified(response, "sitemap"):  # unchanged since the last run
            if response.meta.get("goahead_index"):
                self.discovery.sitemap_state = "ok"
            if chained:
                yield from self._next_sitemap(None)
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
        yield from self._chain_sitemaps(response.url, page.sitemaps) if page.sitemaps else ()
        if chained:
            named = {self.frontier.key(e.url) for e in page.posts}
            yield from self._next_sitemap(len(named - self.discovery.sitemap_ids))
            self.discovery.sitemap_ids |= named
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
        if meta.get(CHAINED):
            yield from self._next_sitemap(0)
        if meta.get("goahead_pages"):
            self.discovery.pages_from_html = self.pages_enabled
        if meta.get("goahead_index") and self.discovery.sitemap_state == "pending":
            self.discovery.sitemap_state = "off"
            self.crawler.stats.set_value("goahead/sitemap/unavailable", 1)
            yield from self._maybe_start_pager()
