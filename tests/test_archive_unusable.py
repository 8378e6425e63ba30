"""A damaged, read-only or locked archive (issue 12): one line naming the file and what to
do, exit status 2, before any work, never a traceback; the read-only commands work on a
read-only archive file and in a read-only folder.

Permissions are real: the commands run in a subprocess, and when the tests run as root
(who ignores file modes) that subprocess runs without the capabilities that let root
ignore them (``setpriv``), so a read-only file is read-only for it too. A damaged or
locked archive needs no such care: those run in this process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import archive.connection
from archive.connection import open_archive
from archive.models import Post
from archive.posts import store_post
from goahead_crawler.cli import cli
from goahead_crawler.rebuild import reindex_warcs
from goahead_crawler.warc import records as rec
from goahead_crawler.warc.writer import RotatingWarcWriter
from tests.conftest import ROOT, invoke_goahead

ONE_LINE = re.compile(r"Error: .+\n")
DROP_ROOT_POWERS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
URL = "http://blog.test/2024/01/p1.html"


def goahead(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``goahead ARGS`` in a subprocess that file modes apply to, even when run as root."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file modes cannot be enforced")
        prefix = DROP_ROOT_POWERS
    return subprocess.run([*prefix, sys.executable, "-m", "goahead_crawler", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          check=False)


def one_line(done: subprocess.CompletedProcess[str], path: Path, code: int = 2) -> str:
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == code, (done.stdout[-500:], done.stderr[-2000:])
    assert ONE_LINE.fullmatch(done.stderr), done.stderr
    assert str(path) in done.stderr
    return done.stderr


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A folder with an archive of 301 posts and the WARC file one of them came from."""
    folder = tmp_path_factory.mktemp("unusable") / "archive"
    writer = RotatingWarcWriter(folder / "warcs", "t", host="h")
    page = b"<html><head><title>Post</title></head><body><p>community text</p></body></html>"
    ex = rec.Exchange(url=URL, method="GET", target="/2024/01/p1.html",
                      request_headers=[("Host", "blog.test")], request_body=b"", status=200,
                      reason="OK", protocol="HTTP/1.1",
                      response_headers=[("Content-Type", "text/html")], body=page)
    writer.write([rec.build_response(writer.builder, ex, "2024-01-21T03:05:00Z")])
    writer.close()
    db = open_archive(folder / "a.db")
    reindex_warcs(folder / "warcs", db)
    for n in range(300):
        store_post(db, Post(blog_id="1", post_id=f"x{n}", url=f"http://blog.test/2023/{n}.html",
                            site="blog.test", title=f"community post {n}",
                            text=f"community {n} " * 200, fetched_at="2024-01-01T00:00:00Z"))
    db.close()
    assert not (folder / "a.db-wal").exists()
    return folder


@pytest.fixture
def made(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "archive"))


def corrupt(path: Path, first_page: int) -> None:
    """Scramble every page of ``path`` from ``first_page`` (1-based) on."""
    start = (first_page - 1) * 4096
    with path.open("r+b") as fh:
        fh.seek(start)
        scrambled = bytes(b ^ 0xA5 for b in fh.read())  # deterministic, never valid
        fh.seek(start)
        fh.write(scrambled)


READERS = {
    "search": ["search", "community"],
    "export": ["export", "--format", "jsonl"],
    "status": ["status"],
    "runs": ["runs"],
}


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_damaged_archive_is_one_line(made: Path, command: str) -> None:
    db = made / "a.db"
    corrupt(db, first_page=20)  # the posts and search pages: met half-way through
    done = invoke_goahead(*READERS[command], "--db", str(db))
    if command == "runs" and done.returncode == 0:
        return  # the runs table lies before the damage: nothing to complain of
    line = one_line(done, db)
    assert "is damaged (" in line
    assert "goahead reindex" in line


@pytest.mark.parametrize("command", ["reindex", "serve", "runs", "merge"])
def test_a_damaged_archive_stops_writers_and_serve_before_any_work(made: Path, command: str,
                                                                   tmp_path: Path) -> None:
    db = made / "a.db"
    corrupt(db, first_page=2)
    args = {"reindex": ["reindex", "--warc-dir", str(made / "warcs"), "--db", str(db)],
            "serve": ["serve", "--db", str(db), "--port", "0"],
            "runs": ["runs", "--db", str(db)],
            "merge": ["merge", str(tmp_path / "shard.db"), "--into", str(db)]}[command]
    if command == "merge":
        open_archive(tmp_path / "shard.db").close()
    line = one_line(invoke_goahead(*args), db)
    assert "is damaged (" in line


