"""``GracefulStop``: the first SIGTERM or Ctrl-C ends a crawl in seconds, cleanly.

On the first signal Scrapy stops taking requests from the scheduler and waits for those it
has already handed to the downloader (the JOBDIR keeps the rest for ``--resume``). Those
wait in the downloader's per-blog queue behind the politeness delay: ``DOWNLOAD_DELAY``, or
AutoThrottle's, up to ``AUTOTHROTTLE_MAX_DELAY`` (30 s) each. A handful of them made the
first signal look ignored for minutes, and the user's second one kills the crawl
uncleanly. Once the engine is stopping, this extension drops the delay of every download
slot (a few times a second, since AutoThrottle sets it again on each response), so the
requests in hand are fetched, archived and captured at once, still no more at a time than
the concurrency allows, and the crawl closes: WARC files closed, the run row finished with
status ``shutdown``. A download already under way still ends by ``DOWNLOAD_TIMEOUT``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

POLL_SECONDS = 0.2


class GracefulStop:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.loop = task.LoopingCall(self.poll)
        self.hurried = False
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GracefulStop:
        if not crawler.settings.getbool("GOAHEAD_GRACEFUL_STOP_ENABLED"):
            raise NotConfigured("GOAHEAD_GRACEFUL_STOP_ENABLED is off")
        return cls(crawler)

    def engine_started(self) -> None:
        self.loop.start(POLL_SECONDS, now=False)

    def spider_closed(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def poll(self) -> None:
        engine = self.crawler.engine
        if engine is None or engine.running:
            return
        if not self.hurried:
            self.hurried = True
            self.crawler.stats.set_value("goahead/stop/hurried", 1)
        downloader = engine.downloader
        for slot in list(downloader.slots.values()):
            slot.delay = 0.0
            if slot.latercall is not None:  # a queue waiting out its delay: go now
                slot.latercall.cancel()
                slot.latercall = None
                downloader._process_queue(slot)  # Scrapy's own queue step (private API)
