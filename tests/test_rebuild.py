"""goahead reindex: the archive rebuilt from WARC files alone is the archive the crawls
wrote, row for row: posts (deletions dated by their first 404, ``warc_length`` too),
earlier versions, comments, captures, sites, and what each blog listed (a listed post
that failed is missing, a deleted one gone). Into an existing archive it changes
nothing the WARC files agree with, and never un-deletes."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.captures import add_capture
from archive.connection import open_archive
from goahead_crawler.blogger.comment_feed import comments_feed_post_id
from goahead_crawler.rebuild import crawl_id
from goahead_crawler.rebuild.timeline import read_timeline
from sampleblog import imageurls
from sampleblog.content import new_post
from sampleblog.server import SiteOptions, start
from tests.archive_diff import RUNS, TABLES, differences
from tests.conftest import run_goahead, run_row
from tests.hostile import Ctx, Reply, scenario, serve
from tests.warc_heads import rewrite_heads

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

PHOTOS = "6402417935110832581"  # the sample blog's post with four photos


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> dict:
    """A blog crawled (its images too: one answers 404, one redirects), then edited (one
    post), pruned (one deleted), added to (one new, showing the image that was 404 and
    now answers), commented on (an old post the incremental run does not fetch: its new
    comment comes from its comments feed), crawled again (incrementally), then given one
    more post whose page answers 500, and crawled in full (revisits; that post listed, not
    stored: exit 1)."""
    out = tmp_path_factory.mktemp("reindex")
    db, warcs = out / "crawl.db", out / "warcs"

    def crawl(*flags: str, status: int = 0) -> list[Path]:
        before = set(warcs.glob("*.warc.gz"))
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(db), "--warc-dir",
                           str(warcs), "--delay", "0", "--no-progress", "--static-origin",
                           site.cdn_url, *flags)
        assert done.returncode == status, done.stderr[-2000:]
        return sorted(set(warcs.glob("*.warc.gz")) - before)

    with start(["goahead"]) as site:
        photos = site.blog("goahead").post(PHOTOS)
        thumbs = [site.served_url(u) for u in photos.images]
        site.fail("cdn", urlsplit(thumbs[0]).path, 404)  # back for the second crawl
        moved = imageurls.resized(thumbs[1], "s400")  # where the thumbnail redirects
        site.fail("cdn", urlsplit(thumbs[1]).path, 301, location=moved)
        first = crawl()
        posts = [p for p in site.blog("goahead").posts if p.kind == "post"]
        site.edit("goahead", posts[2].post_id, "The corrected text.\n\nIt changed.")
        site.delete("goahead", posts[5].post_id)
        site.mend("cdn", urlsplit(thumbs[0]).path)
        fresh = new_post(site.blog("goahead"), "Fresh news", "Just in.",
                         "2025-01-01T10:00:00+07:00")
        fresh.body_html += f'<p><img src="{photos.images[0]}"></p>'
        site.publish("goahead", fresh)
        commented = posts[6]  # three comments, read from its page by the first crawl
        assert len(commented.comments) == 3
        late = site.add_comment("goahead", commented.post_id, "Reader", "A late reply.")
        second = crawl()
        shutil.copy(db, out / "second.db")  # the archive as the first two crawls left it
        site.fail("cdn", urlsplit(moved).path, 404)  # where it redirects: gone now
        broken = site.publish("goahead", new_post(site.blog("goahead"), "Broken", "Never.",
                                                  "2025-02-01T10:00:00+07:00"))
        site.fail("goahead", broken.path, 500)
        crawl("--full", status=1)
        blog_id = site.blog("goahead").blog_id
    return {"out": out, "db": db, "warcs": warcs, "first": first, "second": second,
            "failed": broken.path,
            "edited": posts[2].post_id, "deleted": posts[5].post_id, "blog_id": blog_id,
            "thumbs": thumbs, "photos": photos.path, "commented": commented.post_id,
            "late": late.comment_id, "comments": len(commented.comments)}


def images_of(db: Path, path: str) -> list[str]:
    (found,) = query(db, f"SELECT images FROM posts WHERE url LIKE '%{path}'")
    return json.loads(found[0])


def test_rebuilt_archive_is_the_crawled_archive(crawled: dict) -> None:
    rebuilt = crawled["out"] / "rebuilt.db"
    result = run_goahead("reindex", "--warc-dir", str(crawled["warcs"]), "--db", str(rebuilt))
    assert result.returncode == 1, result.stderr  # the failed post is missing
    assert "1 marked deleted" in result.stdout
    # the count it reads from is of responses (revisits too), the captures; not every WARC
    # record, which the crawl summary's "WARC records" counts (requests, metadata...)
    kinds: Counter[str] = Counter()
    for path in crawled["warcs"].glob("*.warc.gz"):
        with path.open("rb") as stream:
            kinds.update(record.rec_type for record in ArchiveIterator(stream))
    files = len(list(crawled["warcs"].glob("*.warc.gz")))
    assert result.stdout.startswith(
        f"{files} WARC files, {kinds['response'] + kinds['revisit']} captured responses: ")
    assert differences(crawled["db"], rebuilt, TABLES) == {}
    # what that covers, in this history:
    deleted = query(rebuilt, "SELECT post_id, deleted_at FROM posts WHERE deleted_at IS NOT NULL")
    assert [d[0] for d in deleted] == [crawled["deleted"]]
    (first_404,) = query(rebuilt, "SELECT min(c.fetched_at) FROM captures c JOIN posts p"
                                  f" ON c.url = p.url WHERE p.post_id = '{crawled['deleted']}'"
                                  " AND c.status = 404")
    assert deleted[0][1] == first_404[0]
    versions = query(rebuilt, "SELECT post_id, text FROM post_versions")
    assert [v[0] for v in versions] == [crawled["edited"]]
    assert "corrected" not in versions[0][1]
    assert query(rebuilt, "SELECT count(*) FROM posts WHERE warc_length IS NULL") == [(0,)]
    # static pages' dates and author come from the pages feed's capture, as in the crawl
    pages = query(rebuilt, "SELECT published, author FROM posts WHERE kind = 'page'")
    assert pages
    assert all(published and author for published, author in pages)
    comments = query(rebuilt, "SELECT comment_id, text FROM comments WHERE post_id ="
                              f" '{crawled['commented']}'")
    assert len(comments) == crawled["comments"]  # the late one, and each earlier one once
    assert (crawled["late"], "A late reply.") in comments
    assert query(rebuilt, "SELECT count(*) FROM captures WHERE record_type = 'revisit'"
                 )[0][0] > 0
    search = run_goahead("search", "ชุมชน", "--db", str(rebuilt), "--count")
    assert int(search.stdout) > 0
    # what the blog listed: the post that answered 500 is missing, the deleted one gone
    listed = query(rebuilt, "SELECT url, gone_at, first_run, last_run FROM listed")
    assert {row[2:] for row in listed} == {(None, None)}  # runs are not in the WARC files
    (deleted_url,) = query(rebuilt, f"SELECT url FROM posts WHERE post_id = '{crawled['deleted']}'")
    assert [row[0] for row in listed if row[1]] == [deleted_url[0]]
    missing = missing_urls(rebuilt)
    assert len(missing) == 1
    assert missing[0].endswith(crawled["failed"])
    assert f"{len(listed) - 1} listed posts and pages (1 missing)" in result.stdout
    assert f"missing: {missing[0]}\n" in result.stdout
    status = run_goahead("status", "--db", str(rebuilt))
    assert "missing: listed by the blog" in status.stdout


def missing_urls(db: Path) -> list[str]:
    """The listed posts and pages ``db`` lacks (listed, never stored, not gone)."""
    return [u for (u,) in query(db, "SELECT url FROM listed l WHERE gone_at IS NULL AND NOT"
                                    " EXISTS (SELECT 1 FROM posts p WHERE p.url IN (l.url,"
                                    " l.post_url))")]


def test_each_crawls_images_are_those_archived_when_it_ended(crawled: dict) -> None:
    """A post's ``images`` are those archived by the time its crawl stored it: an image
    that answered 404 is left out even once a later crawl captured it for another post
    (until its own post is fetched again), and one whose request was redirected to a
    capture is in. The rebuild from the first two crawls' WARC files says the same."""
    early, rebuilt = crawled["out"] / "two-crawls", crawled["out"] / "two-crawls.db"
    early.mkdir()
    for path in crawled["first"] + crawled["second"]:
        shutil.copy(path, early / path.name)
    result = run_goahead("reindex", "--warc-dir", str(early), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr
    second, thumbs = crawled["out"] / "second.db", crawled["thumbs"]
    assert thumbs[0] not in images_of(second, crawled["photos"])
    assert thumbs[1] in images_of(second, crawled["photos"])  # behind its redirect
    assert thumbs[0] in images_of(crawled["db"], crawled["photos"])  # the full crawl's
    # ... whose request for the thumbnail was redirected to a 404 (an earlier crawl's
    # capture of the target does not make it archived for this one)
    assert thumbs[1] not in images_of(crawled["db"], crawled["photos"])
    assert differences(second, rebuilt, TABLES) == {}


def test_reindex_into_the_crawled_archive_changes_nothing(crawled: dict) -> None:
    again = crawled["out"] / "again.db"
    shutil.copy(crawled["db"], again)
    result = run_goahead("reindex", "--warc-dir", str(crawled["warcs"]), "--db", str(again))
    assert result.returncode == 1, result.stderr  # the failed post: missing
    assert "(merged in: 0 new, 0 updated, " in result.stdout
    assert differences(crawled["db"], again, dict([*TABLES.items(), RUNS])) == {}
    listed = "SELECT * FROM listed ORDER BY site, url"  # their run ids too
    assert query(again, listed) == query(crawled["db"], listed)


def test_reindex_gives_an_archive_what_its_blogs_listed(crawled: dict) -> None:
    """An archive without its listings (rebuilt before reindex read them) gets them from
    the WARC files, merged in: the failed post is missing again, as in the crawled one."""
    again = crawled["out"] / "unlisted.db"
    shutil.copy(crawled["db"], again)
    with sqlite3.connect(again) as conn:
        conn.execute("DELETE FROM listed")
    assert missing_urls(again) == []
    result = run_goahead("reindex", "--warc-dir", str(crawled["warcs"]), "--db", str(again))
    assert result.returncode == 1, result.stderr  # the failed post: missing
    assert "(1 missing)" in result.stdout
    assert differences(crawled["db"], again, TABLES) == {}
    assert missing_urls(again) == missing_urls(crawled["db"])


def without_feed_order(path: Path, out: Path) -> int:
    """Copy the WARC file ``path`` to ``out`` as a crawl from before posts-feed pages named
    their order wrote it: ``&orderby=published`` dropped from the WARC headers' target URIs
    (the record blocks, their lengths and digests, as they were). How many records."""
    return rewrite_heads(path, out, lambda head: head.replace(b"&orderby=published", b""))


def test_feed_pages_without_their_order_are_read_as_before(crawled: dict) -> None:
    """The crawls' posts-feed and per-post comments-feed captures name their order; WARC
    files written before they did (no ``orderby``) give an archive the same listings,
    posts and comments."""
    urls = [r.url for r in read_timeline(sorted(crawled["warcs"].glob("*.warc.gz"))).records]
    feeds = [url for url in urls if "/feeds/posts/default?" in url]
    comment_feeds = [url for url in urls if comments_feed_post_id(url)]
    assert feeds
    assert comment_feeds  # the incremental crawl's, for the late comment
    assert all("orderby=" in url for url in feeds + comment_feeds)
    older = crawled["out"] / "older-warcs"
    older.mkdir()
    changed = sum(without_feed_order(path, older / path.name)
                  for path in crawled["warcs"].glob("*.warc.gz"))
    assert changed >= len(feeds) + len(comment_feeds)
    rebuilt = crawled["out"] / "older.db"
    result = run_goahead("reindex", "--warc-dir", str(older), "--db", str(rebuilt))
    assert result.returncode == 1, result.stderr  # the failed post: missing
    assert "(1 missing)" in result.stdout
    # every row as the crawls wrote it, but where records lie (recompressed) and the
    # captured feed pages' URLs
    placed = {"warc_offset", "warc_length"}
    tables = {name: (key, ignored | placed) for name, (key, ignored) in TABLES.items()
              if name != "captures"}
    assert differences(crawled["db"], rebuilt, tables) == {}
    captures = ("SELECT replace(url, '&orderby=published', ''), status, digest, fetched_at,"
                " record_type, content_type, site, warc_file FROM captures")
    assert sorted(query(rebuilt, captures)) == sorted(query(crawled["db"], captures))
    assert missing_urls(rebuilt) == missing_urls(crawled["db"])
    sources = "SELECT url, source FROM listed ORDER BY url"
    assert query(rebuilt, sources) == query(crawled["db"], sources)
    assert "feed" in {source for _, source in query(rebuilt, sources)}


def test_the_next_crawl_of_a_rebuilt_archive_fetches_its_missing_posts_first(
        tmp_path: Path) -> None:
    """The listed post a crawl could not store is missing in the archive rebuilt from its
    WARC files, and the next crawl into that archive asks for it first, and stores it."""
    db, warcs, rebuilt = tmp_path / "crawl.db", tmp_path / "warcs", tmp_path / "rebuilt.db"
    with start(["goahead"], n_posts=3) as site:
        broken = site.publish("goahead", new_post(site.blog("goahead"), "Broken", "Never.",
                                                  "2025-02-01T10:00:00+07:00"))
        site.fail("goahead", broken.path, 500)
        flags = ("--warc-dir", str(warcs), "--delay", "0", "--no-progress", "--no-images")
        first = run_goahead("crawl", site.urls["goahead"], "--db", str(db), *flags)
        assert first.returncode == 1, first.stderr[-2000:]
        result = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt))
        # listed, not stored: the archive is incomplete, exit status 1 as for the crawl
        # (before: 0, the missing post named on stdout and nothing else to go by)
        assert result.returncode == 1, result.stderr
        assert result.stdout.splitlines()[-1].startswith("missing: listed by the blog")
        assert [u.endswith(broken.path) for u in missing_urls(rebuilt)] == [True]
        site.mend("goahead", broken.path)
        before = len(site.requests("goahead"))
        # one request at a time: the server logs a request once its answer is built, and
        # with two in flight the post and the feed (both sent right after robots.txt) were
        # logged in whichever order their threads finished, under load the feed's first
        again = run_goahead("crawl", site.urls["goahead"], "--db", str(rebuilt), *flags,
                            "--concurrency", "1")
        asked = [path.split("?")[0] for _, path, _ in site.requests("goahead")[before:]]
    assert again.returncode == 0, again.stderr[-2000:]
    assert asked.index(broken.path) < asked.index("/feeds/posts/default")  # first
    assert missing_urls(rebuilt) == []
    complete = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt))
    assert complete.returncode == 0, complete.stderr  # nothing missing now
    assert "(0 missing)" in complete.stdout


