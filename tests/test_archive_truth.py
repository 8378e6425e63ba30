"""The property that makes the WARC the truth (issue 12): whatever happens to a blog and to
its crawls, three archives agree table by table.

A seeded random history drives the sample blog through publish / edit / delete / re-crawl
cycles, some crawls SIGKILLed at a random request, one snapshot taken mid-crawl while its
run is still running, then a final clean crawl. Then:

(a) the crawled archive,
(b) ``goahead reindex`` of all its WARC files into a fresh archive,
(c) ``goahead merge`` of the archive's snapshots (one after every crawl, one mid-crawl),
    in a random order, into a fresh archive,

hold the same posts (deletions included), post versions, comments, captures and sites;
(c) also the same runs, each once, in its final state. Only per-database columns are left
out: row ids and the captures' run ids. Every WARC file passes ``warcio check``.

Seeded examples, not hypothesis: each example is a dozen whole crawls, so the number is
fixed and small (the suite runs in minutes on two cores). ``GOAHEAD_TRUTH_SEEDS=1,2,3``
runs other seeds.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sampleblog.content import new_post
from sampleblog.server import SampleSite, start
from tests.archive_diff import RUNS, TABLES, differences
from tests.conftest import ROOT, CrawlFolder, run_goahead
from tests.test_crash import warcio_check

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

SEEDS = [int(s) for s in os.environ.get("GOAHEAD_TRUTH_SEEDS", "7,12").split(",")]
CYCLES = 4
N_POSTS = 8
BLOG = "goahead"
WAIT_SECONDS = 120

@dataclass
class History(CrawlFolder):
    """The sample blog, its archive, and what was done to both."""

    site: SampleSite
    out: Path
    rng: random.Random
    snapshots: list[Path] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    published: int = 0

    def mutate(self) -> None:
        blog = self.site.blog(BLOG)
        for _ in range(self.rng.randint(0, 2)):
            self.published += 1
            title = f"Fresh post {self.published} {self.rng.randrange(10**6)}"
            self.site.publish(BLOG, new_post(blog, title, f"{title}.\n\nSecond paragraph.",
                                             f"2025-01-{self.published:02d}T10:00:00+07:00"))
            self.log.append(f"publish {title}")
        posts = [p for p in blog.posts if p.kind == "post"]
        for post in self.rng.sample(posts, self.rng.randint(0, min(2, len(posts)))):
            self.site.edit(BLOG, post.post_id, f"Edited {self.rng.randrange(10**6)}.\n\nMore.")
            self.log.append(f"edit {post.post_id}")
        if len(posts) > 3 and self.rng.random() < 0.5:
            gone = self.rng.choice(posts)
            self.site.delete(BLOG, gone.post_id)
            self.log.append(f"delete {gone.post_id}")

    def crawl(self, kill_at: int | None = None, snapshot_at: int | None = None) -> None:
        """A crawl, SIGKILLed once the blog has answered ``kill_at`` requests, or
        snapshotted (its run still running) at ``snapshot_at``; then a snapshot."""
        self.site.clear_requests()
        proc = subprocess.Popen(
            [sys.executable, "-m", "goahead_crawler", "crawl", self.site.urls[BLOG],
             "--db", str(self.db), "--warc-dir", str(self.warcs), "--delay", "0",
             "--concurrency", "4", "--no-progress"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log.append(f"crawl kill_at={kill_at} snapshot_at={snapshot_at}")
        deadline = time.monotonic() + WAIT_SECONDS
        while proc.poll() is None and time.monotonic() < deadline:
            seen = len(self.site.requests(BLOG))
            if kill_at is not None and seen >= kill_at:
                os.kill(proc.pid, signal.SIGKILL)
                break
            if snapshot_at is not None and seen >= snapshot_at:
                self.snapshot("mid")
                snapshot_at = None
            time.sleep(0.005)
        _, stderr = proc.communicate(timeout=WAIT_SECONDS)
        if kill_at is None:
            assert proc.returncode == 0, (self.log, stderr[-3000:])
        self.snapshot("after")

    def snapshot(self, when: str) -> None:
        if not self.db.exists():
            return
        path = self.out / f"snapshot-{len(self.snapshots):02d}-{when}.db"
        with sqlite3.connect(self.db) as source, sqlite3.connect(path) as target:
            source.backup(target)
        self.snapshots.append(path)


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def history(request, tmp_path_factory) -> History:
    rng = random.Random(request.param)
    started = time.monotonic()
    with start([BLOG], n_posts=N_POSTS) as site:
        history = History(site, tmp_path_factory.mktemp(f"truth-{request.param}"), rng)
        mid_crawl = rng.randrange(CYCLES)
        for cycle in range(CYCLES):
            if cycle:
                history.mutate()
            roll = rng.random()
            kill_at = rng.randint(1, 12) if cycle and roll < 0.5 else None
            snapshot_at = rng.randint(2, 8) if cycle == mid_crawl and kill_at is None else None
            history.crawl(kill_at=kill_at, snapshot_at=snapshot_at)
        history.mutate()
        history.crawl()  # the final, clean one
    print(f"\nseed {request.param}: {len(history.log)} steps in "
          f"{time.monotonic() - started:.0f}s: {'; '.join(history.log)}")
    return history


def test_every_warc_passes_warcio_check(history: History) -> None:
    files = sorted(history.warcs.glob("*.warc.gz"))
    assert files
    assert not list(history.warcs.glob("*.open"))
    for path in files:
        check = warcio_check(path)
        assert check.returncode == 0, (history.log, check.stdout[-2000:])


def test_reindex_of_the_warcs_is_the_crawled_archive(history: History) -> None:
    rebuilt = history.out / "rebuilt.db"
    done = run_goahead("reindex", "--warc-dir", str(history.warcs), "--db", str(rebuilt))
    assert done.returncode == 0, done.stderr[-3000:]
    assert differences(history.db, rebuilt, TABLES) == {}, history.log


def test_reindex_into_the_crawled_archive_changes_nothing(history: History) -> None:
    again = history.out / "again.db"
    with sqlite3.connect(history.db) as source, sqlite3.connect(again) as target:
        source.backup(target)
    done = run_goahead("reindex", "--warc-dir", str(history.warcs), "--db", str(again))
    assert done.returncode == 0, done.stderr[-3000:]
    assert differences(history.db, again, dict([*TABLES.items(), RUNS])) == {}, history.log


def test_merge_of_the_snapshots_is_the_crawled_archive(history: History) -> None:
    merged = history.out / "merged.db"
    shards = list(history.snapshots)
    history.rng.shuffle(shards)
    done = run_goahead("merge", *map(str, shards), "--into", str(merged))
    assert done.returncode == 0, done.stderr[-3000:]
    assert differences(history.db, merged, dict([*TABLES.items(), RUNS])) == {}, (
        history.log, [s.name for s in shards])
