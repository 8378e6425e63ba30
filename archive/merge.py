"""Merging archive shards (one per machine or per blog) into one archive, idempotently.

For each post the newest version wins, by ``updated`` (compared in UTC) and then
``fetched_at``; the other version goes into ``post_versions`` (once). Captures are
keyed on (warc_file, warc_offset), runs on (site, url, start, end, stats), comments on their
key, sites on their host: merging the same shard twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .captures import CAPTURE_FIELDS
from .connection import open_read_only, upgrade
from .errors import ArchiveError
from .models import Comment
from .posts import VERSION_FIELDS, row_to_post, upsert_comments, upsert_post
from .runs import RUN_COUNTERS
from .timestamps import to_utc

# what makes two rows from different shards the same row
RUN_MATCH = ("site", "url", "started_at", "finished_at", "stats")
VERSION_MATCH = ("blog_id", "post_id", "updated", "title", "text")
RUN_KEYS = ("site", "url", "started_at", "finished_at", "status", *RUN_COUNTERS,
            "settings", "stats")


def merge(into: Database, shards: Iterable[str | Path]) -> Counter[str]:
    """Merge every shard into ``into``; returns what was added or changed, by kind."""
    counts: Counter[str] = Counter()
    target = Path(into.conn.execute("PRAGMA database_list").fetchone()[2] or "").resolve()
    for path in shards:
        if Path(path).resolve() == target:
            raise ArchiveError(f"{path} is the archive being merged into")
        upgrade(path)  # an older goahead's shard gets this goahead's columns first
        shard = open_read_only(path)
        try:
            counts.update(merge_shard(into, shard))
        finally:
            shard.close()
        counts["shards"] += 1
    return counts


def merge_shard(into: Database, shard: Database) -> Counter[str]:
    counts: Counter[str] = Counter()
    with into.atomic():
        _merge_sites(into, shard)
        run_ids = _merge_runs(into, shard, counts)
        _merge_captures(into, shard, run_ids, counts)
    for row in shard.query("SELECT * FROM posts ORDER BY id"):
        counts["posts_" + _merge_post(into, row)] += 1
    for row in shard.query("SELECT * FROM post_versions ORDER BY id"):
        counts["posts_older"] += _add_version(into, row)
    _merge_comments(into, shard, counts)
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
    """Copy runs not yet present; map the shard's run ids to the target's."""
    mapping: dict[int, int] = {}
    for row in shard.query("SELECT * FROM runs ORDER BY id"):
        found = _match(into, "runs", row, RUN_MATCH)
        if found:
            mapping[row["id"]] = found[0]
            continue
        values = {k: row[k] for k in RUN_KEYS if k in row}
        mapping[row["id"]] = into.table("runs").insert(values).last_rowid or 0
        counts["runs"] += 1
    return mapping


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


def _rank(row: Mapping[str, Any]) -> tuple[str, str]:
    return (to_utc(row["updated"]) or "", to_utc(row["fetched_at"]) or "")


def _merge_post(into: Database, row: Mapping[str, Any]) -> str:
    """Insert, replace (shard newer) or keep (target newer) one post row."""
    current = next(iter(into.query(
        "SELECT * FROM posts WHERE blog_id = ? AND post_id = ?", [row["blog_id"], row["post_id"]]
    )), None)
    if current is not None and _rank(row) < _rank(current):
        return "older" if _add_version(into, row) else "unchanged"
    return upsert_post(into, row_to_post(row))


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
    with into.atomic():
        into.table("post_versions").insert({k: row[k] for k in VERSION_FIELDS})
    return 1


def _merge_comments(into: Database, shard: Database, counts: Counter[str]) -> None:
    before = into.execute("SELECT count(*) FROM comments").fetchone()[0]
    by_post: dict[tuple[str, str], list[Comment]] = {}
    for row in shard.query("SELECT * FROM comments ORDER BY id"):
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
