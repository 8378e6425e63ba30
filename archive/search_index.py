"""Keeping the search index in step with the posts table, and (re)building it.

The two FTS5 tables are contentless: they hold the index, not a copy of the text. FTS5 can
drop a contentless row only when given the values it indexed, so a trigger keeps a post's
old title and text in ``search_stale`` when the post changes or goes; :func:`index_post`
(called by the store after every write) drops what was indexed and adds the new values.
Whether a post is in the index at all is read from FTS5's own ``_docsize`` table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context

from sqlite_utils import Database

from . import thai
from .errors import IndexNotReady
from .migrations import SEARCH_FTS, SEARCH_META, SEARCH_STALE, SEARCH_WORDS
from .search_sql import Gone
from .tokens import PostTokens, post_tokens
from .vocabulary import Vocabulary, cached, fingerprint, vocabulary

Progress = Callable[[int, int], None]  # (posts done, posts in all)
PARALLEL_FROM = 2_000  # posts: below this, starting worker processes costs more than it saves

_ADD = (f"INSERT INTO {SEARCH_FTS} (rowid, text, title) VALUES (?, ?, ?)",
        f"INSERT INTO {SEARCH_WORDS} (rowid, tokens) VALUES (?, ?)")
_DELETE = ((f"INSERT INTO {SEARCH_FTS} ({SEARCH_FTS}, rowid, text, title)"
            f" VALUES ('delete', ?, ?, ?)"),
           f"INSERT INTO {SEARCH_WORDS} ({SEARCH_WORDS}, rowid, tokens) VALUES ('delete', ?, ?)")


def _write(db: Database, post_pk: int, tokens: PostTokens, sql: tuple[str, str] = _ADD) -> None:
    db.execute(sql[0], [post_pk, tokens.text, tokens.title])
    db.execute(sql[1], [post_pk, tokens.words])


def _meta(db: Database, key: str) -> str:
    row = db.execute(f"SELECT value FROM {SEARCH_META} WHERE key = ?", [key]).fetchone()
    return row[0] if row else ""


def _stored_words(db: Database) -> str:
    return _meta(db, "vocabulary")


def common_words(db: Database) -> Vocabulary:
    """The vocabulary this archive's index was built with (see :class:`Vocabulary`); read
    once per process for each list (archives share it), found again by its SHA-1."""
    sha1 = _meta(db, "vocabulary_sha1")
    return cached(sha1) or vocabulary(_stored_words(db), sha1 or None)


def _tokens(db: Database, title: str | None, text: str | None) -> PostTokens:
    return post_tokens(title, text, common_words(db))


def _indexed(db: Database, post_pk: int) -> bool:
    row = db.execute(f"SELECT 1 FROM {SEARCH_FTS}_docsize WHERE id = ?", [post_pk]).fetchone()
    return row is not None


def _flush_stale(db: Database, keep: Iterable[int] = ()) -> None:
    """Drop what the index holds for changed or deleted posts (except ``keep``)."""
    if not _same_tokenizer(db):
        return
    skip = set(keep)
    for post_pk, title, text in db.execute(
            f"SELECT id, title, text FROM {SEARCH_STALE}").fetchall():
        if post_pk in skip:
            continue
        if _indexed(db, post_pk):
            _write(db, post_pk, _tokens(db, title, text), _DELETE)
        db.execute(f"DELETE FROM {SEARCH_STALE} WHERE id = ?", [post_pk])


def _same_tokenizer(db: Database) -> bool:
    """Whether posts are cut as when the index was built; if not, the index is marked for a
    rebuild (searches refuse until then) rather than handed tokens it never held."""
    if _meta(db, "tokenizer") == thai.fingerprint():
        return True
    db.execute(f"INSERT OR REPLACE INTO {SEARCH_META} VALUES ('rebuild_from', '0')")
    return False


def put(db: Database, post_pk: int, title: str | None, text: str | None,
        tokens: PostTokens | None = None) -> None:
    """Make the index hold exactly ``title`` and ``text`` (``tokens``) for ``post_pk``."""
    if not _same_tokenizer(db):
        return  # the rebuild indexes it
    stale = db.execute(f"SELECT title, text FROM {SEARCH_STALE} WHERE id = ?",
                       [post_pk]).fetchone()
    if _indexed(db, post_pk):
        current = tuple(db.execute("SELECT title, text FROM posts WHERE id = ?",
                                   [post_pk]).fetchone() or (None, None))
        _write(db, post_pk, _tokens(db, *(stale or current)), _DELETE)
        if tokens is not None and current != (title, text):  # changed since it was read
            title, text, tokens = *current, None
    if stale:
        db.execute(f"DELETE FROM {SEARCH_STALE} WHERE id = ?", [post_pk])
    _write(db, post_pk, tokens or _tokens(db, title, text))


def index_post(db: Database, post_pk: int, title: str | None, text: str | None,
               tokens: PostTokens | None = None) -> None:
    """Index (or re-index) one post (``tokens``: its :func:`tokens_with`, when computed
    elsewhere); also drops what deleted posts left in the index."""
    _flush_stale(db, keep=[post_pk])
    put(db, post_pk, title, text, tokens)


def vocabulary_of(db: Database) -> tuple[str, str]:
    """This archive's vocabulary as stored, with its SHA-1: what another process needs to
    cut posts exactly as this index does (:func:`tokens_with`)."""
    words = _stored_words(db)
    return words, _meta(db, "vocabulary_sha1") or fingerprint(words)


def tokens_with(words: str, sha1: str, title: str | None, text: str | None) -> PostTokens:
    """A post's index tokens under the vocabulary ``words`` (built once per process)."""
    return post_tokens(title, text, vocabulary(words, sha1))


