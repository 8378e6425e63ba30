"""Incremental re-crawls (issue 6): only what changed since the last run is fetched.

Whole crawls of the sample blog in a subprocess, then mutations (publish, edit, delete)
and re-crawls; each asserts the requests the blog saw and the new / updated / unchanged /
deleted counts in the archive.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from warcio.archiveiterator import ArchiveIterator

from archive.connection import open_archive, open_read_only
from archive.models import Post
from archive.posts import set_deleted, upsert_post
from archive.runs import finish_run, start_run
from archive.timestamps import format_utc
from goahead_crawler.blogger.changes import changed_since, sitemap_candidates, updated_min
from goahead_crawler.blogger.sitemap import SitemapEntry
from goahead_crawler.middleware.conditional import CONDITIONAL
from goahead_crawler.spiders.blogger import BloggerSpider
from goahead_crawler.spiders.incremental import PreviousRun, load_previous, previous_run
from goahead_crawler.warc import records as rec
from sampleblog.content import new_post
from sampleblog.server import SampleSite, start
from sampleblog.site import SiteOptions
from tests.conftest import goahead_crawler, run_goahead

ROOT_DIR = Path(__file__).resolve().parents[1]
N_POSTS = 40
SUMMARY = "/feeds/posts/summary?alt=json&start-index=1&max-results="
TOTAL = SUMMARY + "1&orderby=published"  # the posts' count
SWEEP = SUMMARY + "150&orderby=published"  # every live post
BLOG_COMMENTS = ("/feeds/comments/default?alt=json&start-index=1&max-results=150"
                 "&orderby=updated&updated-min=SINCE")
UNCHANGED = [
    ("GET", "/robots.txt", 200),
    ("GET", TOTAL, 200),
    ("GET", ("/feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=updated"
             "&updated-min=SINCE"), 200),
    ("GET", "/sitemap.xml", 304),
    ("GET", "/sitemap-pages.xml", 304),
    ("GET", BLOG_COMMENTS, 200),  # new comments on posts not fetched: none
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


def first_crawl(b: Blog) -> None:
    first = b.crawl()
    # posts, pages, robots + feed + 3 sitemaps + the pages feed, the home page and the
    # month archives
    assert len(first) == N_POSTS + 2 + 6 + len(listings(b.site.blog("goahead").posts))


@pytest.fixture(scope="module")
def first_crawled(tmp_path_factory) -> tuple[dict[str, int], Path]:
    """The sample blog's first crawl, made once for the module: the ports its blog and CDN
    were served on, and the folder of its archive and WARC files."""
    out = tmp_path_factory.mktemp("first-crawl")
    with start(["goahead"], n_posts=N_POSTS) as site:
        first_crawl(Blog(site, out))
        return site.ports, out


@pytest.fixture
def blog(first_crawled: tuple[dict[str, int], Path], tmp_path: Path) -> Iterator[Blog]:
    """A fresh sample blog (each test changes its own) with the archive of its first crawl:
    a copy of ``first_crawled``'s, the blog served on the same ports (the archive keys its
    site on them) with the same posts. Where a port was taken meanwhile, its own first
    crawl."""
    ports, made = first_crawled
    with start(["goahead"], n_posts=N_POSTS, ports=ports) as site:
        b = Blog(site, tmp_path)
        if site.ports == ports:
            shutil.copytree(made, tmp_path, dirs_exist_ok=True)
        else:
            first_crawl(b)
        yield b


def listings(posts: list) -> set[str]:
    """The home page and the /YYYY/MM/ archive pages of ``posts`` (captured for replay)."""
    return {"/"} | {post.path[:len("/YYYY/MM/")] for post in posts}


def assert_requests(seen: list[tuple[str, str, int]],
                    expected: list[tuple[str, str, int]]) -> None:
    """robots.txt first (Scrapy holds every other request until it has it), then exactly
    the expected requests in whatever order they reached the server: they are sent
    concurrently, so that order is the thread scheduler's, not the crawler's (comparing
    it failed under load)."""
    assert seen[:1] == expected[:1] == [("GET", "/robots.txt", 200)], seen
    assert sorted(seen[1:]) == sorted(expected[1:])


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


@pytest.mark.crawl
def test_an_unchanged_blog_costs_six_requests(blog: Blog) -> None:
    seen = blog.crawl()
    assert_requests(seen, with_since(UNCHANGED, blog.since()))
    run = blog.last_run()
    assert (run["posts_new"], run["posts_updated"], run["requests"]) == (0, 0, 6)
    # the previous run, the validators and the digest lookups read the pipeline's connection
    assert json.loads(run["stats"])["goahead/archive/connections"] == 1
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


@pytest.mark.crawl
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
    assert_requests(seen, [
        ("GET", "/robots.txt", 200),
        ("GET", TOTAL, 200),
        ("GET", ("/feeds/posts/default?alt=json&start-index=1&max-results=150"
                 f"&orderby=updated&updated-min={since}"), 200),
        ("GET", "/sitemap.xml", 200),  # changed: its newest lastmod moved
        ("GET", "/sitemap.xml?page=1", 200),
        ("GET", "/sitemap-pages.xml", 304),
        ("GET", BLOG_COMMENTS.replace("SINCE", since), 200),
        ("GET", SWEEP, 200),
        ("GET", fresh.path, 200),
        ("GET", edited.path, 200),
        ("GET", deleted.path, 404),  # missing from the sweep: confirmed gone
        # the listings that changed with them: home page, their months (for replay)
        *(("GET", path, 200) for path in listings([fresh, edited, deleted])),
    ])
    run = blog.last_run()
    stats = json.loads(run["stats"])
    assert (run["posts_new"], run["posts_updated"], run["posts_unchanged"]) == (1, 1, 0)
    assert stats["goahead/posts/marked_deleted"] == 1
    assert run["requests"] == len(seen) == 11 + len(listings([fresh, edited, deleted]))
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


@pytest.mark.crawl
def test_posts_only_the_sitemap_lists_cost_a_304_each_not_a_sweep(tmp_path: Path) -> None:
    """Posts the feed leaves out (the sitemap lists them) made the feed's total fall short
    of the archive's on every re-run: a sweep of the whole feed (a page per 150 posts) and
    a request for each. The run now says which posts the feed does not list; the next
    counts without them and asks for each of them conditionally (a 304, or a 404 that
    marks it deleted: the sitemap index does not change when an older post goes). A
    deleted feed post is still swept for."""
    options = SiteOptions(extra_sitemap_only_posts=3)
    with start(["goahead"], n_posts=N_POSTS, options=options) as site:
        blog = Blog(site, tmp_path)
        blog.crawl()
        posts = site.blog("goahead").posts
        only_sitemap = [p for p in posts if p.post_id in site.site("goahead").sitemap_only]
        assert len(only_sitemap) == 3
        asked_again = [("GET", p.path, 304) for p in only_sitemap]
        assert_requests(blog.crawl(), with_since(UNCHANGED, blog.since()) + asked_again)
        stats = json.loads(blog.last_run()["stats"])
        assert "goahead/incremental/sweep_pages" not in stats
        assert len(json.loads(stats["goahead/feed/unlisted_posts"])["posts"]) == 3

        site.delete("goahead", only_sitemap[0].post_id)
        seen = blog.crawl()
        assert ("GET", only_sitemap[0].path, 404) in seen
        assert SWEEP not in {p for _, p, _ in seen}
        feed_post = next(p for p in posts if p.kind == "post" and p not in only_sitemap)
        site.delete("goahead", feed_post.post_id)
        seen = blog.crawl()
        assert SWEEP in {p for _, p, _ in seen}
        assert ("GET", feed_post.path, 404) in seen
        gone = blog.rows("select post_id from posts where deleted_at is not null")
        assert sorted(gone) == sorted([(only_sitemap[0].post_id,), (feed_post.post_id,)])
        assert len(json.loads(json.loads(blog.last_run()["stats"])[
            "goahead/feed/unlisted_posts"])["posts"]) == 2


@pytest.mark.crawl
def test_a_scheduled_resume_crawl_is_incremental_too(blog: Blog) -> None:
    """cron runs ``goahead crawl --resume``: a fresh job there is incremental."""
    seen = blog.crawl("--resume")
    assert_requests(seen, with_since(UNCHANGED, blog.since()))
    assert blog.last_run()["status"] == "finished"


@pytest.mark.crawl
def test_full_flag_fetches_every_post_again(blog: Blog) -> None:
    seen = blog.crawl("--full")
    assert len(seen) == N_POSTS + 2 + 6 + len(listings(blog.site.blog("goahead").posts))
    assert all(s == 200 for _, _, s in seen)
    run = blog.last_run()
    assert (run["posts_new"], run["posts_updated"], run["posts_unchanged"]) == (
        0, 0, N_POSTS + 2)


@pytest.mark.crawl
def test_a_new_comment_on_an_old_post_is_archived(blog: Blog) -> None:
    """A comment leaves its post's ``updated`` as it was: the incremental feed does not
    name the post; the blog-wide comments feed does, and the post's own comments feed is
    fetched (not its page). A post fetched anyway (edited) takes its comments from its page."""
    site = blog.site
    posts = site.blog("goahead").posts
    old = next(p for p in posts[10:] if p.comments)  # read from its page by the 1st run
    edited = posts[4]
    site.add_comment("goahead", old.post_id, "Reader", "A late reply on an old post.")
    site.add_comment("goahead", edited.post_id, "Other", "A reply on the edited post.")
    site.edit("goahead", edited.post_id, "The corrected text.")
    seen = blog.crawl()
    since = blog.since()
    assert_requests(seen, with_since([
        *UNCHANGED[:3],
        ("GET", "/sitemap.xml", 200),  # the edit moved its newest lastmod
        ("GET", "/sitemap.xml?page=1", 200),
        ("GET", "/sitemap-pages.xml", 304),
        ("GET", BLOG_COMMENTS, 200),
        ("GET", edited.path, 200),
        ("GET", (f"/feeds/{old.post_id}/comments/default?alt=json&start-index=1"
                 "&max-results=150&orderby=published"), 200),
        *(("GET", path, 200) for path in listings([edited])),
    ], since))
    stats = json.loads(blog.last_run()["stats"])
    assert stats["goahead/comments/new_posts"] == 1
    assert stats["goahead/comments/new_on_fetched"] == 1
    # the old post's comments, each once: those its page showed are now known by their id
    stored = blog.rows("select comment_id, text from comments where post_id = ?",
                       (old.post_id,))
    assert sorted(c for c, _ in stored) == sorted(c.comment_id for c in old.comments)
    assert dict(stored)[old.comments[-1].comment_id] == "A late reply on an old post."
    texts = blog.rows("select text from comments where post_id = ?", (edited.post_id,))
    assert texts == [("A reply on the edited post.",)]  # from its page


@pytest.mark.crawl
def test_a_stopped_then_resumed_job_still_fetches_new_comments_on_old_posts(
        blog: Blog) -> None:
    """A ``--resume`` job stopped (SIGTERM) after the blog-wide comments feed named an old
    post with a new comment, before discovery was over: the resumed job forgot that list
    (a warning at most) and ended "finished", from when the job began; the next run's
    comments-feed cut-off was past that comment, so it was never archived. The job's
    JOBDIR state now carries the list, and the resumed job fetches that post's comments."""
    site = blog.site
    posts = site.blog("goahead").posts
    edited = posts[:20]  # the incremental run's work, long enough to be stopped midway
    old = next(p for p in posts[25:] if p.comments)
    late = site.add_comment("goahead", old.post_id, "Reader", "A reply the job must keep.")
    for post in edited:
        site.edit("goahead", post.post_id, f"Corrected {post.post_id}.")
    time.sleep(1.1)  # the comment is older than the job, to the second
    site.clear_requests()
    args = [sys.executable, "-m", "goahead_crawler", "crawl", site.urls["goahead"], "--db",
            str(blog.db), "--warc-dir", str(blog.warcs), "--no-progress", "--resume"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="tests.no_margin_settings")
    stopped = subprocess.Popen([*args, "--delay", "0.3"], cwd=ROOT_DIR,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    paths = {p.path for p in edited}
    deadline = time.monotonic() + 120
    try:
        while True:
            seen = [path for _, path, _ in site.requests("goahead")]
            if (any(p.startswith("/feeds/comments/default?") for p in seen)
                    and len(paths.intersection(seen)) >= 3):
                break
            assert stopped.poll() is None, "the job ended before it could be stopped"
            assert time.monotonic() < deadline, "the job made no progress"
            time.sleep(0.05)
        stopped.send_signal(signal.SIGTERM)
        stopped.wait(timeout=60)
    finally:
        if stopped.poll() is None:
            stopped.kill()
            stopped.wait()
    assert blog.last_run()["status"] == "shutdown"
    own_feed = f"/feeds/{old.post_id}/comments/default?"
    assert not any(p.startswith(own_feed) for _, p, _ in site.requests("goahead"))
    assert len(paths.intersection(p for _, p, _ in site.requests("goahead"))) < len(paths)

    resumed = subprocess.run([*args, "--delay", "0", "-v"], cwd=ROOT_DIR, env=env,
                             capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming" in resumed.stderr
    assert blog.last_run()["status"] == "finished"
    assert any(p.startswith(own_feed) for _, p, _ in site.requests("goahead"))
    stored = blog.rows("select text from comments where comment_id = ?", (late.comment_id,))
    assert stored == [("A reply the job must keep.",)]
    stats = json.loads(blog.last_run()["stats"])
    assert stats["goahead/comments/new_posts"] == 1
    assert "goahead/comments/new_not_resumed" not in stats
    rebuilt = blog.db.with_name("rebuilt.db")  # the WARC files say the same
    done = run_goahead("reindex", "--db", str(rebuilt), "--warc-dir", str(blog.warcs))
    assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(rebuilt) as conn:
        assert conn.execute("select text from comments where comment_id = ?",
                            (late.comment_id,)).fetchall() == stored


@pytest.mark.crawl
def test_no_comments_looks_for_no_new_comments(blog: Blog) -> None:
    post = blog.site.blog("goahead").posts[20]
    comment = blog.site.add_comment("goahead", post.post_id, "Reader", "Not wanted.")
    seen = blog.crawl("--no-comments")
    assert_requests(seen, with_since(UNCHANGED[:-1], blog.since()))
    assert blog.rows("select count(*) from comments where comment_id = ?",
                     (comment.comment_id,)) == [(0,)]


@pytest.mark.crawl
def test_a_blog_whose_comment_feeds_are_off_skips_them(blog: Blog) -> None:
    site = blog.site
    site.site("goahead").options.comment_feeds = False
    site.add_comment("goahead", site.blog("goahead").posts[20].post_id, "Reader", "Hidden.")
    site.clear_requests()
    done = run_goahead("crawl", site.urls["goahead"], "--db", str(blog.db), "--warc-dir",
                       str(blog.warcs), "--delay", "0", "--no-progress", "-v")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "comments feed answers 404 (switched off)" in done.stderr
    expected = with_since(UNCHANGED, blog.since())
    assert_requests(site.requests("goahead"), [*expected[:-1], (*expected[-1][:2], 404)])
    assert blog.last_run()["status"] == "finished"


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
    # a sitemap on the other scheme than the archive's names: the same posts, none new
    http = {url.replace("https://", "http://") for url in known}
    assert len(sitemap_candidates(entries, http, since)) == 4
    chosen = sitemap_candidates(entries, http, since,
                                key=lambda url: url.replace("https://", "http://"))
    assert [e.url.rsplit("/", 1)[1] for e in chosen] == ["edited.html", "new.html",
                                                          "nodate.html"]


def load_previous_of(path: Path, site: str, margin: float) -> PreviousRun | None:
    """What the spider's start() loads, through the crawl's archive connection."""
    crawler = goahead_crawler(BloggerSpider, GOAHEAD_ARCHIVE_DB=str(path),
                              GOAHEAD_INCREMENTAL_MARGIN=margin)
    return load_previous(crawler, f"http://{site}/")


def test_previous_run_needs_a_finished_full_run_and_lists_failures(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    failures = json.dumps([{"url": "http://b/2024/01/x.html", "error": "HTTP 503"}])
    sample = start_run(db, "b", "http://b/", {"GOAHEAD_MAX_POSTS": 5})
    finish_run(db, sample, "finished", {}, {})
    db.close()
    assert load_previous_of(tmp_path / "a.db", "b", 0) is None  # a sample is not a base
    assert load_previous_of(tmp_path / "none.db", "b", 0) is None
    assert previous_run(None, "b", 0) is None
    db = open_archive(tmp_path / "a.db")
    full = start_run(db, "b", "http://b/", {"GOAHEAD_MAX_POSTS": 0})
    finish_run(db, full, "finished", {}, {"goahead/failures": failures})
    db.close()
    prev = load_previous_of(tmp_path / "a.db", "b", 60)
    assert prev is not None
    assert prev.run_id == full
    assert prev.retry_urls == ["http://b/2024/01/x.html"]
    assert prev.since == updated_min(prev.started_at, 60)
    assert prev == previous_run(open_read_only(tmp_path / "a.db"), "b", 60)


def test_a_resumed_run_is_a_base_from_when_its_job_began(tmp_path: Path) -> None:
    """A run that resumed a stopped job (--resume, a job dir on Scrapyd) fetched only what
    that job had left: the edits made since the job began, to posts it had fetched, were
    never asked for, and an updated-min from the resumed run's own start missed them for
    good (until --full)."""
    db = open_archive(tmp_path / "a.db")
    stopped = start_run(db, "b", "http://b/", {"GOAHEAD_MAX_POSTS": 0})
    finish_run(db, stopped, "shutdown", {}, {})
    job_began = db.execute("select started_at from runs where id = ?", [stopped]).fetchone()[0]
    resumed = start_run(db, "b", "http://b/", {"GOAHEAD_MAX_POSTS": 0,
                                                "GOAHEAD_RESUME_SINCE": job_began})
    db.execute("update runs set started_at = '2099-01-01T00:00:00Z' where id = ?", [resumed])
    finish_run(db, resumed, "finished", {}, {})
    db.close()
    prev = load_previous_of(tmp_path / "a.db", "b", 0)
    assert prev is not None
    assert (prev.run_id, prev.started_at) == (resumed, job_began)
    assert prev.since == updated_min(job_began, 0)


def test_not_modified_record_is_a_valid_revisit() -> None:
    builder = rec.MemberWriter()
    ex = rec.Exchange("http://b/x.html", "GET", "/x.html", [("Host", "b")], b"", 304,
                      "Not Modified", "HTTP/1.1", [("ETag", 'W/"1"')], b"")
    record = rec.build_revisit(builder, ex, "2026-01-02T00:00:00Z",
                               ("http://b/x.html", "2026-01-01T00:00:00Z"), digest="sha1:ABC",
                               profile=rec.NOT_MODIFIED_PROFILE)
    parsed = next(iter(ArchiveIterator(io.BytesIO(builder.member(record)),
                                       check_digests="raise")))
    h = parsed.rec_headers
    assert parsed.rec_type == "revisit"
    assert h.get_header("WARC-Profile") == NOT_MODIFIED
    assert len([v for k, v in h.headers if k == "WARC-Profile"]) == 1
    assert (h.get_header("WARC-Refers-To-Date"), h.get_header("WARC-Payload-Digest")) == (
        "2026-01-01T00:00:00Z", "sha1:ABC")
    assert parsed.http_headers.get_statuscode() == "304"


# -- the spider's incremental routes, on fake responses ----------------------------------

ROOT = "https://goaheadnews.blogspot.com/"
SINCE = "2026-01-01T00:00:00Z"


def incremental_spider(live: set[str], retry: list[str] | None = None) -> BloggerSpider:
    spider = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    spider.previous = PreviousRun(1, SINCE, SINCE, live, retry or [])
    return spider


def feed_json(urls: list[str], total: int) -> bytes:
    entries = [{"id": {"$t": f"tag:blogger.com,1999:blog-1.post-{i}"},
                "link": [{"rel": "alternate", "href": u}]} for i, u in enumerate(urls)]
    return json.dumps({"feed": {"openSearch$totalResults": {"$t": str(total)},
                                "openSearch$startIndex": {"$t": "1"},
                                "entry": entries}}).encode()


def test_incremental_start_asks_for_the_total_and_retries_failures() -> None:
    spider = incremental_spider(set(), [f"{ROOT}2024/01/failed.html", f"{ROOT}feeds/x"])
    out = list(spider._incremental_start())
    assert [r.url for r in out] == [
        ROOT + TOTAL[1:],
        f"{ROOT}2024/01/failed.html",  # only post and page URLs are asked again
    ]
    assert out[1].meta[CONDITIONAL] is True
    feed = spider._feed_request(1)
    assert feed.url.endswith("&orderby=updated&updated-min=2026-01-01T00%3A00%3A00Z")


def test_304_sitemap_and_post_need_nothing() -> None:
    spider = incremental_spider({f"{ROOT}2024/01/a.html"})
    url = f"{ROOT}sitemap.xml"
    request = Request(url, meta={"goahead_index": True})
    assert list(spider.parse_sitemap(XmlResponse(url, status=304, request=request))) == []
    assert spider.discovery.sitemap_state == "ok"  # no pager fallback for a sitemap that is unchanged
    post = f"{ROOT}2024/01/a.html"
    assert list(spider.parse_post(HtmlResponse(post, status=304, request=Request(post)))) == []
    assert spider.crawler.stats.get_value("goahead/posts/not_modified") == 1


def test_a_changed_sitemap_names_only_new_or_modified_posts() -> None:
    spider = incremental_spider({f"{ROOT}2020/01/old.html", f"{ROOT}2020/01/edited.html"})
    spider.frontier.feed_done = True
    body = ("<?xml version='1.0' encoding='UTF-8'?>"
            "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"<url><loc>{ROOT}2020/01/old.html</loc><lastmod>2020-01-01T00:00:00Z</lastmod></url>"
            f"<url><loc>{ROOT}2020/01/edited.html</loc><lastmod>2026-02-01T00:00:00Z</lastmod>"
            f"</url><url><loc>{ROOT}2026/01/new.html</loc><lastmod>2026-02-01T00:00:00Z</lastmod>"
            "</url></urlset>").encode()
    url = f"{ROOT}sitemap.xml?page=1"
    out = list(spider.parse_sitemap(XmlResponse(url, body=body, request=Request(url))))
    assert [r.url for r in out] == [f"{ROOT}2020/01/edited.html", f"{ROOT}2026/01/new.html"]


def test_fewer_live_posts_than_archived_sweeps_the_feed_for_the_missing() -> None:
    live = {f"{ROOT}2024/01/a.html", f"{ROOT}2024/01/b.html", f"{ROOT}2024/01/gone.html"}
    spider = incremental_spider(live)
    spider.discovery.feed_state = "done"
    total_url = ROOT + TOTAL[1:]
    probe = TextResponse(total_url, body=feed_json([], 2), request=Request(total_url))
    (sweep,) = list(spider.parse_totals(probe))
    assert sweep.url == ROOT + SWEEP[1:]
    page = TextResponse(sweep.url, request=sweep,
                        body=feed_json([f"{ROOT}2024/01/a.html", f"{ROOT}2024/01/b.html"], 2))
    (confirm,) = list(spider.parse_sweep(page))
    assert confirm.url == f"{ROOT}2024/01/gone.html"
    assert confirm.errback == spider.post_failed  # its 404 marks it deleted


def resumed_job(stopped: BloggerSpider, live: Iterable[str], db_path: Path) -> BloggerSpider:
    """The spider of ``stopped``'s job resumed from its JOBDIR state (pickled, as Scrapy's
    SpiderState keeps it), with an archive holding the posts ``live``."""
    with open_archive(db_path) as db:
        for i, url in enumerate(live):
            upsert_post(db, Post("1", str(i), url, "goaheadnews.blogspot.com"))
    resumed = BloggerSpider.from_crawler(
        goahead_crawler(BloggerSpider, GOAHEAD_ARCHIVE_DB=str(db_path)), url=ROOT)
    resumed.state = pickle.loads(pickle.dumps(stopped.state))
    assert resumed._restore()
    assert resumed.previous is None
    return resumed


def test_a_resumed_job_finishes_the_deletion_sweep_its_queue_kept(tmp_path: Path) -> None:
    """A ``--resume`` job stopped while it swept the feed for deleted posts: resumed, the
    page its queue kept was answered by a spider with no previous run, and the sweep's end
    read ``previous.live_posts`` (AttributeError: no post confirmed deleted, an error in the
    run). Now what the sweep listed is kept in the JOBDIR state, and its end compares with
    the posts the archive holds live: only the one the blog no longer lists is asked for."""
    urls = {name: f"{ROOT}2024/01/{name}.html" for name in ("a", "b", "c", "d", "e", "gone")}
    stopped = incremental_spider(set(urls.values()))
    stopped.state = {}
    stopped.page_size = 2
    stopped.discovery.feed_state = "done"
    total_url = ROOT + TOTAL[1:]
    probe = TextResponse(total_url, body=feed_json([], 5), request=Request(total_url))
    (sweep,) = list(stopped.parse_totals(probe))
    page1 = TextResponse(sweep.url, request=sweep,
                         body=feed_json([urls["a"], urls["b"]], 5))
    (queued,) = list(stopped.parse_sweep(page1))
    stopped.closed("shutdown")

    resumed = resumed_job(stopped, urls.values(), tmp_path / "archive.db")
    resumed.page_size = 2
    page3 = TextResponse(queued.url, request=queued, body=feed_json([urls["c"], urls["d"]], 5))
    (following,) = list(resumed.parse_sweep(page3))
    last = TextResponse(following.url, request=following, body=feed_json([urls["e"]], 5))
    (confirm,) = list(resumed.parse_sweep(last))
    assert confirm.url == urls["gone"]
    assert confirm.errback == resumed.post_failed  # its 404 marks it deleted
    assert resumed.sweep_state == "done"


@pytest.mark.parametrize(("days_ago", "swept"), [(1, False), (8, True)])
def test_posts_the_feed_did_not_list_are_learnt_again_after_a_week(days_ago: int,
                                                                   swept: bool) -> None:
    """One of them may join the feed while a feed post goes: the count cannot see that,
    so after GOAHEAD_UNLISTED_RECHECK_DAYS (7) the feed is read whole again anyway."""
    live = {f"{ROOT}2024/01/a.html", f"{ROOT}2024/01/b.html", f"{ROOT}2024/01/only.html"}
    spider = incremental_spider(live)
    spider.previous.unlisted = {f"{ROOT}2024/01/only.html"}
    spider.previous.unlisted_since = format_utc(datetime.now(UTC) - timedelta(days=days_ago))
    spider.discovery.feed_state = "done"
    total_url = ROOT + TOTAL[1:]
    probe = TextResponse(total_url, body=feed_json([], 2), request=Request(total_url))
    asked = [r.url for r in spider.parse_totals(probe)]
    assert asked == ([ROOT + SWEEP[1:]] if swept else [])


def test_a_post_the_feed_lists_now_is_no_longer_unlisted() -> None:
    live = {f"{ROOT}2024/01/a.html", f"{ROOT}2024/01/only.html"}
    spider = incremental_spider(live)
    spider.previous.unlisted = {f"{ROOT}2024/01/only.html"}
    spider.previous.unlisted_since = "2026-01-01T00:00:00Z"
    spider.discovery.feed_state = "done"
    list(spider._schedule(f"{ROOT}2024/01/only.html", "feed"))  # an edit: in the feed now
    spider._record_unlisted()
    recorded = json.loads(spider.crawler.stats.get_value("goahead/feed/unlisted_posts"))
    assert recorded == {"since": "2026-01-01T00:00:00Z", "posts": []}


def test_as_many_live_posts_as_archived_needs_no_sweep() -> None:
    spider = incremental_spider({f"{ROOT}2024/01/a.html"})
    spider.discovery.feed_state = "done"
    total_url = ROOT + TOTAL[1:]
    probe = TextResponse(total_url, body=feed_json([], 1), request=Request(total_url))
    assert list(spider.parse_totals(probe)) == []


def test_a_feed_read_short_of_its_total_records_no_unlisted_posts() -> None:
    """The feed counts 6 posts and answers its first 2 at every start-index; the sitemap
    names the other 4. They are in the feed: not "unlisted" (which would leave them out
    of the next run's deletion count, and ask for each of them every run)."""
    spider = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    urls = [f"{ROOT}2024/01/{name}.html" for name in "abcdef"]
    first = f"{ROOT}feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    page = TextResponse(first, body=feed_json(urls[:2], 6), request=Request(first))
    following = [r for r in spider.parse_feed_page(page) if "/feeds/" in r.url]
    assert [r.meta["goahead_start"] for r in following] == [3]
    again = TextResponse(following[0].url, body=feed_json(urls[:2], 6), request=following[0])
    list(spider.parse_feed_page(again))  # nothing new, no dates to page by: the feed stops
    assert spider.discovery.feed_state == "done"
    for url in urls[2:]:
        list(spider._schedule(url, "sitemap"))
    spider._record_unlisted()
    assert spider.crawler.stats.get_value("goahead/feed/unlisted_posts") is None


def comments_json(replies: list[tuple[str, str]], total: int, start: int = 1) -> bytes:
    """A blog-wide comments feed page: (comment id, post id) per entry."""
    entries = [{"id": {"$t": f"tag:blogger.com,1999:blog-1.post-{c}"},
                "thr$in-reply-to": {"href": f"{ROOT}2020/01/p{p}.html",
                                    "ref": f"tag:blogger.com,1999:blog-1.post-{p}"}}
               for c, p in replies]
    return json.dumps({"feed": {"openSearch$totalResults": {"$t": str(total)},
                                "openSearch$startIndex": {"$t": str(start)},
                                "entry": entries}}).encode()


def blog_comments_response(spider: BloggerSpider, body: bytes, start: int) -> TextResponse:
    request = spider._blog_comments_request(start)
    return TextResponse(request.url, body=body, request=request)


def test_the_blog_comments_feed_is_paged_and_names_posts_not_fetched() -> None:
    live = {f"{ROOT}2020/01/p{i}.html" for i in (1, 2, 3)}
    spider = incremental_spider(live)
    spider.page_size = 2
    (first,) = spider._new_comments_start()
    assert "/feeds/comments/default?" in first.url
    assert first.url.endswith("&orderby=updated&updated-min=2026-01-01T00%3A00%3A00Z")
    page1 = comments_json([("11", "1"), ("12", "2")], total=9)
    (following,) = spider.parse_blog_comments(blog_comments_response(spider, page1, 1))
    assert "start-index=3&max-results=2" in following.url
    page2 = comments_json([("13", "3"), ("14", "9")], total=9, start=3)
    (third,) = spider.parse_blog_comments(blog_comments_response(spider, page2, 3))
    assert "start-index=5&max-results=2" in third.url
    # a page that repeats the last: stopped, as the posts feed is
    assert list(spider.parse_blog_comments(blog_comments_response(spider, page2, 5))) == []
    assert spider.crawler.stats.get_value("goahead/stopped/blog-comments") == 1
    spider.comments_read.add(f"{ROOT}2020/01/p2.html")  # its page fetched by this run
    asked = spider._new_comments_idle()
    assert [r.url for r in asked] == [
        f"{ROOT}feeds/{p}/comments/default?alt=json&start-index=1&max-results=150"
        "&orderby=published" for p in ("1", "3")]  # post 9 is not in the archive
    assert {r.meta["goahead_source"] for r in asked} == {"comments-new"}
    assert spider._new_comments_idle() == []  # once a run


def test_a_full_crawl_does_not_read_the_blog_comments_feed() -> None:
    spider = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    assert list(spider._new_comments_start()) == []
    assert spider._new_comments_idle() == []


def test_an_unusable_blog_comments_page_is_said_and_ends_its_paging() -> None:
    spider = incremental_spider({f"{ROOT}2020/01/p1.html"})
    list(spider._new_comments_start())
    page1 = comments_json([("11", "1")], total=300)
    list(spider.parse_blog_comments(blog_comments_response(spider, page1, 1)))
    garbage = blog_comments_response(spider, b"<html>Error 500</html>", 2)
    assert list(spider.parse_blog_comments(garbage)) == []
    assert spider.crawler.stats.get_value("goahead/comments/errors") == 1
    assert spider.blog_comments_state == "done"
    (asked,) = spider._new_comments_idle()  # what the first page named is still fetched
    assert "/feeds/1/comments/default?" in asked.url


def test_a_resumed_job_carries_on_with_the_blog_comments_its_job_dir_kept(
        tmp_path: Path) -> None:
    """``spider.state`` (pickled in the JOBDIR by Scrapy's SpiderState) keeps the blog-wide
    feed's cut-off, the posts it named and those fetched: the resumed job, which loads no
    previous run, pages on from its queue with the same cut-off and asks for the comments
    of the posts the archive holds live (a deleted one is not asked for)."""
    live = {f"{ROOT}2020/01/p{i}.html" for i in (1, 2, 3)}
    stopped = incremental_spider(live)
    stopped.state = {}
    stopped.page_size = 2
    list(stopped._new_comments_start())
    page1 = comments_json([("11", "1"), ("12", "2")], total=9)
    (queued,) = stopped.parse_blog_comments(blog_comments_response(stopped, page1, 1))
    stopped.comments_read.add(f"{ROOT}2020/01/p2.html")
    stopped.closed("shutdown")

    db_path = tmp_path / "archive.db"
    with open_archive(db_path) as db:
        for i in (1, 2, 3, 4):
            upsert_post(db, Post("1", str(i), f"{ROOT}2020/01/p{i}.html",
                                 "goaheadnews.blogspot.com", title=f"post {i}"))
        set_deleted(db, "1", "4", "2026-01-02T00:00:00Z")
    crawler = goahead_crawler(BloggerSpider, GOAHEAD_ARCHIVE_DB=str(db_path),
                              GOAHEAD_RESUME_SINCE=SINCE)
    resumed = BloggerSpider.from_crawler(crawler, url=ROOT)
    resumed.state = pickle.loads(pickle.dumps(stopped.state))
    assert resumed._restore()
    assert resumed.previous is None
    resumed.page_size = 2
    answer = TextResponse(queued.url, body=comments_json([("13", "3"), ("14", "4")], total=9,
                                                         start=3), request=queued)
    (following,) = resumed.parse_blog_comments(answer)  # paged on, same cut-off
    assert following.url == stopped._blog_comments_request(5).url
    last = comments_json([("15", "1")], total=5, start=5)
    assert list(resumed.parse_blog_comments(blog_comments_response(resumed, last, 5))) == []
    asked = resumed._new_comments_idle()
    assert [r.url for r in asked] == [
        f"{ROOT}feeds/{p}/comments/default?alt=json&start-index=1&max-results=150"
        "&orderby=published" for p in ("1", "3")]  # 2 fetched, 4 deleted
    assert resumed.crawler.stats.get_value("goahead/comments/new_not_resumed") is None
    assert resumed._new_comments_idle() == []
    stopped.new_comments_asked = True  # a job stopped after its idle step: not asked twice
    stopped.closed("shutdown")
    again = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    again.state = pickle.loads(pickle.dumps(stopped.state))
    again._restore()
    assert again._new_comments_idle() == []


def test_a_full_crawls_job_dir_keeps_no_blog_comments_state() -> None:
    spider = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    spider.state = {}
    spider.comments_read.add(f"{ROOT}2020/01/p1.html")
    spider.closed("shutdown")
    assert spider.state["goahead_discovery"]["new_comments"] == {}


def test_a_resumed_jobs_queued_blog_comments_page_is_said_not_a_crash(caplog) -> None:
    """A killed incremental ``--resume`` job whose queue still held a page of the blog-wide
    comments feed: resumed, that page named a post with new comments, and the idle step
    read ``previous.live_posts`` of a job that loads no previous run (AttributeError in
    the spider_idle handler, before the replay listing pages were asked for). Now said:
    the next incremental run looks for them."""
    spider = BloggerSpider.from_crawler(goahead_crawler(BloggerSpider), url=ROOT)
    assert spider.previous is None  # as a resumed job is
    reply = {"id": {"$t": "tag:blogger.com,1999:blog-1.post-777"},
             "published": {"$t": "2025-01-01T00:00:00Z"},
             "updated": {"$t": "2025-01-01T00:00:00Z"}, "title": {"$t": "c"},
             "content": {"$t": "hi"}, "author": [{"name": {"$t": "x"}}],
             "link": [{"rel": "alternate", "type": "text/html",
                       "href": f"{ROOT}2024/01/a.html?showComment=1#c777"}],
             "thr$in-reply-to": {"ref": "tag:blogger.com,1999:blog-1.post-123",
                                 "href": f"{ROOT}2024/01/a.html", "type": "text/html"}}
    body = json.dumps({"feed": {"openSearch$totalResults": {"$t": "300"},
                                "openSearch$startIndex": {"$t": "1"},
                                "entry": [reply]}}).encode()
    url = f"{ROOT}feeds/comments/default?alt=json&orderby=updated&updated-min=2025-01-01"
    assert list(spider.parse_blog_comments(TextResponse(url, body=body,
                                                        request=Request(url)))) == []
    assert spider._new_comments_idle() == []
    assert "New comments on 1 posts named by the blog's comments feed" in caplog.text
    assert spider.crawler.stats.get_value("goahead/comments/new_not_resumed") == 1


def test_a_resumed_incremental_job_records_the_unlisted_posts_its_run_would(
        tmp_path: Path) -> None:
    """An incremental ``--resume`` job stopped and resumed: the resumed job loads no
    previous run, and recorded as the posts its blog's feed does not list only those the
    sitemap alone named in its own process, as a full crawl does, since now: the previous
    run's unlisted post was forgotten (the next run swept the whole feed for it) and a
    listed post whose sitemap entry changed was recorded unlisted: the next runs' count
    left it out, which hides a deleted post until the recheck, a week on. Its JOBDIR state
    now keeps what the run needs."""
    only, edited, plain = (f"{ROOT}2024/01/{n}.html" for n in ("only", "edited", "plain"))
    stopped = incremental_spider({only, edited, plain})
    stopped.previous.unlisted, stopped.previous.unlisted_since = {only}, "2026-01-01T00:00:00Z"
    stopped.state = {}
    stopped.discovery.feed_state = "done"
    stopped.closed("shutdown")
    recorded = json.loads(stopped.crawler.stats.get_value("goahead/feed/unlisted_posts"))
    assert recorded == {"since": "2026-01-01T00:00:00Z", "posts": [only]}  # had it finished

    resumed = resumed_job(stopped, (only, edited, plain), tmp_path / "archive.db")
    list(resumed._schedule(edited, "sitemap"))  # its queue's sitemap: a newer lastmod
    resumed._record_unlisted()
    recorded = json.loads(resumed.crawler.stats.get_value("goahead/feed/unlisted_posts"))
    assert recorded == {"since": "2026-01-01T00:00:00Z", "posts": [only]}
