"""``goahead search`` as a researcher uses it (issues 11 and 15): whole words, deleted
posts marked, errors in one line, JSON that carries what a hit is, output that is never
wrapped when piped and wraps with a hanging indent on a terminal."""

from __future__ import annotations

import csv
import io
import json
from itertools import accumulate
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from archive.connection import open_archive
from archive.models import Post
from archive.posts import delete_post, upsert_post
from archive.search import search as search_hits
from goahead_crawler.cli import hits as hit_output
from tests.conftest import invoke_goahead

LONG_TITLE = "ผ้าไหมลายน้ำไหล มรดกผ้าทอเมืองน่าน กลับมาคึกคักอีกครั้ง " * 3


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cli-search") / "archive.db"
    db = open_archive(path)
    rows = [
        ("1", LONG_TITLE.strip(), "ทอผ้า\nไหม ที่บ้าน\n\nหนองบัว ผ้า ดี", ["OTOP"]),
        ("2", "ตลาดนัด", "ขายผ้าไหมและผ้าฝ้าย", ["ตลาด"]),
        ("3", "ผ้าที่หายไป", "โพสต์นี้ถูกลบ ผ้า", ["OTOP"]),
    ]
    for post_id, title, text, labels in rows:
        upsert_post(db, Post(blog_id="1", post_id=post_id, site="127.0.0.1:8000",
                             url=f"http://127.0.0.1:8000/2024/01/{post_id}.html", title=title,
                             text=text, labels=labels, author="สมชาย", language="th",
                             published=f"2024-01-0{post_id}T10:00:00+07:00"))
    delete_post(db, "1", "3", at="2024-06-01T00:00:00Z")
    db.close()
    (path.parent / "sites.toml").write_text(
        '[[site]]\nname = "news"\nurl = "http://127.0.0.1:8000/"\n', encoding="utf-8")
    return str(path)


def search(db_path: str, *args: str):
    return invoke_goahead("search", *args, "--db", db_path)


def test_piped_text_keeps_titles_and_snippets_on_one_line(db_path):
    result = search(db_path, "ผ้า")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{LONG_TITLE.strip()}  2024-01-01"  # 150 characters, not wrapped
    assert lines[2].startswith("  ")
    assert "[ผ้า]" in lines[2]
    assert "ทอ[ผ้า] ไหม ที่บ้าน หนองบัว" in result.stdout  # line breaks in the text: spaces


def test_terminal_output_wraps_with_a_hanging_indent():
    console = Console(file=io.StringIO(), force_terminal=True, width=40, color_system=None)
    hit = {"title": LONG_TITLE.strip(), "published": "2024-01-01", "url": "http://x/1.html",
           "snippet": "คำ " * 40 + hit_output.MARKERS[0] + "ผ้า" + hit_output.MARKERS[1],
           "deleted_at": None}
    hit_output.print_hits([hit], "text", console)
    lines = console.file.getvalue().splitlines()
    assert all(cell_len(line) <= 40 for line in lines)  # Thai marks take no cell
    assert lines[0].startswith("ผ้าไหม")
    title_lines = lines[:lines.index("  http://x/1.html")]
    assert len(title_lines) > 1
    assert all(line.startswith("    ") for line in title_lines[1:])
    snippet = lines[lines.index("  http://x/1.html") + 1:-1]
    assert len(snippet) > 1
    assert all(line.startswith("  ") for line in snippet)
    assert "[" not in "".join(snippet)  # matches are bold on a terminal, not bracketed


def test_thai_wraps_between_words_on_a_terminal():
    from archive import thai

    run = "ผ้าลายน้ำไหลเป็นลายผ้าทอของชาวไทลื้อเมืองน่านที่เลียนแบบการไหลของสายน้ำ" * 3
    console = Console(file=io.StringIO(), force_terminal=True, width=40, color_system=None)
    hit_output.print_hits([{"title": "t", "url": "u", "snippet": run}], "text", console)
    lines = [line.strip() for line in console.file.getvalue().splitlines()[2:-1]]
    assert len(lines) > 3
    assert "".join(lines) == run
    word_ends = set(accumulate(len(word) for word in thai.words(run)))
    assert set(accumulate(len(line) for line in lines)) <= word_ends


