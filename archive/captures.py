"""Captures: where each archived HTTP response (or revisit) sits in the WARC files."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlite_utils import Database

from .models import Capture

CAPTURE_FIELDS = tuple(f.name for f in fields(Capture))


def record_capture(db: Database, capture: Capture) -> int:
    """Store one WARC record's location; the same (file, offset) is stored once."""
    row = asdict(capture)
    with db.atomic():
        db.table("captures").upsert(row, pk=("warc_file", "warc_offset"))
        found = db.execute(
            "SELECT id FROM captures WHERE warc_file = ? AND warc_offset = ?",
            [capture.warc_file, capture.warc_offset],
        ).fetchone()
    return found[0]


def add_capture(db: Database, capture: Capture) -> bool:
    """Store one WARC record's location unless it is already there (a rebuild never
    changes a row the crawl recorded). A new row of a file other rows name takes their
    run. True when it was added."""
    row = asdict(capture)
    with db.atomic():
        if row["run_id"] is None:
            found = db.execute("SELECT run_id FROM captures WHERE warc_file = ?"
                               " AND run_id IS NOT NULL LIMIT 1", [capture.warc_file]).fetchone()
            row["run_id"] = found[0] if found else None
        columns = ", ".join(row)
        cursor = db.execute(
            f"INSERT OR IGNORE INTO captures ({columns}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()))
    return cursor.rowcount > 0


def _capture(db: Database, where: str, params: list[Any], order: str) -> Capture | None:
    columns = ", ".join(CAPTURE_FIELDS)
    sql = f"SELECT {columns} FROM captures WHERE {where} ORDER BY {order} LIMIT 1"
    row = next(iter(db.query(sql, params)), None)
    return Capture(**row) if row else None


def latest_capture(db: Database, url: str, at: str | None = None) -> Capture | None:
    """The newest capture of ``url``, or the newest at or before ``at``.

    ``at`` is ``YYYY-MM-DDTHH:MM:SSZ`` (:func:`archive.timestamps.to_utc`), the form of the
    WARC-Dates stored in ``fetched_at``, so the two compare as strings.
    """
    if at:
        return _capture(db, "url = ? AND fetched_at <= ?", [url, at],
                        "fetched_at DESC, id DESC")
    return _capture(db, "url = ?", [url], "fetched_at DESC, id DESC")


def capture_by_digest(db: Database, digest: str) -> Capture | None:
    """The first full response with this payload digest (what a revisit record cites)."""
    return _capture(db, "digest = ? AND record_type = 'response'", [digest],
                    "fetched_at, id")


def page_captures(db: Database) -> list[dict[str, str]]:
    """Each archived post and page with the capture its row points to: ``url``, ``ts``
    (the capture's WARC-Date) and ``title``, oldest post first (a WACZ's page list)."""
    sql = (
        "SELECT c.url, c.fetched_at, p.title FROM posts p JOIN captures c"
        " ON c.warc_file = p.warc_file AND c.warc_offset = p.warc_offset"
        " ORDER BY p.published_utc, p.id"
    )
    return [{"url": r["url"], "ts": r["fetched_at"], "title": r["title"] or r["url"]}
            for r in db.query(sql)]


def gone_since(db: Database, url: str) -> tuple[bool, str | None]:
    """What the captures say of ``url``'s life: (known, deleted_at). ``known`` is False
    when no 200, 404 or 410 capture of it is recorded. ``deleted_at`` is the first
    404/410 capture after its last 200 (None: it was alive when last fetched), the date
    the crawl and the rebuild give a deletion."""
    row = db.execute(
        "SELECT max(CASE WHEN status = 200 THEN fetched_at END),"
        " count(CASE WHEN status IN (200, 404, 410) THEN 1 END)"
        " FROM captures WHERE url = ?", [url]).fetchone()
    last_alive, known = row[0], row[1]
    if not known:
        return False, None
    gone = db.execute(
        "SELECT min(fetched_at) FROM captures WHERE url = ? AND status IN (404, 410)"
        " AND fetched_at > ?", [url, last_alive or ""]).fetchone()[0]
    return True, gone
