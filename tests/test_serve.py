"""``goahead serve``: Datasette over a Thai archive, checked over HTTP (the browser test is
tests/test_web_browser.py)."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import serve_on_a_free_port

pytest.importorskip("datasette", reason="the serve extra is not installed")

from archive.connection import open_archive
from archive.models import Post
from archive.posts import upsert_post
from goahead_crawler.cli.hints import missing_extra
from goahead_crawler.web import plugin as datasette_plugin

ROOT = Path(__file__).resolve().parents[1]
COMMUNITY = "http://blog.example/2024/01/community.html"
RICE = "http://blog.example/2024/02/rice.html"
MARKET = "http://other.example/2024/02/market.html"
STARTUP_SECONDS = 30
POSTS = (
    Post(blog_id="1", post_id="101", url=COMMUNITY, site="blog.example",
         title="ชาวบ้านร่วมพัฒนาชุมชนริมน้ำ", author="สมชาย",
         published="2024-01-21T10:05:00+07:00", labels=["ข่าวท้องถิ่น", "ชุมชน"],
         text="ชาวบ้านในตำบลร่วมกันพัฒนาชุมชนริมแม่น้ำให้สะอาด\n\nโครงการได้รับการสนับสนุน"),
    Post(blog_id="1", post_id="102", url=RICE, site="blog.example",
         title="ฤดูทำนาปีนี้ฝนมาช้า", author="สมหญิง", published="2024-02-03T08:00:00+07:00",
         labels=["เกษตร"], text="เกษตรกรเริ่มไถนาเตรียมปลูกข้าว แม้ฝนจะมาช้ากว่าทุกปี",
         html="<p>เกษตรกรเริ่มไถนา</p>"),
    Post(blog_id="2", post_id="201", url=MARKET, site="other.example",
         title="Night market reopens", author="Editor", published="2024-02-10T19:00:00+07:00",
         labels=["economy"], text="The night market reopened with <b>forty</b> stalls."),
)

def _serve_command(*args: str) -> list[str]:
    """``goahead serve ARGS``."""
    return [sys.executable, "-m", "goahead_crawler", "serve", *args]


def _get(url: str, timeout: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # 127.0.0.1 only
        return response.read()


def _json(base: str, path: str, **params: str) -> object:
    return json.loads(_get(f"{base}{path}?{urllib.parse.urlencode(params)}"))


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "archive.db"
    db = open_archive(path)
    for post in POSTS:
        upsert_post(db, post)
    db.close()
    return path


def _answers(port: int) -> bool:
    try:
        _get(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def server(archive_db: Path) -> Iterator[str]:
    log = archive_db.with_name("serve.log")
    with log.open("wb") as out:
        def launch(port: int) -> subprocess.Popen[bytes]:
            command = _serve_command("--db", str(archive_db), "--port", str(port))
            return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

        try:
            proc, port = serve_on_a_free_port(launch, _answers, STARTUP_SECONDS)
        except AssertionError as exc:
            pytest.fail(f"goahead serve not up ({exc}): {log.read_text()}")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()  # uvicorn stops on SIGTERM
            proc.wait(timeout=30)


@pytest.mark.crawl
def test_search_finds_thai_word_inside_compound(server: str) -> None:
    rows = _json(server, "/archive/search.json", q="ชุมชน", _shape="array")
    assert [row["url"] for row in rows] == [COMMUNITY]
    assert rows[0]["title"] == "ชาวบ้านร่วมพัฒนาชุมชนริมน้ำ"
    assert rows[0]["title_html"] == "ชาวบ้านร่วมพัฒนา<mark>ชุมชน</mark>ริมน้ำ"
    assert "พัฒนา<mark>ชุมชน</mark>ริมแม่น้ำ" in rows[0]["snippet"]
    assert "\u200b" not in rows[0]["snippet"]
    assert "\n" not in rows[0]["snippet"]  # the post's blank line is not in the snippet


@pytest.mark.crawl
def test_two_character_thai_word(server: str) -> None:
    rows = _json(server, "/archive/search.json", q="นา", _shape="array")
    assert rows[0]["url"] == RICE  # a whole word in the title: the first tier
    assert "ไถ<mark>นา</mark>เตรียม" in rows[0]["snippet"]


@pytest.mark.crawl
def test_snippet_escapes_post_text(server: str) -> None:
    rows = _json(server, "/archive/search.json", q="forty", _shape="array")
    assert rows[0]["snippet"] == (
        "The night market reopened with &lt;b&gt;<mark>forty</mark>&lt;/b&gt; stalls.")
    page = _get(f"{server}/archive/search?q=forty").decode()
    assert "&lt;b&gt;<mark>forty</mark>" in page  # rendered as HTML, post markup still inert


@pytest.mark.crawl
def test_bad_query_is_its_message_and_hint_not_zero_results(server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(f"{server}/archive/search.json?q=%22unclosed")
    assert refused.value.code == 400
    answer = json.loads(refused.value.read())
    assert answer["ok"] is False
    assert answer["error"].startswith("unbalanced quote")
    assert "close the phrase" in answer["hint"]
    with pytest.raises(urllib.error.HTTPError) as page_refused:
        _get(f"{server}/archive/search?q=%22unclosed")
    page = page_refused.value.read().decode()
    assert "This search cannot run" in page
    assert "close the phrase" in page
    assert "0 posts" not in page
    assert "char(57344)" not in page


@pytest.mark.crawl
def test_posts_table_search_box_and_label_facet(server: str) -> None:
    data = _json(server, "/archive/posts.json", _search="ชุมชน", _facet_array="labels")
    assert [row[data["columns"].index("url")] for row in data["rows"]] == [COMMUNITY]
    labels = {item["value"] for item in data["facet_results"]["labels"]["results"]}
    assert labels == {"ข่าวท้องถิ่น", "ชุมชน"}


@pytest.mark.crawl
def test_posts_page_hides_long_columns_and_facets_by_default(server: str) -> None:
    page = _get(f"{server}/archive/posts").decode()
    assert 'data-column="title"' in page
    assert 'data-column="html"' not in page
    assert "ข่าวท้องถิ่น" in page  # the labels facet, configured in the metadata
    everything = _get(f"{server}/archive/posts?_col=html").decode()
    assert 'data-column="html"' in everything


@pytest.mark.crawl
def test_other_canned_queries(server: str) -> None:
    by_label = _json(server, "/archive/by_label.json", label="เกษตร", _shape="array")
    assert [row["url"] for row in by_label] == [RICE]
    latest = _json(server, "/archive/latest.json", _shape="array")
    assert [row["url"] for row in latest] == [MARKET, RICE, COMMUNITY]
    months = _json(server, "/archive/per_month.json", _shape="array")
    assert {(m["month"], m["site"], m["posts"]) for m in months} == {
        ("2024-02", "other.example", 1), ("2024-02", "blog.example", 1),
        ("2024-01", "blog.example", 1)}
    tables = {t["name"] for t in _json(server, "/archive.json")["tables"] if not t["hidden"]}
    assert "posts" in tables
    assert "posts_search" not in tables


def test_sql_functions_on_a_plain_connection(archive_db: Path) -> None:
    conn = sqlite3.connect(archive_db)
    datasette_plugin.register_functions(conn)
    ids = conn.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH goahead_fts(?)",
                       ["ชุมชน"]).fetchall()
    assert ids == [(1,)]
    assert conn.execute("SELECT goahead_fts('(')").fetchone()[0] == datasette_plugin.NO_MATCH
    assert conn.execute("SELECT escape_fts('ชุมชน')").fetchone()[0] == conn.execute(
        "SELECT goahead_fts('ชุมชน')").fetchone()[0]
    conn.close()


@pytest.mark.parametrize(("query", "expected"), [
    (b"", b"_nocol=blog_id&_nocol=post_id&_nocol=text&_nocol=html"),
    (b"_col=html", b"_col=html"),
    (b"_nocol=site&_sort=title", b"_nocol=site&_sort=title"),
])
def test_default_columns(query: bytes, expected: bytes) -> None:
    assert datasette_plugin.default_columns(query).startswith(expected)


@pytest.mark.crawl
def test_without_datasette_one_line_and_exit_1(archive_db: Path) -> None:
    code = ("import sys; sys.modules['datasette'] = None; "
            "from goahead_crawler.cli.serve import serve; serve(prog_name='goahead serve')")
    result = subprocess.run([sys.executable, "-c", code, "--db", str(archive_db)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert result.returncode == 1
    install_hint = "Error: " + missing_extra("goahead serve", "datasette")
    assert result.stderr.strip() == install_hint
    assert "pip install 'goahead[serve]'" in install_hint


@pytest.mark.crawl
def test_missing_archive_is_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(_serve_command("--db", str(tmp_path / "none.db")),
                            capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert result.returncode == 1
    assert "no archive at" in result.stderr
    assert not (tmp_path / "none.db").exists()


@pytest.mark.crawl
def test_home_page_points_at_the_search(server: str) -> None:
    page = _get(f"{server}/").decode()
    assert "<title>goahead archive: archive</title>" in page
    assert '<a href="/archive/search">Search posts (Thai and English)</a>' in page


def test_serve_says_when_its_warc_folder_is_not_there(archive_db: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Without its WARC files the reading view has no archived image or page to show: a
    folder that is not there (a mistyped --warc-dir, no warcs/ here or beside the archive)
    is said as the server starts, not found out post by post."""
    import uvicorn

    from tests.conftest import invoke_goahead

    monkeypatch.setattr(uvicorn.Server, "run", lambda *args, **kwargs: None)
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "no-such-warcs"
    result = invoke_goahead("serve", "--db", str(archive_db), "--warc-dir", str(missing),
                            "--port", "0")
    assert result.returncode == 0
    assert f"no WARC folder at {missing}" in result.stderr
    assert "--warc-dir" in result.stderr
    missing.mkdir()
    result = invoke_goahead("serve", "--db", str(archive_db), "--warc-dir", str(missing),
                            "--port", "0")
    assert "no WARC folder" not in result.stderr