def test_whole_word(db_path):
    assert search(db_path, "ผ้า", "--count").stdout == "2\n"
    assert search(db_path, "ผ้า", "--count", "--whole-word").stdout == "1\n"


def test_deleted_posts_are_left_out_unless_asked_and_then_marked(db_path):
    assert "ผ้าที่หายไป" not in search(db_path, "ผ้า").stdout
    shown = search(db_path, "ผ้า", "--include-deleted").stdout
    assert "ผ้าที่หายไป  2024-01-03 [deleted 2024-06-01]" in shown
    rows = json.loads(search(db_path, "ผ้า", "--include-deleted", "--json").stdout)
    assert {row["post_id"]: row["deleted_at"] for row in rows}["3"] == "2024-06-01T00:00:00Z"


def test_json_hits_carry_what_a_hit_is(db_path):
    rows = json.loads(search(db_path, "ผ้า", "--json").stdout)
    assert {"author", "labels", "lang", "deleted_at", "whole_word", "in_title", "snippet",
            "title_highlight"} <= set(rows[0])
    assert rows[0]["labels"] == ["OTOP"]
    assert rows[0]["lang"] == "th"
    assert all("\n" not in row["snippet"] for row in rows)
    lines = search(db_path, "ผ้า", "--nl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == rows
    table = list(csv.DictReader(io.StringIO(search(db_path, "ผ้า", "--csv").stdout)))
    assert [row["post_id"] for row in table] == [row["post_id"] for row in rows]
    assert all("\n" not in row["snippet"] for row in table)
    assert json.loads(table[0]["labels"]) == ["OTOP"]


def test_count_json_is_an_object(db_path):
    result = search(db_path, "ผ้า", "--count", "--json", "--label", "otop")
    assert json.loads(result.stdout) == {"query": "ผ้า", "count": 1, "whole_word": False,
                                         "filters": {"label": ["otop"]}}


@pytest.mark.parametrize("fmt", [[], ["--json"], ["--count"], ["--nl"]])
def test_a_malformed_query_is_one_line_with_its_hint_exit_2(db_path, fmt):
    result = search(db_path, "ผ้า OR", *fmt)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.endswith("(put a term on both sides, as in 'ผ้า OR ไหม')")


def test_site_by_url_or_sites_toml_name(db_path, tmp_path):
    for site in ("http://127.0.0.1:8000/", "127.0.0.1:8000", "news"):
        assert search(db_path, "ผ้า", "--count", "--site", site).stdout == "2\n", site
    other = tmp_path / "other.toml"
    other.write_text('[[site]]\nname = "mine"\nurl = "http://127.0.0.1:8000"\n')
    assert search(db_path, "ผ้า", "--count", "--site", "mine", "--sites",
                  str(other)).stdout == "2\n"


def test_a_broken_sites_toml_beside_the_archive_does_not_stop_a_search_by_host(tmp_path):
    """sites.toml beside the archive is read only for --site names: broken, it is said,
    and --site HOST still searches; a name then reads as a host (exit 2, after the
    warning). Given as --sites, it is an error (what the user asked for is unusable)."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    upsert_post(db, Post(blog_id="1", post_id="1", site="127.0.0.1:8000", title="ผ้า",
                         url="http://127.0.0.1:8000/2024/01/1.html", text="ผ้าไหม"))
    db.close()
    (tmp_path / "sites.toml").write_text("[[site]\nname = ", encoding="utf-8")
    found = search(str(path), "ผ้า", "--count", "--site", "127.0.0.1:8000")
    assert (found.returncode, found.stdout) == (0, "1\n")
    assert "sites.toml: not valid TOML" in found.stderr
    assert "--site names from it are not read" in found.stderr
    named = search(str(path), "ผ้า", "--count", "--site", "news")
    assert named.returncode == 2
    assert "not valid TOML" in named.stderr
    given = search(str(path), "ผ้า", "--count", "--site", "127.0.0.1:8000", "--sites",
                   str(tmp_path / "sites.toml"))
    assert given.returncode != 0
    assert "not valid TOML" in given.stderr


def test_an_unknown_site_or_label_says_so_exit_2(db_path):
    result = search(db_path, "ผ้า", "--site", "http://127.0.0.1:9/")
    assert result.returncode == 2
    assert result.stderr == ("Error: no posts from site '127.0.0.1:9'; "
                             "sites in this archive: 127.0.0.1:8000\n")
    result = search(db_path, "ผ้า", "--label", "otpo", "--count")
    assert result.returncode == 2
    assert "labels in this archive: OTOP" in result.stderr
    result = search(db_path, "ผ้า", "--since", "2030")
    assert (result.returncode, result.stdout) == (0, "No matches.\n")
    assert result.stderr.startswith("note: no posts published since 2030;")


@pytest.mark.parametrize("command", ["search", "export"])
@pytest.mark.parametrize(("filters", "message"), [
    (["--site", "http://127.0.0.1:8000/", "--site", "typo.example"],
     "Error: no posts from site 'typo.example'; sites in this archive: 127.0.0.1:8000\n"),
    (["--label", "OTOP", "--label", "otpo", "--any-label"],
     "Error: no posts labelled 'otpo'; labels in this archive: OTOP, ตลาด\n"),
])
def test_an_unknown_value_among_several_says_so_exit_2(db_path, command, filters, message):
    """Any of several sites or labels: a typo among them was dropped without a word, and
    the export held one blog where two were asked for."""
    args = ("search", "ผ้า") if command == "search" else ("export", "--format", "jsonl")
    result = invoke_goahead(*args, "--db", db_path, *filters)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_a_bad_date_is_one_line(db_path):
    result = search(db_path, "ผ้า", "--since", "2024-13")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: --since: not a date: '2024-13' (use 2024,")


@pytest.mark.parametrize("command", ["search", "export"])
@pytest.mark.parametrize("option", ["--site", "--label", "--author", "--lang", "--since",
                                    "--until"])
def test_an_empty_filter_value_is_one_line_exit_2(db_path, command, option):
    """``--site "$SITE"`` with SITE unset must not search or export every blog."""
    args = ("search", "ผ้า") if command == "search" else ("export", "--format", "jsonl")
    result = invoke_goahead(*args, "--db", db_path, option, " ")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"Error: {option} is empty (leave it out to select any)\n"


@pytest.mark.parametrize("command", ["search", "export"])
def test_an_option_that_only_qualifies_another_is_refused_alone(db_path, tmp_path, command):
    """--any-label without --label, and --sites without --site, were ignored without a
    word: the researcher believed the result was narrowed by them."""
    args = ("search", "ผ้า") if command == "search" else ("export", "--format", "jsonl")
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "a"\nurl = "http://a.blogspot.com/"\n',
                     encoding="utf-8")
    for option, needs in ((["--any-label"], "--label"), (["--sites", str(sites)], "--site")):
        result = invoke_goahead(*args, "--db", db_path, *option)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (f"Error: {option[0]} only qualifies {needs}, which is not"
                                 f" given (give {needs}, or leave it out)\n")


def test_output_formats_are_exclusive(db_path):
    assert search(db_path, "ผ้า", "--json", "--nl").returncode == 2


def test_an_empty_search_narrowed_by_filters_says_what_they_left_out(db_path):
    """As the web view does: how many posts match without the filters and --whole-word."""
    result = search(db_path, "ผ้าฝ้าย", "--label", "OTOP")  # only post 2 has it, labelled ตลาด
    assert (result.returncode, result.stdout) == (0, "No matches.\n")
    assert result.stderr == "note: 1 post matches 'ผ้าฝ้าย' without --label\n"
    result = search(db_path, "ผ้า", "--label", "OTOP", "--author", "สมชาย", "--count")
    assert (result.stdout, result.stderr) == ("1\n", "")  # something found: nothing to say
    result = search(db_path, "ไม่มีคำนี้", "--label", "OTOP", "--whole-word", "--count")
    assert (result.returncode, result.stdout) == (0, "0\n")
    assert result.stderr == ("note: no post matches 'ไม่มีคำนี้' without --label and"
                             " --whole-word either\n")


def test_no_matches(db_path: str) -> None:
    result = search(db_path, "ไม่มีคำนี้")
    assert (result.returncode, result.stdout, result.stderr) == (0, "No matches.\n", "")
    assert Path(db_path).exists()


HOSTILE_TITLE = "ข่าว \x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u202eevil\x08\x00"
SHOWN_TITLE = r"ข่าว \x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u202eevil\x08\x00"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cli-search-hostile") / "archive.db"
    db = open_archive(path)
    upsert_post(db, Post(blog_id="1", post_id="1", site="127.0.0.1:8000",
                         url="http://127.0.0.1:8000/2024/01/1.html", title=HOSTILE_TITLE,
                         text="ข่าว \x1b[31mred\x1b]0;title\x07", labels=["\x1b[5mblink"],
                         language="th", published="2024-01-01T10:00:00+07:00"))
    db.close()
    return str(path)


def _terminal_safe(text: str) -> None:
    assert not any(ch in text for ch in "\x00\x07\x08\x1b\u202e"), repr(text)


def test_escape_sequences_in_a_post_never_reach_the_terminal(hostile_db):
    """A title or text that would clear the screen, set the clipboard (OSC 52) or
    reverse the line is printed with those characters escaped, as Python writes them."""
    piped = search(hostile_db, "ข่าว")
    _terminal_safe(piped.stdout)
    assert piped.stdout.splitlines()[0] == f"{SHOWN_TITLE}  2024-01-01"
    assert r"\x1b[31mred\x1b]0;title\x07" in piped.stdout
    console = Console(file=io.StringIO(), force_terminal=True, width=200, color_system=None)
    with open_archive(hostile_db) as db:
        hits = search_hits(db, "ข่าว", markers=hit_output.MARKERS)
    hit_output.print_hits(hits, "text", console)
    _terminal_safe(console.file.getvalue())
    assert SHOWN_TITLE in console.file.getvalue()
    unknown = search(hostile_db, "ข่าว", "--label", "blink")  # the labels it does have
    assert unknown.returncode == 2
    _terminal_safe(unknown.stderr)
    assert json.loads(search(hostile_db, "ข่าว", "--json").stdout)[0]["title"] == HOSTILE_TITLE


def test_csv_of_no_hits_has_the_header_of_hits(db_path):
    """A script that reads the CSV finds the same columns whether or not anything matched."""
    header = search(db_path, "ผ้า", "--csv").stdout.splitlines()[0]
    assert search(db_path, "ไม่มีคำนี้", "--csv").stdout.splitlines() == [header]


def test_an_offset_past_the_last_hit_says_there_are_matches_before_it(db_path):
    """Paging past the end is not "No matches." when posts match."""
    result = search(db_path, "ผ้า", "--offset", "5")
    assert (result.returncode, result.stdout) == (
        0, "No more matches: 2 posts match, all before --offset 5.\n")
    assert json.loads(search(db_path, "ผ้า", "--offset", "5", "--json").stdout) == []
    assert search(db_path, "ไม่มีคำนี้", "--offset", "5").stdout == "No matches.\n"


def _on_a_terminal(*args: str) -> str:
    """What ``goahead ARGS`` writes when its stdout is a terminal (a pseudo-terminal)."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "goahead_crawler", *args], stdout=follower,
                          stderr=subprocess.DEVNULL) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command closed the terminal: all is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    os.close(leader)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8")


