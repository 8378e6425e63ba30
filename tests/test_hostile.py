"""Whole crawls against hostile and broken servers (``tests/hostile.py``): whatever a server
sends, the crawl is bounded, what it refuses or loses is reported, and a site with no blog
to archive is one line on stderr and exit status 1 (issue 13).

Request counts are the server's own log.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator

from goahead_crawler.blogger.pager import is_month_path
from tests.archive_diff import TABLES, differences
from tests.conftest import ROOT, run_goahead, run_row
from tests.hostile import (
    EMPTY_MONTHS,
    IMPOSSIBLE_MONTHS,
    THAI_PATH,
    HostileSite,
    endless_headers,
    serve,
)
from tests.warc_heads import rewrite_heads

pytestmark = pytest.mark.crawl


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    db: Path
    requests: list[tuple[str, str, int]]  # (method, path?query, status) the blog answered
    other: list[tuple[str, str, int]]  # what another service on the same IP answered
    site: HostileSite

    def paths(self, prefix: str = "") -> list[str]:
        return [path for _, path, _ in self.requests if path.startswith(prefix)]

    def run(self) -> dict:
        return run_row(self.db)

    def stats(self) -> dict:
        return json.loads(self.run()["stats"])

    def failures(self) -> list[dict]:
        return json.loads(self.stats().get("goahead/failures") or "[]")

    def stored(self, kind: str = "post") -> set[str]:
        with sqlite3.connect(self.db) as conn:
            return {r[0] for r in conn.execute("select post_id from posts where kind = ?",
                                               (kind,))}

    def post_ids(self) -> set[str]:
        return {p.post_id for p in self.site.posts}


def crawl(tmp_path: Path, scenario: str, *flags: str, n_posts: int = 6,
          settings_module: str | None = None) -> Crawl:
    """A crawl of the hostile server; --no-images: it has no image host (its posts name
    Blogger's real ones, which cannot be reached from a test)."""
    with serve(scenario, n_posts) as site:
        done = run_goahead(*crawl_args(site.url, tmp_path), *flags, timeout=240,
                           settings_module=settings_module)
        return Crawl(done.returncode, done.stdout, done.stderr, tmp_path / "archive.db",
                     site.requests(), site.other_requests(), site)


def crawl_args(url: str, tmp_path: Path) -> tuple[str, ...]:
    """``goahead crawl`` of a hostile server as :func:`crawl` runs it, for a test that
    crawls it more than once."""
    return ("crawl", url, "--db", str(tmp_path / "archive.db"), "--warc-dir",
            str(tmp_path / "warcs"), "--delay", "0", "--concurrency", "8", "--no-progress",
            "--no-images")


def one_line(c: Crawl) -> str:
    """The crawl's whole stderr, which must be one line."""
    lines = c.stderr.strip().splitlines()
    assert len(lines) == 1, c.stderr[-3000:]
    assert lines[0].startswith("Error: "), lines
    return lines[0]


# -- 1. scope: refused and lost posts are failures, with the reason --------------------------
def test_a_redirect_to_another_port_is_refused_and_reported(tmp_path: Path) -> None:
    c = crawl(tmp_path, "redirect-other-port")
    assert c.other == []  # not the page, not its robots.txt
    moved = c.site.posts[0]
    (failure,) = c.failures()
    assert failure["url"].endswith(moved.path)
    assert "is not the blog's" in failure["error"]
    assert c.returncode == 1
    assert moved.post_id not in c.stored()
    assert c.stored() == c.post_ids() - {moved.post_id}
    listed = run_goahead("runs", "--db", str(c.db), "--failures")
    assert moved.path in listed.stdout
    assert "is not the blog's" in listed.stdout


def test_a_feed_entry_off_the_blog_is_refused_and_reported(tmp_path: Path) -> None:
    c = crawl(tmp_path, "feed-links-elsewhere")
    assert c.other == []
    (failure,) = c.failures()
    assert failure["error"].startswith("named by the feed, not fetched")
    assert c.returncode == 1
    assert c.stats()["goahead/posts/failed"] == 1


def test_a_redirect_loop_is_reported_for_each_post(tmp_path: Path) -> None:
    c = crawl(tmp_path, "redirect-loop")
    looped = {p.path for p in c.site.posts[:2]}
    assert c.returncode == 1
    failures = c.failures()
    assert {f["url"].split("/", 3)[3] for f in failures} == {p[1:] for p in looped}
    assert all(f["error"].startswith("redirect loop: ") for f in failures)
    assert c.stored() == c.post_ids() - {p.post_id for p in c.site.posts[:2]}
    assert len(c.paths()) < 20
    assert "redirect loop" in run_goahead("runs", "--db", str(c.db), "--failures").stdout


def test_a_feed_redirected_off_the_blog_is_a_feed_switched_off(tmp_path: Path) -> None:
    """The owner's post feed redirect: the sitemap lists every post, and the run is whole
    (before: exit 1, "incomplete" with the feed as a failure, so never the base of an
    incremental re-crawl: every run fetched every post again; and Atom asked too)."""
    c = crawl(tmp_path, "feed-redirected-elsewhere")
    assert c.stored() == c.post_ids()
    assert c.other == []
    feed = "/feeds/posts/default?alt=json&start-index=1&max-results=150&orderby=published"
    assert c.paths("/feeds/posts/") == [feed]
    assert "The posts feed redirects off the blog, to http://127.0.0.1:" in c.stderr
    assert c.failures() == []
    assert c.stats()["goahead/feed/unavailable"] == 1
    assert c.returncode == 0
    assert c.stats()["goahead/incremental/base"] == 1


def test_a_pages_feed_redirected_off_the_blog_is_a_pages_feed_switched_off(
        tmp_path: Path) -> None:
    """The pages feed only dates the static pages, which the sitemap lists: sent off the
    blog, it is a feed that is off, said in a warning, and the run is whole (before: exit
    1, "incomplete" with the pages feed as a failure, so never the base of an incremental
    re-crawl)."""
    c = crawl(tmp_path, "pages-feed-elsewhere")
    assert c.other == []
    assert c.stored("page") == {p.post_id for p in c.site.site.blog.pages}
    assert c.stored() == c.post_ids()
    assert "The pages feed redirects off the blog, to http://127.0.0.1:" in c.stderr
    assert c.failures() == []
    assert c.returncode == 0
    assert c.paths("/feeds/pages/") == [
        "/feeds/pages/default?alt=json&start-index=1&max-results=150"]  # not Atom too


def test_a_post_redirected_to_a_listing_page_is_lost_not_stored_with_its_text(
        tmp_path: Path) -> None:
    """Posts sent to the home page or a month archive were stored with that page's first
    post's text under their own title (before: 6 posts "archived", exit 0, "ok")."""
    c = crawl(tmp_path, "redirect-to-listing")
    sent = {p.post_id: p.path for p in c.site.posts[1:4]}
    assert c.stored() == c.post_ids() - set(sent)
    failures = {f["url"].split("/", 3)[3]: f["error"] for f in c.failures()}
    assert set(failures) == {path[1:] for path in sent.values()}
    assert all(" which is not a post" in error for error in failures.values())
    assert c.returncode == 1
    with sqlite3.connect(c.db) as conn:
        texts = [r[0] for r in conn.execute("select text from posts where kind = 'post'")]
    assert len(set(texts)) == len(texts)


def test_listing_pages_a_redirect_fetched_are_captured_and_counted(tmp_path: Path) -> None:
    """The home page and a month archive, fetched first as where posts redirect: their
    capture requests were dropped as duplicates, their images not asked (before: "home +
    month pages" 1 of 3 requested)."""
    c = crawl(tmp_path, "redirect-to-listing")
    stats = c.stats()
    assert stats["goahead/listings/requested"] == 3
    assert stats["goahead/listings/captured"] == 3
    assert "goahead/listings/failed" not in stats


# -- 2. every discovery loop stops on no progress -------------------------------------------
def page_dates(c: Crawl) -> dict[str, tuple[str | None, str]]:
    with sqlite3.connect(c.db) as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute(
            "select post_id, published, author from posts where kind = 'page'")}


