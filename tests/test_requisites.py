"""Images and page requisites: what a page shows and loads, found in literal HTML and CSS;
each URL claimed once; posts held until their images settle; ads and trackers refused."""

from __future__ import annotations

import pytest
from lxml import html
from scrapy import Request

from goahead_crawler.blogger.images import (
    archived_images,
    element_images,
    fetchable,
    is_image_url,
    srcset_urls,
)
from goahead_crawler.blogger.requisites import (
    MAX_URLS,
    css_requisites,
    listing_images,
    page_requisites,
)
from goahead_crawler.blogger.scope import Scope
from goahead_crawler.blogger.static_frontier import StaticFrontier
from goahead_crawler.blogger.urls import month_archive_url
from goahead_crawler.extract import extract_article
from sampleblog.statics import AD_TRACKER_URLS

PAGE = "https://news.blogspot.com/2024/01/post.html"
CDN = "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEx"


@pytest.mark.parametrize(("value", "urls"), [
    ("a.jpg 1x, b.jpg 2x", ["a.jpg", "b.jpg"]),
    ("a.jpg, b.jpg", ["a.jpg", "b.jpg"]),
    ("https://x/p=w640-h426 640w,https://x/p=s1600 1600w",
     ["https://x/p=w640-h426", "https://x/p=s1600"]),
    ("a,b.jpg 1x, c.jpg (x, y) 2x, d.jpg", ["a,b.jpg", "c.jpg", "d.jpg"]),  # commas in URLs
    ("", []),
    (None, []),
])
def test_srcset_urls(value: str | None, urls: list[str]) -> None:
    assert srcset_urls(value) == urls


@pytest.mark.parametrize(("url", "image"), [
    (f"{CDN}/s1600/photo.jpg", True),
    ("https://blogger.googleusercontent.com/img/a/AVvXsEh1=s1600", True),  # no extension
    ("http://127.0.0.1:9000/img/a/AVvXsEh1=s1600", True),  # a stand-in CDN: Blogger's path
    ("https://1.bp.blogspot.com/-a/b/c/d/s1600/p.jpg", True),
    ("https://news.example/photos/p.JPEG", True),
    ("https://news.blogspot.com/2024/01/other-post.html", False),
    ("https://twitter.com/share?url=x", False),
])
def test_is_image_url(url: str, image: bool) -> None:
    assert is_image_url(url) is image


def test_element_images_take_src_srcset_and_the_full_size_link() -> None:
    body = html.fromstring(
        f'<div><a href="{CDN}/s1600/a.jpg"><img src="{CDN}/s640/a.jpg"'
        f' srcset="{CDN}/s320/a.jpg 320w, {CDN}/s640/a.jpg 640w"></a>'
        f'<a href="/2024/01/other.html"><img src="/thumb.png"></a>'  # a link to a post
        f'<picture><source srcset="/b.webp"><img src="data:image/gif;base64,R0"></picture>'
        f'<img src="  /c.gif#frag  "><img></div>')
    assert element_images(body, PAGE) == [
        f"{CDN}/s640/a.jpg", f"{CDN}/s320/a.jpg", f"{CDN}/s1600/a.jpg",
        "https://news.blogspot.com/thumb.png", "https://news.blogspot.com/b.webp",
        "https://news.blogspot.com/c.gif",
    ]


PHOTO = "http://5.bp.blogspot.com/-a/b/c/d/s640/up.jpg"


@pytest.mark.parametrize("spelling", [
    PHOTO,
    "http://5.BP.blogspot.com/-a/b/c/d/s640/up.jpg",
    "HTTP://5.bp.blogspot.com:80/-a/b/c/d/s640/up.jpg",
    "http://5.bp.blogspot.com./-a/b/c/d/s640/up.jpg",
    f"{PHOTO}#zoom",
    "  //5.bp.blogspot.com/-a/b/c/d/s640/up.jpg ",
])
def test_spellings_of_one_image_are_one_url(spelling: str) -> None:
    """One image however the page writes it: fetched once, listed once."""
    assert fetchable(spelling, "http://news.blogspot.com/") == PHOTO


def test_an_image_is_named_as_it_is_fetched_and_archived() -> None:
    """The name the crawl claims and lists is the one Scrapy requests and the WARC records
    (what ``goahead warc-get`` and a replay look up)."""
    for value, expected in (
            ("/-a/b/c/d/s640/café photo.jpg",
             "http://5.bp.blogspot.com/-a/b/c/d/s640/caf%C3%A9%20photo.jpg"),
            ("https://bücher.example:8443/x.jpg", "https://xn--bcher-kva.example:8443/x.jpg"),
            ("http://[::1]:8080/x.jpg", "http://[::1]:8080/x.jpg")):
        url = fetchable(value, "http://5.bp.blogspot.com/")
        assert url == expected
        assert Request(url).url == url


