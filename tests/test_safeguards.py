"""What the crawler does with what a server should not have sent, unit by unit (issue 13):
feed entries of odd shape, loops that make no progress, redirects that go nowhere, blogs
that are not there, settings that cannot work. Whole crawls are in test_hostile.py."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy import Request
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.http import HtmlResponse, TextResponse

from goahead_crawler import config
from goahead_crawler.blogger import identity
from goahead_crawler.blogger.feed import parse_feed
from goahead_crawler.cli import cli
from goahead_crawler.spiders.blogger import BloggerSpider
from goahead_crawler.spiders.redirects import RedirectLedger
from tests.conftest import goahead_crawler, paced_settings
from tests.test_spider import (
    FEEDS,
    ROOT,
    http_failure,
    make_spider,
    sitemap_response,
    urlset,
)

FEED_URL = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"


def feed_doc() -> dict:
    return json.loads((FEEDS / "posts-page1.json").read_bytes())


def feed_page(spider: BloggerSpider, doc: dict, start: int = 1) -> list:
    request = spider._feed_request(start)
    response = TextResponse(url=request.url, body=json.dumps(doc).encode(), encoding="utf-8",
                            request=request)
    return list(spider.parse_feed_page(response))


# -- feed entries of unexpected shape -------------------------------------------------------
def test_odd_shapes_are_read_where_the_meaning_is_plain() -> None:
    doc = feed_doc()
    first = doc["feed"]["entry"][0]
    first["category"], first["author"] = "ข่าว", {"name": {"$t": "Somchai"}}
    first["thr$total"] = 7
    doc["feed"]["openSearch$totalResults"] = 3
    page = parse_feed(json.dumps(doc).encode())
    assert page.total == 3
    assert not page.skipped
    entry = page.entries[0]
    assert (entry.labels, entry.author, entry.comment_count) == (["ข่าว"], "Somchai", 7)


@pytest.mark.parametrize(("change", "reason"), [
    (lambda e: e["id"].update({"$t": 12345}), "not a Blogger entry id"),
    (lambda e: e.update(title=["a", "list"]), "expected text, found list"),
    (lambda e: e.update(link="http://x/"), "link is a str"),
    (lambda e: e.update(category=[1, 2]), "category is a list, not a list of objects"),
])
def test_an_entry_that_cannot_be_read_is_skipped_and_named(change, reason: str) -> None:
    doc = feed_doc()
    change(doc["feed"]["entry"][0])
    page = parse_feed(json.dumps(doc).encode())
    assert len(page.entries) == 1  # the other entry is kept
    (skipped,) = page.skipped
    assert reason in skipped.reason
    assert skipped.name


def test_a_skipped_entry_with_a_link_is_still_fetched_without_it() -> None:
    spider = make_spider()
    doc = feed_doc()
    doc["feed"]["entry"][0]["id"]["$t"] = 12345
    posts = {r.url: r for r in feed_page(spider, doc) if r.callback == spider.parse_post}
    assert set(posts) == {f"{ROOT}2024/01/second.html", f"{ROOT}2024/01/blog-post_21.html"}
    assert posts[f"{ROOT}2024/01/blog-post_21.html"].cb_kwargs["entry"] is None
    assert spider.crawler.stats.get_value("goahead/feed/entries_skipped") == 1


def test_held_sitemap_posts_are_released_when_the_feed_never_finishes() -> None:
    spider = make_spider()
    list(spider.parse_sitemap(sitemap_response(spider, urlset("2023/05/only-here.html"))))
    spider.crawler.engine = _Engine()
    with pytest.raises(DontCloseSpider):
        spider.spider_idle()  # the feed is still "running": its last page never came back
    assert [r.url for r in spider.crawler.engine.crawled] == [f"{ROOT}2023/05/only-here.html"]
    assert spider.crawler.stats.get_value("goahead/feed/unfinished") == 1


class _Engine:
    def __init__(self) -> None:
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


# -- loops that make no progress ------------------------------------------------------------
def test_a_feed_page_with_nothing_new_ends_the_feed() -> None:
    spider = make_spider()
    doc = feed_doc()
    doc["feed"]["openSearch$totalResults"] = {"$t": "1000000000"}
    first = feed_page(spider, doc)
    assert [r.meta["goahead_start"] for r in first if r.callback == spider.parse_feed_page] \
        == [3]
    again = feed_page(spider, doc, start=3)  # the same entries for start-index=3
    # 2 named of a billion counted: once by date (published-max), which repeats them too
    [by_date] = [r for r in again if r.callback == spider.parse_feed_page]
    assert "&orderby=published&published-max=" in by_date.url
    assert spider.crawler.stats.get_value("goahead/stopped/feed") is None
    assert [r for r in feed_page(spider, doc) if r.callback == spider.parse_feed_page] == []
    assert spider.discovery.feed_state == "done"
    assert spider.crawler.stats.get_value("goahead/stopped/feed") == 1


def test_paging_follows_the_start_asked_for_not_the_one_echoed() -> None:
    spider = make_spider()
    doc = feed_doc()
    doc["feed"]["openSearch$totalResults"] = {"$t": "1000"}
    doc["feed"]["openSearch$startIndex"] = {"$t": "1"}  # a server that always says 1
    following = [r for r in feed_page(spider, doc, start=151)
                 if r.callback == spider.parse_feed_page]
    assert following[0].meta["goahead_start"] == 153


def test_a_listing_page_with_no_new_post_is_not_followed() -> None:
    spider = make_spider()
    spider.discovery.pager_started = True
    html = (f"<a href='{ROOT}2024/01/a.html'>a</a><a href='{ROOT}2024/01/'>Jan</a>"
            f"<a class='blog-pager-older-link' href='{ROOT}search?page=2'>Older</a>").encode()

    def listing(url: str) -> list:
        return list(spider.parse_listing(HtmlResponse(url=url, body=html, request=Request(url))))

    first = listing(f"{ROOT}search?page=1")
    assert {r.url for r in first} == {f"{ROOT}2024/01/a.html", f"{ROOT}2024/01/",
                                      f"{ROOT}search?page=2"}
    assert listing(f"{ROOT}search?page=2") == []
    assert spider.crawler.stats.get_value("goahead/stopped/pager") == 1


def test_a_comments_feed_page_with_no_new_comment_ends_it() -> None:
    spider = make_spider()
    body = json.dumps({"feed": {"openSearch$totalResults": {"$t": "99"}, "entry": [
        {"id": {"$t": "tag:blogger.com,1999:blog-1.post-77"}, "content": {"$t": "hi"}}]}})
    request = spider._comments_request("1", "9", 2, frozenset({"77"}))
    response = TextResponse(url=request.url, body=body.encode(), encoding="utf-8",
                            request=request)
    out = list(spider.parse_comments_feed(response, **request.cb_kwargs))
    assert [type(o).__name__ for o in out] == ["PostComments"]
    assert spider.crawler.stats.get_value("goahead/stopped/comments") == 1


def test_a_deletion_sweep_over_a_repeating_feed_deletes_nothing() -> None:
    from goahead_crawler.spiders.incremental import PreviousRun

    spider = make_spider()
    spider.previous = PreviousRun(1, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z",
                                  live_posts={f"{ROOT}2023/01/archived.html"})
    spider.sweep_seen = set()
    doc = feed_doc()
    doc["feed"]["openSearch$totalResults"] = {"$t": "1000"}

    def sweep(start: int) -> list:
        request = spider._sweep_request(start)
        response = TextResponse(url=request.url, body=json.dumps(doc).encode(),
                                encoding="utf-8", request=request)
        return list(spider.parse_sweep(response))

    assert [r.meta["goahead_start"] for r in sweep(1)] == [3]
    assert sweep(3) == []  # the same posts again: no verdict on what is missing
    assert spider.sweep_state == "done"
    assert spider.crawler.stats.get_value("goahead/stopped/sweep") == 1
    assert spider.crawler.stats.get_value("goahead/incremental/missing") is None


# -- redirects that go nowhere --------------------------------------------------------------
def test_a_redirect_loop_is_named_as_one() -> None:
    ledger = RedirectLedger()
    ledger.dropped(["a"], "b")
    ledger.dropped(["b"], "a")
    assert ledger.unresolved() == [("a", "redirect loop: a -> b -> a"),
                                   ("b", "redirect loop: b -> a -> b")]
    assert ledger.unresolved() == []  # each reported once


def test_a_redirect_to_a_post_that_answered_is_no_loss() -> None:
    ledger = RedirectLedger()
    ledger.dropped(["old"], "new")
    ledger.answer("new")
    ledger.dropped(["x"], "gone")
    assert ledger.unresolved() == [("x", "redirected to gone, which never answered with a page")]


def test_a_post_url_off_the_blog_is_a_failure_not_a_request() -> None:
    spider = make_spider()
    assert list(spider._schedule("http://127.0.0.1:9999/2024/01/x.html", "feed")) == []
    failures = json.loads(spider.crawler.stats.get_value("goahead/failures"))
    assert failures[0]["url"] == "http://127.0.0.1:9999/2024/01/x.html"
    assert "named by the feed, not fetched" in failures[0]["error"]
    assert spider.crawler.stats.get_value("goahead/posts/failed") == 1


# -- is there a blog? -----------------------------------------------------------------------
def test_what_blogger_says_when_there_is_no_blog() -> None:
    assert identity.is_login_redirect(
        "https://www.blogger.com/blogin.g?blogspotURL=https://x.blogspot.com/&type=blog")
    assert not identity.is_login_redirect("https://www.blogger.com/profile/1")
    assert identity.says_removed(404, b"<title>Blog not found</title>")
    assert identity.says_removed(404, b"Sorry, the blog at x.blogspot.com has been removed.")
    assert not identity.says_removed(200, b"<title>Blog not found</title>")
    assert not identity.says_removed(
        404, b"Sorry, the page you were looking for in this blog does not exist.")
    assert identity.moved_to("http://x.blogspot.com/robots.txt",
                             "https://www.x.com/robots.txt") == "https://www.x.com/"
    assert identity.moved_to("http://x.blogspot.com/a", "https://x.blogspot.com/a") is None
    assert identity.moved_to("http://x.blogspot.com/a", "https://www.x.com/") is None
    assert identity.has_blogger_markup(b"<meta content='blogger' name='generator'/>")
    assert not identity.has_blogger_markup(b"<html><title>Shop</title></html>")


def test_a_site_where_nothing_looked_like_blogger_closes_with_that_reason() -> None:
    spider = make_spider()
    for state in ("feed_state", "sitemap_state"):
        setattr(spider.discovery, state, "off")
    with pytest.raises(CloseSpider) as closed:
        spider.spider_idle()
    assert closed.value.reason == "blog_not_blogger"
    assert "not a Blogger blog" in spider.crawler.stats.get_value("goahead/blog/problem")


@pytest.mark.parametrize("error", ["HTTP 500", "HTTP 429", "TimeoutError: took too long"])
def test_a_blog_that_answers_only_errors_is_not_called_not_blogger(error: str) -> None:
    """A blog whose home page, feed and sitemap all failed after their retries (down, or
    rate-limiting the crawler) said nothing about what it is: "not a Blogger blog" sent
    the archivist looking for another address; the error is the reason."""
    from goahead_crawler.middleware.failures import record_failure

    spider = make_spider()
    for state in ("feed_state", "sitemap_state"):
        setattr(spider.discovery, state, "off")
    for url in (FEED_URL, f"{ROOT}sitemap.xml", ROOT):
        record_failure(spider.crawler.stats, url, error, 3)
    with pytest.raises(CloseSpider) as closed:
        spider.spider_idle()
    assert closed.value.reason == "blog_failing"
    problem = spider.crawler.stats.get_value("goahead/blog/problem")
    assert "not a Blogger blog" not in problem
    assert f"its home page failed ({error})" in problem


def test_a_blog_whose_robots_txt_forbids_everything_is_not_called_not_blogger() -> None:
    """robots.txt ``Disallow: /``: the feed, the sitemap and the home page were never
    asked for, so nothing could look like Blogger: the reason is robots.txt."""
    spider = make_spider()
    for state in ("feed_state", "sitemap_state"):
        setattr(spider.discovery, state, "off")
    spider.crawler.stats.set_value("robotstxt/forbidden", 4)
    with pytest.raises(CloseSpider) as closed:
        spider.spider_idle()
    assert closed.value.reason == "blog_robots"
    problem = spider.crawler.stats.get_value("goahead/blog/problem")
    assert problem.startswith("the blog's robots.txt forbids this crawler")
    assert "4 requests" in problem


# -- settings that cannot work --------------------------------------------------------------
@pytest.mark.parametrize(("setting", "value"), [
    ("CONCURRENT_REQUESTS_PER_DOMAIN", 0), ("DOWNLOAD_DELAY", math.inf),
    ("DOWNLOAD_DELAY", math.nan), ("DOWNLOAD_DELAY", -1), ("GOAHEAD_MAX_POSTS", -1),
    ("GOAHEAD_FEED_PAGE_SIZE", 0), ("GOAHEAD_FEED_PAGE_SIZE", "x"), ("DOWNLOAD_TIMEOUT", 0),
    ("GOAHEAD_UNLISTED_RECHECK_DAYS", math.nan), ("GOAHEAD_UNLISTED_RECHECK_DAYS", -1),
    ("GOAHEAD_INDEX_WORKERS_MAX", -1), ("GOAHEAD_INDEX_WORKERS_MAX", 1.5),
    # past any use, and where a timer or a timedelta breaks (--delay 1e300 hung the crawl)
    ("DOWNLOAD_DELAY", 1e300), ("DOWNLOAD_DELAY", 3601), ("DOWNLOAD_TIMEOUT", 1e300),
    ("AUTOTHROTTLE_MAX_DELAY", 1e300), ("CONCURRENT_REQUESTS_PER_DOMAIN", 10**400),
    ("CONCURRENT_REQUESTS", 101), ("GOAHEAD_MAX_POSTS", 2**64), ("RETRY_TIMES", 10**9),
    ("GOAHEAD_INCREMENTAL_MARGIN", 1e300), ("GOAHEAD_UNLISTED_RECHECK_DAYS", 1e9),
    ("GOAHEAD_RETRY_AFTER_MAX", 1e300), ("GOAHEAD_INDEX_WORKERS_MAX", 10**6),
])
def test_settings_that_cannot_work_are_refused(setting: str, value: object) -> None:
    with pytest.raises(config.ConfigError, match=f"{setting} must be"):
        config.validate({setting: value})
    with pytest.raises(config.ConfigError):  # scrapy crawl -s ..., Scrapyd
        BloggerSpider.from_crawler(goahead_crawler(BloggerSpider, **{setting: value}), url=ROOT)


def test_good_settings_pass() -> None:
    config.validate({"DOWNLOAD_DELAY": "0.5", "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
                     "GOAHEAD_MAX_POSTS": 0})
    config.validate({"DOWNLOAD_DELAY": 3600, "CONCURRENT_REQUESTS_PER_DOMAIN": 100,
                     "GOAHEAD_MAX_POSTS": 1_000_000_000})  # the bounds themselves


def test_a_blog_s_concurrency_above_the_crawl_s_limit_is_honoured() -> None:
    """``--concurrency 40`` (or ``concurrency = 40``) was capped at 16 without a word by
    Scrapy's CONCURRENT_REQUESTS: the crawl's limit rises to the blog's, by both routes."""
    from goahead_crawler.cli.crawl import crawl_overrides
    from goahead_crawler.sites import parse_sites

    (site,) = parse_sites({"site": [{"url": "http://a.com/", "concurrency": 40}]})
    flag = paced_settings(crawl_overrides("a.db", "warcs", None, 40, 0, 0))
    assert flag.getint("CONCURRENT_REQUESTS") == 40
    assert paced_settings({}, site.settings).getint("CONCURRENT_REQUESTS") == 40
    two = paced_settings(crawl_overrides("a.db", "warcs", None, 2, 0, 0))
    assert two.getint("CONCURRENT_REQUESTS") == 16


