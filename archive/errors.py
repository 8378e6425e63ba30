"""Typed errors raised by the archive library.

The library raises these and never prints or logs; the CLI turns each into one line
(``str(err)``) plus, when there is one, ``err.hint``. :func:`explain_sqlite` turns the
``sqlite3`` errors a user can do something about (a damaged, read-only, locked or full
archive) into :class:`ArchiveUnusable` ones, naming the file.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class: something the user can fix (a path, a query, an option)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class NotAnArchive(ArchiveError):
    """The file exists but is not a goahead archive (not SQLite, or someone else's DB)."""


class ArchiveNotFound(ArchiveError):
    """``open_archive(path, create=False)`` on a path that does not exist."""


class NewerArchive(ArchiveError):
    """The archive holds migrations this version of goahead does not know."""


class OutdatedArchive(ArchiveError):
    """A read-only open of an archive that lacks migrations this goahead has."""


class QueryError(ArchiveError):
    """A malformed full-text query (unbalanced quote, bare operator, nothing to search)."""


class IndexNotReady(ArchiveError):
    """The archive's search index has not been built since an upgrade (see search.rebuild)."""


class ExportError(ArchiveError):
    """An export target that cannot be used (a file where a directory is needed, ...)."""


class ArchiveUnusable(ArchiveError):
    """The archive file cannot be used as it stands: damaged, read-only, locked or on a
    full disk. A user's problem to solve (the CLI exits 2), never a traceback."""


class ArchiveDamaged(ArchiveUnusable):
    """SQLite says the file is malformed (a torn write, a bad disk, a truncated copy)."""


class ArchiveReadOnly(ArchiveUnusable):
    """The archive (or its folder) cannot be written, and the command must write."""


class ArchiveLocked(ArchiveUnusable):
    """Another connection held the archive past the bounded wait."""


class ArchiveFull(ArchiveUnusable):
    """The disk (or file system) holding the archive is full."""


def explain_sqlite(err: Exception, path: object, waited: float | None = None
                   ) -> ArchiveUnusable | None:
    """The typed error for an ``sqlite3`` error on the archive at ``path``, or None when
    it is not one of those (a bug, left to raise)."""
    text = str(err)
    lowered = text.lower()
    if "malformed" in lowered or "not a database" in lowered:
        return ArchiveDamaged(
            f"{path} is damaged ({text})",
            hint="restore it from a backup, or rebuild it from its WARC files into a new "
                 "file: goahead reindex --warc-dir WARCS --db NEW.db")
    if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        return ArchiveReadOnly(
            f"{path} cannot be written ({text}): the file or its folder is read-only",
            hint="make both writable, or work on a copy in a writable folder")
    if "locked" in lowered or "busy" in lowered:
        wait = f" up to {waited:g}s" if waited else ""  # SQLite may give up sooner
        return ArchiveLocked(
            f"{path} is locked by another program (waited{wait}; {text})",
            hint="wait for the other crawl, merge or reindex to finish, then run this again")
    if "disk is full" in lowered or "no space left" in lowered:
        return ArchiveFull(f"{path}: the disk is full ({text})",
                           hint="free some space, then run the crawl again")
    return None