def test_a_url_scrapy_cannot_request_stays_as_written() -> None:
    """It is asked for and fails, counted (tests/test_images_crawl.py), never dropped."""
    url = "https://\uff3c.bp.blogspot.com/x.jpg"
    assert fetchable(url, PAGE) == url
    with pytest.raises(ValueError, match="NFKC"):
        Request(url)


def test_element_images_list_one_image_once_whatever_its_spelling() -> None:
    body = html.fromstring(
        f'<div><a href="http://5.BP.blogspot.com/-a/b/c/d/s1600/up.jpg"><img src="{PHOTO}">'
        f'</a><img src="http://5.bp.blogspot.com:80/-a/b/c/d/s640/up.jpg"></div>')
    assert element_images(body, PAGE) == [PHOTO, PHOTO.replace("s640", "s1600")]


def test_the_article_lists_its_images_and_the_photos_they_open() -> None:
    page = (f"<html><body><div class='post'><h3 class='post-title'>T</h3>"
            f"<div class='post-body'><p>Text</p><a href='{CDN}/s1600/a.jpg'>"
            f"<img src='{CDN}/s640/a.jpg'></a></div></div>"
            f"<div class='sidebar'><img src='{CDN}/s72-c/b.jpg'></div></body></html>").encode()
    article = extract_article(page, PAGE)
    assert article.images == [f"{CDN}/s640/a.jpg"]  # what the body shows
    assert article.image_urls == [f"{CDN}/s640/a.jpg", f"{CDN}/s1600/a.jpg"]  # captured


def test_archived_images_keep_order_and_leave_out_the_rest() -> None:
    urls = ["a", "b", "c", "a"]
    assert archived_images(urls, {"c", "a"}.__contains__) == ["a", "c"]


POST_PAGE = f"""<!DOCTYPE html><html><head>
<link rel="icon" href="/favicon.ico"><link rel="canonical" href="{PAGE}">
<link rel="alternate" href="/feeds/posts/default">
<link href="https://www.blogger.com/static/v1/widgets/1-css_bundle_v2.css" rel="stylesheet">
<link rel="preload" as="font" href="//fonts.gstatic.com/s/x.woff2">
<script src="https://www.blogger.com/static/v1/widgets/2-widgets.js"></script>
<script>var x = "url(/not-css.png)";</script>
<style>@font-face{{src:url('https://fonts.gstatic.com/s/sarabun.ttf')}}
#header{{background:url("//resources.blogblog.com/tile.png") repeat-x}}
.x{{background:url(data:image/png;base64,AAAA)}}</style>
</head><body background="/bg.gif"><div style="background-image: url( /hero.jpg )"></div>
<img src="{CDN}/s1600/logo.png"><a href="{CDN}/s1600/a.jpg"><img src="{CDN}/s640/a.jpg"></a>
<a href="/p/about.html">About</a></body></html>"""


def test_page_requisites_are_what_the_page_loads() -> None:
    assert page_requisites(POST_PAGE.encode(), PAGE) == [
        "https://news.blogspot.com/favicon.ico",
        "https://www.blogger.com/static/v1/widgets/1-css_bundle_v2.css",
        "https://fonts.gstatic.com/s/x.woff2",
        "https://www.blogger.com/static/v1/widgets/2-widgets.js",
        "https://news.blogspot.com/bg.gif",
        f"{CDN}/s1600/logo.png",
        f"{CDN}/s640/a.jpg",
        "https://fonts.gstatic.com/s/sarabun.ttf",
        "https://resources.blogblog.com/tile.png",
        "https://news.blogspot.com/hero.jpg",
        f"{CDN}/s1600/a.jpg",
    ]


def test_page_requisites_respect_base_and_bounds() -> None:
    page = b"<html><head><base href='https://cdn.example/x/'></head><body><img src='a.png'>"
    assert page_requisites(page, PAGE) == ["https://cdn.example/x/a.png"]
    many = "".join(f"<img src='/{i}.png'>" for i in range(MAX_URLS + 50))
    assert len(page_requisites(f"<html><body>{many}</body></html>", PAGE)) == MAX_URLS
    assert page_requisites(b"", PAGE) == []
    assert page_requisites(b"\x00\x01 not html", PAGE) == []


