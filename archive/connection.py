"""Every connection to an archive is opened here: one opener for writers, one for readers.

- :func:`open_archive`: writable, creates the file if asked, applies migrations, WAL on,
  foreign keys on. For the crawl's pipeline, ``reindex`` and ``merge``.
- :func:`open_read_only`: SQLite's ``mode=ro`` (``immutable=1`` in a read-only folder);
  never creates, migrates or locks out the writer. For search, export, status, runs,
  serve, warc-get, wacz and the crawl's readers.

Both refuse, with a typed :class:`~archive.errors.ArchiveError` and a hint, a path that is
missing (when not creating), a directory or device, a file that is not SQLite, another
program's database, or an archive written by a newer goahead, without writing to it; and
one SQLite cannot use (damaged, read-only, locked: :class:`~archive.errors.ArchiveUnusable`).
``open_archive(path, check=True)`` proves, before a crawl makes any request (or a long
merge or reindex starts), that the archive can take its writes.

Several writers share one archive (two crawls, a crawl and ``merge``): every write
transaction begins ``IMMEDIATE`` (:class:`ArchiveDatabase`), so it waits for the write
lock up front, on the busy timeout. A plain ``BEGIN`` that reads and then writes cannot
wait in WAL mode: when another writer committed in between, SQLite answers ``database is
locked`` at once, and the write is lost.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.utils import dedupe_keys

from .errors import (
    ArchiveError,
    ArchiveNotFound,
    ArchiveReadOnly,
    NewerArchive,
    NotAnArchive,
    OutdatedArchive,
    explain_sqlite,
)
from .folding import register as register_folding
from .migrations import migrations

# Seconds a statement waits for another connection's lock before failing (a crawl's
# pipeline writes while `goahead merge` or `reindex` runs on the same archive); the
# environment variable GOAHEAD_BUSY_TIMEOUT changes it (docs/OPERATIONS.md).
BUSY_TIMEOUT = float(os.environ.get("GOAHEAD_BUSY_TIMEOUT") or 30.0)
MEMORY = ":memory:"


_READS = ("SELECT ", "SELECT\n", "VALUES ", "VALUES\n")  # WITH may lead to a write


class ArchiveDatabase(Database):
    """sqlite-utils' Database whose write transactions begin IMMEDIATE (see above), and
    that sets no savepoint inside a transaction.

    FTS5 writes its pending index to disk as a new segment at every savepoint. sqlite-utils
    sets one for each nested ``atomic()`` and for each ``query()``, so a crawl storing a post
    (site row, post row, search index: several of each) made several segments per post,
    each later merged: about 1.3 ms a post, more than the index's own inserts. Here a nested
    ``atomic()`` joins the transaction around it (an error anywhere rolls the whole of it
    back: no caller catches one inside a transaction and goes on), and ``query()`` of a
    read-only statement runs it as it is (the savepoint guards against statements that
    write, which such a statement cannot).
    """

    def __init__(self, conn: sqlite3.Connection, **kwargs: Any) -> None:
        register_folding(conn)  # labels and authors compare without case in any script
        super().__init__(conn, **kwargs)

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        if sql.lstrip()[:7].upper() not in _READS:
            return super().query(sql, params)
        cursor = self.execute(sql, params)  # run now, rows read lazily, as sqlite-utils does
        keys = dedupe_keys(column[0] for column in cursor.description)
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        if self.conn.in_transaction:  # nested: part of the transaction around it
            yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_archive(path: str | Path, create: bool = True, check: bool = False) -> Database:
    """Open (or create) a goahead archive for writing: migrations applied, WAL on.

    Raises NotAnArchive for a file that is not SQLite or is another program's database,
    without writing to it; ArchiveNotFound when ``create`` is false and it is missing;
    ArchiveDamaged, ArchiveReadOnly, ArchiveLocked or ArchiveFull when SQLite cannot use
    it. With ``check`` (a crawl before its first request; merge, reindex) it first proves
    that it can write (the write lock taken and given back, within the busy wait) and
    that the file is whole (``PRAGMA quick_check``: 0.3 s for 250 MB), before any work.
    """
    path = Path(path)
    memory = str(path) == MEMORY
    if not memory:
        if not path.exists() and not create:
            raise _not_found(path)
        _check_file(path, empty_ok=True)
        if check:
            _check_folder(path)
        path.parent.mkdir(parents=True, exist_ok=True)  # --db new/dir/archive.db just works
    db = ArchiveDatabase(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT))
    try:
        _check_schema(db, path)
        apply_migrations(db)
        _enable_wal(db)
        # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a commit survives a
        # killed process (tests/test_crash.py), and a power cut can lose only the last few,
        # as it can the WARC records written since their file's last fsync. FULL cost a crawl
        # an fsync per capture row: the largest single item in bench/crawl.py's profile.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        if check:
            _check_whole(db)
            _check_writable(db)
    except sqlite3.DatabaseError as err:
        db.close()
        raise unusable(err, path) from None
    return db


def _enable_wal(db: Database) -> None:
    """WAL on, waiting as long as any other lock. Switching a new file to WAL takes an
    exclusive lock, and SQLite answers "locked" at once, without its busy wait, when
    another connection opening the same new file holds a lock it is itself waiting to
    upgrade (4 processes creating one archive together: 3 times in 1,200 opens)."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def open_read_only(path: str | Path, *, allow_outdated: bool = False) -> Database:
    """Open an existing archive for reading only (SQLite ``mode=ro``).

    A read-only file works; so does a read-only folder (where SQLite cannot make the
    ``-shm`` file WAL needs): then the file is opened ``immutable=1``, unless its
    ``-wal`` holds changes not yet in it (ArchiveReadOnly, saying what to do).

    Raises OutdatedArchive when this goahead has migrations the archive lacks (reading
    it could fail half-way), unless ``allow_outdated``: a crawl's readers may open the
    archive before its pipeline has migrated it.
    """
    path = Path(path)
    if not path.exists():
        raise _not_found(path)
    _check_file(path, empty_ok=False)
    db = _connect_read_only(path)
    try:
        _check_schema(db, path, new_ok=False)
        pending = pending_migrations(db)
    except sqlite3.DatabaseError as err:  # a torn file whose first bytes look right
        db.close()
        raise _unreadable(err, path) from None
    if pending and not allow_outdated:
        db.close()
        raise OutdatedArchive(
            f"{path} predates this goahead ({', '.join(pending)} not applied)",
            hint="open it once for writing (archive.connection.upgrade; any goahead command"
                 " does it)",
        )
    return db


