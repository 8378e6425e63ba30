"""Captures: where each archived HTTP response (or revisit) sits in the WARC files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from sqlite_utils import Database

from .models import Capture, values_of

CAPTURE_FIELDS = tuple(f.name for f in fields(Capture))


_KEY = ("warc_file", "warc_offset")
_ROW = (f"INTO captures ({', '.join(CAPTURE_FIELDS)})"
        f" VALUES ({', '.join(':' + name for name in CAPTURE_FIELDS)})")
_INSERT = f"INSERT OR IGNORE {_ROW}"
_UPSERT = (
    f"INSERT {_ROW} ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in CAPTURE_FIELDS if name not in _KEY)
    + " RETURNING id"
)


def record_capture(db: Database, capture: Capture) -> int:
    """Store one WARC record's location; the same (file, offset) is stored once. A crawl
    records every exchange it makes: a new location is one plain insert. An upsert (or a
    RETURNING) needs a statement journal, and FTS5 writes out the search index it holds
    for the open transaction whenever one opens, so an upsert per capture cut a crawl's
    grouped index writes into a segment per post (0.78 against 0.04 ms a capture)."""
    row = values_of(capture, CAPTURE_FIELDS)
    with db.atomic():
        cursor = db.execute(_INSERT, row)
        if cursor.rowcount == 1:
            return int(cursor.lastrowid)
        (found,) = db.execute(_UPSERT, row).fetchall()  # its location was stored before
    return found[0]


def add_capture(db: Database, capture: Capture) -> bool:
    """Store one WARC record's location unless it is already there (a rebuild never
    changes a row the crawl recorded). A new row of a file other rows name takes their
    run. True when it was added."""
    row = values_of(capture, CAPTURE_FIELDS)
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


def warc_files(db: Database) -> set[str]:
    """The names of the WARC files the archive's captures are in."""
    return {row[0] for row in db.execute("SELECT DISTINCT warc_file FROM captures")}


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


def captured_spellings(db: Database, url: str) -> list[str]:
    """The captured URLs that are ``url`` but for the case of ASCII letters (SQL's
    ``LIKE``): a capture made before escapes were written in upper case is recorded as
    the request spelled it (``%e0%b8%82``), and the caller says which of them are one URL
    with ``url``. Reads every capture's URL: for a lookup the exact spellings missed."""
    pattern = re.sub(r"([\\%_])", r"\\\1", url)
    return [row[0] for row in db.execute(
        "SELECT DISTINCT url FROM captures WHERE url LIKE ? ESCAPE '\\' AND url != ?",
        [pattern, url])]


def capture_by_digest(db: Database, digest: str) -> Capture | None:
    """The first full response with this payload digest (what a revisit record cites)."""
    return _capture(db, "digest = ? AND record_type = 'response'", [digest],
                    "fetched_at, id")


def response_relied_on(db: Database, url: str, digest: str, before: str) -> Capture | None:
    """The full response a revisit captured at ``before`` relies on: the latest response
    of ``url`` (the URL the revisit refers to: ``goahead_crawler.warc.revisits.relied_on``)
    with that payload digest, at or before it (a 304's own URL may have only a revisit of
    that response: see :func:`confirmed_capture`)."""
    return _capture(db, "url = ? AND digest = ? AND record_type = 'response' AND fetched_at <= ?",
                    [url, digest, before], "fetched_at DESC, id DESC")


def confirmed_capture(db: Database, url: str, digest: str, before: str) -> Capture | None:
    """The capture of ``url`` a 304 revisit of it at ``before`` confirmed: its latest capture
    with that payload digest at or before it that is no 304 itself (a response, or an
    identical-payload revisit: a 200 with its own headers), the one a replay shows, as the
    replay indexes leave 304s out."""
    return next(iter(replayed_captures(db, url, digest, before, limit=1)), None)


def replayed_captures(db: Database, url: str, digest: str, before: str,
                      limit: int = 50) -> list[Capture]:
    """The captures of ``url`` with that payload digest at or before ``before`` that the
    replay indexes list (no 304), the latest first: at most ``limit`` (a page re-crawled
    unchanged every night gains one a night)."""
    columns = ", ".join(CAPTURE_FIELDS)
    sql = (f"SELECT {columns} FROM captures WHERE url = ? AND digest = ? AND fetched_at <= ?"
           " AND status IS NOT ? AND (record_type = 'response' OR record_type = 'revisit')"
           " ORDER BY fetched_at DESC, id DESC LIMIT ?")
    return [Capture(**row) for row in
            db.query(sql, [url, digest, before, NOT_MODIFIED, max(1, limit)])]


def captures_like(db: Database, sites: Iterable[str], patterns: Iterable[str],
                  outside: Iterable[str] = ()) -> list[Capture]:
    """The captures of ``sites`` (hosts) whose URL matches one of the SQL LIKE
    ``patterns``, except those in the WARC files ``outside``, oldest first: e.g. the feed
    pages earlier crawls fetched, for what a crawl knew (``goahead_crawler.rebuild``)."""
    hosts, likes, files = list(sites), list(patterns), list(outside)
    if not hosts or not likes:
        return []
    where = (f"site IN ({', '.join('?' * len(hosts))})"
             f" AND ({' OR '.join('url LIKE ?' for _ in likes)})"
             + (f" AND warc_file NOT IN ({', '.join('?' * len(files))})" if files else ""))
    columns = ", ".join(CAPTURE_FIELDS)
    return [Capture(**row) for row in db.query(
        f"SELECT {columns} FROM captures WHERE {where} ORDER BY fetched_at, id",
        [*hosts, *likes, *files])]


