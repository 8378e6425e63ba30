"""Merging archive shards (one per machine or per blog) into one archive, idempotently.

For each post the newest version wins, by ``updated`` (compared in UTC) and then
``fetched_at``; the other version goes into ``post_versions`` (once), and the shard's own
earlier versions come along. A deletion is kept: after the captures are merged, a post is
deleted when its captures say so (the first 404/410 after its last 200, as the crawl dates
it), or, with no captures to go by, when a shard marked it deleted and no shard fetched it
later. Captures are keyed on (warc_file, warc_offset), runs on their uid: a run
merged while it was still running is brought to its final state by the next merge, never
copied twice. Comments are keyed, sites on their host, what each blog listed on its URL (a
post a shard's crawl listed and did not store stays missing, and is fetched first by the
next crawl): merging the same shard twice changes nothing. Each shard is merged in one
transaction: all of it, or nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .captures import CAPTURE_FIELDS, gone_since
from .connection import archive_path, open_archive, open_read_only, upgrade
from .errors import ArchiveError, ArchiveNotFound
from .listed import merge_listed
from .models import Comment
from .posts import (
    VERSION_FIELDS,
    page_post_id,
    row_to_post,
    set_deleted,
    upsert_comments,
    upsert_post,
)
from .timestamps import to_utc

# what makes two rows from different shards the same row (runs from before run uids
# could not be told apart while running: they match only once finished)
RUN_MATCH = ("uid",)
LEGACY_RUN_MATCH = ("site", "url", "started_at", "finished_at", "stats")
VERSION_MATCH = ("blog_id", "post_id", "updated", "title", "text")


def merge_into(path: str | Path, shards: Iterable[str | Path]) -> Counter[str]:
    """Merge ``shards`` into the archive at ``path`` (created if missing), after checking
    that every shard is there: a missing one is an error before ``path`` is touched."""
    shards = list(shards)
    check_shards(shards, into=path)
    into = open_archive(path, check=True)
    try:
        return merge(into, shards)
    finally:
        into.close()


def check_shards(shards: Iterable[str | Path], into: str | Path | None = None) -> None:
    """Refuse a missing shard, a shard that is not an archive, or the target itself."""
    target = Path(into).resolve() if into is not None else None
    for path in shards:
        if target is not None and Path(path).resolve() == target:
            raise ArchiveError(f"{path} is the archive being merged into")
        if not Path(path).exists():
            raise ArchiveNotFound(f"no archive at {path}", hint="check the shard's path")
        open_read_only(path, allow_outdated=True).close()


def merge(into: Database, shards: Iterable[str | Path]) -> Counter[str]:
    """Merge every shard into ``into``; returns what was added or changed, by kind."""
    counts: Counter[str] = Counter()
    shards = list(shards)
    check_shards(shards, into=archive_path(into))
    for path in shards:
        upgrade(path)  # an older goahead's shard gets this goahead's columns first
        shard = open_read_only(path)
        try:
            counts.update(merge_shard(into, shard))
        finally:
            shard.close()
        counts["shards"] += 1
    return counts


def merge_shard(into: Database, shard: Database) -> Counter[str]:
    """Merge one open shard into ``into``, in one transaction."""
    counts: Counter[str] = Counter()
    with into.atomic():
        _merge_sites(into, shard)
        run_ids = _merge_runs(into, shard, counts)
        _merge_captures(into, shard, run_ids, counts)
        keyed: dict[tuple[str, str], str] = {}
        for row in shard.query("SELECT * FROM posts ORDER BY id"):
            counts["posts_" + _merge_post(into, _keyed(into, row, keyed))] += 1
        for row in shard.query("SELECT * FROM post_versions ORDER BY id"):
            counts["posts_older"] += _add_version(into, _rekey(row, keyed))
        _merge_comments(into, shard, counts, keyed)
        counts["listed"] += merge_listed(into, shard.query("SELECT * FROM listed"), run_ids)
    return counts


def _merge_sites(into: Database, shard: Database) -> None:
    for row in shard.query("SELECT * FROM sites"):
        into.execute(
            "INSERT INTO sites (site, blog_id, title, url, first_crawl, last_crawl)"
            " VALUES (:site, :blog_id, :title, :url, :first_crawl, :last_crawl)"
            " ON CONFLICT (site) DO UPDATE SET"
            " blog_id = coalesce(blog_id, excluded.blog_id),"
            " title = coalesce(title, excluded.title), url = coalesce(url, excluded.url),"
            " first_crawl = min(coalesce(first_crawl, excluded.first_crawl),"
            " coalesce(excluded.first_crawl, first_crawl)),"
            " last_crawl = max(coalesce(last_crawl, ''), coalesce(excluded.last_crawl, ''))",
            row,
        )


def _merge_runs(into: Database, shard: Database, counts: Counter[str]) -> dict[int, int]:
    """Copy runs not yet present, bring a run merged while running to its final state;
    map the shard's run ids to the target's."""
    mapping: dict[int, int] = {}
    for row in shard.query("SELECT * FROM runs ORDER BY id"):
        values = {k: v for k, v in row.items() if k != "id"}  # every column a run has
        found = _match(into, "runs", row, RUN_MATCH if row["uid"] else LEGACY_RUN_MATCH)
        if found is None:
            mapping[row["id"]] = into.table("runs").insert(values).last_rowid or 0
            counts["runs"] += 1
            continue
        mapping[row["id"]] = found[0]
        current = into.table("runs").get(found[0])
        if _run_progress(row) > _run_progress(current):
            into.table("runs").update(found[0], values)
            counts["runs_updated"] += 1
    return mapping


def _run_progress(row: Mapping[str, Any]) -> tuple[int, str]:
    """How far a run's row has got: ended beats running, a later end beats an earlier."""
    return (row["status"] != "running", to_utc(row["finished_at"]) or "")


