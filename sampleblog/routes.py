"""Request routing for one blog: path + query in, :class:`Response` out (no sockets here).

:data:`ROUTES` is the whole URL space of a blogspot blog as data: a regex per route and the
function that answers it. Anything else gets the blog's 404 page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, unquote

from sampleblog import feed_formats, feeds, media, pages, sitemaps, statics
from sampleblog.records import format_ts
from sampleblog.site import BlogSite

HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: datetime | None = None
    compress: bool = True  # gzip when the client accepts it (never images: already compressed)


@dataclass
class Request:
    site: BlogSite
    base: str  # scheme://host[:port] from the Host header, no trailing slash
    path: str
    params: dict[str, str]  # first value of each query parameter

    @property
    def mobile(self) -> bool:
        return self.params.get("m") == "1"


Handler = Callable[[Request, re.Match[str]], Response]


def _not_found(req: Request, match: re.Match[str] | None = None) -> Response:
    body = pages.not_found(req.site, req.base, req.path).encode()
    return Response(404, body)


def _html(req: Request, text: str | None) -> Response:
    if text is None:
        return _not_found(req)
    return Response(200, text.encode(), last_modified=req.site.last_modified())


def robots(req: Request, _m: re.Match[str]) -> Response:
    return Response(200, sitemaps.robots_txt(req.base), TEXT)


def favicon(req: Request, _m: re.Match[str]) -> Response:
    """The blog's own icon: a page requisite served by the blog's origin, not the CDN."""
    return Response(
        200,
        media.favicon_ico(),
        "image/x-icon",
        last_modified=statics.UPLOADED,
        compress=False,
    )


def sitemap(req: Request, _m: re.Match[str]) -> Response:
    site = req.site
    if not site.options.sitemap:
        return _not_found(req)
    if "page" not in req.params:
        return Response(
            200, sitemaps.sitemap_index(site, req.base), XML, last_modified=site.last_modified()
        )
    try:
        body = sitemaps.sitemap_page(site, req.base, int(req.params["page"]))
    except ValueError:
        body = None
    if body is None:
        return _not_found(req)
    return Response(200, body, XML, last_modified=site.last_modified())


def sitemap_pages(req: Request, _m: re.Match[str]) -> Response:
    if not req.site.options.sitemap:
        return _not_found(req)
    return Response(200, sitemaps.pages_sitemap(req.site.blog.pages, req.base), XML)


def _feed_response(req: Request, path: str, items, entry_of) -> Response:
    site = req.site
    try:
        q = feeds.parse_query(req.params, site.options.max_results_cap)
    except feeds.BadQuery as exc:
        return Response(400, str(exc).encode(), TEXT)
    total, chosen = feeds.select(items, q)
    updated = format_ts(
        site.last_modified().astimezone(site.blog.posts[0].published_dt.tzinfo)
        if site.blog.posts
        else site.last_modified()
    )
    doc = feeds.build_doc(
        site.blog, req.base, path, q, total, [entry_of(p) for p in chosen], updated
    )
    printer, ctype = feed_formats.FORMATS[q.alt]
    return Response(200, printer(doc), ctype, last_modified=site.last_modified())


def _feed_fault(req: Request) -> Response | None:
    """JSON refused (``json_feeds``), or a page that errors (``failing_feed_start``) a while."""
    site = req.site
    if not site.options.json_feeds and req.params.get("alt") == "json":
        return Response(400, b"Invalid alt parameter value: json", TEXT)
    start = req.params.get("start-index", "1")
    failing = site.options.failing_feed_start
    if failing and start == str(failing) and site.feed_failures_left > 0:
        site.feed_failures_left -= 1
        return Response(500, b"Internal Server Error", TEXT)
    return None


def posts_feed(req: Request, m: re.Match[str]) -> Response:
    site, mode = req.site, m["mode"]
    if site.options.feeds == "off":
        return _not_found(req)
    fault = _feed_fault(req)
    if fault is not None:
        return fault
    summary = mode == "summary" or site.options.feeds == "summary"
    items = site.feed_posts()
    path = f"posts/{mode}"
    if m["label"]:
        label = unquote(m["label"])
        items = [p for p in items if label in p.labels]
        path += f"/-/{label}"
    return _feed_response(
        req, path, items, lambda p: feeds.post_entry(site.blog, req.base, p, summary)
    )


def pages_feed(req: Request, m: re.Match[str]) -> Response:
    site = req.site
    if site.options.feeds == "off":
        return _not_found(req)
    summary = m["mode"] == "summary" or site.options.feeds == "summary"
    return _feed_response(
        req,
        f"pages/{m['mode']}",
        site.blog.pages,
        lambda p: feeds.post_entry(site.blog, req.base, p, summary),
    )


class _CommentItem:
    """A comment wrapped so feeds.select can sort and filter it like a post."""

    def __init__(self, post, comment) -> None:
        self.post, self.comment = post, comment
        self.published_dt = self.updated_dt = feeds.parse_ts(comment.published)


def comments_feed(req: Request, m: re.Match[str]) -> Response:
    site = req.site
    if site.options.feeds == "off" or not site.options.comment_feeds:
        return _not_found(req)
    if m["post_id"]:
        post = site.find_id(m["post_id"])
        if post is None or post.kind != "post":
            return _not_found(req)
        posts, path = [post], f"{post.post_id}/comments/{m['mode']}"
    else:
        posts, path = site.posts, f"comments/{m['mode']}"
    items = [_CommentItem(p, c) for p in posts for c in p.comments]
    return _feed_response(
        req, path, items, lambda it: feeds.comment_entry(site.blog, req.base, it.post, it.comment)
    )


def atom_xml(req: Request, _m: re.Match[str]) -> Response:
    return Response(301, b"", headers=[("Location", f"{req.base}/feeds/posts/default")])


def post_page(req: Request, m: re.Match[str]) -> Response:
    site = req.site
    moved = site.redirects.get(req.path)
    if moved:
        suffix = "?m=1" if req.mobile else ""
        return Response(301, b"", headers=[("Location", f"{req.base}{moved}{suffix}")])
    post = site.find(req.path)
    if post is None:
        return _not_found(req)
    body = pages.post_page(site, req.base, post, req.mobile).encode()
    return Response(200, body, last_modified=post.updated_dt)


def home(req: Request, _m: re.Match[str]) -> Response:
    return _html(
        req, pages.listing(req.site, req.base, "/", req.params, lambda p: True, "", req.mobile)
    )


def search(req: Request, m: re.Match[str]) -> Response:
    if m["label"]:
        label = unquote(m["label"])
        heading = f"Showing posts with the label {label}"
        keep = lambda p: label in p.labels
    elif req.params.get("q"):
        needle = req.params["q"].casefold()
        heading = f"Showing posts matching the search for {req.params['q']}"
        keep = lambda p: needle in p.title.casefold() or needle in p.expected_text.casefold()
    else:
        heading, keep = "", lambda p: True
    return _html(
        req, pages.listing(req.site, req.base, req.path, req.params, keep, heading, req.mobile)
    )


def archive(req: Request, m: re.Match[str]) -> Response:
    return _html(
        req, pages.archive(req.site, req.base, f"{m['y']}/{m['mo']}", req.params, req.mobile)
    )


def status(req: Request, m: re.Match[str]) -> Response:
    code = int(m["code"])
    if code == 404:
        return _not_found(req)
    body = f"<!DOCTYPE html><html lang=en><title>Error {code}</title><p><b>{code}.</b> That’s an error."
    return Response(code, body.encode(), headers=[("Retry-After", "1")] if code == 503 else [])


def retry_after(req: Request, _m: re.Match[str]) -> Response:
    return Response(429, b"Too Many Requests", TEXT, headers=[("Retry-After", "1")])


ROUTES: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"/robots\.txt"), robots),
    (re.compile(r"/favicon\.ico"), favicon),
    (re.compile(r"/sitemap\.xml"), sitemap),
    (re.compile(r"/sitemap-pages\.xml"), sitemap_pages),
    (re.compile(r"/atom\.xml"), atom_xml),
    (re.compile(r"/feeds/posts/(?P<mode>default|summary)(?:/-/(?P<label>[^/]+))?/?"), posts_feed),
    (re.compile(r"/feeds/pages/(?P<mode>default|summary)/?"), pages_feed),
    (
        re.compile(r"/feeds/(?:(?P<post_id>\d+)/)?comments/(?P<mode>default|summary)/?"),
        comments_feed,
    ),
    (re.compile(r"/\d{4}/\d{2}/[^/]+\.html|/p/[^/]+\.html"), post_page),
    (re.compile(r"/"), home),
    (re.compile(r"/search(?:/label/(?P<label>[^/]+))?/?"), search),
    (re.compile(r"/(?P<y>\d{4})/(?P<mo>\d{2})/?"), archive),
    (re.compile(r"/status/(?P<code>[1-5]\d\d)"), status),
    (re.compile(r"/retry-after"), retry_after),
]


def _no_blog(req: Request) -> Response | None:
    """What Blogger answers for every URL of a private or removed blog."""
    access = req.site.options.access
    if access == "private":  # anonymous readers are sent to sign in
        target = f"https://www.blogger.com/blogin.g?blogspotURL={quote(req.base + '/')}&type=blog"
        return Response(302, b"", headers=[("Location", target)])
    if access == "removed":
        return Response(404, pages.blog_not_found(req.base).encode())
    return None


def dispatch(req: Request) -> Response:
    gone = _no_blog(req)
    if gone is not None:
        return gone
    for pattern, handler in ROUTES:
        match = pattern.fullmatch(req.path)
        if match:
            return handler(req, match)
    return _not_found(req)
