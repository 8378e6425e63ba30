"""The ``blogger`` spider: routes requests only; Blogger knowledge is in ``goahead_crawler.blogger``.

Discovery, cheapest first (issue 3):

1. the posts feed, JSON then Atom, paged by what came back, then by date while it has
   named fewer posts than its total;
2. the sitemaps (``/sitemap.xml`` index, ``/sitemap-pages.xml``): they cross-check the feed
   and fill what it lacks, their posts held back until the feed is exhausted; the static
   pages' feed first, for their dates and author (``spiders/pages_feed.py``);
3. HTML navigation (older-post links, ``/YYYY/MM/`` archives), only when both are gone.

A blog crawled before is re-crawled incrementally (``spiders/incremental.py``): the feed
asked for what changed since, conditional requests, deletions confirmed by their 404; the
blog-wide comments feed for new comments on posts not fetched (``spiders/new_comments.py``).

Every post URL passes through one :class:`Frontier`, so no post is fetched twice. Comments
come from the post page, or from the comments feed when the page shows fewer than counted.
What a misleading server gets (refusals, stops on no progress, the end-of-crawl checks) is
in ``spiders/safeguards.py``; the sitemaps' callbacks in ``spiders/sitemap_routes.py``, the
comments' in ``spiders/comment_routes.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from goahead_crawler import config
from goahead_crawler.blogger.feed import (
    DATE_CURSOR,
    FeedEntry,
    FeedError,
    FeedPage,
    date_cursor,
    next_start_index,
    parse_feed,
)
from goahead_crawler.blogger.frontier import Frontier
from goahead_crawler.blogger.pager import MAX_OLDER_LINKS, archive_months
from goahead_crawler.blogger.scope import Scope
from goahead_crawler.blogger.urls import (
    POSTS_ORDER,
    blog_root,
    is_post_path,
    names_order,
    posts_feed_url,
    same_blog,
)
from goahead_crawler.extract.article import Article
from goahead_crawler.items import GonePost, page_post
from goahead_crawler.listings import feed_listings, link_listings
from goahead_crawler.middleware.blog_gate import BlogUnavailable
from goahead_crawler.middleware.failures import REFUSAL_REPORTED_BY_SPIDER
from goahead_crawler.middleware.scope_guard import OutOfScope
from goahead_crawler.signals import posts_caught_up, posts_listed
from goahead_crawler.spiders.capture import CaptureRoutes
from goahead_crawler.spiders.comment_routes import CommentRoutes
from goahead_crawler.spiders.discovery import Discovery
from goahead_crawler.spiders.incremental import IncrementalRoutes, load_previous
from goahead_crawler.spiders.new_comments import NewCommentRoutes
from goahead_crawler.spiders.pages_feed import PagesFeedRoutes
from goahead_crawler.spiders.redirects import RedirectLedger
from goahead_crawler.spiders.safeguards import Safeguards
from goahead_crawler.spiders.sitemap_routes import SitemapRoutes
from goahead_crawler.spiders.unstored import ListedRoutes
from goahead_crawler.worker import CrawlWorker

GONE = (404, 410)
# A feed page after the first waits behind the posts already queued (those the page before
# named): the feed runs no further ahead than they, and their answers judge it (Safeguards).
FEED_PAGE_PRIORITY = -1
# A listing page waits behind the posts queued (those the pages before linked): their
# answers judge the links (Safeguards._links_invent) before more are taken.
LISTING_PRIORITY = -1
STATE_KEY = "goahead_discovery"  # in ``spider.state``: Discovery, Frontier, ... snapshots


class BloggerSpider(SitemapRoutes, PagesFeedRoutes, CommentRoutes, NewCommentRoutes,
                    CaptureRoutes, ListedRoutes, Safeguards, IncrementalRoutes, scrapy.Spider):
    """Archive every post and static page of one Blogger blog.

    ``scrapy crawl blogger -a url=https://example.blogspot.com/``
    """

    name = "blogger"

    def __init__(self, url: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not url:
            raise ValueError(
                "the blogger spider needs a blog URL: -a url=https://NAME.blogspot.com/")
        self.root = blog_root(url)
        self.frontier = Frontier(self.root)
        self.discovery = Discovery()
        self.redirects = RedirectLedger()
        self.sitemap_claimed = set()
        self.checked_only = set()
        self.feed_named = set()
        self.commented, self.blog_comment_ids, self.comments_read = {}, set(), set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BloggerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if kwargs.get("max_posts"):  # -a max_posts=2 (a Scrapyd job's -d max_posts=2):
            # the setting too, so the warcinfo and the run's ledger say the limit it ran
            # with (else reindex counted what it listed past 2 as failures, exit 1)
            given = settings.getpriority("GOAHEAD_MAX_POSTS")  # the argument wins over it
            settings.set("GOAHEAD_MAX_POSTS", int(kwargs["max_posts"]),
                         priority="spider" if given is None else given)
        config.validate(settings)  # -s CONCURRENT_REQUESTS_PER_DOMAIN=0, -a max_posts=-1 ...
        # the pace, for every path (--concurrency 8, sites.toml, -s ...=8): AutoThrottle's
        # aim 8; Scrapy builds it and the downloader from these settings after this returns
        config.pace_given(settings)
        spider.page_size = settings.getint("GOAHEAD_FEED_PAGE_SIZE")
        spider.frontier.max_posts = settings.getint("GOAHEAD_MAX_POSTS")
        spider.max_post_comments = settings.getint("GOAHEAD_MAX_POST_COMMENTS")
        spider.max_blog_comments = settings.getint("GOAHEAD_MAX_BLOG_COMMENTS")
        spider.pages_enabled = settings.getbool("GOAHEAD_PAGES_ENABLED")
        spider.sitemap_enabled = settings.getbool("GOAHEAD_SITEMAP_ENABLED")
        spider.pager_enabled = settings.getbool("GOAHEAD_PAGER_ENABLED")
        spider.comments_enabled = settings.getbool("GOAHEAD_COMMENTS_ENABLED")
        spider._configure_capture(settings)  # images, requisites, listing pages
        # what may be fetched (middleware/scope_guard.py checks every request against it)
        spider.scope = Scope(spider.root, settings.getlist("GOAHEAD_STATIC_ORIGINS"))
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.posts_caught_up, signal=posts_caught_up)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.resumed = self._restore()
        for request in self._unstored_first():  # listed before, still not in the archive
            yield request
        if self.resumed:  # held posts and the images they wait for, as the job left them
            for request in self._capture_restore(self.state[STATE_KEY].get("capture", {})):
                yield request
        for request in self._caught_up_images():  # a killed crawl's posts, theirs unasked
            yield request
        if self.resumed:  # its queue holds the rest of discovery
            return
        self.previous = self.previous or load_previous(self.crawler, self.root)
        if self.previous:
            for request in self._incremental_start():
                yield request
            for request in self._new_comments_start():
                yield request
        yield self._feed_request(1)
        if self.sitemap_enabled:
            yield self._sitemap_request(self.root + "sitemap.xml", index=True)
        else:
            self.discovery.sitemap_state = "off"
        if self.pages_enabled and not self.previous:  # its answer asks for the pages sitemap
            yield self._pages_feed_request()
        elif self.pages_enabled and self.sitemap_enabled:
            yield self._sitemap_request(self.root + "sitemap-pages.xml", index=False, pages=True)
        if not (self.pages_enabled and self.sitemap_enabled):
            self.discovery.pages_from_html = self.pages_enabled

    def _restore(self) -> bool:
        saved = getattr(self, "state", {}).get(STATE_KEY)
        if not saved:
            return False
        self.discovery = Discovery.restore(saved["spider"])
        self.frontier.restore(saved["frontier"])
        self.root = self.frontier.root
        self._new_comments_restore(saved.get("new_comments", {}))
        self._incremental_restore(saved.get("incremental", {}))
        self.logger.info("Resuming discovery: %d URLs already claimed", len(self.frontier.seen))
        return True

    def closed(self, reason: str) -> None:
        """Keep where discovery stands for a resumed job (Scrapy's SpiderState saves it)."""
        self._capture_closed(reason)
        self._record_unlisted()
        if hasattr(self, "state"):
            self.state[STATE_KEY] = {"spider": self.discovery.snapshot(),
                                     "frontier": self.frontier.snapshot(),
                                     "capture": self._capture_snapshot(),
                                     "new_comments": self._new_comments_snapshot(),
                                     "incremental": self._incremental_snapshot()}

    def spider_idle(self) -> None:
        """Discovery's loose ends first (safeguards); once none are left, the listing pages
        a replay starts from (capture)."""
        Safeguards.spider_idle(self)  # DontCloseSpider while discovery has more to do
        requests = self._new_comments_idle()  # every post request answered by now
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider
        self._capture_idle()

    # -- helpers ---------------------------------------------------------------------------
    def _stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"goahead/{key}", count)

    def _adopt_root(self, response: Response) -> None:
        """Follow the blog's own http -> https redirect once, for every later request."""
        root = blog_root(response.url)
        if root != self.root and same_blog(root, self.root):
            self.logger.info("The blog moved to %s; scheduling there", root)
            self.root = root
            self.frontier.adopt_root(root)
            self.ledger.rekey()  # what it listed under the old scheme: now the new one's
            self.scope.adopt(root)

    def _schedule(self, url: str, source: str, *, entry: FeedEntry | None = None,
                  kind: str = "post", lastmod: str | None = None, count: bool = True
                  ) -> Iterator[scrapy.Request]:
        if count:
            self._stat(f"found/{source}")
        self._note(url, kind)
        if kind == "post" and self.frontier.limit_reached():
            return
        key = self.frontier.key(url)
        claimed = self.frontier.claim_key(key, kind)
        if claimed is None:
            if not same_blog(key, self.root):  # same host and port: the scope's own origin
                self._refused(url, source, self.scope.refusal(key) or "not on the blog")
            return
        self._stat(f"scheduled/{source}")
        self._claimed_from(source, key, kind)
        yield scrapy.Request(
            claimed, callback=self.parse_post, errback=self.post_failed,
            cb_kwargs={"entry": entry, "kind": kind, "lastmod": lastmod},
            meta={"goahead_source": source, **self._conditional_meta()},
        )

    # -- the posts feed --------------------------------------------------------------------
    def _feed_request(self, start_index: int, alt: str | None = None) -> scrapy.Request:
        alt = alt or self.discovery.feed_alt
        return scrapy.Request(
            posts_feed_url(self.root, start_index, self.page_size, alt=alt,
                          **self.discovery.feed_extra),
            callback=self.parse_feed_page, errback=self.feed_failed,
            priority=0 if self.discovery.feed_total is None else FEED_PAGE_PRIORITY,
            # until a page came, a redirect off the blog is the owner's (feed_failed)
            meta={"goahead_source": "feed", "goahead_start": start_index, "goahead_alt": alt,
                  REFUSAL_REPORTED_BY_SPIDER: self.discovery.feed_total is None},
        )

    def parse_feed_page(self, response: Response) -> Iterator[Any]:
        start = response.meta.get("goahead_start", 1)
        alt = response.meta.get("goahead_alt", "json")
        try:
            page = parse_feed(response.body)
        except FeedError as exc:
            self._stat("feed/errors")
            self.logger.warning("Unusable feed page %s: %s", response.url, exc)
            yield from self._feed_fallback(start, alt)
            return
        self._adopt_root(response)
        self._stat("feed/pages")
        state = self.discovery
        state.feed_alt = alt
        state.blog_id = state.blog_id or page.blog_id
        self._note_feed_kind(page)
        if state.feed_total is None and page.total is not None:
            self.crawler.signals.send_catch_log(posts_listed, count=page.total)
        if not self._feed_by_date():  # a date page counts only what is older
            state.feed_total = page.total if page.total is not None else state.feed_total
        state.feed_step = len(page.entries) + len(page.skipped) or state.feed_step
        state.feed_failed_pages, state.blogger_seen = 0, True
        new = self._unseen(page)
        self._listed(feed_listings(page), response)
        yield from self._skipped_entries(page, response.url)
        for entry in page.entries:
            if entry.url:
                yield from self._schedule(entry.url, "feed", entry=entry)
        following = self._next_feed_page(page, start, new, response.url)
        if following is not None and not self.frontier.limit_reached():
            yield following
        else:
            yield from self._feed_finished("done")

    def _feed_by_date(self) -> bool:
        """Paging by date (:meth:`_next_feed_page`), not by ``start-index``."""
        return DATE_CURSOR in self.discovery.feed_extra

    def _next_feed_page(self, page: FeedPage, start: int, new: int, url: str
                        ) -> scrapy.Request | None:
        """By ``start-index`` while that brings posts; then, while the feed has named fewer
        posts than its total, by date (``published-max``: :func:`date_cursor`)."""
        state = self.discovery
        if self._feed_invents(url):
            return None
        cursor = date_cursor(page.entries) if names_order(url) else None
        if cursor and (state.feed_oldest is None or cursor < state.feed_oldest):
            state.feed_oldest = cursor
        by_date = self._feed_by_date()
        following = None if by_date else next_start_index(page, start)
        if following is not None and new:
            return self._feed_request(following)
        short = state.feed_short()
        if short and (new or not by_date) and state.feed_oldest not in (
                None, state.feed_extra.get(DATE_CURSOR)):
            if not by_date:
                self.logger.warning(
                    "The posts feed named %d of the %d posts it counts by start-index;"
                    " paging on by date (%s)", len(state.feed_ids), state.feed_total,
                    DATE_CURSOR)
            self._stat("feed/date_pages")
            state.feed_extra = {**state.feed_extra, "orderby": POSTS_ORDER,
                                DATE_CURSOR: state.feed_oldest}
            return self._feed_request(1)
        if not new and (following is not None or short):
            self._stalled("feed", f"page {url} brought nothing not seen before")
        return None

    def _note_feed_kind(self, page: FeedPage) -> None:
        summary_only = any(e.content_html is None and e.summary is not None for e in page.entries)
        if summary_only and not self.crawler.stats.get_value("goahead/feed/summary_only"):
            self.logger.info("The blog publishes a summary-only feed; text comes from the pages")
            self.crawler.stats.set_value("goahead/feed/summary_only", 1)

    def feed_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta
        start, alt = meta.get("goahead_start", 1), meta.get("goahead_alt", "json")
        status = failure.value.response.status if failure.check(HttpError) else None
        if failure.check(BlogUnavailable):
            return
        self._stat("feed/errors")
        if status in GONE and self.discovery.feed_total is None:
            yield from self._feed_finished("off")  # the owner switched feeds off
            return
        if failure.check(OutOfScope) and failure.request.meta.get(REFUSAL_REPORTED_BY_SPIDER):
            self.logger.warning("The posts feed redirects off the blog, to %s (the owner's"
                                " post feed redirect); discovering posts from the sitemap",
                                failure.request.url)
            yield from self._feed_finished("off")
            return
        self.logger.warning("Feed page %s failed: %s", failure.request.url, failure.value)
        yield from self._feed_fallback(start, alt)

    def _feed_fallback(self, start: int, alt: str) -> Iterator[Any]:
        """Atom when JSON is refused or broken; then carry on from the next start-index."""
        if alt == "json":
            self._stat("feed/atom_fallback")
            yield self._feed_request(start, "atom")
            return
        if self.discovery.feed_total is None:  # no page ever worked: treat the feed as absent
            yield from self._feed_finished("off")
            return
        if self._feed_pages_lost():
            yield from self._feed_finished("done")
            return
        following = start + (self.discovery.feed_step or self.page_size)
        self._stat("feed/pages_skipped")
        if following <= self.discovery.feed_total:
            yield self._feed_request(following)
        else:
            yield from self._feed_finished("done")

    def _feed_finished(self, state: str) -> Iterator[Any]:
        if self.discovery.feed_state != "running":
            return
        self.discovery.feed_state = state
        if state == "off":
            self.logger.info("No usable posts feed; discovering posts from the sitemap")
            self.crawler.stats.set_value("goahead/feed/unavailable", 1)
        for entry in self.frontier.release():
            yield from self._schedule(entry.url, "sitemap", lastmod=entry.lastmod, count=False)
        yield from self._check_deletions()
        yield from self._maybe_start_pager()

    # -- HTML navigation (last resort) -----------------------------------------------------
    def _maybe_start_pager(self) -> Iterator[Any]:
        if self.discovery.pager_started or not self.pager_enabled:
            return
        if self.discovery.feed_state != "off" or self.discovery.sitemap_state != "off":
            return
        self.discovery.pager_started = True
        self.logger.info("No feed and no sitemap: reading the blog's home page")
        self.crawler.stats.set_value("goahead/pager/used", 1)
        yield from self._listing_request(self.root)

    def _listing_request(self, url: str) -> Iterator[scrapy.Request]:
        url = self.frontier.key(url)
        if url in self.discovery.listings or self.frontier.limit_reached():
            return
        self.discovery.listings.add(url)
        self._stat("pager/listings")
        yield scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed,
                             priority=LISTING_PRIORITY if url != self.root else 0,
                             dont_filter=True,  # asked once (above), if a redirect came first
                             meta={"goahead_source": "pager"})

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if self.frontier.key(response.url) == self.root and not self._looks_like_blogger(
                response):
            return
        yield from self._follow_links(response, listing=True)
        yield from self._capture_listing(response)

    def listing_failed(self, failure: Failure) -> None:
        if failure.check(IgnoreRequest):  # robots.txt (counted as robotstxt/forbidden)
            return
        self._stat("pager/errors")
        self.logger.warning("Listing %s failed: %s", failure.request.url, failure.value)

    def _follow_links(self, response: Response, listing: bool = False) -> Iterator[Any]:
        links = self._links_taken(response, pages=self.pages_enabled)
        self._listed(link_listings(links, "pager", True, self.pages_enabled), response)
        yield from self._linked_pages(links.pages if self.pages_enabled else [], "pager")
        if self.discovery.links_stopped:  # said once; its archive links lead to more
            return
        new = 0
        for url in links.posts:
            for request in self._schedule(url, "pager"):
                new += 1
                yield request
        home = self.frontier.key(response.url) == self.root  # one page: its archive links
        if listing and not new and not home:  # are followed (a walk for what others missed)
            self._stalled("pager", f"{response.url} brought no post not seen before; its"
                                   " older-posts and archive links are not followed")
            return
        months, impossible = archive_months(links.months, datetime.now(UTC).date())
        if impossible:
            self._stat("pager/impossible_months", len(impossible))
            self.logger.warning("%s links %s month archive page%s no blog can have, not"
                                " fetched: %s", response.url, f"{len(impossible):,}",
                                "s"[:len(impossible) > 1], ", ".join(impossible[:3]))
        older = [u for u in links.older if not is_post_path(u)]
        if len(older) > MAX_OLDER_LINKS:
            self._stat("pager/older_links_dropped", len(older) - MAX_OLDER_LINKS)
            self.logger.warning("%s has %s older-posts links (Blogger's pager has one): the"
                                " first %d are followed", response.url, f"{len(older):,}",
                                MAX_OLDER_LINKS)
        for url in months + older[:MAX_OLDER_LINKS]:
            yield from self._listing_request(url)

    # -- post and page ---------------------------------------------------------------------
    @property
    def worker(self) -> CrawlWorker:
        return CrawlWorker.of(self.crawler)

    def parse_post(self, response: Response, entry: FeedEntry | None = None,
                   kind: str = "post", lastmod: str | None = None
                   ) -> Iterator[Any] | AsyncIterator[Any]:
        """A post or page: extracted here, or (a big crawl) by the crawl's worker process
        while this one goes on (:mod:`goahead_crawler.worker`)."""
        self.frontier.mark_fetched(response.url)
        self._feed_post_answered(response.meta, fetched=True, kind=kind)
        if self._redirected_off_posts(response.meta.get("redirect_urls"), response.url):
            return iter(())
        self.redirects.answer(self.frontier.key(response.url))
        if self._not_modified(response, "posts"):
            return iter(())
        if self.worker.running:
            return self._post_extracted_elsewhere(response, entry, kind, lastmod)
        return self._post_outputs(response, entry, kind, lastmod, None)

    async def _post_extracted_elsewhere(self, response: Response, entry: FeedEntry | None,
                                        kind: str, lastmod: str | None) -> AsyncIterator[Any]:
        article = await self.worker.article(response.body, response.url, entry,
                                            self._content_type(response))
        if article is not None:
            self._stat("worker/extracted")
        for output in self._post_outputs(response, entry, kind, lastmod, article):
            yield output

    @staticmethod
    def _content_type(response: Response) -> str | None:
        content_type = response.headers.get(b"Content-Type")
        return content_type.decode("latin-1") if content_type else None

    def _post_outputs(self, response: Response, entry: FeedEntry | None, kind: str,
                      lastmod: str | None, article: Article | None) -> Iterator[Any]:
        """The post (``article``: already extracted, else extracted now), its comments,
        the links it leads to."""
        article, post = page_post(
            self.frontier.key(entry.url if entry else response.url), response.body,
            page_url=response.url, entry=entry, kind=kind, lastmod=lastmod,
            content_type=self._content_type(response), blog_id=self.discovery.blog_id,
            capture=response.meta.get("warc_capture"), article=article)
        self._stat(f"archived/{kind}s")
        self._charset_detected(response.url, article.charset_note)
        yield from self._capture_post(response, article, post)  # the post, now or held
        if self.comments_enabled and kind == "post":
            self.comments_read.add(post.url)  # no new-comments request for it this run
            yield from self._comments(article, entry, post.blog_id, post.post_id)
        if self.discovery.pager_started:
            yield from self._follow_links(response)
        else:
            yield from self._pages_linked(response)

    def _pages_linked(self, response: Response) -> Iterator[scrapy.Request]:
        """The static pages a post or listing page links to, when ``/sitemap-pages.xml``
        failed (it may fail after the posts were read: the home page's are taken too)."""
        if not self.discovery.pages_from_html or response.status != 200:
            return
        links = self._links_taken(response, pages=True)
        self._listed(link_listings(links, "html-links", False, True), response)
        yield from self._linked_pages(links.pages, "html-links")

    def _linked_pages(self, urls: list[str], source: str) -> Iterator[scrapy.Request]:
        for url in urls:
            for request in self._schedule(url, source, kind="page"):
                self.discovery.linked_pages += 1
                yield request

    def post_failed(self, failure: Failure) -> Iterator[Any]:
        url = failure.request.url
        status = failure.value.response.status if failure.check(HttpError) else None
        if not failure.check(BlogUnavailable):
            self._feed_post_answered(failure.request.meta, fetched=False, gone=status in GONE,
                                     kind=failure.request.cb_kwargs.get("kind", "post"))
        if status in GONE:
            self._stat("posts/gone")
            self.logger.warning("Gone (%s), recorded and not retried: %s", status, url)
            capture = failure.request.meta.get("warc_capture")
            yield GonePost(self.frontier.key(url), status,
                           at=capture.fetched_at if capture else None)
            return
        if self._reported_elsewhere(failure):
            return
        self._fetch_failed(failure)
