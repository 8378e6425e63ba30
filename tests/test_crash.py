"""SIGKILL ``goahead crawl`` while it writes a WARC, then crawl again: the ``.open`` file is
repaired to its complete records, every WARC passes ``warcio check``, and the captures
table points at each WARC record at most once, every row at a readable record."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from goahead_crawler.warc.files import complete_prefix, finished_path
from sampleblog.server import start
from tests.conftest import ROOT, Crawls, run_goahead

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

N_POSTS = 150
KILL_AT_BYTES = 400_000  # of the ~1.5 MB a whole crawl writes: well into it, far from its end
WAIT_SECONDS = 120


def crawl_command(crawls: Crawls) -> list[str]:
    return [sys.executable, "-m", "goahead_crawler", "crawl", crawls.url, "--db",
            str(crawls.db), "--warc-dir", str(crawls.warcs), "--delay", "0",
            "--concurrency", "8"]


def kill_mid_write(crawls: Crawls) -> Path:
    """Start a crawl, SIGKILL it once its ``.open`` WARC holds KILL_AT_BYTES; the file."""
    proc = subprocess.Popen(crawl_command(crawls), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            for path in crawls.warcs.glob("*.warc.gz.open"):
                if path.stat().st_size >= KILL_AT_BYTES:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
                    return path
            time.sleep(0.002)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    pytest.fail(f"the crawl ended (exit {proc.returncode}) before its WARC reached "
                f"{KILL_AT_BYTES} bytes")


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from warcio.cli import main; main()", "check", "-v", str(path)],
        capture_output=True, text=True, check=False,
    )


def record_at(warcs: Path, name: str, offset: int) -> tuple[str, str, str]:
    """(type, WARC-Record-ID, WARC-Target-URI) of the record at ``offset``."""
    with (warcs / name).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh, check_digests="raise")))
        h = record.rec_headers
        record.raw_stream.read()
        return record.rec_type, h.get_header("WARC-Record-ID"), h.get_header("WARC-Target-URI")


@pytest.fixture(scope="module", params=["sigkill", "sigkill+torn-tail"])
def killed_and_restarted(request, tmp_path_factory) -> dict:
    """Kill a crawl mid-write and crawl again. "torn-tail" also cuts 100 bytes off the
    ``.open`` file after the kill: what a crash inside ``write()`` leaves, which a SIGKILL
    between two flushed records almost never does."""
    out = tmp_path_factory.mktemp("crash")
    with start(["goahead"], n_posts=N_POSTS) as site:
        crawls = Crawls(site.urls["goahead"], out / "archive.db", out / "warcs")
        open_file = kill_mid_write(crawls)
        if request.param.endswith("torn-tail"):
            with open_file.open("r+b") as fh:
                fh.truncate(open_file.stat().st_size - 100)
        size_at_kill = open_file.stat().st_size
        records, kept = complete_prefix(open_file)
        before = crawls.rows("select warc_file, warc_offset from captures")
        again = run_goahead(*crawl_command(crawls)[3:])
    return {"crawls": crawls, "open": open_file, "size": size_at_kill, "records": records,
            "kept": kept, "before": before, "again": again, "torn": "torn" in request.param}


def test_restart_repairs_the_open_file(killed_and_restarted, record_property) -> None:
    k = killed_and_restarted
    assert k["again"].returncode == 0, k["again"].stderr[-3000:]
    repaired = finished_path(k["open"])
    assert not k["open"].exists()
    assert repaired.stat().st_size == k["kept"] > 0
    cut = k["size"] - k["kept"]
    assert (cut > 0) if k["torn"] else (cut >= 0)
    line = re.search(r"Repaired WARC left by a crash: (\S+) \((\d+) complete records kept, "
                     r"(\d+) bytes cut\)", k["again"].stderr)
    assert line, k["again"].stderr[-3000:]
    assert line.groups() == (repaired.name, str(k["records"]), str(cut))
    record_property("repair", f"{k['size']} bytes at kill, {k['records']} records kept, "
                              f"{cut} bytes cut")
    print(f"\nkilled at {k['size']:,} bytes; repair kept {k['records']} records "
          f"({k['kept']:,} bytes) and cut {cut:,} bytes")


def test_every_warc_passes_warcio_check(killed_and_restarted) -> None:
    warcs = killed_and_restarted["crawls"].warcs
    assert not list(warcs.glob("*.open"))
    files = sorted(warcs.glob("*.warc.gz"))
    assert len(files) == 2
    for path in files:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr


def test_captures_point_at_each_record_once(killed_and_restarted) -> None:
    k = killed_and_restarted
    crawls: Crawls = k["crawls"]
    rows = crawls.rows("select warc_file, warc_offset, url, record_type from captures")
    assert k["before"], "the killed crawl recorded no capture"
    assert set(k["before"]) <= {(f, o) for f, o, _, _ in rows}
    assert not [f for f, *_ in rows if not f.endswith(".warc.gz")]
    seen = [record_at(crawls.warcs, f, o) for f, o, _, _ in rows]
    assert [(t, u) for t, _, u in seen] == [(kind, url) for *_, url, kind in rows]
    ids = Counter(record_id for _, record_id, _ in seen)
    assert ids.most_common(1)[0][1] == 1, "one WARC record recorded twice"


def test_posts_are_archived_once(killed_and_restarted) -> None:
    crawls: Crawls = killed_and_restarted["crawls"]
    (posts, distinct), = crawls.rows("select count(*), count(distinct url) from posts"
                                     " where kind = 'post'")
    assert posts == distinct == N_POSTS


@pytest.mark.parametrize(("first", "second", "into"), [
    ("shard-1.db", "shard-2.db", "the archive shard-1.db"),
    # the default name twice: the warcinfo's archive name matched the other archive's,
    # which then stored the killed crawl's posts of a blog it never crawled
    ("a/archive.db", "b/archive.db", "another archive named archive.db"),
])
def test_a_killed_crawl_is_caught_up_by_its_own_archive(tmp_path, first, second, into) -> None:
    """Two archives, one WARC folder: a crawl into the first killed, then a crawl of
    another blog into the second repairs the ``.open`` file but stores none of it (it has
    no run of that crawl), and the next crawl of the killed blog into the first stores
    what the killed one had not."""
    for name in (first, second):
        (tmp_path / name).parent.mkdir(exist_ok=True)
    # the other blog is only "another blog": its hand-written posts do
    with start(["goahead"], n_posts=N_POSTS) as site, start(["contempo"]) as another:
        crawls = Crawls(site.urls["goahead"], tmp_path / first, tmp_path / "warcs")
        killed = finished_path(kill_mid_write(crawls))
        other = run_goahead("crawl", another.urls["contempo"], "--db", str(tmp_path / second),
                            "--warc-dir", str(crawls.warcs), "--delay", "0", "--no-progress")
        assert other.returncode == 0, other.stderr[-3000:]
        assert killed.exists()  # repaired
        assert (f"Not caught up here: {killed.name} was written by a killed crawl into"
                f" {into};") in other.stderr
        assert "Caught up" not in other.stderr
        with sqlite3.connect(tmp_path / second) as conn:
            sites = conn.execute("SELECT DISTINCT site FROM posts").fetchall()
            files = conn.execute("SELECT count(*) FROM captures WHERE warc_file = ?",
                                 [killed.name]).fetchone()
        assert len(sites) == 1
        assert files == (0,)
        again = run_goahead(*crawl_command(crawls)[3:], "--no-progress")
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"Caught up with the killed crawl of {killed.name}" in again.stderr
    (status,), = crawls.rows("SELECT status FROM runs ORDER BY id LIMIT 1")
    assert status == "killed"
    assert crawls.rows("SELECT count(*) FROM posts WHERE kind = 'post'") == [(N_POSTS,)]
