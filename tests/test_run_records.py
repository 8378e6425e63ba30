"""Run records are what happened (issue 12, item 5): a running crawl's live counts, a
killed run's real counts (from what it stored), and after Ctrl-C, SIGTERM or a kill, a line
that says how to resume, with the crawl's own arguments."""

from __future__ import annotations

import json
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from goahead_crawler.run_state import resume_command, resume_hint, status_now
from sampleblog.server import start
from tests.conftest import ROOT, run_goahead

N_POSTS = 300


def posts_in(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for_posts(proc: subprocess.Popen, db: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while posts_in(db) < count:
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.05)


def runs_json(db: Path) -> list[dict]:
    done = run_goahead("runs", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def slow_crawl(url: str, db: Path, warcs: Path) -> list[str]:
    return ["crawl", url, "--db", str(db), "--warc-dir", str(warcs), "--delay", "0.02",
            "--concurrency", "2", "--no-progress"]


@pytest.mark.crawl
def test_live_counts_then_a_kill_then_its_real_counts_and_how_to_resume(tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with start(["goahead"], N_POSTS) as site:
        url = site.urls["goahead"]
        args = slow_crawl(url, db, warcs)
        proc = subprocess.Popen([sys.executable, "-m", "goahead_crawler", *args], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_posts(proc, db, 150)
            (live,) = runs_json(db)
            assert live["status"] == "running"
            assert 0 < live["new"] <= posts_in(db)
            assert live["requests"] > 0
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        stored = posts_in(db)
        (killed,) = runs_json(db)
        assert killed["status"] == "killed"
        assert killed["new"] == stored  # what it stored, not the last live update's figure
        assert killed["requests"] >= stored
        listing = run_goahead("runs", "--db", str(db))
        hint = f"run 1 ({url.split('/')[2]}) was killed before its end; resume it with: "
        assert hint + shlex.join(["goahead", *args, "--resume"]) in listing.stdout
        again = run_goahead(*args)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "Note: run 1" in again.stderr
        assert "was killed" in again.stderr
    assert posts_in(db) == N_POSTS + 2
    statuses = [r["status"] for r in runs_json(db)]
    assert statuses == ["finished", "killed"]
    assert "resume it with" not in run_goahead("runs", "--db", str(db)).stdout


@pytest.mark.crawl
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_stopped_crawl_says_how_to_resume_and_that_resumes_it(tmp_path: Path, sig: int
                                                                ) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with start(["goahead"], N_POSTS) as site:
        url = site.urls["goahead"]
        args = slow_crawl(url, db, warcs)
        proc = subprocess.Popen([sys.executable, "-m", "goahead_crawler", *args], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_posts(proc, db, 80)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        before = posts_in(db)
        assert proc.returncode == 1
        last = err.strip().splitlines()[-1]
        expected = shlex.join(["goahead", *args, "--resume"])
        assert last == f"The crawl stopped before its end; resume it with: {expected}"
        site.clear_requests()
        words = shlex.split(last.split(": ", 1)[1])
        resumed = run_goahead(*words[1:])
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert "Resuming" in resumed.stderr
        pages = [p for _, p, _ in site.requests("goahead") if p.endswith(".html")]
    assert posts_in(db) == N_POSTS + 2
    assert len(pages) <= N_POSTS + 2 - before + 10  # what it archived is not fetched again
    assert [r["status"] for r in runs_json(db)] == ["finished", "shutdown"]


def test_status_and_resume_hints() -> None:
    gone = {"id": 3, "site": "b", "status": "running", "pid": 2**22 + 1, "host": None,
            "command": "goahead crawl https://b/ --db 'my archive.db'"}
    assert status_now(gone) == "killed"
    assert status_now({**gone, "pid": None}) == "running"  # an older goahead's row
    import os

    assert status_now({**gone, "pid": os.getpid()}) == "running"
    assert status_now({**gone, "host": "elsewhere"}) == "running"  # cannot tell: trust it
    assert resume_hint(gone) == ("run 3 (b) was killed before its end; resume it with:"
                                 " goahead crawl https://b/ --db 'my archive.db' --resume")
    assert resume_hint({**gone, "status": "finished"}) is None
    assert resume_hint({**gone, "status": "shutdown", "command": "scrapy crawl blogger"}) == (
        "run 3 (b) was stopped before its end")
    assert resume_command("goahead crawl --sites s.toml --resume") == (
        "goahead crawl --sites s.toml --resume")
