"""One archive, several writers (issue 12, item 2), and writes that fail.

Two crawls of different blogs, a crawl and ``goahead merge``, a crawl and searches, all at
once on one archive: no error, no lost or duplicated row. Two crawls of the same blog: the
second refuses before any request, naming the first. A write that fails (a full disk for
the archive or the WARC files) stops the crawl at once, with one line, and nothing is
reported as archived that the database does not hold.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlite_utils import Database

from archive.connection import open_archive
from goahead_crawler import crawl_lock
from sampleblog.server import SampleSite, start
from tests.conftest import ROOT, run_goahead

N_POSTS = 60  # per blog: two crawls lost 5 to 7 of 123 posts with a plain BEGIN


def crawl_args(url: str, db: Path, warcs: Path, *flags: str) -> list[str]:
    return [sys.executable, "-m", "goahead_crawler", "crawl", url, "--db", str(db),
            "--warc-dir", str(warcs), "--delay", "0", "--concurrency", "8", "--no-progress",
            *flags]


def popen(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db, timeout=30)) as conn, conn:
        return conn.execute(sql).fetchall()


def expected_posts(site: SampleSite, name: str) -> int:
    blog = site.blog(name)
    return len(blog.posts) + len(blog.pages)


@pytest.fixture(scope="module")
def two_blogs() -> Iterator[SampleSite]:
    with start(["goahead", "contempo"], n_posts=N_POSTS) as site:
        yield site


# -- transactions ----------------------------------------------------------------------

def test_plain_begin_loses_the_race_that_immediate_wins(tmp_path: Path) -> None:
    """The loss itself, step by step: read in a deferred transaction, another writer
    commits, then the write fails at once; BEGIN IMMEDIATE takes the lock before reading."""
    path = tmp_path / "a.db"
    open_archive(path).close()
    other = sqlite3.connect(path, timeout=5)
    plain = Database(sqlite3.connect(path, timeout=5))
    other.execute("PRAGMA busy_timeout = 100")
    plain.execute("BEGIN")  # what sqlite-utils' atomic() begins with
    plain.execute("SELECT count(*) FROM sites").fetchone()
    other.execute("INSERT INTO sites (site) VALUES ('other')")
    other.commit()
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # at once: no wait helps
        plain.execute("INSERT INTO sites (site) VALUES ('lost')")
    plain.conn.rollback()
    archive = open_archive(path)
    with archive.atomic():
        archive.execute("SELECT count(*) FROM sites").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="locked"):  # waits, then gives up
            other.execute("INSERT INTO sites (site) VALUES ('waits')")
        archive.execute("INSERT INTO sites (site) VALUES ('kept')")
    assert sorted(r[0] for r in rows(path, "SELECT site FROM sites")) == ["kept", "other"]


# -- several writers ---------------------------------------------------------------------

@pytest.mark.crawl
def test_two_crawls_of_different_blogs_into_one_archive(two_blogs: SampleSite,
                                                       tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    procs = [popen(crawl_args(two_blogs.urls[n], db, warcs)) for n in ("goahead", "contempo")]
    outs = [p.communicate(timeout=600) for p in procs]
    for proc, (_, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "locked" not in err
        assert "Traceback" not in err
    expected = sum(expected_posts(two_blogs, n) for n in ("goahead", "contempo"))
    assert rows(db, "SELECT count(*), count(DISTINCT url) FROM posts") == [(expected, expected)]
    assert rows(db, "SELECT status, errors FROM runs") == [("finished", 0)] * 2
    assert rows(db, "SELECT count(*) FROM posts WHERE warc_file IS NULL") == [(0,)]


@pytest.mark.crawl
def test_a_crawl_beside_merges_and_searches(two_blogs: SampleSite, tmp_path: Path) -> None:
    shard, db, warcs = tmp_path / "shard.db", tmp_path / "archive.db", tmp_path / "warcs"
    made = run_goahead(*crawl_args(two_blogs.urls["contempo"], shard, warcs)[3:])
    assert made.returncode == 0, made.stderr[-3000:]
    crawl = popen(crawl_args(two_blogs.urls["goahead"], db, warcs))
    others = []
    while crawl.poll() is None:
        others.append(run_goahead("merge", str(shard), "--into", str(db)))
        others.append(run_goahead("search", "ชุมชน", "--db", str(db), "--count"))
    _, err = crawl.communicate()
    assert crawl.returncode == 0, err[-3000:]
    assert len(others) >= 2
    for done in others:
        assert done.returncode == 0, done.stderr[-3000:]
    expected = expected_posts(two_blogs, "goahead") + expected_posts(two_blogs, "contempo")
    assert rows(db, "SELECT count(*), count(DISTINCT url) FROM posts") == [(expected, expected)]


# -- one crawl per blog --------------------------------------------------------------------

@pytest.mark.crawl
def test_a_second_crawl_of_the_same_blog_refuses_before_any_request(tmp_path: Path) -> None:
    with start(["goahead"], n_posts=10) as site:
        url, db = site.urls["goahead"], tmp_path / "archive.db"
        held = crawl_lock.acquire(db, url, "goahead crawl (the first)")
        try:
            second = run_goahead(*crawl_args(url, db, tmp_path / "warcs")[3:])
        finally:
            held.release()
        assert site.requests("goahead") == []  # not even robots.txt
    assert second.returncode == 2
    (line,) = second.stderr.splitlines()
    host = url.split("/")[2]
    assert re.fullmatch(rf"Error: {re.escape(host)} is already being crawled into \S+ by pid"
                        rf" {os.getpid()}, started \S+Z; no request was made for it .*", line)


@pytest.mark.crawl
def test_two_crawls_of_the_same_blog_at_once(tmp_path: Path) -> None:
    with start(["goahead"], n_posts=40) as site:
        url, db = site.urls["goahead"], tmp_path / "archive.db"
        first = popen([*crawl_args(url, db, tmp_path / "warcs")[:-5], "--delay", "0.05",
                       "--no-progress"])
        lock = crawl_lock.lock_path(db, url)
        deadline = time.monotonic() + 60
        while not (lock.exists() and str(first.pid) in lock.read_text()):
            assert time.monotonic() < deadline
            assert first.poll() is None
            time.sleep(0.02)
        second = run_goahead(*crawl_args(url, db, tmp_path / "warcs")[3:])
        _, err = first.communicate(timeout=300)
    assert second.returncode == 2
    assert f"by pid {first.pid}, started" in second.stderr
    assert first.returncode == 0, err[-3000:]
    assert rows(db, "SELECT count(*) FROM runs") == [(1,)]


def test_a_lock_left_by_a_killed_crawl_is_taken_over(tmp_path: Path) -> None:
    url, db = "http://b.example/", tmp_path / "archive.db"
    lock = crawl_lock.lock_path(db, url)
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": 2**22 + 1, "started_at": "2026-01-01T00:00:00Z"}))
    taken = crawl_lock.acquire(db, url, "goahead crawl http://b.example/")
    try:  # the dead crawl's flock went with its process: the file is ours now
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        with pytest.raises(crawl_lock.CrawlBusy, match=f"by pid {os.getpid()}"):
            subprocess_acquire(db, url)
    finally:
        taken.release()
    subprocess_acquire(db, url)  # released: another process may take it


def subprocess_acquire(db: Path, url: str) -> None:
    """Take the lock from another process (a second flock in this one would be ours)."""
    code = ("import sys; from goahead_crawler.crawl_lock import acquire, CrawlBusy\n"
            "try: acquire(sys.argv[1], sys.argv[2])\n"
            "except CrawlBusy as exc: print(exc); sys.exit(3)")
    done = subprocess.run([sys.executable, "-c", code, str(db), url], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode == 3:
        raise crawl_lock.CrawlBusy(done.stdout.strip())
    assert done.returncode == 0, done.stderr


# -- writes that fail --------------------------------------------------------------------

@contextlib.contextmanager
def tiny_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``path`` (root only: where mounting is not allowed, skip)."""
    path.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                           capture_output=True, text=True, check=False)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tiny file system here ({mount.stderr.strip()}); the"
                    " injected disk-full tests cover it")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def grow(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def assert_stopped_with_one_line(done: subprocess.CompletedProcess[str], what: str) -> None:
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    (error,) = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert what in error, done.stderr[-3000:]


def archived(stdout: str) -> int:
    return int(re.search(r"posts archived\s*│\s*(\d+)", stdout).group(1))


@pytest.mark.crawl
def test_a_full_disk_under_the_archive_stops_the_crawl(tmp_path: Path) -> None:
    with start(["goahead"], n_posts=60) as site, \
            tiny_disk(tmp_path / "disk", "1m") as disk:
        url, db, warcs = site.urls["goahead"], disk / "archive.db", tmp_path / "warcs"
        full = subprocess.run(crawl_args(url, db, warcs), capture_output=True, text=True,
                              cwd=ROOT, timeout=300, check=False, env=dict(
                                  os.environ, SCRAPY_SETTINGS_MODULE="tests.one_write_settings"))
        assert_stopped_with_one_line(full, "the disk is full")
        stored = rows(db, "SELECT count(*) FROM posts WHERE kind = 'post'")[0][0]
        assert 0 < stored < 60
        assert archived(full.stdout) == stored  # what the summary says is what is stored
        assert rows(db, "SELECT status FROM runs") == [("failed",)]
        grow(disk, "64m")
        again = run_goahead(*crawl_args(url, db, warcs)[3:])
        assert again.returncode == 0, again.stderr[-3000:]
        assert rows(db, "SELECT count(*) FROM posts WHERE kind = 'post'") == [(60,)]


@pytest.mark.crawl
def test_a_full_disk_under_the_warc_files_stops_the_crawl(tmp_path: Path) -> None:
    with start(["goahead"], n_posts=100) as site, \
            tiny_disk(tmp_path / "disk", "300k") as disk:
        url, db = site.urls["goahead"], tmp_path / "archive.db"
        full = run_goahead(*crawl_args(url, db, disk)[3:])
        assert_stopped_with_one_line(full, "WARC write failed")
        assert rows(db, "SELECT count(*) FROM posts WHERE warc_file IS NULL") == [(0,)]
        stored = rows(db, "SELECT count(*) FROM posts WHERE kind = 'post'")[0][0]
        assert archived(full.stdout) == stored < 100
        assert rows(db, "SELECT status FROM runs") == [("failed",)]


def injected_crawl(tmp_path: Path, extension: str, setting: str
                   ) -> tuple[subprocess.CompletedProcess[str], Path]:
    """A crawl of 100 posts the Scrapy way, with a fault ``extension`` from
    tests/ops_faults.py; one ERROR line and no traceback, as ``goahead crawl`` would say."""
    db = tmp_path / "archive.db"
    with start(["goahead"], n_posts=100) as site:
        args = [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a",
                f"url={site.urls['goahead']}", "-s", f"GOAHEAD_ARCHIVE_DB={db}",
                "-s", f"GOAHEAD_WARC_DIR={tmp_path / 'warcs'}", "-s", "DOWNLOAD_DELAY=0",
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "LOG_LEVEL=WARNING",
                "-s", "EXTENSIONS=" + json.dumps(
                    {"goahead_crawler.warc.extension.WarcCapture": 100, extension: 900}),
                "-s", setting]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                              check=False)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert rows(db, "SELECT status FROM runs") == [("failed",)]
    return done, db