@pytest.mark.parametrize(("options", "expected"), [
    pytest.param(SiteOptions(feeds="off", sitemap=False), "source = 'pager'", id="pager"),
    pytest.param(SiteOptions(sitemap=False), "source = 'html-links'", id="html-links"),
    pytest.param(SiteOptions(redirect_post=True, deleted_in_sitemap=True,
                             extra_sitemap_only_posts=2),
                 "post_url IS NOT NULL OR gone_at IS NOT NULL", id="redirected-and-gone"),
])
def test_what_html_navigation_and_sitemaps_listed_is_rebuilt(
        tmp_path: Path, options: SiteOptions, expected: str) -> None:
    """Whatever discovery read (HTML navigation when there is no feed nor sitemap, the
    pages' links when there is no sitemap, a sitemap naming a deleted post, a post URL
    that redirects), the rebuild lists what the crawl listed."""
    db, warcs, rebuilt = tmp_path / "crawl.db", tmp_path / "warcs", tmp_path / "rebuilt.db"
    with start(["goahead"], n_posts=12, options=options) as site:
        run_goahead("crawl", site.urls["goahead"], "--db", str(db), "--warc-dir", str(warcs),
                    "--delay", "0", "--no-progress", "--no-images")
    result = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr
    assert query(db, f"SELECT count(*) FROM listed WHERE {expected}")[0][0] > 0
    assert differences(db, rebuilt, TABLES) == {}


