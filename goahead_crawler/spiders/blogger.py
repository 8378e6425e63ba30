"""The ``blogger`` spider: routes requests only (feed -> post pages, sitemap -> static pages).

Parsing is done by pure functions in ``goahead_crawler.blogger`` and ``goahead_crawler.extract``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap

from goahead_crawler.blogger.feed import FeedEntry, FeedError, next_start_index, parse_feed
from goahead_crawler.blogger.urls import (
    blog_root,
    canonical_url,
    feed_page_url,
    is_static_page_path,
    same_blog,
)
from goahead_crawler.extract import extract_article
from goahead_crawler.items import build_post


class BloggerSpider(scrapy.Spider):
    """Archive every post and static page of one Blogger blog.

    ``scrapy crawl blogger -a url=https://example.blogspot.com/``
    """

    name = "blogger"

    def __init__(self, url: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not url:
            raise ValueError("the blogger spider needs a blog URL: -a url=https://NAME.blogspot.com/")
        self.root = blog_root(url)
        self.allowed_domains = [self.root.split("://", 1)[1].strip("/").split(":")[0]]
        self.blog_id: str | None = None
        self.scheduled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BloggerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.page_size = settings.getint("GOAHEAD_FEED_PAGE_SIZE", 150)
        spider.max_posts = int(kwargs.get("max_posts") or settings.getint("GOAHEAD_MAX_POSTS", 0))
        spider.pages_enabled = settings.getbool("GOAHEAD_PAGES_ENABLED", True)
        if spider.page_size < 1:
            raise ValueError("GOAHEAD_FEED_PAGE_SIZE must be a positive number")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._feed_request(1)
        if self.pages_enabled:
            yield scrapy.Request(
                self.root + "sitemap-pages.xml",
                callback=self.parse_pages_sitemap,
                meta={"goahead_source": "sitemap-pages"},
            )

    def _feed_request(self, start_index: int) -> scrapy.Request:
        return scrapy.Request(
            feed_page_url(self.root, start_index, self.page_size),
            callback=self.parse_feed_page,
            meta={"goahead_source": "feed"},
        )

    def _stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"goahead/{key}", count)

    def parse_feed_page(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            page = parse_feed(response.body)
        except FeedError as exc:
            self._stat("feed/errors")
            self.logger.error("Unusable feed page %s: %s", response.url, exc)
            return
        self._stat("feed/pages")
        self.blog_id = self.blog_id or page.blog_id
        for entry in page.entries:
            yield from self._post_request(entry.url, "feed", entry=entry)
        following = next_start_index(page)
        if following is not None and not self._limit_reached():
            yield self._feed_request(following)

    def parse_pages_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            sitemap = Sitemap(response.body)
            urls = [entry["loc"] for entry in sitemap if "loc" in entry]
        except (etree.XMLSyntaxError, ValueError, StopIteration) as exc:
            self._stat("sitemap/errors")
            self.logger.warning("Unusable sitemap %s: %s", response.url, exc)
            return
        for url in urls:
            if is_static_page_path(url):
                yield from self._post_request(url, "sitemap-pages", kind="page")

    def _limit_reached(self) -> bool:
        return bool(self.max_posts) and len(self.scheduled) >= self.max_posts

    def _post_request(
        self, url: str, source: str, *, entry: FeedEntry | None = None, kind: str = "post"
    ) -> Iterator[scrapy.Request]:
        url = canonical_url(url)
        self._stat(f"found/{source}")
        if not same_blog(url, self.root):
            self._stat("offsite")
            return
        if url in self.scheduled or (kind == "post" and self._limit_reached()):
            return
        self.scheduled.add(url)
        yield scrapy.Request(
            url,
            callback=self.parse_post,
            cb_kwargs={"entry": entry, "kind": kind},
            meta={"goahead_source": source},
        )

    def parse_post(self, response: Response, entry: FeedEntry | None, kind: str) -> Iterator[Any]:
        encoding = getattr(response, "encoding", None)
        article = extract_article(response.body, response.url, entry, encoding=encoding)
        url = canonical_url(entry.url) if entry else canonical_url(response.url)
        self._stat(f"archived/{kind}s")
        yield build_post(
            url,
            article,
            entry,
            kind=kind,
            blog_id=self.blog_id,
            capture=response.meta.get("warc_capture"),
        )
