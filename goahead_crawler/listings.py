"""What a blog's listing names: the one rule the crawl and the rebuild from WARC share.

A feed page, a sitemap, an HTML listing page (or a post page, once discovery fell back to
HTML navigation) lists post and page URLs; the crawl writes them to the ``listed`` table
(:mod:`archive.listed`) as it reads each response, and ``goahead reindex`` reads the same
captures back through the same functions, so that a rebuilt archive knows which posts
each blog listed, and so which are missing. Parsing is the parsers' (``blogger.feed``,
``blogger.sitemap``, ``blogger.pager``); this module says which of what they found is a
listing, under which source and kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scrapy.utils.sitemap import Sitemap

from archive.listed import Listing
from goahead_crawler.blogger.feed import FeedPage
from goahead_crawler.blogger.identity import has_blogger_markup
from goahead_crawler.blogger.pager import PageLinks
from goahead_crawler.blogger.sitemap import SitemapPage, capped, read_sitemap
from goahead_crawler.blogger.urls import same_blog


def sitemap_of(body: bytes, root: str) -> tuple[SitemapPage, int]:
    """A sitemap file's posts, pages and child sitemaps (the first ``MAX_ENTRIES``), and
    how many entries past the cap it lists. Raises ``lxml.etree.XMLSyntaxError``,
    ``StopIteration`` or ``ValueError`` for what is not a sitemap."""
    parsed = Sitemap(body)
    entries, over = capped(parsed)
    return read_sitemap(parsed.type, entries, root), over


def feed_listings(page: FeedPage) -> list[Listing]:
    """A posts-feed page lists its entries' posts, and those of entries skipped for their
    shape that had a link (their page is fetched without them)."""
    return ([Listing(e.url, "post", "feed") for e in page.entries if e.url]
            + [Listing(s.url, "post", "feed") for s in page.skipped if s.url])


def sitemap_listings(page: SitemapPage, pages: bool) -> list[Listing]:
    """A sitemap lists its posts (an incremental run lists them all, fetches only those
    that changed) and, when the crawl stores static pages, its pages."""
    return ([Listing(e.url, "post", "sitemap", e.lastmod) for e in page.posts]
            + [Listing(e.url, "page", "sitemap-pages", e.lastmod)
               for e in (page.pages if pages else [])])


def link_listings(links: PageLinks, source: str, posts: bool, pages: bool) -> list[Listing]:
    """An HTML page's links to posts (``posts``: HTML navigation is discovering them) and
    to static pages (``pages``: the crawl stores them)."""
    return ([Listing(url, "post", source) for url in (links.posts if posts else [])]
            + [Listing(url, "page", source) for url in (links.pages if pages else [])])


def walkable_home(body: bytes, links: PageLinks) -> bool:
    """A home page HTML navigation walks (and lists from): Blogger markup, or post links;
    anything else is not taken for a blog's listing."""
    return has_blogger_markup(body) or bool(links.posts)


def on_blog(listings: Iterable[Listing], key: Callable[[str], str], root: str,
            at: str | None) -> list[Listing]:
    """The listings of ``root``'s blog, under the frontier's ``key``, dated ``at`` (when
    the listing was fetched): a URL on another host is not the blog's listing."""
    out = []
    for item in listings:
        url = key(item.url)
        if same_blog(url, root):
            out.append(Listing(url, item.kind, item.source, item.lastmod, at))
    return out
