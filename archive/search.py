"""Full-text search of the archive: Thai by character clusters, English stemmed.

Every post whose title or text contains a Thai query on character-cluster boundaries is
found (the set a ``LIKE '%q%'`` scan gives), and Latin words and digits glued to Thai are
words of their own. Hits come best first: the query as a whole word (pythainlp's dictionary)
in the title, then as a whole word in the text, then inside a longer word in the title, then
in the text; within each, by relevance (or newest first in a big tier). See
:mod:`archive.tokens` for the index and :mod:`archive.search_sql` for the ranking.

    search(db, query, *, whole_word=False, include_deleted=False, sort="relevance",
           limit=20, offset=0, markers=("[", "]"), **filters) -> list[Hit]
    count(db, query, *, whole_word=False, include_deleted=False, **filters) -> int

Malformed queries raise :class:`~archive.errors.QueryError` (message and hint).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from . import ranking, search_index, snippets
from .errors import QueryError
from .filters import Filters
from .folding import search_form
from .latin import highlight_spans
from .query import Node, parse, positive_terms
from .search_sql import WORDS, Plan, exclusions, plan, ranked_sql
from .vocabulary import Vocabulary

SORTS = ("relevance", "date")
WHOLE_WORD_REACH = 30  # matches looked at for a whole-word one to centre the snippet on

index_post = search_index.index_post
rebuild = search_index.rebuild
pending = search_index.pending
check_ready = search_index.check_ready
vocabulary_of = search_index.vocabulary_of
tokens_with = search_index.tokens_with


def reindex(db: Database, progress: Callable[[int, int], None] | None = None,
            batch: int = 200) -> int:
    """Rebuild the whole search index from the posts table (see :func:`rebuild`)."""
    return rebuild(db, progress, batch=batch, resume=False)


@dataclass
class Hit:
    """One post that matches, with what a results page shows."""

    post_id: str
    blog_id: str
    site: str
    url: str
    kind: str
    title: str
    title_highlight: str  # the title, matches marked
    snippet: str  # one line of text around the first match, marked, cut on word boundaries
    author: str | None
    labels: list[str]
    lang: str | None
    published: str | None
    deleted_at: str | None  # set when the post has disappeared from the blog
    whole_word: bool  # the query is a whole word here (not only inside a longer word)
    in_title: bool  # the query is in the title
    score: float  # relevance inside its tier, higher is better (0 where ordered by date)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _filters(include_deleted: bool, filters: dict[str, Any]) -> Filters:
    unknown = set(filters) - set(Filters.names())
    if unknown:
        raise TypeError(f"unknown search filters: {', '.join(sorted(unknown))}")
    return Filters(include_deleted=include_deleted, **filters)


def _prepare(db: Database, query: str | Node, sort: str) -> tuple[Node, Plan]:
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}", hint=f"use one of {', '.join(SORTS)}")
    node = parse(query) if isinstance(query, str) else query
    search_index.check_ready(db)
    return node, plan(node, search_index.common_words(db))


def _matching(db: Database, query: str, whole_word: bool, include_deleted: bool,
              filters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """SQL for the ids of every post that matches, unranked, and its parameters."""
    _, p = _prepare(db, query, "relevance")
    keep, params = exclusions(_filters(include_deleted, filters), search_index.gone(db))
    sql = p.hits.sql(keep)
    if whole_word and p.words is not None:
        sql = WORDS.sql(keep) if p.subsets else f"{sql} AND rowid IN ({WORDS.sql('TRUE')})"
    return sql, params | p.params()


def count(db: Database, query: str, *, whole_word: bool = False,
          include_deleted: bool = False, **filters: Any) -> int:
    """How many posts match (the same posts :func:`search` pages through)."""
    sql, params = _matching(db, query, whole_word, include_deleted, filters)
    return db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]


def post_ids(db: Database, query: str, *, whole_word: bool = False,
             include_deleted: bool = False, **filters: Any) -> list[int]:
    """The ids (``posts.id``) of every post that matches, in id order, unranked: the
    posts :func:`count` counts, for a researcher's own set operations."""
    sql, params = _matching(db, query, whole_word, include_deleted, filters)
    return sorted(row[0] for row in db.execute(sql, params))


def build_query(query: str | Node, filters: Filters | None = None, *,
                whole_word: bool = False, sort: str = "relevance", limit: int | None = 20,
                offset: int = 0, snippets: bool = False,
                common: Vocabulary | None = None) -> tuple[str, dict[str, Any]]:
    """SQL and parameters for the posts rows of a search, in rank order. Pure: it touches no
    database (``--sql`` can print it; export runs it). ``common`` is the archive's
    vocabulary (:func:`archive.search_index.common_words`); without it the SQL is slower,
    never different. ``snippets`` is accepted for old callers: snippets are made in Python
    by :func:`search`.
    """
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}", hint=f"use one of {', '.join(SORTS)}")
    node = parse(query) if isinstance(query, str) else query
    return ranked_sql(plan(node, common), filters or Filters(),
                      whole_word=whole_word, sort=sort, limit=limit, offset=offset, rows=True)


