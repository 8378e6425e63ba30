"""Discovery end to end: whole crawls of the sample blog under each of its switches (issue 3).

Every case must archive every live post and page exactly once, and request no post page
twice, whichever source named it.
"""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sampleblog.server import SiteOptions, start
from tests.conftest import ROOT, run_goahead, run_row

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

N_POSTS = 40


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    db: Path
    log: list[tuple[str, str, int]]  # (method, path?query, status) as the blog saw them
    post_ids: set[str]
    page_ids: set[str]
    comments: int
    paths: dict[str, str]  # post_id -> path

    def rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()

    def run_row(self) -> dict:
        return run_row(self.db)

    def stats(self) -> dict:
        return json.loads(self.run_row()["stats"])


def crawl(tmp_path: Path, options: SiteOptions, *flags: str) -> Crawl:
    with start(["goahead"], n_posts=N_POSTS, options=options) as site:
        db = tmp_path / "archive.db"
        result = run_goahead("crawl", site.urls["goahead"], "--db", str(db), "--warc-dir",
                             str(tmp_path / "warcs"), "--delay", "0", "--concurrency", "8",
                             *flags)
        blog = site.blog("goahead")
        return Crawl(result.returncode, result.stdout, result.stderr, db,
                     site.requests("goahead"), {p.post_id for p in blog.posts},
                     {p.post_id for p in blog.pages},
                     sum(len(p.comments) for p in blog.posts),
                     {p.post_id: p.path for p in blog.posts + blog.pages})


def assert_complete(c: Crawl) -> None:
    """Every live post and page archived once, no post page requested twice."""
    assert c.returncode == 0, (c.stdout, c.stderr[-3000:])
    rows = c.rows("select post_id, kind, url from posts")
    assert len(rows) == len({r[0] for r in rows}), "duplicate rows"
    assert {r[0] for r in rows if r[1] == "post"} == c.post_ids
    assert {r[0] for r in rows if r[1] == "page"} == c.page_ids
    for post_id, _, url in rows:
        assert urlsplit(url).path == c.paths[post_id]
        assert not urlsplit(url).query
        assert not urlsplit(url).fragment
    fetched = Counter(urlsplit(path).path for _, path, _ in c.log
                      if urlsplit(path).path.endswith(".html"))
    assert [p for p, n in fetched.items() if n > 1] == []


def feed_requests(c: Crawl) -> list[str]:
    return [p for _, p, _ in c.log if p.startswith("/feeds/posts/")]


def test_default_blog_costs_one_request_per_post_plus_listings(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions())
    assert_complete(c)
    listings = ["/robots.txt", "/sitemap.xml", "/sitemap.xml?page=1", "/sitemap-pages.xml"]
    # the home page and the month archives, captured for replay once discovery is over
    replay = {"/"} | {path[:len("/YYYY/MM/")] for path in c.paths.values()
                      if not path.startswith("/p/")}
    assert {urlsplit(p).path for _, p, _ in c.log} >= replay
    assert len(c.log) == (len(c.post_ids) + len(c.page_ids) + len(listings) + 1  # 1 feed page
                          + 1 + len(replay))  # and 1 of the static pages' feed
    run = c.run_row()
    assert run["requests"] == len(c.log)
    assert run["comments"] == c.comments == len(c.rows("select * from comments"))
    assert run["pages"] == len(c.page_ids)
    assert run["posts_new"] == len(c.post_ids) + len(c.page_ids)
    stats = c.stats()
    assert stats["goahead/found/feed"] == N_POSTS
    assert stats["goahead/found/sitemap"] == N_POSTS
    assert "found: feed/sitemap/html" in c.stdout


def test_feeds_off_falls_back_to_the_sitemap(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(feeds="off"))
    assert_complete(c)
    assert len(feed_requests(c)) == 1  # one 404, no Atom retry for a feed that is off
    assert c.stats()["goahead/feed/unavailable"] == 1
    assert c.stats()["goahead/scheduled/sitemap"] == N_POSTS
    assert c.rows("select count(*) from comments")[0][0] == c.comments  # from the pages
    updated = c.rows("select updated from posts where kind = 'post'")
    assert all(u.endswith("Z") for (u,) in updated)  # the sitemap's lastmod (UTC)


def test_summary_only_feed_takes_text_from_the_pages(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(feeds="summary"))
    assert_complete(c)
    assert c.stats()["goahead/feed/summary_only"] == 1
    short = c.rows("select count(*) from posts where kind = 'post' and word_count < 40")
    assert short[0][0] == 0


def test_a_cap_of_25_is_paged_by_what_came_back(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(max_results_cap=25))
    assert_complete(c)
    starts = sorted(int(p.split("start-index=")[1].split("&")[0]) for p in feed_requests(c))
    assert starts == [1 + 25 * i for i in range(math.ceil(N_POSTS / 25))]


def test_sitemap_off_still_finds_posts_and_pages(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(sitemap=False))
    assert_complete(c)
    assert c.stats()["goahead/sitemap/unavailable"] == 1