def test_a_pages_feed_of_more_than_one_page_is_paged(tmp_path: Path) -> None:
    """Before: read one page only (one entry here, 150 on Blogger), a warning, and the
    other static pages had no feed date or author."""
    c = crawl(tmp_path, "pages-feed-paged")
    pages = c.site.site.blog.pages
    assert c.paths("/feeds/pages/") == [
        f"/feeds/pages/default?alt=json&start-index={n}&max-results=150" for n in (1, 2)]
    assert page_dates(c) == {p.post_id: (p.published, p.author) for p in pages}
    assert "The pages feed counts" not in c.stderr
    assert c.returncode == 0


def test_a_pages_feed_page_that_fails_keeps_the_dates_read_before_it(tmp_path: Path) -> None:
    c = crawl(tmp_path, "pages-feed-page-fails")
    first, second = sorted(c.site.site.blog.pages, key=lambda p: p.published, reverse=True)
    assert page_dates(c) == {first.post_id: (first.published, first.author),  # newest first
                             second.post_id: (None, "")}  # from the sitemap, undated
    assert c.stats()["goahead/stopped/pages-feed"] == 1
    assert "Stopped pages-feed: page http://127.0.0.1:" in c.stderr
    assert "; the 1 pages named before it keep their feed dates" in c.stderr
    assert c.stored() == c.post_ids()


def test_a_pages_feed_inventing_pages_behind_a_huge_total_stops_at_ten_pages(
        tmp_path: Path) -> None:
    c = crawl(tmp_path, "inventing-pages-feed")
    assert len(c.paths("/feeds/pages/")) == 10
    assert c.stats()["goahead/stopped/pages-feed"] == 1
    assert "10 pages read, the most a run reads (MAX_PAGES_FEED_PAGES)" in c.stderr
    assert c.stats()["goahead/pages_feed/unnamed"] == 10**9 - 20
    assert len(c.paths("/p/invented-")) == 18
    assert c.stored("page") == {p.post_id for p in c.site.site.blog.pages}
    assert len(c.requests) < 80


def test_a_feed_that_repeats_itself_is_read_three_times(tmp_path: Path) -> None:
    """Same entries at every start-index, a total of 10^9 (before: 767 requests in 30 s):
    read by start-index twice, then once by date, which repeats them too."""
    c = crawl(tmp_path, "endless-feed")
    assert len(c.paths("/feeds/posts/")) == 3
    assert c.stats()["goahead/feed/date_pages"] == 1
    assert c.stats()["goahead/stopped/feed"] == 1
    assert "Stopped feed" in c.stderr
    assert c.stored() == c.post_ids()
    # what the feed counts and nothing names is a failure (the total may be the lie)
    assert c.returncode == 1
    [failure] = c.failures()
    assert f"counts {10**9} posts, but it and the other listings named only 6" in failure["error"]


@pytest.mark.parametrize("scenario", ["shallow-feed", "feed-empty-past-first-page"])
def test_a_feed_whose_start_index_runs_dry_is_paged_on_by_date(tmp_path: Path,
                                                                scenario: str) -> None:
    """Two entries a page, a total of 6, no sitemap; start-index repeats the first page, or
    serves nothing past it (before: 2 posts of 6 archived, exit 0, "ok")."""
    c = crawl(tmp_path, scenario)
    assert c.stored() == c.post_ids()
    by_date = c.paths("/feeds/posts/default?alt=json&start-index=1&max-results=150&orderby="
                      "published&published-max=")
    assert len(by_date) == 4  # 2 new, then 1 new a page: one second past the oldest
    assert len(c.paths("/feeds/posts/")) == 2 + len(by_date)
    assert c.stats()["goahead/feed/date_pages"] == 4
    assert "named 2 of the 6 posts it counts by start-index" in c.stderr
    assert c.returncode == 0


