"""Blogger sitemaps: what an index or a urlset names, sorted into posts, pages and sitemaps. Pure.

Parsing the XML is Scrapy's job (``scrapy.utils.sitemap.Sitemap``: no entities, no network,
size-capped); this module takes the entries it yields (``{"loc": ..., "lastmod": ...}``)
and applies Blogger's knowledge: which URLs are posts, which are static pages, which
``/sitemap.xml?page=N`` files an index points to, and which are off the blog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice

from goahead_crawler.blogger.urls import (
    canonical_url,
    is_post_path,
    is_static_page_path,
    same_blog,
)

INDEX = "sitemapindex"
URLSET = "urlset"
# The sitemaps protocol caps a file at 50,000 URLs (or child sitemaps): read that many, and
# report the rest rather than fetch whatever a hostile file lists.
MAX_ENTRIES = 50_000
# An index's sitemaps are read one after another; this many in a row that name no post the
# sitemaps had not named (or fail) end the chain: Blogger's each list posts of their own, and
# a hostile index may name 50,000 that repeat one another.
MAX_IDLE_SITEMAPS = 3


@dataclass(frozen=True)
class SitemapEntry:
    url: str  # canonical
    lastmod: str | None = None  # W3C datetime as the sitemap gives it (UTC on blogspot)


@dataclass
class SitemapPage:
    """One sitemap file, sorted: child sitemaps (index) or posts and pages (urlset)."""

    sitemaps: list[str] = field(default_factory=list)
    posts: list[SitemapEntry] = field(default_factory=list)
    pages: list[SitemapEntry] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)  # posts and pages off the blog
    offsite_sitemaps: list[str] = field(default_factory=list)  # an index's, off the blog
    elsewhere: list[str] = field(default_factory=list)  # off the blog, neither post nor page
    other: list[str] = field(default_factory=list)  # on the blog, neither post nor page


def read_sitemap(kind: str, entries: Iterable[Mapping[str, str]], root: str) -> SitemapPage:
    """Sort a parsed sitemap's entries; ``kind`` is the root tag's local name."""
    if kind not in (INDEX, URLSET):
        raise ValueError(f"not a sitemap: root element {kind!r}")
    page = SitemapPage()
    for raw in entries:
        loc = (raw.get("loc") or "").strip()
        if not loc:
            continue
        url = canonical_url(loc)
        if not same_blog(url, root):
            if kind == INDEX:
                page.offsite_sitemaps.append(url)
            elif is_post_path(url) or is_static_page_path(url):
                page.offsite.append(url)
            else:
                page.elsewhere.append(url)
        elif kind == INDEX:
            page.sitemaps.append(loc)  # keep ?page=N exactly as the index names it
        elif is_post_path(url):
            page.posts.append(SitemapEntry(url, raw.get("lastmod") or None))
        elif is_static_page_path(url):
            page.pages.append(SitemapEntry(url, raw.get("lastmod") or None))
        else:
            page.other.append(url)
    return page


def capped(entries: Iterable[Mapping[str, str]], limit: int = MAX_ENTRIES
           ) -> tuple[list[Mapping[str, str]], int]:
    """The first ``limit`` entries, and how many more the file lists."""
    it = iter(entries)
    kept = list(islice(it, limit))
    return kept, sum(1 for _ in it)