@pytest.mark.crawl
def test_port_0_says_the_port_it_listens_on(archive_db: Path) -> None:
    """``--port 0`` (the help allows it: any free port) prints the address that answers,
    and the search page's, never ``http://127.0.0.1:0/``."""
    proc = subprocess.Popen(_serve_command("--db", str(archive_db), "--port", "0"), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while proc.stderr and not line.startswith("Serving"):  # a note may come first
            line = proc.stderr.readline() or "Serving: nothing more"
        base = line.split(" at ", 1)[1].split("/ ", 1)[0] if " at " in line else ""
        assert base.startswith("http://127.0.0.1:"), line
        assert base != "http://127.0.0.1:0", line
        assert f"{base}/archive/search" in line
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(int(base.rsplit(":", 1)[1])):
            assert proc.poll() is None, line
            assert time.monotonic() < deadline, line
            time.sleep(0.2)
        assert b"Search posts" in _get(f"{base}/")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()


@pytest.mark.crawl
def test_a_port_in_use_is_one_line_and_no_serving_claim(archive_db: Path) -> None:
    """Another program on the port: one ``Error:`` line saying what to do, exit status 1,
    and no "Serving ... at" first (uvicorn's own was a log line and exit status 3)."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(_serve_command("--db", str(archive_db), "--port", str(port)),
                                capture_output=True, text=True, timeout=60, cwd=ROOT,
                                check=False)
    assert result.returncode == 1
    assert "Serving" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: cannot listen on 127.0.0.1:{port}: address already in use"
        " (another program has that port: pass another --port)")


def test_localhost_is_served_on_127_0_0_1_where_the_resolver_names_ipv6_first(monkeypatch
                                                                               ) -> None:
    """``--host localhost`` listens on 127.0.0.1, as uvicorn did, even on a machine whose
    resolver gives ::1 first (then only ::1 was bound, and http://127.0.0.1 refused)."""
    import socket

    from goahead_crawler.cli import serve

    real = socket.getaddrinfo

    def ipv6_first(host, *args, **kwargs):
        found = real(host, *args, **kwargs)
        if host == "localhost":
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 0, 0, 0)), *found]
        return found

    monkeypatch.setattr(socket, "getaddrinfo", ipv6_first)
    with serve._listen("localhost", 0) as sock:
        assert sock.family == socket.AF_INET
        with socket.create_connection(("127.0.0.1", sock.getsockname()[1]), timeout=5):
            pass
