"""What the ``blogger`` spider does when a server misleads it: refuse, stop, report.

Mixed into ``BloggerSpider`` (as ``IncrementalRoutes`` is). Three duties:

- **Refusals are failures.** A URL a feed or sitemap names off the blog's origins is not
  fetched, and the post it stood for is a failure of the run, with the reason
  (``goahead runs --failures``); so is a post whose redirects went round in a loop.
- **Every discovery loop stops on no progress** (:meth:`_stalled` logs and counts each stop:
  ``goahead/stopped/<route>``).
- **Nothing is left hanging at the end.** When the crawl runs dry (``spider_idle``) with the
  feed still "running" (its last page never came back, or came back unusable), the sitemap
  posts held back for it are released; posts whose redirect was dropped as a duplicate are
  reported if the URL they were sent to never answered; and a site where nothing at all
  looked like Blogger is declared not a Blogger blog (exit status 1, one line).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest

from goahead_crawler.blogger import identity
from goahead_crawler.blogger.feed import (
    MAX_FAILED_PAGES,
    FeedPage,
    SkippedEntry,
    feed_posts_failing,
)
from goahead_crawler.blogger.pager import (
    MAX_LINKED_PAGES,
    MAX_LINKED_POSTS,
    PageLinks,
    links_invented,
    page_links,
)
from goahead_crawler.blogger.sitemap import MAX_ENTRIES, SitemapPage
from goahead_crawler.blogger.urls import (
    is_post_path,
    is_static_page_path,
    posts_feed_url,
    same_blog,
)
from goahead_crawler.listings import walkable_home
from goahead_crawler.middleware.blog_gate import BlogUnavailable, declare
from goahead_crawler.middleware.failures import FAILURES_KEY, record_failure
from goahead_crawler.middleware.scope_guard import OutOfScope
from goahead_crawler.spiders.redirects import RedirectLedger

LINK_SOURCES = frozenset({"pager", "html-links"})  # posts taken from a page's links

if TYPE_CHECKING:
    import scrapy
    from scrapy.http import Response
    from twisted.python.failure import Failure


def feed_losses(lost: int, gone: int, fetched: int) -> str:
    """What the feed's lost posts were, said as seen: posts that answer 404 or 410 are
    made up (or deleted since); server errors and timeouts say nothing about the feed."""
    failing = lost - gone
    guess = ("made-up posts?" if gone > failing else
             "the server failing, not necessarily made-up posts" if not gone else
             "made-up posts, or the server failing")
    return (f"{lost} of the posts it named could not be fetched ({gone} gone: 404 or 410,"
            f" {failing} failing: server errors or timeouts; {guess}), and {fetched} could")


class Safeguards:
    """Needs the spider's ``frontier``, ``discovery``, ``crawler``, ``logger`` and ``_stat``."""

    redirects: RedirectLedger
    resumed = False  # a --resume job carrying on (its discovery ran in an earlier process)

    def _stalled(self: Any, route: str, why: str) -> None:
        self._stat(f"stopped/{route}")
        self.logger.warning("Stopped %s: %s", route, why)

    def _unless_stalled(self: Any, route: str, following: int | None, new: int, url: str
                        ) -> int | None:
        """The next page of ``route`` (None: no more), unless ``url`` brought ``new == 0``."""
        if following is not None and not new:
            self._stalled(route, f"page {url} brought nothing not seen before")
            return None
        return following

    def _unseen(self: Any, page: FeedPage) -> int:
        """How many posts a feed page names that the feed had not named yet (its progress),
        noted in ``discovery.feed_ids``. Against the feed's own listing, not what other
        sources claimed: posts an earlier run listed, asked for first, are still its pages'
        progress. A link off the blog is never progress (a feed of those, repeating itself,
        would otherwise be paged for ever); an entry with no link counts by its id."""
        named = ({self.frontier.key(e.url) if e.url else f"id:{e.post_id}" for e in page.entries}
                 | {self.frontier.key(s.url) if s.url else f"entry:{s.name}" for s in page.skipped})
        new = [key for key in named - self.discovery.feed_ids if same_blog(key, self.root)]
        self.discovery.feed_ids |= named
        return len(new)

    def _feed_pages_lost(self: Any) -> bool:
        """One more feed page lost; past :data:`MAX_FAILED_PAGES` in a row, stop paging."""
        self.discovery.feed_failed_pages += 1
        if self.discovery.feed_failed_pages < MAX_FAILED_PAGES:
            return False
        self._stalled("feed", f"{self.discovery.feed_failed_pages} pages in a row failed; its"
                              f" total ({self.discovery.feed_total}) is not trusted")
        return True

    def _feed_post_answered(self: Any, meta: dict[str, Any], fetched: bool,
                            gone: bool = False, kind: str = "post") -> None:
        """A post the feed named answered (``fetched``) or was lost (``gone``: 404 or 410,
        else failing): :meth:`_feed_invents`; or one taken from a page's links:
        :meth:`_links_invent` (static pages have their own cap, MAX_LINKED_PAGES)."""
        if meta.get("goahead_source") in LINK_SOURCES:
            if kind == "post":
                self._linked_post_answered(fetched, gone)
            return
        if meta.get("goahead_source") != "feed":
            return
        if fetched:
            self.discovery.feed_posts_fetched += 1
        else:
            self.discovery.feed_posts_lost += 1
            self.discovery.feed_posts_gone += gone

    def _feed_invents(self: Any, url: str) -> bool:
        """The posts the feed named mostly could not be fetched (:func:`feed_posts_failing`):
        its pages are not paged on (each would be "progress" for ever), and the stop is a
        failure of the run, naming the page. Its next page waits behind the posts it named
        (``FEED_PAGE_PRIORITY``), so their answers are in by then."""
        state = self.discovery
        lost, fetched = state.feed_posts_lost, state.feed_posts_fetched
        if not feed_posts_failing(lost, fetched, state.feed_step or self.page_size):
            return False
        why = feed_losses(lost, state.feed_posts_gone, fetched)
        self._stalled("feed", f"{why}; its pages past {url} are not read")
        self.crawler.stats.set_value("goahead/feed/posts_lost", lost)
        record_failure(self.crawler.stats, url, f"the posts feed stopped at this page: {why}")
        return True

    def _linked_post_answered(self: Any, fetched: bool, gone: bool) -> None:
        state = self.discovery
        if fetched:
            state.linked_fetched += 1
        else:
            state.linked_lost += 1
            state.linked_gone += gone

    def _links_invent(self: Any, url: str) -> bool:
        """The posts the blog's pages linked mostly could not be fetched
        (:func:`links_invented`): no more post links are taken, from ``url`` or any page
        after it, and the stop is a failure of the run naming the page. Listing pages wait
        behind the posts already queued (``LISTING_PRIORITY``), so their answers are in."""
        state = self.discovery
        if state.links_stopped:
            return True
        if not links_invented(state.linked_lost, state.linked_fetched):
            return False
        state.links_stopped = True
        why = feed_losses(state.linked_lost, state.linked_gone, state.linked_fetched)
        self._stalled("links", f"the posts the blog's pages link mostly fail: {why}; post"
                               f" links on {url} and every page after it are not taken")
        self.crawler.stats.set_value("goahead/links/posts_lost", state.linked_lost)
        record_failure(self.crawler.stats, url,
                       f"post links from this page on were not taken: {why}")
        return True

    def _links_taken(self: Any, response: Response, pages: bool) -> PageLinks:
        """The links of ``response`` the crawl takes (and lists: what is not taken is not
        listed, or the next run would fetch it first): none to posts once the posts links
        named mostly failed (:meth:`_links_invent`), static pages while the run has taken
        fewer than :data:`MAX_LINKED_PAGES` from links, and no more than a page may have
        (:func:`page_links`). What is left out is counted, and a failure naming the page."""
        url = response.url
        links, notes = page_links(response.body, url, self.root), []
        if links.posts_over:
            notes.append(self._links_left("post", links.posts_over,
                                          f"the first {MAX_LINKED_POSTS:,} on the page were"
                                          " taken"))
        if self._links_invent(url):
            links.posts = []
        if pages:
            notes.append(self._pages_left(links))
        said = "; ".join(note for note in notes if note)
        if said:
            self.logger.warning("%s: %s", url, said)
            record_failure(self.crawler.stats, url, said)
        return links

    def _pages_left(self: Any, links: PageLinks) -> str | None:
        """``links.pages`` cut to what the run still takes (:data:`MAX_LINKED_PAGES`);
        pages claimed already stay."""
        room, kept = MAX_LINKED_PAGES - self.discovery.linked_pages, []
        for page in links.pages:
            if self.frontier.key(page) in self.frontier.seen:
                kept.append(page)
            elif room > 0:
                kept.append(page)
                room -= 1
        left = len(links.pages) - len(kept) + links.pages_over
        links.pages = kept
        return self._links_left("static page", left, f"a run takes {MAX_LINKED_PAGES} from"
                                                     " links, and a page gives as many"
                                ) if left else None

    def _links_left(self: Any, kind: str, left: int, why: str) -> str | None:
        """Links left out: counted; said (a failure of the run naming the page) the first
        time only: every later page would repeat it."""
        key = f"goahead/links/{kind.replace(' ', '_')}s_not_taken"
        said_before = self.crawler.stats.get_value(key)
        self.crawler.stats.inc_value(key, left)
        return None if said_before else f"{left:,} {kind} links not taken ({why}); they are not fetched"

    def _looks_like_blogger(self: Any, response: Response) -> bool:
        """The home page, when feed and sitemap are gone: Blogger markup or post links, or
        no walk (and, if nothing else turns up, the not-a-Blogger-blog verdict)."""
        if not walkable_home(response.body,
                             page_links(response.body, response.url, self.root)):
            self.logger.info("No Blogger markup and no post links on %s", response.url)
            return False
        self.discovery.blogger_seen = True
        if self.discovery.feed_state == "off" and self.discovery.sitemap_state == "off":
            # (a walk for posts the feed counts and nothing named has said why already)
            self.logger.warning("No feed and no sitemap: walking the blog's HTML pages")
        return True

    def _reported_elsewhere(self: Any, failure: Failure) -> bool:
        """A post request turned away because there is no blog (the gate says so once), or
        sent round too many redirects (recorded here: FailureLog does not see it)."""
        if failure.check(BlogUnavailable):
            return True
        hops = failure.request.meta.get("redirect_urls")
        if hops and failure.check(IgnoreRequest) and not failure.check(OutOfScope):
            self._lost(hops[0], str(failure.value))
            return True
        return False

    def _refused(self: Any, url: str, source: str, reason: str) -> None:
        """A post the ``source`` names that the crawl's scope refuses: a failure, with why."""
        self._stat("posts/failed")
        self._stat("scope/refused_discovered")
        record_failure(self.crawler.stats, url, f"named by the {source}, not fetched: {reason}")
        self.logger.error("Not fetched (named by the %s): %s: %s", source, url, reason)

    def _lost(self: Any, url: str, reason: str) -> None:
        self._stat("posts/failed")
        record_failure(self.crawler.stats, url, reason)
        self.logger.error("Could not fetch %s: %s", url, reason)

    def _skipped_entries(self: Any, page: FeedPage, url: str) -> Iterator[scrapy.Request]:
        """Entries of unexpected shape (and posts with no link): named in a warning, and
        their page fetched without them when they had a link."""
        odd = page.skipped + [SkippedEntry(repr(e.post_id), "no link to its post")
                              for e in page.entries if not e.url]
        for skipped in odd:
            self._stat("feed/entries_skipped")
            self.logger.warning("Feed entry %s skipped (%s) on %s%s", skipped.name,
                                skipped.reason, url,
                                "; its page is fetched without it" if skipped.url else "")
            if skipped.url:
                yield from self._schedule(skipped.url, "feed")

    def _check_sitemap(self: Any, response: Response, page: SitemapPage, over: int) -> None:
        """Past the protocol's cap, nested indexes, URLs off the blog: reported, not read."""
        if over:
            self._stat("sitemap/over_cap", over)
            self._stalled("sitemap", f"{response.url} lists {MAX_ENTRIES + over:,} URLs; the"
                                     f" first {MAX_ENTRIES:,} were read, {over:,} left out")
        if page.sitemaps and not response.meta.get("goahead_index"):
            self._stalled("sitemap", f"{response.url} is an index inside an index; Blogger's"
                                     f" sitemaps are one level, its {len(page.sitemaps)}"
                                     " sitemaps are not read")
            page.sitemaps = []
        for url in page.offsite:
            self._refused(url, "sitemap", self.scope.refusal(url) or "not on the blog")
        for url in page.offsite_sitemaps:  # not a post: out of scope, and not read
            self._stat("scope/refused_sitemaps")
            record_failure(self.crawler.stats, url,
                           f"a sitemap named by {response.url}, not read:"
                           f" {self.scope.refusal(url) or 'not on the blog'}")
        if page.elsewhere:
            count = len(page.elsewhere)
            self.logger.warning("%s names %d URL%s off the blog, neither post nor page, not"
                                " fetched: %s", response.url, count, "s"[:count > 1],
                                ", ".join(page.elsewhere[:3]))

    def _charset_detected(self: Any, url: str, note: str) -> None:
        if note:
            self._stat("decode/detected")
            self.logger.warning("Charset of %s: %s", url, note)

    # -- signals ---------------------------------------------------------------------------
    def request_dropped(self: Any, request: scrapy.Request, **_: Any) -> None:
        """A redirect hop the scheduler dropped as a duplicate of a URL already requested."""
        hops = request.meta.get("redirect_urls")
        if hops and request.callback == self.parse_post and not self._redirected_off_posts(
                hops, request.url):
            self.redirects.dropped([self.frontier.key(u) for u in hops],
                                   self.frontier.key(request.url))

    def _redirected_off_posts(self: Any, hops: list[str] | None, url: str) -> bool:
        """A post or page whose redirects end on what is neither (the home page, a month
        archive, a label search: Blogger's custom redirects can send a path anywhere on
        the blog) is lost, and reported: stored, it would carry that page's text."""
        if not hops or is_post_path(url) or is_static_page_path(url):
            return False
        self._lost(hops[0], f"redirected to {url}, which is not a post")
        return True

    def spider_idle(self: Any) -> None:
        """Nothing in flight: finish what was left hanging, or say why there was no blog."""
        requests = list(self._unfinished_discovery())
        if requests:
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider
        for url, reason in self.redirects.unresolved():
            self._lost(url, reason)
        self._feed_shortfall()
        if self._nothing_like_blogger():
            verdict, details = self._no_blog_verdict()
            problem = declare(self.crawler, verdict, **details)
            self.logger.info("%s: %s", self.root, problem)
            raise CloseSpider(f"blog_{verdict}")

    def _unfinished_discovery(self: Any) -> Iterator[scrapy.Request]:
        if self.discovery.feed_state == "running":
            self.logger.warning("The posts feed never finished; releasing the %d sitemap posts"
                                " held back for it", len(self.frontier.held))
            self._stat("feed/unfinished")
            yield from self._feed_finished("done")
        if self.discovery.sitemap_state == "pending":  # its request was dropped or lost
            self.discovery.sitemap_state = "off"
            yield from self._maybe_start_pager()
        if self._sitemaps_named_nothing():
            self.logger.warning("The sitemaps named no post and there is no feed: walking"
                                " the blog's HTML pages")
            self.discovery.sitemap_state = "off"
            yield from self._maybe_start_pager()
        unfound = self._posts_unfound()
        if unfound and not self.discovery.pager_started and self.pager_enabled:
            self.logger.warning("The posts feed counts %d posts, the feed and sitemap named"
                                " %d: walking the blog's HTML pages for the rest",
                                unfound[1], unfound[0])
            self.discovery.pager_started = True
            self._stat("pager/used")
            yield from self._listing_request(self.root)
        yield from self._unlisted_gone()  # posts only the sitemap lists, and no more

    def _posts_unfound(self: Any) -> tuple[int, int] | None:
        """(posts named, posts counted) when the feed counts more posts than every listing
        named (the feed by start-index, then by date, the sitemaps, the HTML walk)."""
        state = self.discovery
        if state.feed_state != "done" or not state.feed_short() or self.frontier.limit_reached():
            return None
        found = sum(1 for url in self.frontier.seen if is_post_path(url))
        return (found, state.feed_total) if found < state.feed_total else None

    def _feed_shortfall(self: Any) -> None:
        """The posts the feed counts that no listing named, once discovery is over: a
        failure of the run, said once."""
        stats, unfound = self.crawler.stats, self._posts_unfound()
        if unfound is None or stats.get_value("goahead/feed/short"):
            return
        found, state = unfound[0], self.discovery
        short = state.feed_total - found
        stats.set_value("goahead/feed/short", short)
        record_failure(stats, posts_feed_url(self.root, 1, self.page_size, alt=state.feed_alt),
                       f"the posts feed counts {state.feed_total} posts, but it and the"
                       f" other listings named only {found}: {short}"
                       f" {'post was' if short == 1 else 'posts were'} not found (its pages"
                       " repeated or ran dry, or its total counts posts it does not list)")

    def _sitemaps_named_nothing(self: Any) -> bool:
        """No feed, and a sitemap that answered but named no post (an index naming itself,
        or whose sitemaps failed): as good as none. One unchanged since the last run (304)
        named what it did then."""
        stats = self.crawler.stats
        return (self.discovery.feed_state == "off" and self.discovery.sitemap_state == "ok"
                and not stats.get_value("goahead/sitemap/posts")
                and not stats.get_value("goahead/sitemap/not_modified"))

    def _no_blog_verdict(self: Any) -> tuple[str, dict[str, str]]:
        """Why nothing looked like Blogger: a home page that failed after its retries (5xx,
        429, a timeout) or requests robots.txt refused say nothing about what the site
        is, so they are the reason; else it is not a Blogger blog."""
        stats = self.crawler.stats
        failures = json.loads(stats.get_value(FAILURES_KEY) or "[]")
        error = next((f["error"] for f in failures if f.get("url") == self.root), None)
        if error:
            return identity.FAILING, {"error": error}
        forbidden = int(stats.get_value("robotstxt/forbidden") or 0)
        if forbidden:
            return identity.ROBOTS, {"count": str(forbidden)}
        if self.previous is not None:  # archived before: it was a blog, and is none now
            return identity.VANISHED, {}
        return identity.NOT_BLOGGER, {}

    def _nothing_like_blogger(self: Any) -> bool:
        """No Blogger feed, no post or page found by any route, no Blogger markup seen: in
        a blog's first crawl, no blog there; in a re-crawl, one no longer there (its feed,
        sitemap and home page all 404: the run checked nothing, and must not read "ok").
        A resumed job may have left nothing to find."""
        if self.resumed:
            return False
        stats = self.crawler.stats
        found = sum(v for k, v in stats.get_stats().items()
                    if k.startswith(("goahead/found/", "goahead/archived/"))
                    and isinstance(v, int))
        return not (self.discovery.blogger_seen or found
                    or stats.get_value("goahead/posts/failed"))

