"""Typed errors raised by the archive library.

The library raises these and never prints or logs; the CLI turns each into one line
(``str(err)``) plus, when there is one, ``err.hint``.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class: something the user can fix (a path, a query, an option)."""

    exit_code = 1  # what the CLI exits with (see goahead_crawler/cli/hints.py)

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


class ExportError(ArchiveError):
    """An export target that cannot be used (a file where a directory is needed, ...)."""


class ArchiveUnusable(ArchiveError):
    """The archive cannot be used as it stands: read-only, locked past the wait, damaged or
    on a full disk. The CLI exits 2 (the command did nothing) before any request."""

    exit_code = 2


class ArchiveReadOnly(ArchiveUnusable):
    """The file, its folder or its file system does not let goahead write."""


class ArchiveLocked(ArchiveUnusable):
    """Another program held the archive's write lock for longer than the busy wait."""


class ArchiveCorrupt(ArchiveUnusable):
    """SQLite reports the file as damaged (``database disk image is malformed``)."""


class ArchiveFull(ArchiveUnusable):
    """The disk (or the file system) holding the archive is full."""