def ranked_ids(db: Database, query: str | Node, *, whole_word: bool = False,
               include_deleted: bool = False, sort: str = "relevance",
               limit: int | None = 20, offset: int = 0,
               **filters: Any) -> list[tuple[int, float, int]]:
    """(post id, score, tier) of the hits in rank order; ``limit=None`` for all of them."""
    _, p = _prepare(db, query, sort)
    chosen = _filters(include_deleted, filters)
    if limit is None:  # every hit: the one-statement ranking is as fast as any
        sql, params = ranked_sql(p, chosen, whole_word=whole_word, sort=sort, limit=None)
        return [tuple(row) for row in db.execute(sql, params)]
    pager = ranking.by_date if sort == "date" else ranking.page
    return pager(db, p, chosen, search_index.gone(db), whole_word=whole_word, limit=limit,
                 offset=offset)


def search(db: Database, query: str, *, whole_word: bool = False,
           include_deleted: bool = False, sort: str = "relevance", limit: int = 20,
           offset: int = 0, markers: tuple[str, str] = ("[", "]"),
           **filters: Any) -> list[Hit]:
    """Hits for ``query``, best first (or newest first with ``sort="date"``).

    ``filters``: site, label, any_label, author, since, until, lang, kind (see
    :class:`~archive.filters.Filters`). Deleted posts are left out unless
    ``include_deleted``; ``whole_word`` keeps only posts where the query is a whole word.
    """
    node = parse(query)
    ranked = ranked_ids(db, node, whole_word=whole_word, include_deleted=include_deleted,
                        sort=sort, limit=limit, offset=offset, **filters)
    return _hits(db, node, ranked, markers, sort)


def _rows(db: Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    cursor = db.execute("SELECT * FROM posts WHERE id IN (SELECT value FROM json_each(?))",
                        [json.dumps(ids)])
    names = [column[0] for column in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}


def _hits(db: Database, node: Node, ranked: list[tuple[int, float, int]],
          markers: tuple[str, str], sort: str) -> list[Hit]:
    rows = _rows(db, [post_pk for post_pk, _, _ in ranked])
    terms = [(term, snippets.term_pattern(term.text)) for term in positive_terms(node)]
    shown = {post_pk: _shown(row) for post_pk, row in rows.items()}
    latin = highlight_spans(db, node, [shown[post_pk] for post_pk, _, _ in ranked])
    hits = []
    for post_pk, score, tier in ranked:
        row = rows[post_pk]
        title_spans, text_spans = latin.get(post_pk, ([], []))
        title = snippets.Text(shown[post_pk]["title"])
        text = snippets.Text(shown[post_pk]["text"])
        for term, pattern in terms:
            if pattern is not None:
                title_spans = title_spans + title.find(pattern, term.prefix)
        hits.append(Hit(
            post_id=row["post_id"], blog_id=row["blog_id"], site=row["site"], url=row["url"],
            kind=row["kind"], title=row["title"] or "",
            title_highlight=snippets.mark(title.text, title_spans, markers),
            snippet=_snippet(text, [(t, p) for t, p in terms if not t.title], text_spans,
                             markers, whole=tier in (0, 1)),
            author=row["author"], labels=json.loads(row["labels"] or "[]"),
            lang=row["language"], published=row["published"], deleted_at=row["deleted_at"],
            whole_word=tier in (0, 1), in_title=tier in (0, 2),
            score=0.0 if sort == "date" else score,
        ))
    return hits


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """Title and text in their search form, which snippets and highlights are cut from: the
    form the index matched (so a match found is a match marked), and with no private-use
    character, so that a caller's private-use markers can only be the search's own."""
    return {"id": row["id"], "title": search_form(row["title"] or ""),
            "text": search_form(row["text"] or "")}


def _snippet(text: snippets.Text, terms: list, latin: list[snippets.Span],
             markers: tuple[str, str], whole: bool) -> str:
    """Around the first whole-word match (else the first match), with all matches marked.

    For a hit ranked as a whole-word use, the whole-word match is looked for further in.
    """
    reach = WHOLE_WORD_REACH if whole else 8
    found = sorted(latin[:8] + [span for term, pattern in terms if pattern is not None
                                for span in text.find(pattern, term.prefix, limit=reach)])
    # the first whole-word match: each check segments the words of a run, so stop there
    whole = next((span for span in found if span not in latin and text.whole_word(span)),
                 None)
    centre = whole or (found or [None])[0]
    window = text.window(centre)
    inside = [span for term, pattern in terms if pattern is not None
              for span in text.find(pattern, term.prefix, *window)]
    inside += [span for span in latin if span[0] < window[1] and span[1] > window[0]]
    return snippets.excerpt(text, window, inside, markers)
