"""Thai-aware full-text search over the archive.

``posts_search`` holds each post's title and text with Thai syllables separated by
U+200B (see :mod:`archive.segment`); FTS5 indexes it with ``unicode61`` (marks kept in
tokens) and porter stemming. :func:`build_query` is pure and returns ``(sql, params)``;
:func:`search` runs it. Snippets come from the segmented copy with U+200B removed, which
is the original text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .errors import QueryError
from .filters import Filters
from .migrations import SEARCH_TABLE
from .query import HINT, plain_text, to_fts
from .segment import ZWSP, segment

FTS_TABLE = f"{SEARCH_TABLE}_fts"
TITLE_WEIGHT = 10.0  # bm25 column weights: a title hit counts ten body hits
BODY_WEIGHT = 1.0
SNIPPET_TOKENS = 32
SORTS = ("relevance", "date")


@dataclass
class Hit:
    title: str
    url: str
    published: str | None
    site: str
    post_id: str
    blog_id: str
    snippet: str
    score: float  # higher is better (negated bm25)


def index_post(db: Database, post_pk: int, title: str, text: str) -> None:
    """Write (or rewrite) the segmented copy of one post; FTS triggers follow it."""
    db.execute(
        f"INSERT INTO {SEARCH_TABLE} (id, title, text) VALUES (?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text",
        [post_pk, segment(title or ""), segment(text or "")],
    )


def reindex(db: Database, progress: Callable[[int], None] | None = None,
            batch: int = 500) -> int:
    """Re-segment every post (after a bulk re-extract or a segmenter change)."""
    done, last = 0, 0
    while True:
        rows = db.execute(
            "SELECT id, title, text FROM posts WHERE id > ? ORDER BY id LIMIT ?",
            [last, batch],
        ).fetchall()
        if not rows:
            return done
        with db.atomic():
            for post_pk, title, text in rows:
                index_post(db, post_pk, title, text)
        done, last = done + len(rows), rows[-1][0]
        if progress:
            progress(done)


def _where(fts: str, filters: Filters) -> tuple[str, dict[str, Any]]:
    clauses, params = filters.where("posts")
    params["query"] = fts
    return " AND ".join([f"{FTS_TABLE} MATCH :query", *clauses]), params


def build_query(
    query: str, filters: Filters | None = None, *, sort: str = "relevance",
    limit: int | None = 20, offset: int = 0, markers: tuple[str, str] = ("[", "]"),
    snippets: bool = True,
) -> tuple[str, dict[str, Any]]:
    """SQL and parameters for a search. Pure: nothing here touches a database.

    Ranking runs first over the matches without snippets; snippets are made only for
    the page of hits that is returned (``snippet()`` is the costly part).
    """
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}", hint=f"use one of {', '.join(SORTS)}")
    where, params = _where(to_fts(query), filters or Filters())
    params.update(open=markers[0], close=markers[1], exact=(plain_text(query) or "\0"))
    order = (
        "lower(posts.title) = lower(:exact) DESC, score DESC, posts.id"
        if sort == "relevance" else "posts.published_utc DESC, posts.id DESC"
    )
    page = ""
    if limit is not None:
        page = " LIMIT :limit OFFSET :offset"
        params.update(limit=int(limit), offset=int(offset))
    ranked = (
        f"WITH hits AS (SELECT posts.id AS id,"
        f" -bm25({FTS_TABLE}, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score"
        f" FROM {FTS_TABLE} JOIN posts ON posts.id = {FTS_TABLE}.rowid"
        f" WHERE {where} ORDER BY {order}{page})"
    )
    outer_order = order.replace("score", "hits.score")
    if not snippets:
        return (f"{ranked} SELECT posts.*, hits.score AS score FROM hits"
                f" JOIN posts ON posts.id = hits.id ORDER BY {outer_order}"), params
    sql = (
        f"{ranked} SELECT posts.*, hits.score AS score,"
        f" snippet({FTS_TABLE}, 1, :open, :close, '…', {SNIPPET_TOKENS}) AS snippet"
        f" FROM hits JOIN posts ON posts.id = hits.id"
        f" JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = hits.id"
        f" WHERE {FTS_TABLE} MATCH :query ORDER BY {outer_order}"
    )
    return sql, params


def clean_snippet(snippet: str, markers: tuple[str, str] = ("[", "]")) -> str:
    """Back to the original text: drop U+200B and join the marked syllables of a word."""
    return snippet.replace(markers[1] + ZWSP + markers[0], "").replace(ZWSP, "")


def _run(db: Database, sql: str, params: dict[str, Any]) -> sqlite3.Cursor:
    try:
        return db.execute(sql, params)
    except sqlite3.OperationalError as err:  # a query our checks let through
        if "fts5" in str(err):
            raise QueryError(f"search not understood ({err})", hint=HINT) from None
        raise


def search(
    db: Database, query: str, *, site: str | None = None, label: str | None = None,
    author: str | None = None, since: str | None = None, until: str | None = None,
    lang: str | None = None, kind: str | None = None, sort: str = "relevance",
    limit: int = 20, offset: int = 0, markers: tuple[str, str] = ("[", "]"),
) -> list[Hit]:
    """Ranked hits for ``query`` (best first, or newest first with ``sort="date"``)."""
    filters = Filters(site=site, label=label, author=author, since=since, until=until,
                      lang=lang, kind=kind)
    sql, params = build_query(query, filters, sort=sort, limit=limit, offset=offset,
                              markers=markers)
    cursor = _run(db, sql, params)
    names = [column[0] for column in cursor.description]
    hits = []
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        hits.append(Hit(
            title=row["title"], url=row["url"], published=row["published"],
            site=row["site"], post_id=row["post_id"], blog_id=row["blog_id"],
            snippet=clean_snippet(row["snippet"] or "", markers), score=row["score"],
        ))
    return hits


def count(db: Database, query: str, **filters: Any) -> int:
    """How many posts match; ``filters`` as for :func:`search`."""
    where, params = _where(to_fts(query), Filters(**filters))
    sql = f"SELECT count(*) FROM {FTS_TABLE} JOIN posts ON posts.id = {FTS_TABLE}.rowid"
    return _run(db, f"{sql} WHERE {where}", params).fetchone()[0]
