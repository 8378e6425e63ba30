"""archive.merge: shards with overlapping posts merge into one archive, idempotently."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import merge, search
from archive.captures import record_capture
from archive.connection import open_archive
from archive.errors import ArchiveError
from archive.listed import (
    Listing,
    listed_counts,
    mark_listed_gone,
    missing_listed,
    record_listings,
)
from archive.models import Capture, Comment, Post
from archive.posts import (
    get_post,
    mark_gone,
    post_versions,
    upsert_comments,
    upsert_post,
    upsert_site,
)
from archive.runs import finish_run, start_run

BLOG = "7183947562016475920"
SITE = "news.blogspot.com"


def _post(post_id: str, text: str, updated: str, fetched: str) -> Post:
    return Post(blog_id=BLOG, post_id=post_id, url=f"https://{SITE}/2024/01/{post_id}.html",
                site=SITE, title=f"title {post_id}", text=text, published="2024-01-01T10:00:00+07:00",
                updated=updated, fetched_at=fetched)


def _shard(path: Path, posts: list[Post], warc: str, comments: list[Comment]) -> Path:
    db = open_archive(path)
    run = start_run(db, SITE, f"https://{SITE}/", {"GOAHEAD_X": 1})
    upsert_site(db, SITE, blog_id=BLOG, url=f"https://{SITE}/",
                      crawled_at=posts[0].fetched_at)
    for offset, post in enumerate(posts):
        upsert_post(db, post)
        record_capture(db, Capture(
            url=post.url, status=200, warc_file=warc, warc_offset=offset * 1000,
            warc_length=900, digest=f"sha1:{post.post_id}{warc}", fetched_at=post.fetched_at or "",
            site=SITE, run_id=run))
    upsert_comments(db, BLOG, "a", comments)
    finish_run(db, run, status="finished", counters={"posts_new": len(posts)},
                     stats={"shard": warc})
    db.close()
    return path


@pytest.fixture
def shards(tmp_path: Path) -> list[Path]:
    old, new = "2024-01-02T10:00:00+07:00", "2024-01-05T09:00:00+07:00"
    one = _shard(tmp_path / "one.db", [
        _post("a", "first text of a", old, "2024-02-01T00:00:00Z"),
        _post("b", "only in one", old, "2024-02-01T00:00:00Z"),
        _post("d", "same everywhere", old, "2024-02-01T00:00:00Z"),
    ], "one.warc.gz", [Comment("x", "2024-01-03", "hello"), Comment("y", None, "hi")])
    two = _shard(tmp_path / "two.db", [
        _post("a", "second text of a", new, "2024-01-10T00:00:00Z"),
        _post("c", "only in two", old, "2024-02-02T00:00:00Z"),
        _post("d", "same everywhere", old, "2024-02-03T00:00:00Z"),
    ], "two.warc.gz", [Comment("x", "2024-01-03", "hello"), Comment("z", None, "yo")])
    return [one, two]


def _counts(db) -> dict[str, int]:
    tables = ("posts", "post_versions", "captures", "comments", "runs", "sites")
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_merge_twice_is_stable_and_newest_version_wins(shards, tmp_path: Path) -> None:
    into = open_archive(tmp_path / "all.db")
    first = merge.merge(into, shards)
    after_first = _counts(into)
    assert after_first == {"posts": 4, "post_versions": 1, "captures": 6, "comments": 3,
                           "runs": 2, "sites": 1}
    assert first["shards"] == 2
    assert first["posts_new"] == 4
    second = merge.merge(into, list(reversed(shards)))
    assert _counts(into) == after_first
    assert second["posts_new"] == second["posts_updated"] == second["captures"] == 0
    assert second["runs"] == second["comments"] == 0
    a = get_post(into, BLOG, "a")
    assert a is not None
    assert a.text == "second text of a"  # newer `updated` wins over the later fetch
    (version,) = post_versions(into, BLOG, "a")
    assert version["text"] == "first text of a"
    assert [h.url for h in search.search(into, "second")] == [a.url]
    assert not search.search(into, "first")
    run_ids = {r[0] for r in into.execute("SELECT id FROM runs")}
    capture_runs = {r[0] for r in into.execute("SELECT DISTINCT run_id FROM captures")}
    assert capture_runs == run_ids  # captures point at the merged runs
    (site,) = into.query("SELECT * FROM sites")
    assert (site["first_crawl"], site["last_crawl"]) == (
        "2024-01-10T00:00:00Z", "2024-02-01T00:00:00Z")


def test_older_shard_after_newer_keeps_the_newer(shards, tmp_path: Path) -> None:
    into = open_archive(tmp_path / "all.db")
    counts = merge.merge(into, list(reversed(shards)))
    assert counts["posts_older"] == 1
    assert get_post(into, BLOG, "a").text == "second text of a"
    assert len(post_versions(into, BLOG, "a")) == 1


def test_merge_refuses_itself_and_missing_shards(shards, tmp_path: Path) -> None:
    into = open_archive(shards[0])
    with pytest.raises(ArchiveError, match="being merged into"):
        merge.merge(into, [shards[0]])
    with pytest.raises(ArchiveError, match="no archive"):
        merge.merge(into, [tmp_path / "missing.db"])


def _deleted_shard(path: Path, gone_at: str) -> Path:
    """A shard whose crawl saw post "b" answer 404 at ``gone_at``."""
    db = open_archive(path)
    post = _post("b", "only in one", "2024-01-02T10:00:00+07:00", "2024-02-01T00:00:00Z")
    upsert_post(db, post)
    record_capture(db, Capture(url=post.url, status=200, warc_file="d.warc.gz", warc_offset=0,
                               warc_length=9, digest="sha1:B", fetched_at="2024-02-01T00:00:00Z"))
    record_capture(db, Capture(url=post.url, status=404, warc_file="d.warc.gz",
                               warc_offset=100, warc_length=9, digest="sha1:E",
                               fetched_at=gone_at))
    mark_gone(db, post.url, at=gone_at)
    db.close()
    return path


@pytest.mark.parametrize("order", ["live-first", "deleted-first"])
def test_merge_keeps_deletions(shards, tmp_path: Path, order: str) -> None:
    gone = _deleted_shard(tmp_path / "gone.db", "2024-03-01T00:00:00Z")
    sources = [shards[0], gone] if order == "live-first" else [gone, shards[0]]
    into = open_archive(tmp_path / "all.db")
    merge.merge(into, sources)
    row = into.execute("SELECT deleted_at FROM posts WHERE post_id = 'b'").fetchone()
    assert row == ("2024-03-01T00:00:00Z",)
    again = merge.merge(into, sources)
    assert again["posts_updated"] == 0
    assert into.execute("SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL"
                        ).fetchone() == (1,)


def test_merge_keeps_deletions_without_captures(tmp_path: Path) -> None:
    """Shards without WARC captures: a deletion no later fetch contradicts is kept."""
    live, gone = open_archive(tmp_path / "live.db"), open_archive(tmp_path / "gone.db")
    post = _post("b", "text", "2024-01-02T10:00:00+07:00", "2024-02-01T00:00:00Z")
    upsert_post(live, post)
    upsert_post(gone, post)
    mark_gone(gone, post.url, at="2024-03-01T00:00:00Z")
    live.close()
    gone.close()
    into = open_archive(tmp_path / "all.db")
    merge.merge(into, [tmp_path / "gone.db", tmp_path / "live.db"])
    assert get_post(into, BLOG, "b") is not None
    assert into.execute("SELECT deleted_at FROM posts").fetchone() == ("2024-03-01T00:00:00Z",)


def test_a_run_merged_while_running_ends_as_one_run_in_its_final_state(tmp_path: Path) -> None:
    shard = open_archive(tmp_path / "shard.db")
    run = start_run(shard, SITE, f"https://{SITE}/", {})
    into = open_archive(tmp_path / "all.db")
    merge.merge(into, [tmp_path / "shard.db"])
    assert [r["status"] for r in into.query("SELECT status FROM runs")] == ["running"]
    finish_run(shard, run, status="finished", counters={"posts_new": 3}, stats={"x": 1})
    shard.close()
    counts = merge.merge(into, [tmp_path / "shard.db"])
    assert (counts["runs"], counts["runs_updated"]) == (0, 1)
    (row,) = into.query("SELECT status, posts_new, finished_at FROM runs")
    assert (row["status"], row["posts_new"]) == ("finished", 3)
    assert row["finished_at"]
    merge.merge(into, [tmp_path / "shard.db"])
    assert into.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_missing_shard_is_refused_before_the_target_is_created(shards, tmp_path: Path
                                                                 ) -> None:
    target = tmp_path / "new" / "all.db"
    with pytest.raises(ArchiveError, match="no archive at"):
        merge.merge_into(target, [shards[0], tmp_path / "missing.db"])
    assert not target.exists()
    assert not target.parent.exists()


def test_a_failed_shard_changes_nothing(shards, tmp_path: Path, monkeypatch) -> None:
    into = open_archive(tmp_path / "all.db")
    merge.merge(into, [shards[0]])
    before = {t: [tuple(r) for r in into.execute(f"SELECT * FROM {t} ORDER BY 1")]
              for t in ("posts", "post_versions", "captures", "comments", "runs", "sites")}

    def broken(*_: object) -> None:
        raise RuntimeError("disk went away half-way through the shard")

    monkeypatch.setattr(merge, "_merge_comments", broken)  # the shard's last step
    with pytest.raises(RuntimeError, match="half-way"):
        merge.merge(into, [shards[1]])
    after = {t: [tuple(r) for r in into.execute(f"SELECT * FROM {t} ORDER BY 1")]
             for t in before}
    assert after == before


def test_merge_keeps_what_each_blog_listed_so_missing_posts_stay_missing(tmp_path: Path
                                                                        ) -> None:
    """A shard whose crawl listed a post it could not store (HTTP 503) says so in `goahead
    status` (listed 3, missing 1), and the next crawl fetches that post first; merged, the
    listing came along, so the merged archive says and does the same (it had listed 0,
    missing 0: the failure forgotten). A URL found gone in one shard stays gone."""
    old = "2024-01-02T10:00:00+07:00"
    posts = [_post("a", "text of a", old, "2024-02-01T00:00:00Z"),
             _post("b", "text of b", old, "2024-02-01T00:00:00Z")]
    one = _shard(tmp_path / "one.db", posts, "one.warc.gz", [])
    lost, gone = f"https://{SITE}/2024/01/lost.html", f"https://{SITE}/2024/01/gone.html"
    db = open_archive(one)
    run = db.execute("SELECT max(id) FROM runs").fetchone()[0]
    record_listings(db, SITE, run, [*(Listing(p.url, "post", "feed") for p in posts),
                                    Listing(lost, "post", "sitemap"),
                                    Listing(gone, "post", "sitemap")])
    mark_listed_gone(db, SITE, {gone: None})
    assert listed_counts(db) == {SITE: {"listed": 3, "stored": 2, "missing": 1}}
    db.close()
    two = _shard(tmp_path / "two.db", [_post("c", "text of c", old, "2024-02-02T00:00:00Z")],
                 "two.warc.gz", [])
    db = open_archive(two)
    record_listings(db, SITE, db.execute("SELECT max(id) FROM runs").fetchone()[0],
                    [Listing(f"https://{SITE}/2024/01/c.html", "post", "feed"),
                     Listing(gone, "post", "feed")])  # listed again in a feed that lags
    db.close()

    into = open_archive(tmp_path / "all.db")
    merge.merge(into, [one, two])
    merge.merge(into, [one, two])  # twice: nothing doubles
    assert listed_counts(into) == {SITE: {"listed": 4, "stored": 3, "missing": 1}}
    assert [item.url for item in missing_listed(into, SITE)] == [lost]
    runs = {row[0] for row in into.execute("SELECT first_run FROM listed")}
    assert runs <= {row[0] for row in into.execute("SELECT id FROM runs")}
    into.close()


@pytest.mark.parametrize("older_first", [False, True])
def test_a_shards_post_under_an_id_made_from_its_url_meets_the_pages_id(
    tmp_path: Path, older_first: bool
) -> None:
    """An older shard kept a page under a URL-made "u..." id (its extractor found no id);
    the archive it merges into keeps the same page under the id the page names. Before:
    merged that way round, two rows for one page (re-keying worked the other way only);
    now one row, under the page's id, with the older text as a version and the older
    shard's comment, whichever is merged first."""
    from goahead_crawler.items import fallback_post_id

    url = f"https://{SITE}/2024/01/a.html"
    made, real = fallback_post_id(url), "8123456789012345678"

    def page(post_id: str, text: str, updated: str, fetched: str) -> Post:
        return Post(blog_id=BLOG, post_id=post_id, url=url, site=SITE, title="a", text=text,
                    published="2024-01-01T10:00:00+07:00", updated=updated, fetched_at=fetched)

    older = _shard(tmp_path / "older.db", [
        page(made, "older text", "2024-01-02T10:00:00+07:00", "2024-02-01T00:00:00Z")
    ], "older.warc.gz", [])
    db = open_archive(older)
    upsert_comments(db, BLOG, made, [Comment("x", "2024-01-03", "from the older shard")])
    db.close()
    newer = _shard(tmp_path / "newer.db", [
        page(real, "newer text", "2024-01-05T09:00:00+07:00", "2024-03-01T00:00:00Z")
    ], "newer.warc.gz", [])
    into = open_archive(tmp_path / "all.db")
    merge.merge(into, [older, newer] if older_first else [newer, older])
    rows = [tuple(r) for r in into.execute("SELECT post_id, text FROM posts WHERE url = ?",
                                           [url])]
    assert rows == [(real, "newer text")]
    assert [v["text"] for v in post_versions(into, BLOG, real)] == ["older text"]
    assert [r[0] for r in into.execute("SELECT post_id FROM comments WHERE text = ?",
                                       ["from the older shard"])] == [real]
