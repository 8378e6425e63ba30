"""Items the spider yields: the archive's ``Post`` (built here, by the rebuild too),
comments, gone posts. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

from archive.models import Capture, Post
from archive.posts import url_post_id
from archive.timestamps import now_utc
from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.blogger.images import archived_images
from goahead_crawler.extract import extract_article
from goahead_crawler.extract.article import Article


def fallback_post_id(url: str) -> str:
    """A stable id for a page whose markup names none (rare: some static pages)."""
    return url_post_id(url)


def page_post(
    url: str,
    body: bytes,
    *,
    page_url: str | None = None,
    content_type: str | None = None,
    entry: FeedEntry | None = None,
    kind: str = "post",
    blog_id: str | None = None,
    lastmod: str | None = None,
    capture: Capture | None = None,
    archived: Callable[[str], bool] | None = None,
    article: Article | None = None,
) -> tuple[Article, Post]:
    """What one fetched post or page becomes, for the crawl and the rebuild alike.

    ``body`` and ``content_type`` are the response (or the WARC record) as received, with
    Content-Encoding undone; ``page_url`` is where it was fetched (links resolve against
    it), ``url`` the canonical URL the row is stored under. The feed ``entry`` is the
    authority for everything it states (:func:`goahead_crawler.extract.extract_article`
    merges it); without one, a sitemap's ``lastmod`` is the change time we know.
    ``archived`` says which image URLs are archived (the post's ``images``); a crawl that
    is still fetching them leaves it out and calls :func:`with_images` once they settle.
    ``article``: the page already extracted (by the crawl's worker process).
    """
    if article is None:
        article = extract_article(body, page_url or url, entry, content_type=content_type)
    post = build_post(url, article, kind=kind, blog_id=blog_id, capture=capture)
    if archived is not None:
        with_images(post, article.image_urls, archived)
    if entry is None and lastmod:
        post.updated = lastmod
    return article, post


def build_post(
    url: str,
    article: Article,
    *,
    kind: str = "post",
    blog_id: str | None = None,
    capture: Capture | None = None,
) -> Post:
    """The archive row for an extracted article (feed entry already merged into it)."""
    return Post(
        blog_id=article.blog_id or blog_id or "",
        post_id=article.post_id or fallback_post_id(url),
        url=url,
        site=urlsplit(url).netloc,
        kind=kind,
        title=article.title,
        author=article.author,
        published=article.published,
        updated=article.updated,
        labels=article.labels,
        text=article.text,
        html=article.html,
        images=[],  # the archived ones: with_images()
        outlinks=article.outlinks,
        language=article.language,
        word_count=article.word_count,
        extractor=article.method,
        comment_count=article.comment_count,
        warc_file=capture.warc_file if capture else None,
        warc_offset=capture.warc_offset if capture else None,
        warc_length=capture.warc_length if capture else None,
        fetched_at=capture.fetched_at if capture else now_utc(),
    )


def with_images(post: Post, image_urls: list[str], archived: Callable[[str], bool]) -> Post:
    """``post`` with its ``images``: those of ``image_urls`` that are archived
    (:func:`goahead_crawler.blogger.images.archived_images`)."""
    post.images = archived_images(image_urls, archived)
    return post


@dataclass
class PostComments:
    """A post's reader comments, for the archive's ``comments`` table."""

    blog_id: str
    post_id: str
    comments: list[dict] = field(default_factory=list)  # {author, published, text[, comment_id]}
    source: str = "page"  # "page" (rendered on the post page) or "feed" (comments feed)


@dataclass
class CompletedPost(Post):
    """A post the archive holds already, stored again with the images that settled since
    (a killed crawl's, caught up without them): never made live again if the crawl found
    it deleted meanwhile (the rebuild's rule too)."""

    @classmethod
    def of(cls, post: Post) -> CompletedPost:
        return cls(**{f.name: getattr(post, f.name) for f in fields(Post)})


@dataclass
class GonePost:
    """A post URL that answered 404/410: marked deleted in the archive if it was there,
    dated ``at``, the 404's capture time (the rebuild from WARC dates it the same way)."""

    url: str
    status: int
    at: str | None = None
