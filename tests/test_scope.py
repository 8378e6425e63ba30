"""Scope is an origin allow-list: the blog's origins for its pages, Blogger's static hosts
(and named origins) for images and requisites, never ads or trackers."""

from __future__ import annotations

import json

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse

from goahead_crawler.blogger.scope import NotInScope, Scope, origin_of
from goahead_crawler.middleware.failures import FAILURES_KEY, FailureLog
from goahead_crawler.middleware.scope_guard import OutOfScope, ScopeGuard
from goahead_crawler.spiders.blogger import BloggerSpider
from tests.conftest import goahead_crawler

BLOG = "http://127.0.0.1:8000/"
CDN = "http://127.0.0.1:9000"


@pytest.mark.parametrize(("url", "purpose"), [
    ("http://127.0.0.1:8000/2024/01/post.html", "blog"),
    ("http://127.0.0.1:8000/feeds/posts/default?alt=json", "blog"),
    ("http://127.0.0.1:8000/favicon.ico", "static"),
    ("http://127.0.0.1:9000/img/b/x/s1600/p.jpg", "static"),
    ("https://blogger.googleusercontent.com/img/b/x/s1600/p.jpg", "static"),
    ("http://1.bp.blogspot.com/-a/b/c/d/s640/p.jpg", "static"),
    ("https://resources.blogblog.com/img/icon18_edit_allbkg.gif", "static"),
    ("https://www.blogger.com/static/v1/widgets/1-css_bundle_v2.css", "static"),
    ("https://fonts.gstatic.com/s/sarabun/v1/x.ttf", "static"),
    ("https://lh3.googleusercontent.com/-a/b/c/d/s640/p.jpg", "static"),
    ("https://lh7-us.googleusercontent.com/docsz/AD_4n/p.png", "static"),  # from Google Docs
    ("https://themes.googleusercontent.com/image?id=1OACCYOE0", "static"),
    ("http://127.0.0.1:8000/%2e%2e/x.css", "static"),  # the blog's: any path
])
def test_in_scope(url: str, purpose: str) -> None:
    assert Scope(BLOG, [CDN]).refusal(url, purpose) is None


@pytest.mark.parametrize(("url", "purpose", "reason"), [
    # same IP, another port: another service, never the blog
    ("http://127.0.0.1:9999/2024/01/post.html", "blog", "is not the blog's"),
    ("https://127.0.0.1:8000/2024/01/post.html", "blog", "is not the blog's"),
    ("http://127.0.0.1:9000/2024/01/post.html", "blog", "is not the blog's"),  # the CDN
    ("https://blogger.googleusercontent.com/img/b/x/p.jpg", "blog", "is not the blog's"),
    ("http://127.0.0.1:9999/x.png", "static", "neither the blog's"),
    ("https://blogger.googleusercontent.com:8443/img/p.jpg", "static", "neither"),
    ("https://www.blogger.com/profile/123", "static", "neither"),
    ("https://www.blogger.com/share-post.g?blogID=1", "static", "neither"),
    ("https://evil.example/x.png", "static", "neither"),
    ("https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js", "static", "ads or"),
    ("https://www.googletagmanager.com/gtag/js?id=G-1", "static", "ads or trackers"),
    ("https://www.google-analytics.com/analytics.js", "static", "ads or trackers"),
    ("https://apis.google.com/js/platform.js", "static", "ads or trackers"),
    ("https://connect.facebook.net/en_US/sdk.js", "static", "ads or trackers"),
    ("http://user:pass@127.0.0.1:8000/2024/01/post.html", "blog", "credentials"),
    ("javascript:alert(1)", "blog", "not an http(s) URL"),
    ("ftp://127.0.0.1:8000/x", "blog", "not an http(s) URL"),
    ("http://127.0.0.1:99999/x", "blog", "impossible port"),
    ("http:///x", "blog", "no host"),
    # a blogspot look-alike is not a Blogger country domain: not mapped to blogspot.com
    ("https://1.bp.blogspot.evil.example/s1600/x.jpg", "static", "neither"),
    ("http://1.bp.blogspot.co.evil/x.jpg", "static", "neither"),
    # googleusercontent.com also serves anyone's Apps Script pages
    ("https://n-abc123-script.googleusercontent.com/macros/echo.js", "static", "neither"),
    ("https://lh.googleusercontent.com/x.jpg", "static", "neither"),
    # a path under /static/ only until its dot segments are resolved
    ("https://www.blogger.com/static/../comment.g?blogID=1", "static", "neither"),
    ("https://www.blogger.com/static/v1/%2E%2E/../profile/1", "static", "neither"),
])
def test_out_of_scope(url: str, purpose: str, reason: str) -> None:
    refusal = Scope(BLOG, [CDN]).refusal(url, purpose)
    assert refusal is not None
    assert reason in refusal


def test_a_blog_on_a_default_port_owns_both_schemes() -> None:
    scope = Scope("http://news.blogspot.com/")
    assert scope.refusal("https://news.blogspot.com/2024/01/x.html") is None
    assert scope.refusal("https://news.blogspot.com:8443/2024/01/x.html") is not None
    assert scope.refusal("https://other.blogspot.com/2024/01/x.html") is not None
    # a country domain is the same blog (Blogger redirects it to .blogspot.com)
    assert scope.refusal("https://news.blogspot.co.th/2024/01/x.html") is None


def test_origins_compare_without_case_or_default_ports() -> None:
    assert origin_of("HTTPS://News.Blogspot.com:443/x") == origin_of("https://news.blogspot.com/")
    assert str(origin_of("http://127.0.0.1:8000/x")) == "http://127.0.0.1:8000"
    with pytest.raises(NotInScope):
        origin_of("data:text/html,<script>alert(1)</script>")


