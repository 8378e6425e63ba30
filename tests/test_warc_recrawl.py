"""A re-crawl of an unchanged blog writes revisit records, not bodies (whole crawls, subprocess).

The crawls are conftest's ``goahead_crawled_twice``, shared with test_cli_warc.py and
test_replay.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import Crawls

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses


@pytest.fixture(scope="module")
def twice(goahead_crawled_twice: Crawls, tmp_path_factory) -> Crawls:
    return goahead_crawled_twice.copy_to(tmp_path_factory.mktemp("recrawl"))


def record_bytes(paths: list[Path]) -> dict[str, int]:
    """Compressed bytes per record type in ``paths``."""
    sizes: dict[str, int] = {}
    for path in paths:
        with path.open("rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                records.read_to_end(record)
                sizes[record.rec_type] = sizes.get(record.rec_type, 0) + records.member_info[1]
    return sizes


def test_second_crawl_of_an_unchanged_blog_is_a_small_fraction(twice, record_property) -> None:
    first, second = (sum(p.stat().st_size for p in run) for run in twice.runs)
    ratio = second / first
    record_property("second_crawl_warc_ratio", round(ratio, 3))
    print(f"second-crawl WARC bytes: {second:,} / {first:,} = {ratio:.1%}")
    assert ratio < 0.35, (second, first)


def test_second_crawl_writes_revisits_not_bodies(twice, record_property) -> None:
    first, second = record_bytes(twice.runs[0]), record_bytes(twice.runs[1])
    assert "response" not in second, "an unchanged response body was written again"
    body_ratio = second["revisit"] / first["response"]
    record_property("revisit_to_response_bytes", round(body_ratio, 3))
    print(f"revisit bytes / response bytes: {body_ratio:.1%}")
    assert body_ratio < 0.25
    first_urls, second_urls = (dict(twice.rows(
        "select url, record_type from captures where run_id = ?", (run,))) for run in (1, 2))
    assert set(second_urls) == set(first_urls)
    assert set(first_urls.values()) == {"response"}
    assert set(second_urls.values()) == {"revisit"}
    assert set(twice.archived_urls()) < set(second_urls)


def test_each_revisit_cites_the_first_capture(twice) -> None:
    pairs = twice.rows(
        "select r.url, f.url, f.fetched_at from captures r join captures f"
        " on f.digest = r.digest and f.record_type = 'response'"
        " where r.record_type = 'revisit'"
    )
    assert pairs
    for path in twice.runs[1]:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "revisit":
                    continue
                h = record.rec_headers
                cited = (h.get_header("WARC-Target-URI"), h.get_header("WARC-Refers-To-Target-URI"),
                         h.get_header("WARC-Refers-To-Date"))
                assert cited in pairs


def page_metadata(paths: list[Path]) -> dict[str, list[tuple[str, dict[str, list[str]]]]]:
    """Target URI -> [(WARC-Concurrent-To, fields)] of the archived pages' metadata records."""
    found: dict[str, list[tuple[str, dict[str, list[str]]]]] = {}
    for path in paths:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests="raise"):
                if record.rec_type != "metadata":
                    continue
                fields: dict[str, list[str]] = {}
                for line in record.content_stream().read().decode().splitlines():
                    name, _, value = line.partition(": ")
                    fields.setdefault(name, []).append(value)
                if "goahead-kind" in fields:
                    h = record.rec_headers
                    found.setdefault(h.get_header("WARC-Target-URI"), []).append(
                        (h.get_header("WARC-Concurrent-To"), fields))
    return found


def record_ids(paths: list[Path]) -> dict[str, str]:
    """WARC-Record-ID -> type of every record in ``paths``."""
    ids = {}
    for path in paths:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                ids[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_type
    return ids


def test_each_archived_page_has_one_metadata_record_with_its_outlinks(twice) -> None:
    posts = {url: (kind, json.loads(links)) for url, kind, links in twice.rows(
        "select url, kind, outlinks from posts")}
    assert sum(bool(links) for _, links in posts.values()) >= 3
    for n, run in enumerate(twice.runs):
        found, ids = page_metadata(run), record_ids(run)
        assert set(found) == set(twice.archived_urls())
        for url, records in found.items():
            assert len(records) == 1, url
            ((concurrent_to, fields),) = records
            assert ids[concurrent_to] == ("revisit" if n else "response")
            kind, links = posts[url]
            assert fields["goahead-kind"] == [kind]
            # a static page is named first by the pages feed (its dates and author)
            assert fields["goahead-source"] == (["feed"] if kind == "post" else ["pages-feed"])
            assert fields.get("outlink", []) == links, url
