"""``FailureLog``: the requests that failed for good, recorded in the crawl's stats.

A downloader middleware at 50, inside Scrapy's ``RetryMiddleware`` (550), so it sees what
``RetryMiddleware`` gave up on: a retryable status or a download exception after the last
retry. Each one goes into the run ledger (:mod:`goahead_crawler.ledger`: the run's one list
of failures, which the archive pipeline writes into the run's row at the end) and into the
stats (``goahead/failures``: a JSON list of ``{url, error, retries}``, for crawls without
an archive; ``goahead/failed/...`` counters); ``goahead runs`` reports them and the next
run fetches those URLs again (they have no post row).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured

from goahead_crawler.blogger.urls import is_post_path, is_static_page_path
from goahead_crawler.ledger import RunLedger
from goahead_crawler.middleware.scope_guard import OutOfScope

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
FAILURES_KEY = "goahead/failures"
FAILURES_KEPT = 1000  # the stats JSON stays small on a blog that is down
# request.meta: a refusal by the scope is the spider's to judge and report (a posts feed the
# owner redirects elsewhere is a feed switched off, not a failure)
REFUSAL_REPORTED_BY_SPIDER = "goahead_refusal_reported"


class FailureLog:
    """Record each request that failed after its retries, with its error, in the stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.codes = {int(c) for c in crawler.settings.getlist("RETRY_HTTP_CODES")}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureLog:
        if not crawler.settings.getbool("GOAHEAD_FAILURES_ENABLED"):
            raise NotConfigured("GOAHEAD_FAILURES_ENABLED is off")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in self.codes:
            self.record(request, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, OutOfScope):
            if not request.meta.get(REFUSAL_REPORTED_BY_SPIDER):
                self.record(request, str(exception)[:300])
        elif not isinstance(exception, IgnoreRequest):
            self.record(request, error_text(exception)[:300])

    def record(self, request: Request, error: str) -> None:
        record_request_failure(self.crawler, request, error)


def record_request_failure(crawler: Crawler, request: Request, error: str) -> None:
    """A request that failed for good, under the URL it was asked as: in the run ledger
    and the stats (:func:`record_failure`)."""
    retries = request.meta.get("retry_times", 0)
    first = (request.meta.get("redirect_urls") or [request.url])[0]  # as it was asked
    RunLedger.of(crawler).fail(first, error, retries)
    record_failure(crawler.stats, first, error, retries)


def error_text(exception: BaseException) -> str:
    """A download error as one line a person reads: the failures Twisted wraps in a list
    (a TLS handshake, a connection lost mid-answer) are unwrapped to what they say, not
    shown as ``[<twisted.python.failure.Failure OpenSSL.SSL.Error: [('SSL routines', '',
    'wrong version number')]>]``."""
    # Twisted's ResponseNeverReceived (and kin) hold them; Scrapy's DownloadFailedError is
    # raised from one, with its text
    reasons = (getattr(exception, "reasons", None)
               or getattr(exception.__cause__, "reasons", None))
    if not reasons:
        return f"{type(exception).__name__}: {exception}"
    return f"{type(exception).__name__}: {'; '.join(map(_reason_text, reasons))}"


def _reason_text(reason: Any) -> str:
    value = getattr(reason, "value", reason)  # a twisted Failure, or the exception itself
    if type(value).__module__.startswith("OpenSSL"):  # args: [(library, function, reason)]
        said = [str(part[-1]) for part in (value.args[0] if value.args else [])
                if isinstance(part, tuple) and part]
        return f"TLS handshake failed ({', '.join(said) or value})"
    return f"{type(value).__name__}: {value}" if isinstance(value, BaseException) else str(value)


def record_failure(stats: Any, url: str, error: str, retries: int = 0) -> None:
    """Add one failure to the run's list (``goahead runs --failures``) and its counters; the
    spider reports here what it refuses or loses without a download error of its own (the
    archive pipeline folds this list into the run ledger's at the end of the run)."""
    kind = "posts" if is_post_path(url) or is_static_page_path(url) else "other"
    stats.inc_value("goahead/failed/requests")
    stats.inc_value(f"goahead/failed/{kind}")
    failures = json.loads(stats.get_value(FAILURES_KEY) or "[]")
    if len(failures) < FAILURES_KEPT:
        failures.append({"url": url, "error": error, "retries": retries})
        stats.set_value(FAILURES_KEY, json.dumps(failures, ensure_ascii=False))
    logger.warning("Failed: %s (%s)", url, error)


def failures_from_stats(stats_json: str | None) -> list[dict[str, Any]]:
    """The failures a run recorded, from its ``runs.stats`` JSON."""
    if not stats_json:
        return []
    raw = json.loads(stats_json).get(FAILURES_KEY)
    return json.loads(raw) if isinstance(raw, str) else list(raw or [])
