"""Replay: pywb serves the crawl's WARC files (indexed by ``goahead index``) on 127.0.0.1
and gives back every archived post page, from both the first crawl and the revisits."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import pytest

from goahead_crawler.warc.reader import read_response
from sampleblog.server import start
from tests.test_cli_warc import run
from tests.test_warc_recrawl import Crawls, crawl_runs

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

pytest.importorskip("pywb", reason="replay needs pywb (pip install pywb)")

COLLECTION = "goahead"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pywb_collection(crawled: Crawls, root: Path) -> Path:
    """A pywb directory whose one collection holds the crawl's WARCs and our CDXJ index."""
    coll = root / "collections" / COLLECTION
    (coll / "archive").mkdir(parents=True)
    (coll / "indexes").mkdir()
    for path in crawled.warcs.glob("*.warc.gz"):
        (coll / "archive" / path.name).symlink_to(path)
    result = run("index", "--warc-dir", crawled.warcs, "--out", coll / "indexes" / "index.cdxj")
    assert result.exit_code == 0, result.output
    (root / "config.yaml").write_text("framed_replay: false\n")
    return root


def wait_until_up(proc: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"pywb exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with urlopen(base + COLLECTION + "/", timeout=2):
                return
        except HTTPError:
            return  # answering
        except (URLError, OSError):
            time.sleep(0.2)
    pytest.fail(f"pywb did not answer on {base} within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Crawls:
    with start(["goahead"]) as site:
        return crawl_runs(site.urls["goahead"], tmp_path_factory.mktemp("replay"))


@pytest.fixture(scope="module")
def wayback(crawled, tmp_path_factory) -> Iterator[str]:
    root = pywb_collection(crawled, tmp_path_factory.mktemp("pywb"))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from pywb.apps.cli import wayback; wayback()",
         "-p", str(port), "-b", "127.0.0.1"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(proc, base)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def timestamp(fetched_at: str) -> str:
    return "".join(ch for ch in fetched_at if ch.isdigit())


def replay(base: str, fetched_at: str, url: str) -> tuple[int, bytes]:
    """pywb's identity mode (``id_``): the archived body, not rewritten. Checks that pywb
    served the capture made at ``fetched_at`` (its ``Memento-Datetime``)."""
    with urlopen(f"{base}{COLLECTION}/{timestamp(fetched_at)}id_/{url}", timeout=30) as resp:
        served = parsedate_to_datetime(resp.headers["Memento-Datetime"])
        assert served.strftime("%Y-%m-%dT%H:%M:%SZ") == fetched_at, url
        return resp.status, resp.read()


def test_every_archived_post_replays_from_the_first_crawl(crawled, wayback,
                                                           record_property) -> None:
    rows = crawled.rows(
        "select c.url, c.fetched_at, c.warc_file, c.warc_offset from posts p join captures c"
        " on c.warc_file = p.warc_file and c.warc_offset = p.warc_offset"
        " where p.kind = 'post'"
    )
    assert len(rows) >= 10
    passed = 0
    for url, fetched_at, warc_file, offset in rows:
        status, body = replay(wayback, fetched_at, url)
        assert status == 200, url
        assert body == read_response(crawled.warcs, warc_file, offset).decoded, url
        passed += 1
    record_property("replayed_posts", passed)
    print(f"pywb replayed {passed}/{len(rows)} archived post pages")


def test_revisits_replay_with_the_original_body(crawled, wayback) -> None:
    rows = crawled.rows(
        "select r.url, r.fetched_at, f.warc_file, f.warc_offset from captures r"
        " join captures f on f.digest = r.digest and f.record_type = 'response'"
        " where r.record_type = 'revisit' and r.url in"
        " (select url from posts where kind = 'post')"
    )
    assert len(rows) >= 10
    for url, fetched_at, warc_file, offset in rows:
        status, body = replay(wayback, fetched_at, url)
        assert status == 200, url
        assert body == read_response(crawled.warcs, warc_file, offset).decoded, url
