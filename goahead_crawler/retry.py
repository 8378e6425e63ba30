"""Waiting on ``Retry-After`` and recording the requests that failed for good.

Two downloader middlewares around Scrapy's ``RetryMiddleware`` (550):

- :class:`RetryAfter` (560) sees a 429/503 first: when it carries ``Retry-After`` and a
  retry is still due, it waits that long (bounded by ``GOAHEAD_RETRY_AFTER_MAX``) before
  handing the response to ``RetryMiddleware``, which re-schedules it. Scrapy itself
  retries at once, which a rate-limited blog answers with another 429.
- :class:`FailureLog` (50) sees what ``RetryMiddleware`` gave up on: a retryable status
  or a download exception after the last retry. Each one goes into the stats
  (``goahead/failures``: a JSON list of ``{url, error, retries}``; ``goahead/failed/...``
  counters), which the archive pipeline writes into the run's row; ``goahead runs``
  reports them and the next run fetches those URLs again (they have no post row).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from goahead_crawler.blogger.urls import is_post_path, is_static_page_path

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
FAILURES_KEY = "goahead/failures"
FAILURES_KEPT = 1000  # the stats JSON stays small on a blog that is down


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` value (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _retries_left(request: Request, crawler: Crawler) -> bool:
    limit = request.meta.get("max_retry_times", crawler.settings.getint("RETRY_TIMES"))
    return not request.meta.get("dont_retry") and request.meta.get("retry_times", 0) < limit


class RetryAfter:
    """Wait what a 429/503 ``Retry-After`` asks (capped) before Scrapy retries."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        if not s.getbool("GOAHEAD_RETRY_AFTER_ENABLED", True):
            raise NotConfigured("GOAHEAD_RETRY_AFTER_ENABLED is off")
        self.cap = s.getfloat("GOAHEAD_RETRY_AFTER_MAX", 60.0)
        if self.cap < 0:
            raise NotConfigured("GOAHEAD_RETRY_AFTER_MAX must be >= 0 seconds")
        self.codes = {int(c) for c in s.getlist("RETRY_HTTP_CODES")} & {429, 503}
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfter:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in self.codes or not _retries_left(request, self.crawler):
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is None:
            return response
        wait = min(asked, self.cap)
        stats = self.crawler.stats
        stats.inc_value("goahead/retry_after/waits")
        stats.inc_value("goahead/retry_after/seconds", wait)
        logger.info("Retry-After %.1fs on %s (%d): waiting %.1fs", asked, request.url,
                    response.status, wait)
        from twisted.internet import reactor  # the one Scrapy installed (not at import)

        await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return response


class FailureLog:
    """Record each request that failed after its retries, with its error, in the stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.codes = {int(c) for c in crawler.settings.getlist("RETRY_HTTP_CODES")}
        self.failures: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureLog:
        if not crawler.settings.getbool("GOAHEAD_FAILURES_ENABLED", True):
            raise NotConfigured("GOAHEAD_FAILURES_ENABLED is off")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in self.codes:
            self.record(request, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, IgnoreRequest):
            self.record(request, f"{type(exception).__name__}: {exception}"[:300])

    def record(self, request: Request, error: str) -> None:
        stats = self.crawler.stats
        kind = "posts" if is_post_path(request.url) or is_static_page_path(request.url) else "other"
        stats.inc_value("goahead/failed/requests")
        stats.inc_value(f"goahead/failed/{kind}")
        if len(self.failures) < FAILURES_KEPT:
            self.failures.append({"url": request.url, "error": error,
                                  "retries": request.meta.get("retry_times", 0)})
            stats.set_value(FAILURES_KEY, json.dumps(self.failures, ensure_ascii=False))
        logger.warning("Failed after retries: %s (%s)", request.url, error)


def failures_from_stats(stats_json: str | None) -> list[dict[str, Any]]:
    """The failures a run recorded, from its ``runs.stats`` JSON."""
    if not stats_json:
        return []
    raw = json.loads(stats_json).get(FAILURES_KEY)
    return json.loads(raw) if isinstance(raw, str) else list(raw or [])
