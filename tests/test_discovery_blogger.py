"""Discovery's pure parts on literal bytes: sitemaps, HTML navigation, comments, the frontier."""

from __future__ import annotations

import json
from datetime import date

import pytest

from goahead_crawler.blogger.comment_feed import (
    comments_feed_url,
    comments_from_feed,
    html_to_text,
    needs_comments_feed,
)
from goahead_crawler.blogger.feed import parse_feed
from goahead_crawler.blogger.frontier import Frontier
from goahead_crawler.blogger.pager import (
    MAX_LINKED_LOST,
    MAX_LINKED_PAGES,
    MAX_LINKED_POSTS,
    archive_months,
    is_month_path,
    links_invented,
    page_links,
)
from goahead_crawler.blogger.sitemap import INDEX, URLSET, SitemapEntry, read_sitemap
from goahead_crawler.blogger.urls import is_blogger_image
from goahead_crawler.spiders.blogger import BloggerSpider
from tests.conftest import goahead_crawler

ROOT = "https://goaheadnews.blogspot.com/"


# -- sitemap -------------------------------------------------------------------------------
def test_index_lists_child_sitemaps_exactly_as_named() -> None:
    page = read_sitemap(INDEX, [{"loc": f"{ROOT}sitemap.xml?page=2"},
                                {"loc": "https://elsewhere.example/sitemap.xml"}], ROOT)
    assert page.sitemaps == [f"{ROOT}sitemap.xml?page=2"]
    assert page.offsite_sitemaps == ["https://elsewhere.example/sitemap.xml"]
    assert page.offsite == []  # not a post: a failure of the run, not of a post


def test_urlset_sorts_posts_pages_and_the_rest_with_lastmod() -> None:
    entries = [
        {"loc": f"{ROOT}2024/01/a.html?m=1", "lastmod": "2024-01-21T04:05:00Z"},
        {"loc": f"{ROOT}p/about.html"},
        {"loc": f"{ROOT}search/label/x"},
        {"loc": "  "},
    ]
    page = read_sitemap(URLSET, entries, ROOT)
    assert page.posts == [SitemapEntry(f"{ROOT}2024/01/a.html", "2024-01-21T04:05:00Z")]
    assert page.pages == [SitemapEntry(f"{ROOT}p/about.html", None)]
    assert page.other == [f"{ROOT}search/label/x"]


def test_read_sitemap_refuses_other_documents() -> None:
    with pytest.raises(ValueError, match="not a sitemap"):
        read_sitemap("html", [], ROOT)


# -- HTML navigation -----------------------------------------------------------------------
PAGE = f"""<html><body>
<a href="/2024/01/one.html?m=1">one</a>
<a href="{ROOT}2024/01/one.html#comment-form">one again</a>
<a href="/2024/01/two.html?showComment=1700000000000#c123">two</a>
<a href="/p/about.html">About</a>
<a href="/2023/12/">December</a>
<a href="/2023/12/?updated-max=2023-12-25T02:34:00%2B07:00&amp;max-results=7">more</a>
<a href="https://other.example.com/2024/01/x.html">offsite</a>
<span id="blog-pager-older-link"><a class="blog-pager-older-link"
  href="/search?updated-max=2024-02-11T10:00:00%2B07:00&amp;max-results=7&amp;m=1">Older</a></span>
</body></html>""".encode()


def test_page_links_are_canonical_on_the_blog_and_unique() -> None:
    links = page_links(PAGE, f"{ROOT}2024/02/x.html", ROOT)
    assert links.posts == [f"{ROOT}2024/01/one.html", f"{ROOT}2024/01/two.html"]
    assert links.pages == [f"{ROOT}p/about.html"]
    assert links.months == [f"{ROOT}2023/12/"]
    assert links.older == [
        f"{ROOT}search?updated-max=2024-02-11T10%3A00%3A00%2B07%3A00&max-results=7"
    ]


def test_page_links_take_a_page_of_posts_and_pages_at_most() -> None:
    """A page linking 3,000 made-up posts and pages gives the first 1,000 and 100, and
    says how many it left out (before: every one, each then fetched)."""
    body = "".join(f'<a href="/2024/05/x-{n}.html">x</a><a href="/p/x-{n}.html">p</a>'
                   for n in range(3_000))
    links = page_links(f"<html><body>{body}</body></html>".encode(), ROOT, ROOT)
    assert len(links.posts) == MAX_LINKED_POSTS == 1_000
    assert links.posts[0] == f"{ROOT}2024/05/x-0.html"
    assert links.posts_over == 2_000
    assert len(links.pages) == MAX_LINKED_PAGES == 100
    assert links.pages_over == 2_900


