"""Posts, their earlier versions, comments and sites: every read and write of those tables.

Every write is an idempotent upsert inside ``db.atomic()``. Reads that may be large
(:func:`iter_posts`) stream from a cursor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlite_utils import Database

from . import search
from .filters import Filters
from .models import Comment, Post, values_of
from .timestamps import now_utc, parse_utc, to_utc
from .tokens import PostTokens

JSON_FIELDS = ("labels", "images", "outlinks")
POST_FIELDS = tuple(f.name for f in fields(Post))
COMMENT_FIELDS = tuple(f.name for f in fields(Comment))
VERSION_FIELDS = ("blog_id", "post_id", "updated", "title", "text", "html", "fetched_at")
# A re-crawl of an unchanged post brings a new fetch time and WARC location; keep the
# first ones (they point at the full response, later captures may be revisits).
VOLATILE = frozenset({"fetched_at", "warc_file", "warc_offset", "warc_length"})
# What a post row says from other captures than its page's: which of its images are
# archived. A change there alone is no new capture of the page (a killed crawl's post
# completed by the next crawl, an image archived since): the row keeps its first capture.
DERIVED = frozenset({"images"})
UpsertResult = Literal["new", "updated", "unchanged"]


@cache
def _insert_post(columns: tuple[str, ...]) -> str:
    """A new post's INSERT, built once per set of columns (sqlite-utils' ``insert`` builds
    it, and looks the table up, for every row)."""
    return (f"INSERT INTO posts ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + name for name in columns)})")


def post_row(post: Post) -> dict[str, Any]:
    """The post's column values, its lists as JSON."""
    row = values_of(post, POST_FIELDS)
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


def url_post_id(url: str) -> str:
    """The id of a post or page whose markup names none: ``u`` and 16 hex digits of its
    URL's SHA-1 (stable across crawls). An extractor that later finds the page's own id
    re-keys the row (:func:`_find_or_adopt`)."""
    return "u" + hashlib.sha1(url.encode()).hexdigest()[:16]


def adopted_post_id(db: Database, blog_id: str, made_id: str) -> str | None:
    """The id the post once stored under ``made_id`` (:func:`url_post_id`) is kept under
    now, if it was re-keyed: what an old link to it (``/DB/post/BLOG/u...``) leads to.
    Reads the blog's URLs: for a link that finds no post only."""
    rows = db.execute("SELECT url, post_id FROM posts WHERE blog_id = ?", [blog_id])
    return next((post_id for url, post_id in rows
                 if post_id != made_id and url_post_id(url) == made_id), None)


def is_made_post_id(post_id: str) -> bool:
    """Whether ``post_id`` is one :func:`url_post_id` makes (``u`` and 16 hex digits)."""
    return len(post_id) == 17 and post_id[0] == "u" and all(
        c in "0123456789abcdef" for c in post_id[1:])


def page_post_id(db: Database, blog_id: str, made_id: str, url: str) -> str | None:
    """The id the page names, under which this archive keeps the post that ``made_id`` (made
    from ``url``) stood for in an older archive: the same blog and URL, all digits. What a
    merge keys an older shard's row under (the other direction of :func:`_find_or_adopt`)."""
    if not is_made_post_id(made_id):
        return None
    rows = db.execute("SELECT post_id FROM posts WHERE blog_id = ? AND url = ?", [blog_id, url])
    return next((post_id for (post_id,) in rows if post_id.isdigit()), None)


def _find_post(db: Database, blog_id: str, post_id: str) -> dict[str, Any] | None:
    rows = db.query(
        "SELECT * FROM posts WHERE blog_id = ? AND post_id = ?", [blog_id, post_id]
    )
    return next(iter(rows), None)