def test_a_feed_paged_on_by_date_was_read_by_publication_from_its_first_page(
        tmp_path: Path) -> None:
    """The feed lists by ``updated`` when no order is named, and its oldest post was edited
    last: a first page read in that order set the ``published-max`` cursor past every post
    between (before: the one date page brought nothing new, the feed named 2 of 6 posts and
    a walk of 3 HTML listing pages had to find the rest)."""
    c = crawl(tmp_path, "feed-unordered-by-default")
    assert c.stats()["goahead/feed/date_pages"] == 4  # 2 new, then 1 new a page
    assert "goahead/pager/used" not in c.stats()  # the feed named every post itself
    assert c.stored() == c.post_ids()
    assert c.returncode == 0
    feed = c.paths("/feeds/posts/")
    assert len(feed) == 6
    assert all("&orderby=published" in p for p in feed)


def test_posts_the_feed_counts_that_no_listing_named_are_found_by_walking_the_html(
        tmp_path: Path) -> None:
    """The feed answers its first page whatever is asked (total 12), the sitemap names the
    seven newest posts: the home page brings nothing new, its month archives the rest
    (before: 7 posts of 12 archived, exit 0, "ok")."""
    c = crawl(tmp_path, "stuck-feed-short-sitemap", n_posts=12)
    assert c.stored() == c.post_ids()
    assert c.stats()["goahead/pager/used"] == 1
    assert "The posts feed counts 12 posts, the feed and sitemap named 7" in c.stderr
    assert "No feed and no sitemap" not in c.stderr  # there are both: said of the walk wrongly
    assert len(c.paths("/feeds/posts/")) == 3  # by start-index twice, once by date
    assert c.returncode == 0


def test_the_walk_starts_from_a_home_page_a_redirect_fetched_already(tmp_path: Path) -> None:
    """As above, and a post redirects to the home page: the walk's request for it was
    dropped as a duplicate, unsaid (before: 6 posts of 12 archived, no walk)."""
    c = crawl(tmp_path, "stuck-feed-short-sitemap-post-to-home", n_posts=12)
    assert c.stored() == c.post_ids() - {c.site.posts[6].post_id}
    assert c.stats()["goahead/pager/listings"] >= 2
    [failure] = c.failures()
    assert "which is not a post" in failure["error"]
    assert c.returncode == 1


def test_posts_the_feed_counts_that_no_listing_named_are_reported(tmp_path: Path) -> None:
    """As above, with the month archives gone: 5 posts were found by nothing (before: 7 of
    12 archived, exit 0, "ok")."""
    c = crawl(tmp_path, "stuck-feed-short-sitemap-no-archives", n_posts=12)
    assert len(c.stored()) == 7
    assert c.returncode == 1
    assert c.stats()["goahead/feed/short"] == 5
    [failure] = c.failures()
    assert failure["url"].startswith(c.site.url + "feeds/posts/default?")
    assert ("counts 12 posts, but it and the other listings named only 7: 5 posts"
            in failure["error"])


def test_one_post_the_feed_counts_and_nothing_shows_is_one_post(tmp_path: Path) -> None:
    """A total one more than the blog shows: the walk finds nothing more, and the failure
    says '1 post was not found' (it said '1 posts were'), without blaming the feed's pages
    alone (they were fine here)."""
    c = crawl(tmp_path, "total-plus-one")
    assert c.stored() == c.post_ids()
    assert c.returncode == 1
    [failure] = c.failures()
    assert failure["error"] == ("the posts feed counts 7 posts, but it and the other listings"
                                " named only 6: 1 post was not found (its pages repeated or"
                                " ran dry, or its total counts posts it does not list)")


def test_a_lying_total_behind_failing_pages_stops_after_three(tmp_path: Path) -> None:
    """10^9 said, every page after the first an error (before: 1,154 requests in 30 s)."""
    c = crawl(tmp_path, "lying-total")
    feed = c.paths("/feeds/posts/")
    assert len(feed) == 1 + 3 * 8  # three lost pages, each JSON then Atom, 4 tries each
    assert c.stats()["goahead/stopped/feed"] == 1
    assert c.stored() == c.post_ids()


def test_a_feed_that_invents_posts_on_every_page_stops_when_they_fail(tmp_path: Path) -> None:
    """A total of 10^9, and every page past the first names six posts never seen before,
    all 404 (each page is progress): before, paged until --max-posts, 50 feed pages for
    300 and exit 0, "finished"; without it, for ever. Now: stopped once two pages' worth
    failed and outnumber those fetched, a failure naming the page."""
    c = crawl(tmp_path, "inventing-feed", "--max-posts", "300")
    # 4 pages when each page's posts are answered before the next page is read; one more
    # when a page is dispatched while the last posts are still in flight (timing)
    feed_pages = c.paths("/feeds/posts/")
    assert 4 <= len(feed_pages) <= 5, feed_pages
    assert c.stats()["goahead/stopped/feed"] == 1
    assert c.stats()["goahead/feed/posts_lost"] >= 12
    assert c.stored() == c.post_ids()
    assert c.returncode == 1
    stop = next(f for f in c.failures() if "stopped at this page" in f["error"])
    said = re.search(r"(\d+) of the posts it named could not be fetched \((\d+) gone: 404 or"
                     r" 410, 0 failing: server errors or timeouts; made-up posts\?\), and"
                     r" (\d+) could", stop["error"])
    assert said, stop["error"]
    lost, fetched = int(said[1]), int(said[3])
    assert int(said[2]) == lost  # every one 404
    assert lost >= 12
    assert lost > fetched
    assert any(stop["url"].endswith(path) for path in feed_pages[2:]), stop["url"]
    assert len(c.requests) < 60


