from __future__ import annotations

import json
from pathlib import Path

import pytest

from goahead_crawler.blogger.comment_feed import commented_posts
from goahead_crawler.blogger.feed import (
    FeedEntry,
    FeedError,
    FeedPage,
    date_cursor,
    next_start_index,
    parse_feed,
    split_entry_id,
)

DATA = Path(__file__).parent / "data" / "feeds"


def test_json_feed_page() -> None:
    page = parse_feed((DATA / "posts-page1.json").read_bytes())
    assert page.total == 3
    assert page.start_index == 1
    assert page.blog_id == "4462285939513853952"
    assert page.title == "Go Ahead News"
    first, second = page.entries
    assert first.post_id == "7001234567890123456"
    assert first.blog_id == "4462285939513853952"
    assert first.url == "https://goaheadnews.blogspot.com/2024/01/blog-post_21.html"
    assert first.published == "2024-01-21T10:05:00.000+07:00"
    assert first.labels == ["ข่าว", "พช."]
    assert first.author == "Go Ahead"
    assert first.content_html == "<p>เนื้อหา</p>"
    assert first.summary is None
    assert first.comment_count == 0
    assert first.replies_url.endswith("/feeds/7001234567890123456/comments/default")
    assert second.content_html is None
    assert second.summary == "Only a summary"
    assert second.labels == []
    assert second.comment_count == 2


def test_atom_feed_page_matches_json_shape() -> None:
    page = parse_feed((DATA / "posts-page1.atom").read_bytes())
    assert page.total == 3
    assert page.blog_id == "4462285939513853952"
    (entry,) = page.entries
    assert entry.post_id == "7001234567890123456"
    assert entry.url == "https://goaheadnews.blogspot.com/2024/01/blog-post_21.html"
    assert entry.labels == ["ข่าว"]
    assert entry.content_html == "<p>เนื้อหา</p>"
    assert entry.comment_count == 4
    assert entry.author == "Go Ahead"


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>Error 500</body></html>", b'{"feed": ', b"null", b"\x00\x01"],
)
def test_garbage_is_a_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(body)


def test_entity_bomb_is_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol2;</title></feed>'
    )
    page = parse_feed(bomb)
    assert "lollol" not in page.title


def test_split_entry_id() -> None:
    assert split_entry_id("tag:blogger.com,1999:blog-12.post-34") == ("12", "34")
    assert split_entry_id("tag:blogger.com,1999:blog-12.page-56") == ("12", "56")
    with pytest.raises(FeedError):
        split_entry_id("urn:uuid:1")


def _page(start: int, n: int, total: int | None) -> FeedPage:
    return FeedPage(entries=[object()] * n, total=total, start_index=start)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("start", "n", "total", "expected"),
    [
        (1, 150, 400, 151),  # asked 500, capped at 150: page by what came back
        (151, 150, 400, 301),
        (301, 100, 400, None),  # reached the total
        (1, 25, None, 26),  # no total: go on until an empty page
        (26, 0, None, None),
        (1, 0, 10, None),
    ],
)
def test_next_start_index_pages_by_what_came_back(start, n, total, expected) -> None:
    assert next_start_index(_page(start, n, total)) == expected


def _dated(published: str | None, updated: str | None = None) -> FeedEntry:
    return FeedEntry("1", "2", "https://b.blogspot.com/2024/01/a.html", published=published,
                     updated=updated)


def test_date_cursor_is_one_second_past_the_oldest_in_utc() -> None:
    entries = [_dated("2024-03-10T19:30:00.000+07:00", "2024-03-01T00:00:00Z"),
               _dated("2024-03-01T08:25:00.000+07:00", "2024-03-20T00:00:00Z"),
               _dated(None), _dated("not a date")]
    assert date_cursor(entries) == "2024-03-01T01:25:01Z"
    assert date_cursor([_dated(None)]) is None
    assert date_cursor([]) is None


def test_a_comment_entry_names_the_post_it_replies_to() -> None:
    """``thr:in-reply-to`` (JSON and Atom): the post's id from ``ref``, its page from
    ``href``; a comment without one is kept, its post unknown."""
    post = "https://news.blogspot.com/2024/01/a.html"
    reply = {"href": post, "ref": "tag:blogger.com,1999:blog-1.post-222",
             "source": "https://www.blogger.com/feeds/1/posts/default/222", "type": "text/html"}
    body = json.dumps({"feed": {"id": {"$t": "tag:blogger.com,1999:blog-1"}, "entry": [
        {"id": {"$t": "tag:blogger.com,1999:blog-1.post-901"}, "thr$in-reply-to": reply,
         "link": [{"rel": "alternate", "href": f"{post}?showComment=1#c901"}]},
        {"id": {"$t": "tag:blogger.com,1999:blog-1.post-902"}}]}}).encode()
    first, second = parse_feed(body).entries
    assert (first.reply_to, first.reply_url) == ("222", post)
    assert (second.reply_to, second.reply_url) == (None, None)
    assert commented_posts(parse_feed(body)) == ({"222": post}, 1)
    atom = ("<feed xmlns='http://www.w3.org/2005/Atom'"
            " xmlns:thr='http://purl.org/syndication/thread/1.0'>"
            "<id>tag:blogger.com,1999:blog-1</id><entry>"
            "<id>tag:blogger.com,1999:blog-1.post-901</id>"
            f"<thr:in-reply-to href='{post}' ref='tag:blogger.com,1999:blog-1.post-222'/>"
            "</entry></feed>").encode()
    (entry,) = parse_feed(atom).entries
    assert (entry.reply_to, entry.reply_url) == ("222", post)
