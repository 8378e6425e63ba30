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

from .listed import listed_counts
from .timestamps import now_utc, parse_utc

RUN_COUNTERS = (
    "posts_new", "posts_updated", "posts_unchanged", "pages", "comments",
    "requests", "bytes", "errors",
)


def start_run(db: Database, site: str, url: str, settings: Mapping[str, Any], *,
              pid: int | None = None, host: str | None = None, command: str | None = None,
              uid: str | None = None) -> int:
    """A new run row, status ``running``; ``pid`` and ``host`` say which process runs it,
    ``command`` how it was started (what resumes it). ``uid``: the crawl's id in its WARC
    files' warcinfo (``isPartOf``), which ties the run to the files it wrote."""
    now = now_utc()
    with db.atomic():
        table = db.table("runs").insert({
            "uid": uid or uuid.uuid4().hex,
            "site": site, "url": url, "started_at": now, "status": "running",
            "settings": json.dumps(dict(settings), ensure_ascii=False, default=str),
            "pid": pid, "host": host, "command": command, "updated_at": now,
        })
    assert table.last_rowid is not None
    return table.last_rowid


def update_run(db: Database, run_id: int, counters: Mapping[str, int]) -> None:
    """A running crawl's live counts (and the time of this update)."""
    values: dict[str, Any] = {name: counters.get(name, 0) for name in RUN_COUNTERS}
    values["updated_at"] = now_utc()
    with db.atomic():
        db.table("runs").update(run_id, values)


def finish_run(
    db: Database, run_id: int, status: str, counters: Mapping[str, int],
    stats: Mapping[str, Any],
) -> None:
    unknown = set(counters) - set(RUN_COUNTERS)
    if unknown:
        raise ValueError(f"unknown run counters: {sorted(unknown)}; known: {RUN_COUNTERS}")
    values: dict[str, Any] = {name: counters.get(name, 0) for name in RUN_COUNTERS}
    values.update(finished_at=now_utc(), updated_at=now_utc(), status=status)
    # Two writes: the status and counts first, small and in place, so that they are
    # recorded even on a full disk, where the stats (a large value) may not fit.
    with db.atomic():
        db.table("runs").update(run_id, values)
    with db.atomic():
        db.table("runs").update(run_id, {
            "stats": json.dumps(dict(stats), ensure_ascii=False, default=str)})


def close_stale_runs(db: Database, site: str, since: str) -> int:
    """Runs of ``site`` begun at or after ``since`` and still marked running (their process
    died): marked killed, with the counts of what they stored. Returns how many."""
    low = parse_utc(since)
    if low is None:
        raise ValueError(f"not a timestamp: {since!r}")
    rows = db.query("SELECT id, started_at FROM runs WHERE site = ? AND status = 'running'",
                    [site])
    stale = [row["id"] for row in rows
             if (moment := parse_utc(row["started_at"])) is not None and moment >= low]
    for run_id in stale:
        mark_killed(db, run_id)
    return len(stale)


def has_run(db: Database, uid: str) -> bool:
    """Whether the archive holds the run ``uid`` (a crawl's WARC ``isPartOf``)."""
    return bool(list(db.query("SELECT 1 FROM runs WHERE uid = ? LIMIT 1", [uid])))


def run_id_of(db: Database, uid: str) -> int | None:
    """The id of the run ``uid`` (a crawl's WARC ``isPartOf``), if the archive holds it."""
    found = list(db.query("SELECT id FROM runs WHERE uid = ? LIMIT 1", [uid]))
    return found[0]["id"] if found else None


def running_runs(db: Database, site: str) -> list[dict[str, Any]]:
    """The runs of ``site`` marked running (live, or left so by a process that died)."""
    return list(db.query("SELECT * FROM runs WHERE site = ? AND status = 'running'"
                         " ORDER BY id", [site]))


def mark_killed(db: Database, run_id: int) -> None:
    """A run whose process died: status killed, counts from what it stored."""
    row = next(iter(db.query("SELECT * FROM runs WHERE id = ?", [run_id])))
    counts = with_stored_counts(row, stored_counts(db, run_id))
    with db.atomic():
        db.execute("UPDATE runs SET status = 'killed', finished_at = coalesce(finished_at, ?)"
                   " WHERE id = ?", [row["updated_at"] or now_utc(), run_id])
        db.table("runs").update(run_id, {k: counts[k] for k in STORED_COUNTERS})


# The counters a run's own rows prove (posts and captures carry its run id).
STORED_COUNTERS = ("posts_new", "posts_updated", "posts_unchanged", "pages", "requests",
                   "bytes")


def stored_counts(db: Database, run_id: int) -> dict[str, int]:
    """What run ``run_id`` stored, counted from its rows: posts it inserted (new) or
    changed (updated), post pages it captured without changing (unchanged), pages, and
    its captures (requests answered; bytes of WARC records)."""
    one = db.execute
    new, updated, pages = one(
        "SELECT coalesce(sum(first_run_id IS ?), 0), coalesce(sum(first_run_id IS NOT ?), 0),"
        " coalesce(sum(kind = 'page'), 0) FROM posts WHERE run_id = ?",
        [run_id, run_id, run_id]).fetchone()
    captured = one(
        "SELECT count(DISTINCT c.url) FROM captures c JOIN posts p ON p.url = c.url"
        " WHERE c.run_id = ?", [run_id]).fetchone()[0]
    requests, size = one("SELECT count(*), coalesce(sum(warc_length), 0) FROM captures"
                         " WHERE run_id = ?", [run_id]).fetchone()
    return {"posts_new": new, "posts_updated": updated,
            "posts_unchanged": max(captured - new - updated, 0), "pages": pages,
            "requests": requests, "bytes": size}


