"""Where the terms without Thai (English, numbers) occur in a hit, found by SQLite itself.

Those terms are matched by FTS5's Porter stemmer (``farmers`` finds ``farmer``), which
Python does not have. So the page of hits is put in a temporary in-memory FTS5 table with
the index's tokenizer and ``highlight()`` marks the matches; their offsets come back as
spans. Thai runs are blanked in that copy (same length), so a Latin word glued to Thai is a
word of its own, as in the index; and folded as the index folds (Thai digits, full-width
forms, accents: :func:`archive.folding.match_form`), one character for one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from . import snippets
from .folding import fold_matching
from .migrations import FTS_TOKENIZE
from .query import Node, positive_terms, to_fts

TABLE = "goahead_highlight"
_OPEN, _CLOSE = "\x01", "\x02"
_MARKERS = re.compile(f"[{_OPEN}{_CLOSE}]")

Spans = list[snippets.Span]


# Thai letters and the two markers become spaces (one character for one: offsets hold).
_BLANK = str.maketrans(dict.fromkeys((*range(3585, 3643), *range(3648, 3663), ord(_OPEN), ord(_CLOSE)), " "))


def _blank(text: str | None) -> str:
    return fold_matching(text or "").translate(_BLANK)


def _spans(marked: str | None) -> Spans:
    spans, start = [], 0
    for removed, match in enumerate(_MARKERS.finditer(marked or "")):
        position = match.start() - removed  # offsets in the text without the markers
        if match.group() == _OPEN:
            start = position
        else:
            spans.append((start, position))
    return spans


def highlight_spans(db: Database, node: Node, rows: list[dict[str, Any]]
                    ) -> dict[int, tuple[Spans, Spans]]:
    """post id -> (title spans, text spans) of the query's terms that have no Thai."""
    terms = [term for term in positive_terms(node)
             if snippets.term_pattern(term.text) is None]
    if not terms or not rows:
        return {}
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{TABLE} USING fts5(text, title,"
               f" tokenize=\"{FTS_TOKENIZE}\")")
    db.execute(f"DELETE FROM temp.{TABLE}")
    db.conn.executemany(f"INSERT INTO temp.{TABLE} (rowid, text, title) VALUES (?, ?, ?)",
                        [(row["id"], _blank(row["text"]), _blank(row["title"]))
                         for row in rows])
    expression = " OR ".join(f"({to_fts(term)})" for term in terms)
    found = db.execute(
        f"SELECT rowid, highlight({TABLE}, 1, ?, ?), highlight({TABLE}, 0, ?, ?)"
        f" FROM temp.{TABLE} WHERE {TABLE} MATCH ?",
        [_OPEN, _CLOSE, _OPEN, _CLOSE, expression]).fetchall()
    db.execute(f"DELETE FROM temp.{TABLE}")
    return {post_pk: (_spans(title), _spans(text)) for post_pk, title, text in found}
