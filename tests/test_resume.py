"""``goahead crawl --resume``: interrupt a crawl (SIGKILL, SIGTERM), resume it, lose nothing."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from goahead_crawler.extensions.resume import (
    JobBusy,
    finish_job,
    job_dir,
    job_settings,
    prepare_job,
)
from goahead_crawler.rebuild import crawl_id
from sampleblog import server

ROOT = Path(__file__).resolve().parents[1]

# Two pages of the posts feed (150 a page); killed at 80 stored posts, half way. The images
# the archive must show (> 100) come to 112 at this size (the synthetic posts are fixed).
N_POSTS = 160


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("select count(*) from posts").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _crawl_args(url: str, db: Path, warcs: Path, cdn: str) -> list[str]:
    return [sys.executable, "-m", "goahead_crawler", "crawl", url, "--db", str(db),
            "--warc-dir", str(warcs), "--delay", "0.02", "--concurrency", "2", "--resume",
            "--static-origin", cdn]


def _images(db: Path) -> dict[str, list[str]]:
    with sqlite3.connect(db) as conn:
        return {url: json.loads(images) for url, images in
                conn.execute("select url, images from posts")}


def _interrupt_midway(args: list[str], db: Path, sig: int) -> int:
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while _count(db) < 80:
            assert proc.poll() is None, "the crawl ended before it could be interrupted"
            assert time.monotonic() < deadline, "the crawl made no progress"
            time.sleep(0.05)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return _count(db)


def _warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from warcio.cli import main; main()",
                           "check", str(path)], capture_output=True, text=True, check=False)


@pytest.mark.crawl
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_interrupted_crawl_resumes_with_every_post_once(tmp_path: Path, sig: int) -> None:
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with server.start(["goahead"], N_POSTS) as site:
        url = site.urls["goahead"]
        blog = site.blog("goahead")
        expected = {(blog.blog_id, p.post_id) for p in blog.posts + blog.pages}
        args = _crawl_args(url, db, warcs, site.cdn_url)
        before = _interrupt_midway(args, db, sig)
        assert 0 < before < len(expected)
        first_requests = len(site.requests("goahead"))
        again = subprocess.run(args, cwd=ROOT, capture_output=True,
                               text=True, timeout=300, check=False)
        second_requests = len(site.requests("goahead")) - first_requests
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Resuming" in again.stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select blog_id, post_id from posts").fetchall()
        doubled = conn.execute(
            "select url from captures where record_type = 'response' and url in"
            " (select url from posts) group by url having count(*) > 1").fetchall()
        runs = conn.execute("select status from runs order by id").fetchall()
        last_stats = json.loads(conn.execute("select stats from runs order by id desc")
                                .fetchone()[0])
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected
    # what the first run archived is not fetched again (at most the pages in flight); the
    # home page and month archives are, once discovery is over (for replay)
    listings = 1 + len({p.path[:len("/YYYY/MM/")] for p in blog.posts})
    assert second_requests < len(expected) - before + 20 + listings, second_requests
    assert len(doubled) <= 4, doubled
    assert [r[0] for r in runs] == ["killed" if sig == signal.SIGKILL else "shutdown",
                                    "finished"]
    assert last_stats["goahead/archive/connections"] == 1  # the skip list reads the pipeline's
    files = sorted(warcs.glob("*.warc.gz"))
    assert files
    assert not list(warcs.glob("*.open"))
    for path in files:
        check = _warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
    assert not job_dir(db, url).exists(), "a finished job leaves no job dir behind"
    # every post shows its images, and the rebuild from the WARC files says the same
    images = _images(db)
    assert sum(map(len, images.values())) > 100
    rebuilt = subprocess.run([sys.executable, "-m", "goahead_crawler", "reindex", "--db",
                              str(tmp_path / "rebuilt.db"), "--warc-dir", str(warcs)],
                             cwd=ROOT, capture_output=True, text=True, check=False)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _images(tmp_path / "rebuilt.db") == images


def test_job_modes(tmp_path: Path) -> None:
    path = job_dir(tmp_path / "a.db", "http://127.0.0.1:8080/")
    assert path == tmp_path / ".goahead-jobs" / "127.0.0.1_8080.a.db"
    fresh = prepare_job(path)
    assert fresh.mode == "fresh"
    assert "GOAHEAD_RESUME_SINCE" not in job_settings(fresh)
    marker = json.loads((path / "goahead-job.json").read_text())
    (path / "goahead-job.json").write_text(json.dumps({**marker, "pid": 1}))  # alive: init
    with pytest.raises(JobBusy):
        prepare_job(path)
    (path / "goahead-job.json").write_text(json.dumps({**marker, "pid": 2**22 + 1}))
    (path / "requests.seen").write_bytes(b"stale")
    killed = prepare_job(path)
    assert (killed.mode, killed.started_at) == ("killed", fresh.started_at)
    assert not (path / "requests.seen").exists()
    assert job_settings(killed)["GOAHEAD_RESUME_SINCE"] == fresh.started_at
    finish_job(path, "shutdown")
    assert prepare_job(path).mode == "queue"
    finish_job(path, "finished")
    assert not path.exists()
    assert prepare_job(path).mode == "fresh"


def test_a_jobs_processes_share_its_id_while_they_share_its_queue(tmp_path: Path) -> None:
    """A process resumed from its job's queue has the job's id (their WARC files say it,
    for the rebuild: one frontier, one --max-posts count); a killed job rediscovers, its
    spider claims anew: a new id, as a new job has; a marker from before ids: its start."""
    path = job_dir(tmp_path / "a.db", "http://127.0.0.1:8080/")
    fresh = prepare_job(path)
    assert len(fresh.job_id) == 32
    assert job_settings(fresh)["GOAHEAD_JOB_ID"] == fresh.job_id
    finish_job(path, "shutdown")
    assert prepare_job(path).job_id == fresh.job_id  # resumed from its queue
    marker = json.loads((path / "goahead-job.json").read_text())
    (path / "goahead-job.json").write_text(json.dumps({**marker, "pid": 2**22 + 1}))
    killed = prepare_job(path)  # killed: rediscovered
    assert killed.job_id not in ("", fresh.job_id)
    finish_job(path, "shutdown")
    assert prepare_job(path).job_id == killed.job_id
    finish_job(path, "finished")
    assert prepare_job(path).job_id not in ("", fresh.job_id, killed.job_id)
    finish_job(path, "shutdown")
    marker = json.loads((path / "goahead-job.json").read_text())
    del marker["job_id"]
    (path / "goahead-job.json").write_text(json.dumps(marker))
    assert prepare_job(path).job_id == marker["started_at"]


def test_two_archives_in_one_folder_have_a_job_dir_each(tmp_path: Path) -> None:
    """As they have a crawl lock each: ``--resume`` into b.db after a stopped crawl into
    a.db resumed a.db's job (its queue, without the half a.db had fetched) and used it up;
    run at once, the second was refused as 'a crawl is already running'."""
    root = "http://127.0.0.1:8080/"
    a, b = job_dir(tmp_path / "a.db", root), job_dir(tmp_path / "b.db", root)
    assert a != b
    assert a.parent == b.parent == tmp_path / ".goahead-jobs"
    prepare_job(a)
    finish_job(a, "shutdown")
    assert prepare_job(b).mode == "fresh"
    assert prepare_job(a).mode == "queue"


@pytest.mark.parametrize("reason", ["blog_unreachable", "blog_failing", "blog_private"])
def test_a_job_that_found_no_blog_is_not_resumed(tmp_path: Path, reason: str) -> None:
    """The nightly ``--resume`` after a night the blog was down: it resumed that job, whose
    seen-filter held the robots.txt, feed and sitemap requests, made no request at all and
    ended "ok", exit status 0, with nothing archived. There is nothing to resume."""
    path = job_dir(tmp_path / "a.db", "http://127.0.0.1:8080/")
    prepare_job(path)
    (path / "requests.seen").write_bytes(b"robots.txt, the feed, the sitemap")
    finish_job(path, reason)
    again = prepare_job(path)
    assert again.mode == "fresh"
    assert not (path / "requests.seen").exists()
    assert "GOAHEAD_RESUME_SINCE" not in job_settings(again)


def test_a_jobdir_given_as_a_setting_is_a_resume_job(tmp_path: Path) -> None:
    """Scrapyd's way (``-d setting=JOBDIR=...``, docs/OPERATIONS.md): the job dir gets the
    marker ``--resume`` keeps, so after a kill Scrapy's seen-filter, which holds requests
    never answered, is dropped (reused, it made every later job skip the posts the killed
    one had queued: "incomplete", with the same posts missing, night after night)."""
    from tests.conftest import goahead_crawler

    path = tmp_path / "job"
    fresh = goahead_crawler(JOBDIR=str(path)).settings
    assert fresh["GOAHEAD_RESUME_JOB"] == str(path)
    assert not fresh["GOAHEAD_RESUME_SINCE"]
    marker = json.loads((path / "goahead-job.json").read_text())
    assert marker["state"] == "running"
    (path / "goahead-job.json").write_text(json.dumps({**marker, "pid": 2**22 + 1}))  # dead
    (path / "requests.seen").write_bytes(b"stale")
    killed = goahead_crawler(JOBDIR=str(path)).settings
    assert not (path / "requests.seen").exists()
    assert killed["GOAHEAD_RESUME_SINCE"] == marker["started_at"]


@pytest.mark.crawl
def test_a_scrapy_crawl_with_a_jobdir_killed_then_run_again_stores_every_post(
        tmp_path: Path) -> None:
    db, warcs, job = tmp_path / "archive.db", tmp_path / "warcs", tmp_path / "job"
    with server.start(["goahead"], N_POSTS) as site:
        blog = site.blog("goahead")
        expected = {(blog.blog_id, p.post_id) for p in blog.posts + blog.pages}
        args = [sys.executable, "-m", "scrapy.cmdline", "crawl", "blogger",
                "-a", f"url={site.urls['goahead']}", "-s", f"JOBDIR={job}",
                "-s", f"GOAHEAD_ARCHIVE_DB={db}", "-s", f"GOAHEAD_WARC_DIR={warcs}",
                "-s", "DOWNLOAD_DELAY=0.02"]
        before = _interrupt_midway(args, db, signal.SIGKILL)
        assert 0 < before < len(expected)
        again = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                               check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        rows = set(conn.execute("select blog_id, post_id from posts"))
        runs = [r[0] for r in conn.execute("select status from runs order by id")]
    assert rows == expected
    assert runs == ["killed", "finished"]
    assert not job.exists(), "a finished job leaves no job dir behind"


@pytest.mark.crawl
def test_a_resumed_max_posts_crawl_and_its_rebuild_agree_on_a_post_its_first_process_failed(
        tmp_path: Path) -> None:
    """A --max-posts crawl stopped (SIGTERM) after its posts failed (503, retries spent),
    then resumed from its queue: the job asked for them once, in its first process, and the
    resumed one blames them (exit 1). The rebuild took the resumed process alone for "the
    last crawl" and excused them as never asked for (exit 0)."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    with server.start(["goahead"]) as site:
        posts = [p for p in site.site("goahead").posts if p.kind == "post"]
        for post in posts:
            site.fail("goahead", post.path, 503)
        args = [*_crawl_args(site.urls["goahead"], db, warcs, site.cdn_url), "--max-posts",
                "2", "--no-images"]
        args[args.index("0.02")] = "1"  # slow enough to be stopped before its end
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while max(Counter(p for _, p, s in site.requests("goahead") if s == 503
                              ).values(), default=0) < 4:  # 1 + RETRY_TIMES: one failed
                assert proc.poll() is None, "the crawl ended before it could be stopped"
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(0.5)  # its errback ran; the other post's last try is still queued
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) != 0
        finally:
            if proc.poll() is None:
                proc.kill()
        site.mend("goahead")
        again = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                               check=False)
    assert "(job begun" in again.stderr
    assert ", queue)" in again.stderr, again.stderr[-2000:]
    assert again.returncode == 1, again.stderr[-3000:]
    crawls = Counter(crawl_id(path) for path in warcs.glob("*.warc.gz"))
    assert len(crawls) == 2, crawls  # two processes, one job
    rebuilt = subprocess.run([sys.executable, "-m", "goahead_crawler", "reindex", "--db",
                              str(tmp_path / "rebuilt.db"), "--warc-dir", str(warcs)],
                             cwd=ROOT, capture_output=True, text=True, check=False)
    with sqlite3.connect(db) as conn:
        stats = json.loads(conn.execute("select stats from runs order by id desc")
                           .fetchone()[0])
    missing, limited = stats["goahead/listed/missing"], stats["goahead/listed/limited"]
    assert 0 < limited < missing  # the failed posts are the job's failures
    assert rebuilt.returncode == 1, rebuilt.stdout + rebuilt.stderr
    assert f"({missing} missing, {limited} of them over --max-posts)" in rebuilt.stdout