def _merge_captures(into: Database, shard: Database, run_ids: Mapping[int, int],
                    counts: Counter[str]) -> None:
    for row in shard.query("SELECT * FROM captures ORDER BY id"):
        values = {k: row[k] for k in CAPTURE_FIELDS}
        values["run_id"] = run_ids.get(row["run_id"]) if row["run_id"] else None
        columns = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        cursor = into.execute(
            f"INSERT OR IGNORE INTO captures ({columns}) VALUES ({marks})", values
        )
        counts["captures"] += cursor.rowcount


def _keyed(into: Database, row: dict[str, Any], keyed: dict[tuple[str, str], str]
           ) -> dict[str, Any]:
    """The shard's post row under the id the target keeps its page under, when the shard
    (an older extractor) made its id from the URL: one row for one post, whichever side
    learned the page's id (re-keyed ids noted in ``keyed`` for its versions and comments)."""
    real = page_post_id(into, row["blog_id"], row["post_id"], row["url"])
    if real is None:
        return row
    keyed[(row["blog_id"], row["post_id"])] = real
    return {**row, "post_id": real}


def _rekey(row: dict[str, Any], keyed: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    real = keyed.get((row["blog_id"], row["post_id"]))
    return row if real is None else {**row, "post_id": real}


def _rank(row: Mapping[str, Any]) -> tuple[str, str]:
    return (to_utc(row["updated"]) or "", to_utc(row["fetched_at"]) or "")


def _merge_post(into: Database, row: Mapping[str, Any]) -> str:
    """Insert, replace (shard newer) or keep (target newer) one post row; then its
    deletion mark, worked out from both rows and the merged captures."""
    current = next(iter(into.query(
        "SELECT * FROM posts WHERE blog_id = ? AND post_id = ?", [row["blog_id"], row["post_id"]]
    )), None)
    if current is not None and _rank(row) < _rank(current):
        outcome = "older" if _add_version(into, row) else "unchanged"
    else:
        outcome = upsert_post(into, row_to_post(row), revive=False)
    deleted = _deleted_at(into, row, current)
    if deleted != (current["deleted_at"] if current else None):
        set_deleted(into, row["blog_id"], row["post_id"], deleted)
        if outcome != "new":
            outcome = "updated"
    elif current is None and deleted:
        set_deleted(into, row["blog_id"], row["post_id"], deleted)
    return outcome


def _deleted_at(into: Database, row: Mapping[str, Any],
                current: Mapping[str, Any] | None) -> str | None:
    """The post's deletion date once both rows are known: what its captures say, or
    with none to go by, the earliest deletion no fetch came after."""
    known, gone = gone_since(into, row["url"])
    if known:
        return gone
    rows = [r for r in (row, current) if r is not None]
    marks = sorted(r["deleted_at"] for r in rows if r["deleted_at"])
    fetched = max((to_utc(r["fetched_at"]) or "" for r in rows), default="")
    return marks[0] if marks and (to_utc(marks[-1]) or "") >= fetched else None


def _add_version(into: Database, row: Mapping[str, Any]) -> int:
    """Keep ``row`` as an earlier version, unless it is the current text or already kept."""
    current = into.execute(
        "SELECT title, text FROM posts WHERE blog_id = ? AND post_id = ?",
        [row["blog_id"], row["post_id"]],
    ).fetchone()
    if current and tuple(current) == (row["title"], row["text"]):
        return 0
    if _match(into, "post_versions", row, VERSION_MATCH):
        return 0
    into.table("post_versions").insert({k: row[k] for k in VERSION_FIELDS})
    return 1


def _merge_comments(into: Database, shard: Database, counts: Counter[str],
                    keyed: Mapping[tuple[str, str], str]) -> None:
    before = into.execute("SELECT count(*) FROM comments").fetchone()[0]
    by_post: dict[tuple[str, str], list[Comment]] = {}
    for row in shard.query("SELECT * FROM comments ORDER BY id"):
        row = _rekey(row, keyed)
        by_post.setdefault((row["blog_id"], row["post_id"]), []).append(Comment(
            author=row["author"], published=row["published"], text=row["text"],
            comment_id=row["comment_id"]))
    for (blog_id, post_id), comments in by_post.items():
        upsert_comments(into, blog_id, post_id, comments)
    counts["comments"] += into.execute("SELECT count(*) FROM comments").fetchone()[0] - before


def _match(db: Database, table: str, row: Mapping[str, Any], keys: tuple[str, ...]
           ) -> tuple[Any, ...] | None:
    """The id of the row of ``table`` equal to ``row`` on ``keys`` (NULLs equal), if any."""
    where = " AND ".join(f"{key} IS ?" for key in keys)
    return db.execute(f"SELECT id FROM {table} WHERE {where}", [row[k] for k in keys]
                      ).fetchone()
