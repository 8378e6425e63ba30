"""Opening the archive and writing to it: posts, comments, captures, sites and runs.

Every write is an idempotent upsert inside ``db.atomic()``. Reads that may be large
(:func:`iter_posts`) stream from a cursor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from . import search
from .errors import ArchiveNotFound, NewerArchive, NotAnArchive
from .filters import Filters, to_utc
from .migrations import migrations
from .models import Capture, Comment, Post

SQLITE_MAGIC = b"SQLite format 3\x00"
JSON_FIELDS = ("labels", "images", "outlinks")
POST_FIELDS = tuple(f.name for f in fields(Post))
CAPTURE_FIELDS = tuple(f.name for f in fields(Capture))
COMMENT_FIELDS = tuple(f.name for f in fields(Comment))
# A re-crawl of an unchanged post brings a new fetch time and WARC location; keep the
# first ones (they point at the full response, later captures may be revisits).
VOLATILE = frozenset({"fetched_at", "warc_file", "warc_offset", "warc_length"})
RUN_COUNTERS = (
    "posts_new", "posts_updated", "posts_unchanged", "pages", "comments",
    "requests", "bytes", "errors",
)
UpsertResult = Literal["new", "updated", "unchanged"]


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_archive(path: str | Path, create: bool = True) -> Database:
    """Open (or create) a goahead archive: migrations applied, WAL on, foreign keys on.

    Raises NotAnArchive for a file that is not SQLite or is another program's database,
    without writing to it; ArchiveNotFound when ``create`` is false and it is missing.
    """
    path = Path(path)
    if not path.exists() and not create:
        raise ArchiveNotFound(f"no archive at {path}", hint="crawl a blog first")
    _check_file(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)  # --db new/dir/archive.db just works
    db = Database(path)
    _check_schema(db, path)
    migrations.apply(db)
    db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise NotAnArchive(f"{path} is a directory, not an archive file")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    if magic != SQLITE_MAGIC:
        raise NotAnArchive(f"{path} is not a goahead archive (not an SQLite database)")


def _check_schema(db: Database, path: Path) -> None:
    """Refuse a database that has tables but no goahead migrations, or newer ones."""
    tables = set(db.table_names())
    applied = {m.name for m in migrations.applied(db)}
    if tables - {"_sqlite_migrations"} and not applied:
        db.close()
        raise NotAnArchive(f"{path} is an SQLite database, but not a goahead archive")
    unknown = applied - {m.name for m in migrations._migrations}
    if unknown:
        db.close()
        raise NewerArchive(
            f"{path} was written by a newer goahead ({', '.join(sorted(unknown))})",
            hint="upgrade goahead",
        )


# -- posts -------------------------------------------------------------------------------

def post_row(post: Post) -> dict[str, Any]:
    row = asdict(post)
    for name in JSON_FIELDS:
        row[name] = json.dumps(row[name], ensure_ascii=False)
    row["published_utc"] = to_utc(post.published)
    row["deleted_at"] = None
    return row


def row_to_post(row: Mapping[str, Any]) -> Post:
    values = {name: row[name] for name in POST_FIELDS}
    for name in JSON_FIELDS:
        values[name] = json.loads(values[name] or "[]")
    return Post(**values)


def _find_post(db: Database, blog_id: str, post_id: str) -> dict[str, Any] | None:
    rows = db.query(
        "SELECT * FROM posts WHERE blog_id = ? AND post_id = ?", [blog_id, post_id]
    )
    return next(iter(rows), None)


def upsert_post(db: Database, post: Post) -> UpsertResult:
    """Insert or update one post, keyed on (blog_id, post_id).

    An update that changes the title or text first saves the previous version in
    ``post_versions`` and re-indexes the post for search.
    """
    row = post_row(post)
    with db.atomic():
        old = _find_post(db, post.blog_id, post.post_id)
        if old is None:
            post_pk = db.table("posts").insert(row).last_rowid
            assert post_pk is not None  # id is an INTEGER PRIMARY KEY: rowid == id
            search.index_post(db, post_pk, post.title, post.text)
            return "new"
        changed = {k for k, v in row.items() if k not in VOLATILE and old[k] != v}
        if not changed:
            return "unchanged"
        if changed & {"title", "text"}:
            _save_version(db, old)
        db.table("posts").update(old["id"], row)
        if changed & {"title", "text"}:
            search.index_post(db, old["id"], post.title, post.text)
        return "updated"


def _save_version(db: Database, old: Mapping[str, Any]) -> None:
    keep = ("blog_id", "post_id", "updated", "title", "text", "html", "fetched_at")
    db.table("post_versions").insert({k: old[k] for k in keep})


def delete_post(db: Database, blog_id: str, post_id: str, *, soft: bool = True) -> bool:
    """Mark a post deleted (``soft``) or remove it with its search row and comments."""
    with db.atomic():
        old = _find_post(db, blog_id, post_id)
        if old is None:
            return False
        if soft:
            db.table("posts").update(old["id"], {"deleted_at": now_utc()})
        else:
            db.execute("DELETE FROM comments WHERE blog_id = ? AND post_id = ?",
                       [blog_id, post_id])
            db.table("posts").delete(old["id"])
    return True


def get_post(db: Database, blog_id: str, post_id: str) -> Post | None:
    row = _find_post(db, blog_id, post_id)
    return row_to_post(row) if row else None


def get_post_by_url(db: Database, url: str) -> Post | None:
    row = next(iter(db.query("SELECT * FROM posts WHERE url = ? LIMIT 1", [url])), None)
    return row_to_post(row) if row else None


def post_versions(db: Database, blog_id: str, post_id: str) -> list[dict[str, Any]]:
    """Earlier versions of a post, oldest first."""
    return list(db.query(
        "SELECT * FROM post_versions WHERE blog_id = ? AND post_id = ? ORDER BY id",
        [blog_id, post_id],
    ))


def _listing_sql(filters: Filters, order: str = "published") -> tuple[str, dict[str, object]]:
    clauses, params = filters.where("posts")
    where = " AND ".join(clauses) or "1"
    order_by = {"published": "posts.published_utc, posts.id",
                "-published": "posts.published_utc DESC, posts.id DESC",
                "id": "posts.id"}[order]
    return f"SELECT posts.* FROM posts WHERE {where} ORDER BY {order_by}", params


def iter_posts(
    db: Database, *, query: str | None = None, sort: str = "date",
    order: str = "published", **filters: Any,
) -> Iterator[Post]:
    """Stream posts matching ``filters`` (see :class:`Filters`), oldest first.

    With ``query``, only posts matching that search, in ``sort`` order
    ("relevance" or "date").
    """
    chosen = Filters(**filters)
    if query:
        search.check_ready(db)  # an index not yet rebuilt would find nothing, silently
        sql, params = search.build_query(query, chosen, sort=sort, limit=None,
                                          snippets=False)
    else:
        sql, params = _listing_sql(chosen, order)
    for row in db.query(sql, params):
        yield row_to_post(row)


def count_posts(db: Database, *, query: str | None = None, **filters: Any) -> int:
    if query:
        return search.count(db, query, **filters)
    sql, params = _listing_sql(Filters(**filters), "id")
    return db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]


# -- comments, sites ---------------------------------------------------------------------

def comment_key(comment: Comment) -> str:
    if comment.comment_id:
        return comment.comment_id
    raw = "\0".join([comment.author, comment.published or "", comment.text])
    return "h:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def upsert_comments(
    db: Database, blog_id: str, post_id: str, comments: Iterable[Comment | Mapping[str, Any]]
) -> int:
    """Store a post's comments; re-storing the same comments changes nothing.

    Mappings need the :class:`Comment` keys (others are ignored). Returns how many
    comments were given.
    """
    rows = []
    for item in comments:
        comment = item if isinstance(item, Comment) else Comment(
            **{k: item[k] for k in COMMENT_FIELDS if k in item})
        rows.append({"blog_id": blog_id, "post_id": post_id,
                     "comment_id": comment_key(comment), "author": comment.author,
                     "published": comment.published, "text": comment.text})
    with db.atomic():
        for row in rows:
            db.execute(
                "INSERT INTO comments (blog_id, post_id, comment_id, author, published, text)"
                " VALUES (:blog_id, :post_id, :comment_id, :author, :published, :text)"
                " ON CONFLICT (blog_id, post_id, comment_id) DO UPDATE SET"
                " author = excluded.author, published = excluded.published,"
                " text = excluded.text",
                row,
            )
    return len(rows)


def upsert_site(
    db: Database, site: str, *, blog_id: str | None = None, title: str | None = None,
    url: str | None = None, crawled_at: str | None = None,
) -> None:
    """Create or refresh a site row; ``first_crawl`` is set once, ``last_crawl`` moves."""
    crawled_at = crawled_at or now_utc()
    with db.atomic():
        db.execute(
            "INSERT INTO sites (site, blog_id, title, url, first_crawl, last_crawl)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site) DO UPDATE SET"
            " blog_id = coalesce(excluded.blog_id, blog_id),"
            " title = coalesce(excluded.title, title), url = coalesce(excluded.url, url),"
            " last_crawl = max(coalesce(last_crawl, ''), excluded.last_crawl)",
            [site, blog_id, title, url, crawled_at, crawled_at],
        )


# -- captures ----------------------------------------------------------------------------

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


def _capture(db: Database, where: str, params: list[Any], order: str) -> Capture | None:
    columns = ", ".join(CAPTURE_FIELDS)
    sql = f"SELECT {columns} FROM captures WHERE {where} ORDER BY {order} LIMIT 1"
    row = next(iter(db.query(sql, params)), None)
    return Capture(**row) if row else None


def latest_capture(db: Database, url: str, at: str | None = None) -> Capture | None:
    """The newest capture of ``url``, or the newest at or before ``at`` (ISO 8601 UTC)."""
    if at:
        return _capture(db, "url = ? AND fetched_at <= ?", [url, at],
                        "fetched_at DESC, id DESC")
    return _capture(db, "url = ?", [url], "fetched_at DESC, id DESC")


def capture_by_digest(db: Database, digest: str) -> Capture | None:
    """The first full response with this payload digest (what a revisit record cites)."""
    return _capture(db, "digest = ? AND record_type = 'response'", [digest],
                    "fetched_at, id")


# -- runs --------------------------------------------------------------------------------

def start_run(db: Database, site: str, url: str, settings: Mapping[str, Any]) -> int:
    with db.atomic():
        table = db.table("runs").insert({
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
    """Runs of ``site`` since ``since`` still marked running (their process died): killed."""
    with db.atomic():
        cursor = db.execute(
            "UPDATE runs SET status = 'killed', finished_at = coalesce(finished_at, ?)"
            " WHERE site = ? AND status = 'running' AND started_at >= ?",
            [now_utc(), site, since],
        )
    return cursor.rowcount
