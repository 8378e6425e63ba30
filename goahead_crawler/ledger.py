"""The run ledger: what a crawl found listed, what failed and why, and the reconciliation of
what the blog lists against what the archive stored, at the end of the run.

One ledger per crawler (:meth:`RunLedger.of`). The spider notes each post or page URL a
listing names (feed, sitemap, HTML navigation), the ones ``--max-posts`` kept it from
scheduling, and why a post it asked for was not stored (its errback's failure, a 404);
``FailureLog`` notes each request that failed after its retries; the pipeline notes
extraction and storage failures, and collects this crawl's ERROR log lines. The run record
(:mod:`goahead_crawler.run_record`) writes the listings to the archive as it goes and, at
the end, :meth:`RunLedger.reconcile` turns the archive's missing posts into this run's
failures, each with its reason. The run's errors are that one list.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from archive.listed import Listing
from goahead_crawler.blogger.urls import canonical_url, is_post_path, is_static_page_path

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

FAILURES_KEPT = 1000  # the run's stats JSON stays small on a blog that is down
# Loggers whose ERROR lines are already failures in the ledger by another route: the
# scraper's (spider_error, item_error, download errors seen by FailureLog), and the retry
# and robots.txt middlewares' (requests given up on: FailureLog too).
COVERED_LOGGERS = frozenset({"scrapy.core.scraper", "scrapy.downloadermiddlewares.retry",
                             "scrapy.downloadermiddlewares.robotstxt"})


@dataclass
class Failure:
    url: str | None
    error: str
    retries: int = 0
    listed: bool = False  # a post or page the blog lists, not stored

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "error": self.error, "retries": self.retries,
                "listed": self.listed}


@dataclass
class Reconciliation:
    """The end of a run: its failures, and what the archive still lacks, with why."""

    failures: list[Failure]
    missing: int  # listed posts and pages the archive lacks after this run
    limited: int  # of those, not scheduled because of --max-posts (not failures)
    interrupted: int  # of those, not reached because the crawl stopped early

    @property
    def posts_failed(self) -> int:
        """Listed posts not stored, and posts a listing named that were refused or lost
        (an entry pointing off the blog is not the blog's listing, but a post all the same)."""
        return sum(1 for f in self.failures if f.listed or _names_a_post(f.url))


def _names_a_post(url: str | None) -> bool:
    return bool(url) and (is_post_path(url) or is_static_page_path(url))


@dataclass
class RunLedger:
    limit: int = 0  # GOAHEAD_MAX_POSTS
    key: Callable[[str], str] = canonical_url  # the spider's frontier key, once it has one
    claimed: Callable[[str], bool] = lambda url: False  # did the spider schedule it?
    pending: dict[str, Listing] = field(default_factory=dict)  # not written yet
    listed_urls: set[str] = field(default_factory=set)
    limited: set[str] = field(default_factory=set)
    reasons: dict[str, str] = field(default_factory=dict)  # url -> why it was not stored
    gone: dict[str, str | None] = field(default_factory=dict)  # 404/410'd -> when
    aliases: dict[str, str] = field(default_factory=dict)  # url -> where it led (redirect)
    new_aliases: set[str] = field(default_factory=set)  # not written yet
    failures: dict[str, Failure] = field(default_factory=dict)  # by url (or message)

    @classmethod
    def of(cls, crawler: Crawler) -> RunLedger:
        ledger = _LEDGERS.get(crawler)
        if ledger is None:
            ledger = _LEDGERS[crawler] = cls(limit=crawler.settings.getint("GOAHEAD_MAX_POSTS"))
        return ledger

    # -- what the spider and the middlewares note ----------------------------------------
    def listed(self, item: Listing) -> None:
        """A URL a listing named (its first listing in this run is the one written)."""
        url = self.key(item.url)
        if url not in self.listed_urls:
            self.listed_urls.add(url)
            self.pending[url] = replace(item, url=url)

    def limited_out(self, url: str) -> None:
        """Not scheduled because the run reached ``--max-posts``: not a failure."""
        self.limited.add(self.key(url))

    def not_stored(self, url: str, reason: str) -> None:
        """A post or page that was asked for and will not be stored, and why."""
        self.reasons[self.key(url)] = reason

    def stored_as(self, listed_url: str, stored_url: str) -> None:
        """``listed_url`` led to ``stored_url`` (a redirect within the blog, or a post
        stored under its feed URL): a post row under the latter stores the former."""
        listed_url, stored_url = self.key(listed_url), self.key(stored_url)
        if listed_url != stored_url and self.aliases.get(listed_url) != stored_url:
            self.aliases[listed_url] = stored_url
            self.new_aliases.add(listed_url)

    def rekey(self) -> None:
        """The spider's key changed (the blog moved from http to https while the run was
        under way): what was noted under an old key is noted under its new one, and each
        URL listed under an old key leads to its new one (an alias, as a redirect within
        the blog does), so that listings already written are found stored."""
        for url in list(self.listed_urls):
            new = self.key(url)
            if new != url:
                self.listed_urls.add(new)
                self.aliases[url] = new
                self.new_aliases.add(url)
        self.pending = {self.key(url): replace(item, url=self.key(item.url))
                        for url, item in self.pending.items()}
        self.limited = {self.key(url) for url in self.limited}
        self.gone = {self.key(url): at for url, at in self.gone.items()}
        self.reasons = {self.key(url): reason for url, reason in self.reasons.items()}
        self.failures = {(self.key(f.url) if f.url else name): f
                         for name, f in self.failures.items()}

    def take_aliases(self) -> dict[str, str]:
        """The aliases learnt since the last call, each followed to the end of its chain."""
        out = {url: self._follow(url) for url in self.new_aliases}
        self.new_aliases = set()
        return out

    def _follow(self, url: str) -> str:
        seen = {url}
        while url in self.aliases and self.aliases[url] not in seen and len(seen) < 20:
            url = self.aliases[url]
            seen.add(url)
        return url

    def gone_page(self, url: str, at: str | None = None) -> None:
        """A page that answered 404/410 (``at``: when; the first date is kept)."""
        self.gone.setdefault(self.key(url), at)

    def fail(self, url: str | None, error: str, retries: int = 0) -> None:
        """Something failed for good: a request after its retries, a page's extraction,
        a write. One entry per URL (the first error stands); URL-less ones by message."""
        name = self.key(url) if url else f"error: {error}"
        if name not in self.failures and len(self.failures) < FAILURES_KEPT:
            self.failures[name] = Failure(url, error, retries)

    def take_pending(self) -> list[Listing]:
        out, self.pending = list(self.pending.values()), {}
        return out

    # -- the end of the run ----------------------------------------------------------------
    def reconcile(self, missing: list[Listing], finished: bool) -> Reconciliation:
        """This run's failures: every failure noted, and each listed URL still missing
        from the archive, with its reason; those ``--max-posts`` left out are counted,
        not failed, and so are those a crawl stopped early did not reach."""
        failures = dict(self.failures)
        limited = interrupted = 0
        for item in missing:
            url = self.key(item.url)  # written before the blog's move: its old key
            reason = self._reason(url, finished)
            if reason is not None:
                known = failures.get(url)
                failures[url] = Failure(item.url, known.error if known else reason,
                                        known.retries if known else 0, listed=True)
            elif self._limited(url):
                limited += 1
            else:
                interrupted += 1
        return Reconciliation(list(failures.values()), len(missing), limited, interrupted)

    def _limited(self, url: str) -> bool:
        return url in self.limited or over_limit(self.limit, self.claimed(url))

    def _reason(self, url: str, finished: bool) -> str | None:
        """Why a listed URL is not in the archive, or None when that is no failure."""
        if url in self.reasons:
            return self.reasons[url]
        if url in self.failures:
            return self.failures[url].error
        if self._limited(url) or not finished:
            return None
        if self.claimed(url):
            return "requested, but not stored (no error was recorded)"
        return "listed, but never requested (discovery did not finish)"


def over_limit(limit: int, asked: bool) -> bool:
    """A listed post the archive lacks is no failure when its crawl ran with
    ``--max-posts`` (``limit``) and never asked for it: the limit kept it out. One rule for
    the crawl's reconciliation (asked: the spider claimed it) and the rebuild from WARC
    (asked: a capture of it, or a ``goahead-failed`` record about it, by that crawl)."""
    return bool(limit) and not asked


_LEDGERS: weakref.WeakKeyDictionary[Crawler, RunLedger] = weakref.WeakKeyDictionary()


class ErrorLines(logging.Handler):
    """Every ERROR line of this crawl that is not already a failure becomes one, so that
    nothing logged as an error is missing from the run's list (and its exit status)."""

    def __init__(self, ledger: RunLedger, spider: Any) -> None:
        super().__init__(level=logging.ERROR)
        self.ledger = ledger
        self.spider = spider

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in COVERED_LOGGERS or getattr(record, "goahead_noted", False):
            return
        if record.name == getattr(self.spider, "name", None):
            return  # the spider logs an ERROR only beside a failure it records itself
        owner = getattr(record, "spider", None)
        if owner is not None and owner is not self.spider:
            return  # another blog's crawl in the same process
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed log call must not break the crawl
            message = str(record.msg)
        self.ledger.fail(None, message.splitlines()[0][:300] if message else record.name)
