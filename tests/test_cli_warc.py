"""``goahead warc-get``, ``index`` and ``wacz`` on a sample blog crawled twice (CliRunner)."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from goahead_crawler.cli.replay import COMMANDS
from goahead_crawler.warc.reader import read_response
from tests.conftest import Crawls

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses


@click.group()
def goahead() -> None:
    """The commands under test, as the lead's ``cli`` group registers them."""


for command in COMMANDS:
    goahead.add_command(command)


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(goahead, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def crawled(goahead_crawled_twice: Crawls, tmp_path_factory) -> Crawls:
    return goahead_crawled_twice.copy_to(tmp_path_factory.mktemp("cli-warc"))


def where(crawled: Crawls) -> list[str]:
    return ["--db", str(crawled.db), "--warc-dir", str(crawled.warcs)]


def capture(crawled: Crawls, url: str, run: int) -> tuple[str, int, str, str]:
    (row,) = crawled.rows("select warc_file, warc_offset, fetched_at, record_type from captures"
                          " where url = ? and run_id = ?", (url, run))
    return row


def http_date(headers: str) -> datetime:
    line = next(x for x in headers.splitlines() if x.lower().startswith("date:"))
    return parsedate_to_datetime(line.split(":", 1)[1].strip())


def near(served: datetime, captured: str) -> bool:
    """The server's Date and the WARC-Date are taken a moment apart: allow two seconds."""
    return abs(served - datetime.fromisoformat(captured)) <= timedelta(
        seconds=2)


def test_warc_get_prints_the_body_the_server_sent_following_revisits(crawled) -> None:
    assert len(crawled.live) >= 10
    for url, served in crawled.live.items():
        assert capture(crawled, url, 2)[3] == "revisit"
        result = run("warc-get", url, *where(crawled))
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == served, url
        file, _, fetched, _ = capture(crawled, url, 1)
        assert f"body from {file} ({fetched})" in result.stderr


def test_raw_prints_the_stored_gzip_bytes(crawled) -> None:
    url = next(iter(crawled.live))
    file, offset, _, _ = capture(crawled, url, 1)
    result = run("warc-get", url, *where(crawled), "--raw")
    assert result.exit_code == 0
    assert result.stdout_bytes[:2] == b"\x1f\x8b"
    assert result.stdout_bytes == read_response(crawled.warcs, file, offset).payload
    assert gzip.decompress(result.stdout_bytes) == crawled.live[url]


def test_headers_of_the_latest_and_of_an_earlier_capture(crawled) -> None:
    url = next(iter(crawled.live))
    latest = run("warc-get", url, *where(crawled), "--headers")
    assert latest.exit_code == 0
    assert latest.stdout_bytes.startswith(b"HTTP/1.1 200 OK\r\nContent-Length: ")
    assert latest.stdout_bytes.endswith(b"\r\n\r\n")
    assert "Content-Type: text/html" in latest.stdout
    assert near(http_date(latest.stdout), capture(crawled, url, 2)[2])
    first_at = capture(crawled, url, 1)[2]
    earlier = run("warc-get", url, *where(crawled), "--headers", "--at", first_at)
    assert earlier.exit_code == 0
    assert near(http_date(earlier.stdout), first_at)
    # the runs are over a second apart, so the earlier capture's Date is strictly older
    assert http_date(earlier.stdout) < http_date(latest.stdout)
    assert "revisit" not in earlier.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--at", "2001"], 1, "no capture of {url} at or before 2001-12-31T23:59:59Z"),
        (["--at", "yesterday"], 2, "Invalid value for --at: cannot read 'yesterday' as a time"),
        (["--raw", "--headers"], 2, "--headers and --raw cannot be used together"),
    ],
)
def test_warc_get_refuses_with_one_line(crawled, args, code, message) -> None:
    url = next(iter(crawled.live))
    result = run("warc-get", url, *where(crawled), *args)
    assert result.exit_code == code
    assert message.format(url=url) in result.stderr
    assert [x for x in result.stderr.splitlines() if "rror" in x] == [
        x for x in result.stderr.splitlines() if x.startswith("Error: ")][:1]


