"""``RetryAfter``: wait what a 429/503's ``Retry-After`` asks before Scrapy retries.

A downloader middleware at 560, just outside Scrapy's ``RetryMiddleware`` (550), so it sees
a 429/503 first: when it carries ``Retry-After`` and a retry is still due, it waits that
long (bounded by ``GOAHEAD_RETRY_AFTER_MAX``) before handing the response on to
``RetryMiddleware``, which re-schedules it. Scrapy itself retries at once, which a
rate-limited blog answers with another 429.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.interfaces import IReactorTime

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` value (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():  # delta-seconds are ASCII digits; "²" (latin-1 0xB2) is a digit too
        return float(text) if text.isascii() else None
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
        if not s.getbool("GOAHEAD_RETRY_AFTER_ENABLED"):
            raise NotConfigured("GOAHEAD_RETRY_AFTER_ENABLED is off")
        self.cap = s.getfloat("GOAHEAD_RETRY_AFTER_MAX")
        if self.cap < 0:
            raise NotConfigured("GOAHEAD_RETRY_AFTER_MAX must be >= 0 seconds")
        self.codes = {int(c) for c in s.getlist("RETRY_HTTP_CODES")} & {429, 503}
        self.crawler = crawler
        self.clock: IReactorTime | None = None  # the reactor Scrapy installed; tests set a Clock

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
        if self.clock is None:
            from twisted.internet import reactor  # the one Scrapy installed (not at import)

            self.clock = reactor
        await maybe_deferred_to_future(deferLater(self.clock, wait, lambda: None))
        return response