def read_only_uri(path: str | Path) -> str:
    """The SQLite URI a reader opens ``path`` with: ``mode=ro``, or ``immutable=1`` when
    ``mode=ro`` cannot open it (a read-only folder) and no ``-wal`` changes would be
    missed. Raises ArchiveReadOnly when neither can."""
    path = Path(path)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    probe = sqlite3.connect(uri, uri=True)
    try:
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return uri
    except sqlite3.OperationalError as err:
        if "readonly" not in str(err) and "unable to open" not in str(err):
            raise
    finally:
        probe.close()
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise ArchiveReadOnly(
            f"{path} cannot be read here: its folder is read-only and {wal.name} holds "
            "changes not yet written into it",
            hint="open it once where its folder is writable (any goahead command merges "
                 "the -wal file in), or copy the archive with its -wal file elsewhere")
    return f"{path.resolve().as_uri()}?immutable=1"


def _connect_read_only(path: Path) -> Database:
    try:
        uri = read_only_uri(path)
    except sqlite3.DatabaseError as err:
        raise _unreadable(err, path) from None
    return ArchiveDatabase(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT,
                                           check_same_thread=False))


def _unreadable(err: sqlite3.DatabaseError, path: Path) -> ArchiveError:
    return (explain_sqlite(err, path, waited=BUSY_TIMEOUT)
            or NotAnArchive(f"{path} cannot be read as an archive ({err})"))


def unusable(err: sqlite3.DatabaseError, path: str | Path) -> ArchiveError:
    """What SQLite raised on the archive at ``path``, typed (damaged, read-only, locked,
    full); anything else is re-raised as it is (a bug keeps its traceback)."""
    found = explain_sqlite(err, path, waited=BUSY_TIMEOUT)
    if found is None:
        raise err
    return found


def _check_whole(db: Database) -> None:
    problems = [" ".join(row[0].replace("*** in database main ***", "").split())
                for row in db.execute("PRAGMA quick_check(3)").fetchall()]
    if problems != ["ok"]:
        raise sqlite3.DatabaseError(f"database disk image is malformed: {'; '.join(problems)}")