def test_a_deletion_sweep_of_a_feed_inventing_posts_stops_past_the_blog_count(
        tmp_path: Path) -> None:
    """A re-crawl: the feed's total says a post went, and the summary feed read whole for
    it names new posts on every page, behind a total of 10^9 (before: read for ever, the
    sweep's posts not being fetched: 2,198 pages in 60 s, still going)."""
    with serve("inventing-sweep") as site:
        args = crawl_args(site.url, tmp_path)
        assert run_goahead(*args).returncode == 0
        before = len(site.requests())
        again = run_goahead(*args, timeout=60)
        sweep = [p for _, p, _ in site.requests()[before:]
                 if p.startswith("/feeds/posts/summary?") and "max-results=150" in p]
    assert len(sweep) == 4  # 6 posts, then 6 new a page until 2 pages past the count
    assert "Stopped sweep: it listed 24 posts, and the blog counts 6" in again.stderr
    assert again.returncode == 0


def test_a_blog_comments_feed_inventing_comments_stops_at_the_most_a_run_reads(
        tmp_path: Path) -> None:
    """A re-crawl: the blog-wide comments feed since the last run names 150 new comments
    on every page, behind a total of 10^9 (before: paged for ever, each page progress).
    Stopped at GOAHEAD_MAX_BLOG_COMMENTS (1,500 here), said as comments that may be
    missed."""
    with serve("inventing-blog-comments") as site:
        args = crawl_args(site.url, tmp_path)
        assert run_goahead(*args).returncode == 0
        before = len(site.requests())
        again = run_goahead(*args, timeout=120, settings_module="tests.small_caps_settings")
        pages = [p for _, p, _ in site.requests()[before:]
                 if p.startswith("/feeds/comments/default?")]
    assert len(pages) == 10, pages  # 1,500 comments, 150 a page
    assert ("1,500 comments read since the last run, the most a run reads (1,500,"
            " GOAHEAD_MAX_BLOG_COMMENTS)") in again.stderr
    assert "new comments on posts this run does not fetch may be missed" in again.stderr


def test_an_endless_older_posts_chain_stops_at_the_first_page_with_nothing_new(
        tmp_path: Path) -> None:
    """No feed, no sitemap, "Older posts" forever (before: 671 requests in 30 s)."""
    c = crawl(tmp_path, "endless-pager")
    assert c.paths("/search") == ["/search?page=1"]
    assert c.stats()["goahead/stopped/pager"] >= 1
    assert c.stored() == c.post_ids()
    assert len(c.requests) < 25


def test_a_home_page_linking_thousands_of_made_up_months_costs_none_of_them(
        tmp_path: Path) -> None:
    """No feed, no sitemap, a home page linking 3,005 month archive pages no blog can have
    (before: every one fetched, 3,033 requests in 45 s, exit 0; /0001/01/ to /9999/12/
    would be 120,000): named in a warning, not fetched; the months a blog can have are."""
    c = crawl(tmp_path, "month-flood")
    fetched = {path for path in c.paths() if is_month_path(path)}
    assert not fetched & set(IMPOSSIBLE_MONTHS)
    assert set(EMPTY_MONTHS) <= fetched
    assert c.stats()["goahead/pager/impossible_months"] == len(IMPOSSIBLE_MONTHS)
    assert "links 3,005 month archive pages no blog can have, not fetched: " in c.stderr
    assert c.stored() == c.post_ids()
    assert len(c.requests) < 60


def test_listing_pages_linking_thousands_of_made_up_posts_stop_being_read(
        tmp_path: Path) -> None:
    """No feed, no sitemap; every listing page links 3,000 made-up posts and 3,000 made-up
    static pages, all 404 (before: every one fetched, the
    months' and older pages' too). Now: 1,000 new posts
    taken from a page, 100 static pages from links in a run, and once the posts taken
    from links mostly failed, no more: failures naming the pages."""
    c = crawl(tmp_path, "invented-links")
    made_up = c.paths("/2024/05/x-")
    pages = c.paths("/p/x-")
    assert len(made_up) <= 1_000, len(made_up)
    assert len(pages) <= 100, len(pages)
    assert c.stats()["goahead/stopped/links"] == 1
    assert c.stored() == c.post_ids()
    assert c.returncode == 1
    stop = next(f for f in c.failures()
                if f["error"].startswith("post links from this page on were not taken: "))
    assert re.search(r"(\d+) of the posts it named could not be fetched \(\1 gone: 404 or"
                     r" 410, 0 failing", stop["error"]), stop["error"]
    assert any("static page links not taken (a run takes 100 from links, and a page gives"
               in f["error"] for f in c.failures())
    assert not [f for f in c.failures() if "/x-" in f["url"] and "never requested" in f["error"]]
    assert len(c.requests) < 1_300


def test_a_big_blog_found_only_through_its_html_is_crawled_whole(tmp_path: Path) -> None:
    """No feed, no sitemap, 300 posts: the walk of its listing pages finds every one (the
    link caps and the made-up-links stop leave an honest blog alone)."""
    c = crawl(tmp_path, "html-only", n_posts=300)
    assert c.stored() == c.post_ids()
    assert "goahead/stopped/links" not in c.stats()
    assert c.stats()["goahead/pager/used"] == 1


def test_a_home_page_with_thousands_of_older_posts_links_costs_four(tmp_path: Path) -> None:
    """Blogger's pager has one "Older posts" link; a home page with 3,000 had each
    fetched (before: 3,016 requests in 27 s, exit 0; now 20 in 3 s)."""
    c = crawl(tmp_path, "older-flood")
    assert len(c.paths("/search?page=")) == 4
    assert "has 3,000 older-posts links (Blogger's pager has one): the first 4 are" in c.stderr
    assert c.stats()["goahead/pager/older_links_dropped"] == 2996
    assert c.stored() == c.post_ids()
    assert len(c.requests) < 60


