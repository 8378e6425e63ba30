"""``ServerHealth``: a server that fails post page after post page stops the run.

Each post that fails costs up to ``DOWNLOAD_TIMEOUT`` x (``RETRY_TIMES`` + 1), or the
Retry-After waits: a blog whose server went down would cost minutes per post for every
post left, and end "incomplete" hours later. An archivist wants the run stopped, said to
be the server's failing, and resumed later: the posts it listed and did not store are the
next run's first requests (``spiders/unstored.py``).

Counted here, per attempt, not per post failed for good: Scrapy re-queues a retry behind
every request not yet sent (``RETRY_PRIORITY_ADJUST``), so the first post to fail for good
comes only after every post has been tried about three times. A downloader middleware at
570, outside ``RetryAfter`` (560) and ``RetryMiddleware`` (550), sees every attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro

from goahead_crawler.middleware.failures import record_failure

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

STOP_REASON = "server_failing"


def failing_status(status: int) -> bool:
    """An answer that says the server is failing, not the page: 5xx, 429."""
    return status >= 500 or status == 429


@dataclass
class FailingStreak:
    """Post page requests failing in a row, in the order their answers came; any other
    answer (a 404 too: the server answers) resets it."""

    limit: int  # 0: never stop
    count: int = 0
    last: str = ""

    def answered(self) -> None:
        self.count = 0

    def failed(self, reason: str) -> bool:
        """One more request failed: True once, when the streak reaches the limit."""
        self.count += 1
        self.last = reason
        return bool(self.limit) and self.count == self.limit


def _post_request(request: Request) -> bool:
    return getattr(request.callback, "__name__", "") == "parse_post"


class ServerHealth:
    """Stops the run after ``GOAHEAD_MAX_FAILING_IN_ROW`` post page requests in a row
    failed (5xx, 429, timeouts, dropped connections), with a failure saying so."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.streak = FailingStreak(crawler.settings.getint("GOAHEAD_MAX_FAILING_IN_ROW"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ServerHealth:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if _post_request(request):
            if failing_status(response.status):
                self._failed(f"HTTP {response.status}")
            else:
                self.streak.answered()
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if _post_request(request) and not isinstance(exception, IgnoreRequest):
            self._failed(f"{type(exception).__name__}: {exception}"[:200])

    def _failed(self, reason: str) -> None:
        if not self.streak.failed(reason):
            return
        spider: Any = self.crawler.spider
        streak, root = self.streak, getattr(spider, "root", "")
        why = (f"the server is failing: {streak.count} post page requests in a row failed"
               f" (the last: {streak.last}); the run stopped (GOAHEAD_MAX_FAILING_IN_ROW ="
               f" {streak.limit}), and the next run fetches the posts it did not store first")
        stats = self.crawler.stats
        stats.inc_value(f"goahead/stopped/{STOP_REASON}")
        record_failure(stats, root, why)
        spider.logger.error("Stopped the run: %s", why)
        engine = self.crawler.engine
        assert engine is not None
        deferred_from_coro(engine.close_spider_async(reason=STOP_REASON))
