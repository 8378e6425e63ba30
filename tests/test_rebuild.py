"""goahead reindex: the archive rebuilt from WARC files alone equals what the crawl wrote."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_goahead

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

FIELDS = ("url", "kind", "site", "title", "author", "published", "updated", "labels", "text",
          "html", "images", "language", "word_count", "warc_file", "warc_offset")


def rows(db) -> dict:
    result = run_goahead("export", "--db", str(db), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    return {(r["blog_id"], r["post_id"]): r for r in map(json.loads, result.stdout.splitlines())}


@pytest.fixture(scope="module")
def crawled(sample_site, tmp_path_factory):
    out = tmp_path_factory.mktemp("reindex")
    db, warcs = out / "crawl.db", out / "warcs"
    for _ in range(2):  # the second crawl writes revisit records, which reindex must resolve
        done = run_goahead("crawl", sample_site.urls["goahead"], "--db", str(db),
                           "--warc-dir", str(warcs), "--delay", "0")
        assert done.returncode == 0, done.stderr[-2000:]
    return out, db, warcs


def test_rebuilt_archive_has_the_same_rows(crawled) -> None:
    out, db, warcs = crawled
    rebuilt = out / "rebuilt.db"
    result = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr
    assert "14 new" in result.stdout
    original, again = rows(db), rows(rebuilt)
    assert set(again) == set(original)
    for key, row in original.items():
        for field in FIELDS:
            if field in ("warc_file", "warc_offset"):
                continue  # the crawl keeps the first capture's location, reindex the latest
            assert again[key][field] == row[field], (key, field)
    search = run_goahead("search", "ชุมชน", "--db", str(rebuilt), "--count")
    assert int(search.stdout) > 0


def test_reindex_into_the_crawled_archive_changes_nothing(crawled) -> None:
    _, db, warcs = crawled
    result = run_goahead("reindex", "--warc-dir", str(warcs), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "(0 new, 0 updated, 14 unchanged)" in result.stdout


def test_reindex_of_a_missing_directory_is_a_usage_error(tmp_path) -> None:
    result = run_goahead("reindex", "--warc-dir", str(tmp_path / "nope"), "--db",
                         str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert not (tmp_path / "a.db").exists()