@pytest.mark.crawl
def test_an_injected_full_archive_stops_the_crawl(tmp_path: Path) -> None:
    """Where no tiny file system can be mounted: SQLite's page limit, the same error."""
    done, db = injected_crawl(tmp_path, "tests.ops_faults.TinyArchive",
                              "GOAHEAD_TEST_ARCHIVE_PAGES=200")
    (error,) = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert "the disk is full" in error, done.stderr[-3000:]
    (new,), = rows(db, "SELECT posts_new FROM runs")  # what the run counts as stored ...
    assert new == rows(db, "SELECT count(*) FROM posts")[0][0] < 100  # ... is stored


@pytest.mark.crawl
def test_an_injected_full_warc_disk_leaves_no_post_without_its_record(tmp_path: Path) -> None:
    done, db = injected_crawl(tmp_path, "tests.ops_faults.FullWarcDisk",
                              "GOAHEAD_TEST_WARC_GROUPS=40")
    (error,) = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert "No space left on device" in error, done.stderr[-3000:]
    assert rows(db, "SELECT count(*) FROM posts WHERE warc_file IS NULL") == [(0,)]
    (stats,), = rows(db, "SELECT stats FROM runs")
    failures = json.loads(json.loads(stats)["goahead/failures"])
    assert any("No space left on device" in f["error"] for f in failures)


def test_the_lock_file_holds_room_for_the_runs_last_write(tmp_path: Path) -> None:
    """After "disk full" the run's final row still fits: the lock file held space back."""
    db = tmp_path / "archive.db"
    lock = crawl_lock.acquire(db, "http://b.example/", "goahead crawl")
    path = crawl_lock.lock_path(db, "http://b.example/")
    try:
        assert path.stat().st_size == crawl_lock.RESERVE_BYTES
        assert json.loads(path.read_text())["pid"] == os.getpid()  # still the holder's JSON
        lock.free_reserve()
        assert path.stat().st_size < 1024
        assert json.loads(path.read_text())["pid"] == os.getpid()
    finally:
        lock.release()
    assert path.stat().st_size < 1024  # a finished crawl leaves no reserve behind
