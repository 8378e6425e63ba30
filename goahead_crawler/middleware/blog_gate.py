"""``BlogGate``: stop at once, with one reason, when there is no blog to archive.

A downloader middleware at 585: inside ``HttpCompressionMiddleware`` (590), so it reads
bodies decoded, and outside ``RetryMiddleware`` (550), so it sees a connection failure
before any retry. From the blog's first answers it recognises a private blog (a redirect to
Blogger's sign-in page, which the scope refuses), a removed one (Blogger's "Blog not found"
page), a blog that moved to another address (a blogspot address redirecting to its custom
domain: every page would be refused) and a host that cannot be reached at all (no such
name, connection refused, no route) before anything answered. Then it records the verdict in the stats
(``goahead/blog/problem``: the one line ``goahead crawl`` prints), closes the crawl with
reason ``blog_<verdict>`` and turns away every request still on its way
(:class:`BlogUnavailable`, which errbacks ignore), instead of a page of retries, refusals
and tracebacks that all say the same thing.

Only the blog's own origins count (``spider.scope``); once the blog has answered anything
else, later failures are ordinary failures. The verdict for a site that answers but is not a
Blogger blog needs the whole of discovery and is the spider's (``spiders/safeguards.py``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import exceptions
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import error

from goahead_crawler.blogger import identity
from goahead_crawler.blogger.scope import NotInScope, origin_of
from goahead_crawler.middleware.scope_guard import OutOfScope

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
PROBLEM_KEY = "goahead/blog/problem"  # the one-line reason, for the CLI and `goahead runs`
VERDICT_KEY = "goahead/blog/verdict"  # private, removed, unreachable, not_blogger, failing,
#                                      robots, vanished (identity.py)
# Errors that say the host is not there, as opposed to slow (timeouts are retried): Scrapy
# 2.14+ wraps Twisted's as its own.
_NO_HOST = tuple(getattr(exceptions, name) for name in ("CannotResolveHostError",)
                 if hasattr(exceptions, name))
_REFUSED = tuple(getattr(exceptions, name) for name in ("DownloadConnectionRefusedError",)
                 if hasattr(exceptions, name))
UNREACHABLE_ERRORS = (error.DNSLookupError, error.ConnectError, *_NO_HOST, *_REFUSED)


class BlogUnavailable(IgnoreRequest):
    """A request turned away because the blog turned out not to be there."""


def declare(crawler: Crawler, verdict: str, **details: str) -> str:
    """Record ``verdict`` in the stats (once) and return its one-line message."""
    stats = crawler.stats
    assert stats is not None
    if not stats.get_value(VERDICT_KEY):
        stats.set_value(VERDICT_KEY, verdict)
        stats.set_value(PROBLEM_KEY, identity.message(verdict, **details))
    return str(stats.get_value(PROBLEM_KEY))


class BlogGate:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.answered = False  # the blog answered something that was not a verdict
        self.verdict: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlogGate:
        if not crawler.settings.getbool("GOAHEAD_BLOG_GATE_ENABLED"):
            raise NotConfigured("GOAHEAD_BLOG_GATE_ENABLED is off")
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if self.verdict is not None:
            raise self._turned_away(request)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.verdict is not None or self.answered or not self._on_blog(request.url):
            return response
        location = response.headers.get(b"Location", b"").decode("latin-1")
        if 300 <= response.status < 400 and identity.is_login_redirect(location):
            raise self._close(request, identity.PRIVATE)  # with dont_redirect
        if response.status in (401, 403) and identity.says_private(response.body):
            raise self._close(request, identity.PRIVATE)
        if identity.says_removed(response.status, response.body):
            raise self._close(request, identity.REMOVED)
        if response.status < 300 or response.status == 304:
            self.answered = True  # an ordinary answer: the blog is there
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if self.verdict is not None or self.answered:
            return
        hops = request.meta.get("redirect_urls") or [request.url]
        if not self._on_blog(hops[0]):
            return
        if isinstance(exception, OutOfScope) and identity.is_login_redirect(request.url):
            raise self._close(request, identity.PRIVATE)  # sent off to sign in
        if isinstance(exception, OutOfScope) and identity.moved_to(hops[0], request.url):
            raise self._close(request, identity.MOVED,
                              address=identity.moved_to(hops[0], request.url) or "")
        if isinstance(exception, UNREACHABLE_ERRORS):
            raise self._close(request, identity.UNREACHABLE, error=_short(exception))

    def _on_blog(self, url: str) -> bool:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is None:
            return False
        try:
            return origin_of(url) in scope.blog
        except NotInScope:
            return False

    def _close(self, request: Request, verdict: str, **details: str) -> IgnoreRequest:
        self.verdict = verdict
        problem = declare(self.crawler, verdict, **details)
        logger.info("%s: %s", request.url, problem)
        engine = self.crawler.engine
        assert engine is not None
        deferred_from_coro(engine.close_spider_async(reason=f"blog_{verdict}"))
        return self._turned_away(request)

    def _turned_away(self, request: Request) -> IgnoreRequest:
        # robots.txt's own request gets a plain IgnoreRequest: Scrapy's RobotsTxtMiddleware
        # logs anything else with a traceback
        if request.meta.get("dont_obey_robotstxt"):
            return IgnoreRequest(f"the blog is {self.verdict}")
        return BlogUnavailable(f"the blog is {self.verdict}")


_GIST = (((error.DNSLookupError, *_NO_HOST), "no such host"),
         ((error.ConnectionRefusedError, *_REFUSED), "connection refused"),
         ((error.NoRouteError,), "no route to host"),
         ((error.TCPTimedOutError,), "connection timed out"))


def _short(exception: Exception) -> str:
    """What went wrong, in a few words (Twisted's messages run to several clauses)."""
    for kinds, gist in _GIST:
        if isinstance(exception, kinds):
            return gist
    return str(exception).strip().rstrip(".") or type(exception).__name__
