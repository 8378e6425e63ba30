"""The incremental routes of the ``blogger`` spider: a re-run fetches only what changed.

When the archive holds a finished full run of the blog (:func:`previous_run`), the spider:

1. asks the posts feed for ``orderby=updated&updated-min=SINCE`` only (paged as usual);
2. asks one summary-feed entry for ``openSearch$totalResults``: fewer live posts than the
   archive holds (plus the new ones) means posts were deleted; then it lists the blog's
   posts from the summary feed and requests each archived post missing from it, so that
   its 404/410 marks it deleted (the ``GonePost`` path);
3. makes sitemap and post requests conditional (``goahead_conditional``): a 304 sitemap
   needs nothing, a changed one names only posts new to the archive or with a newer
   ``lastmod``; a 304 post page is counted unchanged;
4. requests again the posts and pages that failed after their retries since that run.

A job stopped mid-sweep and ``--resume``d (it loads no previous run: its queue carries on)
keeps the sweep's listing in the JOBDIR state and judges the sweep's end against the posts
the archive holds live then (:meth:`IncrementalRoutes._archived_live`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.posts import live_post_urls
from archive.runs import last_full_run, stats_since
from archive.timestamps import now_utc, parse_utc
from goahead_crawler.blogger.changes import sitemap_candidates, updated_min
from goahead_crawler.blogger.feed import FeedError, next_start_index, parse_feed
from goahead_crawler.blogger.sitemap import SitemapEntry
from goahead_crawler.blogger.urls import is_post_path, is_static_page_path, posts_feed_url
from goahead_crawler.crawl_archive import CrawlArchive
from goahead_crawler.middleware.conditional import CONDITIONAL
from goahead_crawler.middleware.failures import failures_from_stats

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from sqlite_utils import Database

SUMMARY_PATH = "/feeds/posts/summary"
# The live posts the blog's feed does not list (the sitemap does): the next run's deletion
# check leaves them out of its count. In the run's stats, JSON: {"since": when a whole
# reading of the feed last found them, "posts": [...]}; past this many none is kept (the
# next run then looks for deletions whenever the counts differ, as before).
UNLISTED_STAT = "goahead/feed/unlisted_posts"
MAX_UNLISTED = 10_000


@dataclass
class PreviousRun:
    """What an incremental run starts from."""

    run_id: int
    started_at: str
    since: str  # updated-min: started_at minus the margin, RFC 3339 UTC
    live_posts: set[str] = field(default_factory=set)  # canonical URLs, kind "post"
    retry_urls: list[str] = field(default_factory=list)  # failed after retries since then
    unlisted: set[str] = field(default_factory=set)  # live posts the feed does not list
    unlisted_since: str | None = None  # when a whole reading of the feed found them


def previous_run(db: Database | None, site: str, margin_seconds: float) -> PreviousRun | None:
    """The last finished, unlimited run of ``site`` (a host) in the archive ``db``, or None
    (no archive, or no such run): crawl in full."""
    last = last_full_run(db, site) if db is not None else None
    if last is None:
        return None
    retry: list[str] = []
    unlisted: tuple[set[str], str | None] = (set(), None)
    for stats in stats_since(db, site, last["id"]):
        retry += [f["url"] for f in failures_from_stats(stats)
                  if f.get("url") and f["url"] not in retry]
        unlisted = unlisted_from_stats(stats, unlisted)
    live = live_post_urls(db, site)
    return PreviousRun(last["id"], last["started_at"],
                       updated_min(last["started_at"], margin_seconds), live, retry,
                       unlisted[0] & live, unlisted[1])


def unlisted_from_stats(stats_json: str | None, default: tuple[set[str], str | None]
                        ) -> tuple[set[str], str | None]:
    """The live posts a run found its blog's feed does not list and since when, or
    ``default`` when the run did not say (it could not tell: the feed incomplete, or too
    many)."""
    raw = json.loads(stats_json).get(UNLISTED_STAT) if stats_json else None
    try:
        found = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return default
    if not isinstance(found, dict) or not isinstance(found.get("posts"), list):
        return default
    since = found.get("since")
    return ({u for u in found["posts"] if isinstance(u, str)},
            since if isinstance(since, str) else None)


def load_previous(crawler: Crawler, root: str) -> PreviousRun | None:
    """The run to start from, or None for a full crawl (``GOAHEAD_INCREMENTAL`` off,
    no archive, no finished full run of this blog yet, or a resumed ``--resume`` job:
    its queue or the skip list carries on; a fresh ``--resume`` job is incremental).

    Read through the crawl's one archive connection, which the pipeline has opened (and
    migrated) by the time the spider calls this from ``start()``."""
    settings = crawler.settings
    if not settings.getbool("GOAHEAD_INCREMENTAL") or settings.get("GOAHEAD_RESUME_SINCE"):
        return None
    archive = CrawlArchive.of(crawler)
    if archive is None:
        return None
    margin = settings.getfloat("GOAHEAD_INCREMENTAL_MARGIN")
    return previous_run(archive.reader(), urlsplit(root).netloc, margin)


class IncrementalRoutes:
    """Mixed into ``BloggerSpider``; everything here is inert when ``previous`` is None."""

    previous: PreviousRun | None = None
    resumed_live: set[str] | None = None  # a resumed job's archived live posts (read once)
    # a resumed incremental job's: the posts its previous run found the feed does not
    # list, and since when (it loads no previous run; the JOBDIR state keeps them)
    resumed_unlisted: tuple[set[str], str | None] | None = None
    live_total: int | None = None
    sweep_state = "idle"  # idle | running | done
    sweep_seen: set[str]
    swept_unlisted: set[str] | None = None  # archived posts a whole sweep did not list
    sitemap_claimed: set[str]  # posts this run scheduled because only the sitemap named them
    unlisted_checked = False
    checked_only: set[str]  # asked for only to see they are still there (no listing change)
    feed_named: set[str]  # posts an earlier run found the feed did not list, listed now

    def _incremental_start(self: Any) -> Iterator[scrapy.Request]:
        prev = self.previous
        self.logger.info("Incremental crawl: posts updated since %s (run %d)", prev.since,
                         prev.run_id)
        self.crawler.stats.set_value("goahead/incremental/since", prev.since)
        self.discovery.feed_extra = {"orderby": "updated", "updated-min": prev.since}
        yield scrapy.Request(
            posts_feed_url(self.root, 1, 1, alt="json", path=SUMMARY_PATH),
            callback=self.parse_totals, errback=self.totals_failed,
            meta={"goahead_source": "feed-total"})
        for url in prev.retry_urls:
            kind = "page" if is_static_page_path(url) else "post"
            if is_post_path(url) or kind == "page":
                yield from self._schedule(url, "retry", kind=kind)

    def _archived_live(self: Any) -> set[str]:
        """The live posts the archive held when the run began, or for a resumed job (which
        loads no previous run) those it held when first asked, read once: those this job
        stored meanwhile it fetched."""
        if self.previous is not None:
            return self.previous.live_posts
        if self.resumed_live is None:
            db = CrawlArchive.reader_of(self.crawler)
            self.resumed_live = (live_post_urls(db, urlsplit(self.root).netloc)
                                 if db is not None else set())
        return self.resumed_live

    def _incremental_snapshot(self: Any) -> dict[str, Any]:
        """For ``spider.state`` (the JOBDIR): a deletion sweep under way, and what its pages
        listed, so that a resumed job answering the next page from its queue judges the
        whole listing (it loads no previous run); and what :meth:`_record_unlisted` needs
        at the resumed job's end, as this run would have recorded it: the previous run's
        unlisted posts, those only the sitemap named, those the feed named again, and what
        a finished sweep did not list (few as a rule: a feed lists nearly every post)."""
        saved: dict[str, Any] = {}
        if self.sweep_state == "running":
            saved.update(sweep=self.sweep_state, seen=sorted(self.sweep_seen))
        prior = self._prior_unlisted()
        if prior is not None:
            saved["unlisted"] = {"posts": sorted(prior[0]), "since": prior[1]}
        if self.swept_unlisted is not None:
            saved["swept"] = sorted(self.swept_unlisted)
        for name in ("sitemap_claimed", "feed_named"):
            if getattr(self, name):
                saved[name] = sorted(getattr(self, name))
        return saved

    def _incremental_restore(self: Any, saved: dict[str, Any]) -> None:
        if saved.get("sweep") == "running":
            self.sweep_state, self.sweep_seen = "running", set(saved.get("seen", ()))
        if isinstance(saved.get("unlisted"), dict):
            self.resumed_unlisted = (set(saved["unlisted"].get("posts", ())),
                                     saved["unlisted"].get("since"))
        if saved.get("swept") is not None:
            self.swept_unlisted = set(saved["swept"])
        self.sitemap_claimed |= set(saved.get("sitemap_claimed", ()))
        self.feed_named |= set(saved.get("feed_named", ()))

    def _prior_unlisted(self: Any) -> tuple[set[str], str | None] | None:
        """The live posts the previous run found the feed does not list, and since when;
        None for a full crawl (or the resumption of one)."""
        if self.previous is not None:
            return self.previous.unlisted, self.previous.unlisted_since
        return self.resumed_unlisted

    def _conditional_meta(self) -> dict[str, Any]:
        return {CONDITIONAL: True} if self.previous else {}

    def _sitemap_posts(self: Any, entries: list[SitemapEntry]) -> list[SitemapEntry]:
        if self.previous is None:
            return entries
        chosen = sitemap_candidates(entries, self.previous.live_posts, self.previous.since,
                                    key=self.frontier.key)
        self._stat("incremental/sitemap_skipped", len(entries) - len(chosen))
        return chosen

    def _not_modified(self: Any, response: Response, what: str) -> bool:
        """A 304 to a conditional request: count it; the WARC already has a revisit."""
        if response.status != 304:
            return False
        self._stat(f"{what}/not_modified")
        return True

    # -- deletions ---------------------------------------------------------------------
    def parse_totals(self: Any, response: Response) -> Iterator[Any]:
        try:
            self.live_total = parse_feed(response.body).total
        except FeedError as exc:
            self.logger.warning("Unusable feed total %s: %s", response.url, exc)
        yield from self._check_deletions()

    def totals_failed(self: Any, failure: Failure) -> None:
        self.logger.info("No feed total (%s): deletions are not checked", failure.value)

    def _check_deletions(self: Any) -> Iterator[Any]:
        """Once the feed is done and the total known: list the blog if posts went missing."""
        if self.previous is None or self.sweep_state != "idle" or self.live_total is None:
            return
        if self.discovery.feed_state == "running":
            return
        live = self.previous.live_posts - self.previous.unlisted  # those the feed counts
        new = ({u for u in self.frontier.seen if is_post_path(u)} - self.previous.live_posts
               - self.sitemap_claimed)  # new posts only the sitemap lists are not counted
        expected = len(live) + len(new)
        self.crawler.stats.set_value("goahead/incremental/live_total", self.live_total)
        recheck = self._unlisted_recheck_due()
        if self.live_total >= expected and not recheck:
            self.sweep_state = "done"
            return
        if self.live_total < expected:
            self.logger.info("The blog lists %d posts, the archive %d: looking for"
                             " deletions", self.live_total, expected)
        else:
            self.logger.info("The %d posts the feed did not list were found so on %s:"
                             " reading the feed whole again", len(self.previous.unlisted),
                             self.previous.unlisted_since or "an unknown date")
        self.sweep_state = "running"
        self.sweep_seen = set()
        yield self._sweep_request(1)

    def _sweep_request(self: Any, start: int) -> scrapy.Request:
        self._stat("incremental/sweep_pages")
        return scrapy.Request(
            posts_feed_url(self.root, start, self.page_size, alt="json", path=SUMMARY_PATH),
            callback=self.parse_sweep, errback=self.sweep_failed,
            meta={"goahead_source": "feed-sweep", "goahead_start": start})

    def parse_sweep(self: Any, response: Response) -> Iterator[Any]:
        try:
            page = parse_feed(response.body)
        except FeedError as exc:
            self.logger.warning("Unusable feed page %s: %s; deletions not checked",
                                response.url, exc)
            return
        listed = {self.frontier.key(e.url) for e in page.entries if e.url}
        new, self.sweep_seen = listed - self.sweep_seen, self.sweep_seen | listed
        following = next_start_index(page, response.meta.get("goahead_start"))
        if self._unless_stalled("sweep", following, len(new), response.url) != following:
            self.sweep_state = "done"  # a listing that repeats itself proves no deletion
            return
        if following is not None and self._sweep_past_count(len(listed)):
            self.sweep_state = "done"  # nor does one that lists more than the blog counts
            return
        if following is not None:
            yield self._sweep_request(following)
            return
        self.sweep_state = "done"
        missing = self._archived_live() - self.sweep_seen
        for url in sorted(missing):
            self._stat("incremental/missing")
            yield from self._schedule(url, "missing")
        self.swept_unlisted = missing  # or deleted (a 404 to its request now: left out at
        # the end)

    # -- what the feed does not list -----------------------------------------------------
    def _unlisted_recheck_due(self: Any) -> bool:
        """Posts the feed did not list are left out of the count, which cannot see one of
        them joining the feed while a feed post goes: after GOAHEAD_UNLISTED_RECHECK_DAYS
        the feed is read whole again (the deletion sweep), and they are learnt anew."""
        if not self.previous.unlisted:
            return False
        since = parse_utc(self.previous.unlisted_since)
        days = self.crawler.settings.getfloat("GOAHEAD_UNLISTED_RECHECK_DAYS")
        return since is None or datetime.now(UTC) - since >= timedelta(days=days)

    def _unlisted_gone(self: Any) -> Iterator[Any]:
        """Once discovery is idle: the archived posts the feed does not list, which its
        count cannot show deleted (and a sitemap often does not either: its index keeps
        its lastmod when an older post goes), asked for again, conditionally: a 304 each,
        or a 404 that marks it deleted. The feed's sweep is no longer spent on them."""
        if self.previous is None or self.unlisted_checked:
            return
        self.unlisted_checked = True
        for url in sorted(self.previous.unlisted - self.frontier.seen):
            self._stat("incremental/unlisted_checked")
            self.checked_only.add(url)
            yield from self._schedule(url, "missing")

    def _claimed_from(self: Any, source: str, key: str, kind: str) -> None:
        """Note a post only the sitemap named (the feed had not, or was done), and one the
        feed named that an earlier run found it did not list (it does now)."""
        if source == "sitemap" and kind == "post":
            self.sitemap_claimed.add(key)
        elif source == "feed" and key in (self._prior_unlisted() or ((), None))[0]:
            self.feed_named.add(key)

    def _record_unlisted(self: Any) -> None:
        """At the end of the run: the live posts the feed does not list, for the next
        run's deletion check; nothing when this run cannot tell."""
        stats = self.crawler.stats
        complete = (self.discovery.feed_whole() and not stats.get_value(
            "goahead/feed/pages_skipped") and not stats.get_value("goahead/feed/unfinished"))
        if not complete or self.frontier.limit_reached():
            return
        prior = self._prior_unlisted()
        if prior is None:
            unlisted, since = set(self.sitemap_claimed), now_utc()
        else:  # (a resumed incremental job too, from its JOBDIR state: its live posts are
            # read late, so a new post only the sitemap named, archived by then, is left
            # out; the next run sweeps once for it, and misses none)
            live = self._archived_live()
            swept = self.swept_unlisted is not None
            known = self.swept_unlisted if swept else prior[0]
            unlisted = (((known & live) | (self.sitemap_claimed - live)) - self.ledger.gone.keys()
                        - self.feed_named)
            since = now_utc() if swept else prior[1] or now_utc()
        if len(unlisted) <= MAX_UNLISTED:
            stats.set_value(UNLISTED_STAT, json.dumps({"since": since,
                                                       "posts": sorted(unlisted)}))

    def _sweep_past_count(self: Any, served: int) -> bool:
        """The sweep has listed more posts than the blog counts (its feed's total when the
        run began, or the archive's live posts and this run's, whichever is more) by two of
        its pages: a feed naming new posts at every start-index, which is no progress."""
        posts = {u for u in self.frontier.seen if is_post_path(u)} | self._archived_live()
        counted = max(self.live_total or 0, len(posts))
        if len(self.sweep_seen) <= counted + 2 * served:
            return False
        self._stalled("sweep", f"it listed {len(self.sweep_seen)} posts, and the blog counts"
                               f" {counted}; deletions are not checked")
        return True

    def sweep_failed(self: Any, failure: Failure) -> None:
        self.logger.warning("Feed page %s failed: %s; deletions not checked",
                            failure.request.url, failure.value)
