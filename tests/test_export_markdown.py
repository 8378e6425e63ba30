"""Markdown export (issue 15): real Markdown from the clean HTML, round-tripped through a
CommonMark renderer on every sample-blog post; one file per post in a folder per site, or
one file; comments and earlier versions; names that stay inside the export folder."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from archive import export
from archive.connection import open_archive
from archive.export_files import MAX_SLUG_BYTES, Placer, site_folder, slugify
from archive.markdown import html_to_markdown
from archive.models import Post
from archive.posts import upsert_comments, upsert_post
from goahead_crawler.items import page_post
from tests.conftest import invoke_goahead

content = pytest.importorskip("sampleblog.content")
pages = pytest.importorskip("sampleblog.pages")
site = pytest.importorskip("sampleblog.site")

RENDER = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render
BASES = {"goahead": "http://127.0.0.1:8001", "contempo": "http://127.0.0.1:8002"}


def structure(fragment: str, captions: str = "") -> dict[str, list]:
    """What a reader must find again after the round trip: headings, list items, links,
    images, emphasis, table cells and quotes, by their text or address. Blogger's caption
    tables (an image row, a caption row) become an image and an italic caption."""
    root = lxml_html.fragment_fromstring(fragment or "<p></p>", create_parent="div")

    def texts(xpath: str) -> list[str]:
        return [" ".join(el.text_content().split()) for el in root.xpath(xpath)]
    return {
        "headings": [(el.tag, " ".join(el.text_content().split()))
                     for el in root.xpath("//h1|//h2|//h3|//h4|//h5|//h6")],
        "items": texts("//li"),
        "links": root.xpath("//a/@href"),
        "images": root.xpath("//img/@src"),
        "emphasis": texts("//b|//strong|//i|//em" + captions),
        "quotes": texts("//blockquote"),
        "cells": texts("//table[not(.//img)]//td|//table[not(.//img)]//th"),
    }


def rendered_structure(markdown: str) -> dict[str, list]:
    found = structure(RENDER(markdown))
    found["emphasis"] = [text for text in found["emphasis"] if text]
    return found


def source_structure(html: str) -> dict[str, list]:
    found = structure(html, captions="|//table[.//img]//td[not(.//img)]")
    found["emphasis"] = [text for text in found["emphasis"] if text]
    return found


@pytest.fixture(scope="module")
def sample_archive(tmp_path_factory) -> Path:
    """Both sample blogs, each post through the crawler's own page -> row path."""
    path = tmp_path_factory.mktemp("md") / "archive.db"
    db = open_archive(path)
    for name, base in BASES.items():
        blog = content.load_blog(name)
        for post in blog.posts:
            body = pages.post_page(site.BlogSite(blog), base, post, False).encode()
            article, row = page_post(base + post.path, body)
            upsert_post(db, row)
            upsert_comments(db, row.blog_id, row.post_id, article.comments)
    db.close()
    return path


def test_every_sample_post_round_trips_through_markdown(sample_archive, tmp_path):
    db = open_archive(sample_archive)
    posts = {post.url: post for post in export.iter_posts(db)}
    assert export.export(db, "md", tmp_path / "md") == len(posts) == 18
    files = sorted((tmp_path / "md").glob("*/*.md"))
    assert {f.parent.name for f in files} == {"127.0.0.1_8001", "127.0.0.1_8002"}
    seen = {"headings": 0, "items": 0, "links": 0, "images": 0, "emphasis": 0}
    for path in files:
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        post = posts[meta["url"]]
        assert (meta["post_id"], meta["site"], meta["labels"]) == (
            post.post_id, post.site, post.labels)
        assert "blog-post" not in path.name
        expected, got = source_structure(post.html), rendered_structure(body)
        got["headings"] = got["headings"][1:]  # the title, as # heading
        assert got == expected, path.name
        for key in seen:
            seen[key] += len(expected[key])
    assert all(seen.values()), seen  # the sample blogs have each of these


def test_tables_quotes_emphasis_and_nested_lists():
    html = ("<h2>หัวข้อ</h2><p>a <b>bold</b> and <i>italic</i> <s>gone</s></p>"
            "<blockquote><p>คำพูด</p></blockquote><table><tr><th>ปี</th><th>a|b</th></tr>"
            "<tr><td>2567</td><td>*x*</td></tr></table>"
            "<ol><li>one\n<ul><li>nested</li></ul></li><li>two</li></ol>")
    markdown = html_to_markdown(html)
    assert "| ปี | a\\|b |" in markdown
    assert "> คำพูด" in markdown
    assert rendered_structure(markdown) == source_structure(html)


