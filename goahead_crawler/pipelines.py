"""ArchivePipeline: posts, comments, captures and the crawl-run row go into the SQLite archive."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred

from archive.captures import record_capture
from archive.errors import ArchiveError, explain_sqlite
from archive.models import Capture, Post
from archive.posts import mark_gone, store_post, upsert_comments
from archive.search import vocabulary_of
from archive.tokens import PostTokens
from archive.write_group import WriteGroup
from goahead_crawler import crawl_lock
from goahead_crawler.blogger.urls import joined
from goahead_crawler.crawl_archive import CrawlArchive, check_archive
from goahead_crawler.items import CompletedPost, GonePost, PostComments
from goahead_crawler.ledger import ErrorLines, RunLedger
from goahead_crawler.run_record import RunRecord, command_line
from goahead_crawler.signals import (
    capture_written,
    posts_caught_up,
    posts_listed,
    warc_repaired,
)
from goahead_crawler.worker import CrawlWorker, workers_max

logger = logging.getLogger(__name__)

Stored = Callable[[Any], None]  # given a write's result once its group is committed
Lost = Callable[[], None]  # called instead when the group could not be committed


class ArchivePipeline:
    """Upsert each ``Post`` on (blog_id, post_id), its comments, and every WARC capture,
    and keep the run's row (:class:`~goahead_crawler.run_record.RunRecord`).

    Before the first request it proves the archive writable and takes the blog's crawl
    lock (:mod:`goahead_crawler.crawl_lock`); either failing closes the spider at once.
    A write that fails (disk full, read-only, locked past the busy wait, damaged) stops
    the crawl at once with one line: what was not committed is never counted as stored.

    Writes are grouped (:class:`~archive.write_group.WriteGroup`): one transaction for up
    to ``GOAHEAD_ARCHIVE_GROUP_WRITES`` of them, committed at the latest
    ``GOAHEAD_ARCHIVE_GROUP_SECONDS`` after the first, or in the reactor's next turn when no
    download is left to wait for (the crawl's end). A post is counted as stored, and
    Scrapy told its item is done, when its group is committed; a group that cannot be
    committed is reported post by post as not stored.
    """

    def __init__(self, crawler: Any, archive: CrawlArchive) -> None:
        self.crawler = crawler
        self.archive = archive
        self.ledger = RunLedger.of(crawler)
        self.db: Any = None
        self.record: RunRecord | None = None
        self.caught_up: set[str] = set()  # the killed crawls (WARC isPartOf) caught up
        self.state = "new"  # new -> open -> closed, or new -> refused
        self.write_failed = False
        self.warc_required = False
        self.since_tick = 0
        self.ticker: task.LoopingCall | None = None
        self.errors: ErrorLines | None = None
        self.lock: crawl_lock.CrawlLock | None = None
        self.refusal: str | None = None  # the close reason, when the crawl may not start
        self.posts_stored = 0
        self.group: WriteGroup | None = None
        self.waiting: list[tuple[Stored, Lost | None, Any]] = []  # for the group's commit
        self.commit_timer: Any = None
        self.group_writes = 1
        self.group_seconds = 0.0
        self.worker = CrawlWorker.of(crawler)  # cuts posts for the search index
        self.worker_from = 0  # posts listed or stored before the worker starts (0: never)
        self.workers_max = 1  # worker processes at most in this process, all crawls
        for handler, signal in ((self.spider_opened, signals.spider_opened),
                                (self.spider_closed, signals.spider_closed),
                                (self.capture_written, capture_written),
                                (self.spider_error, signals.spider_error),
                                (self.item_error, signals.item_error),
                                (self.item_scraped, signals.item_scraped),
                                (self.response_downloaded, signals.response_downloaded),
                                (self.warc_repaired, warc_repaired),
                                (self.posts_listed, posts_listed)):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        archive = CrawlArchive.of(crawler)
        if archive is None:
            raise NotConfigured("the archive is off (GOAHEAD_ARCHIVE_ENABLED, GOAHEAD_ARCHIVE_DB)")
        pipeline = cls(crawler, archive)
        pipeline.interval = crawler.settings.getfloat("GOAHEAD_RUN_UPDATE_INTERVAL")
        pipeline.every = crawler.settings.getint("GOAHEAD_RUN_UPDATE_ITEMS")
        pipeline.worker_from = crawler.settings.getint("GOAHEAD_INDEX_WORKER_FROM")
        pipeline.workers_max = workers_max(crawler.settings.getint("GOAHEAD_INDEX_WORKERS_MAX"))
        pipeline.group_writes = max(crawler.settings.getint("GOAHEAD_ARCHIVE_GROUP_WRITES"), 1)
        pipeline.group_seconds = crawler.settings.getfloat("GOAHEAD_ARCHIVE_GROUP_SECONDS")
        return pipeline

    @property
    def site(self) -> str:
        return urlsplit(self.root).netloc

    @property
    def root(self) -> str:
        return getattr(self.crawler.spider, "root", "")

    # -- the run's beginning and end ---------------------------------------------------------
    def spider_opened(self) -> None:
        if self.state == "new":
            self._open()
        if self.refusal is not None:  # before the first request: the engine closes at once
            raise CloseSpider(self.refusal)

    def _open(self) -> None:
        """Prove the archive writable, take the blog's lock, open the run's row; or refuse
        (on the first of spider_opened, a capture, a repaired WARC)."""
        try:
            check_archive(self.archive.path)
            self.lock = crawl_lock.acquire(self.archive.path, self.root,
                                           command_line(self.crawler))
            self.db = self.archive.db()
        except (ArchiveError, crawl_lock.CrawlBusy) as exc:
            self._refuse(exc)
            return
        self.state = "open"
        self.group = WriteGroup(self.db, on_yield=self._commit)
        from goahead_crawler.warc.extension import find_warc_capture

        capture = find_warc_capture(self.crawler)
        self.warc_required = capture is not None
        self.record = RunRecord(self.crawler, self.db, self.site, self.root, self._write,
                                self._last_write)
        run_id = self.record.start(capture.run_id if capture is not None else None)
        self._commit()  # the run's row, for `goahead runs` at once
        self.crawler.stats.set_value("goahead/run_id", run_id)
        self._catch_up_killed_runs()
        self.errors = ErrorLines(self.ledger, self.crawler.spider)
        logging.root.addHandler(self.errors)
        if self.interval > 0:
            self.ticker = task.LoopingCall(self._tick)
            self.ticker.start(self.interval, now=False)

    def _refuse(self, exc: Exception) -> None:
        """The spider is to close before its first request; say why in one line."""
        self.state = "refused"
        message = f"{exc} ({exc.hint})" if getattr(exc, "hint", None) else str(exc)
        stats = self.crawler.stats
        stats.set_value("goahead/run/status", "refused")
        stats.set_value("goahead/run/refused", message)
        logger.error("The crawl cannot start: %s", message)
        self.refusal = ("already_running" if isinstance(exc, crawl_lock.CrawlBusy)
                        else "archive_error")

    def spider_closed(self, reason: str) -> None:
        self.worker.close()
        if self.state != "open":
            self._release()
            return
        self.state = "closed"
        if self.ticker is not None and self.ticker.running:
            self.ticker.stop()
        if self.errors is not None:
            logging.root.removeHandler(self.errors)
        assert self.record is not None
        self._commit()
        self.record.finish(reason, self.write_failed)
        self._commit()
        self.archive.close()  # the crawl's one connection: nothing writes after the run row
        self._release()

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _tick(self) -> None:
        self.since_tick = 0
        if self.record is not None and not self.write_failed:
            self.record.tick()

    # -- items and captures ----------------------------------------------------------------
    def capture_written(self, capture: Capture, **_: Any) -> None:
        if self.state == "new":  # robots.txt may be fetched before spider_opened finishes
            self._open()
        if self.state != "open" or self.record is None:
            return
        capture.run_id = self.record.run_id
        self._write(record_capture, capture)

    def warc_repaired(self, path: Path) -> None:
        """A killed crawl's WARC file, just repaired: store what it captured and had no
        time to store, as the rebuild from WARC would (``goahead_crawler.rebuild``), if
        it was this archive's crawl."""
        from goahead_crawler.rebuild import crawl_id, stored_elsewhere

        if self.state == "new":  # WarcCapture repairs in its spider_opened, before ours
            self._open()
        if self.state != "open" or crawl_id(path) in self.caught_up:
            return
        elsewhere = self._write(stored_elsewhere, path)
        if elsewhere is None:
            self._catch_up(path)
            return
        self.crawler.stats.inc_value("goahead/catch_up/elsewhere")
        own = Path(self.archive.path).name
        into = (f"another archive named {elsewhere}" if elsewhere == own
                else f"the archive {elsewhere}")
        logger.warning("Not caught up here: %s was written by a killed crawl into %s; its"
                       " next crawl of that blog stores it (or: goahead reindex --warc-dir %s"
                       " --db %s)", path.name, into, path.parent, elsewhere)

    def _catch_up_killed_runs(self) -> None:
        """Catch up the files of this blog's runs found dead at the start whose ``.open``
        file another archive's crawl repaired (and rightly left alone) in between."""
        from goahead_crawler.rebuild import files_of_crawls
        from goahead_crawler.warc.extension import find_warc_capture

        capture = find_warc_capture(self.crawler)
        killed = set(self.record.killed) - self.caught_up if self.record else set()
        if capture is None or not killed or not capture.directory.is_dir():
            return
        for path in files_of_crawls(capture.directory, killed).values():
            self._catch_up(path)

    def _catch_up(self, path: Path) -> None:
        """Store what the crawl that wrote ``path`` (and its other files) did not."""
        from goahead_crawler.rebuild import catch_up, crawl_id

        self.caught_up.add(crawl_id(path) or path.name)
        result = self._write(catch_up, path)
        self._commit()
        if result is None:
            return
        stats = self.crawler.stats
        stats.inc_value("goahead/catch_up/captures", result.captures)
        stats.inc_value("goahead/catch_up/posts", result.posts + result.pages)
        logger.warning("Caught up with the killed crawl of %s: %d captures, %d posts and "
                       "pages stored again (%d new, %d updated, %d unchanged), %d skipped",
                       path.name, result.captures, result.posts + result.pages, result.new,
                       result.updated, result.unchanged, len(result.problems))
        for problem in result.problems:
            logger.warning("Not caught up: %s", problem)
        if result.unfetched:
            self.crawler.signals.send_catch_log(posts_caught_up, unfetched=result.unfetched)

    def process_item(self, item: Any) -> Any:
        if self.state != "open" or self.write_failed:
            if isinstance(item, Post):
                self.ledger.not_stored(item.url, "not stored: the crawl stopped after a"
                                                 " failed write")
            return item
        if isinstance(item, Post):
            if self.worker.running:
                return self._store_post_cut_elsewhere(item)
            stored = self._store_post(item)
            self._item_done()
            return item if stored is None else self._when_stored(stored)
        if isinstance(item, PostComments):
            self._write_counted(self._comments_stored, None, upsert_comments, item.blog_id,
                                item.post_id, item.comments)
        elif isinstance(item, GonePost):
            self._mark_gone(item)
        self._item_done()
        return item

    @staticmethod
    async def _when_stored(stored: Deferred[Post]) -> Post:
        """Scrapy's item is done once its post is committed (a coroutine: Scrapy awaits
        it; a returned Deferred is deprecated)."""
        return await maybe_deferred_to_future(stored)

    def _comments_stored(self, stored: int) -> None:
        self._count("comments", stored)
        self.crawler.stats.inc_value("goahead/comments/stored", stored)

    def _item_done(self) -> None:
        self.since_tick += 1
        if self.every and self.since_tick >= self.every:
            self._tick()

    async def _store_post_cut_elsewhere(self, item: Post) -> Post:
        """Store a post once the worker has cut it (the crawl goes on meanwhile)."""
        tokens = await self.worker.tokens(item.title, item.text)
        if self.state != "open" or self.write_failed:
            self.ledger.not_stored(item.url, "not stored: the crawl stopped after a"
                                             " failed write")
            return item
        stored = self._store_post(item, tokens)
        if tokens is not None and not self.write_failed:
            self.crawler.stats.inc_value("goahead/worker/cut")
        self._item_done()
        if stored is not None:
            await maybe_deferred_to_future(stored)
        return item

    def _store_post(self, item: Post, tokens: PostTokens | None = None
                    ) -> Deferred[Post] | None:
        """Write the post; the Deferred fires (with the item) once it is committed or
        reported lost. None when it was not written (reported already)."""
        if self.warc_required and item.warc_file is None:
            self.ledger.not_stored(item.url, "not stored: its page is not in the WARC"
                                             " (the WARC write failed)")
            return None
        assert self.record is not None
        done: Deferred[Post] = Deferred()

        def stored(outcome: str) -> None:
            self._post_stored(item, outcome)
            done.callback(item)

        def lost() -> None:
            self.ledger.not_stored(item.url, "storage failed: the archive write failed")
            done.callback(item)

        self._write_counted(stored, lost, store_post, item, run_id=self.record.run_id,
                            tokens=tokens, revive=not isinstance(item, CompletedPost))
        if self.write_failed and not done.called:
            lost()
        return done

    def _post_stored(self, item: Post, outcome: str) -> None:
        self.posts_stored += 1
        if self.posts_stored == self.worker_from:
            self._start_worker()
        self._count(f"posts_{outcome}")
        if item.kind == "page":
            self._count("pages")
        self.crawler.stats.inc_value(f"goahead/posts/{outcome}")
        self.crawler.stats.inc_value(f"goahead/stored/{item.kind}s")

    def posts_listed(self, count: int) -> None:
        """A feed that lists a big crawl's worth of posts starts the worker before the
        first of them is fetched (else it starts once that many are stored)."""
        if self.worker_from and count >= self.worker_from:
            self._start_worker()

    def _start_worker(self) -> None:
        if self.state != "open" or self.worker.running:
            return
        vocabulary = self._write(vocabulary_of)
        if (vocabulary is not None and not self.worker.start(vocabulary, self.workers_max)
                and not self.worker.broken):  # a broken one said so itself
            logger.info("%d worker processes run in this process already"
                        " (GOAHEAD_INDEX_WORKERS_MAX); this crawl extracts its posts itself",
                        self.workers_max)

    def _mark_gone(self, item: GonePost) -> None:
        """A post that now answers 404 keeps its row, marked deleted (soft); a listed post
        never stored is no longer missing."""
        self.ledger.gone_page(item.url, item.at)
        self._write_counted(self._marked_gone, None, mark_gone, item.url, at=item.at)

    def _marked_gone(self, marked: bool) -> None:
        if marked:
            self.crawler.stats.inc_value("goahead/posts/marked_deleted")

    def _count(self, name: str, amount: int = 1) -> None:
        if self.record is not None:
            self.record.counts[name] += amount

    # -- what failed -------------------------------------------------------------------------
    def _write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(db, ...)`` in the open group; on an SQLite error, stop the crawl at once
        (one line) and return None: nothing that was not committed is counted (callers
        check ``write_failed``). After a failed write, nothing more is tried."""
        return self._write_counted(None, None, fn, *args, **kwargs)

    def _write_counted(self, stored: Stored | None, lost: Lost | None,
                       fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """:meth:`_write`, then ``stored(result)`` once the group is committed (or
        ``lost()`` if it cannot be)."""
        if self.write_failed or self.group is None:
            return None
        try:
            result = self.group.run(fn, *args, **kwargs)
        except sqlite3.Error as err:
            self._commit()  # the writes before it, as when each had its own transaction
            if not self.write_failed:
                self._write_failed(err)
            return None
        if stored is not None:
            self.waiting.append((stored, lost, result))
        if len(self.group) >= self.group_writes:
            self._commit()
            return result
        wait = self.group_seconds if self._downloading() else 0.0
        if self.commit_timer is None:
            from twisted.internet import reactor

            self.commit_timer = reactor.callLater(wait, self._commit)
        elif wait == 0.0:
            self.commit_timer.reset(0)
        return result

    def _downloading(self) -> bool:
        """Whether a request is downloading or waits in a download slot. When none is, the
        group has nothing to wait for: it commits in the reactor's next turn (the writes
        of that turn with it), instead of holding the crawl's last items, and so its end,
        for up to ``GOAHEAD_ARCHIVE_GROUP_SECONDS``."""
        try:
            downloader = self.crawler.engine.downloader
        except (AttributeError, RuntimeError):  # no engine yet (Scrapy raises): the window
            return True
        return bool(getattr(downloader, "active", True))

    def _commit(self) -> None:
        """Commit the group, then count what it stored; if it cannot be committed, report
        each of its writes lost and stop the crawl."""
        if self.commit_timer is not None and self.commit_timer.active():
            self.commit_timer.cancel()
        self.commit_timer = None
        if self.group is None:
            return
        waiting, self.waiting = self.waiting, []
        try:
            committed = self.group.commit()
        except sqlite3.Error as err:
            committed = 0
            self._write_failed(err)
        if waiting and not committed:  # the commit failed, or a failed write took the group
            for _, lost, _ in waiting:
                if lost is not None:
                    lost()
            return
        for stored, _, result in waiting:
            stored(result)

    def _last_write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """The run's final row, tried even after a failed write (a small update may still
        fit); failing again, the row stays ``running`` and reads as killed later."""
        if not self.write_failed:
            result = self._write(fn, *args, **kwargs)
            self._commit()
            return result
        if self.lock is not None:
            self.lock.free_reserve()  # the room held back for this write (a full disk)
        assert self.group is not None  # there is a run row to finish
        try:  # through the group: another crawl's open group here commits first
            result = self.group.run(fn, *args, **kwargs)
            self.group.commit()
        except sqlite3.Error as err:
            logger.info("Could not record the end of the run either: %s", err)
            with contextlib.suppress(sqlite3.Error):
                self.group.rollback()
            return None
        return result

    def _write_failed(self, err: sqlite3.Error) -> None:
        self.write_failed = True
        problem = explain_sqlite(err, self.archive.path)
        message = f"{problem} ({problem.hint})" if problem else f"{self.archive.path}: {err}"
        self.crawler.stats.set_value("goahead/archive/write_failed", message)
        logger.error("Archive write failed, stopping the crawl: %s", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def spider_error(self, failure: Any, response: Any, **_: Any) -> None:
        url = _listed_url(response)
        message = f"extraction failed: {failure.value!r}"[:300]
        self.ledger.not_stored(url, message)
        self.ledger.fail(url, message)

    def item_error(self, item: Any, failure: Any, **_: Any) -> None:
        url = getattr(item, "url", None)
        message = f"storage failed: {failure.value!r}"[:300]
        if url:
            self.ledger.not_stored(url, message)
        self.ledger.fail(url, message)

    def response_downloaded(self, response: Any, request: Any, **_: Any) -> None:
        """A redirect: the URL it leaves is stored by a post under the URL it leads to
        (whose request the dupe filter may drop, when another source named it first)."""
        location = response.headers.get(b"Location") if 300 <= response.status < 400 else None
        target = joined(request.url, location.decode("latin-1")) if location else None
        if target is not None:
            self.ledger.stored_as(request.url, target)

    def item_scraped(self, item: Any, response: Any, **_: Any) -> None:
        if isinstance(item, Post) and _made_from(item, response):
            self.ledger.stored_as(_listed_url(response), item.url)


def _made_from(post: Post, response: Any) -> bool:
    """``response`` is the page ``post`` was made from: not the image response (or the
    errback's failure) that released a post held for its images (the spider noted its
    listed URL when it held it)."""
    if not isinstance(response, Response):
        return False
    capture = response.meta.get("warc_capture")
    return capture is None or (capture.warc_file, capture.warc_offset) == (post.warc_file,
                                                                            post.warc_offset)


def _listed_url(response: Any) -> str:
    """The URL a response (or an errback's failure) answered as first asked (before
    redirects)."""
    answered = response if isinstance(response, Response) else response.request
    return (answered.meta.get("redirect_urls") or [answered.url])[0]
