"""Datasette's CSV downloads made safe to open in a spreadsheet, as ``goahead export`` is.

The web view keeps Datasette's "CSV" links (a table, a query, every row with ``_stream``),
and Datasette writes cells as they are: a post titled ``=WEBSERVICE(...)`` would run in
the researcher's spreadsheet. :class:`CsvGuard` rewrites the CSV as it streams, putting
``'`` before every cell that begins with one of
:data:`archive.escaping.FORMULA_STARTS`, inside the quotes of a quoted cell, and before
every cell that is a number of more digits than a spreadsheet keeps (a post's 19-digit
``post_id``, ``blog_id``): the rule ``goahead export`` applies
(:func:`archive.escaping.spreadsheet_cell`). Every cell is text in Datasette's CSV, so a
negative number gets the mark too (a spreadsheet then shows it as text). Whether a cell is
all digits is known at its end: its digits are held until then (a cell of digits is
never quoted: csv quotes only a cell holding ``,``, ``"`` or a line break).

It reads bytes: the CSV's structure (``"``, ``,``, CR, LF) and the marks are ASCII, and
no byte of a multi-byte UTF-8 character is ASCII, so chunks may split characters. Pure:
state goes from one chunk to the next, nothing else.
"""

from __future__ import annotations

import re

from archive.escaping import FORMULA_STARTS, SPREADSHEET_DIGITS_MAX

_STARTS = frozenset(ord(c) for c in FORMULA_STARTS)
_SPECIAL = re.compile(rb'[",\n]')
_DIGITS = re.compile(rb"[0-9]*")
_CELL_ENDS = frozenset(b",\r\n")
_QUOTE, _COMMA, _CR, _MARK = ord('"'), ord(","), ord("\r"), b"'"


class CsvGuard:
    """Feed it a CSV body chunk by chunk (:meth:`feed`); each call returns the guarded
    bytes of that chunk. The CSV is Python's ``csv.writer`` dialect, as Datasette's."""

    def __init__(self) -> None:
        self.quoted = False  # inside a quoted cell
        self.cell_start = True  # the next byte begins a cell
        self.after_open_quote = False  # the next byte is the first of a quoted cell's text
        self.digits: bytearray | None = None  # an unquoted cell's digits, all of it so far

    def feed(self, chunk: bytes) -> bytes:
        out = bytearray()
        pos = 0
        while pos < len(chunk):
            if self.digits is not None:
                pos = self._digits_go_on(chunk, pos, out)
                continue
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
        elif self.cell_start and 0x30 <= first <= 0x39:
            self.digits = bytearray()  # a number, maybe: held until the cell ends
        self.cell_start = self.after_open_quote = False
        return pos  # the byte itself is copied (and read for structure) by feed

    def _digits_go_on(self, chunk: bytes, pos: int, out: bytearray) -> int:
        """In a cell that has been digits so far: hold the digits that follow; at the
        first other byte write them, marked if the cell ends there and they are more
        than a spreadsheet keeps. Returns where to go on (that byte: read by feed)."""
        assert self.digits is not None
        found = _DIGITS.match(chunk, pos)  # (it matches none too: always a match)
        end = found.end() if found else pos
        self.digits += chunk[pos:end]
        if end < len(chunk):
            self._release(out, whole=chunk[end] in _CELL_ENDS)
        return end

    def _release(self, out: bytearray, whole: bool) -> None:
        """Write the held digits; ``whole``: they are the whole cell."""
        assert self.digits is not None
        if whole and len(self.digits) > SPREADSHEET_DIGITS_MAX:
            out += _MARK
        out += self.digits
        self.digits = None

    def close(self) -> bytes:
        """The end of the body: the digits still held (a last cell with no line end)."""
        out = bytearray()
        if self.digits is not None:
            self._release(out, whole=True)
        return bytes(out)

    def _passed(self, byte: int) -> None:
        """A structural byte was copied: a quote toggles (a doubled quote inside a quoted
        cell toggles twice), a comma or LF outside quotes ends a cell."""
        if byte == _QUOTE:
            self.quoted = not self.quoted
        elif not self.quoted:
            self.cell_start = byte in (_COMMA, ord("\n"))