@pytest.mark.parametrize(("html", "shown"), [
    ('<p><a href="javascript:alert(1)">click</a></p>', "<p>click</p>"),
    ('<p><img src="data:image/png;base64,AA" alt="pic"></p>', "<p>pic</p>"),
    ("<p>&lt;script&gt;alert(1)&lt;/script&gt; *not* [a](b)</p>",
     "<p>&lt;script&gt;alert(1)&lt;/script&gt; *not* [a](b)</p>"),
    ('<p><a href="https://x.test/a b)c&lt;d">l</a></p>',
     '<p><a href="https://x.test/a%20b)c%3Cd">l</a></p>'),
    ("<pre><code>a ``` b</code></pre>", "<pre><code>a ``` b\n</code></pre>"),
    ("<p>หนึ่ง<br>สอง</p><p><br></p><p><br><br></p>", "<p>หนึ่ง<br />\nสอง</p>"),  # spacers go
    ("<p>a\\<br></p>", "<p>a\\</p>"),
])
def test_what_is_not_markup_stays_inert(html, shown):
    assert RENDER(html_to_markdown(html)).strip() == shown


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&;#*_`[]()!|~\\-+=.1 abก\n")), max_size=40))
def test_any_text_in_a_paragraph_renders_as_itself(text):
    import html as html_lib

    source = f"<p>{html_lib.escape(text)}</p>"
    got = lxml_html.fragment_fromstring(RENDER(html_to_markdown(source)) or "<p></p>",
                                        create_parent="div").text_content()
    assert " ".join(got.split()) == " ".join(text.split())


_PIECE = st.sampled_from(["a", "`", "``", "|", "<img src=x onerror=alert(1)>", "<b>", " "])
_INLINE_CODE = st.lists(st.tuples(st.sampled_from(["code", "kbd", "samp", "tt", ""]),
                                  st.lists(_PIECE, min_size=1, max_size=4).map("".join)),
                        min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(_INLINE_CODE, st.booleans())
def test_code_spans_never_let_html_through(spans, in_table):
    """Code spans side by side ran their backticks together (``x```` ``<img ...>``):
    neither closed, and the text inside, kept as is in a span, became live HTML; a ``|``
    in a code span in a table cell did the same under GFM."""
    import html as html_lib

    inner = "".join(f"<{tag}>{html_lib.escape(text)}</{tag}>" if tag else html_lib.escape(text)
                    for tag, text in spans)
    source = (f"<table><tr><th>h</th></tr><tr><td>{inner}</td></tr></table>" if in_table
              else f"<p>{inner}</p>")
    rendered = RENDER(html_to_markdown(source))
    assert "<img" not in rendered
    assert "<b>" not in rendered


def test_one_md_file_and_format_from_the_name(sample_archive, tmp_path):
    result = invoke_goahead("export", "--db", str(sample_archive), "--out",
                            str(tmp_path / "one.md"), "--site", "http://127.0.0.1:8001/")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "one.md").read_text(encoding="utf-8")
    assert text.count("\n# ") + text.startswith("# ") == 12
    assert "## Comments" not in text
    assert (tmp_path / "one.md").is_file()