@pytest.mark.parametrize("flags", [
    ["--concurrency", "0"], ["--delay", "inf"], ["--delay", "nan"], ["--delay", "-1"],
    ["--max-posts", "-1"], ["--concurrency", "many"], ["--index-workers", "-1"],
    ["--delay", "1e300"], ["--delay", "3601"], ["--concurrency", "1e300"],
    ["--concurrency", "101"], ["--max-posts", "1e10"], ["--max-posts", "1" + "0" * 400],
    ["--index-workers", "100000"],
    # went into the User-Agent as given: a CR LF wrote a header line of its own into every
    # WARC file's warcinfo record ("X-Evil: 1)")
    ["--contact", "me@example.org\r\nX-Evil: 1"], ["--contact", "not a url"],
    ["--contact", "ftp://example.org/"],
])
def test_crawl_flags_that_cannot_work_are_one_line_exit_2(flags: list[str]) -> None:
    result = CliRunner().invoke(cli, ["crawl", "https://x.blogspot.com/", *flags])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: {flags[0]} must be")


@pytest.mark.parametrize(("line", "says"), [
    ("concurrency = 0", "concurrency must be a whole number from 1 to 100, not 0"),
    ("concurrency = 101", "concurrency must be a whole number from 1 to 100, not 101"),
    ("delay = inf", ("delay must be a finite number of seconds, 0 or more, at most 3,600,"
                    " not inf")),
    ("delay = 1e300", ("delay must be a finite number of seconds, 0 or more, at most 3,600,"
                      " not 1e+300")),
    ("max_posts = 9_000_000_000_000_000_000", ("max_posts must be a whole number from 0 to"
                                              " 1,000,000,000")),
    ("delay = nan", "delay must be a finite number of seconds"),
    ("delay = -0.5", "delay must be a finite number of seconds"),
])
def test_sites_file_values_that_cannot_work_are_one_line_exit_2(tmp_path: Path, line: str,
                                                                 says: str) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[site]]\nurl = "https://x.blogspot.com/"\n{line}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["crawl", "--sites", str(sites)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {sites} site #1: ")
    assert says in result.output
    assert result.output.count("\n") == 1


@pytest.mark.parametrize(("url", "says"), [
    ("javascript:alert(1)", "not an http(s) blog URL"),
    ("http://[::1", "Invalid IPv6 URL"),
    ("http://127.0.0.1:99999/", "Port out of range"),
    ("ftp://example.org/", "not an http(s) blog URL"),
    ("data:text/html,<script>alert(1)</script>", "not an http(s) blog URL"),
    ("http://user:secret@127.0.0.1:8080/", "credentials in the blog URL"),
])
def test_bad_blog_urls_are_one_line_exit_2(url: str, says: str) -> None:
    result = CliRunner().invoke(cli, ["crawl", url])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: ")
    assert says in result.output
    assert "secret" not in result.output  # a password is never echoed


def test_a_feed_page_queued_by_a_version_before_gives_no_date_cursor() -> None:
    """A ``--resume`` job saved by a version that asked the posts feed without
    ``orderby`` has such a page in its queue: read after the upgrade, its entries may be
    in any order (Blogger's default is not documented), so the oldest of them is no
    ``published-max`` to page on by (before: an old post on it made the cursor, and the
    date pages skipped every post published between it and the ordered pages)."""
    spider = make_spider()
    doc = feed_doc()
    doc["feed"]["openSearch$totalResults"] = {"$t": "40"}  # short by start-index
    feed_page(spider, doc)
    cursor = spider.discovery.feed_oldest
    assert cursor is not None
    for n, entry in enumerate(doc["feed"]["entry"]):  # other posts, one of them old
        entry["id"]["$t"] += str(n)
        entry["published"]["$t"] = "2011-05-01T00:00:00.000+07:00"
        for link in entry["link"]:
            link["href"] = link["href"].replace(".html", f"-{n}.html")
    queued = FEED_URL.replace("start-index=1", "start-index=3").replace("&orderby=published", "")
    request = Request(queued, meta={"goahead_start": 3, "goahead_alt": "json"})
    response = TextResponse(url=queued, body=json.dumps(doc).encode(), encoding="utf-8",
                            request=request)
    list(spider.parse_feed_page(response))
    assert spider.discovery.feed_oldest == cursor


def test_a_comments_feed_page_queued_without_its_order_is_read_again_in_order() -> None:
    """A --resume job saved before comments feeds named their order has such a page in
    its queue: its next page, asked in order, does not follow on from it (comments fall
    between the two orders), so the thread is read again from the start, in order, once
    (before: the next page was asked by start-index, 151 in another order)."""
    spider = make_spider()
    entries = [{"id": {"$t": f"tag:blogger.com,1999:blog-1.post-{n}"}, "content": {"$t": "x"}}
               for n in range(1, 151)]
    body = json.dumps({"feed": {"openSearch$totalResults": {"$t": "300"}, "entry": entries}})
    queued = f"{ROOT}feeds/9/comments/default?alt=json&start-index=1&max-results=150"
    request = Request(queued, cb_kwargs={"blog_id": "1", "post_id": "9", "start": 1,
                                         "seen": frozenset()})
    response = TextResponse(url=queued, body=body.encode(), encoding="utf-8", request=request)
    out = list(spider.parse_comments_feed(response, **request.cb_kwargs))
    (again,) = [o for o in out if isinstance(o, Request)]
    assert again.url == f"{queued}&orderby=published"
    assert again.cb_kwargs["start"] == 1
    ordered = TextResponse(url=again.url, body=body.encode(), encoding="utf-8", request=again)
    (following,) = [o for o in spider.parse_comments_feed(ordered, **again.cb_kwargs)
                    if isinstance(o, Request)]
    assert "start-index=151" in following.url


# -- the feed-invention stop: said as seen, judged afresh by a resumed job ------------------
def lose_feed_posts(spider: BloggerSpider, status: int, start: int = 1) -> list[Request]:
    """A feed page read (two posts), and its two posts lost with ``status``."""
    doc = feed_doc()
    for entry in doc["feed"]["entry"]:  # posts of their own at each start-index
        entry["id"]["$t"] += f"{start}"
        for link in entry["link"]:
            link["href"] = link["href"].replace(".html", f"-{start}.html")
    doc["feed"]["openSearch$totalResults"] = {"$t": "1000"}
    out = feed_page(spider, doc, start)
    for request in [r for r in out if r.callback == spider.parse_post]:
        list(spider.post_failed(http_failure(request, status)) or ())
    return [r for r in out if r.callback == spider.parse_feed_page]


@pytest.mark.parametrize(("status", "says", "not_said"), [
    (503, ("(0 gone: 404 or 410, 4 failing: server errors or timeouts; the server failing,"
          " not necessarily made-up posts), and 0 could"), "made-up posts?"),
    (404, ("(4 gone: 404 or 410, 0 failing: server errors or timeouts; made-up posts?),"
          " and 0 could"), "the server failing"),
])
def test_the_feed_stop_says_what_its_lost_posts_answered(status: int, says: str,
                                                          not_said: str) -> None:
    """A wave of 503s on the feed's posts stopped it "(made-up posts?)" as 404s did: the
    message now says how many were gone (404, 410) and how many failing (5xx, timeouts)."""
    spider = make_spider()
    lose_feed_posts(spider, status, 1)
    lose_feed_posts(spider, status, 3)  # two pages' worth lost, none fetched
    assert lose_feed_posts(spider, status, 5) == []  # no page after this one
    (failure,) = json.loads(spider.crawler.stats.get_value("goahead/failures"))
    assert failure["error"].startswith("the posts feed stopped at this page: 4 of the posts")
    assert says in failure["error"], failure["error"]
    assert not_said not in failure["error"]


def test_a_resumed_job_judges_the_feeds_posts_afresh() -> None:
    """A job stopped during a 5xx wave, four of the feed's posts lost (two pages' worth,
    none fetched): resumed, its first feed page stopped the feed, "made-up posts?", on
    losses the resumed job asks again (spiders/unstored.py). Now it starts at nought."""
    first = make_spider()
    first.state = {}
    lose_feed_posts(first, 503, 1)
    lose_feed_posts(first, 503, 3)
    first.closed("shutdown")
    resumed = make_spider()
    resumed.state = first.state
    assert resumed._restore()
    assert lose_feed_posts(resumed, 503, 5) != []  # paged on
    assert resumed.crawler.stats.get_value("goahead/stopped/feed") is None
    assert resumed.crawler.stats.get_value("goahead/failures") is None


@pytest.mark.parametrize(("content", "says"), [
    (b"not an archive\n", "is not a goahead archive (not an SQLite database)"),
    (None, "is an SQLite database, but not a goahead archive"),
])
def test_a_crawl_into_a_file_that_is_no_archive_could_not_start(
        tmp_path: Path, content: bytes | None, says: str) -> None:
    """Exit status 2, as for a damaged or read-only archive: the crawl could not start
    (before: 1, which the crawl's exit status scheme reads as a run that failed), and the
    file is left as it was."""
    import sqlite3
    from contextlib import closing

    db = tmp_path / "other.db"
    if content is None:
        with closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("CREATE TABLE t (x)")
    else:
        db.write_bytes(content)
    before = db.read_bytes()
    result = CliRunner().invoke(cli, ["crawl", "http://127.0.0.1:9/", "--db", str(db)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {db} {says}\n"
    assert db.read_bytes() == before


def test_a_failing_streak_stops_once_at_its_limit_and_any_answer_resets_it() -> None:
    from goahead_crawler.middleware.server_health import FailingStreak, failing_status

    streak = FailingStreak(3)
    assert [streak.failed("HTTP 503") for _ in range(2)] == [False, False]
    streak.answered()
    assert [streak.failed("TimeoutError") for _ in range(4)] == [False, False, True, False]
    assert streak.last == "TimeoutError"
    assert not any(FailingStreak(0).failed("HTTP 503") for _ in range(100))
    assert [failing_status(s) for s in (503, 500, 429, 404, 410, 200)] == [
        True, True, True, False, False, False]
