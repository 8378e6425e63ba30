"""The blogger spider's routing, on fake responses (no network, no reactor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from archive.models import Post
from goahead_crawler.spiders.blogger import BloggerSpider

FEEDS = Path(__file__).parent / "data" / "feeds"
ROOT = "https://goaheadnews.blogspot.com/"


def make_spider(**settings: object) -> BloggerSpider:
    crawler = get_crawler(BloggerSpider, settings_dict=settings)
    return BloggerSpider.from_crawler(crawler, url=ROOT)


def feed_response(name: str, url: str) -> TextResponse:
    return TextResponse(url=url, body=(FEEDS / name).read_bytes(), encoding="utf-8",
                        request=Request(url))


def test_feed_page_schedules_canonical_post_pages_and_the_next_page() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150"
    out = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    posts = [r for r in out if r.callback == spider.parse_post]
    feeds = [r for r in out if r.callback == spider.parse_feed_page]
    assert [r.url for r in posts] == [
        f"{ROOT}2024/01/blog-post_21.html",
        f"{ROOT}2024/01/second.html",  # ?m=1 dropped
    ]
    assert posts[0].cb_kwargs["entry"].post_id == "7001234567890123456"
    # two entries came back although 150 were asked: the next page starts at 3, on our host
    assert [r.url for r in feeds] == [
        f"{ROOT}feeds/posts/default?alt=json&start-index=3&max-results=150"
    ]
    assert spider.blog_id == "4462285939513853952"


def test_max_posts_stops_scheduling() -> None:
    spider = make_spider(GOAHEAD_MAX_POSTS=1)
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150"
    out = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    assert [r.callback for r in out] == [spider.parse_post]


def test_a_post_named_twice_is_requested_once() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150"
    first = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    again = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    assert len([r for r in first if r.callback == spider.parse_post]) == 2
    assert [r for r in again if r.callback == spider.parse_post] == []


def test_broken_feed_page_is_counted_not_fatal() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150"
    bad = TextResponse(url=url, body=b"<html>Error 500</html>", encoding="utf-8")
    assert list(spider.parse_feed_page(bad)) == []
    assert spider.crawler.stats.get_value("goahead/feed/errors") == 1


def test_pages_sitemap_schedules_static_pages_only() -> None:
    spider = make_spider()
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
        b'sitemap/0.9"><url><loc>https://goaheadnews.blogspot.com/p/about.html</loc></url>'
        b"<url><loc>https://other.example.com/p/x.html</loc></url></urlset>"
    )
    response = XmlResponse(url=f"{ROOT}sitemap-pages.xml", body=body)
    out = list(spider.parse_pages_sitemap(response))
    assert [r.url for r in out] == [f"{ROOT}p/about.html"]
    assert out[0].cb_kwargs["kind"] == "page"


def test_parse_post_yields_a_post_with_feed_metadata() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150"
    request = next(iter(spider.parse_feed_page(feed_response("posts-page1.json", url))))
    html = (
        "<html><head><meta charset='utf-8'><title>x</title></head><body>"
        "<div class='post hentry'><h3 class='post-title entry-title'>อธิบดี</h3>"
        "<div class='post-body entry-content' id='post-body-7001234567890123456'>"
        "<p>ย่อหน้าแรก พัฒนาชุมชน</p><p>Second paragraph.</p></div></div></body></html>"
    ).encode()
    response = HtmlResponse(url=request.url + "?m=1", body=html, encoding="utf-8",
                            request=request)
    (post,) = list(spider.parse_post(response, **request.cb_kwargs))
    assert isinstance(post, Post)
    assert post.url == f"{ROOT}2024/01/blog-post_21.html"
    assert post.post_id == "7001234567890123456"
    assert post.blog_id == "4462285939513853952"
    assert post.labels == ["ข่าว", "พช."]
    assert post.published == "2024-01-21T10:05:00.000+07:00"
    assert "พัฒนาชุมชน" in post.text
    assert "Second paragraph." in post.text


def test_spider_needs_a_url() -> None:
    with pytest.raises(ValueError, match="needs a blog URL"):
        BloggerSpider()