def gone(db: Database) -> Gone:
    """What searches must leave out today (each check reads an index, not the posts)."""
    stale, deleted = db.execute(
        f"SELECT EXISTS (SELECT 1 FROM {SEARCH_STALE}),"
        " EXISTS (SELECT 1 FROM posts WHERE deleted_at IS NOT NULL)").fetchone()
    return Gone(bool(stale), bool(deleted))


def pending(db: Database) -> int | None:
    """The post id an unfinished (re)build has reached, or None when the index is whole.

    An index built under other tokenizer rules (:func:`thai.fingerprint`: a new goahead, a
    new pythainlp) is to be built again from the first post, although nothing has been
    written since: searching it would miss what the rules now index differently, so it is
    rebuilt (by the first command that can write the archive) before it is searched.
    """
    if _meta(db, "tokenizer") != thai.fingerprint():
        return 0
    row = db.execute(f"SELECT value FROM {SEARCH_META} WHERE key = 'rebuild_from'").fetchone()
    return None if row is None else int(row[0])


def check_ready(db: Database) -> None:
    """Raise :class:`IndexNotReady` unless every post is in the search index."""
    reached = pending(db)
    if reached is None:
        return
    left = db.execute("SELECT count(*) FROM posts WHERE id >= ?", [reached]).fetchone()[0]
    raise IndexNotReady(
        f"the search index of this archive is not built yet ({left:,} posts to index)",
        hint="any goahead command that can write the archive builds it first, e.g. goahead status --db FILE (from the posts table, no re-crawl); in Python: archive.search.rebuild(db)",
    )


Row = tuple[int, str | None, str | None]


def _tokens_of(rows: list[Row], words: str) -> list[PostTokens]:
    common = vocabulary(words)
    return [post_tokens(title, text, common) for _, title, text in rows]


def _batches(db: Database, start: int, size: int) -> Iterator[list[Row]]:
    while rows := db.execute("SELECT id, title, text FROM posts WHERE id >= ? ORDER BY id"
                             " LIMIT ?", [start, size]).fetchall():
        yield rows
        start = rows[-1][0] + 1


def _tokenized(batches: Iterator[list[Row]], words: str, workers: int
               ) -> Iterator[tuple[list[Row], list[PostTokens]]]:
    """Each batch with its tokens, segmented by ``workers`` processes (in order)."""
    if workers <= 1:
        for rows in batches:
            yield rows, _tokens_of(rows, words)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        ahead = list(islice(batches, workers * 2))
        futures = [(rows, pool.submit(_tokens_of, rows, words)) for rows in ahead]
        while futures:
            rows, future = futures.pop(0)
            for more in islice(batches, 1):
                futures.append((more, pool.submit(_tokens_of, more, words)))
            yield rows, future.result()


def _start(db: Database, resume: bool) -> int:
    """Where the build starts: where an interrupted one stopped, or (everything dropped) at
    the first post, always so when posts are no longer cut as the index holds them."""
    start = pending(db)
    if start is not None and resume and _meta(db, "tokenizer") == thai.fingerprint():
        return start
    with db.atomic():
        for table in (SEARCH_FTS, SEARCH_WORDS):
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
        db.execute(f"DELETE FROM {SEARCH_STALE}")
        db.execute(f"INSERT OR REPLACE INTO {SEARCH_META} VALUES ('rebuild_from', '0'),"
                   f" ('tokenizer', ?)", [thai.fingerprint()])
    return 0


def rebuild(db: Database, progress: Progress | None = None, *, batch: int = 200,
            resume: bool = True, workers: int | None = None) -> int:
    """Build the index from the posts table; returns how many posts were indexed.

    Commits every ``batch`` posts, so other writers are not held up for long and an
    interrupted build goes on where it stopped (unless ``resume`` is false: then it starts
    over). Segmenting runs in ``workers`` processes (default: one per CPU, for big archives).
    """
    start = _start(db, resume)
    total = db.execute("SELECT count(*) FROM posts").fetchone()[0]
    done = db.execute("SELECT count(*) FROM posts WHERE id < ?", [start]).fetchone()[0]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if total - done >= PARALLEL_FROM else 1
    for rows, tokens in _tokenized(_batches(db, start, batch), _stored_words(db), workers):
        with db.atomic():
            for (post_pk, title, text), post in zip(rows, tokens, strict=True):
                put(db, post_pk, title, text, post)
            db.execute(f"UPDATE {SEARCH_META} SET value = ? WHERE key = 'rebuild_from'",
                       [str(rows[-1][0] + 1)])
        done += len(rows)
        if progress:
            progress(done, total)
    with db.atomic():
        _flush_stale(db)
        for table in (SEARCH_FTS, SEARCH_WORDS):
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        db.execute(f"DELETE FROM {SEARCH_META} WHERE key = 'rebuild_from'")
    return done
