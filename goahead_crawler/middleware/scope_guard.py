"""``ScopeGuard``: every request the crawl would send, redirect hops included, is checked
against the blog's origin allow-list (:class:`goahead_crawler.blogger.scope.Scope`).

A downloader middleware ahead of robots.txt (so no robots.txt is fetched from an origin we
refuse) that replaces Scrapy's ``OffsiteMiddleware``, which compares host names only. Scrapy
sends a redirect's target back through the downloader middlewares, so each hop is checked
here. A refusal raises :class:`OutOfScope`: the request's errback sees it (the spider reports
the post as failed, with the reason) and ``FailureLog`` records it in the run's failures.

A request says what it is for in ``request.meta["goahead_scope"]``: ``"blog"`` (the
default) or ``"static"`` (images and page requisites). The robots.txt requests Scrapy makes
for an origin already let through are allowed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from goahead_crawler.blogger.scope import Scope

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
SCOPE_META = "goahead_scope"


class OutOfScope(IgnoreRequest):
    """A request refused by the crawl's scope; ``str()`` says why."""


class ScopeGuard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.static_origins = crawler.settings.getlist("GOAHEAD_STATIC_ORIGINS")
        self.scope: Scope | None = None
        self.opened = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeGuard:
        return cls(crawler)

    def spider_opened(self) -> None:
        """The blogger spider hands over its own scope (it adopts the blog's moves); a
        spider with a ``root`` gets one built from it; any other spider is not limited (as
        Scrapy's OffsiteMiddleware does without ``allowed_domains``)."""
        spider = self.crawler.spider
        self.scope = getattr(spider, "scope", None)
        if self.scope is None and getattr(spider, "root", None):
            self.scope = Scope(spider.root, self.static_origins)
        self.opened = True

    def process_request(self, request: Request) -> None:
        if not self.opened:  # robots.txt may be fetched before spider_opened handlers ran
            self.spider_opened()
        if self.scope is None:
            return
        reason = self._refusal(request)
        if reason is None:
            return
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("goahead/scope/refused")
        hops = request.meta.get("redirect_urls") or []
        via = f" (redirected from {hops[0]})" if hops else ""
        # INFO: FailureLog and the request's errback report the refusal (a private blog's
        # redirect to sign in is BlogGate's verdict, one line, not a refusal to warn about)
        logger.info("Out of scope, not fetched: %s%s: %s", request.url, via, reason)
        raise OutOfScope(f"out of scope{via}: {reason}")

    def _refusal(self, request: Request) -> str | None:
        assert self.scope is not None
        purpose = request.meta.get(SCOPE_META, "blog")
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            blog = self.scope.refusal(request.url, "blog")
            return blog and self.scope.refusal(request.url, "static")
        return self.scope.refusal(request.url, purpose)
