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
from bisect import bisect_right
from typing import Any

from sqlite_utils import Database

from . import snippets
from .folding import fold_matching, latin_form_mapped
from .migrations import FTS_TOKENIZE
from .query import Node, positive_terms, to_fts

TABLE = "goahead_highlight"
_OPEN, _CLOSE = "\x01", "\x02"
_MARKERS = re.compile(f"[{_OPEN}{_CLOSE}]")

Spans = list[snippets.Span]
Moves = list[tuple[int, int]]


# Thai letters and the two markers become spaces (one character for one: offsets hold).
_BLANK = str.maketrans(dict.fromkeys((*range(3585, 3643), *range(3648, 3663), ord(_OPEN), ord(_CLOSE)), " "))


def _blank(text: str | None) -> tuple[str, Moves]:
    """The text as the temporary table holds it, and where its offsets moved from the
    text's (:func:`archive.folding.latin_form_mapped`), as the index reads it."""
    return latin_form_mapped(fold_matching(text or "").translate(_BLANK))


def _spans(marked: str | None, moves: Moves) -> Spans:
    """Highlighted spans as offsets in the text: without the markers, and without what
    :func:`_blank` put in or took out (``moves``)."""
    spans, start = [], 0
    at = [position for position, _ in moves]

    def original(position: int) -> int:  # at a removal, before what was removed
        index = bisect_right(at, position) - 1
        shift = moves[index][1] if index >= 0 else 0
        if index >= 0 and at[index] == position:
            shift = max(shift, moves[index - 1][1] if index > 0 else 0)
        return position - shift

    for removed, match in enumerate(_MARKERS.finditer(marked or "")):
        position = match.start() - removed  # offsets in the copy without the markers
        if match.group() == _OPEN:
            start = original(position)
        else:
            spans.append((start, original(position)))
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
    copies = {row["id"]: (_blank(row["title"]), _blank(row["text"])) for row in rows}
    db.conn.executemany(f"INSERT INTO temp.{TABLE} (rowid, text, title) VALUES (?, ?, ?)",
                        [(post_pk, text[0], title[0])
                         for post_pk, (title, text) in copies.items()])
    expression = " OR ".join(f"({to_fts(term)})" for term in terms)
    found = db.execute(
        f"SELECT rowid, highlight({TABLE}, 1, ?, ?), highlight({TABLE}, 0, ?, ?)"
        f" FROM temp.{TABLE} WHERE {TABLE} MATCH ?",
        [_OPEN, _CLOSE, _OPEN, _CLOSE, expression]).fetchall()
    db.execute(f"DELETE FROM temp.{TABLE}")
    texts = {row["id"]: (row["title"] or "", row["text"] or "") for row in rows}
    return {post_pk: (_dotted(texts[post_pk][0], _spans(title, copies[post_pk][0][1])),
                      _dotted(texts[post_pk][1], _spans(text, copies[post_pk][1][1])))
            for post_pk, title, text in found}


# A match that ends an abbreviation written with full stops (U.S, e.g, a.m): its last
# full stop is part of it, though no token holds it.
_ABBREVIATION_END = re.compile(r"[^\W\d_]\.[^\W\d_]$")


def _dotted(text: str, spans: Spans) -> Spans:
    """``spans``, each ending an abbreviation (:data:`_ABBREVIATION_END`) taking the full
    stop after it: ``[U.S.]``, not ``[U.S].``."""
    return [(start, end + 1) if text[end:end + 1] == "." and _ABBREVIATION_END.search(
        text, max(start, end - 3), end) else (start, end) for start, end in spans]
