"""The SQL of a search, built from a parsed query: pure functions, no database.

A query becomes a :class:`Plan`: the expressions that find every hit, the hits in titles,
and the whole-word uses (``search_words``, see :mod:`archive.tokens`). Ranking puts hits in
tiers, best first:

0. a whole word in the title, 1. a whole word in the text, 2. inside a longer word in the
title, 3. inside a longer word in the text (a query without Thai: 0. title, 1. text);

and inside a tier by bm25 (title weighted ten times the text), or newest first when the
tier holds more than :data:`CAP` posts (bm25 over tens of thousands of posts costs more than
a search may, and says little for a word that common) or the query is one Thai cluster
(its hits come from ``search_words``, which has no positions to score). Ties go to the newer
post id. :func:`ranked_sql` is that order as one statement (what ``--sql`` can print and
export runs); :mod:`archive.ranking` reaches the same order tier by tier, and stops as
soon as the page is full.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .filters import Filters
from .migrations import SEARCH_FTS, SEARCH_STALE, SEARCH_WORDS
from .query import And, Node, Not, Or, Term, in_title, to_fts
from .tokens import CLUSTER_BODY, CLUSTER_TITLE, WORD_BODY, WORD_TITLE, term_tokens

TEXT_WEIGHT, TITLE_WEIGHT = 1.0, 10.0  # bm25 column weights: a title hit counts ten
SCORE = f"-bm25({SEARCH_FTS}, {TEXT_WEIGHT}, {TITLE_WEIGHT})"  # higher is better
CAP = 2_000  # posts in a tier beyond which it is ordered newest first
BY_DATE = "idx_posts_published_utc"  # posts(published_utc), from migration m001


@dataclass(frozen=True)
class Source:
    """Post ids from one FTS5 table: ``SELECT rowid FROM table WHERE table MATCH :param``."""

    table: str
    param: str

    def sql(self, keep: str) -> str:
        return (f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH :{self.param}"
                f" AND {keep}")


@dataclass(frozen=True)
class Plan:
    """What to ask the two FTS5 tables for one query (expressions only, no user text)."""

    match: str  # search_fts: every hit (any query)
    title_match: str  # search_fts: hits in the title
    words: str | None  # search_words: whole-word uses; None: every hit is one
    title_words: str | None  # search_words: whole-word uses in the title
    cluster: str | None  # search_words: every hit, when the query is one Thai cluster
    title_cluster: str | None
    subsets: bool  # whole-word and title sets are inside the hits (no need to intersect)

    @property
    def scored(self) -> bool:
        return self.cluster is None

    @property
    def hits(self) -> Source:
        return Source(SEARCH_WORDS, "cluster") if self.cluster else Source(SEARCH_FTS, "match")

    @property
    def titles(self) -> Source:
        return (Source(SEARCH_WORDS, "title_cluster") if self.cluster
                else Source(SEARCH_FTS, "title_match"))

    def params(self) -> dict[str, str]:
        values = {"match": self.match, "title_match": self.title_match,
                  "words": self.words, "title_words": self.title_words,
                  "cluster": self.cluster, "title_cluster": self.title_cluster}
        return {name: value for name, value in values.items() if value is not None}


WORDS = Source(SEARCH_WORDS, "words")
TITLE_WORDS = Source(SEARCH_WORDS, "title_words")


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _words_expr(node: Node, title_only: bool) -> str | None:
    """search_words expression for whole-word uses of the positive terms (None: any hit)."""
    if isinstance(node, Not):
        return _words_expr(node.keep, title_only)
    if isinstance(node, Term):
        words = term_tokens(node.text, node.prefix).words
        if not words:
            return None
        marks = (WORD_TITLE,) if title_only or node.title else (WORD_BODY, WORD_TITLE)
        star = "*" if node.prefix else ""
        parts = [" OR ".join(_quote(mark + word) + (star if i == len(words) - 1 else "")
                             for mark in marks) for i, word in enumerate(words)]
        return " AND ".join(f"({part})" for part in parts)
    items = [_words_expr(item, title_only) for item in node.items]
    if isinstance(node, Or) and None in items:
        return None
    kept = [f"({item})" for item in items if item is not None]
    return (" AND " if isinstance(node, And) else " OR ").join(kept) or None


def _subsets(node: Node) -> bool:
    """Whether every whole-word use and title hit is a hit: no NOT, one word per term."""
    if isinstance(node, Not):
        return False
    if isinstance(node, Term):
        return len(term_tokens(node.text, node.prefix).words) <= 1
    return all(_subsets(item) for item in node.items)


def plan(node: Node) -> Plan:
    cluster = title_cluster = None
    if isinstance(node, Term) and (one := term_tokens(node.text, node.prefix).cluster):
        title_cluster = _quote(CLUSTER_TITLE + one)
        cluster = title_cluster if node.title else f"{_quote(CLUSTER_BODY + one)} OR {title_cluster}"
    words = _words_expr(node, False)
    return Plan(to_fts(node), to_fts(in_title(node)), words,
                _words_expr(node, True) if words else None, cluster, title_cluster,
                _subsets(node))


def exclusions(filters: Filters, column: str = "rowid") -> tuple[str, dict[str, Any]]:
    """SQL that keeps ``column`` (a post id) to live posts passing ``filters``."""
    clauses = [f"{column} NOT IN (SELECT id FROM {SEARCH_STALE})"]
    if not filters.include_deleted:
        clauses.append(f"{column} NOT IN (SELECT id FROM posts WHERE deleted_at IS NOT NULL)")
    where, params = replace(filters, include_deleted=True).where("posts")
    if where:
        clauses.append(f"{column} IN (SELECT id FROM posts WHERE {' AND '.join(where)})")
    return " AND ".join(clauses), params


def tiers(p: Plan, whole_word: bool = False) -> list[int]:
    if p.words is None:
        return [0, 1]
    return [0, 1] if whole_word else [0, 1, 2, 3]


def members(p: Plan, tier: int, keep: str) -> str:
    """SQL for the post ids in one tier."""
    hits = p.hits.sql(keep)
    if p.words is None:
        base, outside = ((p.titles, []) if tier == 0 else (p.hits, [p.titles]))
    else:
        base, outside = {0: (TITLE_WORDS, []), 1: (WORDS, [TITLE_WORDS]),
                         2: (p.titles, [WORDS]), 3: (p.hits, [WORDS, p.titles])}[tier]
    sql = base.sql(keep)
    if base is not p.hits and not p.subsets:
        sql += f" AND +rowid IN ({hits})"
    for source in outside:
        sql += f" AND rowid NOT IN ({source.sql('TRUE')})"
    return sql


def scored_page(tier_sql: str) -> str:
    """A tier ranked by bm25 (of the whole query), one page of it."""
    return (f"SELECT rowid, {SCORE} AS score FROM {SEARCH_FTS} WHERE {SEARCH_FTS} MATCH :match"
            f" AND +rowid IN ({tier_sql}) ORDER BY score DESC, rowid DESC"
            f" LIMIT :limit OFFSET :offset")


def dated_page(id_sql: str) -> str:
    """Posts newest first, one page of them (walking the date index, not the posts)."""
    return (f"SELECT id, 0.0 FROM posts INDEXED BY {BY_DATE} WHERE id IN ({id_sql})"
            f" ORDER BY published_utc DESC, id DESC LIMIT :limit OFFSET :offset")


def ranked_sql(p: Plan, filters: Filters, *, whole_word: bool = False,
               sort: str = "relevance", limit: int | None = 20, offset: int = 0
               ) -> tuple[str, dict[str, Any]]:
    """(post id, score, tier) of the hits in rank order, as one statement."""
    keep, params = exclusions(filters)
    params |= p.params()
    union = " UNION ALL ".join(f"SELECT rowid AS id, {t} AS tier FROM ({members(p, t, keep)})"
                               for t in tiers(p, whole_word))
    ctes = [f"tiered AS ({union})",
            "sized AS (SELECT id, tier, count(*) OVER (PARTITION BY tier) AS size FROM tiered)"]
    joins = "JOIN posts ON posts.id = sized.id"
    scored = f"sized.size <= {CAP}"
    if p.scored:
        ctes.append(f"scores AS (SELECT rowid AS id, {SCORE} AS score FROM {SEARCH_FTS}"
                    f" WHERE {SEARCH_FTS} MATCH :match)")
        joins += " LEFT JOIN scores ON scores.id = sized.id"
        column = "scores.score"
    else:
        scored, column = "FALSE", "0.0"
    score = f"CASE WHEN {scored} THEN {column} ELSE 0.0 END"
    if sort == "date":
        order, score = "posts.published_utc DESC, sized.id DESC", "0.0"
    else:
        order = (f"sized.tier, CASE WHEN {scored} THEN {column} END DESC,"
                 f" CASE WHEN NOT ({scored}) THEN posts.published_utc END DESC, sized.id DESC")
    sql = (f"WITH {', '.join(ctes)} SELECT sized.id, {score} AS score, sized.tier"
           f" FROM sized {joins} ORDER BY {order}")
    if limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        params |= {"limit": int(limit), "offset": int(offset)}
    return sql, params
