"""HTML views of a blog: post and static pages, home/label/search/archive listings, 404.

Listings page like Blogger: the home page's "Older Posts" goes to
``/search?updated-max=<published of the last post>&max-results=N`` (disallowed by robots.txt),
label pages to ``/search/label/X?updated-max=...``; "Newer Posts" uses ``updated-min`` with
``reverse-paginate=true``. ``/YYYY/MM/`` archive pages chain older within the month
(``?updated-max=``) and then on to the previous month that has posts.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from urllib.parse import quote

from sampleblog import render_contempo, render_sora
from sampleblog.content import Post, parse_ts
from sampleblog.render_common import Ctx, iso_seconds
from sampleblog.site import BlogSite

THEMES: dict[str, ModuleType] = {"sora": render_sora, "contempo": render_contempo}
MAX_LISTING = 50


def _theme(site: BlogSite) -> ModuleType:
    return THEMES[site.blog.template]


def make_ctx(site: BlogSite, base: str, url: str, page_type: str, mobile: bool) -> Ctx:
    return Ctx(
        blog=site.blog,
        base=base,
        url=url,
        page_type=page_type,
        mobile=mobile,
        popular=site.popular(),
        labels=site.label_counts(),
        months=site.month_counts(),
        noisy_links=site.options.noisy_links,
        comments_shown=site.options.comments_shown,
    )


def post_page(site: BlogSite, base: str, post: Post, mobile: bool) -> str:
    ctx = make_ctx(site, base, base + post.path, "item", mobile)
    if post.kind == "page":
        ctx.page_type = "static_page"
        return _theme(site).static_page(ctx, post)
    newer, older = site.neighbours(post)
    newer_url = base + newer.path if newer else None
    older_url = base + older.path if older else None
    return _theme(site).post_page(ctx, post, newer_url, older_url, site.related(post))


def not_found(site: BlogSite, base: str, path: str) -> str:
    return _theme(site).not_found(make_ctx(site, base, base + path, "error", False))


def blog_not_found(base: str) -> str:
    """Blogger's own page for a blog that was removed (not the blog's themed 404)."""
    host = base.split("://", 1)[-1]
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Blog not found</title></head>"
        "<body><div id='main'><h1>Blog has been removed</h1><p>Sorry, the blog at "
        f"{host} has been removed. This address is not available for new blogs.</p>"
        "<p><a href='https://www.blogger.com/'>Did you expect to see your blog here?"
        "</a></p></div></body></html>"
    )


def _stamp(post: Post) -> str:
    return quote(iso_seconds(post.published), safe=":")


def _page_size(params: dict[str, str], default: int) -> int:
    try:
        return max(1, min(int(params.get("max-results", default)), MAX_LISTING))
    except ValueError:
        return default


def _window(posts: list[Post], params: dict[str, str], size: int) -> list[Post]:
    """The slice of ``posts`` (newest first) that updated-max / updated-min select."""
    if params.get("updated-max"):
        high = parse_ts(params["updated-max"].replace(" ", "+"))
        posts = [p for p in posts if p.published_dt < high]
    if params.get("updated-min") and params.get("reverse-paginate") == "true":
        low = parse_ts(params["updated-min"].replace(" ", "+"))
        return [p for p in posts if p.published_dt > low][-size:]
    if params.get("updated-min"):
        low = parse_ts(params["updated-min"].replace(" ", "+"))
        posts = [p for p in posts if p.published_dt >= low]
    return posts[:size]


def listing(
    site: BlogSite,
    base: str,
    path: str,
    params: dict[str, str],
    keep: Callable[[Post], bool],
    heading: str,
    mobile: bool,
) -> str:
    """A home/search/label listing at ``path`` (the older/newer links stay on ``path``)."""
    candidates = [p for p in site.posts if keep(p)]
    size = _page_size(params, site.options.posts_per_page)
    shown = _window(candidates, params, size)
    link_path = "/search" if path == "/" else path
    older = newer = None
    if shown and candidates.index(shown[-1]) + 1 < len(candidates):
        older = f"{base}{link_path}?updated-max={_stamp(shown[-1])}&max-results={size}"
    if shown and candidates.index(shown[0]) > 0:
        newer = f"{base}{link_path}?updated-min={_stamp(shown[0])}&max-results={size}&reverse-paginate=true"
    query = "&".join(f"{k}={quote(v, safe=':')}" for k, v in params.items() if k != "m")
    url = base + path + (f"?{query}" if query else "")
    ctx = make_ctx(site, base, url, "index", mobile)
    return _theme(site).index_page(ctx, shown, heading, newer, older)


def archive(
    site: BlogSite, base: str, month: str, params: dict[str, str], mobile: bool
) -> str | None:
    """``/YYYY/MM/`` (``month`` = "YYYY/MM"); None when the month has no posts."""
    in_month = [p for p in site.posts if f"{p.published_dt:%Y/%m}" == month]
    if not in_month:
        return None
    size = _page_size(params, site.options.posts_per_page)
    shown = _window(in_month, params, size) or in_month[:size]
    older = None
    if in_month.index(shown[-1]) + 1 < len(in_month):
        older = f"{base}/{month}/?updated-max={_stamp(shown[-1])}&max-results={size}"
    else:
        earlier = [m for m, _ in site.month_counts() if m < month]
        older = f"{base}/{earlier[0]}/" if earlier else None
    ctx = make_ctx(site, base, f"{base}/{month}/", "archive", mobile)
    return _theme(site).index_page(ctx, shown, "", None, older)