def _find_or_adopt(db: Database, post: Post) -> dict[str, Any] | None:
    """The row of ``post``; else a row of the same blog and URL stored under an id made
    from its URL (``u`` and 16 hex digits: its page named no id to an older extractor),
    now keyed under the id the page names, its comments and versions with it. One row for
    one post, not a second one after an extractor learned to find the id."""
    old = _find_post(db, post.blog_id, post.post_id)
    if old is not None or not post.post_id.isdigit():
        return old
    made = next(iter(db.query(
        "SELECT * FROM posts WHERE blog_id = ? AND url = ? AND post_id LIKE 'u%'"
        " AND length(post_id) = 17", [post.blog_id, post.url])), None)
    if made is None:
        return None
    keys = [post.post_id, post.blog_id, made["post_id"]]
    db.execute("UPDATE posts SET post_id = ? WHERE blog_id = ? AND post_id = ?", keys)
    db.execute("UPDATE post_versions SET post_id = ? WHERE blog_id = ? AND post_id = ?", keys)
    # a comment already stored under the page's id (from its comments feed) stays as is
    db.execute("UPDATE OR IGNORE comments SET post_id = ? WHERE blog_id = ? AND post_id = ?",
               keys)
    db.execute("DELETE FROM comments WHERE blog_id = ? AND post_id = ?", keys[1:])
    return {**made, "post_id": post.post_id}


def upsert_post(db: Database, post: Post, *, revive: bool = True,
                run_id: int | None = None, tokens: PostTokens | None = None) -> UpsertResult:
    """Insert or update one post, keyed on (blog_id, post_id) (a row stored under an id
    made from its URL is adopted: :func:`_find_or_adopt`).

    An update that changes the title or text first saves the previous version in
    ``post_versions`` and re-indexes the post for search. A fetched post is live: with
    ``revive`` (the crawl) a post marked deleted is live again; a merge passes False and
    sets the deletion mark itself. ``run_id``, the crawl run writing it, is kept on a row
    it inserts or changes (``first_run_id`` on insert). ``tokens``: the post's search
    tokens, when computed in another process (:func:`archive.search_index.tokens_with`).
    """
    row = post_row(post)
    if not revive:
        del row["deleted_at"]
    with db.atomic():
        old = _find_or_adopt(db, post)
        if old is None:
            row.update(run_id=run_id, first_run_id=run_id)
            post_pk = db.execute(_insert_post(tuple(row)), row).lastrowid  # id is the rowid
            assert post_pk is not None
            search.index_post(db, post_pk, post.title, post.text, tokens)
            return "new"
        changed = {k for k, v in row.items() if k not in VOLATILE and old[k] != v}
        if not changed:
            return "unchanged"
        if changed <= DERIVED:  # the same page: it keeps its first capture's place and time
            row.update({k: old[k] for k in VOLATILE})
        if changed & {"title", "text"}:
            _save_version(db, old)
        if run_id is not None:
            row["run_id"] = run_id
        db.table("posts").update(old["id"], row)
        if changed & {"title", "text"}:
            search.index_post(db, old["id"], post.title, post.text, tokens)
        return "updated"


def _save_version(db: Database, old: Mapping[str, Any]) -> None:
    db.table("post_versions").insert({k: old[k] for k in VERSION_FIELDS})


def delete_post(db: Database, blog_id: str, post_id: str, *, soft: bool = True,
                at: str | None = None) -> bool:
    """Mark a post deleted (``soft``, dated ``at``, default now) or remove it with its
    search row and comments."""
    with db.atomic():
        old = _find_post(db, blog_id, post_id)
        if old is None:
            return False
        if soft:
            db.table("posts").update(old["id"], {"deleted_at": at or now_utc()})
        else:
            db.execute("DELETE FROM comments WHERE blog_id = ? AND post_id = ?",
                       [blog_id, post_id])
            db.table("posts").delete(old["id"])
    return True


def store_post(db: Database, post: Post, **upsert: Any) -> UpsertResult:
    """What a crawl writes for one fetched post or page, and what the rebuild from WARC
    writes for its capture: the site row (first and last crawl are capture times), then
    the post (:func:`upsert_post`, which gets the keyword arguments)."""
    with db.atomic():
        upsert_site(db, post.site, blog_id=post.blog_id or None,
                    url=f"{urlsplit(post.url).scheme}://{post.site}/",
                    crawled_at=post.fetched_at)
        return upsert_post(db, post, **upsert)


def mark_gone(db: Database, url: str, at: str | None = None) -> bool:
    """A post whose URL now answers 404/410 keeps its row, marked deleted at ``at`` (the
    404's capture time; default now); a post marked before keeps the date it first
    vanished. True when this call marked it. The crawl and the rebuild both call this."""
    row = next(iter(db.query(
        "SELECT blog_id, post_id, deleted_at FROM posts WHERE url = ? LIMIT 1", [url])), None)
    if row is None or row["deleted_at"]:
        return False
    return delete_post(db, row["blog_id"], row["post_id"], at=at)


