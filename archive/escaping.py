"""Archived text made inert where it is written for another program to interpret: Markdown
(the rule every Markdown writer calls for text it did not write as Markdown, a post's
title and text) and spreadsheet cells (the rule both CSV writers call).

A post's text is what its readers saw: where the blog escaped ``&lt;script&gt;``, the text
holds ``<script>``. Written raw into a ``.md`` file, that is live HTML in any renderer, and
``*``, ``_``, ``#``, ``1.`` or ``[x](y)`` in the text become emphasis, headings, lists and
links the blog never showed. :func:`markdown_text` makes ``&``, ``<`` and ``>`` character
references and backslash-escapes Markdown's punctuation, so the rendered page shows the
text as the blog did and runs nothing. Plain-text exports need no such rule: nothing renders
them.

A CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula to Excel, LibreOffice Calc and Google Sheets, even quoted: a blog (or anyone who
can post a comment or title) can make an export run ``=HYPERLINK(...)`` or
``=WEBSERVICE(...)`` on the researcher's machine when it is opened (CWE-1236, "CSV
injection"). :func:`spreadsheet_cell` puts a ``'`` before such a cell: the spreadsheet
then reads it as text. Both writers write rows the same way (:func:`csv_writer`): a cell
that holds a line break is quoted, or a spreadsheet would start a new row inside it, whose
next cell could begin with ``=``.

A terminal runs what a post's title or text holds as well: ESC starts sequences that clear
the screen, retitle the window or fill the clipboard (OSC 52), a backspace or a
right-to-left override makes a line read as it is not. :func:`terminal_text` writes each
such character as Python escapes it (``\x1b``), visible and inert. Pure, but for the CSV
writer it makes.

A URL is stored as it is fetched, percent-encoded: a Thai permalink reads
``/2024/03/%E0%B8%82...``. :func:`display_url` shows it as a person reads it, where a person
reads it (search hits, the post view, text exports, failures), keeping escaped whatever
would change how it reads; data (JSONL, CSV, front matter, links) keeps the URL itself.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import IO, Any, TypeVar

T = TypeVar("T")

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_CHARS = re.compile("[&<>]")
_INLINE = re.compile(r"([\\`*_\[\]|~])")  # code, emphasis, links, tables, strikethrough
_BLOCK_START = re.compile(r"^([ \t]*)([#+\-=])", re.MULTILINE)  # headings, lists, rules
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])", re.MULTILINE)  # "1. " / "1) " lists
# a heading's closing sequence ("อันดับ 1 #" would lose its "#")
_CLOSING_HASHES = re.compile(r"(?<=[ \t])#(?=#*[ \t]*$)", re.MULTILINE)


def markdown_text(text: str) -> str:
    """``text`` escaped for Markdown: rendered, it reads as ``text`` and is inert."""
    escaped = _INLINE.sub(r"\\\1", text)
    escaped = _HTML_CHARS.sub(lambda m: _HTML[m.group()], escaped)
    escaped = _BLOCK_START.sub(r"\1\\\2", escaped)
    escaped = _CLOSING_HASHES.sub(r"\\#", escaped)
    return _ORDERED.sub(r"\1\\\2", escaped)


# control characters (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


_TERMINAL_UNSAFE_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str, lines: bool = False) -> str:
    """``text`` for a terminal: every control or bidi-override character escaped; with
    ``lines``, tabs and line feeds kept (data of many lines: an export, JSON)."""
    unsafe = _TERMINAL_UNSAFE_IN_LINES if lines else _TERMINAL_UNSAFE
    return unsafe.sub(lambda m: ascii(m.group())[1:-1], text)


#: What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection)
FORMULA_STARTS = frozenset("=+-@\t\r")


#: The most digits a spreadsheet number keeps (IEEE doubles, shown to 15 digits): a
#: longer run of digits, such as Blogger's 19-digit blog and post ids, is rounded on import
SPREADSHEET_DIGITS_MAX = 15


def spreadsheet_cell(value: T) -> T | str:
    """``value`` as a CSV cell a spreadsheet shows as text, whole, and never runs: a
    string that begins with one of :data:`FORMULA_STARTS`, or that is a number of more
    digits than a spreadsheet keeps (an id would read 9.02173554816009E+018 and name no
    post), gets a leading ``'``; anything else (numbers, None, other text) is returned as
    it is."""
    if isinstance(value, str) and (value[:1] in FORMULA_STARTS or (
            len(value) > SPREADSHEET_DIGITS_MAX and value.isascii() and value.isdigit())):
        return "'" + value
    return value


#: The most characters a spreadsheet cell holds (Excel; LibreOffice Calc's is larger, but
#: files are shared): a longer cell is cut when the CSV is opened there.
SPREADSHEET_CELL_MAX = 32_767


def too_long_for_a_spreadsheet(row: Mapping[str, Any]) -> list[str]:
    """The columns of ``row`` whose text a spreadsheet would cut (:data:`SPREADSHEET_CELL_MAX`)."""
    return [name for name, value in row.items()
            if isinstance(value, str) and len(value) > SPREADSHEET_CELL_MAX]


def spreadsheet_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Each cell of a CSV row as :func:`spreadsheet_cell` writes it (both CSV writers)."""
    return {name: spreadsheet_cell(value) for name, value in row.items()}