@pytest.mark.parametrize(("lost", "fetched", "invented"), [
    (MAX_LINKED_LOST, 0, True), (MAX_LINKED_LOST - 1, 0, False),
    (MAX_LINKED_LOST, MAX_LINKED_LOST, False), (500, 499, True), (500, 5_000, False)])
def test_links_are_made_up_when_their_posts_mostly_fail(lost: int, fetched: int,
                                                        invented: bool) -> None:
    assert links_invented(lost, fetched) is invented


def test_page_links_of_nothing_is_nothing() -> None:
    assert page_links(b"", ROOT, ROOT).posts == []
    assert is_month_path(f"{ROOT}2024/01/")
    assert not is_month_path(f"{ROOT}2024/01/a.html")


# -- comments ------------------------------------------------------------------------------
def test_comments_feed_only_when_the_page_shows_fewer() -> None:
    assert needs_comments_feed(5, 1)
    assert not needs_comments_feed(5, 5)
    assert not needs_comments_feed(0, 0)
    assert not needs_comments_feed(None, 0)


def test_comments_feed_url_is_on_the_blog() -> None:
    assert comments_feed_url(ROOT, "42") == (
        f"{ROOT}feeds/42/comments/default?alt=json&start-index=1&max-results=150"
        "&orderby=published"
    )


def test_comments_from_a_json_comments_feed() -> None:
    body = json.dumps({"feed": {
        "id": {"$t": "tag:blogger.com,1999:blog-1.post42..comments"},
        "openSearch$totalResults": {"$t": "1"}, "openSearch$startIndex": {"$t": "1"},
        "entry": [{
            "id": {"$t": "tag:blogger.com,1999:blog-1.post-777"},
            "published": {"$t": "2024-01-22T09:00:00.000+07:00"},
            "content": {"type": "html", "$t": "ขอบคุณครับ<br />Second line"},
            "author": [{"name": {"$t": "Somchai"}}],
            "link": [],
        }],
    }}).encode()
    assert comments_from_feed(parse_feed(body)) == [{
        "comment_id": "777", "author": "Somchai",
        "published": "2024-01-22T09:00:00.000+07:00", "text": "ขอบคุณครับ\nSecond line",
    }]


def test_html_to_text_keeps_lines_and_drops_tags() -> None:
    assert html_to_text("a <b>bold</b><br/> <a href='x'>link</a>") == "a bold\nlink"
    assert html_to_text("   ") == ""


# -- frontier ------------------------------------------------------------------------------
def test_frontier_claims_each_resource_once_whatever_the_spelling() -> None:
    frontier = Frontier(ROOT)
    assert frontier.claim(f"{ROOT}2024/01/a.html?m=1") == f"{ROOT}2024/01/a.html"
    assert frontier.claim("http://goaheadnews.blogspot.co.th/2024/01/a.html#c1") is None
    assert frontier.claim("https://other.example.com/2024/01/a.html") is None


def test_a_link_off_the_blog_is_never_progress() -> None:
    """A feed that repeats its page and links only off the blog was paged for ever (1,914
    requests in a minute): an off-blog link counted as new on every page."""
    spider = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    links = [f"{ROOT}2024/01/a.html", "https://elsewhere.example/2024/01/a.html",
             "http://[oops/2024/01/a.html"]
    entries = [{"id": {"$t": f"tag:blogger.com,1999:blog-1.post-{i}"},
                "link": [{"rel": "alternate", "href": url}]} for i, url in enumerate(links)]
    page = parse_feed(json.dumps({"feed": {"entry": entries}}).encode())
    assert spider._unseen(page) == 1  # the post on the blog
    assert spider._unseen(page) == 0  # the same page again: nothing new
    assert len(spider.discovery.feed_ids) == 3  # what the feed named, for its total


def test_posts_other_sources_claimed_are_still_the_feeds_progress() -> None:
    spider = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    url = f"{ROOT}2024/01/a.html"
    list(spider._schedule(url, "unstored"))  # an earlier run listed it, and it is asked first
    entry = {"id": {"$t": "tag:blogger.com,1999:blog-1.post-1"},
             "link": [{"rel": "alternate", "href": url + "?m=1"}]}
    assert spider._unseen(parse_feed(json.dumps({"feed": {"entry": [entry]}}).encode())) == 1