def test_a_sitemap_over_the_protocol_cap_is_read_to_50000_and_the_rest_reported(
        tmp_path: Path) -> None:
    c = crawl(tmp_path, "huge-sitemap", "--max-posts", "3")
    stats = c.stats()
    assert stats["goahead/sitemap/over_cap"] == 10_000
    assert "lists 60,000 URLs; the first 50,000 were read, 10,000 left out" in c.stderr
    assert len([p for p in c.paths("/2020/") if p.endswith(".html")]) == 3  # and /2020/01/
    assert len(c.requests) < 15


@pytest.mark.parametrize(("scenario", "returncode"), [("sitemap-names-itself", 0),
                                                      ("sitemap-page-fails", 1)])
def test_no_feed_and_a_sitemap_that_names_no_post_walk_the_html(tmp_path: Path, scenario: str,
                                                                returncode: int) -> None:
    """Before: 0 posts of 6 archived, and for the index naming itself exit 0, "ok"."""
    c = crawl(tmp_path, scenario)
    assert c.stored() == c.post_ids()
    assert c.stats()["goahead/pager/used"] == 1
    assert "The sitemaps named no post and there is no feed" in c.stderr
    assert c.returncode == returncode  # a sitemap that failed is still a failure


def test_static_pages_come_from_the_home_page_when_their_sitemap_fails_late(
        tmp_path: Path) -> None:
    """The posts were read before the pages sitemap's last retry failed, so the links to
    /p/ pages on them were not taken (before: 0 static pages of 2, nothing said which)."""
    c = crawl(tmp_path, "pages-sitemap-fails")
    assert c.stored("page") == {p.post_id for p in c.site.site.blog.pages}
    assert c.stored() == c.post_ids()
    assert [f["url"] for f in c.failures()] == [c.site.url + "sitemap-pages.xml"]
    assert c.returncode == 1


def test_a_child_sitemap_off_the_blog_is_out_of_scope_not_a_lost_post(tmp_path: Path) -> None:
    """Before: the other service's sitemap and page were each "a post named by the
    sitemap, not fetched", counted live as posts failed (2 failures; now the sitemap is
    one, out of scope, and the page a warning)."""
    c = crawl(tmp_path, "sitemap-index-elsewhere")
    stats = c.stats()
    assert c.stored() == c.post_ids()
    assert "goahead/posts/failed" not in stats or stats["goahead/posts/failed"] == 0
    assert "goahead/failed/posts" not in stats
    assert stats["goahead/scope/refused_sitemaps"] == 1
    [failure] = c.failures()
    assert failure["url"] == c.site.other_url + "sitemap.xml"
    assert failure["error"].startswith(f"a sitemap named by {c.site.url}sitemap.xml, not read:")
    assert "names 1 URL off the blog, neither post nor page, not fetched" in c.stderr
    assert c.other == []
    assert c.returncode == 1


def test_a_sitemap_index_inside_an_index_is_not_followed(tmp_path: Path) -> None:
    """Each sitemap "page" an index of the next (before: 601 requests in 30 s)."""
    c = crawl(tmp_path, "endless-sitemap-index")
    assert c.paths("/sitemap.xml") == ["/sitemap.xml", "/sitemap.xml?page=1"]
    assert c.stats()["goahead/stopped/sitemap"] == 1


def test_an_index_of_sitemaps_that_repeat_one_another_is_read_until_three_bring_nothing(
        tmp_path: Path) -> None:
    """2,000 sitemaps, each the same six posts (before: all 2,000 fetched, 2,015 requests)."""
    c = crawl(tmp_path, "sitemap-index-fanout")
    assert c.paths("/sitemap.xml?") == [f"/sitemap.xml?page={n}" for n in range(1, 5)]
    assert c.stats()["goahead/stopped/sitemap"] == 1
    assert "3 sitemaps in a row named no post not named before, or failed; the 1,996" in c.stderr
    assert c.stored() == c.post_ids()
    assert c.returncode == 0


def test_a_comments_feed_that_repeats_itself_is_read_twice(tmp_path: Path) -> None:
    """A million comments counted, one page served for every start-index (before: 621
    requests in 30 s)."""
    c = crawl(tmp_path, "endless-comments")
    assert len([p for p in c.paths("/feeds/") if "/comments/" in p]) == 2
    assert c.stats()["goahead/stopped/comments"] == 1
    assert c.returncode == 0


def test_a_comments_feed_paged_while_a_comment_is_edited_loses_none(tmp_path: Path) -> None:
    """The comments feed is asked in order of publication (BLOGGER.md: always pass
    ``orderby``), which an edit does not change: 3 of 3 comments stored (before: asked
    without it, listed by last edit, the edited comment jumped ahead of the pages read
    and was never seen: 1 of 3)."""
    c = crawl(tmp_path, "comment-edited-while-paged", n_posts=12)
    post = next(p for p in c.site.posts if len(p.comments) >= 3)
    assert c.returncode == 0, c.stderr[-3000:]
    asked = c.paths(f"/feeds/{post.post_id}/comments/default")
    assert asked
    assert all("orderby=published" in path for path in asked)
    with sqlite3.connect(c.db) as conn:
        stored = {r[0] for r in conn.execute("select comment_id from comments where"
                                             " post_id = ?", (post.post_id,))}
    assert stored == {comment.comment_id for comment in post.comments}


# -- 3b. bodies too big ---------------------------------------------------------------------
def test_a_sitemap_that_inflates_past_the_cap_is_a_failure_of_the_run(tmp_path: Path) -> None:
    """The one child sitemap is 78 KB of gzip inflating to 80 MB: Scrapy stops at
    DOWNLOAD_MAXSIZE (64 MB) and drops it (before: "Sitemap ... unavailable" at INFO, no
    failure, exit 0, "finished")."""
    c = crawl(tmp_path, "gzip-bomb-sitemap")
    assert c.stored() == c.post_ids()  # the feed named them all
    [failure] = c.failures()
    assert failure["url"] == c.site.url + "sitemap.xml?page=1"
    assert failure["error"].startswith("the body inflates past DOWNLOAD_MAXSIZE (")
    assert c.run()["status"] == "incomplete"
    assert c.returncode == 1


