"""goahead_crawler.web.csv_guard: Datasette's CSV, streamed, with formula cells as text."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.escaping import spreadsheet_cell
from goahead_crawler.web.csv_guard import CsvGuard

CELL = st.text(alphabet=st.sampled_from(list('=+-@\t\r\n",\'aก 5')), max_size=8)


def written(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)  # Datasette's writer: Python's default dialect
    return out.getvalue().encode()


@settings(deadline=None)  # a loaded machine's pause is not a failure
@given(st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=5),
       st.lists(st.integers(1, 9), min_size=1, max_size=40))
def test_any_csv_in_any_chunks_comes_out_as_export_writes_it(rows, sizes):
    body, guard, out, pos = written(rows), CsvGuard(), b"", 0
    for size in sizes * (len(body) // len(sizes) + 1):
        if pos >= len(body):
            break
        out += guard.feed(body[pos:pos + size])
        pos += size
    assert out == written([[spreadsheet_cell(cell) for cell in row] for row in rows])
    assert [[cell.removeprefix("'") for cell in row]
            for row in csv.reader(io.StringIO(out.decode(), newline=""))] == [
        [cell.removeprefix("'") for cell in row] for row in rows]


def test_a_thai_character_split_between_chunks_is_untouched():
    body = written([["ผ้า", "=1"]])
    guard = CsvGuard()
    out = b"".join(guard.feed(body[i:i + 1]) for i in range(len(body)))
    assert out.decode() == "ผ้า,'=1\r\n"
