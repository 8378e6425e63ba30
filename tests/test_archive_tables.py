"""archive.posts, captures and runs: idempotent upserts, versions, comments, captures, runs."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import search
from archive.captures import capture_by_digest, latest_capture, page_captures, record_capture
from archive.connection import open_archive
from archive.models import Capture, Comment, Post
from archive.posts import (
    count_posts,
    delete_post,
    get_post,
    get_post_by_url,
    iter_posts,
    post_versions,
    upsert_comments,
    upsert_post,
    upsert_site,
)
from archive.runs import close_stale_runs, finish_run, start_run


def make_post(**changes) -> Post:
    post = Post(
        blog_id="111", post_id="222", url="https://news.blogspot.com/2024/01/a.html",
        site="news.blogspot.com", title="ข่าวเช้า", author="สมชาย",
        published="2024-01-21T10:05:00+07:00", updated="2024-01-21T11:00:00+07:00",
        labels=["ข่าว", "local"], text="ย่อหน้าแรก\n\nsecond paragraph", html="<p>x</p>",
        images=["https://img/1.jpg"], outlinks=["https://example.org/"], language="th",
        word_count=4, extractor="blogger", comment_count=2, warc_file="a.warc.gz",
        warc_offset=10, warc_length=99, fetched_at="2024-01-22T00:00:00Z",
    )
    return replace(post, **changes)


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def test_post_round_trip(db):
    post = make_post()
    assert upsert_post(db, post) == "new"
    assert get_post(db, "111", "222") == post
    assert get_post_by_url(db, post.url) == post
    assert get_post(db, "111", "nope") is None


def test_second_upsert_is_unchanged_and_keeps_one_row(db):
    post = make_post()
    upsert_post(db, post)
    refetched = replace(post, fetched_at="2024-02-01T00:00:00Z", warc_offset=5000)
    assert upsert_post(db, refetched) == "unchanged"
    assert db.table("posts").count == 1
    assert get_post(db, "111", "222").warc_offset == 10  # first capture kept


def test_changed_text_is_updated_with_a_version_row(db):
    post = make_post()
    upsert_post(db, post)
    assert upsert_post(db, replace(post, text="แก้ไขแล้ว")) == "updated"
    assert get_post(db, "111", "222").text == "แก้ไขแล้ว"
    versions = post_versions(db, "111", "222")
    assert [v["text"] for v in versions] == [post.text]
    assert db.table("posts").count == 1


def test_changed_labels_update_without_a_version(db):
    upsert_post(db, make_post())
    assert upsert_post(db, make_post(labels=["other"])) == "updated"
    assert post_versions(db, "111", "222") == []


def test_images_archived_since_update_the_row_and_keep_its_capture(db):
    """Only ``images`` changed (an image archived since, a caught-up post completed): the
    page is the same, so the row keeps its first capture's place and time; any other
    change takes the new capture's."""
    upsert_post(db, make_post())
    later = {"fetched_at": "2024-02-01T00:00:00Z", "warc_file": "b.warc.gz", "warc_offset": 5}
    more = ["https://img/1.jpg", "https://img/2.jpg"]
    assert upsert_post(db, make_post(images=more, **later)) == "updated"
    stored = get_post(db, "111", "222")
    assert (stored.images, stored.warc_file, stored.fetched_at) == (
        more, "a.warc.gz", "2024-01-22T00:00:00Z")
    assert upsert_post(db, make_post(images=more, labels=["other"], **later)) == "updated"
    assert get_post(db, "111", "222").warc_file == "b.warc.gz"


def test_delete_post_soft_and_hard(db):
    upsert_post(db, make_post())
    assert delete_post(db, "111", "222")
    assert list(iter_posts(db)) == []
    assert len(list(iter_posts(db, include_deleted=True))) == 1
    assert delete_post(db, "111", "222", soft=False)
    assert db.table("posts").count == 0
    assert search.count(db, "ย่อหน้า", include_deleted=True) == 0
    assert not delete_post(db, "111", "222")


def test_comments_are_idempotent_with_and_without_ids(db):
    comments = [Comment(author="a", text="ดีมาก", published="2024-01-01"),
                {"author": "b", "text": "hi", "comment_id": "c-9", "extra": 1}]
    upsert_comments(db, "111", "222", comments)
    upsert_comments(db, "111", "222", comments)
    rows = list(db.query("SELECT comment_id, text FROM comments ORDER BY comment_id"))
    assert len(rows) == 2
    assert rows[0] == {"comment_id": "c-9", "text": "hi"}
    assert rows[1]["comment_id"].startswith("h:")