def test_a_huge_robots_txt_is_read_to_500_kib_and_its_early_rules_kept(tmp_path: Path) -> None:
    """10 MB of rules: Protego parsed them all (about 4 s) and checked each request against
    every one (0.11 s a request: hours of a blocked reactor for a big blog). Read to 500
    KiB now (0.18 s, 0.0004 s a request), as RFC 9309 allows, with a warning."""
    c = crawl(tmp_path, "huge-robots")
    assert c.stats()["goahead/robots/truncated"] == 1
    assert "robots.txt is 10688931 bytes: its first 511990 are read" in c.stderr
    assert c.stored() == c.post_ids()
    assert c.returncode == 0


def test_a_comments_feed_that_invents_comments_stops_at_the_most_a_post_has(
        tmp_path: Path) -> None:
    """150 new comments a page, a total of 10^9: each page stored progress, for ever
    (before: 494 pages and 74,100 comments in 60 s, still going)."""
    c = crawl(tmp_path, "inventing-comments", settings_module="tests.small_caps_settings")
    pages = [path for path in c.paths("/feeds/") if "/comments/default" in path]
    assert len(pages) == 10  # 1,500 comments, 150 a page
    assert c.stats()["goahead/stopped/comments"] == 1
    assert ("1,500 comments read, the most one post's are (1,500,"
            " GOAHEAD_MAX_POST_COMMENTS)") in c.stderr
    assert c.returncode == 0


# -- 4. feed entries of unexpected shape ----------------------------------------------------
def test_feed_entries_of_unexpected_shape_lose_no_post(tmp_path: Path) -> None:
    """category a string, author an object, thr$total and the total numbers, id.$t a
    number, a missing link, nulls: 6 of 6 posts stored (before: 0 of 6, a traceback)."""
    c = crawl(tmp_path, "odd-feed-entries")
    assert c.returncode == 0, c.stderr[-3000:]
    assert c.stored() == c.post_ids()
    assert c.stats()["goahead/feed/entries_skipped"] == 2  # the number id, the missing link
    assert "Feed entry 12345 skipped (not a Blogger entry id" in c.stderr
    assert "skipped (no link to its post)" in c.stderr
    assert "Traceback" not in c.stderr


# -- 5. a mislabelled charset ---------------------------------------------------------------
def test_a_thai_page_labelled_utf8_is_decoded_by_detection_and_flagged(tmp_path: Path) -> None:
    c = crawl(tmp_path, "thai-mislabelled")
    post = c.site.posts[0]
    with sqlite3.connect(c.db) as conn:
        (text,) = conn.execute("select text from posts where post_id = ?",
                               (post.post_id,)).fetchone()
    assert "\ufffd" not in text
    assert post.expected_text.split("\n\n")[0] in text
    assert c.stats()["goahead/decode/detected"] == 1
    assert f"{post.path}: decoded as cp874, not the declared utf-8" in c.stderr


# -- 5b. one URL, two spellings -------------------------------------------------------------
def test_a_thai_permalink_spelled_two_ways_is_one_post(tmp_path: Path) -> None:
    """The feed names the newest post's Thai permalink raw, the sitemap percent-encoded:
    one URL. Fetched once, stored once under the spelling it is fetched and archived by,
    listed as stored (none missing), and the archive rebuilt from the WARC files is the
    crawled one: the post with its feed entry (before: stored under the raw spelling,
    fetched again from the sitemap, counted missing, rebuilt under the other spelling)."""
    c = crawl(tmp_path, "thai-slug")
    encoded = quote(THAI_PATH)
    assert c.returncode == 0, c.stderr[-3000:]
    assert c.paths(encoded) == [encoded]
    assert c.stored() == c.post_ids()
    with sqlite3.connect(c.db) as conn:
        urls = [u for (u,) in conn.execute("select url from posts where post_id = ?",
                                           (c.site.posts[0].post_id,))]
        listed = conn.execute("select count(*) from listed where url like ?",
                              ("%" + encoded,)).fetchone()[0]
        unlisted = conn.execute("select url from listed where url like '%.html'"
                                " and url not in (select url from posts)").fetchall()
    assert urls == [c.site.url.rstrip("/") + encoded]
    assert listed == 1
    assert unlisted == []
    with sqlite3.connect(c.db) as conn:  # one listing per post (before: 9 for 8)
        assert conn.execute("select count(*) from listed").fetchone()[0] == len(
            c.stored("post") | c.stored("page"))
    rebuilt = tmp_path / "rebuilt.db"
    done = run_goahead("reindex", "--warc-dir", str(tmp_path / "warcs"), "--db", str(rebuilt))
    assert done.returncode == 0, done.stderr
    assert "(0 missing)" in done.stdout  # before: the raw spelling, listed, not stored
    assert differences(c.db, rebuilt, TABLES) == {}
    got = run_goahead("warc-get", c.site.url.rstrip("/") + THAI_PATH, "--db", str(c.db),
                      "--warc-dir", str(tmp_path / "warcs"), "--headers")
    assert got.returncode == 0, got.stderr
    assert "200" in got.stdout.splitlines()[0]


# -- 6. no blog there: one line, exit 1 -----------------------------------------------------
@pytest.mark.parametrize(("scenario", "says", "most"), [
    ("private", "the blog is private", 1),
    ("removed", "Blogger says this blog was removed", 1),
    ("not-blogger", "not a Blogger blog", 6),
    ("moved", "the blog redirects to http://127.0.0.1:", 1),
])
def test_no_blog_there_is_one_line(tmp_path: Path, scenario: str, says: str, most: int) -> None:
    c = crawl(tmp_path, scenario)
    assert says in one_line(c)
    assert c.returncode == 1
    assert len(c.requests) <= most
    assert c.run()["status"].startswith("blog_")
    assert c.stdout == ""
    assert c.other == []


