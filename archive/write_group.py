"""Many small writes in one transaction: how a crawl stores its posts and captures.

Every commit costs SQLite its page writes and FTS5 a new index segment (later merged). A
crawl that gave each post and each capture its own transaction spent about half of its
storing time committing: on the 1,000-post sample blog, 1.73 ms a post stored alone
against 0.90 ms in groups of 20 (wall, one core, in-sample). A :class:`WriteGroup` runs
calls inside one open transaction until its owner commits.

A call that raises rolls back the whole group; the calls before it are run again (each is
a function of the archive and its arguments: it writes what it wrote), and the error is
raised: as if each call had had its own transaction. A savepoint per call would do the
same without running anything twice, but FTS5 flushes its pending index at every
savepoint, which is the cost the group is there to save. Nothing in a group is stored
until :meth:`commit` returns: its owner counts the group's work as stored only then.

An open group holds the archive's write lock. Another connection of this process that
wants it would wait for it in SQLite's busy wait, in the very thread that would commit the
group (several crawls of one ``goahead crawl --sites`` share the reactor's thread): so a
group that begins first asks the open group of the same file to commit, through its
owner's ``on_yield`` (the owner counts what it stored). Other processes wait as for any
transaction; a process waiting in ``BEGIN`` holds none, so none waits for another.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]

_OPEN: dict[str, WriteGroup] = {}  # per archive file, the group holding its write lock here


class WriteGroup:
    """``run(fn, ...)`` calls ``fn(db, ...)`` in the group's transaction (begun on the first
    call); :meth:`commit` ends it. ``db`` is an archive from
    :func:`~archive.connection.open_archive`, whose ``atomic()`` joins an open
    transaction."""

    def __init__(self, db: Database, on_yield: Callable[[], None] | None = None) -> None:
        self.db = db
        self.on_yield = on_yield or self.commit  # commits, when another group must begin
        self.calls: list[Call] = []
        self.file = next((row[2] for row in db.execute("PRAGMA database_list")
                          if row[1] == "main"), "") or f"memory:{id(self)}"

    def __len__(self) -> int:
        """How many calls wait for the commit."""
        return len(self.calls)

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self.db.conn.in_transaction:
            self._begin()
        try:
            result = fn(self.db, *args, **kwargs)
        except BaseException:
            self._undo_last()
            raise
        self.calls.append((fn, args, kwargs))
        return result

    def _begin(self) -> None:
        holder = _OPEN.get(self.file)
        if holder is not None and holder is not self and holder.db.conn.in_transaction:
            holder.on_yield()
        self.db.conn.execute("BEGIN IMMEDIATE")
        _OPEN[self.file] = self

    def _ended(self) -> None:
        if _OPEN.get(self.file) is self:
            del _OPEN[self.file]

    def _undo_last(self) -> None:
        """Roll back the group and run its earlier calls again (what the failed call wrote
        is gone; what they wrote is back, uncommitted). An error here is raised instead."""
        self.rollback(keep_calls=True)
        if not self.calls:
            return
        try:
            self._begin()
            for fn, args, kwargs in self.calls:
                fn(self.db, *args, **kwargs)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.rollback()
            raise

    def commit(self) -> int:
        """Commit the group; returns how many calls it stored. On an error nothing of the
        group is stored (it is rolled back) and the error is raised."""
        count = len(self.calls)
        if self.db.conn.in_transaction:
            try:
                self.db.conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # the COMMIT's error is the one to see
                    self.rollback()
                raise
        self.calls.clear()
        self._ended()
        return count

    def rollback(self, keep_calls: bool = False) -> None:
        """Drop the group: nothing of it is stored."""
        if not keep_calls:
            self.calls.clear()
        self._ended()
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")
