"""Every run ends with a reconciliation (issue 12, item 1): what the blog lists against
what the archive stores. A listed post that is not stored is a failure of the run, with its
reason; the run is ``incomplete`` and ``goahead crawl`` exits 1; the next run, incremental
or full, fetches the missing posts first; ``goahead status`` shows listed against stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.connection import open_archive
from archive.listed import Listing, listed_counts, mark_listed_gone, missing_listed, record_listings
from archive.models import Post
from archive.posts import upsert_post
from goahead_crawler.cli import ops as cli_ops
from goahead_crawler.ledger import RunLedger
from goahead_crawler.run_record import discovery_complete, run_status
from goahead_crawler.spiders.unstored import fetch_failure_reason
from sampleblog.server import SampleSite, start
from tests.conftest import run_goahead

N_POSTS = 15
PAGES = 2


class Blog:
    def __init__(self, site: SampleSite, tmp: Path) -> None:
        self.site, self.db, self.warcs = site, tmp / "archive.db", tmp / "warcs"
        self.url = site.urls["goahead"]

    def crawl(self, *flags: str):
        self.site.clear_requests()
        return run_goahead("crawl", self.url, "--db", str(self.db), "--warc-dir",
                           str(self.warcs), "--delay", "0", "--concurrency", "8",
                           "--no-progress", *flags)

    def posts(self, n: int) -> list:
        return self.site.blog("goahead").posts[:n]

    def json(self, command: str):
        done = CliRunner().invoke(getattr(cli_ops, command), ["--db", str(self.db), "--json"])
        assert done.exit_code == 0, done.output
        return json.loads(done.output)

    def count(self, sql: str) -> int:
        with closing(sqlite3.connect(self.db)) as conn, conn:
            return conn.execute(sql).fetchone()[0]


@pytest.fixture
def blog(tmp_path: Path) -> Iterator[Blog]:
    with start(["goahead"], n_posts=N_POSTS) as site:
        yield Blog(site, tmp_path)


def post_paths(requests: list[tuple[str, str, int]]) -> list[str]:
    return [path for _, path, _ in requests if path.endswith(".html")]


@pytest.mark.crawl
def test_a_listed_post_not_stored_fails_the_run_and_the_next_runs_fetch_it_first(
        blog: Blog) -> None:
    broken = [p.path for p in blog.posts(2)]
    for path in broken:
        blog.site.fail("goahead", path, 503)
    first = blog.crawl()
    assert first.returncode == 1, first.stderr[-2000:]
    assert "incomplete" in first.stdout
    assert f"2 failures in the crawl of {blog.url}" in first.stderr
    for path in broken:
        assert f"{blog.url.rstrip('/')}{path}  HTTP 503" in first.stderr
    (run,) = blog.json("runs")
    assert run["status"] == "incomplete"
    assert sorted(f["url"] for f in run["failures"]) == sorted(
        blog.url.rstrip("/") + p for p in broken)
    assert run["errors"] == len(run["failures"]) == run["failed"] == 2
    (site,) = blog.json("status")["sites"]
    assert (site["listed"], site["stored"], site["missing"]) == (
        N_POSTS + PAGES, N_POSTS + PAGES - 2, 2)

    for path in broken:
        blog.site.mend("goahead", path)
    second = blog.crawl()  # incremental: the two are fetched first, then nothing changed
    assert second.returncode == 0, second.stderr[-2000:]
    seen = blog.site.requests("goahead")
    assert sorted(post_paths(seen)) == sorted(broken)
    # an unchanged blog's six requests, the two posts, and the listing pages a replay
    # starts from (the home page, the two posts' month archives: asked conditionally)
    listings = {"/"} | {path[:len("/YYYY/MM/")] for path in broken}
    assert sorted(p for _, p, _ in seen if p in listings) == sorted(listings)
    assert len(seen) == 6 + 2 + len(listings)
    latest = blog.json("runs")[0]
    assert (latest["status"], latest["new"], latest["errors"]) == ("finished", 2, 0)
    (site,) = blog.json("status")["sites"]
    assert (site["listed"], site["stored"], site["missing"]) == (
        N_POSTS + PAGES, N_POSTS + PAGES, 0)

    # a full run too fetches the missing posts first, before any other post
    missing = blog.posts(N_POSTS)[-3:]  # the feed lists them last
    with closing(sqlite3.connect(blog.db)) as conn, conn:  # as a lost write left them
        for post in missing:
            conn.execute("DELETE FROM posts WHERE post_id = ?", (post.post_id,))
    again = blog.crawl("--full")
    assert again.returncode == 0, again.stderr[-2000:]
    pages = post_paths(blog.site.requests("goahead"))
    assert len(pages) == N_POSTS + PAGES
    assert sorted(pages[:3]) == sorted(p.path for p in missing), pages[:6]
    assert blog.count("SELECT count(*) FROM posts") == N_POSTS + PAGES


@pytest.mark.crawl
def test_posts_left_out_by_max_posts_are_no_failure(blog: Blog) -> None:
    sample = blog.crawl("--max-posts", "5")
    assert sample.returncode == 0, sample.stderr[-2000:]
    assert f"{N_POSTS + PAGES} / {5 + PAGES} / {N_POSTS - 5} ({N_POSTS - 5} over --max-posts)" \
        in sample.stdout
    (run,) = blog.json("runs")
    assert (run["status"], run["errors"], run["failures"]) == ("finished", 0, [])
    # status said "missing 10" with no word of --max-posts, beside a crawl that said ok
    (site,) = blog.json("status")["sites"]
    assert (site["missing"], site["over_max_posts"]) == (N_POSTS - 5, N_POSTS - 5)
    shown = CliRunner().invoke(cli_ops.status, ["--db", str(blog.db)])
    assert f"{N_POSTS - 5} ({N_POSTS - 5} over --max-posts)" in shown.output
    assert "over --max-posts: left out by the last run's --max-posts" in shown.output
    blog.crawl()  # the rest, fetched first: nothing is over --max-posts any more
    (site,) = blog.json("status")["sites"]
    assert (site["missing"], site["over_max_posts"]) == (0, 0)


# -- the parts ---------------------------------------------------------------------------

ROOT = "http://b.example/"


def test_listed_missing_gone_and_redirected(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    urls = [f"{ROOT}2024/01/{n}.html" for n in "abcd"]
    record_listings(db, "b.example", 1, [Listing(u, "post", "feed") for u in urls])
    record_listings(db, "b.example", 2, [Listing(urls[0], "post", "sitemap", "2024")])
    upsert_post(db, Post("1", "a", urls[0], "b.example"), run_id=2)
    upsert_post(db, Post("1", "z", f"{ROOT}2024/01/moved.html", "b.example"))
    mark_listed_gone(db, "b.example", {urls[1]: None})
    db.execute("UPDATE listed SET post_url = ? WHERE url = ?",
               [f"{ROOT}2024/01/moved.html", urls[2]])
    assert [m.url for m in missing_listed(db, "b.example")] == [urls[3]]
    assert listed_counts(db) == {"b.example": {"listed": 3, "stored": 2, "missing": 1}}
    row = db.execute("SELECT first_run, last_run, lastmod FROM listed WHERE url = ?",
                     [urls[0]]).fetchone()
    assert tuple(row) == (1, 2, "2024")
    assert db.execute("SELECT run_id, first_run_id FROM posts WHERE post_id = 'a'"
                      ).fetchone() == (2, 2)


def test_reconcile_gives_each_missing_post_its_reason() -> None:
    ledger = RunLedger(limit=0)
    claimed = {f"{ROOT}a.html", f"{ROOT}b.html", f"{ROOT}c.html"}
    ledger.claimed = claimed.__contains__
    ledger.fail(f"{ROOT}a.html", "HTTP 503", 3)
    ledger.not_stored(f"{ROOT}b.html", "excluded by robots.txt")
    ledger.fail(f"{ROOT}feeds/posts/default?start-index=151", "HTTP 500", 3)
    missing = [Listing(f"{ROOT}{n}.html") for n in "abcd"]
    result = ledger.reconcile(missing, finished=True)
    got = {f.url: (f.error, f.listed) for f in result.failures}
    assert got == {
        f"{ROOT}a.html": ("HTTP 503", True),
        f"{ROOT}b.html": ("excluded by robots.txt", True),
        f"{ROOT}feeds/posts/default?start-index=151": ("HTTP 500", False),
        f"{ROOT}c.html": ("requested, but not stored (no error was recorded)", True),
        f"{ROOT}d.html": ("listed, but never requested (discovery did not finish)", True),
    }
    assert result.posts_failed == 4
    assert not discovery_complete(result.failures, ROOT)  # a feed page failed
    assert run_status("finished", result.failures, False) == "incomplete"


def test_limits_and_interruptions_are_not_failures() -> None:
    ledger = RunLedger(limit=2)
    ledger.claimed = {f"{ROOT}a.html", f"{ROOT}b.html"}.__contains__
    missing = [Listing(f"{ROOT}{n}.html") for n in "cde"]
    result = ledger.reconcile(missing, finished=True)
    assert (result.failures, result.limited, result.missing) == ([], 3, 3)
    stopped = RunLedger(limit=0).reconcile(missing, finished=False)
    assert (stopped.failures, stopped.interrupted) == ([], 3)
    assert run_status("finished", [], False) == "finished"
    assert run_status("shutdown", [], False) == "shutdown"
    assert run_status("finished", [], True) == "failed"
    assert run_status("warc_error", [], False) == "failed"


def test_only_post_failures_keep_the_run_a_base_for_the_next() -> None:
    ledger = RunLedger()
    ledger.fail(f"{ROOT}2024/01/a.html", "HTTP 503")
    ledger.fail(f"{ROOT}feeds/123/comments/default?alt=json", "HTTP 503")
    ledger.fail("https://blogger.googleusercontent.com/img/x.jpg", "HTTP 503")
    assert discovery_complete(list(ledger.failures.values()), ROOT)
    ledger.fail(None, "WARC write failed")
    assert not discovery_complete(list(ledger.failures.values()), ROOT)


def test_fetch_failure_reasons() -> None:
    request = Request(f"{ROOT}2024/01/a.html")
    response = Response(request.url, status=403, request=request)
    assert fetch_failure_reason(Failure(HttpError(response))) == "HTTP 403"
    robots = Failure(IgnoreRequest("Forbidden by robots.txt"))
    robots.request = request
    assert fetch_failure_reason(robots) == "excluded by robots.txt"
    away = Request("https://elsewhere.example/x")
    offsite = Failure(IgnoreRequest("Filtered offsite request to 'elsewhere.example'"))
    offsite.request = away
    assert fetch_failure_reason(offsite) == (
        "redirected off the blog, to https://elsewhere.example/x")
    assert fetch_failure_reason(Failure(TimeoutError("took too long"))) == (
        "TimeoutError: took too long")
