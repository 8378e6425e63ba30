"""Typed errors raised by the archive library.

The library raises these and never prints or logs; the CLI turns each into one line
(``str(err)``) plus, when there is one, ``err.hint``.
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
