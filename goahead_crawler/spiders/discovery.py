"""Where the ``blogger`` spider's discovery stands: one dataclass, kept across a resumed job.

Scrapy's ``SpiderState`` saves ``spider.state`` in the JOBDIR on close; the spider puts a
:meth:`Discovery.snapshot` there and a resumed job carries on from :meth:`Discovery.restore`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Discovery:
    blog_id: str | None = None
    feed_state: str = "running"  # running | done | off
    feed_alt: str = "json"  # becomes "atom" when JSON is refused or broken
    feed_step: int | None = None  # entries per page actually served (the real cap)
    feed_total: int | None = None
    feed_ids: set[str] = field(default_factory=set)  # posts the feed named (URL keys; vs total)
    feed_oldest: str | None = None  # date_cursor() of every entry yet: where paging by date goes
    feed_failed_pages: int = 0  # feed pages lost in a row (blogger.feed.MAX_FAILED_PAGES)
    feed_posts_fetched: int = 0  # posts the feed named that answered (blogger.feed.MAX_LOST_PAGES)
    feed_posts_lost: int = 0  # ... and those gone or failing for good
    feed_posts_gone: int = 0  # ... of those, the ones that answered 404 or 410
    linked_fetched: int = 0  # posts taken from HTML links that answered (pager.MAX_LINKED_LOST)
    linked_lost: int = 0  # ... and those gone or failing for good
    linked_gone: int = 0  # ... of those, the ones that answered 404 or 410
    links_stopped: bool = False  # they mostly failed: no more post links are taken
    linked_pages: int = 0  # static pages taken from links (pager.MAX_LINKED_PAGES)
    blogger_seen: bool = False  # a Blogger feed, or Blogger markup, answered: it is a blog
    sitemap_state: str = "pending"  # pending | ok | off
    sitemap_queue: list[str] = field(default_factory=list)  # the index's sitemaps not asked yet
    sitemap_ids: set[str] = field(default_factory=set)  # posts the sitemaps named (URL keys)
    sitemaps_idle: int = 0  # sitemaps in a row that named nothing new (MAX_IDLE_SITEMAPS)
    pager_started: bool = False
    pages_from_html: bool = False  # /sitemap-pages.xml failed: take /p/ links from pages
    listings: set[str] = field(default_factory=set)  # HTML listing pages requested
    # incremental: orderby=updated&updated-min=... on every feed page, a resumed job's too
    feed_extra: dict[str, str] = field(default_factory=dict)

    def feed_short(self) -> bool:
        """The feed named fewer posts than its total. Not asked of an incremental run's
        feed (``updated-min``): whether Blogger's total there counts the changed posts
        only, as the sample blog's does, is not verified."""
        return (self.feed_total is not None and "updated-min" not in self.feed_extra
                and len(self.feed_ids) < self.feed_total)

    def feed_whole(self) -> bool:
        """The feed was read to its end and named every post it counts (a feed that
        repeated itself, or ran dry, leaves posts it lists unnamed)."""
        return self.feed_state == "done" and not self.feed_short()

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready (the JOBDIR's state file is pickled, but stays readable this way)."""
        return {**asdict(self), "listings": sorted(self.listings),
                "feed_ids": sorted(self.feed_ids), "sitemap_ids": sorted(self.sitemap_ids)}

    @classmethod
    def restore(cls, saved: dict[str, Any]) -> Discovery:
        """From a :meth:`snapshot`; keys it does not know (or lacks) are ignored."""
        known = {f.name for f in fields(cls)}
        state = cls(**{k: v for k, v in saved.items() if k in known})
        state.listings, state.feed_ids = set(state.listings), set(state.feed_ids)
        state.sitemap_ids = set(state.sitemap_ids)
        # The feed's posts are judged afresh (blogger.feed.feed_posts_failing): those lost
        # before are asked again (spiders/unstored.py), and a 5xx wave that ended the last
        # process is no part of how the server answers this one.
        state.feed_posts_fetched = state.feed_posts_lost = state.feed_posts_gone = 0
        state.linked_fetched = state.linked_lost = state.linked_gone = 0
        return state