def test_a_blog_archived_before_that_now_answers_404_everywhere_is_not_ok(
        tmp_path: Path) -> None:
    """A re-crawl whose feed, sitemap and home page all answer 404 checked nothing: it
    read "ok", exit 0, listed/stored/missing as the last run left them. It is one line and
    exit 1, and the archive keeps every post."""
    from sampleblog.server import start

    db, warcs = tmp_path / "a.db", tmp_path / "w"
    with start(["goahead"]) as site:
        url = site.urls["goahead"]

        def crawl():
            return run_goahead("crawl", url, "--db", str(db), "--warc-dir", str(warcs),
                               "--delay", "0", "--no-progress", "--no-images")

        assert crawl().returncode == 0
        for path in ("/", "/feeds/posts/default", "/feeds/posts/summary", "/sitemap.xml",
                     "/feeds/pages/default"):
            site.fail("goahead", path, 404)
        again = crawl()
    assert again.returncode == 1, again.stdout
    assert again.stderr.strip() == (
        f"Error: {url}: the blog was archived before, but no posts feed, no sitemap of posts"
        " and no Blogger markup answered now (gone, or its address serves something else);"
        " nothing was archived this run, and the archive keeps what it had")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM runs ORDER BY id DESC").fetchone()[0] == (
            "blog_vanished")
        assert conn.execute("SELECT count(*) FROM posts WHERE deleted_at IS NULL"
                            ).fetchone()[0] == 14


def test_a_server_sending_headers_for_ever_is_cut_off(tmp_path: Path) -> None:
    """A status line, then headers without end: the body's cap (DOWNLOAD_MAXSIZE) never
    applied, and the crawl grew by ~50 MB a second until each request's 60 s timeout
    (before: still running at 90 s, 3 GB resident, GBs sent). Now each connection is
    dropped past 256 KiB of headers, retried, and the run is one line."""
    with endless_headers() as server:
        started = time.monotonic()
        done = run_goahead(*crawl_args(server.url, tmp_path), timeout=60)
        took = time.monotonic() - started
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: {server.url}: the blog answers errors"), last
    assert "response headers past 262,144 bytes" in last
    assert took < 30
    assert server.sent[0] < 512 * 2**20  # each connection: its socket buffers (~4 MB)


def test_an_unreachable_host_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = run_goahead("crawl", f"http://127.0.0.1:{port}/", "--db", str(tmp_path / "a.db"),
                       "--warc-dir", str(tmp_path / "w"), "--no-progress")
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: http://127.0.0.1:{port}/: cannot reach the blog"
                                   " (connection refused); nothing was archived")