def with_stored_counts(row: Mapping[str, Any], stored: Mapping[str, int]) -> dict[str, Any]:
    """A run row with each counter at least what its stored rows prove (a killed run's
    last live update may be behind what it stored)."""
    out = dict(row)
    for name in STORED_COUNTERS:
        out[name] = max(int(row.get(name) or 0), stored.get(name, 0))
    return out


# Stats key set by a run whose discovery was complete: it read every feed page and sitemap
# it asked for, so only posts may have failed (the next run fetches those first).
BASE_STAT = "goahead/incremental/base"


def last_full_run(db: Database, site: str) -> dict[str, Any] | None:
    """``id`` and ``started_at`` of the last run of ``site`` that had no
    ``GOAHEAD_MAX_POSTS`` limit and finished, or ended incomplete with its discovery
    complete: what an incremental crawl starts from. A run that resumed a stopped job
    (``GOAHEAD_RESUME_SINCE``) started when that job began: it did not ask again for
    the posts the job had fetched, so their edits since then are still to be seen."""
    sql = (
        "SELECT id, coalesce(nullif(json_extract(settings, '$.GOAHEAD_RESUME_SINCE'), ''),"
        " started_at) AS started_at FROM runs WHERE site = ? AND (status = 'finished' OR"
        f" (status = 'incomplete' AND json_extract(stats, '$.\"{BASE_STAT}\"') = 1))"
        " AND CAST(coalesce(json_extract(settings, '$.GOAHEAD_MAX_POSTS'), 0) AS INTEGER) = 0"
        " ORDER BY id DESC LIMIT 1"
    )
    return next(iter(db.query(sql, [site])), None)


def stats_since(db: Database, site: str, run_id: int) -> list[str | None]:
    """The stats JSON of run ``run_id`` of ``site`` and of every later run, oldest first."""
    return [row["stats"] for row in db.query(
        "SELECT stats FROM runs WHERE site = ? AND id >= ? ORDER BY id", [site, run_id])]


def run_sites(db: Database) -> list[str]:
    """The sites that have runs in the archive, sorted."""
    return [row["site"] for row in db.query(
        "SELECT DISTINCT site FROM runs WHERE site IS NOT NULL ORDER BY site")]


def latest_runs(db: Database, site: str | None = None, limit: int = 20
                ) -> Iterator[dict[str, Any]]:
    """Run rows, newest first (all columns; ``stats`` as stored, JSON)."""
    where, params = ("WHERE site = ?", [site]) if site else ("", [])
    yield from db.query(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?",
                        [*params, limit])


def _count(value: Any) -> int:
    """A count from a run's stats JSON, or 0 when it is none (missing, text, negative):
    the posts it would excuse are then shown as plainly missing, never hidden."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(int(value), 0)  # (JSON has no infinity: json_valid refuses one)


def archive_status(db: Database) -> dict[str, Any]:
    """Sites, posts and the last run per site, posts listed by the blog against those
    stored (and missing), and how much WARC the archive points at. A site is one with
    posts or with runs: a blog that never answered (down, private) is shown too."""
    sites = list(db.query(
        "SELECT k.site, coalesce(s.url, r.url) AS url, (SELECT count(*) FROM posts p"
        " WHERE p.site = k.site AND p.deleted_at IS NULL) AS posts, r.started_at AS last_run,"
        " r.status AS last_status, r.pid AS last_pid, r.host AS last_host,"
        # a stats value that is no JSON (written by hand, another tool) is no stat: not
        # an error that made the whole archive "damaged"
        " CASE WHEN json_valid(r.stats)"
        " THEN json_extract(r.stats, '$.\"goahead/listed/limited\"') END AS limited"
        " FROM (SELECT site FROM sites UNION SELECT site FROM runs WHERE site IS NOT NULL) k"
        " LEFT JOIN sites s ON s.site = k.site"
        " LEFT JOIN runs r ON r.id = (SELECT max(id) FROM runs WHERE site = k.site)"
        " ORDER BY k.site"))
    listed = listed_counts(db)
    for site in sites:
        site.update(listed.get(site["site"], {"listed": 0, "stored": 0, "missing": 0}))
        # of those missing, the ones the last run left out by its --max-posts (a sample,
        # "ok"), said as such rather than as a loss
        site["over_max_posts"] = min(_count(site.pop("limited")), site["missing"])
    one = db.execute
    return {
        "sites": sites,
        "posts": one("SELECT count(*) FROM posts WHERE deleted_at IS NULL").fetchone()[0],
        "comments": one("SELECT count(*) FROM comments").fetchone()[0],
        "runs": one("SELECT count(*) FROM runs").fetchone()[0],
        "warc_files": one("SELECT count(DISTINCT warc_file) FROM captures").fetchone()[0],
        "warc_bytes": one("SELECT coalesce(sum(warc_length), 0) FROM captures").fetchone()[0],
    }
