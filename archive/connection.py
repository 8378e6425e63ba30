"""Every connection to an archive is opened here: one opener for writers, one for readers.

- :func:`open_archive`: writable, creates the file if asked, applies migrations, WAL on,
  foreign keys on. For the crawl's pipeline, ``reindex`` and ``merge``.
- :func:`open_read_only`: SQLite's ``mode=ro``; never creates, migrates or locks out the
  writer. For search, export, status, runs, serve, warc-get, wacz and the crawl's readers.

Both refuse, with a typed :class:`~archive.errors.ArchiveError` and a hint, a path that is
missing (when not creating), a directory or device, a file that is not SQLite, another
program's database, or an archive written by a newer goahead, without writing to it.
:func:`check_writable` proves, before a crawl makes any request, that the archive can
take its writes (not read-only, not locked, not damaged); :func:`unusable` turns what
SQLite raises for those into the same typed errors.

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
from collections.abc import Generator
from pathlib import Path

from sqlite_utils import Database

from .errors import (
    ArchiveCorrupt,
    ArchiveError,
    ArchiveFull,
    ArchiveLocked,
    ArchiveNotFound,
    ArchiveReadOnly,
    NewerArchive,
    NotAnArchive,
    OutdatedArchive,
)
from .migrations import migrations

SQLITE_MAGIC = b"SQLite format 3\x00"
# Seconds a statement waits for another connection's lock before failing (a crawl's
# pipeline writes while `goahead merge` or `reindex` runs on the same archive); the
# environment variable GOAHEAD_BUSY_TIMEOUT changes it (docs/OPERATIONS.md).
BUSY_TIMEOUT = float(os.environ.get("GOAHEAD_BUSY_TIMEOUT") or 30.0)
MEMORY = ":memory:"


class ArchiveDatabase(Database):
    """sqlite-utils' Database whose write transactions begin IMMEDIATE (see above)."""

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoints
            with super().atomic() as db:
                yield db
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


def open_archive(path: str | Path, create: bool = True) -> Database:
    """Open (or create) a goahead archive for writing: migrations applied, WAL on.

    Raises NotAnArchive for a file that is not SQLite or is another program's database,
    without writing to it; ArchiveNotFound when ``create`` is false and it is missing.
    """
    path = Path(path)
    memory = str(path) == MEMORY
    if not memory:
        if not path.exists() and not create:
            raise _not_found(path)
        _check_file(path, empty_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)  # --db new/dir/archive.db just works
    try:
        db = ArchiveDatabase(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT))
        _check_schema(db, path)
        migrations.apply(db)
        db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as err:
        raise unusable(err, path) or err from None
    return db


def check_writable(path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
    """Raise a typed :class:`ArchiveError` unless the archive at ``path`` (created when
    missing) can take a crawl's writes: it opens, migrates, takes the write lock (waiting
    at most ``busy_timeout`` seconds for another writer) and passes SQLite's quick check.
    Nothing is written. A crawl calls this before its first request."""
    path = Path(path)
    _check_folder(path)
    db = open_archive(path)
    try:
        db.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.execute("ROLLBACK")
        problem = db.conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            problem = " ".join(problem.replace("*** in database main ***", "").split())
            raise ArchiveCorrupt(f"{path} is damaged ({problem})", hint=CORRUPT_HINT)
    except sqlite3.Error as err:
        raise unusable(err, path) or err from None
    finally:
        db.close()


CORRUPT_HINT = ("restore it from a backup, or rebuild it from the WARC files into a new"
                " file: goahead reindex --warc-dir WARCS --db NEW.db")


def unusable(err: sqlite3.Error, path: str | Path) -> ArchiveError | None:
    """The typed error for what SQLite raised on the archive at ``path`` (read-only,
    locked, damaged, full), or None for anything else (a bug: keep the traceback)."""
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err)
    if name.startswith("SQLITE_READONLY") or "readonly database" in text or (
            name.startswith("SQLITE_CANTOPEN") and not _writable(Path(path))):
        return ArchiveReadOnly(f"{path} is read-only ({text})",
                               hint="make the file and its folder writable, or use another --db")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return ArchiveLocked(
            f"{path} is locked by another program ({text}, after {BUSY_TIMEOUT:.0f} s)",
            hint="wait for it to finish (a crawl, merge or reindex), then run this again")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text:
        return ArchiveCorrupt(f"{path} is damaged ({text})", hint=CORRUPT_HINT)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return ArchiveFull(f"{path}: the disk is full ({text})",
                           hint="free some space, then run the crawl again")
    return None


def _writable(path: Path) -> bool:
    """Whether the file (or, when missing, its folder) and its folder can be written."""
    folder = path.resolve().parent
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _check_folder(path: Path) -> None:
    """A read-only folder: SQLite could not create the WAL files beside the archive."""
    folder = path.resolve().parent
    if folder.is_dir() and not os.access(folder, os.W_OK):
        raise ArchiveReadOnly(f"{path} is in a read-only folder ({folder})",
                              hint="make the folder writable, or use another --db")


def open_read_only(path: str | Path, *, allow_outdated: bool = False) -> Database:
    """Open an existing archive for reading only (SQLite ``mode=ro``).

    Raises OutdatedArchive when this goahead has migrations the archive lacks (reading
    it could fail half-way), unless ``allow_outdated``: a crawl's readers may open the
    archive before its pipeline has migrated it.
    """
    path = Path(path)
    if not path.exists():
        raise _not_found(path)
    _check_file(path, empty_ok=False)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    db = ArchiveDatabase(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT,
                                         check_same_thread=False))
    try:
        _check_schema(db, path, new_ok=False)
        pending = pending_migrations(db)
    except sqlite3.DatabaseError as err:  # a torn file whose first bytes look right
        db.close()
        raise NotAnArchive(f"{path} cannot be read as an archive ({err})") from None
    if pending and not allow_outdated:
        db.close()
        raise OutdatedArchive(
            f"{path} predates this goahead ({', '.join(pending)} not applied)",
            hint="open it once for writing (archive.connection.upgrade; any goahead command"
                 " does it)",
        )
    return db


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
    with path.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    if magic != SQLITE_MAGIC:
        raise NotAnArchive(f"{path} is not a goahead archive (not an SQLite database)")


def _check_schema(db: Database, path: Path, *, new_ok: bool = True) -> None:
    """Refuse another program's database (tables but no goahead migrations; with
    ``new_ok`` false, also one with no tables at all) and an archive with newer migrations."""
    applied = {m.name for m in migrations.applied(db)}
    if not applied and (set(db.table_names()) - {"_sqlite_migrations"} or not new_ok):
        db.close()
        raise NotAnArchive(f"{path} is an SQLite database, but not a goahead archive")
    unknown = applied - {m.name for m in migrations._migrations}
    if unknown:
        db.close()
        raise NewerArchive(
            f"{path} was written by a newer goahead ({', '.join(sorted(unknown))})",
            hint="upgrade goahead",
        )
