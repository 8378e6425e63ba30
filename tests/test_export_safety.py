"""Exports that are safe to render and fail in one line (issue 13): text the blog escaped
stays text in Markdown, and a disk that will not take the file is an error, not a
traceback."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from archive import export
from archive.connection import open_archive
from archive.escaping import markdown_text
from archive.posts import upsert_post
from goahead_crawler.cli import cli
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
