"""What the crawl knew when it fetched a page, read back from the WARC files.

A crawl extracts a post with the feed entry that named it (title, dates, labels, comment
count), or, for a post only the sitemap lists, the sitemap's ``lastmod``; it reads blog ids
from the feed and comments from the post's comments feed. All of those are captures too:
:class:`Context` reads them once, and answers "as of this capture" from their timelines.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from goahead_crawler.blogger.comment_feed import (
    NEW_COMMENTS,
    comments_feed_post_id,
    comments_from_feed,
    feed_blog_id,
)
from goahead_crawler.blogger.feed import FeedEntry, FeedError, parse_feed
from goahead_crawler.blogger.frontier import Frontier
from goahead_crawler.blogger.urls import ENTRY_FEED_PATHS, blog_root
from goahead_crawler.listings import sitemap_of
from goahead_crawler.rebuild.timeline import Record, Timeline, block_field
from goahead_crawler.warc.reader import NotAResponse, UnreadableRecord, read_response

Order = tuple[str, int, int]
Warn = Callable[[str], None]


@dataclass
class Known:
    """Values of one kind per URL, each with the capture order it was learnt at."""

    values: dict[str, tuple[list[Order], list[object]]] = field(default_factory=dict)

    def add(self, key: str, order: Order, value: object) -> None:
        orders, values = self.values.setdefault(key, ([], []))
        orders.append(order)
        values.append(value)

    def before(self, key: str, order: Order) -> object | None:
        """The latest value learnt before ``order``."""
        orders, values = self.values.get(key, ([], []))
        at = bisect.bisect_left(orders, order)
        return values[at - 1] if at else None


@dataclass
class Context:
    warc_dir: Path
    bodies: dict[str, Record] = field(default_factory=dict)  # payload digest -> response
    entries: Known = field(default_factory=Known)  # post URL -> FeedEntry
    lastmods: Known = field(default_factory=Known)  # post/page URL -> sitemap lastmod
    blog_ids: dict[str, str] = field(default_factory=dict)  # host -> blog id
    comment_feeds: dict[str, list[Record]] = field(default_factory=dict)  # post id -> pages
    crawls: dict[str, bytes] = field(default_factory=dict)  # crawl -> its warcinfo block

    def comments_on(self, record: Record) -> bool:
        """Whether the crawl that captured ``record`` stored comments (``--no-comments``
        says ``goahead-comments: off`` in its warcinfo; older files say nothing: on)."""
        return block_field(self.crawls.get(record.crawl, b""), "goahead-comments") != "off"

    def pages_on(self, record: Record) -> bool:
        """Whether the crawl that captured ``record`` stored static pages (``goahead-pages:
        off`` in its warcinfo for ``--no-pages``; older files say nothing: on)."""
        return block_field(self.crawls.get(record.crawl, b""), "goahead-pages") != "off"

    def body_of(self, record: Record) -> Record | None:
        """The record holding ``record``'s body: itself, or the response a revisit cites."""
        return self.bodies.get(record.digest or "") if record.revisit else record

    def read(self, record: Record, warn: Warn) -> bytes | None:
        """The decoded body of ``record`` (bounded), or None with a warning naming it."""
        body = self.body_of(record)
        if body is None:
            warn(f"{record.warc_file} at byte {record.offset}: revisit of {record.url}, but "
                 f"no full response with payload digest {record.digest} is in the WARC files")
            return None
        try:
            return read_response(self.warc_dir, body.warc_file, body.offset).decoded
        except (UnreadableRecord, NotAResponse, OSError) as exc:
            warn(str(exc))
            return None

    def entry(self, url: str, record: Record) -> FeedEntry | None:
        found = self.entries.before(url, record.order)
        return found if isinstance(found, FeedEntry) else None

    def lastmod(self, url: str, record: Record) -> str | None:
        found = self.lastmods.before(url, record.order)
        return found if isinstance(found, str) else None

    def comment_pages(self, post_id: str, start: Record, end: Record | None) -> list[Record]:
        """The post's comments-feed captures after ``start`` (its page) and before
        ``end`` (the next capture of that page): what the crawl fetched for that page.
        Not those fetched for new comments on a post whose page was not (their own)."""
        return [r for r in self.comment_feeds.get(post_id, [])
                if start.order < r.order and (end is None or r.order < end.order)
                and r.source != NEW_COMMENTS]


def gather(warc_dir: Path, timeline: Timeline, warn: Warn) -> Context:
    """Read every feed, sitemap and comments-feed capture once, in capture order."""
    records = timeline.records
    context = Context(warc_dir, crawls=timeline.crawls)
    for record in records:
        if not record.revisit and record.digest:
            context.bodies.setdefault(record.digest, record)
    for record in records:
        if record.status != 200:
            continue
        path = urlsplit(record.url).path
        if path in ENTRY_FEED_PATHS:  # the posts feed, the static pages' feed
            _learn_feed(context, record, warn)
        elif path.startswith("/sitemap"):
            _learn_sitemap(context, record, warn)
        elif comments_feed_post_id(record.url):
            context.comment_feeds.setdefault(comments_feed_post_id(record.url) or "", []
                                             ).append(record)
    return context


def _learn_feed(context: Context, record: Record, warn: Warn) -> None:
    body = context.read(record, warn)
    try:
        page = parse_feed(body) if body is not None else None
    except FeedError:
        return  # the crawl found it unusable too, and took nothing from it
    if page is None:
        return
    frontier = Frontier(blog_root(record.url))
    host = urlsplit(record.url).netloc
    if page.blog_id:
        context.blog_ids.setdefault(host, page.blog_id)
    for entry in page.entries:
        if entry.url:
            context.entries.add(frontier.key(entry.url), record.order, entry)


def _learn_sitemap(context: Context, record: Record, warn: Warn) -> None:
    body = context.read(record, warn)
    if body is None:
        return
    try:
        page, _ = sitemap_of(body, blog_root(record.url))  # the crawl's reading of it
    except (etree.XMLSyntaxError, StopIteration, ValueError):
        return
    frontier = Frontier(blog_root(record.url))
    for entry in [*page.posts, *page.pages]:
        context.lastmods.add(frontier.key(entry.url), record.order, entry.lastmod)


def feed_comments(context: Context, pages: list[Record], warn: Warn) -> list[dict]:
    """The comments of the given comments-feed captures, as the crawl parsed them."""
    comments: list[dict] = []
    for record in pages:
        body = context.read(record, warn)
        try:
            comments += comments_from_feed(parse_feed(body)) if body is not None else []
        except FeedError:
            continue
    return comments


def new_comments(context: Context, record: Record, warn: Warn
                 ) -> tuple[str, str, list[dict]] | None:
    """(blog id, post id, comments) of a comments-feed capture an incremental crawl made
    for new comments on a post it did not fetch (``goahead-source: comments-new``), as
    the crawl stored them; None when the crawl stored none from it (unusable, no blog
    id, or not such a capture)."""
    post_id = comments_feed_post_id(record.url)
    if record.source != NEW_COMMENTS or record.status != 200 or post_id is None:
        return None
    body = context.read(record, warn)
    try:
        page = parse_feed(body) if body is not None else None
    except FeedError:
        return None
    if page is None:
        return None
    blog_id = feed_blog_id(page) or context.blog_ids.get(urlsplit(record.url).netloc)
    return (blog_id, post_id, comments_from_feed(page)) if blog_id else None
