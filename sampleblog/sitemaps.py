"""robots.txt and the sitemaps, as blogspot serves them.

``/sitemap.xml`` is an index of ``/sitemap.xml?page=N`` files of :data:`PAGE_SIZE` URLs each
(newest first, ``lastmod`` in UTC), ``/sitemap-pages.xml`` lists the static pages. Faults from
:class:`~sampleblog.site.SiteOptions` show here: posts missing from the feeds are still listed,
a deleted post's URL may linger, and a moved post may be listed under its old URL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sampleblog.content import Post
from sampleblog.site import BlogSite

PAGE_SIZE = 150
_XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def robots_txt(base: str) -> bytes:
    return (
        "User-agent: Mediapartners-Google\nDisallow: \n\n"
        "User-agent: *\nDisallow: /search\nAllow: /\n\n"
        f"Sitemap: {base}/sitemap.xml\n"
    ).encode()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(site: BlogSite) -> list[tuple[str, datetime]]:
    rows = [(site.sitemap_path(p), p.updated_dt) for p in site.posts]
    if site.deleted_paths and rows:
        middle = len(rows) // 2
        rows[middle:middle] = [(path, rows[middle - 1][1]) for path in site.deleted_paths]
    return rows


def page_count(site: BlogSite) -> int:
    return max(1, -(-len(_entries(site)) // PAGE_SIZE))


def sitemap_index(site: BlogSite, base: str) -> bytes:
    rows = _entries(site)
    parts = []
    for n in range(page_count(site)):
        chunk = rows[n * PAGE_SIZE : (n + 1) * PAGE_SIZE]
        lastmod = f"<lastmod>{_utc(max(m for _, m in chunk))}</lastmod>" if chunk else ""
        parts.append(f"<sitemap><loc>{base}/sitemap.xml?page={n + 1}</loc>{lastmod}</sitemap>")
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns=\"{_XMLNS}\">"
        f"{''.join(parts)}</sitemapindex>"
    ).encode()


def _urlset(base: str, rows: list[tuple[str, datetime]]) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{path}</loc><lastmod>{_utc(m)}</lastmod></url>" for path, m in rows
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns=\"{_XMLNS}\">{urls}</urlset>".encode()
    )


def sitemap_page(site: BlogSite, base: str, page: int) -> bytes | None:
    """Page ``page`` (1-based) of the post sitemap, or None when out of range."""
    if page < 1 or page > page_count(site):
        return None
    rows = _entries(site)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return _urlset(base, rows)


def pages_sitemap(pages: list[Post], base: str) -> bytes:
    return _urlset(base, [(p.path, p.updated_dt) for p in pages])
