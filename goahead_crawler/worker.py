"""A worker process for a crawl's heaviest pure steps: extracting posts, cutting them for
the search index.

Extraction (lxml, about 1.7 ms a post) and the search index's tokens (Thai clusters,
dictionary words, the vocabulary: about 2 ms) are pure functions of the page and of the
post, and the largest costs of a crawl's own process after Scrapy itself. In that process
they delay every download and WARC record behind them; in a worker process they run beside
them (on a second core, or while the crawl waits for the network). What the crawl decides
and writes stays in its process, in the order it makes it.

One call per post: the worker cuts the post for the search index as it extracts it, and
the pipeline takes those tokens when the post it stores has the same title and text. Each
call is a hand-off through the executor's manager thread: pickling, a wake-up, and the GIL
passed back and forth with the crawl's thread.

A small crawl never starts the worker (starting one costs about a second of imports): the
pipeline starts it as soon as the posts feed lists
:data:`settings.GOAHEAD_INDEX_WORKER_FROM` posts, or once the crawl has stored that many
(a blog whose feed does not say). A worker that fails for any reason is not trusted again:
the crawl does the work itself, as it does before the worker starts. So does a crawl
that would pass :data:`settings.GOAHEAD_INDEX_WORKERS_MAX` workers in this process (a
sites.toml crawl of many big blogs).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context, parent_process
from multiprocessing.connection import wait
from typing import Any, TypeVar

from archive.search import tokens_with
from archive.tokens import PostTokens
from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.extract import extract_article
from goahead_crawler.extract.article import Article

logger = logging.getLogger(__name__)
T = TypeVar("T")

_VOCABULARY: tuple[str, str] | None = None  # in the worker: the archive's (words, sha1)
_CUT_KEPT = 500  # posts extracted and cut, waiting to be stored (else asked again)


def _use_vocabulary(words: str, sha1: str) -> None:
    """The worker's first call: the archive's vocabulary (some 300 KB). Not a start-up
    argument: those go down the new process's pipe from the crawl's thread, which waits
    there (a pipe holds 64 KB) until the process has started and read them, about half a
    second of a crawl with nothing done; a call goes from the executor's own thread."""
    global _VOCABULARY
    tokens_with(words, sha1, "", "ทดสอบ")  # load the dictionary and vocabulary now
    _VOCABULARY = (words, sha1)


def _exit_with_parent() -> None:
    """End this process when the crawl's process ends. A crawl killed outright (SIGKILL,
    the OOM killer, a scheduler's timeout) never tells its executor to stop, and the
    executor's worker would wait on its call queue for ever, holding its memory (about
    125 MB), with multiprocessing's resource tracker beside it. The parent's sentinel (a
    pipe the parent holds open) reads as ready once the parent is gone."""
    parent = parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)  # nothing here to keep: the crawl that asked is gone

    threading.Thread(target=watch, name="goahead-worker-parent", daemon=True).start()


def _tokens(title: str | None, text: str | None) -> PostTokens:
    if _VOCABULARY is None:  # its first call failed: cutting without it would be wrong
        raise RuntimeError("the worker has no vocabulary")
    return tokens_with(*_VOCABULARY, title, text)


def _extract_and_cut(body: bytes, url: str, entry: FeedEntry | None,
                     content_type: str | None) -> tuple[Article, PostTokens]:
    article = extract_article(body, url, entry, content_type=content_type)
    return article, _tokens(article.title, article.text)


def workers_max(setting: int) -> int:
    """:data:`settings.GOAHEAD_INDEX_WORKERS_MAX`, 0 read as one less than the CPUs."""
    return setting if setting > 0 else max(1, (os.cpu_count() or 2) - 1)


class CrawlWorker:
    """One worker process per crawl (:meth:`of`), idle until the pipeline starts it."""

    _started = 0  # workers running in this process, all crawls together
    _counting = threading.Lock()

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False
        self.calls = 0  # made to the worker's process
        self._failing = threading.Lock()
        self._cut: OrderedDict[tuple[str | None, str | None], PostTokens] = OrderedDict()

    @classmethod
    def of(cls, crawler: Any) -> CrawlWorker:
        """The crawl's worker: the spider and the pipeline share it."""
        worker = getattr(crawler, "_goahead_worker", None)
        if worker is None:
            worker = crawler._goahead_worker = cls()
        return worker

    def start(self, vocabulary: tuple[str, str], most: int = 1) -> bool:
        """Start the process; it cuts posts under the archive's ``vocabulary``. False when
        ``most`` workers run in this process already: the crawl does its work itself."""
        if self.pool is None and not self.broken:
            with CrawlWorker._counting:
                if CrawlWorker._started >= most:
                    return False
                CrawlWorker._started += 1
            # spawn: the crawl's process runs Twisted's reactor and threads, which a fork
            # would copy half-way through
            self.pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"),
                                            initializer=_exit_with_parent)
            # the first call: every later one waits for it (one process, calls in order)
            self.pool.submit(_use_vocabulary, *vocabulary).add_done_callback(self._given)
        return self.running

    def _given(self, answer: Future[None]) -> None:
        """The vocabulary call's end (in the executor's thread): a worker without it is
        broken, whatever its later calls would say."""
        if not answer.cancelled() and answer.exception() is not None:
            self._failed(answer.exception())

    @property
    def running(self) -> bool:
        return self.pool is not None and not self.broken

    async def tokens(self, title: str | None, text: str | None) -> PostTokens | None:
        """The post's search tokens (cut with its extraction, when the worker extracted
        it), or None when the worker failed (cut it yourself)."""
        cut = self._cut.pop((title, text), None)
        if cut is not None:
            return cut
        return await self._run(_tokens, title, text)

    async def article(self, body: bytes, url: str, entry: FeedEntry | None,
                      content_type: str | None) -> Article | None:
        """:func:`~goahead_crawler.extract.extract_article`, or None when the worker
        failed (extract it yourself). The worker cuts the article for the search index
        in the same call; :meth:`tokens` hands those tokens out."""
        answer = await self._run(_extract_and_cut, body, url, entry, content_type)
        if answer is None:
            return None
        article, tokens = answer
        self._cut[(article.title, article.text)] = tokens
        while len(self._cut) > _CUT_KEPT:  # posts never stored (their crawl stopping)
            self._cut.popitem(last=False)
        return article

    async def _run(self, fn: Callable[..., T], *args: Any) -> T | None:
        if not self.running:
            return None
        assert self.pool is not None
        self.calls += 1
        try:
            return await asyncio.wrap_future(self.pool.submit(fn, *args))
        except Exception as exc:  # noqa: BLE001 - a broken pool, failed import, pickling error
            self._failed(exc)
            return None

    def _failed(self, exc: BaseException | None) -> None:
        """Said once, from whichever thread sees it first; never asked again."""
        with self._failing:
            if not self.broken:
                logger.warning("The crawl's worker process failed (%s: %s); the crawl does"
                               " its work itself from now on", type(exc).__name__, exc)
            self.broken = True

    def close(self) -> None:
        self._cut.clear()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            with CrawlWorker._counting:
                CrawlWorker._started -= 1