def test_one_host_however_it_is_spelled_is_one_origin() -> None:
    """A host with its trailing dot, an IDN host in Thai or in IDNA (as Scrapy asks for
    it): one origin. Before, a redirect to ``news.blogspot.com./x`` was off the blog, and
    an IDN blog's static origin given in Thai never matched a request."""
    scope = Scope("https://news.blogspot.com/", static_origins=["https://รูป.example"])
    assert scope.refusal("https://news.blogspot.com./2024/01/x.html") is None
    assert scope.refusal("https://xn--s3cp0e.example/a.jpg", "static") is None
    assert origin_of("https://ข่าว.example/") == origin_of("https://xn--22c8e6a1f.example/")


def test_an_unknown_purpose_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown scope purpose"):
        Scope(BLOG).refusal(BLOG, "anything")


def guard_for(**settings: object) -> tuple[ScopeGuard, FailureLog, object]:
    crawler = goahead_crawler(BloggerSpider, **settings)
    crawler.spider = crawler._create_spider(url=BLOG)
    guard = ScopeGuard.from_crawler(crawler)
    guard.spider_opened()
    return guard, FailureLog.from_crawler(crawler), crawler


def test_a_redirect_to_another_port_is_refused_and_recorded_as_a_failure() -> None:
    guard, failures, crawler = guard_for()
    hop = Request("http://127.0.0.1:9999/2024/01/post.html",
                  meta={"redirect_urls": ["http://127.0.0.1:8000/2024/01/post.html"]})
    with pytest.raises(OutOfScope, match=r"redirected from http://127\.0\.0\.1:8000/") as caught:
        guard.process_request(hop)
    assert isinstance(caught.value, IgnoreRequest)  # the request's errback gets it
    failures.process_exception(hop, caught.value)
    (failure,) = json.loads(crawler.stats.get_value(FAILURES_KEY))
    assert failure["url"] == "http://127.0.0.1:8000/2024/01/post.html"  # the post as asked
    assert "is not the blog's" in failure["error"]
    assert "http://127.0.0.1:9999" in failure["error"]  # the origin it refused
    assert crawler.stats.get_value("goahead/scope/refused") == 1


def test_images_need_the_static_purpose_and_named_origins_count() -> None:
    guard, _, _ = guard_for(GOAHEAD_STATIC_ORIGINS=[CDN])
    image = f"{CDN}/img/b/x/s1600/p.jpg"
    assert guard.process_request(Request(image, meta={"goahead_scope": "static"})) is None
    with pytest.raises(OutOfScope):
        guard.process_request(Request(image))  # not as one of the blog's pages
    robots = Request(f"{CDN}/robots.txt", meta={"dont_obey_robotstxt": True})
    assert guard.process_request(robots) is None
    with pytest.raises(OutOfScope):
        guard.process_request(Request("http://127.0.0.1:7777/robots.txt",
                                      meta={"dont_obey_robotstxt": True}))


def test_the_guard_follows_the_blogs_adopted_root() -> None:
    guard, _, crawler = guard_for()
    spider = crawler.spider
    assert guard.scope is spider.scope
    moved = HtmlResponse("http://127.0.0.1:8000/feeds/posts/default", body=b"")
    spider._adopt_root(moved)  # the same origin: nothing changes, nothing breaks
    assert guard.process_request(Request("http://127.0.0.1:8000/p/about.html")) is None


def test_a_spider_without_a_blog_root_is_not_limited() -> None:
    from scrapy import Spider

    crawler = goahead_crawler(Spider)
    crawler.spider = crawler._create_spider(name="plain")
    guard = ScopeGuard.from_crawler(crawler)
    assert guard.process_request(Request("http://127.0.0.1:1234/anything")) is None


def test_static_hosts_get_a_download_slot_of_their_own() -> None:
    """Politeness per host: the CDN (another port of the blog's host name) is not the blog's
    slot; it gets GOAHEAD_STATIC_CONCURRENCY unless DOWNLOAD_SLOTS says otherwise; the
    blog's own images stay in the blog's slot."""
    from scrapy.core.engine import ExecutionEngine

    from goahead_crawler.middleware.static_slots import StaticSlots

    crawler = goahead_crawler(BloggerSpider, GOAHEAD_STATIC_CONCURRENCY=3,
                              DOWNLOAD_SLOTS={"fonts.gstatic.com": {"concurrency": 1}},
                              DOWNLOAD_HANDLERS={"http": None, "https": None})
    crawler.spider = crawler._create_spider(url=BLOG)
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    slots = StaticSlots.from_crawler(crawler)
    requests = [Request(url, meta={"goahead_scope": "static"}) for url in (
        f"{CDN}/img/b/x/s1600/p.jpg", "https://fonts.gstatic.com/s/x.ttf", f"{BLOG}favicon.ico")]
    requests.append(Request(f"{BLOG}2024/01/post.html"))
    for request in requests:
        slots.process_request(request)
    assert [r.meta.get("download_slot") for r in requests] == [
        "127.0.0.1:9000", "fonts.gstatic.com", None, None]
    assert crawler.engine.downloader.per_slot_settings == {
        "127.0.0.1:9000": {"concurrency": 3}, "fonts.gstatic.com": {"concurrency": 1}}


def test_a_blogspot_look_alike_is_not_the_blog() -> None:
    scope = Scope("https://myblog.blogspot.com/")
    assert scope.refusal("https://myblog.blogspot.de/2024/01/x.html", "blog") is None
    assert scope.refusal("https://myblog.blogspot.co.th/2024/01/x.html", "blog") is None
    for host in ("myblog.blogspot.attacker.net", "myblog.blogspot.com.evil.example",
                 "myblog.blogspot.xyz"):
        assert scope.refusal(f"https://{host}/2024/01/x.html", "blog") is not None, host
