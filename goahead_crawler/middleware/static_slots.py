"""``StaticSlots``: each image and static host other than the blog gets a download slot of
its own, with ``GOAHEAD_STATIC_CONCURRENCY`` concurrent requests.

Scrapy keys download slots by host name, so ``blogger.googleusercontent.com`` already
gets its own; but a CDN on the blog's host name and another port (a custom domain's, or
the test suite's stand-in) would share the blog's slot. This middleware names the slot by
origin (``host`` on a default port, ``host:port`` otherwise) for ``"static"`` requests off
the blog's origins, and gives a new slot its concurrency through Scrapy's own per-slot
settings (``DOWNLOAD_SLOTS``: an entry the user made for that host wins). The blog's own
images and requisites stay in the blog's slot, under the blog's limits. ``DOWNLOAD_DELAY``
and AutoThrottle apply to every slot alike.

A downloader middleware: Scrapy picks a request's slot after the middlewares have run
(``Downloader._enqueue_request``), from ``request.meta["download_slot"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

from goahead_crawler.blogger.scope import DEFAULT_PORTS, NotInScope, origin_of
from goahead_crawler.middleware.scope_guard import SCOPE_META

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

SLOT_META = "download_slot"


class StaticSlots:
    def __init__(self, crawler: Crawler, concurrency: int) -> None:
        self.crawler = crawler
        self.concurrency = concurrency

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StaticSlots:
        concurrency = crawler.settings.getint("GOAHEAD_STATIC_CONCURRENCY")
        if concurrency < 1:
            raise NotConfigured("GOAHEAD_STATIC_CONCURRENCY must be 1 or more")
        return cls(crawler, concurrency)

    def process_request(self, request: Request) -> None:
        if request.meta.get(SCOPE_META) != "static" or SLOT_META in request.meta:
            return
        key = self.slot_key(request.url)
        if key is None:
            return
        request.meta[SLOT_META] = key
        downloader = self.crawler.engine.downloader
        downloader.per_slot_settings.setdefault(key, {"concurrency": self.concurrency})

    def slot_key(self, url: str) -> str | None:
        """The slot of a static URL off the blog's origins; None to stay in the blog's."""
        scope = getattr(self.crawler.spider, "scope", None)
        try:
            origin = origin_of(url)
        except NotInScope:
            return None
        if scope is not None and origin in scope.blog:
            return None
        default = DEFAULT_PORTS[origin.scheme] == origin.port
        return origin.host if default else f"{origin.host}:{origin.port}"