def test_feeds_and_sitemap_off_walk_the_html_within_robots(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(feeds="off", sitemap=False))
    assert_complete(c)
    assert not [p for _, p, _ in c.log if p.startswith("/search")]
    stats = c.stats()
    assert stats["goahead/pager/used"] == 1
    assert stats["robotstxt/forbidden"] >= 1  # the home page's "Older posts" is /search
    assert "robots.txt excluded" in c.stdout


def test_noisy_links_are_canonicalised_before_scheduling(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(feeds="off", sitemap=False, noisy_links=True))
    assert_complete(c)
    assert not [p for _, p, _ in c.log if ".html?" in p]  # no ?m=1 / showComment fetches


def test_posts_missing_from_the_feed_come_from_the_sitemap(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(extra_sitemap_only_posts=3))
    assert_complete(c)
    stats = c.stats()
    assert stats["goahead/scheduled/feed"] == N_POSTS - 3
    assert stats["goahead/scheduled/sitemap"] == 3


def test_deleted_post_in_the_sitemap_is_recorded_once(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(deleted_in_sitemap=True))
    assert_complete(c)
    gone = [(p, s) for _, p, s in c.log if "this-post-was-deleted" in p]
    assert gone == [(gone[0][0], 404)]
    assert c.stats()["goahead/posts/gone"] == 1
    assert "gone (404/410)" in c.stdout


@pytest.mark.parametrize("feeds", ["full", "off"])
def test_redirected_post_url_is_followed_once(tmp_path, feeds: str) -> None:
    c = crawl(tmp_path, SiteOptions(redirect_post=True, feeds=feeds))
    assert_complete(c)
    assert [s for _, p, s in c.log if p.endswith("_old.html")] == [301]


def test_comments_beyond_the_page_come_from_the_comments_feed(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(comments_shown=1))
    assert_complete(c)
    with_more = c.stats()["goahead/comments/feed_requests"]
    assert with_more == len([p for _, p, _ in c.log if "/comments/default" in p]) > 0
    assert c.rows("select count(*) from comments")[0][0] == c.comments


def test_no_comments_skips_them(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(comments_shown=1), "--no-comments")
    assert_complete(c)
    assert c.rows("select count(*) from comments")[0][0] == 0
    assert not [p for _, p, _ in c.log if "/comments/" in p]


def test_a_feed_page_that_errors_once_is_retried(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(max_results_cap=25, failing_feed_start=26))
    assert_complete(c)
    assert [s for _, p, s in c.log if "start-index=26" in p] == [500, 200]


def test_a_feed_page_that_keeps_failing_is_skipped_and_the_sitemap_fills_in(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(max_results_cap=25, failing_feed_start=26,
                                    feed_failures=99))
    failing = [p for _, p, _ in c.log if "start-index=26" in p]
    assert len(failing) == 8  # JSON, then Atom, each tried 1 + RETRY_TIMES times
    rows = c.rows("select post_id from posts where kind = 'post'")
    assert {r[0] for r in rows} == c.post_ids
    assert c.stats()["goahead/scheduled/sitemap"] == N_POSTS - 25  # the skipped window


def test_json_refused_falls_back_to_atom_for_every_page(tmp_path) -> None:
    c = crawl(tmp_path, SiteOptions(json_feeds=False, max_results_cap=25))
    assert_complete(c)
    served = [("alt=json" in p, s) for _, p, s in c.log if p.startswith("/feeds/posts/")]
    assert served == [(True, 400), (False, 200), (False, 200)]  # one refusal, then Atom
    assert c.stats()["goahead/scheduled/feed"] == N_POSTS


def test_a_resumed_job_keeps_the_sitemap_posts_it_held(tmp_path) -> None:
    """Stopped mid-feed (JOBDIR kept), then resumed: sitemap-only posts are not lost."""
    options = SiteOptions(max_results_cap=10, extra_sitemap_only_posts=3)
    with start(["goahead"], n_posts=N_POSTS, options=options) as site:
        command = [sys.executable, "-m", "scrapy.cmdline", "crawl", "blogger",
                   "-a", f"url={site.urls['goahead']}", "-s", f"JOBDIR={tmp_path / 'job'}",
                   "-s", f"GOAHEAD_ARCHIVE_DB={tmp_path / 'archive.db'}",
                   "-s", f"GOAHEAD_WARC_DIR={tmp_path / 'warcs'}", "-s", "DOWNLOAD_DELAY=0",
                   "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
        for extra in (["-s", "CLOSESPIDER_ITEMCOUNT=5"], []):
            done = subprocess.run(command + extra, cwd=ROOT, capture_output=True, text=True,
                                  timeout=300, check=False)
            assert done.returncode == 0, done.stderr[-3000:]
        live = {p.post_id for p in site.blog("goahead").posts}
        fetched = Counter(p for _, p, _ in site.requests("goahead") if p.endswith(".html"))
    with sqlite3.connect(tmp_path / "archive.db") as conn:
        archived = {r[0] for r in conn.execute("select post_id from posts where kind = 'post'")}
    assert archived == live
    assert [p for p, n in fetched.items() if n > 1] == []
