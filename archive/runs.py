"""Crawl runs: one row per crawl of a blog, from start to finish, and what it counted.

Also the archive-wide figures ``goahead status`` shows, since they are read beside the
last run of each site.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from sqlite_utils import Database

from .timestamps import now_utc, parse_utc

RUN_COUNTERS = (
    "posts_new", "posts_updated", "posts_unchanged", "pages", "comments",
    "requests", "bytes", "errors",
)


def start_run(db: Database, site: str, url: str, settings: Mapping[str, Any]) -> int:
    with db.atomic():
        table = db.table("runs").insert({
            "uid": uuid.uuid4().hex,
            "site": site, "url": url, "started_at": now_utc(), "status": "running",
            "settings": json.dumps(dict(settings), ensure_ascii=False, default=str),
        })
    assert table.last_rowid is not None
    return table.last_rowid


def finish_run(
    db: Database, run_id: int, status: str, counters: Mapping[str, int],
    stats: Mapping[str, Any],
) -> None:
    unknown = set(counters) - set(RUN_COUNTERS)
    if unknown:
        raise ValueError(f"unknown run counters: {sorted(unknown)}; known: {RUN_COUNTERS}")
    values: dict[str, Any] = {name: counters.get(name, 0) for name in RUN_COUNTERS}
    values.update(finished_at=now_utc(), status=status,
                  stats=json.dumps(dict(stats), ensure_ascii=False, default=str))
    with db.atomic():
        db.table("runs").update(run_id, values)


def close_stale_runs(db: Database, site: str, since: str) -> int:
    """Runs of ``site`` begun at or after ``since`` and still marked running (their process
    died): marked killed. Returns how many."""
    low = parse_utc(since)
    if low is None:
        raise ValueError(f"not a timestamp: {since!r}")
    rows = db.query("SELECT id, started_at FROM runs WHERE site = ? AND status = 'running'",
                    [site])
    stale = [row["id"] for row in rows
             if (moment := parse_utc(row["started_at"])) is not None and moment >= low]
    with db.atomic():
        for run_id in stale:
            db.execute("UPDATE runs SET status = 'killed', finished_at = coalesce(finished_at, ?)"
                       " WHERE id = ?", [now_utc(), run_id])
    return len(stale)


def last_full_run(db: Database, site: str) -> dict[str, Any] | None:
    """``id`` and ``started_at`` of the last finished run of ``site`` that had no
    ``GOAHEAD_MAX_POSTS`` limit: what an incremental crawl starts from."""
    sql = (
        "SELECT id, started_at FROM runs WHERE site = ? AND status = 'finished'"
        " AND CAST(coalesce(json_extract(settings, '$.GOAHEAD_MAX_POSTS'), 0) AS INTEGER) = 0"
        " ORDER BY id DESC LIMIT 1"
    )
    return next(iter(db.query(sql, [site])), None)


def stats_since(db: Database, site: str, run_id: int) -> list[str | None]:
    """The stats JSON of run ``run_id`` of ``site`` and of every later run, oldest first."""
    return [row["stats"] for row in db.query(
        "SELECT stats FROM runs WHERE site = ? AND id >= ? ORDER BY id", [site, run_id])]


def latest_runs(db: Database, site: str | None = None, limit: int = 20
                ) -> Iterator[dict[str, Any]]:
    """Run rows, newest first (all columns; ``stats`` as stored, JSON)."""
    where, params = ("WHERE site = ?", [site]) if site else ("", [])
    yield from db.query(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?",
                        [*params, limit])


def archive_status(db: Database) -> dict[str, Any]:
    """Sites, posts and the last run per site, and how much WARC the archive points at."""
    sites = list(db.query(
        "SELECT s.site, s.url, (SELECT count(*) FROM posts p WHERE p.site = s.site"
        " AND p.deleted_at IS NULL) AS posts, r.started_at AS last_run, r.status AS last_status"
        " FROM sites s LEFT JOIN runs r ON r.id = (SELECT max(id) FROM runs WHERE site = s.site)"
        " ORDER BY s.site"))
    one = db.execute
    return {
        "sites": sites,
        "posts": one("SELECT count(*) FROM posts WHERE deleted_at IS NULL").fetchone()[0],
        "comments": one("SELECT count(*) FROM comments").fetchone()[0],
        "runs": one("SELECT count(*) FROM runs").fetchone()[0],
        "warc_files": one("SELECT count(DISTINCT warc_file) FROM captures").fetchone()[0],
        "warc_bytes": one("SELECT coalesce(sum(warc_length), 0) FROM captures").fetchone()[0],
    }