BROKEN = "http://[oops/2024/01/x.html"  # urlsplit and urljoin raise on it


def test_one_unreadable_link_leaves_the_others_of_its_page() -> None:
    """One link urlsplit cannot read stopped a feed page, a home page or a sitemap from
    being read at all (0 of 200 posts stored, run after run)."""
    page = (f"<html><body><a href='{BROKEN}'>x</a><a href='{ROOT}2024/01/a.html'>a</a>"
            f"<a class='blog-pager-older-link' href='{BROKEN}'>older</a></body></html>")
    assert page_links(page.encode(), ROOT, ROOT).posts == [f"{ROOT}2024/01/a.html"]
    sitemap = read_sitemap(URLSET, [{"loc": BROKEN}, {"loc": f"{ROOT}2024/01/b.html"}], ROOT)
    assert [e.url for e in sitemap.posts] == [f"{ROOT}2024/01/b.html"]
    assert Frontier(ROOT).claim(BROKEN) is None


def test_frontier_holds_sitemap_posts_until_the_feed_is_done() -> None:
    frontier = Frontier(ROOT)
    frontier.hold(SitemapEntry(f"{ROOT}2024/01/a.html", "2024-01-01T00:00:00Z"))
    frontier.hold(SitemapEntry(f"{ROOT}2024/01/b.html"))
    frontier.claim(f"{ROOT}2024/01/a.html")  # the feed lists a
    assert [e.url for e in frontier.release()] == [f"{ROOT}2024/01/b.html"]
    assert frontier.feed_done
    assert frontier.held == {}


def test_frontier_limit_counts_posts_not_pages() -> None:
    frontier = Frontier(ROOT, max_posts=1)
    assert frontier.claim(f"{ROOT}2024/01/a.html")
    assert frontier.claim(f"{ROOT}2024/01/b.html") is None
    assert frontier.claim(f"{ROOT}p/about.html", kind="page")


def test_frontier_follows_the_blog_to_https() -> None:
    frontier = Frontier("http://goaheadnews.blogspot.com/")
    frontier.claim("http://goaheadnews.blogspot.com/2024/01/a.html")
    frontier.adopt_root(ROOT)
    assert frontier.claim(f"{ROOT}2024/01/a.html") is None
    assert frontier.claim("http://goaheadnews.blogspot.com/2024/01/b.html") == (
        f"{ROOT}2024/01/b.html"
    )


def test_blogger_image_hosts() -> None:
    assert is_blogger_image("https://blogger.googleusercontent.com/img/b/x/s640/p.jpg")
    assert is_blogger_image("https://1.bp.blogspot.com/-x/s1600/p.jpg")
    assert not is_blogger_image("https://evil.example/blogger.googleusercontent.com.jpg")
    assert not is_blogger_image("data:image/png;base64,xx")


def test_a_resumed_job_keeps_its_feed_filter() -> None:
    """An incremental job's feed pages carry orderby=updated&updated-min; resumed, the job
    asked the unfiltered feed from where it stopped, and never saw 160 of 460 edits."""
    from goahead_crawler.spiders.discovery import Discovery

    state = Discovery(feed_extra={"orderby": "updated", "updated-min": "2026-01-01T00:00:00Z"})
    restored = Discovery.restore(json.loads(json.dumps(state.snapshot())))
    assert restored.feed_extra == state.feed_extra


def test_month_archives_no_blog_can_have_are_set_apart() -> None:
    """Before a post can be dated (1970: Blogger lets authors backdate that far), after
    this month, or no month at all; one URL a month, with its slash."""
    urls = [f"{ROOT}{path}" for path in (
        "0001/01/", "9999/12/", "2024/13/", "2024/00/", "1969/12/", "2027/01/",
        "1970/01/", "1999/07/", "2024/05", "2024/05/", "2026/12/")]
    kept, impossible = archive_months(urls, date(2026, 12, 3))
    assert kept == [f"{ROOT}1970/01/", f"{ROOT}1999/07/", f"{ROOT}2024/05/", f"{ROOT}2026/12/"]
    assert impossible == urls[:6]
    kept, _ = archive_months([f"{ROOT}2027/01/"], date(2026, 12, 31))  # a day ahead of UTC
    assert kept == [f"{ROOT}2027/01/"]