NOT_MODIFIED = 304
ARCHIVED_STATUSES = (200, NOT_MODIFIED)  # a full response, or not-modified (a revisit of one)


def archived_urls(db: Database, urls: Iterable[str]) -> set[str]:
    """Those of ``urls`` with a capture that a replay can show: a 200 response, or a
    revisit of one (identical payload, or a 304 to a conditional request)."""
    wanted = list(dict.fromkeys(urls))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        sql = (f"SELECT DISTINCT url FROM captures WHERE url IN ({marks})"
               f" AND status IN ({', '.join('?' * len(ARCHIVED_STATUSES))})")
        found |= {row["url"] for row in db.query(sql, [*chunk, *ARCHIVED_STATUSES])}
    return found


def page_captures(db: Database, within: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """A WACZ's page list: each blog's home page (where a replay starts), then each archived
    post and page, oldest post first, with the capture its row points to: ``url``, ``ts``
    (the capture's WARC-Date), ``title``, ``text`` (the clean text, for ReplayWeb.page's
    full-text search) and ``warc_files`` (the files a replay of it needs: the record's, and
    for a revisit the original response's; None when that original is not archived).
    ``within``: the names of the WARC files packaged; each page is then listed at its
    latest capture among them (see :func:`_page`)."""
    names = None if within is None else set(within)
    columns = "c.url, c.fetched_at, c.record_type, c.status, c.digest, c.warc_file"
    sql = (
        f"SELECT {columns}, p.title, p.text FROM posts p JOIN captures c"
        " ON c.warc_file = p.warc_file AND c.warc_offset = p.warc_offset"
        " ORDER BY p.published_utc, p.id"
    )
    posts = [{**_page(db, r, names), "title": r["title"] or r["url"], "text": r["text"] or ""}
             for r in db.query(sql)]
    return [*_home_pages(db, columns, names), *posts]


def _home_pages(db: Database, columns: str, names: set[str] | None) -> list[dict[str, Any]]:
    """Each blog's home page at its latest capture (among ``names``, the files packaged,
    when given: the home page changes, and an earlier capture there replays; none there:
    the latest, which the caller refuses)."""
    homes = []
    for (site,) in db.execute("SELECT DISTINCT site FROM posts ORDER BY site").fetchall():
        sql = (f"SELECT {columns} FROM captures c WHERE c.url IN (?, ?)"
               f" AND c.status IN ({', '.join('?' * len(ARCHIVED_STATUSES))})"
               f" ORDER BY c.fetched_at DESC, c.id DESC LIMIT {HOME_CAPTURES_TRIED}")
        params = [f"http://{site}/", f"https://{site}/", *ARCHIVED_STATUSES]
        latest = _latest_within((_page(db, row, names) for row in db.query(sql, params)),
                                names)
        if latest is not None:
            homes.append({**latest, "title": f"{site}: home page", "text": ""})
    return homes


HOME_CAPTURES_TRIED = 50  # a home page is captured once a crawl: bounded all the same


def _within(page: dict[str, Any], names: set[str] | None) -> bool:
    """Whether the files a replay of ``page`` needs are all among ``names`` (None: any)."""
    return names is None or set(page["warc_files"] or [None]) <= names


def _latest_within(pages: Iterable[dict[str, Any]], names: set[str] | None
                   ) -> dict[str, Any] | None:
    """The first of ``pages`` (the latest first, made as they are read) whose files are
    all among ``names``; none is: the first, the latest, which the caller refuses; None
    when there is no page."""
    latest: dict[str, Any] | None = None
    for page in pages:
        if _within(page, names):
            return page
        latest = latest or page
    return latest


_END = "9999-12-31T23:59:59Z"  # later than any fetched_at


def _page(db: Database, row: dict[str, Any], names: set[str] | None = None) -> dict[str, Any]:
    """A page as a replay finds it: the latest capture of the bytes ``row`` holds that the
    replay indexes list (:func:`replayed_captures`: a 304 is left out of them, it has no
    body, ``goahead_crawler.warc.indexing.replayable``), as ``warc-get`` shows it; with
    ``names`` (the WARC files packaged), the latest of those whose files are all among
    them, as the package's own index has it (a folder holding the first crawl's files
    only replays a post from them, not from a re-crawl's revisit it lacks). A post row
    keeps the capture its text was first stored from; a re-crawl that got the same bytes
    (an identical-payload revisit) is its latest. A revisit needs the response its body
    is in too. None of them in ``names``: the latest, which the caller refuses."""
    url = row["url"]
    found = replayed_captures(db, url, row["digest"], _END) if row["digest"] else []
    if not found and row["status"] == NOT_MODIFIED:  # its capture is not archived
        return {"url": url, "ts": row["fetched_at"], "warc_files": None}
    captures = [(c.fetched_at, c.warc_file, c.record_type, c.digest) for c in found] or [
        (row["fetched_at"], row["warc_file"], row["record_type"], row["digest"])]
    return _latest_within((_listed(db, url, *capture) for capture in captures), names) or {}


def _listed(db: Database, url: str, ts: str, warc_file: str, record_type: str,
            digest: str | None) -> dict[str, Any]:
    """A page listed at one capture, with the files a replay of it needs."""
    files: list[str] | None = [warc_file]
    if record_type == "revisit":
        original = capture_by_digest(db, digest or "")
        files = None if original is None else sorted({warc_file, original.warc_file})
    return {"url": url, "ts": ts, "warc_files": files}


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
