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
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from .errors import (
    ArchiveError,
    ArchiveNotFound,
    ArchiveReadOnly,
    NewerArchive,
    NotAnArchive,
    OutdatedArchive,
    explain_sqlite,
)
from .migrations import migrations

SQLITE_MAGIC = b"SQLite format 3\x00"
# Seconds a statement waits for another connection's lock before failing (a crawl's
# pipeline writes while `goahead merge` or `reindex` runs on the same archive).
BUSY_TIMEOUT = 30.0
MEMORY = ":memory:"


def open_archive(path: str | Path, create: bool = True, check: bool = False) -> Database:
    """Open (or create) a goahead archive for writing: migrations applied, WAL on.

    Raises NotAnArchive for a file that is not SQLite or is another program's database,
    without writing to it; ArchiveNotFound when ``create`` is false and it is missing;
    ArchiveDamaged, ArchiveReadOnly or ArchiveLocked when SQLite cannot use it. With
    ``check`` (a command about to do long work: reindex, merge) it first proves that it
    can write and that the file is whole (``PRAGMA quick_check``), before any work.
    """
    path = Path(path)
    memory = str(path) == MEMORY
    if not memory:
        if not path.exists() and not create:
            raise _not_found(path)
        _check_file(path, empty_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)  # --db new/dir/archive.db just works
    db = Database(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT))
    try:
        _check_schema(db, path)
        migrations.apply(db)
        db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        if check:
            _check_whole(db)
            _check_writable(db)
    except sqlite3.DatabaseError as err:
        db.close()
        raise unusable(err, path) from None
    return db


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
    return Database(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT,
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


def archive_path(db: Database) -> Path | None:
    """The file an open archive lives in (None for an in-memory one)."""
    name = db.conn.execute("PRAGMA database_list").fetchone()[2]
    return Path(name) if name else None


def holds_rows(db: Database) -> bool:
    """True when the archive has any post or capture (a fresh one has neither)."""
    return any(db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
               for table in ("posts", "captures"))


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
