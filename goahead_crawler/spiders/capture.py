"""The capture routes of the ``blogger`` spider: what a replay needs besides the posts.

- **Images** (on by default; ``GOAHEAD_IMAGES_ENABLED``): every image a post's article
  shows or links to (:attr:`Article.image_urls`), and those of listing pages' posts.
- **Page requisites** (``GOAHEAD_REQUISITES_ENABLED``): stylesheets, scripts, fonts, icons
  and template images a page loads, and what its fetched stylesheets name in turn.
- **Listing pages** (``GOAHEAD_LISTINGS_ENABLED``): the home page and the ``/YYYY/MM/``
  archive page of every month with a post fetched, once discovery is over, so a replay
  can start at the front page (``/search`` pages are robots.txt-disallowed on Blogger).

Every image and requisite URL is claimed once per crawl in one :class:`StaticFrontier`
and fetched only when the scope allows it for the ``"static"`` purpose (the blog,
Blogger's static hosts, ``GOAHEAD_STATIC_ORIGINS``; never ads or trackers), at a priority
above post pages, so the posts held for their images stay few. A post is stored once its
images have settled, its ``images`` field listing those archived.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import scrapy
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.captures import archived_urls
from archive.models import Post
from archive.posts import get_post_by_url
from goahead_crawler.blogger.images import MAX_IMAGES
from goahead_crawler.blogger.requisites import (
    MAX_URLS,
    css_requisites,
    listing_images,
    parse_page,
    tree_requisites,
)
from goahead_crawler.blogger.scope import SETTINGS_ADVICE, denied, other_host_note
from goahead_crawler.blogger.static_frontier import PENDING, StaticFrontier
from goahead_crawler.blogger.urls import (
    is_post_path,
    month_archive_url,
    request_url,
    same_blog,
)
from goahead_crawler.crawl_archive import CrawlArchive
from goahead_crawler.extract.article import Article
from goahead_crawler.items import CompletedPost, with_images
from goahead_crawler.middleware.conditional import CONDITIONAL
from goahead_crawler.middleware.scope_guard import SCOPE_META, OutOfScope
from goahead_crawler.warc.extension import find_warc_capture

STATIC_PRIORITY = 10  # before more post pages: images settle soon after their post
MAX_CSS_DEPTH = 3  # page -> stylesheet -> @import -> @import
# A blog's template loads a few dozen requisites in all; stylesheets naming new stylesheets
# could name millions (500 a file, three deep). Past this many in one crawl, none more.
MAX_REQUISITES = 20_000
MAX_OTHER_HOST_IMAGES = 100_000  # distinct URLs held to count the images not fetched
STATIC_META = "goahead_static"  # request.meta: the URL claimed (redirects keep it)


@dataclass(frozen=True)
class StoredPost:
    """A held post that is in the archive already (a killed crawl's, caught up without
    its images): read back when they settle, not kept in memory meanwhile."""

    url: str


class CaptureRoutes:
    """Mixed into ``BloggerSpider``: images, requisites and listing pages."""

    statics: StaticFrontier
    listings_done = False

    def _configure_capture(self: Any, settings: Any) -> None:
        self.images_enabled = settings.getbool("GOAHEAD_IMAGES_ENABLED")
        self.requisites_enabled = settings.getbool("GOAHEAD_REQUISITES_ENABLED")
        self.listings_enabled = settings.getbool("GOAHEAD_LISTINGS_ENABLED")
        self.statics = StaticFrontier()
        self._earlier: dict[str, bool] = {}
        self.caught_up: dict[str, list[str]] = {}  # post URL -> image URLs to fetch for it
        self.other_host_images: set[str] = set()  # not fetched: said after the summary

    # -- posts and pages -----------------------------------------------------------------
    def _capture_post(self: Any, response: Response, article: Article, post: Post
                      ) -> Iterator[Any]:
        """Requests for the page's images (and requisites); the post, now or once its
        images have settled."""
        images = article.image_urls if self.images_enabled else []
        self._warn_capped(images, MAX_IMAGES, "image", response.url)
        yield from self._static_requests(images, "image", response.url)
        if self.requisites_enabled:
            yield from self._requisites_of(response, exclude=article.image_urls)
        if self.statics.hold(post.url, post, article.image_urls):
            self._stat("images/posts_held")
            # stored later, by an image's response: where this page was first asked, now
            self.ledger.stored_as((response.meta.get("redirect_urls") or [response.url])[0],
                                  post.url)
            return
        yield self._complete(post, article.image_urls)

    def _complete(self: Any, post: Post | StoredPost, image_urls: list[str]) -> Post | None:
        if isinstance(post, StoredPost):  # stored already: read back when its images settle
            db = CrawlArchive.reader_of(self.crawler)
            found = get_post_by_url(db, post.url) if db is not None else None
            if found is None:
                return None
            post = CompletedPost.of(found)
        return with_images(post, image_urls, self._archived)

    def _archived(self: Any, url: str) -> bool:
        """Captured by this crawl, or (for what this crawl did not capture) by an earlier
        one: the archive's captures table says so."""
        if self.statics.captured(url):
            return True
        if url not in self._earlier:
            db = CrawlArchive.reader_of(self.crawler)
            self._earlier[url] = bool(db is not None and archived_urls(db, [url]))
        return self._earlier[url]

    def _requisites_of(self: Any, response: Response, exclude: Iterable[str] = ()
                       ) -> Iterator[scrapy.Request]:
        tree = parse_page(response.body)
        if tree is None:
            return
        skip = set(exclude) if not self.images_enabled else set()
        found = tree_requisites(tree, response.url)
        self._warn_capped(found, MAX_URLS, "requisite", response.url)
        yield from self._static_requests([u for u in found if u not in skip], "requisite",
                                         response.url)

    def _warn_capped(self: Any, urls: list[str], cap: int, kind: str, page: str) -> None:
        """A page that names as many URLs as are taken from one page: say that any past
        the cap were not captured (a replay of it may miss them)."""
        if len(urls) >= cap:
            self._stat(f"{kind}s/capped_pages")
            self.logger.warning("%s names %d or more %s URLs: only the first %d are"
                                " captured", page, cap, kind, cap)

    # -- image and requisite requests ----------------------------------------------------
    def _static_requests(self: Any, urls: Iterable[str], kind: str, parent: str,
                         depth: int = 0) -> Iterator[Any]:
        for url in urls:
            if self.scope.refusal(url, "static") is not None:
                self._stat(f"{kind}s/out_of_scope")
                if kind == "image" and not denied(url):  # said after the summary
                    self._other_host_image(url)
                self.logger.debug("Not captured (out of scope): %s on %s", url, parent)
                continue
            if kind == "requisite" and self._requisites_spent(url):
                continue
            if self.statics.claim(url):
                self._stat(f"{kind}s/requested")
                yield from self._claimed_request(url, kind, parent, depth)

    def _other_host_image(self: Any, url: str) -> None:
        """Count an image on a host outside the scope once, however many posts show it
        (up to :data:`MAX_OTHER_HOST_IMAGES` URLs held; the count is "at least" past it)."""
        seen = self.other_host_images
        if url in seen:
            return
        if len(seen) >= MAX_OTHER_HOST_IMAGES:
            self.crawler.stats.set_value("goahead/images/other_host_more", True)
            return
        seen.add(url)
        stats = self.crawler.stats
        stats.set_value("goahead/images/other_host", len(seen))
        if len(seen) == 1:
            stats.set_value("goahead/images/other_host_first", url)

    def _requisites_spent(self: Any, url: str) -> bool:
        """True (said once) when this crawl has asked for :data:`MAX_REQUISITES`."""
        if url in self.statics.state:
            return False
        asked = self.crawler.stats.get_value("goahead/requisites/requested", 0)
        if asked < MAX_REQUISITES:
            return False
        self._stat("requisites/over_budget")
        if self.crawler.stats.get_value("goahead/requisites/over_budget") == 1:
            self.logger.warning("This crawl has asked for %d requisites, its limit: no more"
                                " are captured (first left out: %s)", MAX_REQUISITES, url)
        return True

    def _claimed_request(self: Any, url: str, kind: str, parent: str | None,
                         depth: int = 0) -> Iterator[Any]:
        """The request for a claimed URL. One Scrapy cannot make fails now, as a fetch
        would, and releases the posts that wait for it: it never takes its page down."""
        try:
            request = self._static_request(url, kind, parent, depth)
        except ValueError as exc:
            self._stat(f"{kind}s/failed")
            self.logger.warning("Could not capture %s %s: %s", kind, url, exc)
            yield from self._settled(url, ok=False)
            return
        yield request

    def _static_request(self: Any, url: str, kind: str, parent: str | None, depth: int = 0
                        ) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_static, errback=self.static_failed,
            cb_kwargs={"kind": kind, "depth": depth}, priority=STATIC_PRIORITY,
            dont_filter=True,  # claimed once by the StaticFrontier
            meta={SCOPE_META: "static", STATIC_META: url, "goahead_source": kind,
                  # images: a 304 stands for the earlier capture; requisites are few, and a
                  # stylesheet's body is needed whole for the url()s inside it
                  **({CONDITIONAL: True} if kind == "image" else {}),
                  **({"goahead_parent": parent} if parent else {})},
        )

    def parse_static(self: Any, response: Response, kind: str = "image", depth: int = 0
                     ) -> Iterator[Any]:
        self._stat(f"{kind}s/captured")
        if kind == "requisite" and response.status == 200 and depth < MAX_CSS_DEPTH \
                and _is_css(response):
            urls = css_requisites(response.body, response.url)
            yield from self._static_requests(urls, "requisite", response.url, depth + 1)
        yield from self._settled(response.meta[STATIC_META], ok=True)

    def static_failed(self: Any, failure: Failure) -> Iterator[Any]:
        request = failure.request
        kind = request.cb_kwargs.get("kind", "image")
        if _robots_refusal(failure):
            self._stat(f"{kind}s/robots_forbidden")
            self.logger.info("Not captured (robots.txt): %s", request.url)
        else:
            status = failure.value.response.status if failure.check(HttpError) else None
            self._stat(f"{kind}s/failed")
            self.logger.warning("Could not capture %s %s: %s", kind, request.url,
                                f"HTTP {status}" if status else failure.value)
        yield from self._settled(request.meta[STATIC_META], ok=False)

    def _settled(self: Any, url: str, ok: bool) -> Iterator[Post]:
        for held in self.statics.settle(url, ok):
            post = self._complete(held.item, held.urls)
            if post is not None:
                yield post

    # -- a killed crawl's posts, stored by the catch-up without their images -------------
    def posts_caught_up(self: Any, unfetched: dict[str, list[str]], **_: Any) -> None:
        """The ``posts_caught_up`` signal: remember them; :meth:`_caught_up_images` asks."""
        self.caught_up.update(unfetched)

    def _caught_up_images(self: Any) -> Iterator[Any]:
        """The images a killed crawl never asked for, for the posts of this blog it had
        captured: each post is held (as :class:`StoredPost`) until they settle, then stored
        again with them. A later crawl would not ask: the post is archived, unchanged."""
        theirs = {url: images for url, images in self.caught_up.items()
                  if same_blog(url, self.root)}
        others = len(self.caught_up) - len(theirs)
        self.caught_up = {}
        if others:
            self.logger.warning("%d posts of other blogs, caught up from a killed crawl, show"
                                " images it never fetched: a crawl of their blog with --full"
                                " fetches them", others)
        if not theirs:
            return
        if not self.images_enabled:
            self.logger.warning("%d posts caught up from a killed crawl show images it never"
                                " fetched, and images are off: not fetched", len(theirs))
            return
        for url, images in theirs.items():
            unasked = [image for image in images if not self._archived(image)]
            requests = list(self._static_requests(unasked, "image", url))  # in scope
            if self.statics.hold(url, StoredPost(url), images):
                self._stat("images/caught_up_posts")
            yield from requests

    # -- listing pages -------------------------------------------------------------------
    def _capture_idle(self: Any) -> None:
        """Once discovery is over (the spider idle, its loose ends tied): the home page and
        month archives. Called by the spider's ``spider_idle``."""
        if self.listings_done or not self.listings_enabled:
            return
        self.listings_done = True
        requests = list(self._listing_captures())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _listing_captures(self: Any) -> Iterator[scrapy.Request]:
        posts = sorted(u for u in self.frontier.seen - self.checked_only if is_post_path(u))
        if not posts:  # an incremental run with nothing new: the listings are unchanged
            return
        months = dict.fromkeys(month_archive_url(url) for url in posts)
        for url in [self.root, *sorted(months, reverse=True)]:
            if url in self.discovery.listings:  # walked by the HTML pager already
                continue
            self.discovery.listings.add(url)
            self._stat("listings/requested")
            # dont_filter: a post redirected here fetched it already, and the scheduler's
            # duplicate filter would drop it unsaid (``discovery.listings`` asks it once)
            yield scrapy.Request(url, callback=self.parse_listing_page,
                                 errback=self.listing_capture_failed, dont_filter=True,
                                 meta={"goahead_source": "listing", **self._conditional_meta()})

    def parse_listing_page(self: Any, response: Response) -> Iterator[Any]:
        self._stat("listings/captured")
        yield from self._capture_listing(response)
        yield from self._pages_linked(response)

    def _capture_listing(self: Any, response: Response) -> Iterator[scrapy.Request]:
        """Images of a listing page's posts, and its requisites."""
        if response.status != 200:
            return
        images = listing_images(response.body, response.url)
        if self.images_enabled:
            self._warn_capped(images, MAX_URLS, "image", response.url)
            yield from self._static_requests(images, "image", response.url)
        if self.requisites_enabled:
            yield from self._requisites_of(response, exclude=images)

    def listing_capture_failed(self: Any, failure: Failure) -> None:
        self._stat("listings/failed")
        level = self.logger.info if _robots_refusal(failure) else self.logger.warning
        level("Listing page %s not captured: %s", failure.request.url, failure.value)

    # -- resume --------------------------------------------------------------------------
    def _capture_snapshot(self: Any) -> dict[str, Any]:
        data = self.statics.snapshot()
        data["held"] = [[key, None if isinstance(post, StoredPost) else asdict(post), urls]
                        for key, post, urls in data["held"]]
        return {"statics": data, "listings_done": self.listings_done}

    def _capture_restore(self: Any, saved: dict[str, Any]) -> Iterator[Any]:
        """Held posts back on hold; their pending images asked again (those still in the
        job's queue settle once, whichever answer comes first)."""
        data = saved.get("statics", {})
        held = [[key, StoredPost(key) if post is None else Post(**post), _respelled(urls)]
                for key, post, urls in data.get("held", ())]
        state: dict[str, str] = {}
        for url, settled in data.get("state", {}).items():  # a settled spelling wins
            url = _respelled([url])[0]
            if state.get(url, PENDING) == PENDING:
                state[url] = settled
        self.statics.restore({"state": state, "held": held})
        self.listings_done = bool(saved.get("listings_done"))
        waited_by = {url: key for key, h in sorted(self.statics.held.items())
                     for url in h.pending}  # the page each was asked for (its WARC's via)
        for url in self.statics.pending():
            yield from self._claimed_request(url, "image" if url in waited_by else
                                             "requisite", waited_by.get(url))

    def _capture_closed(self: Any, reason: str) -> None:
        note = other_host_note(self.crawler.stats.get_stats(),
                               lambda origin: SETTINGS_ADVICE.format(origin=origin))
        if note is not None:  # the CLI says it after its summary; the Scrapy way, here
            self.logger.info("%s: %s", self.root, note)
        stored = [k for k, h in self.statics.held.items() if isinstance(h.item, StoredPost)]
        if stored:  # archived already, without the images that never settled
            self.logger.warning("%d posts caught up from a killed crawl are still without"
                                " images that never settled (%s)", len(stored), reason)
        held = len(self.statics.held) - len(stored)
        if not held:
            return
        warc = find_warc_capture(self.crawler)
        if warc is not None:  # the rebuild from WARC must not store them either
            warc.held_back(k for k in self.statics.held if k not in stored)
        self.crawler.stats.set_value("goahead/images/posts_unstored", held)
        if reason == "finished":
            for url, waiting in self.statics.held.items():  # the run's reconciliation
                if not isinstance(waiting.item, StoredPost):  # says why they're missing
                    self.ledger.not_stored(url, "held for its images, which never settled")
            self.logger.error("%d posts were not stored: their images never settled", held)
        else:
            self.logger.warning("%d posts held for their images are not stored yet (%s); "
                                "goahead crawl --resume stores them", held, reason)


def _robots_refusal(failure: Failure) -> bool:
    """RobotsTxtMiddleware's plain IgnoreRequest (HTTP errors and scope refusals are
    IgnoreRequest subclasses: failures)."""
    return bool(failure.check(IgnoreRequest)) and not failure.check(HttpError, OutOfScope)


def _is_css(response: Response) -> bool:
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    return "text/css" in ctype or response.url.split("?", 1)[0].lower().endswith(".css")


def _respelled(urls: list[str]) -> list[str]:
    """Image and requisite URLs a stopped job saved, as the crawl spells them now
    (:func:`request_url`): a version before kept a page's ``%e0%b8%81`` as written, and
    the resumed job would fetch it again under ``%E0%B8%81`` and list the old spelling."""
    return [request_url(url) or url for url in urls]