@pytest.mark.parametrize("args", [("export", "--format", "txt"), ("export", "--format", "csv"),
                                  ("export", "--format", "md"), ("search", "ข่าว", "--csv")])
def test_data_written_to_a_terminal_runs_nothing(hostile_db, args):
    """An export or search read on the terminal shows a post's ESC sequences escaped;
    piped or redirected, it is written as archived."""
    shown = _on_a_terminal(*args, "--db", hostile_db)
    _terminal_safe(shown)
    assert r"\x1b" in shown
    assert "52;c;cm0gLXJmIH4=" in shown
    assert "\x1b" in invoke_goahead(*args, "--db", hostile_db).stdout


def test_data_written_to_a_terminal_keeps_its_lines(hostile_db):
    """Escaped for a terminal, data still reads as it is: JSON parses, a text export keeps
    its line breaks and tabs (only what a terminal would run is escaped)."""
    shown = _on_a_terminal("search", "ข่าว", "--json", "--db", hostile_db)
    assert json.loads(shown)  # a terminal shows "\n" as "\r\n": JSON whitespace
    text = _on_a_terminal("export", "--format", "txt", "--db", hostile_db)
    assert r"\n" not in text
    assert len(text.splitlines()) > 3


def test_search_csv_says_when_a_cell_is_longer_than_a_spreadsheet_holds(tmp_path):
    """As ``goahead export --format csv`` says: Excel cuts a cell past 32,767 characters
    when it opens the file, without a word; search --csv named nothing."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    long_title = "ผ้าทอ " * 7000  # 42,000 characters
    for post_id, title in (("1", "ผ้าไหม"), ("2", long_title)):
        upsert_post(db, Post(blog_id="1", post_id=post_id, site="127.0.0.1:8000",
                             url=f"http://127.0.0.1:8000/2024/01/{post_id}.html",
                             title=title, text="ผ้า", published="2024-01-01T10:00:00+07:00"))
    db.close()
    result = search(str(path), "ผ้า", "--csv")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "warning: 1 post has a cell longer than a spreadsheet cell holds (32,767 characters),"
        " which Excel cuts when it opens the file; the CSV holds them whole, and --json is"
        " read whole everywhere. First: http://127.0.0.1:8000/2024/01/2.html\n")
    limit = csv.field_size_limit(10**6)
    try:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
    finally:
        csv.field_size_limit(limit)
    assert [r["title"] for r in rows if r["post_id"] == "2"] == [long_title]  # whole
    assert search(str(path), "ผ้า", "--json").stderr == ""  # JSON has no cell limit


@pytest.mark.parametrize(("query", "note"), [
    ("ทอผ้า or ตลาดนัด", "note: 'or' searched as a word; write OR in capitals for the operator"),
    ("ผ้าไหม and ผ้าฝ้าย", "note: 'and' searched as a word; write AND in capitals for the operator"),
    ("NEAR(ทอผ้า ไหม)", ("note: 'NEAR' searched as a word; NEAR is no operator here: put the"
                        ' words in a "phrase"')),
])
def test_an_operator_searched_as_a_word_is_pointed_out_when_nothing_matches(db_path, query,
                                                                             note):
    """'ผ้า or ไหม' searches for the word "or" as the syntax says, and finds nothing in a
    Thai blog: an empty answer says why rather than pass for "no post has these"."""
    meant = query.replace(" or ", " OR ").replace(" and ", " AND ").replace("NEAR(", "(")
    assert search(db_path, meant, "--count").stdout.strip() != "0"
    for result in (search(db_path, query), search(db_path, query, "--count"),
                   invoke_goahead("export", "--query", query, "--db", db_path)):
        assert result.returncode == 0
        assert note in result.stderr.splitlines()
    assert search(db_path, meant, "--count").stderr == ""
    assert search(db_path, '"or" ทอผ้า').stderr == ""  # quoted: the word is meant


def test_the_web_view_points_out_an_operator_searched_as_a_word(db_path):
    from goahead_crawler.web.search_view import SearchForm, run_search

    db = open_archive(db_path)
    empty = run_search(db, SearchForm(q="ทอผ้า or ตลาดนัด"), "archive")
    assert (empty.total, empty.note) == (0, ("'or' searched as a word; write OR in capitals"
                                            " for the operator"))
    assert empty.to_dict()["note"] == empty.note
    found = run_search(db, SearchForm(q="ทอผ้า OR ตลาดนัด"), "archive")
    assert found.total == 2
    assert found.note is None
    db.close()


def test_a_boost_or_fuzziness_suffix_is_pointed_out_when_nothing_matches(db_path):
    """'ทอผ้า^2' (a boost elsewhere) searches ทอผ้า next to the number 2: nothing, and the
    empty answer says why; 'ทอผ้า' finds the post."""
    assert search(db_path, "ทอผ้า", "--count").stdout.strip() == "1"
    for typed in ("ทอผ้า^2", "ทอผ้า~1"):
        result = search(db_path, typed, "--count")
        assert (result.returncode, result.stdout.strip()) == (0, "0")
        assert result.stderr == (f"note: {typed!r}: ^ and ~ mean nothing here, the number"
                                 " after them is searched as part of the term; write ทอผ้า\n")
    assert search(db_path, "10^6", "--count").stderr == ""  # a number: meant as written


def test_a_search_that_starts_with_a_minus_says_how_to_type_it(db_path):
    """The web view's form takes '-ตลาด ผ้า'; on the command line click reads it as an
    option. The error says how to type it, and the way it says works."""
    result = search(db_path, "-ตลาด ผ้า")
    assert result.returncode == 2
    assert "a search that starts with - reads as an option" in result.stderr
    assert "'ผ้า -ตลาด'" in result.stderr
    assert "--db FILE -- '-ตลาด ผ้า'" in result.stderr
    reordered = search(db_path, "ผ้า -ตลาด", "--count")
    dashed = invoke_goahead("search", "--db", db_path, "--count", "--", "-ตลาด ผ้า")
    assert reordered.stdout == dashed.stdout == "1\n", (reordered.stderr, dashed.stderr)
    other = search(db_path, "--bogus")  # an option mistyped is told as before
    assert other.returncode == 2
    assert "No such option '--bogus'" in other.stderr
    assert "a search that starts" not in other.stderr


def test_site_as_the_crawl_spells_it(tmp_path):
    """A blog's country domain (Blogger redirects it to .com), an IDN custom domain
    written in Thai, a host in capitals with the default port: each the site the crawl
    stored its posts under (before, for the first two: "no posts from site", exit 2)."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    for site in ("goaheadnews.blogspot.com", "xn--22c8e6a1f.example"):
        upsert_post(db, Post(blog_id=site, post_id="1", site=site, url=f"https://{site}/"
                             "2024/01/a.html", title="ผ้า", text="ผ้าไหม", language="th"))
    db.close()
    for given in ("goaheadnews.blogspot.co.th", "https://GoAheadNews.blogspot.com:443/",
                  "https://ข่าว.example/"):
        found = search(str(path), "ผ้า", "--count", "--site", given)
        assert (found.returncode, found.stdout) == (0, "1\n"), (given, found.stderr)


def test_a_hit_at_a_thai_permalink_is_shown_in_thai(tmp_path: Path) -> None:
    """Stored as fetched (percent-encoded), a Thai permalink is shown as it reads, in piped
    and terminal output alike (before: %E0%B8%82... on every such hit); --json keeps it."""
    stored = "https://news.blogspot.com/2024/03/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, Post(blog_id="1", post_id="7", url=stored, site="news.blogspot.com",
                         title="ข่าวเช้า", text="ตลาดนัดเช้านี้"))
    db.close()
    args = ("search", "ตลาดนัด", "--db", str(tmp_path / "a.db"))
    done = invoke_goahead(*args)
    assert done.returncode == 0, done.stderr
    assert "  https://news.blogspot.com/2024/03/ข่าว.html\n" in done.stdout
    assert "https://news.blogspot.com/2024/03/ข่าว.html" in _on_a_terminal(*args)
    (row,) = json.loads(invoke_goahead(*args, "--json").stdout)
    assert row["url"] == stored