def chmod_tree(folder: Path, mode: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(mode if path.is_dir() else mode & 0o444)


@pytest.fixture(params=["read-only file", "read-only folder"])
def read_only(request, made: Path) -> Iterator[Path]:
    if request.param == "read-only file":
        (made / "a.db").chmod(0o444)
    else:
        chmod_tree(made, 0o555)
    try:
        yield made
    finally:
        chmod_tree(made, 0o755)
        (made / "a.db").chmod(0o644)


# Runs goahead commands in one process (under setpriv when root), one JSON line each.
DRIVER = """
import json, sys
from click.testing import CliRunner
from goahead_crawler.cli import cli
for args in json.loads(sys.argv[1]):
    r = CliRunner().invoke(cli, args)
    print(json.dumps([args[0], r.exit_code, r.stdout[-300:], r.stderr[-2000:],
                      repr(r.exception) if r.exit_code not in (0, 1, 2) else None]))
"""


@pytest.mark.crawl  # a subprocess without root's powers
def test_read_only_commands_read_a_read_only_archive(read_only: Path, tmp_path: Path) -> None:
    db, warcs = str(read_only / "a.db"), str(read_only / "warcs")
    commands = [["search", "community", "--count", "--db", db],
                ["export", "--format", "jsonl", "--db", db], ["status", "--db", db],
                ["runs", "--db", db], ["warc-get", URL, "--db", db, "--warc-dir", warcs],
                ["index", "--warc-dir", warcs, "--out", str(tmp_path / "i.cdxj")],
                ["wacz", "--db", db, "--warc-dir", warcs, "--out", str(tmp_path / "a.wacz")]]
    prefix = DROP_ROOT_POWERS if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, sys.executable, "-c", DRIVER, json.dumps(commands)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r[0] for r in results] == [c[0] for c in commands]
    for name, code, _out, err, exc in results:
        assert (code, exc) == (0, None), (name, err)
    assert results[0][2] == "301\n"
    assert (tmp_path / "a.wacz").stat().st_size > 0


def test_reindex_into_a_read_only_archive_is_one_line(read_only: Path) -> None:
    db = read_only / "a.db"
    done = goahead("reindex", "--warc-dir", str(read_only / "warcs"), "--db", str(db))
    line = one_line(done, db)
    assert "read-only" in line


@pytest.mark.crawl  # a server subprocess
def test_serve_serves_a_read_only_archive(read_only: Path) -> None:
    pytest.importorskip("datasette", reason="the serve extra is not installed")
    from tests.conftest import serve_on_a_free_port
    from tests.test_serve import STARTUP_SECONDS, _answers, _json

    log = read_only.parent / "serve.log"
    prefix = DROP_ROOT_POWERS if os.geteuid() == 0 else []
    with log.open("wb") as out:
        def launch(port: int) -> subprocess.Popen:
            command = [*prefix, sys.executable, "-m", "goahead_crawler", "serve", "--db",
                       str(read_only / "a.db"), "--port", str(port)]
            return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

        proc, port = serve_on_a_free_port(launch, _answers, STARTUP_SECONDS)
        try:
            rows = _json(f"http://127.0.0.1:{port}", "/a/posts.json", _shape="array",
                         _size="5")
            assert len(rows) == 5
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert "Traceback" not in log.read_text()


def test_a_read_only_folder_with_unsaved_wal_is_one_line(made: Path) -> None:
    db = made / "a.db"
    writer = sqlite3.connect(db)  # a writer that died: its -wal holds committed changes
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE posts SET title = 'changed' WHERE post_id = 'x1'")
    writer.commit()
    shutil.copy(db, made / "copy.db")
    shutil.copy(made / "a.db-wal", made / "copy.db-wal")
    writer.close()  # checkpoints a.db; the copy keeps its -wal
    chmod_tree(made, 0o555)
    try:
        done = goahead("search", "changed", "--db", str(made / "copy.db"))
    finally:
        chmod_tree(made, 0o755)
    line = one_line(done, made / "copy.db")
    assert "copy.db-wal holds changes" in line


def test_a_locked_archive_is_one_line_for_writers_and_no_matter_to_readers(
        made: Path, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(archive.connection, "BUSY_TIMEOUT", 0.2)
    db = made / "a.db"
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    try:
        started = time.monotonic()
        reindex = CliRunner().invoke(cli, ["reindex", "--warc-dir", str(made / "warcs"),
                                           "--db", str(db)])
        assert reindex.exit_code == 2, reindex.output
        assert reindex.output.startswith(f"Error: {db} is locked by another program")
        assert "(waited up to 0.2s;" in reindex.output  # at most: SQLite may stop sooner
        assert time.monotonic() - started < 30
        open_archive(tmp_path / "shard.db").close()
        merge = CliRunner().invoke(cli, ["merge", str(tmp_path / "shard.db"), "--into",
                                         str(db)])
        assert merge.exit_code == 2, merge.output
        assert "is locked by another program" in merge.output
        search = CliRunner().invoke(cli, ["search", "community", "--count", "--db", str(db)])
        assert (search.exit_code, search.output) == (0, "301\n")
    finally:
        holder.rollback()
        holder.close()