def test_reindex_never_undeletes(crawled: dict) -> None:
    """The first crawl's WARC alone shows the deleted post alive; reindexing it into the
    archive keeps the deletion (and the edit, and its earlier version)."""
    early, again = crawled["out"] / "early", crawled["out"] / "undelete.db"
    early.mkdir()
    for path in crawled["first"]:
        shutil.copy(path, early / path.name)
    shutil.copy(crawled["db"], again)
    result = run_goahead("reindex", "--warc-dir", str(early), "--db", str(again))
    assert result.returncode == 1, result.stderr  # the failed post: missing
    sql = ("SELECT post_id, deleted_at, text FROM posts ORDER BY post_id",
           "SELECT post_id, text FROM post_versions ORDER BY id")
    for statement in sql:
        assert query(again, statement) == query(crawled["db"], statement)


def test_a_killed_crawls_captures_are_stored_by_the_next_crawl(crawled: dict,
                                                               tmp_path: Path) -> None:
    """As if the second crawl was killed before its pipeline stored anything: its WARC
    file left ``.open``, the archive as the first crawl left it and the killed run's row.
    The next crawl (of another blog, into the same archive) repairs the file and stores
    what it holds."""
    before, after, warcs = tmp_path / "archive.db", tmp_path / "expected.db", tmp_path / "w"
    warcs.mkdir()
    for path in crawled["first"]:
        shutil.copy(path, warcs / path.name)
    assert run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(before)
                       ).returncode == 0
    with sqlite3.connect(before) as conn:  # the killed crawl's run, as it began
        conn.execute("ATTACH ? AS crawled", [str(crawled["out"] / "second.db")])
        conn.execute("INSERT INTO runs (uid, site, url, started_at, status) SELECT uid,"
                     " site, url, started_at, 'running' FROM crawled.runs WHERE uid = ?",
                     [crawl_id(crawled["second"][0])])
        assert conn.total_changes == 1
    for path in crawled["second"]:
        shutil.copy(path, warcs / path.name)
    assert run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(after)
                       ).returncode == 0
    for path in crawled["second"]:
        (warcs / path.name).rename(warcs / (path.name + ".open"))
    with start(["contempo"]) as other:
        done = run_goahead("crawl", other.urls["contempo"], "--db", str(before), "--warc-dir",
                           str(warcs), "--delay", "0", "--no-progress")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Caught up with the killed crawl of" in done.stderr
    blog = f"blog_id = '{crawled['blog_id']}'"
    files = ", ".join(f"'{p.name}'" for p in crawled["first"] + crawled["second"])
    captures = ("SELECT url, status, warc_file, warc_offset, warc_length, digest, fetched_at"
                f" FROM captures WHERE warc_file IN ({files}) ORDER BY warc_file, warc_offset")
    posts = ("SELECT post_id, url, title, text, updated, deleted_at, warc_file, warc_offset,"
             f" warc_length, fetched_at FROM posts WHERE {blog} ORDER BY 1")
    for sql in (posts,
                f"SELECT post_id, updated, title, text FROM post_versions WHERE {blog}",
                f"SELECT post_id, comment_id, text FROM comments WHERE {blog} ORDER BY 1, 2",
                captures):
        assert query(before, sql) == query(after, sql), sql
    assert query(before, f"SELECT count(*) FROM posts WHERE {blog} AND deleted_at IS NOT NULL"
                 ) == [(1,)]