def csv_writer(stream: IO[str], columns: Sequence[str]) -> csv.DictWriter[str]:
    """The CSV writer of both CSV commands: RFC 4180's CRLF between rows, so that Python's
    csv module quotes every cell that holds a CR or a LF. With ``\n`` between rows it
    leaves a cell with a bare CR unquoted (Python 3.11), and spreadsheets end the row
    there: ``News\r=2*21`` became a row whose first cell was a formula, and ran."""
    return csv.DictWriter(stream, fieldnames=list(columns), lineterminator="\r\n")


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# Characters never shown decoded: what would change how the URL reads or where it ends
# (controls, format characters such as bidi overrides, spaces, separators, unassigned).
_HIDDEN = ("C", "Z")
_MARKS_SHOWN = 3  # combining marks shown on one letter; more (a "zalgo" pile) stay escaped


def display_url(url: str) -> str:
    """``url`` as a person reads it (an IRI, RFC 3987 3.2): the percent-escaped UTF-8 of
    letters beyond ASCII shown as those letters (``/2024/03/ข่าว.html``, not ``%E0%B8%82...``),
    for output a researcher reads. ASCII escapes (``%20``, ``%2F``, ``%25``), bytes that
    are no UTF-8, invisible or spacing characters, a combining mark with no letter of
    its own to join and a pile of more than three on one letter stay escaped, so :func:`request_url` of what is shown is the stored
    URL again. The host is never decoded (``%D0%B0pple.com`` would read as apple.com).
    Stored, exported and linked URLs keep the fetched spelling: this is for display only."""
    if "%" not in url:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    cut = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest)) if sep else 0
    return scheme + sep + rest[:cut] + _ESCAPES.sub(_decoded, rest[cut:])


def _decoded(match: re.Match[str]) -> str:
    text = bytes.fromhex(match.group().replace("%", "")).decode("utf-8", "surrogateescape")
    shown: list[str] = []
    joins = False  # the character before was shown decoded: a mark after it joins it
    marks = 0  # marks shown on that letter: Thai stacks two (ที่), a pile hides the line
    for char in text:
        category = unicodedata.category(char)
        mark = category.startswith("M")
        marks = marks + 1 if mark else 0
        joins = (ord(char) > 127 and not 0xDC80 <= ord(char) <= 0xDCFF
                 and not category.startswith(_HIDDEN)
                 and (not mark or (joins and marks <= _MARKS_SHOWN)))
        shown.append(char if joins else
                     "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogateescape")))
    return "".join(shown)
