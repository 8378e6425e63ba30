"""The CLI: every command documented, user errors are one line with a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from goahead_crawler.cli import FAMILIES, cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"goahead {name}" in README, f"README does not show `goahead {name}`"


def test_crawl_help_and_readme_give_the_settings_defaults() -> None:
    """--delay and --concurrency have no default of their own (sites.toml may set them per
    blog): their help says the settings' values, and so does the README's option table."""
    from goahead_crawler import settings

    page = " ".join(CliRunner().invoke(cli, ["crawl", "--help"]).output.split())
    for option, value in (("--delay", settings.DOWNLOAD_DELAY),
                          ("--concurrency", settings.CONCURRENT_REQUESTS_PER_DOMAIN)):
        shown = page.split(f"{option} ", 1)[1].split(" --", 1)[0]
        assert f"[default: {value}]" in shown, shown
    assert f"default {settings.DOWNLOAD_DELAY})" in README
    assert f"(default {settings.CONCURRENT_REQUESTS_PER_DOMAIN})" in README


def test_crawl_help_reads_the_defaults_from_the_settings(monkeypatch) -> None:
    """The help's defaults are read from the settings module, not written by hand beside
    it: changed there, the help says the new value (it drifted from a hand-kept copy)."""
    from goahead_crawler import settings

    monkeypatch.setattr(settings, "DOWNLOAD_DELAY", 1.25)
    monkeypatch.setattr(settings, "CONCURRENT_REQUESTS_PER_DOMAIN", 3)
    page = " ".join(CliRunner().invoke(cli, ["crawl", "--help"]).output.split())
    assert "(AutoThrottle adapts above it); at most 3,600. [default: 1.25]" in page
    assert "Concurrent requests to the blog, 1 to 100. [default: 3]" in page


def test_the_group_knows_each_family_s_commands_before_importing_it() -> None:
    """The lazy group's table names every command of every family, and no other."""
    import importlib
    import pkgutil

    import goahead_crawler.cli as package

    declared = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"goahead_crawler.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            declared[command.name] = info.name
    assert declared == FAMILIES


