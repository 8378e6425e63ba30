"""What each blog listed, read back from the WARC files: the ``listed`` table as the crawls
wrote it, so that a rebuilt archive knows which posts are missing (listed, never stored,
not gone) and the next crawl fetches them first.

Every feed page, sitemap and HTML listing page a crawl read is a capture; each is read
through the crawl's own rule (:mod:`goahead_crawler.listings`), crawl by crawl: a URL's
first listing in a crawl is the one written (``listed_at``: that capture's time), then the
URLs whose page answered 404/410 in that crawl are marked gone (dated by the first such
capture), then those a redirect led elsewhere get the URL they led to (``post_url``), as
the crawl's ledger writes them. Runs are not in the WARC files: in a rebuild
``first_run`` and ``last_run`` stay NULL; a killed crawl caught up by the next one
(``rebuild.catch_up``) writes what it had not under its own run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from archive.listed import Listing, mark_listed_gone, record_listings, record_post_urls
from goahead_crawler.blogger.feed import FeedError, parse_feed
from goahead_crawler.blogger.frontier import Frontier
from goahead_crawler.blogger.pager import page_links
from goahead_crawler.blogger.urls import FEED_PATH, blog_root, joined
from goahead_crawler.listings import (
    feed_listings,
    link_listings,
    on_blog,
    sitemap_listings,
    sitemap_of,
    walkable_home,
)
from goahead_crawler.rebuild.context import Context
from goahead_crawler.rebuild.timeline import Record

GONE = (404, 410)
SITEMAP_PAGES = "/sitemap-pages.xml"
MAX_HOPS = 20  # a redirect chain longer than this is a loop (the ledger's bound)
Warn = Callable[[str], None]
PageKind = Callable[[str], str | None]


@dataclass
class CrawlListings:
    """What one crawl listed, found gone and saw redirected, by site."""

    context: Context
    page_kind: PageKind
    pages: bool = True  # the crawl stored static pages
    pager: bool = False  # its discovery fell back to HTML navigation
    pages_from_html: bool = False  # /sitemap-pages.xml failed: /p/ links from pages
    listed: dict[str, dict[str, Listing]] = field(default_factory=dict)
    gone: dict[str, dict[str, str | None]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    frontiers: dict[str, Frontier] = field(default_factory=dict)

    def key(self, url: str) -> str:
        root = blog_root(url)
        return self.frontiers.setdefault(root, Frontier(root)).key(url)

    def read(self, record: Record, warn: Warn) -> None:
        """One capture of the crawl, in capture order."""
        if record.location:
            target = joined(record.url, record.location)
            if target and self.key(target) != self.key(record.url):
                self.aliases[self.key(record.url)] = self.key(target)
        path = urlsplit(record.url).path
        kind = self.page_kind(record.url)
        if kind is not None and record.status in GONE:
            self.gone.setdefault(_site(record.url), {}).setdefault(self.key(record.url),
                                                                 record.date)
        if path == SITEMAP_PAGES and record.status not in (200, 304):
            self.pages_from_html = self.pages
        if record.status != 200:
            return
        source = record.source
        if path == FEED_PATH and source in ("feed", None):
            self._feed(record, warn)
        elif path.startswith("/sitemap") and source in ("sitemap", None):
            self._sitemap(record, path, warn)
        elif kind is None and source == "pager":  # a listing page of HTML navigation
            self.pager = True
            self._links(record, "pager", warn)
        elif kind is not None and self.pager:
            self._links(record, "pager", warn)
        elif (kind is not None or source == "listing") and self.pages_from_html:
            self._links(record, "html-links", warn)

    def _feed(self, record: Record, warn: Warn) -> None:
        body = self.context.read(record, warn)
        try:
            page = parse_feed(body) if body is not None else None
        except FeedError:
            return  # the crawl found it unusable too, and listed nothing from it
        if page is not None:
            self._add(record, feed_listings(page))

    def _sitemap(self, record: Record, path: str, warn: Warn) -> None:
        body = self.context.read(record, warn)
        try:
            page = sitemap_of(body, blog_root(record.url))[0] if body is not None else None
        except (etree.XMLSyntaxError, StopIteration, ValueError):
            page = None
        if page is None:
            if path == SITEMAP_PAGES:
                self.pages_from_html = self.pages
            return
        self._add(record, sitemap_listings(page, self.pages))

    def _links(self, record: Record, source: str, warn: Warn) -> None:
        body = self.context.read(record, warn)
        if body is None:
            return
        root = blog_root(record.url)
        links = page_links(body, record.url, root)
        home = self.key(record.url) == self.key(root) and self.page_kind(record.url) is None
        if source == "pager" and home and not walkable_home(body, links):
            return  # not taken for a blog (the crawl's verdict), and nothing listed
        if source == "pager":
            self._add(record, link_listings(links, "pager", True, self.pages))
        else:
            self._add(record, link_listings(links, "html-links", False, True))

    def _add(self, record: Record, listings: list[Listing]) -> None:
        root = blog_root(record.url)
        for item in on_blog(listings, self.key, root, record.date):
            self.listed.setdefault(_site(item.url), {}).setdefault(item.url, item)

    def followed(self) -> dict[str, dict[str, str]]:
        """Each redirected URL -> the end of its chain, by site."""
        out: dict[str, dict[str, str]] = {}
        for url in self.aliases:
            seen, end = {url}, url
            while end in self.aliases and self.aliases[end] not in seen and len(seen) < MAX_HOPS:
                end = self.aliases[end]
                seen.add(end)
            out.setdefault(_site(url), {})[url] = end
        return out


def _site(url: str) -> str:
    return urlsplit(url).netloc


def replay_listed(db: Any, crawls: list[list[Record]], context: Context, page_kind: PageKind,
                  warn: Warn, run_of: Callable[[str], int | None] = lambda crawl: None
                  ) -> int:
    """Write what each crawl (its records in capture order) listed, under its run when
    ``run_of`` knows it (a killed crawl caught up; a rebuild has no runs); returns how
    many listing rows were written (a URL listed by several crawls counts once each)."""
    written = 0
    for records in crawls:
        crawl = CrawlListings(context, page_kind, pages=context.pages_on(records[0]))
        crawl.pages_from_html = crawl.pages and not any(
            urlsplit(r.url).path == SITEMAP_PAGES for r in records)  # sitemaps off
        for record in records:
            crawl.read(record, warn)
        for site, listed in crawl.listed.items():
            written += record_listings(db, site, run_of(records[0].crawl), listed.values())
        for site, gone in crawl.gone.items():
            mark_listed_gone(db, site, gone)
        for site, aliases in crawl.followed().items():
            record_post_urls(db, site, aliases)
    return written
