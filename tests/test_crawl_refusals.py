"""An archive that cannot take a crawl's writes is refused before any request (issue 12,
item 6, the crawl's side): read-only, locked by another program past the busy wait, or
damaged. One line naming the file and what to do, exit status 2, and the blog's server
sees nothing, not even a request for robots.txt."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive import connection
from archive.connection import open_archive
from archive.errors import ArchiveDamaged, ArchiveLocked, ArchiveReadOnly
from archive.models import Post
from archive.posts import upsert_post
from sampleblog.server import SampleSite, start
from tests.conftest import ROOT

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with start(["goahead"], n_posts=5) as served:
        yield served


def crawl(site: SampleSite, db: Path, tmp: Path, **env: str) -> subprocess.CompletedProcess:
    site.clear_requests()
    return subprocess.run(
        [sys.executable, "-m", "goahead_crawler", "crawl", site.urls["goahead"], "--db",
         str(db), "--warc-dir", str(tmp / "warcs"), "--delay", "0", "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **env})


def an_archive(path: Path, posts: int = 300) -> Path:
    db = open_archive(path)
    for n in range(posts):
        upsert_post(db, Post("1", str(n), f"http://b/{n}.html", "b", title=f"post {n}",
                             text=f"text of post {n} " * 40))
    db.close()
    return path


def refused(done: subprocess.CompletedProcess, site: SampleSite, db: Path, what: str) -> None:
    assert done.returncode == 2, done.stderr[-3000:]
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"Error: {db}"), line
    assert what in line, line
    assert site.requests("goahead") == []


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """``folder`` read-only: chmod for a normal user, a read-only bind mount for root
    (whom permissions do not stop)."""
    if os.geteuid() != 0:
        for path in [folder, *folder.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path in [folder, *folder.iterdir()]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    mount = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)],
                           capture_output=True, text=True, check=False)
    if mount.returncode != 0:
        pytest.skip(f"root, and cannot bind-mount read-only here: {mount.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_read_only_archive_is_refused(site: SampleSite, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = an_archive(folder / "archive.db", posts=3)
    with read_only_folder(folder):
        with pytest.raises(ArchiveReadOnly):
            open_archive(db, check=True)
        done = crawl(site, db, tmp_path)
    refused(done, site, db, "read-only")


def test_a_locked_archive_is_refused_after_the_busy_wait(site: SampleSite, tmp_path: Path,
                                                         monkeypatch) -> None:
    db = an_archive(tmp_path / "archive.db", posts=3)
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        monkeypatch.setattr(connection, "BUSY_TIMEOUT", 0.1)
        with pytest.raises(ArchiveLocked):
            open_archive(db, check=True)
        done = crawl(site, db, tmp_path, GOAHEAD_BUSY_TIMEOUT="0.5")
    finally:
        holder.rollback()
        holder.close()
    refused(done, site, db, "locked by another program")


def test_a_damaged_archive_is_refused(site: SampleSite, tmp_path: Path) -> None:
    db = an_archive(tmp_path / "archive.db")
    size = db.stat().st_size
    with db.open("r+b") as fh:  # a torn write: garbage over pages in the middle
        fh.seek(size // 2 - (size // 2) % 4096)
        fh.write(os.urandom(3 * 4096))
    with pytest.raises(ArchiveDamaged):
        open_archive(db, check=True)
    done = crawl(site, db, tmp_path)
    refused(done, site, db, "is damaged")
    assert "goahead reindex" in done.stderr  # what to do


def test_a_warc_folder_that_cannot_be_written_is_refused(site: SampleSite,
                                                          tmp_path: Path) -> None:
    """It used to be found at the first record: requests made, the run 'failed', and a
    line saying to resume it with --resume, which would fail the same way."""
    db = an_archive(tmp_path / "archive.db", posts=3)
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    with read_only_folder(warcs):
        done = crawl(site, db, tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"Error: cannot write WARC files into {warcs}"), line
    assert site.requests("goahead") == []
