"""Replay a timeline of captures into an archive, writing for each what the crawl wrote.

Every capture becomes its captures row. Then, page by page in capture order, each capture
of a post or static page does what it did in the crawl, through the same functions:

- a 200 (response, or revisit of an identical body) is extracted with what the crawl knew
  then (:mod:`goahead_crawler.rebuild.context`) by ``items.page_post`` and stored by
  ``archive.posts.store_post``: a changed title or text keeps the previous version, an
  unchanged page keeps its first capture's location and time, a post that was marked
  deleted and is back is live again;
- a 404 or 410 marks the post deleted (``archive.posts.mark_gone``), dated by the first
  such capture after its last 200;
- a 304 to a conditional request changes nothing (the crawl stored no item for it).

Comments come from the post's comments feed when the crawl fetched it for that page, or
from the page (``comments_source``, the crawl's own rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from archive.captures import add_capture, archived_urls
from archive.posts import mark_gone, store_post, upsert_comments
from goahead_crawler.blogger.comment_feed import comments_source
from goahead_crawler.blogger.urls import canonical_url, is_post_path, is_static_page_path
from goahead_crawler.items import page_post
from goahead_crawler.rebuild.context import Context, feed_comments
from goahead_crawler.rebuild.timeline import Record

GONE = (404, 410)
#: How the crawl came to a URL (``goahead-source``) -> what it fetched it with.
WITH_ENTRY = frozenset({"feed"})
WITH_LASTMOD = frozenset({"sitemap", "sitemap-pages"})


@dataclass
class Replayed:
    """What a replay wrote: rows by outcome, and what it had to skip (each named)."""

    captures: int = 0
    posts: int = 0
    pages: int = 0
    comments: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0  # captured post pages whose body could not be read back
    warnings: list[str] = field(default_factory=list)


def page_kind(url: str) -> str | None:
    """"post", "page" (a static /p/ page) or None, for a canonical URL."""
    if canonical_url(url) != url:
        return None
    return "post" if is_post_path(url) else "page" if is_static_page_path(url) else None


def replay(db: Any, records: list[Record], context: Context, result: Replayed,
           progress: Callable[[int], None] | None = None) -> None:
    """Write ``records`` (in capture order) into ``db`` as the crawls did."""
    for record in records:
        result.captures += add_capture(db, record.capture)
    following = _next_capture(records)
    for record in records:
        kind = page_kind(record.url)
        if kind is None:
            continue
        if record.status in GONE:
            result.deleted += mark_gone(db, record.url, at=record.date)
        elif record.status == 200:
            _store(db, context, record, kind, following.get(id(record)), result)
            if progress:
                progress(result.posts + result.pages)


def _next_capture(records: list[Record]) -> dict[int, Record]:
    """Each page capture -> the next capture of the same URL (None for the last)."""
    last: dict[str, Record] = {}
    following: dict[int, Record] = {}
    for record in records:
        if page_kind(record.url) and record.status == 200:
            if record.url in last:
                following[id(last[record.url])] = record
            last[record.url] = record
    return following


def _store(db: Any, context: Context, record: Record, kind: str, end: Record | None,
           result: Replayed) -> None:
    body = context.read(record, result.warnings.append)
    if body is None:
        result.skipped += 1
        return
    url = record.url
    unknown = record.source is None  # a WARC without goahead's metadata: best guess
    entry = (context.entry(url, record) if kind == "post" and (unknown or record.source in
             WITH_ENTRY) else None)
    lastmod = (context.lastmod(url, record) if entry is None and (unknown or record.source in
               WITH_LASTMOD) else None)
    article, post = page_post(
        url, body, content_type=record.content_type, entry=entry, kind=kind, lastmod=lastmod,
        blog_id=context.blog_ids.get(urlsplit(url).netloc), capture=record.capture,
        archived=lambda image: bool(archived_urls(db, [image])))  # the crawl's rule: captured
    outcome = store_post(db, post)
    setattr(result, outcome, getattr(result, outcome) + 1)
    setattr(result, f"{kind}s", getattr(result, f"{kind}s") + 1)
    if kind != "post":
        return
    pages = context.comment_pages(post.post_id, record, end)
    expected = entry.comment_count if entry else article.comment_count
    source = comments_source(expected, len(article.comments), feed_on=bool(pages))
    comments = (feed_comments(context, pages, result.warnings.append) if source == "feed"
                else list(article.comments) if source == "page" else [])
    if comments:
        result.comments += upsert_comments(db, post.blog_id, post.post_id, comments)
