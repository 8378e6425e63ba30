"""A worker process for a crawl's heaviest pure steps: extracting posts, cutting them for
the search index.

Extraction (lxml, about 1.7 ms a post) and the search index's tokens (Thai clusters,
dictionary words, the vocabulary: about 2 ms) are pure functions of the page and of the
post, and the largest costs of a crawl's own process after Scrapy itself. In that process
they delay every download and WARC record behind them; in a worker process they run beside
them (on a second core, or while the crawl waits for the network). What the crawl decides
and writes stays in its process, in the order it makes it.

A small crawl never starts the worker (starting one costs about a second of imports): the
pipeline starts it as soon as the posts feed lists
:data:`settings.GOAHEAD_INDEX_WORKER_FROM` posts, or once the crawl has stored that many
(a blog whose feed does not say). A worker that fails for any reason is not trusted again:
the crawl does the work itself, as it does before the worker starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, TypeVar

from archive.search import tokens_with
from archive.tokens import PostTokens
from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.extract import extract_article
from goahead_crawler.extract.article import Article

logger = logging.getLogger(__name__)
T = TypeVar("T")

_VOCABULARY: tuple[str, str] = ("", "")  # in the worker: the archive's (words, sha1)


def _start(words: str, sha1: str) -> None:
    global _VOCABULARY
    _VOCABULARY = (words, sha1)
    tokens_with(words, sha1, "", "ทดสอบ")  # load the dictionary and vocabulary now


def _tokens(title: str | None, text: str | None) -> PostTokens:
    return tokens_with(*_VOCABULARY, title, text)


class CrawlWorker:
    """One worker process per crawl (:meth:`of`), idle until the pipeline starts it."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False

    @classmethod
    def of(cls, crawler: Any) -> CrawlWorker:
        """The crawl's worker: the spider and the pipeline share it."""
        worker = getattr(crawler, "_goahead_worker", None)
        if worker is None:
            worker = crawler._goahead_worker = cls()
        return worker

    def start(self, vocabulary: tuple[str, str]) -> None:
        """Start the process; it cuts posts under the archive's ``vocabulary``."""
        if self.pool is None and not self.broken:
            # spawn: the crawl's process runs Twisted's reactor and threads, which a fork
            # would copy half-way through
            self.pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"),
                                            initializer=_start, initargs=vocabulary)

    @property
    def running(self) -> bool:
        return self.pool is not None and not self.broken

    async def tokens(self, title: str | None, text: str | None) -> PostTokens | None:
        """The post's search tokens, or None when the worker failed (cut it yourself)."""
        return await self._run(_tokens, title, text)

    async def article(self, body: bytes, url: str, entry: FeedEntry | None,
                      content_type: str | None) -> Article | None:
        """:func:`~goahead_crawler.extract.extract_article`, or None when the worker
        failed (extract it yourself)."""
        return await self._run(extract_article, body, url, entry, content_type)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T | None:
        if not self.running:
            return None
        assert self.pool is not None
        try:
            return await asyncio.wrap_future(self.pool.submit(fn, *args))
        except Exception as exc:  # noqa: BLE001 - a broken pool, failed import, pickling error
            if not self.broken:
                logger.warning("The crawl's worker process failed (%s: %s); the crawl does"
                               " its work itself from now on", type(exc).__name__, exc)
            self.broken = True
            return None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
