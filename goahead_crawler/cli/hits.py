"""Search hits on stdout: JSON, newline-delimited JSON, CSV, or text for people.

Text is never wrapped when piped (``goahead search ผ้า | cat`` keeps each title on its
line, matches in ``[brackets]``); on a terminal, titles and snippets wrap to its width
with a hanging indent and matches are bold. Snippets are one line in every format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, fields, is_dataclass
from typing import Any

import click
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from archive import thai
from archive.escaping import (
    csv_writer,
    display_url,
    spreadsheet_row,
    terminal_text,
    too_long_for_a_spreadsheet,
)
from archive.export_render import deleted_mark
from archive.search import Hit
from goahead_crawler.cli.output import data_stdout

FORMATS = ("text", "json", "nl", "csv")
TITLE_INDENT, BODY_INDENT = 4, 2  # continuation lines of a title; url and snippet lines
MARKERS = ("\ue000", "\ue001")  # what text output asks search to mark matches with
_MARKED = re.compile(r"\ue000([^\ue001]*)\ue001")
_BRACKETED = re.compile(r"\[([^\]]*)\]")


def one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def row(hit: Any) -> dict[str, Any]:
    """A hit as a flat record; display fields (snippet, highlighted title) on one line."""
    values = asdict(hit) if is_dataclass(hit) else dict(hit)
    for name in ("snippet", "title_highlight"):
        if name in values:
            values[name] = one_line(values[name])
    return values


def print_hits(hits: Sequence[Any], fmt: str, console: Console, raw_csv: bool = False
               ) -> list[str]:
    """Print ``hits`` in ``fmt``; return the URLs of the hits with a CSV cell longer than
    a spreadsheet cell holds (csv only), for the command to warn of."""
    rows = [row(hit) for hit in hits]
    if fmt == "json":
        data_stdout().write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "nl":
        for values in rows:
            data_stdout().write(json.dumps(values, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        return _csv(rows, raw=raw_csv)
    elif not rows:
        click.echo("No matches.")
    elif console.is_terminal:
        for values in rows:
            _terminal(shown(values), console)
    else:
        for values in rows:
            click.echo(_plain(shown(values)))
    return []


def shown(values: dict[str, Any]) -> dict[str, Any]:
    """A hit's text on one line, with what a terminal would run escaped (a post's
    title or text can hold ESC sequences: :func:`archive.escaping.terminal_text`)."""
    return {name: terminal_text(one_line(value)) if isinstance(value, str) else value
            for name, value in values.items()}


def _csv(rows: list[dict[str, Any]], raw: bool = False) -> list[str]:
    """Hits as CSV: lists as JSON arrays, and (unless ``raw``) every cell a spreadsheet
    would run as a formula written as text, as ``goahead export`` does; returns the URLs
    of the hits with a cell a spreadsheet would cut, as export lists them."""
    writer = csv_writer(data_stdout(), list(rows[0]) if rows else [f.name for f in fields(Hit)])
    writer.writeheader()
    too_long = []
    for values in rows:
        cells = {name: json.dumps(value, ensure_ascii=False) if isinstance(value, list)
                 else value for name, value in values.items()}
        writer.writerow(cells if raw else spreadsheet_row(cells))
        if too_long_for_a_spreadsheet(cells):
            too_long.append(values["url"])
    return too_long


def _heading(values: dict[str, Any]) -> tuple[str, str]:
    """(title, what follows it: date, and the deletion mark)."""
    title = one_line(values.get("title")) or "(untitled)"
    tail = (values.get("published") or "")[:10]
    tail += " " + deleted_mark(values.get("deleted_at"))
    return title, tail.strip()


def _plain(values: dict[str, Any]) -> str:
    """One hit as plain lines, never wrapped: matches stay marked ``[like this]``."""
    title, tail = _heading(values)
    lines = [f"{title}  {tail}".rstrip(), f"  {display_url(values.get('url') or '')}"]
    if values.get("snippet"):
        lines.append("  " + values["snippet"].replace(MARKERS[0], "[").replace(MARKERS[1], "]"))
    return "\n".join(lines) + "\n"


def _marked(snippet: str) -> Text:
    """Matches in bold: marked with :data:`MARKERS`, or (hits made elsewhere) brackets."""
    text = Text()
    pattern = _MARKED if MARKERS[0] in snippet else _BRACKETED
    for i, part in enumerate(pattern.split(snippet)):
        text.append(part, style="bold yellow" if i % 2 else "")
    return text


def _units(plain: str) -> list[tuple[int, int]]:
    """Where a line may break: between words, Thai runs cut into dictionary words (Thai
    has no spaces, and a terminal that folds it by cells cuts words in two)."""
    units: list[tuple[int, int]] = []
    for match in re.finditer(r"\S+", plain):
        position = match.start()
        for is_thai, piece in thai.pieces(match.group()):
            words = thai.words(piece) if is_thai else [piece]
            for word in (words if "".join(words) == piece else [piece]):
                units.append((position, position + len(word)))
                position += len(word)
    return units


def breaks(plain: str, width: int) -> list[int]:
    """Offsets to cut ``plain`` at so that each line fits ``width`` cells (greedy; a word
    wider than a line gets a line of its own)."""
    cuts: list[int] = []
    line_start = 0
    for start, end in _units(plain):
        if start > line_start and cell_len(plain[line_start:end].rstrip()) > width:
            cuts.append(start)
            line_start = start
    return cuts


def _hanging(text: Text, console: Console, first: int, rest: int) -> None:
    """``text`` wrapped to the terminal between words, its first line indented ``first``
    columns and the others ``rest``."""
    width = max(20, console.width - max(first, rest))
    for number, line in enumerate(text.divide(breaks(text.plain, width))):
        line.rstrip()
        console.print(Text(" " * (first if number == 0 else rest)) + line, soft_wrap=True)


def _terminal(values: dict[str, Any], console: Console) -> None:
    title, tail = _heading(values)
    heading = Text(title, style="bold")
    if tail:
        heading.append("  " + tail, style="red" if values.get("deleted_at") else "dim")
    _hanging(heading, console, 0, TITLE_INDENT)
    console.print(Text(" " * BODY_INDENT + display_url(values.get("url") or ""), style="cyan"),
                  soft_wrap=True)
    if values.get("snippet"):
        _hanging(_marked(values["snippet"]), console, BODY_INDENT, BODY_INDENT)
    console.print()
