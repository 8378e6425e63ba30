"""Datasette's CSV downloads made safe to open in a spreadsheet, as ``goahead export`` is.

The web view keeps Datasette's "CSV" links (a table, a query, every row with ``_stream``),
and Datasette writes cells as they are: a post titled ``=WEBSERVICE(...)`` would run in
the researcher's spreadsheet. :class:`CsvGuard` rewrites the CSV as it streams, putting
``'`` before every cell that begins with one of
:data:`archive.escaping.FORMULA_STARTS` (the rule ``goahead export`` applies), inside the
quotes of a quoted cell. Every cell is text in Datasette's CSV, so a negative number gets
the mark too (a spreadsheet then shows it as text).

It reads bytes: the CSV's structure (``"``, ``,``, CR, LF) and the marks are ASCII, and
no byte of a multi-byte UTF-8 character is ASCII, so chunks may split characters. Pure:
state goes from one chunk to the next, nothing else.
"""

from __future__ import annotations

import re

from archive.escaping import FORMULA_STARTS

_STARTS = frozenset(ord(c) for c in FORMULA_STARTS)
_SPECIAL = re.compile(rb'[",\n]')
_QUOTE, _COMMA, _CR, _MARK = ord('"'), ord(","), ord("\r"), b"'"


class CsvGuard:
    """Feed it a CSV body chunk by chunk (:meth:`feed`); each call returns the guarded
    bytes of that chunk. The CSV is Python's ``csv.writer`` dialect, as Datasette's."""

    def __init__(self) -> None:
        self.quoted = False  # inside a quoted cell
        self.cell_start = True  # the next byte begins a cell
        self.after_open_quote = False  # the next byte is the first of a quoted cell's text

    def feed(self, chunk: bytes) -> bytes:
        out = bytearray()
        pos = 0
        while pos < len(chunk):
            if self.cell_start or self.after_open_quote:
                pos = self._cell_begins(chunk, pos, out)
                continue
            found = _SPECIAL.search(chunk, pos)
            end = len(chunk) if found is None else found.end()
            out += chunk[pos:end]
            pos = end
            if found is not None:
                self._passed(chunk[found.start()])
        return bytes(out)

    def _cell_begins(self, chunk: bytes, pos: int, out: bytearray) -> int:
        """At a cell's first byte (or a quoted cell's first byte of text): mark it if it
        starts a formula; returns where to go on."""
        first = chunk[pos]
        if self.cell_start and first == _QUOTE:  # a quoted cell: its text follows
            self.cell_start, self.quoted, self.after_open_quote = False, True, True
            out.append(first)
            return pos + 1
        if first in _STARTS and (self.after_open_quote or first != _CR):
            out += _MARK  # (an unquoted CR is the line's end: csv quotes a cell's own)
        self.cell_start = self.after_open_quote = False
        return pos  # the byte itself is copied (and read for structure) by feed

    def _passed(self, byte: int) -> None:
        """A structural byte was copied: a quote toggles (a doubled quote inside a quoted
        cell toggles twice), a comma or LF outside quotes ends a cell."""
        if byte == _QUOTE:
            self.quoted = not self.quoted
        elif not self.quoted:
            self.cell_start = byte in (_COMMA, ord("\n"))