def _check_writable(db: Database) -> None:
    """Take the write lock and give it back: read-only or locked shows now, not later."""
    db.execute("BEGIN IMMEDIATE")
    db.execute("ROLLBACK")


def _check_folder(path: Path) -> None:
    """A read-only folder: SQLite could not make the -wal and -shm files beside it."""
    folder = path.resolve().parent
    if folder.is_dir() and not os.access(folder, os.W_OK):
        raise ArchiveReadOnly(f"{path} cannot be written: its folder {folder} is read-only",
                              hint="make both writable, or work on a copy in a writable folder")


def archive_path(db: Database) -> Path | None:
    """The file an open archive lives in (None for an in-memory one)."""
    name = db.conn.execute("PRAGMA database_list").fetchone()[2]
    return Path(name) if name else None


def holds_rows(db: Database) -> bool:
    """True when the archive has any post or capture (a fresh one has neither)."""
    return any(db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
               for table in ("posts", "captures"))


def apply_migrations(db: Database) -> None:
    """Apply the pending migrations under the write lock, deciding what is pending once the
    lock is held: two crawls that create one archive at the same moment would otherwise
    both run its first migrations (the second failing on "table already exists")."""
    if not pending_migrations(db):
        return
    with db.atomic():  # BEGIN IMMEDIATE: every migration or none
        migrations.apply(db)


def pending_migrations(db: Database) -> list[str]:
    """Names of this goahead's migrations the archive does not have yet."""
    return [m.name for m in migrations.pending(db)]


def upgrade(path: str | Path) -> list[str]:
    """Apply pending migrations to the existing archive at ``path``; return their names."""
    reader = open_read_only(path, allow_outdated=True)
    try:
        pending = pending_migrations(reader)
    finally:
        reader.close()
    if pending:
        open_archive(path, create=False).close()
    return pending


def _not_found(path: Path) -> ArchiveNotFound:
    return ArchiveNotFound(f"no archive at {path}",
                           hint="crawl a blog into it first, or check the path")


def _check_file(path: Path, *, empty_ok: bool) -> None:
    if path.is_dir():
        raise NotAnArchive(f"{path} is a directory, not an archive file")
    if not path.exists():
        return
    if not path.is_file():
        raise NotAnArchive(f"{path} is not a regular file, so not an archive")
    if path.stat().st_size == 0:
        if empty_ok:
            return  # an empty file becomes a new archive
        raise NotAnArchive(f"{path} is empty, not an archive")
    if not _is_sqlite(path):
        raise NotAnArchive(f"{path} is not a goahead archive (not an SQLite database)")


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` starts with SQLite's header, asked of SQLite itself (read-only).

    Never with a file descriptor of our own: closing it would drop every POSIX lock this
    process holds on the file (close(2) releases all of a process's fcntl locks on it),
    including those of an open connection to the same archive (a second blog crawled in
    the same process, a test, a long-lived reader). Another process could then take the
    write lock under that connection, or check-point and delete the WAL it is reading:
    "database disk image is malformed". SQLite shares one descriptor per file within a
    process and keeps the locks."""
    probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        probe.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as err:
        # not readable here for another reason (locked, a read-only folder): the opener says
        return "not a database" not in str(err)
    finally:
        probe.close()
    return True


def _check_schema(db: Database, path: Path, *, new_ok: bool = True) -> None:
    """Refuse another program's database (tables but no goahead migrations; with
    ``new_ok`` false, also one with no tables at all) and an archive with newer migrations."""
    # the tables first: another process creating this archive commits its tables and their
    # migration records together, so one seen here means those records are seen next (read
    # the other way round, the records could be missed and the tables not)
    tables = set(db.table_names()) - {"_sqlite_migrations"}
    applied = {m.name for m in migrations.applied(db)}
    if not applied and (tables or not new_ok):
        db.close()
        raise NotAnArchive(f"{path} is an SQLite database, but not a goahead archive")
    unknown = applied - {m.name for m in migrations._migrations}
    if unknown:
        db.close()
        raise NewerArchive(
            f"{path} was written by a newer goahead ({', '.join(sorted(unknown))})",
            hint="upgrade goahead",
        )
