"""Replay: pywb serves the crawl's WARC files (indexed by ``goahead index``) on 127.0.0.1
and gives back every archived post page, from both the first crawl and the revisits."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from urllib.request import urlopen

import pytest

from goahead_crawler.warc.reader import read_response
from tests.conftest import Crawls
from tests.replay_browser import COLLECTION, pywb_collection, pywb_server
from tests.test_cli_warc import run

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

pytest.importorskip("pywb", reason="replay needs pywb (pip install pywb)")


@pytest.fixture(scope="module")
def crawled(goahead_crawled_twice: Crawls, tmp_path_factory) -> Crawls:
    return goahead_crawled_twice.copy_to(tmp_path_factory.mktemp("replay"))


@pytest.fixture(scope="module")
def wayback(crawled, tmp_path_factory) -> Iterator[str]:
    index = crawled.warcs.parent / "index.cdxj"
    result = run("index", "--warc-dir", crawled.warcs, "--out", index)
    assert result.exit_code == 0, result.output
    with pywb_server(pywb_collection(tmp_path_factory.mktemp("pywb"), crawled.warcs, index)) as base:
        yield base


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