def test_css_requisites_resolve_against_the_stylesheet() -> None:
    css = (b"@import 'more.css'; @import url(\"print.css\");"
           b".a{background:url(../img/share.png)} .b{src:url( //fonts.gstatic.com/f.ttf )}"
           b".c{background:URL(#svg)} .d{background:url()}")
    url = "https://www.blogger.com/static/v1/widgets/css_bundle.css"
    assert css_requisites(css, url) == [
        "https://www.blogger.com/static/v1/widgets/more.css",
        "https://www.blogger.com/static/v1/widgets/print.css",
        "https://www.blogger.com/static/v1/img/share.png",
        "https://fonts.gstatic.com/f.ttf",
    ]


def test_listing_images_are_those_of_its_posts() -> None:
    page = (f"<html><body><img src='{CDN}/s1600/logo.png'>"
            f"<div class='post'><div class='post-body entry-content'>"
            f"<a href='{CDN}/s1600/a.jpg'><img src='{CDN}/s320/a.jpg'></a></div></div>"
            f"<div itemprop='articleBody'><img src='/b.png'></div></body></html>").encode()
    assert listing_images(page, "https://news.blogspot.com/") == [
        f"{CDN}/s320/a.jpg", f"{CDN}/s1600/a.jpg", "https://news.blogspot.com/b.png"]


def test_month_archive_url() -> None:
    assert month_archive_url(PAGE) == "https://news.blogspot.com/2024/01/"
    with pytest.raises(ValueError, match="not a post URL"):
        month_archive_url("https://news.blogspot.com/p/about.html")


# -- the deny list ------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    *AD_TRACKER_URLS,  # what the sample blog's templates embed
    "https://securepubads.g.doubleclick.net/tag/js/gpt.js",
    "https://www.googleadservices.com/pagead/conversion.js",
    "https://ssl.google-analytics.com/ga.js",
    "https://www.facebook.com/tr?id=1",
    "https://platform.twitter.com/widgets.js",
    "https://s7.addthis.com/js/300/addthis_widget.js",
    "https://news.blogspot.com/pagead/show_ads.js",  # by path, even on the blog's origin
    "https://news.blogspot.com/js/analytics.js",
    "https://blogger.googleusercontent.com/gtag/js?id=G-1",
    "https://www.blogger.com/comment/frame/1?po=2",  # www.blogger.com outside its statics
    "https://www.blogger.com/share-post.g?blogID=1",
    "https://www.blogger.com/profile/123",
    "https://www.blogger.com/navbar.g?targetBlogID=1",
    "https://news.example/style.css",  # another site's files
])
def test_ads_trackers_and_other_sites_are_never_requisites(url: str) -> None:
    assert Scope("https://news.blogspot.com/").refusal(url, "static") is not None


def test_blogger_statics_are_requisites() -> None:
    scope = Scope("https://news.blogspot.com/")
    for url in ("https://www.blogger.com/static/v1/widgets/1-css_bundle_v2.css",
                "https://www.blogger.com/img/share_buttons_20_3.png",
                "https://resources.blogblog.com/img/blank.gif",
                "https://news.blogspot.com/favicon.ico", f"{CDN}/s1600/a.jpg"):
        assert scope.refusal(url, "static") is None, url


# -- one claim per URL, posts held until their images settle ------------------------------
def test_each_url_is_claimed_once() -> None:
    frontier = StaticFrontier()
    assert frontier.claim("a") is True
    assert frontier.claim("a") is False
    assert frontier.pending() == ["a"]


def test_a_post_is_held_until_its_last_image_settles() -> None:
    frontier = StaticFrontier()
    for url in ("a", "b", "c"):
        frontier.claim(url)
    frontier.settle("c", ok=True)
    assert frontier.hold("p1", "post 1", ["a", "b", "c"]) is True
    assert frontier.hold("p2", "post 2", ["b"]) is True
    assert frontier.hold("p3", "post 3", ["c", "out-of-scope"]) is False  # nothing pending
    assert frontier.settle("a", ok=True) == []
    released = frontier.settle("b", ok=False)
    assert [(h.key, h.item, h.urls) for h in released] == [
        ("p1", "post 1", ["a", "b", "c"]), ("p2", "post 2", ["b"])]
    assert [u for u in "abc" if frontier.captured(u)] == ["a", "c"]
    assert frontier.settle("b", ok=True) == []  # settles once: a second answer changes nothing
    assert frontier.counts() == {"pending": 0, "captured": 2, "failed": 1}