def set_deleted(db: Database, blog_id: str, post_id: str, deleted_at: str | None) -> None:
    """Set (or clear) a post's deletion mark as a merge worked it out."""
    db.execute("UPDATE posts SET deleted_at = ? WHERE blog_id = ? AND post_id = ?",
               [deleted_at, blog_id, post_id])


def live_post_urls(db: Database, site: str) -> set[str]:
    """Canonical URLs of the posts (not pages) of ``site`` not marked deleted."""
    return {row["url"] for row in db.query(
        "SELECT url FROM posts WHERE site = ? AND kind = 'post' AND deleted_at IS NULL",
        [site])}


def urls_fetched_since(db: Database, site: str, since: str) -> set[str]:
    """URLs of ``site``'s posts and pages fetched at or after ``since``.

    Compared as times, not strings: older rows may say ``+00:00`` where newer say ``Z``.
    """
    low = parse_utc(since)
    if low is None:
        raise ValueError(f"not a timestamp: {since!r}")
    rows = db.query("SELECT url, fetched_at FROM posts WHERE site = ?", [site])
    return {row["url"] for row in rows
            if (moment := parse_utc(row["fetched_at"])) is not None and moment >= low}


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


def comments_of(db: Database, blog_id: str, post_id: str) -> list[dict[str, Any]]:
    """A post's comments, oldest first (undated ones last, in the order stored)."""
    return list(db.query(
        "SELECT comment_id, author, published, text FROM comments"
        " WHERE blog_id = ? AND post_id = ? ORDER BY published IS NULL, published, id",
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


def _same_comment(row: Mapping[str, Any]) -> tuple[str, str]:
    """What a comment read from its post's page and the same comment read from a comments
    feed agree on: its author and its words (their dates differ in precision)."""
    return " ".join(str(row["author"] or "").split()), " ".join(str(row["text"] or "").split())


def _without_twins(db: Database, blog_id: str, post_id: str, rows: list[dict]) -> list[dict]:
    """``rows`` less those the post already has under the other kind of key. A page shows
    no comment ids (its comments are keyed by :func:`comment_key`'s hash), a comments feed
    does: a comment read from the page in one run and from a feed in another (an
    incremental run fetches the feed of an old post with new comments) is one comment.
    The feed's id wins: a page's row is replaced by the feed's, and a page's comment the
    post has under a feed id is not added again. One stored row answers one new row."""
    stored = list(db.query("SELECT id, comment_id, author, text FROM comments"
                           " WHERE blog_id = ? AND post_id = ?", [blog_id, post_id]))
    keys = {r["comment_id"] for r in stored}
    if not any(row["comment_id"] not in keys for row in rows):
        return rows  # nothing new (a re-read of the same comments), or a first reading
    twins: dict[tuple[bool, tuple[str, str]], list[dict]] = {}
    for r in stored:
        twins.setdefault((r["comment_id"].startswith("h:"), _same_comment(r)), []).append(r)
    kept = []
    for row in rows:
        derived = row["comment_id"].startswith("h:")
        others = (None if row["comment_id"] in keys
                  else twins.get((not derived, _same_comment(row))))
        if others:
            twin = others.pop(0)
            if derived:
                continue  # the feed's row stands
            db.execute("DELETE FROM comments WHERE id = ?", [twin["id"]])
        kept.append(row)
    return kept


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
        for row in _without_twins(db, blog_id, post_id, rows):
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
    """Create or refresh a site row; ``first_crawl`` and ``last_crawl`` are the earliest
    and latest ``crawled_at`` seen, whatever the order they come in."""
    crawled_at = crawled_at or now_utc()
    with db.atomic():
        db.execute(
            "INSERT INTO sites (site, blog_id, title, url, first_crawl, last_crawl)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site) DO UPDATE SET"
            " blog_id = coalesce(excluded.blog_id, blog_id),"
            " title = coalesce(excluded.title, title), url = coalesce(excluded.url, url),"
            " first_crawl = min(coalesce(first_crawl, excluded.first_crawl),"
            " excluded.first_crawl),"
            " last_crawl = max(coalesce(last_crawl, ''), excluded.last_crawl)",
            [site, blog_id, title, url, crawled_at, crawled_at],
        )
