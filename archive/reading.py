"""What a reader of the archive sees of one post, and the sites a search form offers.

Reads only: the web view's post page and search form call these (``archive/`` owns SQL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from .posts import post_versions


@dataclass
class PostRecord:
    """One stored post with everything its reading view shows."""

    row: dict[str, Any]  # the posts row; labels, images, outlinks decoded
    comments: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)  # earlier, oldest first


def post_record(db: Database, blog_id: str, post_id: str) -> PostRecord | None:
    """The post ``(blog_id, post_id)`` with its comments (oldest first) and earlier
    versions, deleted or not; None when the archive has no such post."""
    row = next(iter(db.query("SELECT * FROM posts WHERE blog_id = ? AND post_id = ?",
                             [blog_id, post_id])), None)
    if row is None:
        return None
    for name in ("labels", "images", "outlinks"):
        row[name] = json.loads(row[name] or "[]")
    comments = list(db.query(
        "SELECT author, published, text FROM comments WHERE blog_id = ? AND post_id = ?"
        " ORDER BY published, rowid", [blog_id, post_id]))
    return PostRecord(row, comments, post_versions(db, blog_id, post_id))


def post_key(db: Database, post_pk: int) -> tuple[str, str] | None:
    """(blog_id, post_id) of the post with ``posts.id`` ``post_pk``, if there is one."""
    row = db.execute("SELECT blog_id, post_id FROM posts WHERE id = ?", [post_pk]).fetchone()
    return (row[0], row[1]) if row else None


def captured_files(db: Database, urls: list[str]) -> dict[str, str]:
    """Those of ``urls`` the archive holds a capture of (status 200 or a revisit), each
    with the WARC file of its latest capture (the one a reader is served)."""
    if not urls:
        return {}
    rows = db.execute(
        "SELECT url, warc_file FROM captures WHERE url IN (SELECT value FROM json_each(?))"
        " AND (status = 200 OR record_type = 'revisit') ORDER BY fetched_at, id",
        [json.dumps(urls)])
    return {row[0]: row[1] for row in rows}


def sites(db: Database) -> list[str]:
    """Every site with a post (read from the (site, published_utc) index, not the rows)."""
    return [row[0] for row in db.execute("SELECT DISTINCT site FROM posts ORDER BY site")]
