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
- a 304 to a conditional request changes nothing (the crawl stored no item for it);
- a crawl's ``goahead-completed`` record (a post an earlier crawl captured, stored again
  with the images that settled since) sets those images, never reviving a deleted post.

Each crawl's records are replayed together, so a post's images are those archived when its
crawl ended, as the crawl stored a post once its images settled.

Comments come from the post's comments feed when the crawl fetched it for that page, or
from the page (``comments_source``, the crawl's own rule), unless the crawl stored none
(``--no-comments``, said in its warcinfo). A comments feed an incremental crawl fetched for
new comments on a post it did not fetch (``goahead-source: comments-new``) is stored on
its own, where it comes in capture order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from archive.captures import ARCHIVED_STATUSES, add_capture, archived_urls
from archive.posts import get_post_by_url, mark_gone, store_post, upsert_comments
from goahead_crawler.blogger.comment_feed import comments_source
from goahead_crawler.blogger.urls import (
    canonical_url,
    is_post_path,
    is_static_page_path,
    joined,
    request_url,
)
from goahead_crawler.items import page_post
from goahead_crawler.rebuild.context import Context, feed_comments, new_comments
from goahead_crawler.rebuild.timeline import PostNote, Record

GONE = (404, 410)
#: How the crawl came to a URL (``goahead-source``) -> what it fetched it with.
WITH_ENTRY = frozenset({"feed", "pages-feed"})
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
    # post URL -> all its image URLs, for stored posts showing an image no capture was
    # ever made of (a crawl killed before it asked): what a catch-up's crawl fetches
    unfetched: dict[str, list[str]] = field(default_factory=dict)


def page_kind(url: str) -> str | None:
    """"post", "page" (a static /p/ page) or None, for a canonical URL."""
    if canonical_url(url) != url:
        return None
    return "post" if is_post_path(url) else "page" if is_static_page_path(url) else None


def replay(db: Any, records: list[Record], context: Context, result: Replayed,
           progress: Callable[[int], None] | None = None,
           completions: list[PostNote] | None = None,
           held: list[PostNote] | None = None) -> None:
    """Write ``records`` (in capture order) into ``db`` as the crawls did, one crawl at a
    time: a post's ``images`` are those archived when its crawl ended (the crawl stores a
    post once its images settled). A post a stopped crawl ``held`` back is not stored
    from that crawl's capture; a post a later crawl stored with the images that settled
    since (a killed crawl's post caught up, a stopped job's held post: its
    ``completions``) gets them then, as that crawl gave them."""
    following = _next_capture(records)
    images = Images(db)
    unseen: dict[str, list[str]] = {}  # post URL -> its images, some never asked for
    completed, held_back = _by_crawl(completions), _by_crawl(held)
    waiting: dict[str, tuple[Record, str]] = {}  # held back: its capture, its kind
    for crawl in crawls(records):
        images.new_crawl()
        for record in crawl:
            result.captures += add_capture(db, record.capture)
            images.learn(record)
        held_now = {c.url for c in held_back.get(crawl[0].crawl, [])}
        stored_now: set[str] = set()
        for record in crawl:
            kind = page_kind(record.url)
            if kind is None:
                _store_new_comments(db, context, record, result)
                continue
            if record.status in GONE:
                result.deleted += mark_gone(db, record.url, at=record.date)
            elif record.status == 200 and record.url in held_now:
                waiting[record.url] = (record, kind)  # stored (if ever) by a later crawl
            elif record.status == 200:
                urls = _store(db, context, record, kind, following.get(id(record)),
                              images, result)
                if urls is not None:
                    stored_now.add(record.url)
                    unseen.pop(record.url, None)
                if urls and any(not images.seen(image) for image in urls):
                    unseen[record.url] = urls
                if progress:
                    progress(result.posts + result.pages)
        for completion in completed.get(crawl[0].crawl, []):
            if completion.url in stored_now:  # its page fetched again by this crawl: that
                continue  # post was stored last (a completion never follows it)
            if completion.url in waiting:  # a stopped job's held post, stored on resume
                record, kind = waiting.pop(completion.url)
                _store(db, context, record, kind, following.get(id(record)), images,
                       result, completion.images)
            else:
                _complete(db, completion, result)
    result.unfetched = {url: urls for url, urls in unseen.items() if any(
        not images.seen(image) and not images.archived(image) for image in urls)}


def _store_new_comments(db: Any, context: Context, record: Record, result: Replayed
                        ) -> None:
    """A comments feed an incremental crawl fetched for new comments on a post whose page
    it did not fetch: stored as that crawl stored it."""
    found = new_comments(context, record, result.warnings.append)
    if found is not None and context.comments_on(record):
        blog_id, post_id, comments = found
        result.comments += upsert_comments(db, blog_id, post_id, comments)


def _by_crawl(notes: list[PostNote] | None) -> dict[str, list[PostNote]]:
    found: dict[str, list[PostNote]] = {}
    for note in notes or []:
        found.setdefault(note.crawl, []).append(note)
    return found


def crawls(records: list[Record]) -> list[list[Record]]:
    """``records`` by the crawl that wrote them, each in capture order, the crawls in the
    order they began (two crawls of one archive may overlap: blogs are crawled at once)."""
    runs: dict[str, list[Record]] = {}
    for record in records:
        runs.setdefault(record.crawl, []).append(record)
    return list(runs.values())


class Images:
    """Which image URLs are archived, as of the captures added so far: a 200 or 304 of
    the URL (:func:`archive.captures.archived_urls`), or a redirect this crawl captured to
    one, as the crawl counted an image whose request was redirected to a capture."""

    MAX_HOPS = 5  # Scrapy's REDIRECT_MAX_TIMES is 20; an image chain of more is a loop

    def __init__(self, db: Any) -> None:
        self.db = db
        self.redirects: dict[str, str] = {}  # URL -> where its latest redirect pointed
        self.captured: set[str] = set()  # URLs with a capture of any status
        self.answered: set[str] = set()  # URLs with a 200 or 304 in this crawl
        self.known: dict[str, bool] = {}  # archived(), until the next capture is added

    def new_crawl(self) -> None:
        """A crawl counts a redirected image as archived only when its own request was
        redirected to a capture it made; an earlier crawl's redirect or capture is not
        looked up (the captures table keeps no Location): forget them."""
        self.redirects.clear()
        self.answered.clear()
        self.known.clear()

    def learn(self, record: Record) -> None:
        self.known.clear()
        self.captured.add(record.url)
        if record.status in ARCHIVED_STATUSES:
            self.answered.add(record.url)
        if record.location:
            target = joined(record.url, record.location)
            found = request_url(target) if target else None
            if found:
                self.redirects[record.url] = found

    def seen(self, url: str) -> bool:
        """A capture of any status was made of ``url`` (it was asked for, and answered)."""
        return url in self.captured

    def archived(self, url: str) -> bool:
        if url not in self.known:
            self.known[url] = self._archived(url)
        return self.known[url]

    def _archived(self, url: str) -> bool:
        if archived_urls(self.db, [url]):
            return True
        for _ in range(self.MAX_HOPS):  # where this crawl's request for it was sent
            if url not in self.redirects:
                return False
            url = self.redirects[url]
            if url in self.answered:
                return True
        return False


def _complete(db: Any, completion: PostNote, result: Replayed) -> None:
    """Store the post again with the images the crawl stored it with; a post marked
    deleted meanwhile stays deleted (the crawl's ``CompletedPost`` does not revive it)."""
    post = get_post_by_url(db, completion.url)
    if post is None:
        return
    post.images = list(completion.images)
    if store_post(db, post, revive=False) == "updated":
        result.updated += 1


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
           images: Images, result: Replayed, stored_with: list[str] | None = None
           ) -> list[str] | None:
    """Store one page capture (with the images ``stored_with``, when a crawl's record
    says so); the image URLs its article shows (None: not stored)."""
    body = context.read(record, result.warnings.append)
    if body is None:
        result.skipped += 1
        return None
    url = record.url
    unknown = record.source is None  # a WARC without goahead's metadata: best guess
    entry = (context.entry(url, record) if unknown or record.source in WITH_ENTRY else None)
    lastmod = (context.lastmod(url, record) if entry is None and (unknown or record.source in
               WITH_LASTMOD) else None)
    article, post = page_post(
        url, body, content_type=record.content_type, entry=entry, kind=kind, lastmod=lastmod,
        blog_id=context.blog_ids.get(urlsplit(url).netloc), capture=record.capture,
        archived=images.archived)  # the crawl's rule: archived when its crawl ended
    if stored_with is not None:
        post.images = list(stored_with)
    outcome = store_post(db, post)
    setattr(result, outcome, getattr(result, outcome) + 1)
    setattr(result, f"{kind}s", getattr(result, f"{kind}s") + 1)
    if kind != "post" or not context.comments_on(record):
        return article.image_urls
    pages = context.comment_pages(post.post_id, record, end)
    expected = entry.comment_count if entry else article.comment_count
    source = comments_source(expected, len(article.comments), feed_on=bool(pages))
    comments = (feed_comments(context, pages, result.warnings.append) if source == "feed"
                else list(article.comments) if source == "page" else [])
    if comments:
        result.comments += upsert_comments(db, post.blog_id, post.post_id, comments)
    return article.image_urls
