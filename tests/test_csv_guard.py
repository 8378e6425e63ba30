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


def fed_in_chunks(body: bytes, sizes: list[int]) -> bytes:
    """``body`` through a :class:`CsvGuard` in chunks of ``sizes`` (repeated), as a
    streamed answer reaches it, and its end."""
    guard, out, pos = CsvGuard(), b"", 0
    for size in sizes * (len(body) // len(sizes) + 1):
        if pos >= len(body):
            break
        out += guard.feed(body[pos:pos + size])
        pos += size
    return out + guard.close()


@settings(deadline=None)  # a loaded machine's pause is not a failure
@given(st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=5),
       st.lists(st.integers(1, 9), min_size=1, max_size=40))
def test_any_csv_in_any_chunks_comes_out_as_export_writes_it(rows, sizes):
    out = fed_in_chunks(written(rows), sizes)
    assert out == written([[spreadsheet_cell(cell) for cell in row] for row in rows])
    assert [[cell.removeprefix("'") for cell in row]
            for row in csv.reader(io.StringIO(out.decode(), newline=""))] == [
        [cell.removeprefix("'") for cell in row] for row in rows]


def test_a_thai_character_split_between_chunks_is_untouched():
    body = written([["ผ้า", "=1"]])
    guard = CsvGuard()
    out = b"".join(guard.feed(body[i:i + 1]) for i in range(len(body)))
    assert out.decode() == "ผ้า,'=1\r\n"


# cells that are long numbers, or nearly (a digit run with a letter, a dot, a quote after)
DIGITS_CELL = st.text(alphabet=st.sampled_from(list("0123456789" * 6 + 'a.,"\r\n=')),
                      max_size=22)


@settings(deadline=None)
@given(st.lists(st.lists(DIGITS_CELL, min_size=1, max_size=4), min_size=1, max_size=5),
       st.lists(st.integers(1, 9), min_size=1, max_size=40))
def test_a_long_number_is_marked_as_export_marks_it_in_any_chunks(rows, sizes):
    """Datasette's CSV of the posts table wrote the 19-digit post and blog ids bare, and
    a spreadsheet kept 15 of their digits (9.02173554816009E+018, an id naming no post);
    goahead export marks them. The guard writes every cell as export does."""
    assert fed_in_chunks(written(rows), sizes) == written([[spreadsheet_cell(cell) for cell in row] for row in rows])


def test_a_number_at_the_end_of_a_body_with_no_line_end_is_marked():
    guard = CsvGuard()
    assert guard.feed(b"post_id\r\n90217355481600") + guard.feed(b"93372") + guard.close() \
        == b"post_id\r\n'9021735548160093372"
