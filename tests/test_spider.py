"""The blogger spider's routing, on fake responses (no network, no reactor)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.models import Post
from goahead_crawler.items import GonePost, PostComments
from goahead_crawler.spiders.blogger import BloggerSpider
from tests.conftest import goahead_crawler

FEEDS = Path(__file__).parent / "data" / "feeds"
ROOT = "https://goaheadnews.blogspot.com/"


def make_spider(**settings: object) -> BloggerSpider:
    crawler = goahead_crawler(BloggerSpider, **settings)
    return BloggerSpider.from_crawler(crawler, url=ROOT)


def feed_response(name: str, url: str) -> TextResponse:
    return TextResponse(url=url, body=(FEEDS / name).read_bytes(), encoding="utf-8",
                        request=Request(url))


def test_feed_page_schedules_canonical_post_pages_and_the_next_page() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
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
        f"{ROOT}feeds/posts/default?alt=json&start-index=3&max-results=150&orderby=published"
    ]
    assert spider.discovery.blog_id == "4462285939513853952"


def test_max_posts_stops_scheduling() -> None:
    spider = make_spider(GOAHEAD_MAX_POSTS=1)
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    out = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    assert [r.callback for r in out] == [spider.parse_post]


def test_a_post_named_twice_is_requested_once() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    first = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    again = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    assert len([r for r in first if r.callback == spider.parse_post]) == 2
    assert [r for r in again if r.callback == spider.parse_post] == []


def test_broken_feed_page_is_counted_not_fatal() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    request = spider._feed_request(1)
    bad = TextResponse(url=url, body=b"<html>Error 500</html>", encoding="utf-8",
                       request=request)
    (retry,) = list(spider.parse_feed_page(bad))  # JSON broken: the same page as Atom
    assert retry.url == f"{ROOT}feeds/posts/default?start-index=1&max-results=150&orderby=published"
    assert retry.meta["goahead_alt"] == "atom"
    assert spider.crawler.stats.get_value("goahead/feed/errors") == 1


def test_pages_sitemap_schedules_static_pages_only() -> None:
    spider = make_spider()
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
        b'sitemap/0.9"><url><loc>https://goaheadnews.blogspot.com/p/about.html</loc></url>'
        b"<url><loc>https://other.example.com/p/x.html</loc></url></urlset>"
    )
    request = spider._sitemap_request(f"{ROOT}sitemap-pages.xml", index=False, pages=True)
    response = XmlResponse(url=request.url, body=body, request=request)
    out = list(spider.parse_sitemap(response))
    assert [r.url for r in out] == [f"{ROOT}p/about.html"]
    assert out[0].cb_kwargs["kind"] == "page"


def test_parse_post_yields_a_post_with_feed_metadata() -> None:
    spider = make_spider()
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
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


# -- discovery routing (issue 3) ---------------------------------------------------------
def http_failure(request: Request, status: int) -> Failure:
    response = HtmlResponse(url=request.url, status=status, body=b"<html></html>",
                            request=request)
    failure = Failure(HttpError(response))
    failure.request = request  # what Scrapy's scraper sets before calling an errback
    return failure


def urlset(*paths: str) -> bytes:
    urls = "".join(f"<url><loc>{ROOT}{p}</loc><lastmod>2024-01-01T00:00:00Z</lastmod></url>"
                   for p in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{urls}</urlset>').encode()


def sitemap_response(spider: BloggerSpider, body: bytes, index: bool = False) -> XmlResponse:
    # the index at /sitemap.xml (one naming itself is not asked again), a page at ?page=1
    url = f"{ROOT}sitemap.xml" if index else f"{ROOT}sitemap.xml?page=1"
    request = spider._sitemap_request(url, index=index)
    return XmlResponse(url=request.url, body=body, request=request)


def test_sitemap_posts_wait_for_the_feed_and_only_missing_ones_are_fetched() -> None:
    spider = make_spider()
    body = urlset("2024/01/blog-post_21.html", "2023/05/only-in-sitemap.html")
    assert list(spider.parse_sitemap(sitemap_response(spider, body))) == []
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    out = list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    feed_done = [r for r in out if r.callback == spider.parse_feed_page] == []
    if not feed_done:  # the sample feed page says more entries follow: end the feed here
        out = list(spider._feed_finished("done"))
    from_sitemap = [r for r in out if r.meta.get("goahead_source") == "sitemap"]
    assert [r.url for r in from_sitemap] == [f"{ROOT}2023/05/only-in-sitemap.html"]
    assert from_sitemap[0].cb_kwargs["lastmod"] == "2024-01-01T00:00:00Z"


def test_sitemap_index_requests_its_pages() -> None:
    spider = make_spider()
    body = (b'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/'
            b'schemas/sitemap/0.9"><sitemap><loc>' + ROOT.encode() + b'sitemap.xml?page=1'
            b"</loc></sitemap></sitemapindex>")
    (child,) = list(spider.parse_sitemap(sitemap_response(spider, body, index=True)))
    assert child.url == f"{ROOT}sitemap.xml?page=1"
    assert spider.discovery.sitemap_state == "ok"


def test_feed_off_and_sitemap_gone_start_the_html_walk() -> None:
    spider = make_spider()
    assert list(spider.feed_failed(http_failure(spider._feed_request(1), 404))) == []
    assert spider.discovery.feed_state == "off"
    index = spider._sitemap_request(f"{ROOT}sitemap.xml", index=True)
    (home,) = list(spider.sitemap_failed(http_failure(index, 404)))
    assert home.url == ROOT
    assert home.callback == spider.parse_listing


def test_a_feed_page_that_keeps_failing_is_skipped() -> None:
    spider = make_spider()
    spider.discovery.feed_total, spider.discovery.feed_step = 400, 150
    failing = spider._feed_request(151, "atom")
    (following,) = list(spider.feed_failed(http_failure(failing, 500)))
    assert following.meta["goahead_start"] == 301
    assert spider.crawler.stats.get_value("goahead/feed/pages_skipped") == 1


def test_a_deleted_post_is_recorded_as_gone() -> None:
    spider = make_spider()
    request = Request(f"{ROOT}2024/01/gone.html?m=1")
    (gone,) = list(spider.post_failed(http_failure(request, 404)))
    assert gone == GonePost(f"{ROOT}2024/01/gone.html", 404)
    assert spider.crawler.stats.get_value("goahead/posts/gone") == 1


POST_WITH_ONE_COMMENT = (
    b"<html><body><div class='post hentry'><h3 class='post-title'>t</h3>"
    b"<div class='post-body entry-content' id='post-body-7001234567890123456'><p>Body text.</p>"
    b"<img src='https://blogger.googleusercontent.com/img/b/x/s640/p.jpg'/></div></div>"
    b"<div class='comments' id='comments'><h4>3 comments:</h4><dl id='comments-block'>"
    b"<dt class='comment-author'>Ann said...</dt><dd class='comment-body'><p>Hello</p></dd>"
    b"</dl></div></body></html>"
)


def post_response(spider: BloggerSpider, **kwargs: object) -> tuple[HtmlResponse, dict]:
    request = Request(f"{ROOT}2024/01/blog-post_21.html")
    response = HtmlResponse(url=request.url, body=POST_WITH_ONE_COMMENT, encoding="utf-8",
                            request=request)
    return response, {"entry": None, "kind": "post", "lastmod": None, **kwargs}


def test_page_with_fewer_comments_than_counted_fetches_the_comments_feed() -> None:
    spider = make_spider()
    response, kwargs = post_response(spider)
    out = list(spider.parse_post(response, **kwargs))
    (feed,) = [r for r in out if isinstance(r, Request) and r.callback == spider.parse_comments_feed]
    assert feed.url.startswith(f"{ROOT}feeds/7001234567890123456/comments/default?alt=json")
    assert not [i for i in out if isinstance(i, PostComments)]


IMAGE = "https://blogger.googleusercontent.com/img/b/x/s640/p.jpg"


def image_response(request: Request, status: int = 200) -> Response:
    return Response(request.url, status=status, body=b"\xff\xd8jpeg", request=request,
                    headers={"Content-Type": "image/jpeg"})


def test_a_post_is_stored_once_its_images_are_captured() -> None:
    spider = make_spider(GOAHEAD_COMMENTS_ENABLED=False)
    response, kwargs = post_response(spider, lastmod="2024-01-01T00:00:00Z")
    out = list(spider.parse_post(response, **kwargs))
    assert [i for i in out if isinstance(i, Post)] == []  # held until its image settles
    (image,) = [r for r in out if isinstance(r, Request)]
    assert image.url == IMAGE
    assert image.meta["goahead_scope"] == "static"  # checked by ScopeGuard, not offsite
    assert image.priority > 0  # before more post pages: held posts stay few
    (post,) = list(spider.parse_static(image_response(image), **image.cb_kwargs))
    assert post.updated == "2024-01-01T00:00:00Z"  # sitemap lastmod, no feed entry
    assert post.images == [IMAGE]
    assert spider.crawler.stats.get_value("goahead/images/captured") == 1


def test_a_failed_image_is_left_out_and_an_image_is_fetched_once() -> None:
    spider = make_spider(GOAHEAD_COMMENTS_ENABLED=False)
    response, kwargs = post_response(spider)
    (image,) = [r for r in spider.parse_post(response, **kwargs) if isinstance(r, Request)]
    other = response.replace(url=f"{ROOT}2024/01/follow-up.html")  # the same photo
    again = list(spider.parse_post(other, **kwargs))
    assert [r for r in again if isinstance(r, Request)] == []
    failure = Failure(HttpError(image_response(image, 404)))
    failure.request = image
    posts = list(spider.static_failed(failure))
    assert [p.images for p in posts] == [[], []]
    assert spider.crawler.stats.get_value("goahead/images/failed") == 1


def test_no_images_stores_the_post_at_once() -> None:
    spider = make_spider(GOAHEAD_COMMENTS_ENABLED=False, GOAHEAD_IMAGES_ENABLED=False)
    response, kwargs = post_response(spider)
    out = list(spider.parse_post(response, **kwargs))
    assert [type(i) for i in out] == [Post]
    assert out[0].images == []  # nothing archived


def test_the_blogs_own_https_redirect_is_adopted_once() -> None:
    crawler = goahead_crawler(BloggerSpider)
    spider = BloggerSpider.from_crawler(crawler, url="http://goaheadnews.blogspot.co.th/")
    assert spider.root == "http://goaheadnews.blogspot.com/"  # country domain, before any request
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    request = spider._feed_request(1)
    response = TextResponse(url=url, body=(FEEDS / "posts-page1.json").read_bytes(),
                            encoding="utf-8", request=request)
    out = list(spider.parse_feed_page(response))
    assert spider.root == ROOT
    assert all(r.url.startswith(ROOT) for r in out)


def test_what_was_listed_before_the_blogs_https_move_is_found_stored_after_it() -> None:
    """A crawl started on http://, its sitemap answering before the feed: the posts it
    listed are noted under http, then the blog moves to https. Those listings (written
    to the archive already, or not yet) lead to the https URLs the posts are stored
    under, so the run does not count them missing."""
    from archive.connection import open_archive
    from archive.listed import missing_listed, record_listings, record_post_urls

    crawler = goahead_crawler(BloggerSpider)
    old_root = ROOT.replace("https:", "http:")
    spider = BloggerSpider.from_crawler(crawler, url=old_root)
    paths = ("2024/01/blog-post_21.html", "2023/05/only-in-sitemap.html")
    body = urlset(*paths).replace(ROOT.encode(), old_root.encode())
    request = spider._sitemap_request(f"{old_root}sitemap.xml?page=1", index=False)
    list(spider.parse_sitemap(XmlResponse(url=request.url, body=body, request=request)))
    db, site = open_archive(":memory:"), "goaheadnews.blogspot.com"
    record_listings(db, site, None, spider.ledger.take_pending()[:1])  # one written early
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    list(spider.parse_feed_page(feed_response("posts-page1.json", url)))  # at https now
    assert spider.root == ROOT
    record_listings(db, site, None, spider.ledger.take_pending())
    record_post_urls(db, site, spider.ledger.take_aliases())
    for path in paths:  # stored where the crawl fetched them
        db.execute("INSERT INTO posts (blog_id, post_id, url, site) VALUES ('b', ?, ?, ?)",
                   [path, ROOT + path, site])
    missing = [m.url for m in missing_listed(db, site)]
    assert missing  # the feed's other posts, which this test does not store
    assert not [url for url in missing if url.endswith(paths)]


def test_posts_stored_under_http_before_the_blogs_https_move_are_not_missing() -> None:
    """The first feed page answered under http and its posts were stored under http; then
    the blog moved. Their listings lead to the https URLs now, and the rows under http
    still count as storing them."""
    from archive.connection import open_archive
    from archive.listed import missing_listed, record_listings, record_post_urls

    crawler = goahead_crawler(BloggerSpider)
    old_root = ROOT.replace("https:", "http:")
    spider = BloggerSpider.from_crawler(crawler, url=old_root)
    body = (FEEDS / "posts-page1.json").read_bytes()
    url = "feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    out = list(spider.parse_feed_page(feed_response_bytes(
        old_root + url, body.replace(ROOT.encode(), old_root.encode()))))
    posts = [r.url for r in out if r.url.endswith(".html")]
    assert posts
    assert all(p.startswith(old_root) for p in posts)
    db, site = open_archive(":memory:"), "goaheadnews.blogspot.com"
    record_listings(db, site, None, spider.ledger.take_pending())
    for n, post in enumerate(posts):
        db.execute("INSERT INTO posts (blog_id, post_id, url, site) VALUES ('b', ?, ?, ?)",
                   [str(n), post, site])
    list(spider.parse_feed_page(feed_response_bytes(ROOT + url, body)))  # moved to https
    assert spider.root == ROOT
    record_listings(db, site, None, spider.ledger.take_pending())
    record_post_urls(db, site, spider.ledger.take_aliases())
    assert not [m for m in missing_listed(db, site) if m.url in posts]


def feed_response_bytes(url: str, body: bytes) -> TextResponse:
    return TextResponse(url=url, body=body, encoding="utf-8", request=Request(url))


def test_discovery_state_survives_a_resumed_job() -> None:
    spider = make_spider()
    spider.state = {}  # what Scrapy's SpiderState sets when JOBDIR is on
    body = urlset("2023/05/only-in-sitemap.html")
    list(spider.parse_sitemap(sitemap_response(spider, body)))  # held until the feed ends
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    spider.closed("shutdown")

    resumed = make_spider()
    resumed.state = spider.state
    assert asyncio.run(_collect(resumed.start())) == []  # the job's queue has the rest
    assert resumed.discovery.blog_id == "4462285939513853952"
    assert list(resumed._schedule(f"{ROOT}2024/01/second.html?m=1", "sitemap")) == []
    released = [r.url for r in resumed._feed_finished("done")]
    assert released == [f"{ROOT}2023/05/only-in-sitemap.html"]


async def _collect(iterator) -> list:
    return [item async for item in iterator]


def test_a_job_saved_before_feed_pages_named_their_order_resumes_by_publication() -> None:
    """A job whose saved state has no ``orderby`` (saved by an older version, or paging by
    start-index still) asks its next feed pages, JSON and Atom, by publication: the order a
    later ``published-max`` cursor relies on."""
    spider = make_spider()
    spider.state = {}
    url = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150"
    list(spider.parse_feed_page(feed_response("posts-page1.json", url)))
    spider.closed("shutdown")
    spider.state["goahead_discovery"]["spider"].pop("feed_extra")

    resumed = make_spider()
    resumed.state = spider.state
    asyncio.run(_collect(resumed.start()))
    for alt in ("json", "atom"):
        assert resumed._feed_request(3, alt).url.endswith(
            "start-index=3&max-results=150&orderby=published")
