"""What a listing names (``goahead_crawler.listings``): the rule the crawl writes the
``listed`` table by, and ``goahead reindex`` reads the WARC files' listings back by."""

from __future__ import annotations

from pathlib import Path

from goahead_crawler.blogger.feed import FeedEntry, FeedPage, SkippedEntry, parse_feed
from goahead_crawler.blogger.frontier import Frontier
from goahead_crawler.blogger.pager import PageLinks
from goahead_crawler.listings import (
    feed_listings,
    link_listings,
    on_blog,
    sitemap_listings,
    sitemap_of,
    walkable_home,
)

ROOT = "https://goaheadnews.blogspot.com/"
FEEDS = Path(__file__).parent / "data" / "feeds"


def test_a_feed_page_lists_its_posts_and_the_skipped_entries_with_a_link() -> None:
    page = parse_feed((FEEDS / "posts-page1.json").read_bytes())
    assert [(x.url, x.kind, x.source) for x in feed_listings(page)] == [
        (e.url, "post", "feed") for e in page.entries]
    odd = FeedPage(entries=[FeedEntry("1", "2", ""), FeedEntry("1", "3", ROOT + "2024/01/a.html")],
                   total=3, start_index=1,
                   skipped=[SkippedEntry("x", "bad date", ROOT + "2024/01/b.html"),
                            SkippedEntry("y", "no id")])
    assert [x.url for x in feed_listings(odd)] == [ROOT + "2024/01/a.html",
                                                   ROOT + "2024/01/b.html"]


def test_a_sitemap_lists_all_its_posts_and_its_pages_when_pages_are_stored() -> None:
    body = (b'<?xml version="1.0" encoding="UTF-8"?><urlset'
            b' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b'<url><loc>' + ROOT.encode() + b'2024/01/a.html</loc>'
            b'<lastmod>2024-01-02T00:00:00Z</lastmod></url>'
            b'<url><loc>' + ROOT.encode() + b'p/about.html</loc></url>'
            b'<url><loc>https://elsewhere.example/2024/01/c.html</loc></url></urlset>')
    page, over = sitemap_of(body, ROOT)
    assert over == 0
    assert [(x.url, x.kind, x.source, x.lastmod) for x in sitemap_listings(page, True)] == [
        (ROOT + "2024/01/a.html", "post", "sitemap", "2024-01-02T00:00:00Z"),
        (ROOT + "p/about.html", "page", "sitemap-pages", None)]
    assert [x.kind for x in sitemap_listings(page, pages=False)] == ["post"]


def test_html_links_list_posts_only_for_html_navigation() -> None:
    links = PageLinks(posts=[ROOT + "2024/01/a.html"], pages=[ROOT + "p/about.html"],
                      months=[ROOT + "2024/01/"])
    assert [(x.kind, x.source) for x in link_listings(links, "pager", True, True)] == [
        ("post", "pager"), ("page", "pager")]
    assert [(x.kind, x.source) for x in link_listings(links, "html-links", False, True)
            ] == [("page", "html-links")]
    assert link_listings(links, "pager", True, pages=False)[-1].kind == "post"


def test_only_the_blogs_own_urls_are_its_listing_keyed_and_dated() -> None:
    frontier = Frontier(ROOT)
    listings = feed_listings(FeedPage(
        entries=[FeedEntry("1", "2", "http://goaheadnews.blogspot.com/2024/01/a.html?m=1"),
                 FeedEntry("1", "3", "https://other.blogspot.com/2024/01/b.html")],
        total=2, start_index=1))
    found = on_blog(listings, frontier.key, ROOT, "2026-01-01T00:00:00Z")
    assert [(x.url, x.at) for x in found] == [(frontier.key(ROOT + "2024/01/a.html"),
                                               "2026-01-01T00:00:00Z")]


def test_a_home_page_without_blogger_markup_or_post_links_lists_nothing() -> None:
    plain = b"<html><body><a href='/p/about.html'>About</a></body></html>"
    assert not walkable_home(plain, PageLinks(pages=[ROOT + "p/about.html"]))
    assert walkable_home(plain, PageLinks(posts=[ROOT + "2024/01/a.html"]))
    assert walkable_home(b"<html><body><div class='blog-posts'></div></body></html>"
                         b"<script>_WidgetManager._Init()</script>", PageLinks())
