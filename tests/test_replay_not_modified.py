"""Replay after an incremental re-crawl: a photo the blog answered 304 Not Modified for.

A re-crawl asks for a changed post's photos conditionally; an unchanged photo comes back
as ``304 Not Modified`` and is archived as a server-not-modified revisit: the 304's headers
and no body. pywb (and the WACZ's index) replays a revisit with the revisit's own status
line, so a replay of the latest capture gave the browser a 304 with no body and the photo
did not show, though its bytes are in the first crawl's WARC file. The replay indexes
(``goahead index``, the WACZ's) leave those revisits out: the latest capture a replay
finds is then the photo as it was fetched, which the 304 said is unchanged.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from goahead_crawler.warc.records import NOT_MODIFIED_PROFILE
from sampleblog.server import start
from tests.conftest import CrawlFolder, run_goahead
from tests.replay_browser import COLLECTION, pywb_collection, pywb_server
from tests.test_images_crawl import records

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

SEED_ID = "6402417935110832581"  # the reference article: four photos, Thai text


@dataclass
class Recrawled(CrawlFolder):
    """The sample blog crawled, a post with photos edited (its text, not its photos),
    crawled again (incremental: the post's page fetched again, its photos and the home
    page asked conditionally), then the blog and its CDN stopped."""

    out: Path
    photo: str  # the reused photo's URL as served, and archived
    photo_bytes: bytes  # as the CDN served it


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory) -> Recrawled:
    out = tmp_path_factory.mktemp("not-modified")
    with start(["goahead"]) as site:
        def crawl() -> None:
            done = run_goahead("crawl", site.urls["goahead"], "--db", str(out / "archive.db"),
                               "--warc-dir", str(out / "warcs"), "--delay", "0",
                               "--concurrency", "8", "--no-progress",
                               "--static-origin", site.cdn_url)
            assert done.returncode == 0, done.stderr[-3000:]

        crawl()
        site.amend("goahead", SEED_ID, "แก้ไขคำผิดในข่าว")  # its page changes, its photos not
        crawl()
        photo = site.served_url(site.blog("goahead").post(SEED_ID).images[0])
        with urlopen(photo, timeout=30) as response:
            photo_bytes = response.read()
    crawled = Recrawled(out, photo, photo_bytes)
    revisits = {uri for kind, uri, profile in records(crawled.warcs)
                if kind == "revisit" and profile == NOT_MODIFIED_PROFILE}
    assert photo in revisits  # the situation under test: its latest record is a 304
    return crawled


@pytest.fixture(scope="module")
def wayback(recrawled, tmp_path_factory) -> Iterator[str]:
    index = recrawled.out / "index.cdxj"
    done = run_goahead("index", "--warc-dir", str(recrawled.warcs), "--out", str(index))
    assert done.returncode == 0, done.stderr
    root = pywb_collection(tmp_path_factory.mktemp("pywb"), recrawled.warcs, index)
    with pywb_server(root) as base:
        yield base


def test_the_latest_capture_of_a_not_modified_photo_replays_its_bytes(recrawled,
                                                                      wayback) -> None:
    """Before: pywb answered 304 Not Modified with no body (the photo broken in a browser)."""
    try:
        with urlopen(f"{wayback}{COLLECTION}/id_/{recrawled.photo}", timeout=30) as response:
            status, body = response.status, response.read()
    except HTTPError as exc:  # urllib raises on a 304
        status, body = exc.code, b""
    assert status == 200
    assert body == recrawled.photo_bytes


def test_the_wacz_index_gives_no_not_modified_capture(recrawled) -> None:
    """The WACZ's own index (what ReplayWeb.page reads) lists the photo's 200 capture and
    none of its 304s (before: the 304 revisit was its latest entry)."""
    wacz = recrawled.out / "crawl.wacz"
    done = run_goahead("wacz", "--db", str(recrawled.db), "--warc-dir", str(recrawled.warcs),
                       "--out", str(wacz))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(wacz) as package:
        names = [n for n in package.namelist() if n.startswith("indexes/index.cdx")]
        assert names, package.namelist()
        raw = package.read(names[0])
    text = gzip.GzipFile(fileobj=io.BytesIO(raw)).read().decode() if raw[:2] == b"\x1f\x8b" \
        else raw.decode()
    entries = [json.loads(line.split(" ", 2)[2]) for line in text.splitlines()
               if line.strip() and not line.startswith("!")]
    photo = [e["status"] for e in entries if e["url"] == recrawled.photo]
    assert photo == ["200"]
    assert all(e.get("status") != "304" for e in entries)


def test_a_wacz_lists_the_home_page_by_the_capture_a_replay_finds(recrawled) -> None:
    """The home page, unchanged, was a 304 in the re-crawl: pages.jsonl lists it by the
    capture the 304 confirms, the one the WACZ's index lists (before: by the 304's date,
    which py-wacz matched to no record: "only 14 of 15 pages matched", no WACZ)."""
    wacz = recrawled.out / "home.wacz"
    done = run_goahead("wacz", "--db", str(recrawled.db), "--warc-dir", str(recrawled.warcs),
                       "--out", str(wacz))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(wacz) as package:
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()[1:]]
    (home,) = [p for p in pages if urlsplit(p["url"]).path == "/"]
    with sqlite3.connect(recrawled.db) as conn:
        statuses = dict(conn.execute("select fetched_at, status from captures where url = ?",
                                     (home["url"],)).fetchall())
    assert sorted(statuses.values()) == [200, 304]  # the situation under test
    assert statuses[home["ts"]] == 200


def test_an_index_of_304s_without_the_captures_they_confirm_says_so(recrawled, tmp_path
                                                                   ) -> None:
    """The re-crawl's WARC file alone (the first crawl's moved away): its 304 revisits are
    left out of the index, and the captures they confirm are not in the folder, so the
    home page and the unchanged photo replay as not archived. ``goahead index`` said
    nothing and exited 0; it names them now (exit status 1), as wacz refuses such pages,
    and the re-crawl's identical-payload revisits (its robots.txt) with them."""
    first, second = sorted(recrawled.warcs.glob("*.warc.gz"))
    alone = tmp_path / "warcs"
    alone.mkdir()
    (alone / second.name).write_bytes(second.read_bytes())
    done = run_goahead("index", "--warc-dir", str(alone), "--out", str(tmp_path / "i.cdxj"))
    assert done.returncode == 1, done.stderr
    # every revisit of the re-crawl relies on the first crawl's file: each is named (the
    # first ten), or counted, the photo's 304 among them
    revisits = {(uri, profile == NOT_MODIFIED_PROFILE) for kind, uri, profile in records(alone)
                if kind == "revisit"}
    assert (recrawled.photo, True) in revisits
    named = [line for line in done.stderr.splitlines() if line.startswith("warning: http")]
    more = re.search(r"^warning: and (\d+) more revisits", done.stderr, re.MULTILINE)
    assert len(named) + (int(more[1]) if more else 0) == len(revisits), done.stderr
    assert first.name not in (tmp_path / "i.cdxj").read_text()
    whole = run_goahead("index", "--warc-dir", str(recrawled.warcs),
                        "--out", str(tmp_path / "all.cdxj"))
    assert whole.returncode == 0, whole.stderr
    assert "warning" not in whole.stderr
