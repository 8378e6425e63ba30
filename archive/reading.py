"""What a reader of the archive sees of one post, and the choices a search form offers.

Reads only: the web view's post page and search form call these (``archive/`` owns SQL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from .posts import post_versions

CHOICES_LIMIT = 300  # labels and authors offered in a form, the most used first


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


def captured_urls(db: Database, urls: list[str]) -> set[str]:
    """Those of ``urls`` the archive holds a capture of (status 200 or a revisit)."""
    if not urls:
        return set()
    rows = db.execute(
        "SELECT DISTINCT url FROM captures WHERE url IN (SELECT value FROM json_each(?))"
        " AND (status = 200 OR record_type = 'revisit')", [json.dumps(urls)])
    return {row[0] for row in rows}


@dataclass
class Choices:
    """Values a search form can offer: every site and language, the most used labels and
    authors (at most :data:`CHOICES_LIMIT` each)."""

    sites: list[str]
    languages: list[str]
    labels: list[str]
    authors: list[str]


def _column(db: Database, sql: str) -> list[str]:
    return [row[0] for row in db.execute(sql) if row[0]]


def choices(db: Database) -> Choices:
    return Choices(
        sites=_column(db, "SELECT DISTINCT site FROM posts ORDER BY site"),
        languages=_column(db, "SELECT DISTINCT language FROM posts ORDER BY language"),
        labels=_column(db, "SELECT value FROM posts, json_each(posts.labels)"
                           f" GROUP BY value ORDER BY count(*) DESC, value LIMIT {CHOICES_LIMIT}"),
        authors=_column(db, "SELECT author FROM posts GROUP BY author"
                            f" ORDER BY count(*) DESC, author LIMIT {CHOICES_LIMIT}"),
    )
