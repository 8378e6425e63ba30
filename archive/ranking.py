"""A page of ranked hits, tier by tier (the order of :func:`archive.search_sql.ranked_sql`).

Each tier is sized first with a bounded count; a tier wholly before the page is skipped,
and ranking stops once the page is full. A small tier is scored from its posts; a large
one is read newest first off the date index. So a common word costs a few posting-list
reads, not a score for every post it is in.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from .filters import Filters
from .search_sql import (
    CAP,
    TITLE_WORDS,
    WORDS,
    Gone,
    Plan,
    Source,
    dated_page,
    exclusions,
    members,
    relevance,
    texts,
    tiers,
)

Ranked = tuple[int, float, int]  # post id, score, tier


def _size(db: Database, sql: str, params: dict[str, Any], bound: int) -> int:
    """How many rows ``sql`` gives, counting no further than ``bound``."""
    return db.execute(f"SELECT count(*) FROM ({sql} LIMIT {int(bound)})", params).fetchone()[0]


def page(db: Database, p: Plan, filters: Filters, gone: Gone, *, whole_word: bool = False,
         limit: int = 20, offset: int = 0) -> list[Ranked]:
    keep, params = exclusions(filters, gone)
    params |= p.params()
    out: list[Ranked] = []
    for tier in tiers(p, whole_word):
        if len(out) >= limit:
            break
        sql = members(p, tier, keep)
        size = _size(db, sql, params, max(CAP, offset + limit) + 1)
        if size <= offset:
            offset -= size
            continue
        wanted = {"limit": limit - len(out), "offset": offset}
        if size <= CAP:
            page_rows = _scored(db, p, sql, params)[offset:offset + wanted["limit"]]
        else:
            page_rows = db.execute(dated_page(sql), params | wanted).fetchall()
        out += [(post_pk, score, tier) for post_pk, score in page_rows]
        offset = 0
    return out


def _scored(db: Database, p: Plan, sql: str, params: dict[str, Any]
            ) -> list[tuple[int, float]]:
    """Every post of a small tier with its relevance, best first."""
    rows = db.execute(texts(sql), params).fetchall()
    avg = sum(len(text or "") for *_, text in rows) / len(rows) if rows else 0.0
    scored = [(post_pk, relevance(p.needles, title, text, avg)) for post_pk, title, text in rows]
    return sorted(scored, key=lambda row: (-row[1], -row[0]))


def by_date(db: Database, p: Plan, filters: Filters, gone: Gone, *,
            whole_word: bool = False, limit: int = 20, offset: int = 0) -> list[Ranked]:
    """Hits newest first (each with its tier, for the hit's flags)."""
    keep, params = exclusions(filters, gone)
    params |= p.params()
    sql = p.hits.sql(keep)
    if whole_word and p.words is not None:
        sql += f" AND rowid IN ({WORDS.sql('TRUE')})"
    ids = [row[0] for row in db.execute(dated_page(sql),
                                        params | {"limit": limit, "offset": offset})]
    return [(post_pk, 0.0, tier_of(db, p, params, post_pk)) for post_pk in ids]


def tier_of(db: Database, p: Plan, params: dict[str, Any], post_pk: int) -> int:
    """The tier of one hit, from point lookups (no set is built)."""
    def has(source: Source) -> bool:
        sql = source.sql("rowid = :post_pk")
        return db.execute(sql, params | {"post_pk": post_pk}).fetchone() is not None

    in_title = has(p.titles)
    if p.words is None:
        return 0 if in_title else 1
    if has(TITLE_WORDS):
        return 0
    if has(WORDS):
        return 1
    return 2 if in_title else 3
