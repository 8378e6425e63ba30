"""A hostile (or merely broken) server for whole-crawl tests: one scenario per attack.

Each scenario is the sample blog (:mod:`sampleblog`: real post pages, feeds, sitemaps) with a
few routes answering first, the way a hostile or broken server would. The server binds
127.0.0.1 port 0 and logs every request it answers, so a test asserts request counts as the
server saw them; scenarios that redirect elsewhere get a second server on the same IP (another
"service" on the machine) whose log shows whether the crawler went there.

    with serve("endless-feed") as site:
        run_goahead("crawl", site.url, ...)
        assert len(site.requests()) < 40

Stdlib only (``http.server``), like the sample blog.
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from sampleblog import routes
from sampleblog.content import load_blog
from sampleblog.site import BlogSite, SiteOptions

HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
JSON = "application/json; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"
ALLOW_ALL = b"User-agent: *\nAllow: /\n"
HUGE_TOTAL = 10**9


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0  # seconds before the answer starts (a slow server)
    encoded: bool = False  # ``body`` is content-encoded already (its header in ``headers``)


@dataclass
class Ctx:
    """What a scenario's routes see: the blog behind them and where the servers are."""

    site: BlogSite
    base: str  # this server, http://127.0.0.1:PORT
    other: str  # a second server on the same IP (another service)

    def blog(self, path: str, params: dict[str, str] | None = None) -> Reply:
        """What the sample blog itself answers (gzip is the server's business here)."""
        got = routes.dispatch(routes.Request(self.site, self.base, path, params or {}))
        return Reply(got.status, got.body, got.content_type, list(got.headers))

    @property
    def posts(self) -> list:
        return self.site.posts


Route = Callable[[Ctx, str, dict[str, str]], Reply | None]
SCENARIOS: dict[str, tuple[Route, SiteOptions]] = {}


def scenario(name: str, **options: object) -> Callable[[Route], Route]:
    def register(route: Route) -> Route:
        SCENARIOS[name] = (route, SiteOptions(**options))  # type: ignore[arg-type]
        return route

    return register


def _json(doc: dict) -> Reply:
    return Reply(body=json.dumps(doc).encode(), content_type=JSON)


def _sitemap(root: str, tag: str, locs: Iterable[str]) -> Reply:
    """A sitemap file: an index (``sitemapindex``/``sitemap``) or a list of pages
    (``urlset``/``url``) naming ``locs``."""
    body = ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<{tag}><loc>{loc}</loc></{tag}>" for loc in locs) + f"</{root}>")
    return Reply(body=body.encode(), content_type=XML)


def _sitemap_index(locs: Iterable[str]) -> Reply:
    return _sitemap("sitemapindex", "sitemap", locs)


def _urlset(locs: Iterable[str]) -> Reply:
    return _sitemap("urlset", "url", locs)


def _feed_doc(ctx: Ctx, params: dict[str, str]) -> dict:
    """The blog's real first feed page as JSON (a dict to mutate)."""
    query = {**params, "alt": "json", "start-index": "1"}
    return json.loads(ctx.blog("/feeds/posts/default", query).body)


