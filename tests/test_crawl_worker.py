"""Posts extracted and cut for the search index in a worker process during a crawl
(goahead_crawler/worker.py): the archive must be the one the crawl makes by itself."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from archive import search
from archive.connection import open_archive, open_read_only
from goahead_crawler.run_state import process_alive
from goahead_crawler.worker import CrawlWorker, workers_max
from tests.conftest import ROOT

pytestmark = pytest.mark.crawl

QUERIES = ["นา", "ชุมชน", "โครงการ", "การ", "ข่าว", "OTOP", "school", "title:ประชุม",
           "\"โคก หนอง นา\"", "เกษตร OR ฝน"]


def _crawl(url: str, db, warcs, worker_from: int) -> subprocess.CompletedProcess[str]:
    # a settings module of its own: goahead crawl has no option for this setting
    module = "tests.worker_settings"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE=module,
               GOAHEAD_TEST_WORKER_FROM=str(worker_from))
    return subprocess.run(
        [sys.executable, "-m", "goahead_crawler", "crawl", url, "--db", str(db),
         "--warc-dir", str(warcs), "--delay", "0", "--concurrency", "8", "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False, env=env)


def _answers(db) -> dict[str, list]:
    reader = open_read_only(db)
    try:
        return {query: ([(h.post_id, h.snippet, h.title_highlight, h.whole_word)
                         for h in search.search(reader, query, limit=50)],
                        search.count(reader, query)) for query in QUERIES}
    finally:
        reader.close()


POST_COLUMNS = ("blog_id, post_id, url, kind, title, author, published, updated, labels, text,"
                " html, images, outlinks, language, comment_count")


def _posts(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT {POST_COLUMNS} FROM posts ORDER BY blog_id, post_id"
                            ).fetchall()


def test_a_crawl_with_the_worker_archives_what_a_crawl_without_it_does(sample_site, tmp_path):
    url = sample_site.urls["goahead"]
    cut_here = _crawl(url, tmp_path / "here.db", tmp_path / "w1", worker_from=0)
    cut_there = _crawl(url, tmp_path / "there.db", tmp_path / "w2", worker_from=1)
    for result in (cut_here, cut_there):
        assert result.returncode == 0, result.stderr[-3000:]
    assert "worker process failed" not in cut_there.stderr
    with sqlite3.connect(tmp_path / "there.db") as conn:
        stats = json.loads(conn.execute("SELECT stats FROM runs").fetchone()[0])
        posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    # the feed's first page (it lists more than one post) starts the worker: every post
    # stored after it was cut there (a page the sitemap found first may be stored before),
    # and the pages fetched after it started were extracted there
    assert posts - 1 <= stats.get("goahead/worker/cut") <= posts
    assert posts > 10
    assert stats.get("goahead/worker/extracted", 0) > 5
    assert _posts(tmp_path / "here.db") == _posts(tmp_path / "there.db")
    here, there = _answers(tmp_path / "here.db"), _answers(tmp_path / "there.db")
    assert any(hits for hits, _ in here.values())
    assert here == there


def _feed_total(url: str) -> int:
    with urllib.request.urlopen(url + "feeds/posts/default?alt=json&max-results=1") as answer:
        return int(json.load(answer)["feed"]["openSearch$totalResults"]["$t"])


def _worker_stats(db) -> list[dict[str, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT stats FROM runs ORDER BY id").fetchall()
    return [{k: v for k, v in json.loads(stats).items() if k.startswith("goahead/worker/")}
            for (stats,) in rows]


def test_a_feed_that_lists_a_big_crawl_starts_the_worker_before_its_first_post(sample_site,
                                                                             tmp_path):
    url = sample_site.urls["goahead"]
    total = _feed_total(url)
    db = tmp_path / "archive.db"
    # worker_from = every post the feed lists: counting stored posts, the worker would
    # start with the last of them and cut none; the feed's total starts it at once
    result = _crawl(url, db, tmp_path / "w", worker_from=total)
    assert result.returncode == 0, result.stderr[-3000:]
    first, = _worker_stats(db)
    assert first["goahead/worker/cut"] > total * 3 // 4, first
    assert first["goahead/worker/extracted"] > total * 3 // 4, first
    # a re-run's feed lists only what changed (nothing): a small crawl, no worker
    again = _crawl(url, db, tmp_path / "w", worker_from=total)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _worker_stats(db)[1] == {}
    # a blog whose feed lists fewer posts, and that stores fewer, never starts one
    small = _crawl(url, tmp_path / "small.db", tmp_path / "w2", worker_from=total + 50)
    assert small.returncode == 0, small.stderr[-3000:]
    assert _worker_stats(tmp_path / "small.db") == [{}]


def test_a_worker_that_fails_leaves_the_work_to_the_crawl(caplog):
    worker = CrawlWorker()
    worker.start((None, None))  # its first call (the vocabulary) fails: it is broken
    try:
        with caplog.at_level(logging.WARNING):
            assert asyncio.run(worker.tokens("ชื่อ", "ข้อความ")) is None
            assert asyncio.run(worker.article(b"<html></html>", "http://x/", None, None)) is None
    finally:
        worker.close()
    assert not worker.running
    warnings = [r.getMessage() for r in caplog.records
                if "worker process failed" in r.getMessage()]
    assert len(warnings) == 1  # said once, then the crawl cuts posts itself


def test_the_crawl_never_waits_for_its_worker_to_start(tmp_path, monkeypatch):
    """The worker's process takes a second to start (imports, the dictionary), longer on a
    busy machine; the crawl's thread must not wait for it. A start-up argument would make
    it wait: it goes down the new process's pipe, which holds 64 KB, and the archive's
    vocabulary is some 300 KB. Here the new process sleeps 3 s before it reads anything."""
    (tmp_path / "sitecustomize.py").write_text("import time\ntime.sleep(3)\n")
    vocabulary = ("ชุมชน\n" * 200_000, "0" * 40)  # 3 MB, as a very big archive's might be
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(ROOT)]))
    worker = CrawlWorker()

    async def start_and_ask():
        started = time.monotonic()
        worker.start(vocabulary)
        asking = asyncio.ensure_future(worker._run(os.getpid))
        await asyncio.sleep(0)  # the call is made (the process launched on the way)
        return time.monotonic() - started, await asking

    try:
        took, pid = asyncio.run(start_and_ask())
    finally:
        worker.close()
    assert took < 1.5, f"the crawl's thread waited {took:.1f} s for the worker's start"
    assert pid not in (None, os.getpid())


def _page(words: str, repeat: int) -> bytes:
    return (b'<html><head><title>T</title></head><body><div class="post-body entry-content">'
            + (words * repeat).encode() + b"</div></body></html>")


def _vocabulary(tmp_path) -> tuple[str, str]:
    db = open_archive(tmp_path / "archive.db")
    try:
        return search.vocabulary_of(db)
    finally:
        db.close()


def test_a_process_runs_no_more_workers_than_its_cap(tmp_path):
    """A sites.toml crawl of fifty big blogs started fifty workers (some 125 MB each) in
    one process, fed by one thread. Past GOAHEAD_INDEX_WORKERS_MAX, a crawl does its work
    itself; a worker that closes makes room for the next."""
    vocabulary = _vocabulary(tmp_path)
    first, second = CrawlWorker(), CrawlWorker()
    try:
        assert first.start(vocabulary, most=1)
        assert not second.start(vocabulary, most=1)
        assert not second.running  # its crawl extracts and cuts its posts itself
        assert asyncio.run(second.tokens("หัวข้อ", "ข้อความ")) is None
        first.close()
        assert second.start(vocabulary, most=1)
    finally:
        first.close()
        second.close()
    assert CrawlWorker._started == 0
    assert workers_max(3) == 3
    assert workers_max(0) == max(1, (os.cpu_count() or 2) - 1)


def _same(a, b) -> bool:
    """The same tokens; ``words`` is a bag (no positions: a set's order, which differs
    from process to process, is not part of it)."""
    return ((a.text, a.title, sorted(a.words.split()))
            == (b.text, b.title, sorted(b.words.split())))


def test_one_call_per_post_extracts_it_and_cuts_it_as_the_crawl_would(tmp_path):
    vocabulary = _vocabulary(tmp_path)
    worker = CrawlWorker()
    worker.start(vocabulary)

    async def post_then_tokens():
        # pages far bigger than a pipe's buffer go both ways whole
        articles = await asyncio.gather(*(
            worker.article(_page(f"ข่าวชุมชน{n} ", 20_000), f"http://x/{n}.html", None,
                           "text/html; charset=utf-8") for n in range(3)))
        calls = worker.calls
        tokens = [await worker.tokens(a.title, a.text) for a in articles]
        assert worker.calls == calls  # the tokens came with the extraction
        other = await worker.tokens("ชื่ออื่น", "ข้อความอื่น")  # not extracted there: asked
        assert worker.calls == calls + 1
        return articles, tokens, other

    try:
        articles, tokens, other = asyncio.run(post_then_tokens())
    finally:
        worker.close()
    assert [a.text.count("ข่าวชุมชน") for a in articles] == [20_000] * 3
    for article, cut in zip(articles, tokens, strict=True):
        assert _same(cut, search.tokens_with(*vocabulary, article.title, article.text))
    assert _same(other, search.tokens_with(*vocabulary, "ชื่ออื่น", "ข้อความอื่น"))
    assert worker.pool is None


def test_a_worker_killed_mid_crawl_answers_its_callers_and_is_not_asked_again(tmp_path, caplog):
    worker = CrawlWorker()
    worker.start(_vocabulary(tmp_path))

    async def kill_while_waiting():
        pid = await worker._run(os.getpid)
        assert pid not in (None, os.getpid())
        waiting = asyncio.ensure_future(worker._run(time.sleep, 60))  # a call in progress
        await asyncio.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        return await asyncio.wait_for(waiting, 30), await worker.article(
            _page("ข่าว ", 10), "http://x/", None, None)

    try:
        with caplog.at_level(logging.WARNING):
            assert asyncio.run(kill_while_waiting()) == (None, None)
    finally:
        worker.close()
    assert not worker.running
    assert sum("worker process failed" in r.getMessage() for r in caplog.records) == 1


# A stand-in for a crawl's process: it starts the worker, has it answer one call, says the
# worker's pid, then waits to be killed.
_CRAWL_PROCESS = """
import asyncio, os, sys, time
from archive.connection import open_archive
from archive.search import vocabulary_of
from goahead_crawler.worker import CrawlWorker
worker = CrawlWorker()
worker.start(vocabulary_of(open_archive(sys.argv[1])))
print(asyncio.run(worker._run(os.getpid)), flush=True)
time.sleep(300)
"""


@pytest.mark.parametrize("ending", [signal.SIGKILL, signal.SIGTERM])
def test_a_crawl_killed_outright_takes_its_worker_with_it(tmp_path, ending):
    """Nothing tells the executor to stop when the crawl's process is killed (SIGKILL, the
    OOM killer; SIGTERM with no handler): the worker would wait on its queue for ever."""
    _vocabulary(tmp_path)  # the archive, made
    crawl = subprocess.Popen([sys.executable, "-c", _CRAWL_PROCESS, tmp_path / "archive.db"],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(crawl.stdout.readline())
        assert worker_pid != crawl.pid
        assert process_alive(worker_pid, None)
    finally:
        crawl.send_signal(ending)
        crawl.wait(30)
        crawl.stdout.close()
    deadline = time.monotonic() + 20
    while process_alive(worker_pid, None) and time.monotonic() < deadline:
        time.sleep(0.1)
    gone = not process_alive(worker_pid, None)
    if not gone:
        os.kill(worker_pid, signal.SIGKILL)  # leave no orphan behind a failing test
    assert gone, f"the worker ({worker_pid}) outlived the crawl's process"


def test_index_workers_caps_the_worker_processes_of_a_sites_toml_crawl(tmp_path):
    """``--index-workers`` is GOAHEAD_INDEX_WORKERS_MAX from the command line (it was a
    settings-module setting only): with 1, of two big blogs crawled at once one extracts
    in its own process, and says so."""
    from sampleblog.server import start

    with start() as site:
        sites = tmp_path / "sites.toml"
        sites.write_text("".join(f'[[site]]\nurl = "{url}"\n' for url in site.urls.values()),
                         encoding="utf-8")
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="tests.worker_settings",
                   GOAHEAD_TEST_WORKER_FROM="1")
        result = subprocess.run(
            [sys.executable, "-m", "goahead_crawler", "crawl", "--sites", str(sites),
             "--db", str(tmp_path / "a.db"), "--delay", "0", "--no-progress", "--no-images",
             "--index-workers", "1", "-v"],
            capture_output=True, text=True, cwd=ROOT, timeout=300, check=False, env=env)
    assert result.returncode in (0, 1), result.stderr[-500:]  # 2: the option was refused
    assert ("1 worker processes run in this process already (GOAHEAD_INDEX_WORKERS_MAX)"
            in result.stderr)