def test_reindex_of_a_missing_directory_is_a_usage_error(tmp_path) -> None:
    result = run_goahead("reindex", "--warc-dir", str(tmp_path / "nope"), "--db",
                         str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_reindex_of_a_directory_without_warc_files_is_an_error(tmp_path) -> None:
    """Nothing to rebuild from (a wrong --warc-dir, or only a crawl's unfinished .open
    file) is said, exit status 1, as `goahead index` and `wacz` say it; never "0 WARC
    files ..." and exit 0, with an empty archive left behind."""
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    (warcs / "goahead-20240101000000-00001-x.warc.gz.open").write_bytes(b"")
    result = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"Error: no finished WARC files (*.warc.gz, *.warc) in {warcs}; nothing to rebuild")
    assert not (tmp_path / "a.db").exists()


def as_killed(db: Path, saved: Path, open_file: Path) -> None:
    """``db`` as a crawl killed before it stored anything left it: ``saved`` (the archive
    before that crawl) with the crawl's own run row, left ``running`` (every crawl writes
    it before its first request; it is what claims ``open_file`` for this archive)."""
    with closing(sqlite3.connect(db)) as conn:  # closed: no -wal left beside it
        run = conn.execute("SELECT uid, site, url, started_at FROM runs WHERE uid = ?",
                           [crawl_id(open_file)]).fetchone()
    shutil.copy(saved, db)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("INSERT INTO runs (uid, site, url, started_at, status)"
                     " VALUES (?, ?, ?, ?, 'running')", run)


