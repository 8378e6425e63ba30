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
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from goahead_crawler.cli.ops import runs
from goahead_crawler.run_state import resume_command, resume_hint, status_now
from sampleblog.server import start
from tests.conftest import ROOT, run_goahead

N_POSTS = 60


def posts_in(db: Path) -> int:
    try:
        with closing(sqlite3.connect(db, timeout=5)) as conn, conn:
            return conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for_posts(proc: subprocess.Popen, db: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while posts_in(db) < count:
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.05)


def wait_for_live_counts(proc: subprocess.Popen, db: Path) -> dict:
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "the crawl ended before its row showed live counts"
        assert time.monotonic() < deadline, "no live counts"
        if posts_in(db) and (rows := runs_json(db)) and rows[0]["new"]:
            return rows[0]
        time.sleep(0.2)


def runs_json(db: Path) -> list[dict]:
    return json.loads(runs_text(db, "--json"))


def runs_text(db: Path, *flags: str) -> str:
    done = CliRunner().invoke(runs, ["--db", str(db), *flags])
    assert done.exit_code == 0, done.output
    return done.output


def slow_crawl(url: str, db: Path, warcs: Path) -> list[str]:
    return ["crawl", url, "--db", str(db), "--warc-dir", str(warcs), "--delay", "0.02",
            "--concurrency", "2", "--no-progress"]


@pytest.mark.crawl
def test_live_counts_then_a_kill_then_its_real_counts_and_how_to_resume(tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with start(["goahead"], 150) as site:
        url = site.urls["goahead"]
        args = [*slow_crawl(url, db, warcs)[:-5], "--delay", "0.1", "--no-progress"]
        proc = subprocess.Popen([sys.executable, "-m", "goahead_crawler", *args], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            live = wait_for_live_counts(proc, db)  # the row is updated every 5 s
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
        listing = runs_text(db)
        hint = f"run 1 ({url.split('/')[2]}) was killed before its end; resume it with: "
        assert hint + shlex.join(["goahead", *args, "--resume"]) in listing
        again = run_goahead(*args, "--max-posts", "1")  # the next crawl says it too
        assert again.returncode == 0, again.stderr[-3000:]
        assert f"Note: {hint}" in again.stderr
    assert [r["status"] for r in runs_json(db)] == ["finished", "killed"]
    assert "resume it with" not in runs_text(db)


def stop_midway(args: list[str], db: Path, sig: int) -> tuple[int, str]:
    """Run ``goahead ARGS``, send ``sig`` once 20 posts are stored; (exit status, last
    line on stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "goahead_crawler", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_posts(proc, db, 20)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.strip().splitlines()[-1]


@pytest.mark.crawl
def test_ctrl_c_says_how_to_resume(tmp_path: Path) -> None:
    with start(["goahead"], N_POSTS) as site:
        args = slow_crawl(site.urls["goahead"], tmp_path / "archive.db", tmp_path / "warcs")
        status, last = stop_midway(args, tmp_path / "archive.db", signal.SIGINT)
    assert status == 1
    assert last == ("The crawl stopped before its end; resume it with: "
                    + shlex.join(["goahead", *args, "--resume"]))


@pytest.mark.crawl
def test_a_stopped_crawl_says_how_to_resume_and_that_resumes_it(tmp_path: Path) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with start(["goahead"], N_POSTS) as site:
        url = site.urls["goahead"]
        args = slow_crawl(url, db, warcs)
        status, last = stop_midway(args, db, signal.SIGTERM)
        before = posts_in(db)
        assert status == 1
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
