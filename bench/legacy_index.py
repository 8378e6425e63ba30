"""The search index goahead had before issue 11, kept here as the benchmark's baseline.

A copy of each post's title and text with Thai syllables separated by U+200B (pythainlp's
syllable dictionary run by nlpo3), under FTS5 ``unicode61`` + Porter through sqlite-utils'
triggers; queries are phrases of syllables, ranked by bm25 over every match with FTS5's
``snippet()``. This is the code of ``archive/segment.py`` and ``archive/search.py`` at
commit bae080a, reduced to what the benchmark runs. Not used by goahead itself.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sqlite_utils import Database

ZWSP = "\u200b"
TOKENIZE = "porter unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")
_WORD = re.compile(r'[^\s"()]+|"[^"]*"')


@lru_cache(maxsize=1)
def _syllables():
    import nlpo3
    import pythainlp

    path = Path(pythainlp.__file__).parent / "corpus" / "syllables_th.txt"
    nlpo3.load_dict(str(path), "legacy_syllables")
    return lambda run: nlpo3.segment(run, "legacy_syllables")


def segment(text: str) -> str:
    text = text.replace(ZWSP, "")
    engine = _syllables()
    return _THAI_RUN.sub(lambda m: ZWSP.join(s for s in engine(m.group()) if s), text)


def create(db: Database) -> None:
    """The posts columns the benchmark needs and the old search tables (migration m001)."""
    db["posts"].create({"id": int, "post_id": str, "title": str, "text": str,
                        "published_utc": str, "deleted_at": str}, pk="id")
    db["posts_search"].create({"id": int, "title": str, "text": str}, pk="id")
    db["posts_search"].enable_fts(["title", "text"], tokenize=TOKENIZE, create_triggers=True)


def add(db: Database, post_id: str, title: str, text: str, published_utc: str | None) -> None:
    """What ``store.upsert_post`` did for a new post: the row, then its segmented copy."""
    pk = db["posts"].insert({"post_id": post_id, "title": title, "text": text,
                             "published_utc": published_utc}).last_rowid
    db.execute("INSERT INTO posts_search (id, title, text) VALUES (?, ?, ?)",
               [pk, segment(title or ""), segment(text or "")])


def to_fts(query: str) -> str:
    """Words and phrases as phrases of syllables (the old query language, without checks)."""
    return " ".join('"' + segment(word.strip('"')).replace('"', '""') + '"'
                    for word in _WORD.findall(query))


COUNT = ("SELECT count(*) FROM posts_search_fts JOIN posts ON posts.id = posts_search_fts.rowid"
         " WHERE posts_search_fts MATCH :query AND posts.deleted_at IS NULL")
TOP = (
    "WITH hits AS (SELECT posts.id AS id, -bm25(posts_search_fts, 10.0, 1.0) AS score"
    " FROM posts_search_fts JOIN posts ON posts.id = posts_search_fts.rowid"
    " WHERE posts_search_fts MATCH :query AND posts.deleted_at IS NULL"
    " ORDER BY score DESC, posts.id LIMIT 20)"
    " SELECT posts.*, hits.score, snippet(posts_search_fts, 1, '[', ']', '…', 32)"
    " FROM hits JOIN posts ON posts.id = hits.id"
    " JOIN posts_search_fts ON posts_search_fts.rowid = hits.id"
    " WHERE posts_search_fts MATCH :query ORDER BY hits.score DESC, posts.id"
)


def count(db: Database, query: str) -> int:
    return db.execute(COUNT, {"query": to_fts(query)}).fetchone()[0]


def top20(db: Database, query: str) -> list[str]:
    return [row[1] for row in db.execute(TOP, {"query": to_fts(query)})]