def test_a_post_held_again_is_released_once_as_it_was_held_last() -> None:
    """A killed crawl's post, held for its images, fetched again by this crawl: the later
    hold replaces the earlier one, and a post no longer waiting is never released stale."""
    frontier = StaticFrontier()
    for url in ("a", "b"):
        frontier.claim(url)
    frontier.hold("p1", "stored earlier", ["a"])
    assert frontier.hold("p1", "fetched now", ["b"]) is True
    assert frontier.settle("a", ok=True) == []
    assert [h.item for h in frontier.settle("b", ok=True)] == ["fetched now"]
    frontier.claim("c")
    frontier.hold("p2", "stored earlier", ["c"])
    assert frontier.hold("p2", "fetched now", ["a"]) is False  # complete now: not held
    assert frontier.settle("c", ok=True) == []


def test_the_frontier_survives_a_resumed_job() -> None:
    frontier = StaticFrontier()
    frontier.claim("a")
    frontier.claim("b")
    frontier.settle("b", ok=True)
    frontier.hold("p1", {"title": "t"}, ["a", "b"])
    again = StaticFrontier()
    again.restore(frontier.snapshot())
    assert again.claim("b") is False
    (held,) = again.settle("a", ok=True)
    assert held.item == {"title": "t"}


# -- the command line -----------------------------------------------------------------------
def test_a_bad_static_origin_is_one_line_before_any_crawl(tmp_path) -> None:
    from click.testing import CliRunner

    from goahead_crawler.cli import cli

    result = CliRunner().invoke(cli, ["crawl", "https://news.blogspot.com/", "--db",
                                      str(tmp_path / "a.db"), "--static-origin", "cdn.example"])
    assert result.exit_code == 2
    assert "Invalid value for --static-origin: not an http(s) URL: 'cdn.example'" in result.output
    assert not (tmp_path / "a.db").exists()


def test_capture_flags_become_settings() -> None:
    from goahead_crawler.cli.crawl import capture_overrides

    assert capture_overrides(True, False, (), False) == {}  # sites.toml decides per blog
    assert capture_overrides(False, True, ("http://127.0.0.1:9000",), True) == {
        "GOAHEAD_IMAGES_ENABLED": False, "GOAHEAD_REQUISITES_ENABLED": True,
        "GOAHEAD_STATIC_ORIGINS": ["http://127.0.0.1:9000"]}


# -- bounds that say so ----------------------------------------------------------------
def _spider() -> tuple[object, object]:
    from goahead_crawler.spiders.blogger import BloggerSpider
    from tests.conftest import goahead_crawler

    crawler = goahead_crawler(BloggerSpider)
    return crawler._create_spider(url="https://news.blogspot.com/"), crawler.stats


def test_a_post_past_the_image_cap_says_so(caplog: pytest.LogCaptureFixture) -> None:
    """A bound on what a page can make the crawl fetch, never a silent one: the run's
    log and stats say that a page's images past the cap were not captured."""
    from scrapy.http import HtmlResponse

    from goahead_crawler.blogger.images import MAX_IMAGES
    from goahead_crawler.items import page_post

    spider, stats = _spider()
    for count, said in ((MAX_IMAGES - 1, False), (MAX_IMAGES + 10, True)):
        images = "".join(f'<img src="https://1.bp.blogspot.com/-a/{count}/c/d/s640/{n}.jpg">'
                         for n in range(count))
        body = (f"<html><body><div class='post'><h3 class='post-title'>T</h3><div"
                f" class='post-body'><p>Text</p>{images}</div></div></body></html>").encode()
        url = f"{PAGE}?{count}"
        article, post = page_post(url, body, page_url=url)
        caplog.clear()
        out = list(spider._capture_post(HtmlResponse(url, body=body, request=Request(url)),
                                        article, post))
        assert len(out) == min(count, MAX_IMAGES)  # a request each; the post held for them
        assert (f"names {MAX_IMAGES} or more image URLs" in caplog.text) is said
    assert stats.get_value("goahead/images/capped_pages") == 1


def test_one_srcset_naming_more_images_than_the_cap_is_capped_too() -> None:
    """The cap was checked between elements only: one ``<img>`` whose ``srcset`` named
    20,000 candidates made 20,000 image requests, while the log said only the first
    5,000 were captured."""
    from goahead_crawler.blogger.images import MAX_IMAGES
    from goahead_crawler.items import page_post

    srcset = ", ".join(f"https://1.bp.blogspot.com/-a/b/c/d/s{n}/x.jpg {n + 1}w"
                       for n in range(4 * MAX_IMAGES))
    body = (f"<html><body><div class='post'><h3 class='post-title'>T</h3><div"
            f" class='post-body'><p>Text</p><img src='https://1.bp.blogspot.com/-a/b/c/d/"
            f"s0/x.jpg' srcset='{srcset}'></div></div></body></html>").encode()
    article, _ = page_post(PAGE, body, page_url=PAGE)
    assert len(article.image_urls) == MAX_IMAGES


