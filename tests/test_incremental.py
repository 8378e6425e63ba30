"""Incremental re-crawls (issue 6): only what changed since the last run is fetched.

Whole crawls of the sample blog in a subprocess, then mutations (publish, edit, delete)
and re-crawls; each asserts the requests the blog saw and the new / updated / unchanged /
deleted counts in the archive.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import store
from goahead_crawler.blogger.changes import changed_since, sitemap_candidates, updated_min
from goahead_crawler.blogger.sitemap import SitemapEntry
from goahead_crawler.incremental import previous_run
from goahead_crawler.warc import records as rec
from sampleblog.content import new_post
from sampleblog.server import SampleSite, start
from tests.conftest import run_goahead

N_POSTS = 40
UNCHANGED = [
    ("GET", "/robots.txt", 200),
    ("GET", "/feeds/posts/summary?alt=json&start-index=1&max-results=1", 200),  # the total
    ("GET", ("/feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=updated"
             "&updated-min=SINCE"), 200),
    ("GET", "/sitemap.xml", 304),
    ("GET", "/sitemap-pages.xml", 304),
]
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


class Blog:
    """The sample blog, its archive, and crawls of it that return what the blog saw."""

    def __init__(self, site: SampleSite, tmp: Path) -> None:
        self.site, self.db, self.warcs = site, tmp / "archive.db", tmp / "warcs"

    def crawl(self, *flags: str) -> list[tuple[str, str, int]]:
        self.site.clear_requests()
        done = run_goahead("crawl", self.site.urls["goahead"], "--db", str(self.db),
                           "--warc-dir", str(self.warcs), "--delay", "0", "--concurrency",
                           "8", "--no-progress", *flags)
        assert done.returncode == 0, (done.stdout, done.stderr[-3000:])
        return self.site.requests("goahead")

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def last_run(self) -> dict:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return dict(conn.execute("select * from runs order by id desc").fetchone())

    def since(self) -> str:
        return json.loads(self.last_run()["stats"])["goahead/incremental/since"]


@pytest.fixture
def blog(tmp_path: Path) -> Iterator[Blog]:
    with start(["goahead"], n_posts=N_POSTS) as site:
        b = Blog(site, tmp_path)
        first = b.crawl()
        assert len(first) == N_POSTS + 2 + 5  # posts, pages, robots + feed + 3 sitemaps
        yield b


def with_since(expected: list[tuple[str, str, int]], since: str) -> list[tuple[str, str, int]]:
    return [(m, p.replace("SINCE", since.replace(":", "%3A")), s) for m, p, s in expected]


def not_modified_revisits(warcs: Path) -> list[dict[str, str]]:
    found = []
    for path in sorted(warcs.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                h = record.rec_headers
                if record.rec_type == "revisit" and h.get_header("WARC-Profile") == NOT_MODIFIED:
                    found.append({k: h.get_header(k) for k in (
                        "WARC-Target-URI", "WARC-Refers-To-Target-URI", "WARC-Refers-To-Date",
                        "WARC-Payload-Digest")} | {"status": record.http_headers.get_statuscode()})
    return found


def warcio_check(warcs: Path) -> subprocess.CompletedProcess[str]:
    files = [str(p) for p in sorted(warcs.glob("*.warc.gz"))]
    return subprocess.run([sys.executable, "-c", "from warcio.cli import main; main()",
                           "check", "-v", *files], capture_output=True, text=True, check=False)


def test_an_unchanged_blog_costs_five_requests(blog: Blog) -> None:
    seen = blog.crawl()
    assert seen == with_since(UNCHANGED, blog.since())
    run = blog.last_run()
    assert (run["posts_new"], run["posts_updated"], run["requests"]) == (0, 0, 5)
    assert blog.rows("select count(*) from posts where deleted_at is not null") == [(0,)]
    revisits = not_modified_revisits(blog.warcs)
    assert sorted(r["WARC-Target-URI"].split("/", 3)[3] for r in revisits) == [
        "sitemap-pages.xml", "sitemap.xml"]
    for r in revisits:  # each refers to the full response of the first crawl
        first = blog.rows("select fetched_at, digest from captures where url = ? and"
                          " record_type = 'response'", (r["WARC-Target-URI"],))
        assert r["status"] == "304"
        assert r["WARC-Refers-To-Target-URI"] == r["WARC-Target-URI"]
        assert first == [(r["WARC-Refers-To-Date"], r["WARC-Payload-Digest"])]
    assert warcio_check(blog.warcs).returncode == 0


def test_publish_edit_delete_then_recrawl(blog: Blog) -> None:
    site = blog.site
    posts = site.blog("goahead").posts
    edited, deleted = posts[3], posts[12]
    old_text = blog.rows("select text from posts where post_id = ?", (edited.post_id,))[0][0]
    fresh = site.publish("goahead", new_post(site.blog("goahead"), "Fresh news",
                                             "A new post.\n\nWith two paragraphs.",
                                             "2025-06-01T09:00:00+07:00"))
    site.edit("goahead", edited.post_id, "The corrected text.\n\nIt changed.")
    site.delete("goahead", deleted.post_id)

    seen = blog.crawl()
    since = blog.since().replace(":", "%3A")
    assert sorted(seen) == sorted([
        ("GET", "/robots.txt", 200),
        ("GET", "/feeds/posts/summary?alt=json&start-index=1&max-results=1", 200),
        ("GET", ("/feeds/posts/default?alt=json&start-index=1&max-results=150"
                 f"&orderby=updated&updated-min={since}"), 200),
        ("GET", "/sitemap.xml", 200),  # changed: its newest lastmod moved
        ("GET", "/sitemap.xml?page=1", 200),
        ("GET", "/sitemap-pages.xml", 304),
        ("GET", "/feeds/posts/summary?alt=json&start-index=1&max-results=150", 200),  # sweep
        ("GET", fresh.path, 200),
        ("GET", edited.path, 200),
        ("GET", deleted.path, 404),  # missing from the sweep: confirmed gone
    ])
    run = blog.last_run()
    stats = json.loads(run["stats"])
    assert (run["posts_new"], run["posts_updated"], run["posts_unchanged"]) == (1, 1, 0)
    assert stats["goahead/posts/marked_deleted"] == 1
    assert run["requests"] == len(seen) == 10
    versions = blog.rows("select text from post_versions where post_id = ?", (edited.post_id,))
    assert versions == [(old_text,)]
    now = blog.rows("select text from posts where post_id = ?", (edited.post_id,))[0][0]
    assert "The corrected text." in now
    gone = blog.rows("select deleted_at, text from posts where post_id = ?", (deleted.post_id,))
    assert len(gone) == 1  # kept ...
    assert gone[0][0]  # ... marked with the date it vanished ...
    assert gone[0][1]  # ... its text still there
    assert blog.rows("select count(*) from posts where kind = 'post'") == [(N_POSTS + 1,)]

    # Again at once: the two changed posts are inside the safety margin, so their pages are
    # asked again, conditionally, and answer 304; the deletion keeps its first date.
    seen = blog.crawl()
    pages = sorted((p, s) for _, p, s in seen if p.endswith(".html"))
    assert pages == sorted([(fresh.path, 304), (edited.path, 304)])
    run = blog.last_run()
    assert (run["posts_new"], run["posts_updated"], run["posts_unchanged"]) == (0, 0, 2)
    assert blog.rows("select deleted_at from posts where post_id = ?",
                     (deleted.post_id,)) == [(gone[0][0],)]
    assert len(not_modified_revisits(blog.warcs)) >= 2
    assert warcio_check(blog.warcs).returncode == 0

    listing = run_goahead("runs", "--db", str(blog.db), "--json")
    runs = json.loads(listing.stdout)
    assert [(r["new"], r["updated"], r["unchanged"], r["deleted"]) for r in runs[:2]] == [
        (0, 0, 2, 0), (1, 1, 0, 1)]


def test_full_flag_fetches_every_post_again(blog: Blog) -> None:
    seen = blog.crawl("--full")
    assert len(seen) == N_POSTS + 2 + 5
    assert all(s == 200 for _, _, s in seen)
    run = blog.last_run()
    assert (run["posts_new"], run["posts_updated"], run["posts_unchanged"]) == (
        0, 0, N_POSTS + 2)


# -- the parts -------------------------------------------------------------------------

def test_updated_min_is_the_run_start_minus_the_margin() -> None:
    assert updated_min("2026-01-02T00:05:00Z", 600) == "2026-01-01T23:55:00Z"
    assert updated_min("2026-01-02T07:05:00+07:00", 0) == "2026-01-02T00:05:00Z"
    with pytest.raises(ValueError, match="not a timestamp"):
        updated_min("yesterday", 0)


def test_sitemap_candidates_are_new_or_modified() -> None:
    since = "2026-01-01T00:00:00Z"
    entries = [SitemapEntry("https://b/2020/01/old.html", "2020-01-01T00:00:00Z"),
               SitemapEntry("https://b/2020/01/edited.html", "2026-01-01T00:00:01Z"),
               SitemapEntry("https://b/2026/01/new.html", "2020-01-01T00:00:00Z"),
               SitemapEntry("https://b/2020/01/nodate.html", None)]
    known = {"https://b/2020/01/old.html", "https://b/2020/01/edited.html",
             "https://b/2020/01/nodate.html"}
    chosen = [e.url.rsplit("/", 1)[1] for e in sitemap_candidates(entries, known, since)]
    assert chosen == ["edited.html", "new.html", "nodate.html"]
    assert changed_since("2026-01-01T07:00:00+07:00", since)  # the same instant


def test_previous_run_needs_a_finished_full_run_and_lists_failures(tmp_path: Path) -> None:
    db = store.open_archive(tmp_path / "a.db")
    failures = json.dumps([{"url": "http://b/2024/01/x.html", "error": "HTTP 503"}])
    sample = store.start_run(db, "b", "http://b/", {"GOAHEAD_MAX_POSTS": 5})
    store.finish_run(db, sample, "finished", {}, {})
    db.close()
    assert previous_run(str(tmp_path / "a.db"), "b", 0) is None  # a sample is not a base
    assert previous_run(str(tmp_path / "none.db"), "b", 0) is None
    db = store.open_archive(tmp_path / "a.db")
    full = store.start_run(db, "b", "http://b/", {"GOAHEAD_MAX_POSTS": 0})
    store.finish_run(db, full, "finished", {}, {"goahead/failures": failures})
    db.close()
    prev = previous_run(str(tmp_path / "a.db"), "b", 60)
    assert prev is not None
    assert prev.run_id == full
    assert prev.retry_urls == ["http://b/2024/01/x.html"]
    assert prev.since == updated_min(prev.started_at, 60)


def test_not_modified_record_is_a_valid_revisit() -> None:
    builder = rec.MemberWriter()
    ex = rec.Exchange("http://b/x.html", "GET", "/x.html", [("Host", "b")], b"", 304,
                      "Not Modified", "HTTP/1.1", [("ETag", 'W/"1"')], b"")
    record = rec.build_not_modified(builder, ex, "2026-01-02T00:00:00Z",
                                    ("http://b/x.html", "2026-01-01T00:00:00Z", "sha1:ABC"))
    parsed = next(iter(ArchiveIterator(io.BytesIO(builder.member(record)),
                                       check_digests="raise")))
    h = parsed.rec_headers
    assert parsed.rec_type == "revisit"
    assert h.get_header("WARC-Profile") == NOT_MODIFIED
    assert len([v for k, v in h.headers if k == "WARC-Profile"]) == 1
    assert (h.get_header("WARC-Refers-To-Date"), h.get_header("WARC-Payload-Digest")) == (
        "2026-01-01T00:00:00Z", "sha1:ABC")
    assert parsed.http_headers.get_statuscode() == "304"
