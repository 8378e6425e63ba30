"""Which post and page URLs a crawl fetches: each once, whichever source named it. Pure.

Sources name posts in a fixed order of preference: the posts feed (it carries ids, dates
and the comment count), then the sitemap (it fills what the feed lacks), then HTML
navigation (last resort). Sitemap URLs are held back until the feed is exhausted, so a post
listed by both is always fetched with its feed entry, and only sitemap-only posts cost a
request of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from goahead_crawler.blogger.sitemap import SitemapEntry
from goahead_crawler.blogger.urls import canonical_url, same_blog


@dataclass
class Frontier:
    root: str
    max_posts: int = 0  # 0: no limit
    seen: set[str] = field(default_factory=set)
    held: dict[str, SitemapEntry] = field(default_factory=dict)
    posts_claimed: int = 0
    feed_done: bool = False

    def key(self, url: str) -> str:
        """Canonical URL on the blog's own scheme (feeds and sitemaps may disagree on it)."""
        url = canonical_url(url)
        if not same_blog(url, self.root):
            return url
        parts = urlsplit(url)
        return urlunsplit((urlsplit(self.root).scheme, *parts[1:]))

    def limit_reached(self) -> bool:
        return bool(self.max_posts) and self.posts_claimed >= self.max_posts

    def claim(self, url: str, kind: str = "post") -> str | None:
        """The URL to fetch, or None: off the blog, already claimed, or over the limit."""
        return self.claim_key(self.key(url), kind)

    def claim_key(self, url: str, kind: str = "post") -> str | None:
        """:meth:`claim` for a URL already made a :meth:`key`."""
        if not same_blog(url, self.root) or url in self.seen:
            return None
        if kind == "post" and self.limit_reached():
            return None
        self.seen.add(url)
        if kind == "post":
            self.posts_claimed += 1
        return url

    def mark_fetched(self, url: str) -> None:
        """A redirect landed on ``url``: no source may schedule it again."""
        self.seen.add(self.key(url))

    def hold(self, entry: SitemapEntry) -> None:
        """Keep a sitemap post until the feed has said what it lists."""
        url = self.key(entry.url)
        if url not in self.seen:
            self.held.setdefault(url, entry)

    def release(self) -> list[SitemapEntry]:
        """Held sitemap posts the feed did not list (call once the feed is exhausted)."""
        self.feed_done = True
        out = [e for url, e in self.held.items() if url not in self.seen]
        self.held.clear()
        return out

    def snapshot(self) -> dict[str, Any]:
        """Plain data for ``spider.state`` (a resumed job must not lose held sitemap posts)."""
        return {"root": self.root, "seen": sorted(self.seen), "feed_done": self.feed_done,
                "posts_claimed": self.posts_claimed,
                "held": [[e.url, e.lastmod] for e in self.held.values()]}

    def restore(self, data: dict[str, Any]) -> None:
        """A stopped job's frontier, its URLs keyed again: a job saved by a version that
        spelled them otherwise (a raw Thai path) must not claim them a second time."""
        self.root = data.get("root", self.root)
        self.seen |= {self.key(url) for url in data.get("seen", ())}
        self.feed_done = bool(data.get("feed_done", self.feed_done))
        self.posts_claimed = int(data.get("posts_claimed", self.posts_claimed))
        for url, lastmod in data.get("held", ()):
            self.held.setdefault(self.key(url), SitemapEntry(url, lastmod))

    def adopt_root(self, root: str) -> None:
        """The blog redirected http -> https: schedule on the new scheme from now on."""
        self.root = root
        self.seen = {self.key(url) for url in self.seen}
