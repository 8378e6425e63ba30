"""Blogger's GData feeds: query parsing, filtering/paging, and the feed document.

The document (:class:`FeedDoc`) is format-neutral; :mod:`sampleblog.feed_formats` prints it
as Atom, JSON (``alt=json``) or RSS. Quirks kept from the real platform: ``max-results`` is
silently capped, ``updated-min``/``updated-max`` are ignored unless ``orderby=updated``,
``*-min`` bounds are inclusive and ``*-max`` exclusive, and the feed's ``rel=next`` link points
off-host to ``https://www.blogger.com/feeds/BLOGID/...``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlencode

from sampleblog import imageurls
from sampleblog.content import Blog, Comment, Post, parse_ts
from sampleblog.markup import snippet

BLOGGER = "https://www.blogger.com/feeds"
ALTS = ("atom", "json", "rss")
_BOUNDS = ("published-min", "published-max", "updated-min", "updated-max")


class BadQuery(ValueError):
    """A feed query Blogger answers with 400 Bad Request."""


@dataclass
class FeedQuery:
    start_index: int = 1
    max_results: int = 25
    orderby: str = "published"
    alt: str = "atom"
    bounds: dict[str, datetime] = field(default_factory=dict)
    passthrough: dict[str, str] = field(default_factory=dict)  # kept in next/previous links


@dataclass
class Link:
    rel: str
    type: str
    href: str
    title: str | None = None


@dataclass
class Entry:
    id: str
    published: str
    updated: str
    title: str
    links: list[Link]
    author: str
    author_uri: str | None
    content: str | None = None  # HTML
    summary: str | None = None  # text
    categories: list[str] = field(default_factory=list)
    thr_total: int | None = None
    thumbnail: str | None = None
    in_reply_to: dict[str, str] | None = None
    extended: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class FeedDoc:
    id: str
    updated: str
    title: str
    subtitle: str
    links: list[Link]
    author: str
    author_uri: str
    total: int
    start_index: int
    per_page: int
    entries: list[Entry]
    categories: list[str] = field(default_factory=list)


def _int(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadQuery(f"Invalid value for {name} parameter: {raw}") from None


def parse_query(params: dict[str, str], cap: int) -> FeedQuery:
    """Read GData query parameters (first value of each) the way Blogger does."""
    start = _int(params, "start-index", 1)
    if start < 1:
        raise BadQuery("start-index must be greater than or equal to 1")
    wanted = _int(params, "max-results", 25)
    if wanted < 0:
        raise BadQuery("max-results must be greater than or equal to 0")
    alt = params.get("alt", "atom") or "atom"
    if alt not in ALTS:
        raise BadQuery(f"Invalid alt parameter value: {alt}")
    orderby = params.get("orderby", "published") or "published"
    if orderby not in ("published", "updated", "lastmodified", "starttime"):
        raise BadQuery(f"Invalid orderby parameter value: {orderby}")
    bounds = {}
    for name in _BOUNDS:
        if params.get(name):
            try:
                bounds[name] = parse_ts(params[name].replace(" ", "+").replace("Z", "+00:00"))
            except ValueError:
                raise BadQuery(f"Invalid value for {name} parameter: {params[name]}") from None
    keep = {k: params[k] for k in ("orderby", *_BOUNDS) if params.get(k)}
    by = "updated" if orderby in ("updated", "lastmodified") else "published"
    return FeedQuery(start, min(wanted, cap), by, alt, bounds, keep)


def _within(value: datetime, q: FeedQuery, kind: str) -> bool:
    low, high = q.bounds.get(f"{kind}-min"), q.bounds.get(f"{kind}-max")
    return (low is None or value >= low) and (high is None or value < high)


def select(items: list[Post], q: FeedQuery) -> tuple[int, list[Post]]:
    """(total matching, the requested page), newest first by ``q.orderby``."""
    chosen = [p for p in items if _within(p.published_dt, q, "published")]
    if q.orderby == "updated":  # Blogger ignores updated-* bounds without orderby=updated
        chosen = [p for p in chosen if _within(p.updated_dt, q, "updated")]
    key = (lambda p: p.updated_dt) if q.orderby == "updated" else (lambda p: p.published_dt)
    chosen.sort(key=key, reverse=True)
    start = q.start_index - 1
    return len(chosen), chosen[start : start + q.max_results]


def _profile(blog: Blog, name: str) -> str | None:
    return None if name == "Anonymous" else f"https://www.blogger.com/profile/{blog.profile_id}"


def post_entry(blog: Blog, base: str, post: Post, summary: bool) -> Entry:
    url = base + post.path
    kind = "page" if post.kind == "page" else "post"
    coll = "pages" if kind == "page" else "posts"
    count = len(post.comments)
    links = [
        Link(
            "replies",
            "application/atom+xml",
            f"{base}/feeds/{post.post_id}/comments/default",
            "Post Comments",
        ),
        Link("replies", "text/html", f"{url}#comment-form", f"{count} Comments"),
        Link(
            "edit",
            "application/atom+xml",
            f"{BLOGGER}/{blog.blog_id}/{coll}/default/{post.post_id}",
        ),
        Link(
            "self",
            "application/atom+xml",
            f"{BLOGGER}/{blog.blog_id}/{coll}/default/{post.post_id}",
        ),
        Link("alternate", "text/html", url, post.title),
    ]
    thumb = imageurls.resized(post.images[0], "s72-c") if post.images else None
    return Entry(
        id=f"tag:blogger.com,1999:blog-{blog.blog_id}.{kind}-{post.post_id}",
        published=post.published,
        updated=post.updated,
        title=post.title,
        links=links,
        author=post.author,
        author_uri=_profile(blog, post.author),
        content=None if summary else post.body_html,
        summary=snippet(post.expected_text, 400) if summary else None,
        categories=list(post.labels),
        thr_total=count if kind == "post" else None,
        thumbnail=thumb,
    )


def comment_entry(blog: Blog, base: str, post: Post, comment: Comment) -> Entry:
    from sampleblog.render_common import comment_display_time, comment_ms

    url = f"{base}{post.path}?showComment={comment_ms(comment)}#c{comment.comment_id}"
    self_href = f"{BLOGGER}/{blog.blog_id}/{post.post_id}/comments/default/{comment.comment_id}"
    return Entry(
        id=f"tag:blogger.com,1999:blog-{blog.blog_id}.post-{comment.comment_id}",
        published=comment.published,
        updated=comment.published,
        title=comment.text[:50],
        links=[
            Link("edit", "application/atom+xml", self_href),
            Link("self", "application/atom+xml", self_href),
            Link("alternate", "text/html", url, ""),
        ],
        author=comment.author,
        author_uri=_profile(blog, comment.author),
        content=comment.text,
        in_reply_to={
            "href": base + post.path,
            "ref": f"tag:blogger.com,1999:blog-{blog.blog_id}.post-{post.post_id}",
            "source": f"{BLOGGER}/{blog.blog_id}/posts/default/{post.post_id}",
            "type": "text/html",
        },
        extended=[
            ("blogger.itemClass", f"pid-{zlib.crc32(comment.author.encode()) % 10**9}"),
            ("blogger.displayTime", comment_display_time(comment)),
        ],
    )


def feed_links(blog: Blog, base: str, path: str, q: FeedQuery, total: int) -> list[Link]:
    """Feed-level links; ``path`` is the feed's path under /feeds/ (e.g. ``posts/default``)."""
    mime = {
        "atom": "application/atom+xml",
        "json": "application/atom+xml",
        "rss": "application/rss+xml",
    }[q.alt]
    remote = f"{BLOGGER}/{blog.blog_id}/{quote(path, safe='/-')}"

    def paged(start: int) -> str:
        args = {**q.passthrough, "start-index": start, "max-results": q.max_results}
        if q.alt != "atom":  # Atom is the default and Blogger leaves it out
            args["alt"] = q.alt
        return f"{remote}?{urlencode(args)}"

    links = [
        Link(
            "http://schemas.google.com/g/2005#feed", "application/atom+xml", f"{base}/feeds/{path}"
        ),
        Link("self", mime, paged(q.start_index)),
        Link("alternate", "text/html", f"{base}/"),
        Link("hub", "", "http://pubsubhubbub.appspot.com/"),
    ]
    if q.start_index > 1:
        links.append(Link("previous", mime, paged(max(1, q.start_index - q.max_results))))
    if q.max_results and q.start_index - 1 + q.max_results < total:
        links.append(Link("next", mime, paged(q.start_index + q.max_results)))
    return links


def build_doc(
    blog: Blog, base: str, path: str, q: FeedQuery, total: int, entries: list[Entry], updated: str
) -> FeedDoc:
    return FeedDoc(
        id=f"tag:blogger.com,1999:blog-{blog.blog_id}",
        updated=updated,
        title=blog.title,
        subtitle=blog.tagline,
        links=feed_links(blog, base, path, q, total),
        author=blog.posts[0].author if blog.posts else blog.title,
        author_uri=f"https://www.blogger.com/profile/{blog.profile_id}",
        total=total,
        start_index=q.start_index,
        per_page=q.max_results,
        entries=entries,
        categories=sorted({label for p in blog.posts for label in p.labels}),
    )
