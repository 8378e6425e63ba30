"""One served blog: its posts, its switches (:class:`SiteOptions`) and runtime mutations.

A :class:`BlogSite` is shared by the server's threads; every read that needs a consistent
view takes :attr:`BlogSite.lock`. Mutations (:meth:`publish`, :meth:`edit`, :meth:`delete`)
move ``updated`` forward so feeds, sitemaps and validators (ETag/Last-Modified) change.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sampleblog import markup
from sampleblog.content import Blog, Comment, Post, assign_path, parse_ts
from sampleblog.records import format_ts

FEED_MODES = ("full", "summary", "off")
ACCESS_MODES = ("public", "private", "removed")


@dataclass
class SiteOptions:
    """Switches of one served blog; the defaults are a normal blogspot blog."""

    feeds: str = "full"  # "full" | "summary" | "off" (the owner's "Allow blog feed" setting)
    max_results_cap: int = 150  # feed max-results is silently capped at this
    sitemap: bool = True
    gzip: bool = True
    extra_sitemap_only_posts: int = 0  # posts listed in the sitemap but missing from feeds
    deleted_in_sitemap: bool = False  # the sitemap lists one post URL that now 404s
    redirect_post: bool = False  # one old post URL 301-redirects to the post's current URL
    posts_per_page: int = 7  # "posts on main page" for home, label and archive pages
    noisy_links: bool = False  # pages link posts with ?m=1, #comment-form, ?m=1#comments
    comments_shown: int | None = None  # post pages render at most this many comments
    failing_feed_start: int = 0  # the posts feed page at this start-index answers 500 ...
    feed_failures: int = 1  # ... this many times, then recovers
    json_feeds: bool = True  # False: alt=json answers 400 (JSON refused), Atom still works
    comment_feeds: bool = True  # False: every comments feed (per post, blog-wide) is 404
    # "private": every URL redirects to Blogger's sign-in page (invited readers only);
    # "removed": every URL answers 404 with Blogger's "Blog not found" page
    access: str = "public"

    def __post_init__(self) -> None:
        if self.feeds not in FEED_MODES:
            raise ValueError(f"feeds must be one of {FEED_MODES}, not {self.feeds!r}")
        if self.access not in ACCESS_MODES:
            raise ValueError(f"access must be one of {ACCESS_MODES}, not {self.access!r}")
        if self.max_results_cap < 1 or self.posts_per_page < 1:
            raise ValueError("max_results_cap and posts_per_page must be positive")


class BlogSite:
    def __init__(self, blog: Blog, options: SiteOptions | None = None) -> None:
        self.blog = blog
        self.options = options or SiteOptions()
        self.lock = threading.RLock()
        self.redirects: dict[str, str] = {}  # old path -> current path (301)
        self.sitemap_only: set[str] = set()  # post ids left out of every feed
        self.deleted_paths: list[str] = []  # listed in the sitemap, 404 on the site
        self.feed_failures_left = self.options.feed_failures
        self._reindex()
        self._setup_faults()

    # -- reads -----------------------------------------------------------------------------
    @property
    def posts(self) -> list[Post]:
        return list(self.blog.posts)

    def feed_posts(self) -> list[Post]:
        return [p for p in self.blog.posts if p.post_id not in self.sitemap_only]

    def find(self, path: str) -> Post | None:
        return self._by_path.get(path)

    def find_id(self, post_id: str) -> Post | None:
        return self._by_id.get(post_id)

    def neighbours(self, post: Post) -> tuple[Post | None, Post | None]:
        """(newer, older) posts by publication date, for the blog pager."""
        posts = self.blog.posts
        i = posts.index(post)
        return (posts[i - 1] if i > 0 else None, posts[i + 1] if i + 1 < len(posts) else None)

    def popular(self, limit: int = 5) -> list[Post]:
        ranked = sorted(self.blog.posts[:60], key=lambda p: (len(p.comments), p.published_dt))
        return list(reversed(ranked))[:limit]

    def related(self, post: Post, limit: int = 3) -> list[Post]:
        """Posts sharing ``post``'s first label (newest first), topped up with the newest."""
        label = post.labels[0] if post.labels else None
        others = [p for p in self.blog.posts[:200] if p is not post]
        same = [p for p in others if label in p.labels][:limit]
        return same + [p for p in others if p not in same][: limit - len(same)]

    def label_counts(self) -> list[tuple[str, int]]:
        counts = Counter(label for p in self.blog.posts for label in p.labels)
        return sorted(counts.items())

    def month_counts(self) -> list[tuple[str, int]]:
        counts = Counter(f"{p.published_dt:%Y/%m}" for p in self.blog.posts)
        return sorted(counts.items(), reverse=True)

    def last_modified(self) -> datetime:
        stamps = [p.updated_dt for p in self.blog.posts + self.blog.pages]
        return max([*stamps, self._mutated]) if self._mutated else max(stamps)

    # -- mutations (incremental-crawl tests) -----------------------------------------------
    def publish(self, post: Post) -> Post:
        with self.lock:
            if post.post_id in self._by_id:
                raise ValueError(f"post {post.post_id} already exists")
            if not post.path:
                post.path = assign_path(post.title, post.published, set(self._by_path))
            post.blog_id = self.blog.blog_id
            post.updated = max(post.updated, self._now(), key=parse_ts)
            self.blog.posts.append(post)
            self._touch()
            return post

    def edit(self, post_id: str, new_text: str) -> Post:
        """Replace a post's body by ``new_text`` (paragraphs split on blank lines)."""
        with self.lock:
            post = self._require(post_id)
            blocks = [markup.html_escape(p.strip()) for p in new_text.split("\n\n") if p.strip()]
            post.body_html = markup.render_blocks(blocks, "p")
            post.expected_text = markup.blocks_text(blocks)
            post.updated = self._now(after=post.updated)
            self._touch()
            return post

    def amend(self, post_id: str, new_text: str) -> Post:
        """Put ``new_text`` (paragraphs) at the top of a post, the rest of its body and its
        photos kept: an edit that changes the page but none of its images."""
        with self.lock:
            post = self._require(post_id)
            blocks = [markup.html_escape(p.strip()) for p in new_text.split("\n\n") if p.strip()]
            post.body_html = markup.render_blocks(blocks, "p") + post.body_html
            post.expected_text = "\n\n".join([markup.blocks_text(blocks), post.expected_text])
            post.updated = self._now(after=post.updated)
            self._touch()
            return post

    def add_comment(self, post_id: str, author: str, text: str) -> Comment:
        """A reader comments on a post, now. As on Blogger, the post's ``updated`` (so its
        feed entry and sitemap ``lastmod``) stays as it was: only its page and the comment
        feeds show it."""
        with self.lock:
            post = self._require(post_id)
            published = self._now(after=max((c.published for c in post.comments),
                                             key=parse_ts, default=None))
            ms = int(parse_ts(published).timestamp() * 1000)
            comment = Comment(f"{ms}{len(post.comments):04d}", author, published, text)
            post.comments.append(comment)
            return comment

    def delete(self, post_id: str) -> Post:
        with self.lock:
            post = self._require(post_id)
            self.blog.posts.remove(post)
            self.sitemap_only.discard(post_id)
            self._touch()
            return post

    # -- internals -------------------------------------------------------------------------
    def _require(self, post_id: str) -> Post:
        post = self._by_id.get(post_id)
        if post is None or post.kind != "post":
            raise KeyError(f"no post {post_id} in blog {self.blog.name}")
        return post

    def _now(self, after: str | None = None) -> str:
        offset = self.blog.posts[0].published_dt.tzinfo if self.blog.posts else None
        now = datetime.now(offset)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if after and now <= parse_ts(after):
            now = parse_ts(after) + timedelta(seconds=1)
        return format_ts(now)

    def _touch(self) -> None:
        self._mutated = datetime.now().astimezone()
        self._reindex()

    def _reindex(self) -> None:
        self.blog.posts.sort(key=lambda p: p.published_dt, reverse=True)
        items = self.blog.posts + self.blog.pages
        self._by_path = {p.path: p for p in items}
        self._by_id = {p.post_id: p for p in items}
        if not hasattr(self, "_mutated"):
            self._mutated: datetime | None = None

    def _setup_faults(self) -> None:
        posts, opts = self.blog.posts, self.options
        k = min(opts.extra_sitemap_only_posts, max(len(posts) - 1, 0))
        self.sitemap_only = {posts[(i + 1) * len(posts) // (k + 1)].post_id for i in range(k)}
        if opts.deleted_in_sitemap and posts:
            month = posts[0].path[: len("/YYYY/MM/")]
            self.deleted_paths = [f"{month}this-post-was-deleted.html"]
        if opts.redirect_post and posts:
            moved = posts[min(2, len(posts) - 1)]
            self.redirects[moved.path[: -len(".html")] + "_old.html"] = moved.path

    def sitemap_path(self, post: Post) -> str:
        """The path the sitemap lists for ``post`` (stale old URL for the redirected post)."""
        for old, new in self.redirects.items():
            if new == post.path:
                return old
        return post.path
