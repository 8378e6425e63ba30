"""Writes grouped in one transaction (archive/write_group.py), and the crawl pipeline that
counts a post as stored only once its group is committed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.connection import open_archive, open_read_only
from archive.posts import store_post
from archive.search import search
from archive.write_group import WriteGroup
from tests.test_archive_tables import make_post
from tests.test_discovery_pipeline import ROOT, open_pipeline


def add_label(db, name: str) -> None:
    db.execute("INSERT INTO search_meta (key, value) VALUES (?, 'x')", [f"test:{name}"])


def labels(path: Path) -> list[str]:
    """What another connection sees: the committed state."""
    db = open_read_only(path)
    try:
        return [row[0] for row in db.execute(
            "SELECT key FROM search_meta WHERE key LIKE 'test:%' ORDER BY key")]
    finally:
        db.close()


def test_a_group_is_stored_only_when_committed(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    group = WriteGroup(db)
    for name in "abc":
        group.run(add_label, name)
    assert len(group) == 3
    assert labels(path) == []  # nothing until the commit
    assert group.commit() == 3
    assert labels(path) == ["test:a", "test:b", "test:c"]
    assert len(group) == 0
    assert not db.conn.in_transaction


def failing_after_a_write(db, name: str) -> None:
    add_label(db, name)
    raise ValueError("bad post")


@pytest.mark.parametrize("error", ["python", "sqlite"])
def test_a_failed_call_loses_only_its_own_writes(tmp_path: Path, error: str) -> None:
    """As if each call had had its own transaction: the calls before it stay in the group,
    what the failed call wrote is gone."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    group = WriteGroup(db)
    group.run(add_label, "a")
    group.run(add_label, "b")
    if error == "python":
        with pytest.raises(ValueError, match="bad post"):
            group.run(failing_after_a_write, "half")
    else:
        with pytest.raises(sqlite3.IntegrityError):
            group.run(add_label, "a")  # the key is taken
    group.run(add_label, "c")
    assert group.commit() == 3
    assert labels(path) == ["test:a", "test:b", "test:c"]


def test_a_rolled_back_group_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = open_archive(path)
    group = WriteGroup(db)
    group.run(add_label, "a")
    group.rollback()
    assert group.commit() == 0
    assert labels(path) == []


def test_posts_stored_in_one_group_are_all_found_by_search(tmp_path: Path) -> None:
    """The search index is written in the same transaction as its posts: a committed
    group's posts are all searchable, as posts stored one by one are."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    group = WriteGroup(db)
    for n in range(5):
        group.run(store_post, make_post(post_id=str(n), url=f"{ROOT}2024/01/{n}.html",
                                        text=f"ข่าวน้ำท่วมหมู่บ้าน {n}"))
    group.commit()
    reader = open_read_only(path)
    assert sorted(hit.post_id for hit in search(reader, "น้ำท่วม")) == [str(n) for n in range(5)]


def test_the_pipeline_counts_a_post_once_its_group_is_committed(tmp_path: Path) -> None:
    from archive.models import Post

    db_path = tmp_path / "archive.db"
    pipeline = open_pipeline(str(db_path))
    pipeline.group_writes = 50  # the crawl's default; no reactor runs here to fire the timer
    post = Post(blog_id="1", post_id="10", url=f"{ROOT}2024/01/a.html",
                site="goaheadnews.blogspot.com", title="A", text="Body")
    stored = pipeline._store_post(post)
    assert not stored.called  # written, not committed: Scrapy is not told it is stored
    assert pipeline.record.counts["posts_new"] == 0
    db = open_read_only(db_path)
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
    pipeline._commit()
    assert stored.called
    assert stored.result is post
    assert pipeline.record.counts["posts_new"] == 1
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
    pipeline.spider_closed("finished")
    db.close()


def test_a_group_that_cannot_be_committed_is_reported_post_by_post(tmp_path: Path) -> None:
    """Never counted, each named as not stored, and the crawl stops."""
    from archive.models import Post

    pipeline = open_pipeline(str(tmp_path / "archive.db"))
    pipeline.group_writes = 50
    stopped: list[str] = []
    pipeline._write_failed = lambda err: (setattr(pipeline, "write_failed", True),
                                          stopped.append(str(err)))
    posts = [Post(blog_id="1", post_id=str(n), url=f"{ROOT}2024/01/{n}.html",
                  site="goaheadnews.blogspot.com", title="A", text="Body") for n in range(3)]
    stored = [pipeline._store_post(post) for post in posts]

    def full(*_: object) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    pipeline.group.commit = full
    pipeline._commit()
    assert stopped == ["database or disk is full"]
    assert all(done.called for done in stored)
    assert pipeline.record.counts["posts_new"] == 0
    assert pipeline.posts_stored == 0
    reasons = pipeline.ledger.reasons
    assert [reasons[pipeline.ledger.key(post.url)] for post in posts] == [
        "storage failed: the archive write failed"] * 3


def test_a_group_on_the_same_file_commits_the_open_one_first(tmp_path: Path) -> None:
    """Two crawls of one process into one archive share the reactor's thread: the second
    must not wait in SQLite for a lock that only this thread can give back."""
    path = tmp_path / "archive.db"
    first, second = open_archive(path), open_archive(path)
    yielded: list[int] = []
    one = WriteGroup(first, on_yield=lambda: yielded.append(one.commit()))
    two = WriteGroup(second)
    one.run(add_label, "a")
    two.run(add_label, "b")  # would wait the busy timeout (30 s), then fail, before
    assert yielded == [1]
    assert labels(path) == ["test:a"]
    two.commit()
    assert labels(path) == ["test:a", "test:b"]