def test_a_command_imports_only_its_family() -> None:
    """``goahead crawl`` does not pay for search and export's imports (nor they for it)."""
    code = ("import sys; from goahead_crawler.cli import cli; "
            "cli(['crawl', '--help'], standalone_mode=False); "
            "print(sorted(m for m in sys.modules if m.startswith('goahead_crawler.cli.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    loaded = result.stdout.strip().splitlines()[-1]
    assert "goahead_crawler.cli.crawl" in loaded
    for other in ("research", "replay", "ops", "serve"):
        assert f"goahead_crawler.cli.{other}'" not in loaded, loaded


def test_readme_quick_start_is_two_commands() -> None:
    assert "pip install -e . && goahead demo" in README
    assert "pip install -e '.[test]' && pytest" in README


def test_crawl_rejects_a_non_http_url() -> None:
    result = CliRunner().invoke(cli, ["crawl", "ftp://example.org/"])
    assert result.exit_code == 2
    assert "not an http(s) blog URL" in result.output


def test_crawl_without_url_says_how() -> None:
    result = CliRunner().invoke(cli, ["crawl"])
    assert result.exit_code == 2
    assert "goahead crawl https://" in result.output


def test_search_on_a_missing_archive_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: no archive at")


def test_search_on_a_file_that_is_not_an_archive_loses_nothing(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("my precious notes")
    result = CliRunner().invoke(cli, ["export", "--db", str(notes)])
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert notes.read_text() == "my precious notes"


def test_malformed_query_exits_2_without_traceback(tmp_path: Path) -> None:
    from archive.connection import open_archive

    db_path = tmp_path / "a.db"
    open_archive(db_path).close()
    for query in ['"unbalanced', "AND", "NOT"]:
        result = CliRunner().invoke(cli, ["search", query, "--db", str(db_path)])
        assert result.exit_code == 2, (query, result.output)
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_readme_library_example_runs(tmp_path: Path) -> None:
    from archive.connection import open_archive
    from archive.models import Post
    from archive.posts import upsert_post

    db = open_archive(tmp_path / "archive.db")
    upsert_post(db, Post(blog_id="1", post_id="2", url="https://x.blogspot.com/a.html",
                         site="x.blogspot.com", title="พัฒนาชุมชน", text="ชุมชนริมคลอง",
                         published="2024-01-02T10:00:00+07:00"))
    db.close()
    section = README.split("### Using the archive as a library", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == (  # นา inside พัฒนา: in the title, not a whole word
        "2024-01-02T10:00:00+07:00 พัฒ[นา]ชุมชน False https://x.blogspot.com/a.html\n"
        "   ชุมชนริมคลอง\n"
        "1 0\n")


def test_a_malformed_query_prints_the_hint_written_for_it(tmp_path: Path) -> None:
    from archive.connection import open_archive
    from archive.errors import QueryError
    from archive.query import parse

    with pytest.raises(QueryError) as error:
        parse('"x')
    open_archive(tmp_path / "a.db").close()
    for command in ("search", "export"):
        args = [command, '"x', "--db", str(tmp_path / "a.db")]
        if command == "export":
            args = ["export", "--query", '"x', "--db", str(tmp_path / "a.db")]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.output == f"Error: {error.value} ({error.value.hint})\n"


@pytest.mark.parametrize(("module", "args", "expected"), [
    ("cdxj_indexer", ["index"], "goahead index needs cdxj-indexer: pip install 'goahead[warc]'"),
    ("wacz", ["wacz", "--out", "x.wacz"], "goahead wacz needs wacz: pip install 'goahead[warc]'"),
    ("uvicorn", ["serve"], "goahead serve needs uvicorn: pip install 'goahead[serve]'"),
])
def test_a_missing_extra_is_one_line_with_the_pip_command(tmp_path: Path, module: str,
                                                         args: list[str], expected: str) -> None:
    from archive.connection import open_archive

    (tmp_path / "warcs").mkdir()
    (tmp_path / "warcs" / "a.warc.gz").write_bytes(b"")
    open_archive(tmp_path / "archive.db").close()
    code = (f"import sys; sys.modules[{module!r}] = None; from goahead_crawler.cli import cli; "
            "cli(prog_name='goahead')")
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            cwd=tmp_path, check=False,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1
    assert result.stderr == f"Error: {expected}\n"


def test_a_bug_keeps_its_traceback() -> None:
    from goahead_crawler.cli.hints import explain

    assert explain(KeyError("x"), "goahead search") is None
    assert explain(ImportError("no", name="numpy"), "goahead search") is None


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``goahead demo`` run once in a new folder, as a new user runs it first: the folder
    and what it printed. The tests that run it again do so in a copy of the folder."""
    from tests.conftest import run_goahead

    where = tmp_path_factory.mktemp("demo")
    return where, run_goahead("demo", cwd=where)


@pytest.mark.crawl
def test_the_demo_runs_offline_and_its_next_commands_are_whole_lines(first_demo) -> None:
    """The README's first command, as a new user runs it (piped: nothing folded)."""
    where, done = first_demo
    assert done.returncode == 0, done.stderr[-3000:]
    assert (where / "goahead-demo" / "archive.db").exists()
    commands = done.stdout.split("Next, try:\n", 1)[1].splitlines()
    assert [line.split()[1] for line in commands] == ["search", "export", "wacz"]
    assert commands[2].endswith("--out goahead-demo/demo.wacz   (open it in ReplayWeb.page)")
    # the README shows what it prints: every row of the summary, every server it names
    shown = README.split("$ goahead demo\n", 1)[1].split("```", 1)[0]
    rows = [line.split("│")[1].strip() for line in done.stdout.splitlines()
            if line.startswith("│")]
    assert rows
    assert [row for row in rows if f"│ {row} " not in shown] == []
    for line in done.stdout.splitlines():
        if line.startswith("Serving"):
            assert line.rsplit(" ", 1)[0] in shown, line


@pytest.mark.crawl
def test_the_demo_run_again_keeps_its_blogs_where_they_were(first_demo, tmp_path: Path
                                                           ) -> None:
    """A new user runs `goahead demo` twice. The archive keys a blog's site on its host and
    port, so a second run on new random ports left the first run's two sites behind with
    every post 'missing' in `goahead status` (4 sites, 21 missing). The demo asks for the
    ports it had; the second run is an incremental re-crawl of the same two blogs."""
    import json
    import shutil

    from tests.conftest import run_goahead

    where, first = first_demo
    assert first.returncode == 0, first.stderr[-3000:]
    shutil.copytree(where / "goahead-demo", tmp_path / "goahead-demo")
    again = run_goahead("demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    served = [line for line in first.stdout.splitlines() if line.startswith("Serving")]
    assert served == [line for line in again.stdout.splitlines() if line.startswith("Serving")]
    status = run_goahead("status", "--db", "goahead-demo/archive.db", "--json", cwd=tmp_path)
    sites = json.loads(status.stdout)["sites"]
    assert len(sites) == 2
    assert [site["missing"] for site in sites] == [0, 0]
    assert json.loads(status.stdout)["posts"] == 21


@pytest.mark.parametrize("posts", ["0", "-1"])
def test_demo_posts_below_one_is_a_usage_error_not_a_traceback(posts: str, tmp_path: Path
                                                              ) -> None:
    from tests.conftest import run_goahead

    done = run_goahead("demo", "--posts", posts, "--dir", str(tmp_path / "d"), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"Invalid value for '--posts': {posts} is not in the range 1<=x<=10000" in done.stderr
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["search", "x", "--json", "--nl"], "--json and --nl cannot be used together"),
    (["search", "x", "--csv", "--nl", "--json"], "--json, --nl and --csv cannot be used together"),
    (["warc-get", "http://a.blogspot.com/", "--raw", "--headers"],
     "--headers and --raw cannot be used together"),
    (["crawl", "http://a.blogspot.com/", "--sites", "sites.toml"],
     "the blog's URL (http://a.blogspot.com/) and --sites cannot be used together"),
])
def test_options_that_cannot_go_together_are_one_line_naming_them(args: list[str],
                                                                  message: str) -> None:
    """Not click's usage block above a line saying "choose one": one line, naming the
    options given, exit status 2, before any archive is opened."""
    result = CliRunner().invoke(cli, [*args, "--db", "no-such.db"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message} (give one of them)\n"


@pytest.mark.parametrize(("args", "message"), [
    (["search", "x", "--limit", "0"],
     "Invalid value for '--limit': 0 is not in the range 1<=x<=10000."),
    (["search", "x", "--db", "."], "Invalid value for '--db': File '.' is a directory."),
    (["search"], "Missing argument 'QUERY'. Usage: cli search [OPTIONS] QUERY"),
    (["export", "--limit", "5"], "No such option '--limit'. Did you mean '--site'?"),
    (["runs", "--limit", "-1"], "Invalid value for '--limit': -1 is not in the range 1<=x<=1000000000."),
    (["serch", "x"], "No such command 'serch'. "),  # then the commands it may mean
    (["nope"], "No such command 'nope'."),
    # --count counts every match: a page of it was ignored without a word
    (["search", "x", "--count", "--limit", "5"],
     "--count counts every match: --limit does not apply to it (leave it out, or leave out"),
    (["search", "x", "--offset", "20", "--count", "--sort", "relevance"],
     "--count counts every match: --sort and --offset do not apply to it (leave them out"),
    # before the command: click's usage block came first, then the error (exit 2)
    (["--bogus"], "No such option '--bogus'."),
    (["--bogus", "search", "x"], "No such option '--bogus'."),
    (["--db", "a.db", "search", "x"],
     "No such option '--db'. A command's options go after its name, as in: goahead search"),
])
def test_a_usage_error_is_one_line(args: list[str], message: str) -> None:
    """click's own usage errors (a bad value, a directory for a file, a missing argument, an
    unknown option or command) are one line, exit 2, as goahead's own are."""
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"Error: {message}")
    assert result.stderr.count("\n") == 1


def test_goahead_alone_shows_the_help() -> None:
    """No command: the help, commands listed (click's exit status 2: nothing was done)."""
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 2
    assert "Commands:" in result.output
    assert "crawl" in result.output


@pytest.mark.parametrize(("args", "option"), [
    (["search", "x", "--offset", str(2**64)], "--offset"),
    (["search", "x", "--offset", str(2**63 - 1)], "--offset"),
    (["runs", "--limit", str(2**64)], "--limit"),
    (["demo", "--posts", str(2**64)], "--posts"),
])
def test_a_huge_number_is_one_line_not_a_traceback(args: list[str], option: str,
                                                   tmp_path: Path) -> None:
    """Past SQLite's 64-bit integers an --offset or --limit was an OverflowError (or
    'datatype mismatch') traceback, and demo --posts a date before year 1: now each is
    bounded, one line, exit 2, before any archive is opened or any blog served."""
    from archive.connection import open_archive

    db = tmp_path / "archive.db"
    open_archive(db).close()
    dirs = ["--dir", str(tmp_path / "demo")] if args[0] == "demo" else ["--db", str(db)]
    result = CliRunner().invoke(cli, [*args, *dirs])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"Error: Invalid value for '{option}': ")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["warc-get", ""], "URL is empty (give the address of an archived page)"),
    (["warc-get", " "], "URL is empty (give the address of an archived page)"),
    (["runs", "--site", ""], "--site is empty (leave it out for every site)"),
    (["export", "--out", "{folder}"],
     ("--out {folder} is a directory, and jsonl is one file (give a file name, or --format md"
     " or txt for a file per post)")),
])
def test_an_empty_value_or_a_folder_for_a_file_is_bad_input(args: list[str], message: str,
                                                            tmp_path: Path) -> None:
    """``warc-get "$URL"`` with URL unset said "no capture of  in the archive" (exit 1), and
    ``runs --site "$SITE"`` listed every site's runs, as if it had not been given; an
    existing folder as export's --out was exit 1 where ``folder/`` was 2: each is bad
    input, one line, exit 2."""
    from archive.connection import open_archive

    db = tmp_path / "archive.db"
    open_archive(db).close()
    folder = tmp_path / "posts"
    folder.mkdir()
    args = [arg.format(folder=folder) for arg in args]
    result = CliRunner().invoke(cli, [*args, "--db", str(db)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message.format(folder=folder)}\n"


@pytest.mark.parametrize(("args", "message"), [
    (["serve", "--host", ""], "--host is empty (leave it out for 127.0.0.1, this machine only)"),
    (["serve", "--title", " "], "--title is empty (leave it out for the default title)"),
    (["index", "--warc-dir", ""], "--warc-dir is empty (leave it out for the default folder)"),
    (["reindex", "--warc-dir", ""], "--warc-dir is empty (leave it out for the default folder)"),
    (["demo", "--dir", ""], "--dir is empty (leave it out for ./goahead-demo)"),
    (["crawl", "http://127.0.0.1:9/", "--contact", ""],
     # leaving it out sends goahead's own page, not "none"
     ("--contact is empty (leave it out for goahead's own page,"
      " https://github.com/goahead-archive/goahead)")),
    (["export", "--query", ""], "nothing to search for in search '' (give a word or a phrase)"),
    # SQLite read "" as the folder ".": "'.' is a directory, not an archive file", exit 1
    (["search", "x", "--db", ""], "--db is empty (leave it out for archive.db)"),
    (["status", "--db", " "], "--db is empty (leave it out for archive.db)"),
    (["merge", "", "--into", "archive.db"], "SHARDS is empty (give the archive files to merge)"),
    (["merge", "archive.db", "--into", ""], "--into is empty (give the archive to merge into)"),
    # --sites "" was read as not given: the blog's URL asked for, or names from elsewhere
    (["crawl", "--sites", ""], "--sites is empty (leave it out and give the blog's URL)"),
    (["search", "x", "--site", "a", "--sites", ""],
     "--sites is empty (leave it out for sites.toml beside the archive)"),
    # read as not given: the latest capture, the file's own address
    (["warc-get", "http://a/", "--at", ""], "--at is empty (leave it out for the latest capture)"),
    (["extract", "archive.db", "--url", " "],
     "--url is empty (leave it out for the file's own address)"),
    # a blank URL was 'no host in 'https://''
    (["crawl", " "], ("the blog's URL is empty (give it, e.g. goahead crawl"
                     " https://NAME.blogspot.com/, or --sites sites.toml)")),
])
def test_an_empty_option_is_never_read_as_left_out(args: list[str], message: str,
                                                  tmp_path: Path) -> None:
    """``--host "$HOST"`` with HOST unset served the archive on every interface (``at
    http://:8001/``: public), ``--dir ""`` put the demo in the current folder, ``--warc-dir
    ""`` read the current folder, ``--query ""`` exported every post: each is one line,
    exit 2, and nothing is served, written or read. (A subprocess: served, it would not
    return.)"""
    from archive.connection import open_archive
    from tests.conftest import run_goahead

    open_archive(tmp_path / "archive.db").close()
    result = run_goahead(*args, cwd=tmp_path, timeout=60)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive.db"]


def test_extract_of_a_file_that_is_no_saved_page_is_one_line(tmp_path: Path) -> None:
    """``goahead extract`` of a WARC file or of the archive printed their bytes as a post's
    text, exit 0; now one line naming what the file is, exit 2. A page saved in UTF-16
    (NUL bytes, after its byte-order mark) is still a page."""
    import gzip

    from archive.connection import open_archive

    open_archive(tmp_path / "archive.db").close()
    (tmp_path / "x.warc.gz").write_bytes(gzip.compress(b"WARC/1.1\r\n"))
    for name, kind in (("archive.db", "an SQLite database"), ("x.warc.gz", "gzip data")):
        result = CliRunner().invoke(cli, ["extract", str(tmp_path / name)])
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.startswith(f"Error: {tmp_path / name} is not a saved web page:"
                                        f" {kind}")
        assert result.stderr.count("\n") == 1
    page = tmp_path / "saved.html"
    page.write_bytes(b"\xff\xfe" + "<html><h1>หัวข้อ</h1><p>ข้อความ</p></html>".encode("utf-16-le"))
    result = CliRunner().invoke(cli, ["extract", str(page)])
    assert result.exit_code == 0
    assert "ข้อความ" in result.stdout


@pytest.mark.parametrize("body", [b"", b"  \n", b"<html><body></body></html>"])
def test_extract_of_a_page_with_nothing_in_it_says_so(tmp_path: Path, body: bytes) -> None:
    """An empty file (a save that failed), or a page with no title and no text, printed
    blank lines and "via fallback", exit 0, as if that were the article: now one line
    saying no article was found, exit 1."""
    page = tmp_path / "saved.html"
    page.write_bytes(body)
    result = CliRunner().invoke(cli, ["extract", str(page)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: {page}: no article found (no title, text, image, post"
                             " id or date)\n")


# An untitled Blogger post of a photo alone (a photo blog's usual post): its record has a
# post id, a date and the image, and the crawl stores it
PHOTO_POST = b"""<html><head><meta charset="utf-8"><title></title></head><body>
<div class="blog-posts hfeed"><div class="post-outer"><div class="post hentry">
<meta content="7183947562016475920" itemprop="blogId"/>
<meta content="5098843621177039925" itemprop="postId"/>
<h3 class="post-title entry-title" itemprop="name"></h3>
<div class="post-body entry-content" id="post-body-5098843621177039925">
<div class="separator"><a href="https://blogger.googleusercontent.com/img/b/R29/AVv/s1600/a.jpg">
<img src="https://blogger.googleusercontent.com/img/b/R29/AVv/s640/a.jpg" width="640"/></a></div>
<div style="clear: both;"></div></div>
<div class="post-footer"><abbr class="published" itemprop="datePublished"
 title="2024-03-10T19:30:00+07:00">7:30 PM</abbr></div>
</div></div></div></body></html>"""


def test_extract_of_an_untitled_photo_post_prints_its_record(tmp_path: Path) -> None:
    """A post of a photo alone has no title and no text, and was said to be "no article
    found", exit 1, though the crawl stores it (its id, date and image): printed, exit 0."""
    page = tmp_path / "photo.html"
    page.write_bytes(PHOTO_POST)
    url = "https://photos.blogspot.com/2024/03/blog-post_10.html"
    result = CliRunner().invoke(cli, ["extract", str(page), "--url", url, "--json"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    record = json.loads(result.stdout)
    assert (record["post_id"], record["published"]) == ("5098843621177039925",
                                                        "2024-03-10T19:30:00+07:00")
    assert record["images"] == ["https://blogger.googleusercontent.com/img/b/R29/AVv/s640/a.jpg"]
    shown = CliRunner().invoke(cli, ["extract", str(page), "--url", url])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("(untitled)\n")
    assert "(no text; 1 image)" in shown.stdout