def test_a_comment_read_from_its_page_and_from_a_feed_is_stored_once(db):
    """A page shows no comment ids, a comments feed does: the feed's id replaces the
    page's row, and the page read again adds nothing (each stored row answers one)."""
    page = [{"author": "ครู", "text": "ดีมาก\nครับ", "published": "2024-01-01T10:05:00+00:00"},
            {"author": "ครู", "text": "ดีมาก ครับ", "published": "2024-01-02T10:05:00+00:00"},
            {"author": "b", "text": "other", "published": "2024-01-03T10:05:00+00:00"}]
    upsert_comments(db, "111", "222", page)
    feed = [{"author": "ครู", "text": "ดีมาก ครับ", "comment_id": "901",
             "published": "2024-01-01T10:05:12.345+00:00"},
            {"author": "new", "text": "late", "comment_id": "904",
             "published": "2024-03-01T10:05:00+00:00"}]
    upsert_comments(db, "111", "222", feed)
    rows = sorted((r["comment_id"][:2], r["author"]) for r in db.query(
        "SELECT comment_id, author FROM comments"))
    assert rows == [("90", "new"), ("90", "ครู"), ("h:", "b"), ("h:", "ครู")]
    upsert_comments(db, "111", "222", page)  # the page again: its first twin is known,
    assert db.table("comments").count == 4  # the 2nd identical-looking one its own row
    upsert_comments(db, "111", "333", page[:1])  # another post: not a twin
    assert db.table("comments").count == 5


def capture(**changes) -> Capture:
    base = Capture(url="https://news.blogspot.com/", status=200, warc_file="a.warc.gz",
                   warc_offset=0, warc_length=100, digest="sha1:AAA",
                   fetched_at="2024-01-01T00:00:00Z")
    return replace(base, **changes)


def test_a_home_page_answered_304_is_listed_by_its_own_earlier_capture(db):
    """The home page's latest capture is a re-crawl's 304 revisit (left out of the replay
    indexes): the WACZ lists it by the response of that URL the 304 confirmed, even when
    another URL, captured earlier, has the same bytes (a WACZ page must match its URL's
    record; before: the other URL's date, which py-wacz matched to nothing)."""
    upsert_post(db, make_post())
    home = "http://news.blogspot.com/"
    record_capture(db, capture(url="http://news.blogspot.com/?m=0", warc_file="z.warc.gz",
                               fetched_at="2023-12-01T00:00:00Z"))
    record_capture(db, capture(url=home, warc_offset=200, fetched_at="2024-01-01T00:00:00Z"))
    record_capture(db, capture(url=home, status=304, record_type="revisit", warc_file="b.warc.gz",
                               fetched_at="2024-02-01T00:00:00Z"))
    (listed,) = [p for p in page_captures(db) if p["url"] == home]
    assert (listed["ts"], listed["warc_files"]) == ("2024-01-01T00:00:00Z", ["a.warc.gz"])


def test_a_home_page_answered_304_after_a_full_recrawl_is_listed_by_the_latest_replay(db):
    """Crawl 1 a response, crawl 2 (--full) an identical-payload revisit, crawl 3 a 304:
    the replay indexes list the first two, and the latest a replay (and ``warc-get --at``
    the 304's time) shows is crawl 2's revisit, which needs crawl 1's file for its body.
    Before: listed by crawl 1's date, as if the full re-crawl had not seen the page."""
    upsert_post(db, make_post())
    home = "http://news.blogspot.com/"
    record_capture(db, capture(url=home, fetched_at="2024-01-01T00:00:00Z"))
    record_capture(db, capture(url=home, record_type="revisit", warc_file="b.warc.gz",
                               fetched_at="2024-02-01T00:00:00Z"))
    record_capture(db, capture(url=home, status=304, record_type="revisit", warc_file="c.warc.gz",
                               fetched_at="2024-03-01T00:00:00Z"))
    (listed,) = [p for p in page_captures(db) if p["url"] == home]
    assert (listed["ts"], listed["warc_files"]) == ("2024-02-01T00:00:00Z",
                                                    ["a.warc.gz", "b.warc.gz"])


def test_a_post_a_full_recrawl_saw_unchanged_is_listed_by_that_recrawls_capture(db):
    """The post's row keeps the capture its text was first stored from; a --full re-crawl
    got the same bytes (an identical-payload revisit) and a later crawl a 304. The replay
    indexes and ``warc-get`` have the re-crawl's revisit as the latest capture of the page,
    and so does the WACZ's page list now (before: the first crawl's date, while the home
    page beside it was listed at its latest)."""
    post = make_post()
    upsert_post(db, post)
    record_capture(db, capture(url=post.url, warc_offset=post.warc_offset,
                               fetched_at=post.fetched_at))
    record_capture(db, capture(url=post.url, record_type="revisit", warc_file="b.warc.gz",
                               fetched_at="2024-02-01T00:00:00Z"))
    record_capture(db, capture(url=post.url, status=304, record_type="revisit",
                               warc_file="c.warc.gz", fetched_at="2024-03-01T00:00:00Z"))
    record_capture(db, capture(url=post.url, digest="sha1:BBB", warc_file="d.warc.gz",
                               fetched_at="2024-04-01T00:00:00Z"))  # edited, not stored
    (listed,) = [p for p in page_captures(db) if p["url"] == post.url]
    assert (listed["ts"], listed["warc_files"]) == ("2024-02-01T00:00:00Z",
                                                    ["a.warc.gz", "b.warc.gz"])