# -- 1. scope ------------------------------------------------------------------------------
@scenario("redirect-other-port")
def redirect_other_port(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The newest post redirects to the same IP on another port (another service)."""
    if path == ctx.posts[0].path:
        return Reply(302, headers=[("Location", ctx.other + path)])
    return None


@scenario("redirect-loop")
def redirect_loop(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Two posts redirect to each other, forever."""
    first, second = ctx.posts[0].path, ctx.posts[1].path
    if path in (first, second):
        return Reply(301, headers=[("Location", ctx.base + (second if path == first else first))])
    return None


@scenario("moved")
def moved(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Every URL redirects to the same path at another address (a custom domain)."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return Reply(301, headers=[("Location", ctx.other + path + ("?" + query if query else ""))])


@scenario("redirect-to-listing")
def redirect_to_listing(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Two posts redirect to the home page, one to its month's archive (Blogger's "custom
    redirects" let an owner send any path anywhere on the blog)."""
    if path in (ctx.posts[1].path, ctx.posts[2].path):
        return Reply(301, headers=[("Location", ctx.base + "/")])
    if path == ctx.posts[3].path:
        return Reply(302, headers=[("Location", ctx.base + path[:len("/YYYY/MM/")])])
    return None


@scenario("feed-links-elsewhere")
def feed_links_elsewhere(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The feed names a post on another port of the same IP as one of the blog's posts."""
    if path == "/feeds/posts/default" and params.get("alt") == "json":
        doc = _feed_doc(ctx, params)
        for link in doc["feed"]["entry"][0]["link"]:
            if link["rel"] == "alternate":
                link["href"] = ctx.other + urlsplit(link["href"]).path
        return _json(doc)
    return None


@scenario("feed-redirected-elsewhere")
def feed_redirected_elsewhere(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The posts feed redirects to another service (Blogger's "Post Feed Redirect URL",
    which sends all post feed traffic to e.g. FeedBurner), JSON and Atom alike."""
    if path == "/feeds/posts/default":
        return Reply(302, headers=[("Location", ctx.other + "/feeds/goaheadnews")])
    return None


@scenario("pages-feed-elsewhere")
def pages_feed_elsewhere(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The static pages' feed redirects to another service, JSON and Atom alike (as the
    owner's feed redirect sends the posts feed: ``feed-redirected-elsewhere``)."""
    if path == "/feeds/pages/default":
        return Reply(302, headers=[("Location", ctx.other + "/feeds/goaheadpages")])
    return None


@scenario("pages-feed-paged", max_results_cap=1)
def pages_feed_paged(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Every feed serves one entry a page (the blog's two static pages take two pages)."""
    return None


@scenario("pages-feed-page-fails", max_results_cap=1)
def pages_feed_page_fails(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """One entry a page; the pages feed's second page is a server error, JSON and Atom."""
    if path == "/feeds/pages/default" and params.get("start-index") == "2":
        return Reply(500, b"Internal Server Error", TEXT)
    return None


@scenario("inventing-pages-feed")
def inventing_pages_feed(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The pages feed counts a billion pages; past its first, every page names two static
    pages never named before, which answer 404."""
    if path != "/feeds/pages/default":
        return None
    start = int(params.get("start-index", "1"))
    doc = json.loads(ctx.blog(path, {**params, "alt": "json", "start-index": "1"}).body)
    return _json(_invented(ctx, doc, start, "/p/invented-{start}-{n}.html"))


# -- 2. discovery loops --------------------------------------------------------------------
@scenario("endless-feed")
def endless_feed(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Every start-index answers the same entries, and the total says a billion."""
    if path == "/feeds/posts/default":
        doc = _feed_doc(ctx, {})
        doc["feed"]["openSearch$totalResults"] = {"$t": str(HUGE_TOTAL)}
        doc["feed"]["openSearch$startIndex"] = {"$t": params.get("start-index", "1")}
        return _json(doc)
    return None


@scenario("inventing-feed")
def inventing_feed(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The total says a billion; past the first, every page names posts never seen before,
    at URLs on the blog that answer 404 (made up: the feed's paging is endless progress)."""
    if path != "/feeds/posts/default":
        return None
    doc = _invented(ctx, _feed_doc(ctx, params), int(params.get("start-index", "1")))
    return _json(doc) if params.get("alt") == "json" else None


@scenario("inventing-sweep")
def inventing_sweep(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """From the second crawl on (its robots.txt request), the summary feed's one-entry
    total counts a post fewer than the blog has (a deletion to look for), and its pages past
    the first name posts never seen before, behind a total of a billion."""
    if path == "/robots.txt":
        ctx.site.crawls = getattr(ctx.site, "crawls", 0) + 1
    if getattr(ctx.site, "crawls", 0) < 2 or path != "/feeds/posts/summary":
        return None
    doc = json.loads(ctx.blog(path, {**params, "alt": "json", "start-index": "1"}).body)
    if params.get("max-results") == "1":
        doc["feed"]["openSearch$totalResults"] = {"$t": str(len(ctx.posts) - 1)}
        return _json(doc)
    return _json(_invented(ctx, doc, int(params.get("start-index", "1"))))


@scenario("inventing-blog-comments")
def inventing_blog_comments(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """From the second crawl on, the blog-wide comments feed (read since the last run)
    names 150 new comments on an archived post on every page, behind a total of a
    billion."""
    if path == "/robots.txt":
        ctx.site.crawls = getattr(ctx.site, "crawls", 0) + 1
    if getattr(ctx.site, "crawls", 0) < 2 or path != "/feeds/comments/default":
        return None
    real = {k: v for k, v in params.items() if k not in ("updated-min", "start-index")}
    doc = json.loads(ctx.blog(path, {**real, "alt": "json"}).body)
    start, entry = int(params.get("start-index", "1")), doc["feed"]["entry"][0]
    prefix = entry["id"]["$t"].rsplit("-", 1)[0]
    doc["feed"]["entry"] = [{**entry, "id": {"$t": f"{prefix}-9{start}{n:03d}"}}
                            for n in range(150)]
    doc["feed"]["openSearch$totalResults"] = {"$t": str(HUGE_TOTAL)}
    doc["feed"]["openSearch$startIndex"] = {"$t": str(start)}
    return _json(doc)


def _invented(ctx: Ctx, doc: dict, start: int,
              path: str = "/2020/01/invented-{start}-{n}.html") -> dict:
    """A feed page whose entries, past the first page, are posts (or, by ``path``, pages)
    never seen before, behind a total of a billion."""
    doc["feed"]["openSearch$totalResults"] = {"$t": str(HUGE_TOTAL)}
    doc["feed"]["openSearch$startIndex"] = {"$t": str(start)}
    if start > 1:
        for n, entry in enumerate(doc["feed"]["entry"]):
            entry["id"]["$t"] = entry["id"]["$t"].rsplit("-", 1)[0] + f"-9{start}{n:03d}"
            for link in entry["link"]:
                if link["rel"] == "alternate":
                    link["href"] = ctx.base + path.format(start=start, n=n)
    return doc


@scenario("lying-total")
def lying_total(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The total says a billion; every page after the first is an error, JSON and Atom."""
    if path != "/feeds/posts/default":
        return None
    if params.get("start-index", "1") != "1":
        return Reply(500, b"Internal Server Error", TEXT)
    doc = _feed_doc(ctx, params)
    doc["feed"]["openSearch$totalResults"] = {"$t": str(HUGE_TOTAL)}
    return _json(doc) if params.get("alt") == "json" else Reply(500, b"", TEXT)


@scenario("endless-pager", feeds="off", sitemap=False)
def endless_pager(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """No feed, no sitemap; "Older posts" leads on forever to pages of the same posts."""
    if path == "/robots.txt":
        return Reply(body=ALLOW_ALL, content_type=TEXT)
    if path in ("/", "/search"):
        page = int(params.get("page", "0"))
        older = f'<a class="blog-pager-older-link" href="/search?page={page + 1}">Older</a>'
        body = ctx.blog("/").body.replace(b"</body>", older.encode() + b"</body>")
        return Reply(body=body)
    return None


IMPOSSIBLE_MONTHS = [f"/{y:04d}/{m:02d}/" for y in range(1000, 1250) for m in range(1, 13)] + [
    "/0001/01/", "/9999/12/", "/2024/13/", "/2024/00/", "/1969/12/"]
EMPTY_MONTHS = [f"/2001/{m:02d}/" for m in range(1, 13)]  # a blog can have them: no posts


@scenario("month-flood", feeds="off", sitemap=False)
def month_flood(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """No feed, no sitemap; the home page links 3,005 month archive pages no blog can have
    (years 1000 to 1249, /0001/01/, /9999/12/, month 13...) and twelve it can, empty."""
    return _home_page_with(ctx, path, "".join(
        f'<a href="{m}">{m}</a>' for m in IMPOSSIBLE_MONTHS + EMPTY_MONTHS))


def _home_page_with(ctx: Ctx, path: str, links: str) -> Reply | None:
    """A blog whose robots.txt allows everything and whose home page ends with ``links``
    (HTML); every other path as the sample blog answers it."""
    if path == "/robots.txt":
        return Reply(body=ALLOW_ALL, content_type=TEXT)
    if path == "/":
        return Reply(body=ctx.blog("/").body.replace(b"</body>", links.encode() + b"</body>"))
    return None


@scenario("older-flood", feeds="off", sitemap=False)
def older_flood(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """No feed, no sitemap; the home page has 3,000 "Older posts" links, each elsewhere."""
    return _home_page_with(ctx, path, "".join(
        f'<a class="blog-pager-older-link" href="/search?page={n}">Older</a>'
        for n in range(3000)))


@scenario("html-only", feeds="off", sitemap=False)
def html_only(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """An honest blog with feeds off and no sitemap: only its pages list its posts."""
    if path == "/robots.txt":
        return Reply(body=ALLOW_ALL, content_type=TEXT)
    return None


INVENTED_LINKS = 3_000  # made-up post links on each listing page, and static page links


@scenario("invented-links", feeds="off", sitemap=False)
def invented_links(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """No feed, no sitemap; every listing page (home, month archives, older posts) links
    3,000 made-up posts and 3,000 made-up static pages of its own, all 404."""
    if path == "/robots.txt":
        return Reply(body=ALLOW_ALL, content_type=TEXT)
    if path.endswith(".html") or not (path in ("/", "/search") or path.count("/") == 3):
        return None
    tag = (path + params.get("page", "")).strip("/").replace("/", "-") or "home"
    links = "".join(f'<a href="/2024/05/x-{tag}-{n}.html">x</a>'
                    f'<a href="/p/x-{tag}-{n}.html">p</a>' for n in range(INVENTED_LINKS))
    got = ctx.blog(path, params)
    if got.status != 200:
        return None
    got.body = got.body.replace(b"</body>", links.encode() + b"</body>")
    return got


@scenario("shallow-feed", max_results_cap=2, sitemap=False)
def shallow_feed(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The feed answers its first page at every start-index (its total is right: 6); no
    sitemap. ``published-max`` is honoured (as Blogger does)."""
    if path == "/feeds/posts/default" and "published-max" not in params:
        return ctx.blog(path, {**params, "start-index": "1"})
    return None


@scenario("feed-empty-past-first-page", max_results_cap=2, sitemap=False)
def feed_empty_past_first_page(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """``start-index`` is honoured one page deep: past it, no entries (the total is 6)."""
    if path == "/feeds/posts/default" and params.get("start-index", "1") != "1":
        return ctx.blog(path, {**params, "start-index": str(10**6)})
    return None


@scenario("feed-unordered-by-default", max_results_cap=2, sitemap=False)
def feed_unordered_by_default(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The oldest post was edited last, and the feed asked without ``orderby`` lists by
    ``updated`` (Blogger's default order is not documented: BLOGGER.md); otherwise as
    ``shallow-feed``: the first page at every start-index, ``published-max`` honoured."""
    oldest = ctx.posts[-1]
    if oldest.updated_dt < max(p.updated_dt for p in ctx.posts):
        ctx.site.edit(oldest.post_id, "Edited after every other post.")
    if path == "/feeds/posts/default" and "published-max" not in params:
        return ctx.blog(path, {"orderby": "updated", **params, "start-index": "1"})
    return None


@scenario("stuck-feed-short-sitemap", max_results_cap=2)
def stuck_feed_short_sitemap(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Every feed request answers the first page (start-index and published-max ignored;
    the total is right); the sitemap lists only the seven newest posts, the ones the home
    page shows."""
    if path == "/feeds/posts/default":
        return ctx.blog(path, {k: v for k, v in params.items() if k in ("alt", "max-results")})
    if path == "/sitemap.xml" and params.get("page") == "1":
        return _urlset(f"{ctx.base}{post.path}" for post in ctx.posts[:7])
    return None


@scenario("stuck-feed-short-sitemap-post-to-home", max_results_cap=2)
def stuck_feed_post_to_home(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """As ``stuck-feed-short-sitemap``, and the oldest post the sitemap lists redirects to
    the home page (fetched before the walk for the rest asks it)."""
    if path == ctx.posts[6].path:
        return Reply(301, headers=[("Location", ctx.base + "/")])
    return stuck_feed_short_sitemap(ctx, path, params)


@scenario("total-plus-one", max_results_cap=2)
def total_plus_one(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The feed pages as it should, and its total counts one post more than it, the
    sitemap or the HTML ever shows."""
    if path != "/feeds/posts/default":
        return None
    doc = json.loads(ctx.blog(path, {**params, "alt": "json"}).body)
    total = doc["feed"]["openSearch$totalResults"]["$t"]
    doc["feed"]["openSearch$totalResults"] = {"$t": str(int(total) + 1)}
    return _json(doc)


@scenario("stuck-feed-short-sitemap-no-archives", max_results_cap=2)
def stuck_feed_no_archives(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """As ``stuck-feed-short-sitemap``, and the month archives answer 404."""
    if len(path) == len("/YYYY/MM/") and path.endswith("/") and path[1:5].isdigit():
        return Reply(404, b"<title>Not found</title>")
    return stuck_feed_short_sitemap(ctx, path, params)


@scenario("lost-first-run", max_results_cap=2, sitemap=False)
def lost_first_run(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The first crawl (its robots.txt request) gets two feed pages (4 of 6 posts) and an
    error for every post page; later crawls get the blog as it is."""
    if path == "/robots.txt":
        ctx.site.crawls = getattr(ctx.site, "crawls", 0) + 1
    if getattr(ctx.site, "crawls", 0) > 1:
        return None
    failing = path.endswith(".html") or (path == "/feeds/posts/default"
                                         and int(params.get("start-index", "1")) > 3)
    return Reply(500, b"Internal Server Error", TEXT) if failing else None


@scenario("sitemap-names-itself", feeds="off")
def sitemap_names_itself(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """No feed; ``/sitemap.xml`` is an index whose one sitemap is itself."""
    if path == "/sitemap.xml":
        return _sitemap_index([f"{ctx.base}/sitemap.xml"])
    return None


@scenario("sitemap-index-elsewhere")
def sitemap_index_elsewhere(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The sitemap index names its own sitemap and one on another service; its urlset names
    a page on that service too (neither a post nor a static page)."""
    if path == "/sitemap.xml" and not params.get("page"):
        return _sitemap_index([f"{ctx.base}/sitemap.xml?page=1", f"{ctx.other}/sitemap.xml"])
    if path == "/sitemap.xml":
        got = ctx.blog(path, params)
        got.body = got.body.replace(b"</urlset>", f"<url><loc>{ctx.other}/admin</loc></url>"
                                                  "</urlset>".encode())
        return got
    return None


@scenario("sitemap-page-fails", feeds="off")
def sitemap_page_fails(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """No feed; the sitemap index is fine, the one sitemap it names answers 500."""
    if path == "/sitemap.xml" and params.get("page"):
        return Reply(500, b"Internal Server Error", TEXT)
    return None


@scenario("pages-sitemap-fails")
def pages_sitemap_fails(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """``/sitemap-pages.xml`` answers 500, retries and all."""
    if path == "/sitemap-pages.xml":
        return Reply(500, b"Internal Server Error", TEXT)
    return None


@scenario("huge-sitemap", feeds="off")
def huge_sitemap(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """One sitemap file of 60,000 URLs (the protocol allows 50,000)."""
    if path == "/sitemap.xml":
        return _urlset(f"{ctx.base}/2020/01/post-{i}.html" for i in range(60_000))
    return None


@scenario("endless-sitemap-index", feeds="off")
def endless_sitemap_index(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Each sitemap "page" is an index naming the next one, forever."""
    if path == "/sitemap.xml":
        following = int(params.get("page", "0")) + 1
        return _sitemap_index([f"{ctx.base}/sitemap.xml?page={following}"])
    return None


@scenario("sitemap-index-fanout")
def sitemap_index_fanout(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The index names 2,000 sitemaps; each lists the blog's posts, the same ones."""
    if path == "/sitemap.xml" and not params.get("page"):
        return _sitemap_index(f"{ctx.base}/sitemap.xml?page={n}" for n in range(1, 2001))
    if path == "/sitemap.xml":
        return ctx.blog(path, {"page": "1"})
    return None


@scenario("endless-comments")
def endless_comments(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """A post counts a million comments; its comments feed repeats one page forever."""
    newest = next(p for p in ctx.posts if p.comments)
    if path == "/feeds/posts/default" and params.get("alt") == "json":
        doc = _feed_doc(ctx, params)
        for entry in doc["feed"]["entry"]:
            if entry["id"]["$t"].endswith(newest.post_id):
                entry["thr$total"] = {"$t": str(10**6)}
        return _json(doc)
    if path == f"/feeds/{newest.post_id}/comments/default":
        got = ctx.blog(path, {**params, "start-index": "1"})
        doc = json.loads(got.body)
        doc["feed"]["openSearch$totalResults"] = {"$t": str(HUGE_TOTAL)}
        doc["feed"]["openSearch$startIndex"] = {"$t": params.get("start-index", "1")}
        return _json(doc)
    return None


@scenario("comment-edited-while-paged", comments_shown=1)
def comment_edited_while_paged(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """A post's comments feed pages one comment at a time; asked without ``orderby`` it
    lists by last edit (Blogger's default order is not documented: BLOGGER.md), and its
    oldest comment is edited once the first page was read. The post page shows one."""
    post = next(p for p in ctx.posts if len(p.comments) >= 3)
    if path != f"/feeds/{post.post_id}/comments/default":
        return None
    edited: set[str] = ctx.site.__dict__.setdefault("edited_comments", set())
    doc = json.loads(ctx.blog(path, {"alt": "json", "max-results": "500"}).body)
    entries = doc["feed"]["entry"]  # newest first by publication
    oldest = entries[-1]["id"]["$t"]
    if params.get("orderby") != "published":
        entries.sort(key=lambda e: e["id"]["$t"] in edited, reverse=True)  # stable
    start = int(params.get("start-index", "1"))
    doc["feed"]["entry"] = entries[start - 1:start]
    doc["feed"]["openSearch$startIndex"] = {"$t": str(start)}
    doc["feed"]["openSearch$itemsPerPage"] = {"$t": "1"}
    edited.add(oldest)
    return _json(doc)


@scenario("inventing-comments")
def inventing_comments(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """A post counts a million comments; its comments feed names 150 new ones on every
    page, behind a total of a billion."""
    newest = next(p for p in ctx.posts if p.comments)
    if path != f"/feeds/{newest.post_id}/comments/default":
        return endless_comments(ctx, path, params)
    doc = json.loads(endless_comments(ctx, path, params).body)
    start, [entry] = int(params.get("start-index", "1")), doc["feed"]["entry"][:1]
    prefix = entry["id"]["$t"].rsplit("-", 1)[0]
    doc["feed"]["entry"] = [{**entry, "id": {"$t": f"{prefix}-{start}{n:03d}"}}
                            for n in range(150)]
    return _json(doc)


# -- 3b. bodies too big ---------------------------------------------------------------------
@functools.cache
def _gzip_bomb() -> bytes:
    """80 MB of spaces in 78 KB of gzip: past Scrapy's DOWNLOAD_MAXSIZE (64 MB) unpacked."""
    return gzip.compress(b" " * (80 * 1024 * 1024), compresslevel=9, mtime=0)


def _bomb() -> Reply:
    return Reply(body=_gzip_bomb(), content_type=XML, encoded=True,
                 headers=[("Content-Encoding", "gzip")])


@scenario("gzip-bomb-sitemap")
def gzip_bomb_sitemap(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The sitemap index is fine; the one sitemap it names is a gzip bomb."""
    return _bomb() if path == "/sitemap.xml" and params.get("page") else None


@scenario("huge-robots")
def huge_robots(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """A robots.txt of 8 MB: Blogger's own rules, then 400,000 rules for paths that exist
    nowhere (Protego checks each one for every request)."""
    if path == "/robots.txt":
        return Reply(body=_huge_robots(), content_type=TEXT)
    return None


@functools.cache
def _huge_robots() -> bytes:
    rules = "".join(f"Disallow: /nowhere/{i}/\n" for i in range(400_000))
    return f"User-agent: *\nDisallow: /search\n{rules}Allow: /\n".encode()


# -- 4. feed entries of unexpected shape ---------------------------------------------------
ODD_SHAPES: list[Callable[[dict], None]] = [
    lambda e: e.__setitem__("category", "news"),  # a string, not a list
    lambda e: e.__setitem__("author", {"name": {"$t": "An Object"}}),  # an object, not a list
    lambda e: e.__setitem__("thr$total", 7),  # a number, not {"$t": "7"}
    lambda e: e["id"].__setitem__("$t", 12345),  # a number, not a tag string
    lambda e: e.__setitem__("link", [link for link in e["link"] if link["rel"] != "alternate"]),
    lambda e: e.update(title=None, published=None, content={"$t": None}),  # nulls
]


@scenario("odd-feed-entries")
def odd_feed_entries(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Each of the six entries has one field of an unexpected shape; the total is a number."""
    if path == "/feeds/posts/default" and params.get("alt") == "json":
        doc = _feed_doc(ctx, params)
        for entry, mutate in zip(doc["feed"]["entry"], ODD_SHAPES, strict=False):
            mutate(entry)
        doc["feed"]["openSearch$totalResults"] = len(doc["feed"]["entry"])
        return _json(doc)
    return None


# -- 5. charset ----------------------------------------------------------------------------
@scenario("thai-mislabelled")
def thai_mislabelled(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The newest post is written in windows-874 (TIS-620) but labelled UTF-8."""
    if path == ctx.posts[0].path:
        page = ctx.blog(path, params)
        page.body = page.body.decode("utf-8").encode("cp874", errors="xmlcharrefreplace")
        return page
    return None


# -- 5b. one URL, two spellings ------------------------------------------------------------
THAI_PATH = "/2024/03/ข่าวเชียงใหม่.html"  # a custom permalink in Thai


@scenario("thai-slug")
def thai_slug(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The newest post lives at a Thai permalink: the posts feed names it as written (raw
    UTF-8), the sitemap percent-encoded, as a browser or Scrapy asks for it; its old
    ASCII path answers 404 (a URL is one URL, whichever way it is spelled)."""
    post = ctx.posts[0]
    if path == post.path:
        return Reply(404, b"<title>Not Found</title>Not found")
    if path == quote(THAI_PATH):
        return ctx.blog(post.path, params)
    if path.startswith(("/feeds/posts/", "/sitemap")):
        got = ctx.blog(path, params)
        spelled = THAI_PATH if path.startswith("/feeds/") else quote(THAI_PATH)
        if path.startswith("/feeds/") and params.get("alt") == "json":
            spelled = json.dumps(THAI_PATH)[1:-1]  # JSON writes it \\uXXXX-escaped
        got.body = got.body.replace(f"{ctx.base}{post.path}".encode(),
                                    f"{ctx.base}{spelled}".encode())
        return got
    return None


@scenario("thai-slug-lower")
def thai_slug_lower(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """:func:`thai_slug` with the feed naming the permalink in lower-case escapes
    (``%e0%b8%82``, as a link written by hand or another tool may) and the sitemap in
    upper case: one URL (RFC 3986 2.1), which the server answers under either spelling."""
    if path.lower() == quote(THAI_PATH).lower():
        path = quote(THAI_PATH)
    got = thai_slug(ctx, path, params)
    if got is not None and path.startswith("/feeds/posts/"):
        upper = quote(THAI_PATH)
        got.body = got.body.replace(f"{ctx.base}{THAI_PATH}".encode(),
                                    f"{ctx.base}{upper.lower()}".encode())
        got.body = got.body.replace(json.dumps(THAI_PATH)[1:-1].encode(),
                                    upper.lower().encode())
    return got


@scenario("thai-slug-forbidden")
def thai_slug_forbidden(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """:func:`thai_slug` with the Thai permalink answering 403: a failure to report."""
    if path == quote(THAI_PATH):
        return Reply(403, b"<title>Forbidden</title>Forbidden")
    return thai_slug(ctx, path, params)


# -- 6. not a Blogger blog, slow blog ------------------------------------------------------
@scenario("not-blogger", feeds="off", sitemap=False)
def not_blogger(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """An ordinary web site: a home page with links, no feeds, no sitemap, no Blogger markup."""
    if path == "/robots.txt":
        return Reply(body=ALLOW_ALL, content_type=TEXT)
    if path == "/":
        return Reply(body=b"<!DOCTYPE html><title>Shop</title><h1>Welcome to the shop</h1>"
                          b'<a href="/about">About</a> <a href="/2024/01/">Offers</a>')
    return Reply(404, b"<title>Not Found</title>Not found")


@scenario("slow")
def slow(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """Every post page takes two seconds to start answering."""
    got = ctx.blog(path, params)
    if path.endswith(".html"):
        got.delay = 2.0
    return got


@scenario("failing-posts")
def failing_posts(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The feed and sitemap answer; every post page is 503 (the server going down)."""
    if path.endswith(".html"):
        return Reply(503, b"Service Unavailable", TEXT)
    return None


@scenario("failing-wave")
def failing_wave(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The first 12 post page requests are 503 (a wave that passes), then all answer."""
    if not path.endswith(".html"):
        return None
    ctx.site.wave = getattr(ctx.site, "wave", 0) + 1
    return Reply(503, b"Service Unavailable", TEXT) if ctx.site.wave <= 12 else None


@scenario("private", access="private")
@scenario("removed", access="removed")
def blogger_says_no(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The sample blog's own faults: a private blog, a removed blog (``SiteOptions.access``)."""
    return None


# -- the server ----------------------------------------------------------------------------
LogRow = tuple[str, str, int]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: Callable[[str, dict[str, str]], Reply]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.log: list[LogRow] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return "http://{}:{}".format(*self.server_address[:2])

    def requests(self) -> list[LogRow]:
        with self.lock:
            return list(self.log)

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a crawler that hangs up (a stop, a timeout) is not the test's failure."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        params: dict[str, str] = {}
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            params.setdefault(key, value)
        reply = self.server.app(split.path or "/", params)
        with self.server.lock:
            self.server.log.append(("GET", self.path, reply.status))
        time.sleep(reply.delay)
        body = reply.body
        if body and not reply.encoded and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            reply.headers.append(("Content-Encoding", "gzip"))
        try:
            self.send_response(reply.status)
            for name, value in [("Content-Type", reply.content_type), *reply.headers]:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the crawler hung up (a stop)
            pass

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: requests are in the server's log."""


@dataclass
class HostileSite:
    url: str  # the blog's root URL
    other_url: str  # another service on the same IP
    site: BlogSite
    _main: _Server
    _other: _Server

    @property
    def posts(self) -> list:
        """The blog's posts, newest first (scenarios pick theirs from the front)."""
        return self.site.posts

    def requests(self) -> list[LogRow]:
        return self._main.requests()

    def other_requests(self) -> list[LogRow]:
        return self._other.requests()


def _other_service(path: str, params: dict[str, str]) -> Reply:
    return Reply(body=b"<html><title>Admin</title><body><p>Another service's secret page."
                      b"</p></body></html>")


@contextmanager
def serve(name: str, n_posts: int = 6) -> Iterator[HostileSite]:
    """Serve scenario ``name`` (see :data:`SCENARIOS`) over a sample blog of ``n_posts``."""
    route, options = SCENARIOS[name]
    site = BlogSite(load_blog("goahead", n_posts), options)
    other = _Server(_other_service)
    holder: dict[str, Ctx] = {}

    def app(path: str, params: dict[str, str]) -> Reply:
        ctx = holder["ctx"]
        with site.lock:
            return route(ctx, path, params) or ctx.blog(path, params)

    main = _Server(app)
    holder["ctx"] = Ctx(site, main.base, other.base)
    threads = [threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True)
               for s in (main, other)]
    for thread in threads:
        thread.start()
    try:
        yield HostileSite(main.base + "/", other.base + "/", site, main, other)
    finally:
        for server in (main, other):
            server.shutdown()
            server.server_close()


@dataclass
class EndlessHeaders:
    """A server answering every request with a status line, then headers for ever."""

    url: str
    sent: list[int]  # bytes written, all connections


@contextmanager
def endless_headers() -> Iterator[EndlessHeaders]:
    """Serve :class:`EndlessHeaders` on 127.0.0.1 (raw sockets: ``http.server`` would
    end its headers)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    sent, stop = [0], threading.Event()
    chunk = (b"X-Pad: " + b"a" * 100 + b"\r\n") * 1000

    def answer(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
                while not stop.is_set():
                    conn.sendall(chunk)
                    sent[0] += len(chunk)
            except OSError:  # the crawler hung up
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield EndlessHeaders("http://{}:{}/".format(*listener.getsockname()[:2]), sent)
    finally:
        stop.set()
        thread.join()
        listener.close()