def test_comments_and_versions(sample_archive, tmp_path):
    import shutil

    shutil.copy(sample_archive, tmp_path / "copy.db")
    db = open_archive(tmp_path / "copy.db")
    commented = {row["post_id"] for row in db.query("SELECT post_id FROM comments")}
    post = next(p for p in export.iter_posts(db, site="127.0.0.1:8001")
                if p.post_id in commented)
    changed = Post(**{**post.__dict__, "title": "แก้ไข " + post.title,
                      "html": post.html + "<p>แก้ไขแล้ว</p>"})
    upsert_post(db, changed)
    out = io.StringIO()
    export.export(db, "jsonl", out, with_comments=True, with_versions=True,
                  site="127.0.0.1:8001")
    rows = {row["post_id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    row = rows[post.post_id]
    assert [version["title"] for version in row["versions"]] == [post.title]
    assert row["comments"]
    assert {"author", "published", "text"} <= set(row["comments"][0])
    assert sum(len(r["comments"]) for r in rows.values()) == 4
    export.export(db, "md", tmp_path / "md", with_comments=True, with_versions=True,
                  site="127.0.0.1:8001")
    (path,) = (tmp_path / "md" / "127.0.0.1_8001").glob("*-แก้ไข-*.md")
    body = path.read_text(encoding="utf-8")
    assert "\n## Comments\n" in body
    assert f"\n## Earlier versions\n\n### {post.updated}: {post.title}\n" in body
    db.close()


def test_csv_with_bom_reads_back_as_excel_does(sample_archive, tmp_path):
    import csv

    out = tmp_path / "posts.csv"
    result = invoke_goahead("export", "--db", str(sample_archive), "--out", str(out), "--bom")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:3] == b"\xef\xbb\xbf"
    with out.open(encoding="utf-8-sig", newline="") as stream:  # what Excel does with it
        rows = list(csv.DictReader(stream))
    assert next(iter(rows[0])) == "url"
    assert "html" not in rows[0]  # off by default in CSV
    assert any(row["title"].startswith("กลุ่มแม่บ้าน") for row in rows)
    picked = tmp_path / "picked.csv"
    invoke_goahead("export", "--db", str(sample_archive), "--out", str(picked),
                   "--columns", "post_id,title,html")
    with picked.open(encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream))
    assert header == ["post_id", "title", "html"]


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "jsonl", "--bom"], "Error: --bom is for csv, not jsonl\n"),
    (["--format", "md", "--raw-csv"], "Error: --raw-csv is for csv, not md\n"),
    (["--format", "txt", "--with-comments"],
     "Error: --with-comments and --with-versions are for jsonl and md, not txt\n"),
    (["--format", "csv", "--columns", "title,nope"], "Error: --columns: unknown column 'nope'"),
    *((["--format", "csv", "--columns", columns],  # "$COLUMNS" unset: not every column
      "Error: --columns is empty (leave it out for the default columns)\n")
      for columns in (",", "", " , ")),
    (["--format", "csv", "--site", "nowhere.blogspot.com"],
     "Error: no posts from site 'nowhere.blogspot.com'; sites in this archive: "),
    (["--format", "txt", "--out", ""],  # --out "$DIR" with DIR unset: not stdout
     "Error: --out is empty (leave it out to write to stdout)\n"),
])
def test_export_option_mistakes_are_one_line_exit_2(sample_archive, args, message):
    result = invoke_goahead("export", "--db", str(sample_archive), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert result.stdout == ""


# -- file names ---------------------------------------------------------------------------

@pytest.mark.parametrize(("site", "folder"), [
    ("con.blogspot.com", "_con.blogspot.com"),  # Windows: CON.anything is the console
    ("nul.example", "_nul.example"), ("COM1.example:8080", "_com1.example_8080"),
    ("console.blogspot.com", "console.blogspot.com"), ("news.blogspot.com", "news.blogspot.com"),
    ("con", "_con"), ("", "site"),
])
def test_site_folders_are_never_a_windows_device(site, folder):
    assert site_folder(site) == folder


def test_thai_titles_make_readable_names():
    assert slugify("ทอผ้าฝ้ายย้อมคราม สร้างรายได้ (OTOP)") == "ทอผ้าฝ้ายย้อมคราม-สร้างรายได้-otop"
    assert slugify("สภาองค์กรชุมชนตำบลแม่แฝกจัดเวทีรับฟังความคิดเห็นแผนพัฒนาตำบล") == (
        "สภาองค์กรชุมชนตำบลแม่แฝกจัดเวทีรับฟังความคิดเห็น")  # 150 bytes: cut between words
    long = slugify("ผ้าไหม " * 40)
    assert len(long.encode()) <= MAX_SLUG_BYTES
    assert long.endswith("ผ้าไหม")  # cut between words
    assert slugify("สวัสดี"[:-1] * 60)[-1] not in "ี"  # never a mark without its letter


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a.blogspot.com", "A.blogspot.com", "x:80",
                                           "x_80", "..", "", "127.0.0.1:8000", "con"]),
                          st.text(max_size=200), st.text(max_size=60),
                          st.none() | st.text(max_size=12)), max_size=12))
def test_paths_stay_inside_are_bounded_and_never_collide(posts):
    placer = Placer("md")
    paths = [(site_name, placer.path(Post(blog_id="1", post_id="1", site=site_name,
                                          url=url, title=title, published=published)))
             for site_name, title, url, published in posts]
    root = Path("/export").resolve()
    for _, relative in paths:
        assert (root / relative).resolve().is_relative_to(root)
        parts = relative.split("/")
        assert len(parts) == 2
        assert all(0 < len(part.encode()) <= 200 for part in parts)
        assert not any(ch in relative for ch in '\\:*?"<>|\0')
        assert parts[0].lower() not in ("con", "..", ".")
    assert len({relative.lower() for _, relative in paths}) == len(paths)
    folders: dict[str, str] = {}
    for site_name, relative in paths:  # one folder per site, never shared
        assert folders.setdefault(site_name, relative.split("/")[0]) == relative.split("/")[0]
    assert len(set(folders.values())) == len(folders)