def test_captures_latest_and_by_digest(db):
    first = capture()
    later = capture(warc_offset=500, fetched_at="2024-02-01T00:00:00Z", record_type="revisit")
    assert record_capture(db, first) == record_capture(db, first)
    record_capture(db, later)
    assert db.table("captures").count == 2
    assert latest_capture(db, first.url) == later
    assert latest_capture(db, first.url, at="2024-01-15T00:00:00Z") == first
    assert latest_capture(db, "https://elsewhere/") is None
    assert capture_by_digest(db, "sha1:AAA") == first
    assert capture_by_digest(db, "sha1:BBB") is None


def test_sites_keep_first_crawl(db):
    upsert_site(db, "s.blogspot.com", blog_id="1", crawled_at="2024-01-01T00:00:00Z")
    upsert_site(db, "s.blogspot.com", title="S", crawled_at="2024-03-01T00:00:00Z")
    row = db.table("sites").get("s.blogspot.com")
    assert (row["blog_id"], row["title"]) == ("1", "S")
    assert (row["first_crawl"], row["last_crawl"]) == ("2024-01-01T00:00:00Z",
                                                       "2024-03-01T00:00:00Z")


def test_runs_start_and_finish(db):
    run_id = start_run(db, "s.blogspot.com", "https://s.blogspot.com/", {"DELAY": 1})
    assert db.table("runs").get(run_id)["status"] == "running"
    finish_run(db, run_id, "finished", {"posts_new": 3, "errors": 1},
                     {"finish_reason": "finished"})
    row = db.table("runs").get(run_id)
    assert (row["status"], row["posts_new"], row["errors"], row["pages"]) == (
        "finished", 3, 1, 0)
    assert '"finish_reason"' in row["stats"]
    with pytest.raises(ValueError, match="unknown run counters"):
        finish_run(db, run_id, "finished", {"bogus": 1}, {})


def test_close_stale_runs_marks_only_this_sites_running_runs_killed(db):
    dead = start_run(db, "a.blogspot.com", "https://a.blogspot.com/", {})
    done = start_run(db, "a.blogspot.com", "https://a.blogspot.com/", {})
    finish_run(db, done, status="finished", counters={}, stats={})
    other = start_run(db, "b.blogspot.com", "https://b.blogspot.com/", {})
    assert close_stale_runs(db, "a.blogspot.com", since="2000-01-01") == 1
    status = {r["id"]: r["status"] for r in db.query("select id, status from runs")}
    assert status == {dead: "killed", done: "finished", other: "running"}


def test_iter_posts_filters_and_count(db):
    upsert_post(db, make_post())
    upsert_post(db, make_post(post_id="2", site="other", labels=["x"], kind="page",
                                    published="2023-05-01T00:00:00Z"))
    assert [p.post_id for p in iter_posts(db)] == ["2", "222"]
    assert [p.post_id for p in iter_posts(db, label="ข่าว")] == ["222"]
    assert [p.post_id for p in iter_posts(db, kind="page")] == ["2"]
    assert count_posts(db, since="2024-01-01") == 1
    assert count_posts(db, until="2023-05-01") == 1


text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=text_st, text=text_st, labels=st.lists(text_st, max_size=3),
       offset=st.none() | st.integers(0, 2**62))
def test_any_post_survives_store_and_load(db, title, text, labels, offset):
    # A fresh key per example: the database fixture is shared by all examples.
    post = make_post(post_id=uuid.uuid4().hex, title=title, text=text, labels=labels,
                     warc_offset=offset)
    upsert_post(db, post)
    assert get_post(db, post.blog_id, post.post_id) == post
    assert upsert_post(db, post) == "unchanged"


def test_a_post_stored_under_an_id_made_from_its_url_gets_the_pages_id(db):
    """An older extractor found no id on the page (a news template: items.fallback_post_id
    made one from the URL); the page's own id, found now, updates that row: one row, its
    comments and earlier versions keyed with it, not a second row for the same post."""
    from goahead_crawler.items import fallback_post_id

    made = fallback_post_id("https://news.blogspot.com/2024/01/a.html")
    upsert_post(db, make_post(post_id=made))
    upsert_post(db, make_post(post_id=made, text="first version"))
    upsert_comments(db, "111", made, [Comment(author="a", text="ดีมาก", published="2024-01-01")])
    assert upsert_post(db, make_post(post_id="380660790389322030")) == "updated"
    assert db.table("posts").count == 1
    assert get_post(db, "111", "380660790389322030").text == "ย่อหน้าแรก\n\nsecond paragraph"
    assert get_post(db, "111", made) is None
    assert len(post_versions(db, "111", "380660790389322030")) == 2
    assert [c["post_id"] for c in db.query("SELECT post_id FROM comments")] == ["380660790389322030"]


def test_a_digit_id_never_adopts_another_posts_row(db):
    upsert_post(db, make_post(post_id="222"))
    upsert_post(db, make_post(post_id="333"))  # the same URL under another real id
    assert db.table("posts").count == 2
