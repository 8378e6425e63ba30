"""Items the spider yields: the archive's ``Post`` (built here), comments, gone posts. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from archive.models import Capture, Post
from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.extract.article import Article


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fallback_post_id(url: str) -> str:
    """A stable id for a page whose markup names none (rare: some static pages)."""
    return "u" + hashlib.sha1(url.encode()).hexdigest()[:16]


def build_post(
    url: str,
    article: Article,
    entry: FeedEntry | None = None,
    *,
    kind: str = "post",
    blog_id: str | None = None,
    capture: Capture | None = None,
    fetched_at: str | None = None,
) -> Post:
    """Merge feed entry (authority for ids, dates, labels, author) and extracted article."""
    post_id = (entry.post_id if entry else None) or article.post_id or fallback_post_id(url)
    return Post(
        blog_id=(entry.blog_id if entry else None) or article.blog_id or blog_id or "",
        post_id=post_id,
        url=url,
        site=urlsplit(url).netloc,
        kind=kind,
        title=(entry.title if entry and entry.title else article.title),
        author=(entry.author if entry and entry.author else article.author),
        published=(entry.published if entry and entry.published else article.published),
        updated=(entry.updated if entry and entry.updated else article.updated),
        labels=(entry.labels if entry and entry.labels else article.labels),
        text=article.text,
        html=article.html,
        images=article.images,
        outlinks=article.outlinks,
        language=article.language,
        word_count=article.word_count,
        extractor=article.method,
        comment_count=(
            entry.comment_count if entry and entry.comment_count is not None
            else article.comment_count
        ),
        warc_file=capture.warc_file if capture else None,
        warc_offset=capture.warc_offset if capture else None,
        warc_length=capture.warc_length if capture else None,
        fetched_at=(capture.fetched_at if capture else None) or fetched_at or utc_now_iso(),
    )


@dataclass
class PostComments:
    """A post's reader comments, for the archive's ``comments`` table."""

    blog_id: str
    post_id: str
    comments: list[dict] = field(default_factory=list)  # {author, published, text[, comment_id]}
    source: str = "page"  # "page" (rendered on the post page) or "feed" (comments feed)


@dataclass
class GonePost:
    """A post URL that answered 404/410: marked deleted in the archive if it was there."""

    url: str
    status: int