def test_requisites_stop_at_the_crawls_budget_and_say_so(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stylesheets naming new stylesheets, three deep, could name millions of URLs on the
    blog's own host: past the crawl's budget none is asked for, said once."""
    from goahead_crawler.spiders import capture

    monkeypatch.setattr(capture, "MAX_REQUISITES", 3)
    spider, stats = _spider()
    urls = [f"https://news.blogspot.com/s{n}.css" for n in range(5)]
    asked = [r.url for r in spider._static_requests(urls, "requisite", PAGE)]
    again = [r.url for r in spider._static_requests(urls[:3], "requisite", PAGE)]
    assert asked == urls[:3]
    assert again == []  # claimed already: not asked twice, not counted against the budget
    assert stats.get_value("goahead/requisites/over_budget") == 2
    assert caplog.text.count("asked for 3 requisites, its limit") == 1


def test_a_resumed_job_asks_for_a_held_posts_images_on_its_behalf() -> None:
    """The images a stopped job's held post waits for are asked again naming the post
    (the WARC's ``via``): the rebuild then gives the post the images the crawl gave it."""
    from goahead_crawler.items import page_post

    spider, _ = _spider()
    image = "https://1.bp.blogspot.com/-a/b/c/d/s640/photo.jpg"
    body = (f"<html><body><div class='post'><h3 class='post-title'>T</h3><div"
            f" class='post-body'><p>Text</p><img src='{image}'></div></div></body></html>"
            ).encode()
    _, post = page_post(PAGE, body)
    spider.statics.claim(image)
    spider.statics.claim("https://news.blogspot.com/style.css")
    spider.statics.hold(post.url, post, [image])
    saved = spider._capture_snapshot()
    again, _ = _spider()
    asked = {r.url: (r.cb_kwargs["kind"], r.meta.get("goahead_parent"))
             for r in again._capture_restore(saved)}
    assert asked == {image: ("image", post.url),
                     "https://news.blogspot.com/style.css": ("requisite", None)}


def test_a_resumed_job_settles_the_images_of_a_killed_crawls_posts_once() -> None:
    """A job resumed after a kill both restores what it held and catches up the killed
    crawl's posts: an image the job had captured before is not asked again, and a post
    waiting for it is not held for ever (the job's saved state no longer overwrites the
    catch-up's claims)."""
    import asyncio

    done, waiting = ("https://1.bp.blogspot.com/-a/b/c/d/s640/done.jpg",
                     "https://1.bp.blogspot.com/-a/b/c/d/s640/new.jpg")
    spider, _ = _spider()
    spider.state = {}
    spider.statics.claim(done)
    spider.statics.settle(done, ok=True)
    spider.closed("shutdown")
    again, _ = _spider()
    again.state = spider.state
    again.posts_caught_up({PAGE: [done, waiting]})

    async def requests() -> list:
        return [r.url async for r in again.start()]

    assert asyncio.run(requests()) == [waiting]
    assert again.statics.held[PAGE].pending == {waiting}
    again.statics.settle(waiting, ok=True)
    assert again.statics.held == {}


def test_a_job_saved_before_upper_case_escapes_resumes_with_the_urls_spelled_now() -> None:
    """A job stopped by a version that fetched an image as a page spelled it
    (``%e0%b8%81``) resumed with those spellings: the image it had captured was asked
    again when a post named it as the crawl spells it now (``%E0%B8%81``), and the held
    post kept the old spelling in its ``images`` field. Respelled on restore: one URL."""
    from goahead_crawler.blogger.urls import request_url
    from goahead_crawler.items import page_post

    spider, _ = _spider()
    done, waiting = (f"https://1.bp.blogspot.com/-a/b/c/d/s640/%e0%b8%8{n}.jpg" for n in (1, 2))
    body = (b"<html><body><div class='post'><h3 class='post-title'>T</h3><div"
            b" class='post-body'><p>Text</p></div></div></body></html>")
    _, post = page_post(PAGE, body)
    for url in (done, waiting):
        spider.statics.claim(url)
    spider.statics.settle(done, ok=True)
    spider.statics.hold(post.url, post, [done, waiting])
    saved = spider._capture_snapshot()
    again, _ = _spider()
    asked = [r.url for r in again._capture_restore(saved)]
    assert asked == [request_url(waiting)]
    assert not again.statics.claim(request_url(done))  # captured before: not asked again
    assert again.statics.held[post.url].urls == [request_url(done), request_url(waiting)]
    assert again.statics.held[post.url].pending == {request_url(waiting)}
