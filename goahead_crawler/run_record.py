"""A crawl's run row, kept true: who runs it, its live counts, what it listed, and at the
end its status and its one list of failures, from the reconciliation.

Statuses: ``finished`` (everything the blog lists is stored), ``incomplete`` (the crawl
ran to its end but some listed post, or some request, failed: exit 1; the next crawl
fetches the missing posts first), ``failed`` (a write to the archive or the WARC failed
and the crawl stopped at once), ``shutdown`` (Ctrl-C / SIGTERM), ``killed`` (set later,
for a run whose process died), ``running``.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from archive.listed import (
    listed_counts,
    mark_listed_gone,
    missing_listed,
    record_listings,
    record_post_urls,
)
from archive.runs import BASE_STAT, finish_run, mark_killed, running_runs, start_run, update_run
from goahead_crawler.blogger.urls import is_post_path, is_static_page_path, readable
from goahead_crawler.ledger import Failure, Reconciliation, RunLedger
from goahead_crawler.middleware.failures import FAILURES_KEY
from goahead_crawler.runner import ERRORS_KEY, STATUS_KEY

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from sqlite_utils import Database

# Close reasons for a write that failed: the crawl stopped at once.
WRITE_FAILED = frozenset({"archive_error", "warc_error"})
# Discovery figures copied from the crawl stats into the run row's counters.
STAT_COUNTERS = {"requests": "downloader/request_count", "bytes": "downloader/response_bytes"}

Write = Callable[..., Any]  # the pipeline's guarded write: write(fn, *args) -> result | None


def run_status(reason: str, failures: list[Failure], write_failed: bool) -> str:
    if write_failed or reason in WRITE_FAILED:
        return "failed"
    if reason == "finished":
        return "incomplete" if failures else "finished"
    return reason


def discovery_complete(failures: list[Failure], root: str) -> bool:
    """No failure left the run unsure what the blog lists (a feed page, a sitemap, an
    unexplained error): only posts, pages, comments or off-blog files failed."""
    host = urlsplit(root).netloc
    for failure in failures:
        if failure.listed:
            continue
        if failure.url is None:
            return False
        parts = readable(failure.url)
        if parts is None:  # a link nobody could fetch (http://[oops): on no blog
            continue
        if parts.netloc != host or is_post_path(failure.url):
            continue
        if is_static_page_path(failure.url) or "/comments/" in parts.path:
            continue
        return False
    return True


def command_line(crawler: Crawler) -> str:
    """How this crawl was started: ``GOAHEAD_COMMAND`` (set by ``goahead crawl``), or
    this process's own command line."""
    return crawler.settings.get("GOAHEAD_COMMAND") or shlex.join(sys.argv)


class RunRecord:
    """The run row of one crawl; every write goes through the pipeline's guard."""

    def __init__(self, crawler: Crawler, db: Database, site: str, root: str,
                 write: Write, last_write: Write) -> None:
        self.crawler = crawler
        self.db = db
        self.site = site
        self.root = root
        self.write = write
        self.last_write = last_write
        self.ledger = RunLedger.of(crawler)
        self.counts: Counter[str] = Counter()
        self.run_id: int | None = None
        self.killed: list[str] = []  # uids of this blog's runs found dead at the start

    def start(self, uid: str | None = None) -> int | None:
        """Close the runs of this blog left ``running`` by a dead process (the crawl lock
        proves no live one writes it; their uids are in :attr:`killed`), then open this
        run's row, ``uid`` its WARC files' ``isPartOf``."""
        for row in self.write(running_runs, self.site) or []:
            self.write(mark_killed, row["id"])
            self.killed.append(row["uid"])
        settings = {k: v for k, v in self.crawler.settings.items() if k.startswith("GOAHEAD_")}
        self.run_id = self.write(start_run, self.site, self.root, settings, pid=os.getpid(),
                                 host=socket.gethostname(), command=command_line(self.crawler),
                                 uid=uid)
        return self.run_id

    def counters(self, errors: int | None = None) -> dict[str, int]:
        stats = self.crawler.stats.get_stats()
        counters = dict(self.counts)
        for name, key in STAT_COUNTERS.items():
            counters[name] = stats.get(key, 0)
        # a 304 to a conditional request is an unchanged post that yielded no item
        counters["posts_unchanged"] = counters.get("posts_unchanged", 0) + stats.get(
            "goahead/posts/not_modified", 0)
        counters["errors"] = len(self.ledger.failures) if errors is None else errors
        return counters

    def flush(self) -> None:
        """Write what the ledger learnt since the last flush: listings, gone, redirects."""
        listings = self.ledger.take_pending()
        if listings:
            self.write(record_listings, self.site, self.run_id, listings)
        if self.ledger.gone:
            gone, self.ledger.gone = self.ledger.gone, {}
            self.write(mark_listed_gone, self.site, gone)
        aliases = self.ledger.take_aliases()
        if aliases:
            self.write(record_post_urls, self.site, aliases)

    def tick(self) -> None:
        """A live update: the listings so far, and the counts a running crawl shows."""
        if self.run_id is None:
            return
        self.flush()
        self.write(update_run, self.run_id, self.counters())

    def finish(self, reason: str, write_failed: bool) -> Reconciliation:
        """Reconcile, then write the final row; sets the run's status, errors and failures
        in the stats (``goahead crawl`` reads its exit status from them)."""
        if not write_failed:
            self.flush()
        missing = [] if write_failed else self.write(missing_listed, self.site) or []
        counts = None if write_failed else self.write(listed_counts, self.site)
        if counts is not None:  # after the run: what the blog lists, what the archive holds
            mine = counts.get(self.site, {"listed": 0, "stored": 0})
            self.crawler.stats.set_value("goahead/listed/total", mine["listed"])
            self.crawler.stats.set_value("goahead/listed/stored", mine["stored"])
        for noted in json.loads(self.crawler.stats.get_value(FAILURES_KEY) or "[]"):
            # what the spider refused or lost, and FailureLog's: the same list, folded in
            self.ledger.fail(noted.get("url"), noted["error"], noted.get("retries", 0))
        result = self.ledger.reconcile(missing, finished=reason == "finished")
        status = run_status(reason, result.failures, write_failed)
        self._set_stats(status, result)
        if self.run_id is not None:
            stats = {k: _jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
            self.last_write(finish_run, self.run_id, status,
                       self.counters(errors=len(result.failures)), stats)
        return result

    def _set_stats(self, status: str, result: Reconciliation) -> None:
        stats = self.crawler.stats
        stats.set_value(STATUS_KEY, status)
        stats.set_value(ERRORS_KEY, len(result.failures))
        stats.set_value(FAILURES_KEY, json.dumps([f.as_dict() for f in result.failures],
                                                 ensure_ascii=False))
        stats.set_value("goahead/posts/failed", result.posts_failed)
        stats.set_value("goahead/listed/run", len(self.ledger.listed_urls))
        stats.set_value("goahead/listed/missing", result.missing)
        stats.set_value("goahead/listed/limited", result.limited)
        stats.set_value("goahead/listed/interrupted", result.interrupted)
        if status in ("finished", "incomplete"):
            stats.set_value(BASE_STAT, int(discovery_complete(result.failures, self.root)))


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)
