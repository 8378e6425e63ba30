"""The archive pipeline's discovery items: comments, gone posts, and the run row's figures."""

from __future__ import annotations

import json
import sqlite3

from archive.connection import open_archive
from archive.models import Post
from goahead_crawler.items import GonePost, PostComments
from goahead_crawler.pipelines import ArchivePipeline
from goahead_crawler.spiders.blogger import BloggerSpider
from tests.conftest import goahead_crawler

ROOT = "https://goaheadnews.blogspot.com/"


def open_pipeline(db_path: str) -> ArchivePipeline:
    crawler = goahead_crawler(BloggerSpider, GOAHEAD_ARCHIVE_DB=db_path)
    crawler.spider = BloggerSpider.from_crawler(crawler, url=ROOT)
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.spider_opened()
    return pipeline


def test_comments_gone_posts_and_run_counters(tmp_path) -> None:
    db_path = str(tmp_path / "archive.db")
    pipeline = open_pipeline(db_path)
    post = Post(blog_id="1", post_id="10", url=f"{ROOT}2024/01/a.html",
                site="goaheadnews.blogspot.com", title="A", text="Body")
    stored = pipeline.process_item(post)  # a coroutine Scrapy awaits: done at the commit
    stored.close()
    comments = [{"author": "Ann", "published": None, "text": "Hello"},
                {"author": "Bo", "published": "2024-01-02T00:00:00Z", "text": "Hi",
                 "comment_id": "77"}]
    pipeline.process_item(PostComments("1", "10", comments))
    pipeline.process_item(PostComments("1", "10", comments))  # idempotent on re-store
    pipeline.process_item(GonePost(f"{ROOT}2024/01/a.html", 404))
    pipeline.process_item(GonePost(f"{ROOT}2024/01/never-archived.html", 404))
    pipeline.crawler.stats.set_value("goahead/found/feed", 1)
    pipeline.crawler.stats.set_value("robotstxt/forbidden", 2)
    pipeline.spider_closed("finished")

    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        assert conn.execute("select count(*) from comments").fetchone()[0] == 2
        run = dict(conn.execute("select * from runs").fetchone())
    assert run["comments"] == 4  # comments stored this run, counting re-stores
    assert run["posts_new"] == 1
    stats = json.loads(run["stats"])
    assert stats["goahead/found/feed"] == 1
    assert stats["robotstxt/forbidden"] == 2
    assert stats["goahead/posts/marked_deleted"] == 1
    db = open_archive(db_path)
    assert db.execute("select deleted_at from posts").fetchone()[0] is not None