def without_records(path: Path, urls: set[str | None]) -> None:
    """Rewrite the WARC file ``path`` leaving out every record about ``urls`` (request,
    response, metadata), its other records copied byte for byte."""
    kept = bytearray()
    data = path.read_bytes()
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            start_at, uri = records.get_record_offset(), record.rec_headers.get_header(
                "WARC-Target-URI")
            record.content_stream().read()
            if uri not in urls:
                kept += data[start_at:start_at + records.get_record_length()]
    path.write_bytes(bytes(kept))


def test_a_killed_crawls_posts_get_the_images_it_never_asked_for(tmp_path: Path) -> None:
    """A crawl killed after it captured two new posts (which show the same photos) and
    before it asked for their images: the next crawl's catch-up stores the posts from the
    WARC file, and that crawl (which would not fetch the unchanged posts again) asks for
    the images, once each, and stores the posts again with them; one of the posts is
    gone from the blog by then: found deleted, it stays deleted; another was edited to
    show none: fetched again, it has none. The rebuild from every WARC file agrees."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"

    def crawl() -> subprocess.CompletedProcess[str]:
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(db), "--warc-dir",
                           str(warcs), "--delay", "0", "--no-progress", "--static-origin",
                           site.cdn_url)
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    with start(["goahead"]) as site:
        crawl()
        shutil.copy(db, tmp_path / "first.db")
        before = set(warcs.glob("*.warc.gz"))
        photos = site.blog("goahead").post(PHOTOS)
        fresh = []
        for n, title in enumerate(("Fresh photos", "More photos", "Photos edited out")):
            post = new_post(site.blog("goahead"), title, "Just in.",
                            f"2025-01-0{n + 1}T10:00:00+07:00")
            post.body_html += "".join(f'<p><img src="{imageurls.resized(u, "s320")}"></p>'
                                      for u in photos.images[:2])
            fresh.append(site.publish("goahead", post))
        crawl()
        (killed,) = set(warcs.glob("*.warc.gz")) - before
        shown = [site.served_url(imageurls.resized(u, "s320")) for u in photos.images[:2]]
        without_records(killed, set(shown))  # killed before it asked for them
        killed = killed.rename(killed.with_name(killed.name + ".open"))
        as_killed(db, tmp_path / "first.db", killed)  # and before it stored anything
        site.delete("goahead", fresh[1].post_id)
        site.edit("goahead", fresh[2].post_id, "Corrected: no photos.")
        site.clear_requests()
        done = crawl()
        asked = [path for _, path, _ in site.cdn_requests()]
    assert "Caught up with the killed crawl of" in done.stderr
    rows = query(db, "SELECT title, images, deleted_at FROM posts WHERE title IN"
                     " ('Fresh photos', 'More photos', 'Photos edited out') ORDER BY title")
    assert [(title, json.loads(images), bool(gone)) for title, images, gone in rows] == [
        ("Fresh photos", shown, False), ("More photos", shown, True),
        ("Photos edited out", [], False)]
    assert sorted(p for p in asked if "/s320/" in p) == sorted(urlsplit(u).path for u in shown)
    (stats,) = query(db, "SELECT stats FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert json.loads(stats)["goahead/images/caught_up_posts"] == 3
    for path in warcs.glob("*.warc.gz"):  # no page metadata written about an image
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "metadata" and record.rec_headers.get_header(
                        "WARC-Target-URI") in shown:
                    assert b"goahead-kind" not in record.content_stream().read()
    rebuilt = tmp_path / "rebuilt.db"
    result = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr
    assert differences(db, rebuilt, TABLES) == {}


def test_a_post_another_blogs_crawl_caught_up_is_rebuilt_as_that_crawl_left_it(
        tmp_path: Path) -> None:
    """The next crawl into the archive after a kill is of another blog whose new post
    shows the killed post's image: it catches the post up but does not ask for that
    blog's images on its behalf (the post keeps none). The rebuild completes a post only
    where a crawl said it did (its metadata record), so it agrees, though the image is
    archived."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"

    def crawl(blog: str) -> None:
        done = run_goahead("crawl", site.urls[blog], "--db", str(db), "--warc-dir",
                           str(warcs), "--delay", "0", "--no-progress", "--static-origin",
                           site.cdn_url)
        assert done.returncode == 0, done.stderr[-2000:]

    with start(["goahead", "contempo"]) as site:
        crawl("goahead")
        crawl("contempo")
        shutil.copy(db, tmp_path / "before.db")
        before = set(warcs.glob("*.warc.gz"))
        shared = imageurls.resized(site.blog("goahead").post(PHOTOS).images[0], "s333")
        for blog, title in (("goahead", "Fresh one"), ("contempo", "Same picture")):
            post = new_post(site.blog(blog), title, "Just in.", "2025-01-01T10:00:00+07:00")
            post.body_html += f'<p><img src="{shared}"></p>'
            site.publish(blog, post)
            if blog == "goahead":
                crawl("goahead")
                (killed,) = set(warcs.glob("*.warc.gz")) - before
                without_records(killed, {site.served_url(shared)})
                killed = killed.rename(killed.with_name(killed.name + ".open"))
                as_killed(db, tmp_path / "before.db", killed)
        crawl("contempo")
    rows = query(db, "SELECT title, images FROM posts WHERE title IN ('Fresh one',"
                     " 'Same picture') ORDER BY title")
    assert [(title, len(json.loads(images))) for title, images in rows] == [
        ("Fresh one", 0), ("Same picture", 1)]
    rebuilt = tmp_path / "rebuilt.db"
    assert run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt)
                       ).returncode == 0
    assert differences(db, rebuilt, TABLES) == {}


