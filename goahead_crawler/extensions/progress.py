"""``CrawlProgress``: a live view of a crawl, read from its stats every few seconds.

On a terminal it is one rich progress bar per blog (posts archived of posts found,
failures, requests per second, ETA); elsewhere (cron, Scrapyd, a pipe) it is one plain
line per interval on stderr. The CLI turns it on (``GOAHEAD_PROGRESS_ENABLED``); plain
``scrapy crawl`` keeps Scrapy's own LogStats.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# What each figure is made of, as stats keys (prefixes are summed). "Found" counts the
# distinct pages the spider scheduled (a post seen in the feed and the sitemap is one).
FOUND_PREFIX = "goahead/scheduled/"
ARCHIVED_KEYS = ("goahead/archived/posts", "goahead/archived/pages")
FAILED_KEY = "goahead/posts/failed"
REQUESTS_KEY = "downloader/request_count"


@dataclass(frozen=True)
class Snapshot:
    """The figures shown for one blog at one moment."""

    found: int
    archived: int
    failed: int
    requests: int
    at: float

    @classmethod
    def of(cls, stats: dict[str, Any], at: float) -> Snapshot:
        found = sum(int(v) for k, v in stats.items() if k.startswith(FOUND_PREFIX)
                    and k.count("/") == 2)
        archived = sum(int(stats.get(k, 0)) for k in ARCHIVED_KEYS)
        return cls(found=max(found, archived), archived=archived,
                   failed=int(stats.get(FAILED_KEY, 0)),
                   requests=int(stats.get(REQUESTS_KEY, 0)), at=at)


def rates(prev: Snapshot, now: Snapshot) -> tuple[float, float | None]:
    """(requests per second, ETA in seconds or None) between two snapshots."""
    elapsed = max(now.at - prev.at, 1e-6)
    rps = (now.requests - prev.requests) / elapsed
    per_second = (now.archived - prev.archived) / elapsed
    left = now.found - now.archived - now.failed
    eta = left / per_second if per_second > 0 else None
    return rps, eta


def progress_line(name: str, prev: Snapshot, now: Snapshot) -> str:
    rps, eta = rates(prev, now)
    eta_text = f"{eta:.0f}s" if eta is not None else "?"
    return (f"{name}: {now.archived}/{now.found} posts archived, {now.failed} failed,"
            f" {now.requests} requests ({rps:.1f}/s), ETA {eta_text}")


class _RichBoard:
    """One rich Progress shared by every crawler in the process (one task per blog)."""

    progress: Any = None
    users = 0

    @classmethod
    def add(cls, name: str) -> int:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        if cls.progress is None:
            cls.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[extra]}"), transient=False,
            )
            cls.progress.start()
        cls.users += 1
        return cls.progress.add_task(name, total=None, extra="")

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users == 0 and cls.progress is not None:
            cls.progress.stop()
            cls.progress = None


class CrawlProgress:
    """Extension: every ``GOAHEAD_PROGRESS_INTERVAL`` seconds, show the crawl's figures."""

    def __init__(self, crawler: Crawler, interval: float, rich: bool,
                 out: TextIO | None = None) -> None:
        self.crawler = crawler
        self.interval = interval
        self.rich = rich
        self.out = out or sys.stderr
        self.task: task.LoopingCall | None = None
        self.board_id: int | None = None
        self.prev = Snapshot(0, 0, 0, 0, time.monotonic())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        s = crawler.settings
        if not s.getbool("GOAHEAD_PROGRESS_ENABLED"):
            raise NotConfigured  # off unless the CLI asks: silently
        mode = s.get("GOAHEAD_PROGRESS_MODE")
        if mode not in {"auto", "rich", "lines"}:
            raise NotConfigured("GOAHEAD_PROGRESS_MODE must be auto, rich or lines")
        rich = mode == "rich" or (mode == "auto" and sys.stderr.isatty())
        interval = s.getfloat("GOAHEAD_PROGRESS_INTERVAL") or (0.5 if rich else 10.0)
        ext = cls(crawler, interval, rich)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def name(self) -> str:
        return urlsplit(getattr(self.crawler.spider, "root", "")).netloc or "crawl"

    def spider_opened(self) -> None:
        if self.rich:
            self.board_id = _RichBoard.add(self.name)
        self.task = task.LoopingCall(self.tick)
        self.task.start(self.interval, now=False)

    def tick(self) -> None:
        now = Snapshot.of(self.crawler.stats.get_stats(), time.monotonic())
        if self.rich and _RichBoard.progress is not None:
            rps, eta = rates(self.prev, now)
            extra = f"{now.failed} failed  {rps:.1f} req/s  ETA " + (
                f"{eta:.0f}s" if eta is not None else "?")
            _RichBoard.progress.update(self.board_id, completed=now.archived,
                                       total=now.found or None, extra=extra)
        else:
            self.out.write(progress_line(self.name, self.prev, now) + "\n")
            self.out.flush()
        self.prev = now

    def spider_closed(self) -> None:
        if self.task and self.task.running:
            self.task.stop()
        if self.rich and self.board_id is not None:
            self.tick()
            _RichBoard.release()