# -- 3. the first SIGTERM stops a crawl cleanly --------------------------------------------
def test_the_first_sigterm_stops_a_slow_crawl_cleanly(tmp_path: Path) -> None:
    """Post pages take 2 s, requests are 5 s apart: the downloader holds several behind the
    delay (before: 38.5 s from SIGTERM to exit; now about 3 s)."""
    with serve("slow", 20) as site:
        crawl_process = subprocess.Popen(
            [sys.executable, "-m", "goahead_crawler", "crawl", site.url, "--db",
             str(tmp_path / "archive.db"), "--warc-dir", str(tmp_path / "warcs"), "--delay",
             "5", "--concurrency", "2", "--no-progress"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any(p.startswith("/feeds/") for _, p, _ in site.requests()):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(1)  # the feed's posts are scheduled, queued behind the delay
        crawl_process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        try:
            crawl_process.communicate(timeout=30)  # raises if the first signal were ignored
        finally:
            crawl_process.kill()
            crawl_process.wait()
        took = time.monotonic() - stopped
    assert took < 25
    c = Crawl(crawl_process.returncode, "", "", tmp_path / "archive.db", [], [], site)
    assert c.run()["status"] == "shutdown"
    assert c.stats()["goahead/stop/hurried"] == 1
    for warc in (tmp_path / "warcs").glob("*.warc.gz"):
        with warc.open("rb") as fh:
            assert sum(1 for _ in ArchiveIterator(fh, check_digests="raise")) > 0


# -- 7. a server that degrades: the run stops, resumable -------------------------------------
def test_a_server_failing_every_post_stops_the_run_resumable(tmp_path: Path) -> None:
    """Every post page answers 503, 40 posts (before: each tried 4 times, 160 post requests,
    the run "incomplete"; at 60 s timeouts instead, 4 minutes a post for every post). Now:
    stopped once GOAHEAD_MAX_FAILING_IN_ROW (20 here) post requests in a row failed, the
    run ``server_failing`` with the resume hint; the requests in flight then are all it
    cost."""
    c = crawl(tmp_path, "failing-posts", n_posts=40,
              settings_module="tests.failing_server_settings")
    posts = [p for p in c.paths() if p.endswith(".html")]
    assert len(posts) <= 40, len(posts)  # the streak, and what was in flight as it closed
    assert c.returncode == 1
    assert c.run()["status"] == "server_failing"
    assert c.stats()["goahead/stopped/server_failing"] == 1
    stop = next(f for f in c.failures() if "the server is failing" in f["error"])
    assert stop["url"] == c.site.url
    assert "20 post page requests in a row failed (the last: HTTP 503)" in stop["error"]
    assert "The crawl stopped before its end; resume it with: " in c.stderr
    assert not c.stored()


def test_a_server_timing_out_on_every_post_stops_the_run(tmp_path: Path) -> None:
    """Every post page takes 2 s, the timeout is 1 s: each request times out (before: all
    40 posts tried twice, 80 timeouts; at the default 60 s x 4 tries, 4 minutes a post).
    Stopped at 20 in a row, said as timeouts."""
    c = crawl(tmp_path, "slow", n_posts=40, settings_module="tests.timing_out_settings")
    assert len([p for p in c.paths() if p.endswith(".html")]) <= 40
    assert c.run()["status"] == "server_failing"
    stop = next(f for f in c.failures() if "the server is failing" in f["error"])
    assert "20 post page requests in a row failed (the last: DownloadTimeoutError" in stop["error"]
    assert c.returncode == 1


def test_a_wave_of_503s_that_passes_does_not_stop_the_run(tmp_path: Path) -> None:
    """The first 12 post requests answer 503, then the server recovers: every post is
    retried into the archive, and the run finishes (GOAHEAD_MAX_FAILING_IN_ROW is 20)."""
    c = crawl(tmp_path, "failing-wave", n_posts=12,
              settings_module="tests.failing_server_settings")
    assert sum(1 for _, p, s in c.requests if p.endswith(".html") and s == 503) == 12
    assert c.returncode == 0, c.stderr[-2000:]
    assert "goahead/stopped/server_failing" not in c.stats()
    assert c.stored() == c.post_ids()


def test_a_thai_permalink_in_lower_and_upper_case_escapes_is_one_post(tmp_path: Path) -> None:
    """The feed names the Thai permalink ``%e0%b8%82...``, the sitemap ``%E0%B8%82...``:
    escapes are case-insensitive (RFC 3986 2.1), as Scrapy's duplicate filter has them, so
    one URL. Fetched once, stored and listed once under the upper-case spelling, none
    missing, and the rebuilt archive is the crawled one."""
    c = crawl(tmp_path, "thai-slug-lower")
    encoded = quote(THAI_PATH)
    assert c.returncode == 0, c.stderr[-3000:]
    assert c.paths("/2024/03/%") == [encoded]
    assert c.stored() == c.post_ids()
    with sqlite3.connect(c.db) as conn:
        urls = conn.execute("select url from posts where post_id = ?",
                            (c.site.posts[0].post_id,)).fetchall()
        listed = conn.execute("select url from listed where lower(url) like ?",
                              ("%" + encoded.lower(),)).fetchall()
        unlisted = conn.execute("select url from listed where url like '%.html'"
                                " and url not in (select url from posts)").fetchall()
        count = conn.execute("select count(*) from listed").fetchone()[0]
    assert urls == [(c.site.url.rstrip("/") + encoded,)]
    assert listed == urls
    assert unlisted == []
    assert count == len(c.stored("post") | c.stored("page"))
    rebuilt = tmp_path / "rebuilt.db"
    done = run_goahead("reindex", "--warc-dir", str(tmp_path / "warcs"), "--db", str(rebuilt))
    assert done.returncode == 0, done.stderr
    assert "(0 missing)" in done.stdout
    assert differences(c.db, rebuilt, TABLES) == {}
    for spelling in (encoded, encoded.lower(), THAI_PATH):
        got = run_goahead("warc-get", c.site.url.rstrip("/") + spelling, "--db", str(c.db),
                          "--warc-dir", str(tmp_path / "warcs"), "--headers")
        assert got.returncode == 0, (spelling, got.stderr)
        assert "200" in got.stdout.splitlines()[0]


def _lower_case_targets(folder: Path, upper: bytes) -> int:
    """Rewrite the WARC files in ``folder`` as a crawl before escapes were written in upper
    case left them when a link spelled the URL in lower case: ``upper`` in lower case in
    the WARC headers' target URIs (the record blocks as they were). How many records."""
    return sum(rewrite_heads(path, path, lambda head: head.replace(upper, upper.lower()))
               for path in folder.glob("*.warc.gz"))


def test_a_post_captured_under_lower_case_escapes_is_rebuilt_under_the_one_url(
        tmp_path: Path) -> None:
    """WARC files of a crawl that fetched a Thai permalink as a link spelled it
    (``%e0%b8%82...``): reindex stores the post under the URL the crawl keys it by now
    (upper case, as m006 respells the archive), listed and stored, none missing, and
    warc-get finds the capture by it (before: the capture was not read as a post)."""
    c = crawl(tmp_path, "thai-slug")
    assert c.returncode == 0, c.stderr[-3000:]
    encoded = quote(THAI_PATH)
    assert _lower_case_targets(tmp_path / "warcs", encoded.encode()) >= 2
    rebuilt = tmp_path / "rebuilt.db"
    done = run_goahead("reindex", "--warc-dir", str(tmp_path / "warcs"), "--db", str(rebuilt))
    assert done.returncode == 0, done.stderr
    assert "(0 missing)" in done.stdout
    with sqlite3.connect(rebuilt) as conn:
        urls = conn.execute("select url from posts where post_id = ?",
                            (c.site.posts[0].post_id,)).fetchall()
        captured = conn.execute("select url from captures where url like ?",
                                ("%" + encoded,)).fetchall()
    assert urls == [(c.site.url.rstrip("/") + encoded,)]
    assert captured == [(c.site.url.rstrip("/") + encoded.lower(),)]  # as the WARC has it
    got = run_goahead("warc-get", c.site.url.rstrip("/") + THAI_PATH, "--db", str(rebuilt),
                      "--warc-dir", str(tmp_path / "warcs"), "--headers")
    assert got.returncode == 0, got.stderr


def test_a_failed_thai_permalink_is_named_as_it_reads(tmp_path: Path) -> None:
    """The crawl's failure lines named a Thai permalink ``/2024/03/%E0%B8%82...``, which
    a Thai researcher cannot read: named in Thai there, by ``runs --failures`` and by
    reindex's missing lines; the run's stats keep the URL as fetched."""
    c = crawl(tmp_path, "thai-slug-forbidden")
    shown = c.site.url.rstrip("/") + THAI_PATH
    assert c.returncode == 1, c.stderr[-3000:]
    assert f"  {shown}  " in c.stderr
    listed = run_goahead("runs", "--db", str(c.db), "--failures")
    assert f": {shown}  " in listed.stdout
    assert [f["url"] for f in c.failures()] == [c.site.url.rstrip("/") + quote(THAI_PATH)]
    rebuilt = run_goahead("reindex", "--warc-dir", str(tmp_path / "warcs"), "--db",
                          str(tmp_path / "rebuilt.db"))
    assert f"missing: {shown}\n" in rebuilt.stdout