def test_a_killed_crawl_is_caught_up_with_what_the_archive_knew_of_the_feed(
        tmp_path: Path) -> None:
    """A killed crawl fetched a post because the feed named it, but its own files hold no
    feed page (a resumed job's earlier process fetched them, into files of its own). The
    catch-up read only the killed crawl's files, so it stored the post without its feed
    entry (dates from the page), where the rebuild from every file used the entry. The
    catch-up now also reads the feed captures the archive points at."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"

    def crawl() -> None:
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(db), "--warc-dir",
                           str(warcs), "--delay", "0", "--no-progress")
        assert done.returncode == 0, done.stderr[-2000:]

    with start(["goahead"]) as site:
        crawl()
        shutil.copy(db, tmp_path / "first.db")
        before = set(warcs.glob("*.warc.gz"))
        edited = next(p for p in site.blog("goahead").posts if p.kind == "post")
        site.edit("goahead", edited.post_id, "The corrected text.")
        crawl()
        (killed,) = set(warcs.glob("*.warc.gz")) - before
        feeds = {r.url for r in read_timeline([killed]).records if "/feeds/posts/" in r.url}
        assert feeds
        earlier = warcs / "earlier-process.warc.gz"  # the job's earlier process wrote these
        earlier.write_bytes(killed.read_bytes())
        without_records(earlier,  # and its own warcinfo (a crawl of its own) is left out
                        {None, *({r.url for r in read_timeline([killed]).records} - feeds)})
        without_records(killed, feeds)
        killed = killed.rename(killed.with_name(killed.name + ".open"))
        as_killed(db, tmp_path / "first.db", killed)
        archive = open_archive(db)
        for record in read_timeline([earlier]).records:  # and stored their captures
            add_capture(archive, record.capture)
        archive.close()
        crawl()
    rebuilt = tmp_path / "rebuilt.db"
    assert run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt)
                       ).returncode == 0
    sql = f"SELECT published, updated, text FROM posts WHERE post_id = '{edited.post_id}'"
    published, _, text = query(db, sql)[0]
    assert "corrected" in text
    assert ".000+07:00" in published  # the feed entry's form, not the page's
    assert query(db, sql) == query(rebuilt, sql)
    assert differences(db, rebuilt, TABLES) == {}


def test_a_crawl_without_comments_is_rebuilt_without_them(tmp_path: Path) -> None:
    """``--no-comments`` stores none, and says so in its warcinfo: the rebuild from its
    WARC files stores none either, though the pages it captured show some."""
    db, warcs, rebuilt = tmp_path / "a.db", tmp_path / "warcs", tmp_path / "rebuilt.db"
    with start(["goahead"]) as site:
        assert any(p.comments for p in site.blog("goahead").posts)
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(db), "--warc-dir",
                           str(warcs), "--delay", "0", "--no-progress", "--no-comments")
    assert done.returncode == 0, done.stderr[-2000:]
    result = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr
    assert query(rebuilt, "SELECT count(*) FROM comments") == [(0,)]
    assert differences(db, rebuilt, TABLES) == {}


def max_posts_crawl_and_rebuild(site_url: str, tmp_path: Path, crawl_status: int
                                ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Crawl ``site_url`` with --max-posts 2 (exiting ``crawl_status``), then reindex its
    WARC files into a new archive: the crawl's archive and the reindex's run."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    crawl = run_goahead("crawl", site_url, "--max-posts", "2",
                        "--no-images", "--db", str(db), "--warc-dir", str(warcs))
    assert crawl.returncode == crawl_status, crawl.stderr[-2000:]
    return db, run_goahead("reindex", "--warc-dir", str(warcs),
                           "--db", str(tmp_path / "rebuilt.db"))


@pytest.mark.crawl
def test_a_max_posts_crawl_and_its_rebuild_agree_on_the_exit_status(sample_site, tmp_path
                                                                    ) -> None:
    """A crawl with --max-posts 2 finishes ok (exit 0: what it listed past 2 was not to be
    stored); reindex of its WARC files said the same posts were missing and exited 1."""
    db, result = max_posts_crawl_and_rebuild(sample_site.urls["goahead"], tmp_path, 0)
    assert result.returncode == 0, result.stdout + result.stderr
    missing = len(missing_urls(db))
    assert missing > 0
    assert f"({missing} missing, {missing} of them over --max-posts)" in result.stdout
    assert missing_urls(tmp_path / "rebuilt.db") == missing_urls(db)


@pytest.mark.crawl
def test_a_max_posts_crawl_that_failed_a_post_it_asked_for_rebuilds_with_exit_1(
        tmp_path) -> None:
    """--max-posts excuses what the crawl listed past the limit, not a post it asked for
    and failed (every post answers 503 here): the crawl exits 1, and its rebuild exited 0,
    every missing post counted "over --max-posts". A blog of its own: the session's
    sample blog, its posts broken, failed the tests after it in the same worker."""
    with start(["goahead"]) as site:
        for post in site.site("goahead").posts:
            site.fail("goahead", post.path, 503)
        db, result = max_posts_crawl_and_rebuild(site.urls["goahead"], tmp_path, 1)
    assert result.returncode == 1, result.stdout + result.stderr
    missing = len(missing_urls(db))
    assert f"({missing} missing, {missing - 2} of them over --max-posts)" in result.stdout


@pytest.mark.crawl
def test_a_max_posts_crawl_whose_posts_timed_out_rebuilds_with_exit_1(tmp_path) -> None:
    """A post asked for that timed out leaves no response record: the crawl exits 1 for
    it, and its rebuild, which read "asked for" from the captures alone, excused it as
    over --max-posts (exit 0). Every post page takes 2 s, the timeout is 1 s."""
    with serve("slow", 6) as site:
        crawl = run_goahead("crawl", site.url, "--max-posts", "2", "--no-images",
                            "--delay", "0", "--no-progress", "--db", str(tmp_path / "a.db"),
                            "--warc-dir", str(tmp_path / "warcs"),
                            settings_module="tests.timing_out_settings")
    assert crawl.returncode == 1, crawl.stderr[-2000:]
    assert "DownloadTimeoutError" in crawl.stderr + crawl.stdout
    result = run_goahead("reindex", "--warc-dir", str(tmp_path / "warcs"),
                         "--db", str(tmp_path / "rebuilt.db"))
    assert result.returncode == 1, result.stdout + result.stderr
    missing = len(missing_urls(tmp_path / "a.db"))
    assert missing == len(missing_urls(tmp_path / "rebuilt.db")) > 2
    limited = json.loads(run_row(tmp_path / "a.db")["stats"])["goahead/listed/limited"]
    assert 0 < limited < missing  # the timed-out posts and pages are the crawl's failures
    assert f"({missing} missing, {limited} of them over --max-posts)" in result.stdout


SLOW_NOW = {"on": False}  # the "goes-slow" server: answers at once, then every page late


@scenario("goes-slow")
def goes_slow(ctx: Ctx, path: str, params: dict[str, str]) -> Reply | None:
    """The sample blog, every request of it two seconds late once ``SLOW_NOW`` says so."""
    got = ctx.blog(path, params)
    if SLOW_NOW["on"]:
        got.delay = 2.0
    return got


@pytest.mark.crawl
def test_a_max_posts_crawl_that_captured_nothing_is_the_blogs_last_crawl(tmp_path) -> None:
    """Crawl 1 (--max-posts 2) stores 2 posts and excuses 4; crawl 2 (--max-posts 2) finds
    the server gone slow: it asks for 2 of the 4 missing posts first, all its requests
    time out, it exits 1 (2 of 4 missing over --max-posts, 2 failed). Its WARC file holds
    no response, only its goahead-failed records. Before: the rebuild took crawl 1 for
    the blog's last crawl and excused all 4 (exit 0)."""
    args = ["--max-posts", "2", "--no-images", "--delay", "0", "--no-progress",
            "--db", str(tmp_path / "a.db"), "--warc-dir", str(tmp_path / "warcs")]
    with serve("goes-slow", 6) as site:
        SLOW_NOW["on"] = False
        first = run_goahead("crawl", site.url, *args)
        SLOW_NOW["on"] = True
        try:
            second = run_goahead("crawl", site.url, *args,
                                 settings_module="tests.timing_out_settings")
        finally:
            SLOW_NOW["on"] = False
    assert (first.returncode, second.returncode) == (0, 1), second.stderr[-2000:]
    ((stats,),) = query(tmp_path / "a.db", "SELECT stats FROM runs ORDER BY id DESC LIMIT 1")
    limited = json.loads(stats)["goahead/listed/limited"]  # crawl 2's
    missing = len(missing_urls(tmp_path / "a.db"))
    assert 0 < limited < missing
    result = run_goahead("reindex", "--warc-dir", str(tmp_path / "warcs"),
                         "--db", str(tmp_path / "rebuilt.db"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"({missing} missing, {limited} of them over --max-posts)" in result.stdout
