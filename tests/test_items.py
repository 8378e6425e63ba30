"""items.page_post: the one path from a fetched page to its archive row, for crawl and rebuild."""

from __future__ import annotations

from pathlib import Path

from archive.models import Capture
from archive.timestamps import parse_utc
from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.items import build_post, page_post

PAGE = (Path(__file__).parent / "data" / "extract" / "news.html").read_bytes()
URL = "https://example-news.blogspot.com/2024/01/news.html"


def test_the_feed_entry_is_the_authority_and_lastmod_does_not_override_it() -> None:
    entry = FeedEntry(blog_id="7", post_id="9", url=URL, title="From the feed",
                      updated="2024-02-01T10:00:00+07:00", labels=["feed"], comment_count=3)
    article, post = page_post(URL, PAGE, entry=entry, lastmod="2030-01-01T00:00:00Z")
    assert (post.blog_id, post.post_id, post.title, post.labels) == ("7", "9", "From the feed",
                                                                    ["feed"])
    assert post.updated == "2024-02-01T10:00:00+07:00"
    assert post.comment_count == article.comment_count == 3
    assert post.text == article.text
    assert post.text


def test_without_an_entry_the_page_speaks_and_the_sitemap_lastmod_is_the_change_time() -> None:
    article, post = page_post(URL, PAGE, kind="page", lastmod="2030-01-01T00:00:00Z")
    assert post.title == article.title
    assert post.updated == "2030-01-01T00:00:00Z"
    assert post.kind == "page"
    assert post.site == "example-news.blogspot.com"


def test_the_capture_gives_location_and_fetch_time_else_now_in_the_archive_format() -> None:
    capture = Capture(url=URL, status=200, warc_file="a.warc.gz", warc_offset=10,
                      warc_length=99, digest="sha1:X", fetched_at="2024-01-02T03:04:05Z")
    _, post = page_post(URL, PAGE, capture=capture)
    assert (post.warc_file, post.warc_offset, post.warc_length, post.fetched_at) == (
        "a.warc.gz", 10, 99, "2024-01-02T03:04:05Z")
    article, _ = page_post(URL, PAGE)
    fetched = build_post(URL, article).fetched_at
    assert fetched.endswith("Z")
    assert parse_utc(fetched) is not None