def test_unknown_url_is_one_line(crawled) -> None:
    result = run("warc-get", crawled.url + "nowhere.html", *where(crawled))
    assert result.exit_code == 1
    assert result.stderr == f"Error: no capture of {crawled.url}nowhere.html in the archive\n"


def test_missing_warc_file_names_the_file_and_the_directory(crawled, tmp_path) -> None:
    url = next(iter(crawled.live))
    result = run("warc-get", url, "--db", crawled.db, "--warc-dir", tmp_path)
    assert result.exit_code == 1
    latest_file = capture(crawled, url, 2)[0]
    assert result.stderr == (f"Error: WARC file {latest_file} not found in {tmp_path.resolve()}"
                             " (pass --warc-dir)\n")


def test_missing_archive_is_one_line(tmp_path) -> None:
    result = run("warc-get", "http://x.blogspot.com/", "--db", tmp_path / "none.db")
    assert result.exit_code == 1
    assert "no archive at" in result.stderr


def all_records(paths: list[Path]) -> set[tuple[str, int, str]]:
    """(file, offset, type) of every response and revisit record, by scanning."""
    found = set()
    for path in paths:
        with path.open("rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type in ("response", "revisit"):
                    found.add((path.name, records.get_record_offset(), record.rec_type))
    return found


def test_index_lists_every_capture(crawled, tmp_path) -> None:
    result = run("index", "--warc-dir", crawled.warcs)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == sorted(lines)
    entries = {(e["filename"], int(e["offset"])) for e in
               (json.loads(line.split(" ", 2)[2]) for line in lines)}
    captured = {(f, o) for f, o in crawled.rows("select warc_file, warc_offset from captures")}
    scanned = {(f, o) for f, o, _ in all_records(crawled.warcs.glob("*.warc.gz"))}
    assert captured == scanned
    assert captured <= entries
    out = tmp_path / "index.cdxj"
    to_file = run("index", "--warc-dir", crawled.warcs, "--out", out)
    assert to_file.exit_code == 0
    assert out.read_text().splitlines() == lines
    assert "indexed 2 WARC file(s)" in to_file.stderr


def test_index_skips_open_files_and_refuses_an_empty_directory(crawled, tmp_path) -> None:
    empty = run("index", "--warc-dir", tmp_path)
    assert empty.exit_code == 1
    assert f"no finished WARC files (*.warc.gz, *.warc) in {tmp_path}" in empty.stderr
    missing = run("index", "--warc-dir", tmp_path / "nope")
    assert missing.exit_code == 1
    assert "no WARC directory at" in missing.stderr
    one = crawled.runs[0][0]
    shutil.copy(one, tmp_path / one.name)
    (tmp_path / "crashed.warc.gz.open").write_bytes(b"\x1f\x8b")
    result = run("index", "--warc-dir", tmp_path)
    assert result.exit_code == 0
    assert "skipping 1 unfinished .open file(s)" in result.stderr
    assert {json.loads(x.split(" ", 2)[2])["filename"] for x in result.stdout.splitlines()} == {
        one.name}


def test_what_is_named_like_a_warc_file_and_is_none_is_said_and_skipped(crawled, tmp_path
                                                                       ) -> None:
    """A folder named ``x.warc.gz`` or a link to nothing in the WARC folder was a
    traceback (IsADirectoryError, FileNotFoundError) from reindex, wacz and index, or an
    empty index with exit status 0: now each is a warning naming it, the WARC files are
    read, and the exit status is 1."""
    from goahead_crawler.cli import cli

    one = crawled.runs[0][0]
    shutil.copy(one, tmp_path / one.name)
    (tmp_path / "a-folder.warc.gz").mkdir()
    (tmp_path / "gone.warc.gz").symlink_to(tmp_path / "nowhere.warc.gz")
    said = [f"warning: {tmp_path / 'a-folder.warc.gz'}: a folder, not a WARC file; skipped",
            (f"warning: {tmp_path / 'gone.warc.gz'}: a link to nothing, not a WARC file;"
            " skipped")]
    index = run("index", "--warc-dir", tmp_path)
    assert index.exit_code == 1
    assert index.stderr.splitlines() == said
    assert {json.loads(x.split(" ", 2)[2])["filename"] for x in index.stdout.splitlines()} == {
        one.name}
    rebuilt = tmp_path / "rebuilt.db"
    reindex = CliRunner().invoke(cli, ["reindex", "--warc-dir", str(tmp_path), "--db",
                                       str(rebuilt)])
    assert reindex.exit_code == 1, reindex.output
    assert reindex.stderr.splitlines() == said
    assert reindex.stdout.startswith("1 WARC files, ")
    assert sqlite3.connect(rebuilt).execute("SELECT count(*) FROM posts").fetchone()[0] > 0


def test_plain_warc_files_are_read_by_every_command(crawled, tmp_path) -> None:
    """One rule for which files are the WARC files: reindex read a plain ``.warc`` someone
    added (another tool's) while index and wacz said there were none, so its captures were
    in the archive and missing from its index and WACZ."""
    from goahead_crawler.cli import cli

    warcs = tmp_path / "warcs"
    warcs.mkdir()
    for path in crawled.warcs.glob("*.warc.gz"):  # the same records, uncompressed
        plain = warcs / path.name.removesuffix(".gz")
        with gzip.open(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    db = tmp_path / "archive.db"
    reindex = CliRunner().invoke(cli, ["reindex", "--warc-dir", str(warcs), "--db", str(db)])
    assert reindex.exit_code == 0, reindex.output
    assert reindex.stdout.startswith("2 WARC files, ")
    files = {f for (f,) in sqlite3.connect(db).execute("select distinct warc_file"
                                                       " from captures")}
    assert files == {p.name for p in warcs.iterdir()}
    index = run("index", "--warc-dir", warcs)
    assert index.exit_code == 0, index.output
    assert {json.loads(x.split(" ", 2)[2])["filename"] for x in index.stdout.splitlines()} == \
        files
    wacz = run("wacz", "--db", db, "--warc-dir", warcs, "--out", tmp_path / "crawl.wacz")
    assert wacz.exit_code == 0, wacz.output
    assert wacz.stdout.startswith(f"wrote {tmp_path / 'crawl.wacz'}: 2 WARC file(s)")
    url, served = next(iter(crawled.live.items()))  # a revisit: read from two plain files
    got = run("warc-get", url, "--db", db, "--warc-dir", warcs)
    assert got.exit_code == 0, got.output
    assert got.stdout_bytes == served


def test_wacz_packages_every_warc_with_the_archived_pages(crawled, tmp_path) -> None:
    out = tmp_path / "crawl.wacz"
    result = run("wacz", *where(crawled), "--out", out)
    assert result.exit_code == 0, result.output
    pages_count = len(crawled.live) + 1  # the home page first: where a replay starts
    assert result.stdout.startswith(f"wrote {out}: 2 WARC file(s), {pages_count} pages")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        pages = [json.loads(x) for x in z.read("pages/pages.jsonl").splitlines()]
    assert {f"archive/{p.name}" for p in crawled.warcs.glob("*.warc.gz")} <= names
    assert pages[0]["format"] == "json-pages-1.0"
    (home,) = [p for p in pages[1:] if p["url"] == crawled.url]  # where a replay starts
    assert home["title"].endswith("home page")
    posts = [p for p in pages[1:] if p is not home]
    assert {p["url"] for p in posts} == set(crawled.live)
    rows = {url: (title, text) for url, title, text in crawled.rows(
        "select url, title, text from posts")}
    assert all((p["title"], p["text"]) == rows[p["url"]] for p in posts)  # full-text search
    assert all({"url", "ts", "title", "text"} <= set(p) for p in pages[1:])
    # in a subprocess: py-wacz's validator (frictionless) leaves files open
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(out)],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Validation succeeded" in check.stdout


def test_wacz_says_only_what_it_wrote(crawled, tmp_path) -> None:
    """py-wacz narrates each of its steps ("Reading and Indexing All WARCs", "Writing
    archives...": seven lines on stderr for every WACZ); the README shows one line, what
    was written, and that is what a user gets."""
    result = CliRunner().invoke(goahead, ["wacz", *where(crawled), "--out",
                                          str(tmp_path / "quiet.wacz")])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.startswith(f"wrote {tmp_path / 'quiet.wacz'}: 2 WARC file(s)")


def test_what_py_wacz_says_beyond_its_steps_is_passed_on() -> None:
    from goahead_crawler.warc.indexing import wacz_remarks

    said = ("Reading and Indexing All WARCs\nWriting archives...\n"
            "Invalid passed page. We were unable to find a match for x\n"
            "Generating datapackage.json\nWarning: Skipping invalid page {}\n")
    assert wacz_remarks(said) == [
        "py-wacz: Invalid passed page. We were unable to find a match for x",
        "py-wacz: Warning: Skipping invalid page {}"]


def test_py_wacz_s_line_for_each_unmatched_page_is_one_line() -> None:
    """py-wacz prints a line for each page it matched to no record: a big blog's damaged
    WARC file filled the terminal with thousands; the first is shown, and the count."""
    from goahead_crawler.warc.indexing import wacz_remarks

    said = "".join(f"Invalid passed page. We were unable to find a match for 2024/u{n}\n"
                   for n in range(5000)) + "Writing archives...\nWarning: other\n"
    assert wacz_remarks(said) == [
        ("py-wacz: Invalid passed page. We were unable to find a match for 2024/u0"
         " (and 4,999 more pages)"), "py-wacz: Warning: other"]


def test_wacz_refuses_pages_its_warc_files_lack(crawled, tmp_path) -> None:
    """The second crawl's records are revisits of the first's: without the first run's
    files its pages cannot replay, so no WACZ is written (exit 1, one line)."""
    partial = tmp_path / "warcs"
    partial.mkdir()
    for path in crawled.runs[1]:
        shutil.copy(path, partial / path.name)
    out = tmp_path / "partial.wacz"
    result = CliRunner().invoke(goahead, ["wacz", "--db", str(crawled.db), "--warc-dir",
                                          str(partial), "--out", str(out)])
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith("Error: ")
    assert f"pages are not in the WARC files of {partial}" in line
    assert crawled.runs[0][0].name in line  # where the first page's original is
    assert not out.exists()


def test_index_and_wacz_never_write_over_what_they_read(crawled, tmp_path) -> None:
    """--out naming the archive or a WARC file (the source of truth) replaced it with the
    index or the package: now one line and exit 2, the file untouched."""
    db = tmp_path / "archive.db"
    shutil.copy(crawled.db, db)
    warcs = tmp_path / "warcs"
    shutil.copytree(crawled.warcs, warcs)
    warc = min(warcs.glob("*.warc.gz"))
    kept = {path: path.read_bytes() for path in (db, warc)}
    for args, out in ((["index", "--warc-dir", warcs], warc),
                      (["wacz", "--db", db, "--warc-dir", warcs], warc),
                      (["wacz", "--db", db, "--warc-dir", warcs], db)):
        result = run(*args, "--out", out)
        assert (result.exit_code, result.stdout) == (2, ""), result.output
        assert result.stderr == (f"Error: --out {out} is a file this command reads "
                                 "(give another file name)\n")
    assert {path: path.read_bytes() for path in kept} == kept


def test_index_and_wacz_say_they_replaced_a_file(crawled, tmp_path) -> None:
    """As ``goahead export --out`` does: a file that was there is replaced, and said so."""
    cdxj, package = tmp_path / "index.cdxj", tmp_path / "crawl.wacz"
    for path in (cdxj, package):
        path.write_text("an earlier run's\n")
    index = run("index", "--warc-dir", crawled.warcs, "--out", cdxj)
    assert index.exit_code == 0, index.output
    assert index.stderr == (f"indexed 2 WARC file(s) into {cdxj} (it replaced the file "
                            "that was there)\n")
    packed = run("wacz", *where(crawled), "--out", package)
    assert packed.exit_code == 0, packed.output
    assert packed.stdout.startswith(f"wrote {package}: 2 WARC file(s), ")
    assert packed.stdout.endswith(" bytes (it replaced the file that was there)\n")
    assert zipfile.is_zipfile(package)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crawl.wacz", "index.cdxj"]


def test_a_stopped_index_leaves_the_earlier_one_as_it_was(crawled, tmp_path) -> None:
    """Ctrl-C while indexing (here: a WARC that never finishes reading, a FIFO) emptied
    the index that was there: it is written beside it and renamed once complete."""
    import os
    import signal
    import time

    warcs = tmp_path / "warcs"
    shutil.copytree(crawled.warcs, warcs)
    os.mkfifo(warcs / "zz-stuck.warc.gz")
    out = tmp_path / "index.cdxj"
    out.write_text("the earlier index\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    indexing = subprocess.Popen([sys.executable, "-m", "goahead_crawler", "index",
                                 "--warc-dir", str(warcs), "--out", str(out)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    part = tmp_path / ".index.cdxj.part"
    deadline = time.monotonic() + 60
    writer = None
    while writer is None:  # until the indexer has the FIFO open (reading, blocked)
        assert indexing.poll() is None, indexing.communicate()
        assert time.monotonic() < deadline, "the index never reached the FIFO"
        try:
            writer = os.open(warcs / "zz-stuck.warc.gz", os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            time.sleep(0.05)
    try:
        assert part.exists()
        indexing.send_signal(signal.SIGINT)
        _, stderr = indexing.communicate(timeout=60)
    finally:
        os.close(writer)
    assert indexing.returncode != 0, stderr
    assert out.read_text() == "the earlier index\n"
    assert not part.exists()


def test_a_failed_wacz_leaves_the_earlier_one_as_it_was(crawled, tmp_path) -> None:
    """A package py-wacz made but goahead refuses (a page its records do not hold) was
    removed, and with it the WACZ that was at --out before: now that one stays."""
    db = tmp_path / "archive.db"
    shutil.copy(crawled.db, db)
    with sqlite3.connect(db) as conn:  # one post's capture under a URL no record has
        conn.execute("update captures set url = url || '?moved' where id = (select c.id"
                     " from posts p join captures c on c.warc_file = p.warc_file"
                     " and c.warc_offset = p.warc_offset limit 1)")
    out = tmp_path / "crawl.wacz"
    out.write_bytes(b"the earlier package")
    result = run("wacz", "--db", db, "--warc-dir", crawled.warcs, "--out", out)
    assert result.exit_code == 1, result.output
    assert "pages matched a record in the WARC files; no WACZ written" in result.stderr
    assert out.read_bytes() == b"the earlier package"
    assert not list(tmp_path.glob(".crawl.wacz*"))  # nothing left beside it


def test_a_wacz_of_warc_files_that_are_not_warc_files_is_refused_in_one_line(crawled,
                                                                            tmp_path) -> None:
    """WARC files under the crawl's names that hold no WARC record (a copy gone wrong): py-wacz
    made a package with no pages/pages.jsonl, and reading it was a KeyError traceback; now
    each file is named in a warning, and no WACZ is written (none of its pages is in it)."""
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    for path in crawled.warcs.glob("*.warc.gz"):
        (warcs / path.name).write_bytes(b"not a WARC file\n")
    out = tmp_path / "crawl.wacz"
    result = CliRunner().invoke(goahead, [str(a) for a in ("wacz", "--db", crawled.db,
                                                           "--warc-dir", warcs, "--out", out)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1
    assert errors[0].endswith("pages matched a record in the WARC files; no WACZ written")
    assert errors[0].startswith("Error: only 0 of ")
    assert not out.exists()


def test_an_empty_out_is_one_line_not_stdout(crawled, tmp_path, monkeypatch) -> None:
    """``--out "$FILE"`` with FILE unset: not an index in a file named " ", nor a
    traceback."""
    monkeypatch.chdir(tmp_path)
    for args, message in ((["index", "--warc-dir", crawled.warcs],
                           "--out is empty (leave it out to write to stdout)"),
                          (["wacz", *where(crawled)],
                           "--out is empty (give the .wacz file to write)")):
        result = run(*args, "--out", " ")
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == f"Error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_an_out_in_a_missing_folder_is_one_line(crawled, tmp_path) -> None:
    """``--out`` in a folder that does not exist was a traceback naming the hidden file
    written beside it (``.x.cdxj.part``); now one line naming --out, and nothing made."""
    for args, out in ((["index", "--warc-dir", crawled.warcs], tmp_path / "no" / "x.cdxj"),
                      (["wacz", *where(crawled)], tmp_path / "no" / "x.wacz")):
        result = CliRunner().invoke(goahead, [str(a) for a in (*args, "--out", out)])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.stderr.splitlines()[-1] == (f"Error: cannot write {out}: No such file"
                                                  " or directory")
    assert list(tmp_path.iterdir()) == []


def test_a_crawl_or_reindex_that_would_look_in_another_warc_folder_than_the_archives_stops(
        crawled, tmp_path: Path) -> None:
    """The first crawl of data/a.db ran where ./warcs was (an older goahead's), and wrote
    there; from another folder the rule finds data/warcs, holding none of them: a crawl
    wrote there (the archive's files split in two folders), a reindex rebuilt data/a.db
    without them (here: "WARC folder does not exist" only while data/warcs was missing).
    Now one line, exit 2, naming the folder and one of the archive's files."""
    data, home, elsewhere = tmp_path / "data", tmp_path / "home", tmp_path / "elsewhere"
    for folder in (data, elsewhere):
        folder.mkdir()
    shutil.copytree(crawled.warcs, home / "warcs")
    shutil.copy(crawled.db, data / "a.db")
    (data / "warcs").mkdir()  # a later crawl from data/, or another archive there, made it
    named = {p.name for p in (home / "warcs").iterdir()}
    for args in (("crawl", "http://127.0.0.1:9/", "--no-progress"), ("reindex",)):
        done = subprocess.run([sys.executable, "-m", "goahead_crawler", *args, "--db",
                               str(data / "a.db")], capture_output=True, text=True,
                              cwd=elsewhere, check=False, timeout=120)
        assert done.returncode == 2, done.stderr[-2000:]
        assert done.stderr.startswith("Error: the WARC files of "), done.stderr[-2000:]
        assert f"not in {data / 'warcs'}" in done.stderr
        assert any(name in done.stderr for name in named)
        assert list((data / "warcs").iterdir()) == []
    # some of them there (the split already made): said, naming one missing
    first, *rest = sorted(named)
    for name in rest:
        shutil.copy(home / "warcs" / name, data / "warcs" / name)
    done = subprocess.run([sys.executable, "-m", "goahead_crawler", "reindex", "--db",
                           str(data / "a.db")], capture_output=True, text=True,
                          cwd=elsewhere, check=False, timeout=300)
    assert f"warning: 1 of the {len(named)} WARC files" in done.stderr, done.stderr[-2000:]
    assert first in done.stderr
    # --warc-dir given is the user's word: the rebuild reads it
    done = subprocess.run([sys.executable, "-m", "goahead_crawler", "reindex", "--db",
                           str(data / "a.db"), "--warc-dir", str(home / "warcs")],
                          capture_output=True, text=True, cwd=elsewhere, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_crawl_into_a_folder_with_odd_open_entries_says_so_and_ends_cleanly(
        sample_site, tmp_path) -> None:
    """A folder and a link to nothing named ``*.warc.gz.open`` in the WARC folder: the
    crawl logged a traceback at its start and ended in one at its summary (exit 1)."""
    from tests.conftest import run_goahead

    warcs = tmp_path / "warcs"
    warcs.mkdir()
    (warcs / "dir.warc.gz.open").mkdir()
    (warcs / "gone.warc.gz.open").symlink_to(tmp_path / "nowhere")
    result = run_goahead("crawl", sample_site.urls["goahead"], "--max-posts", "2",
                         "--no-images", "--db", str(tmp_path / "a.db"), "--warc-dir",
                         str(warcs), "--no-progress")
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARC files: 1 in " in result.stdout
    assert f"{warcs / 'gone.warc.gz.open'}: a link to nothing, not a WARC file" in result.stderr
