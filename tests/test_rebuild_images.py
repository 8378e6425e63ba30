"""The rebuild's rule for a post's ``images`` (``rebuild.history``), record by record: what
the crawl counted as archived when it stored the post."""

from __future__ import annotations

from archive.captures import add_capture
from archive.connection import open_archive
from goahead_crawler.rebuild.history import Images, crawls
from goahead_crawler.rebuild.timeline import Record

CDN = "https://blogger.googleusercontent.com/img/b/x/"


def record(url: str, status: int = 200, crawl: str = "a", location: str | None = None,
           offset: int = 0) -> Record:
    return Record(url=url, date="2026-01-01T00:00:00Z", warc_file=f"{crawl}.warc.gz",
                  offset=offset, length=1, status=status, digest="sha1:X", revisit=False,
                  content_type="image/jpeg", crawl=crawl, location=location)


def test_an_image_redirected_to_a_capture_is_archived_for_that_crawl_only() -> None:
    db = open_archive(":memory:")
    images = Images(db)
    moved, target = CDN + "s640/a.jpg", CDN + "s400/a.jpg"
    for found in (record(moved, 301, location="../s400/a.jpg"), record(target, offset=1)):
        add_capture(db, found.capture)
        images.learn(found)
    assert images.archived(moved)  # its request led to a capture
    assert images.archived(target)
    images.new_crawl()  # the next crawl, whose own request for it failed
    assert not images.archived(moved)  # the crawl's fallback: a 200 or 304 of that URL
    assert images.archived(target)


def test_a_redirect_loop_is_not_archived() -> None:
    images = Images(open_archive(":memory:"))
    images.learn(record(CDN + "a.jpg", 302, location=CDN + "b.jpg"))
    images.learn(record(CDN + "b.jpg", 302, location=CDN + "a.jpg"))
    assert not images.archived(CDN + "a.jpg")
    assert images.seen(CDN + "b.jpg")
    assert not images.seen(CDN + "c.jpg")


def test_records_are_taken_crawl_by_crawl_in_the_order_the_crawls_began() -> None:
    """Two blogs crawled into one archive at once: each crawl's records are replayed
    together, as that crawl stored its posts once their images (later records) settled."""
    rows = [record("u1", crawl="a"), record("u2", crawl="b"), record("u3", crawl="a"),
            record("u4", crawl="b")]
    assert [[r.url for r in run] for run in crawls(rows)] == [["u1", "u3"], ["u2", "u4"]]


def test_a_held_post_is_rebuilt_only_where_a_crawl_stored_it(tmp_path) -> None:
    """A stopped crawl held a post for its images and did not store it (its metadata
    says so): the rebuild does not store it from that crawl's capture. The resumed job
    stored it with the images that settled (a completion record): the rebuild stores it
    then, from the first crawl's capture, with those images."""
    from scrapy.http import Request, Response

    from archive.models import Post
    from goahead_crawler.rebuild import reindex_warcs
    from tests.test_warc_extension import make

    page = "http://blog.test/2024/01/a.html"
    body = (b"<html><body><div class='post'><h3 class='post-title'>A</h3><div"
            b" class='post-body'><p>Water rose overnight.</p></div></div></body></html>")

    def captured(ext, url: str, content: bytes, ctype: str):
        request = Request(url, headers={"User-Agent": "t", "Accept": "*/*"})
        response = Response(url, status=200, body=content, request=request,
                            protocol="HTTP/1.1", headers={"Content-Type": ctype})
        ext.response_downloaded(response=response, request=request)
        return response

    stopped = make(tmp_path)
    first = captured(stopped, page, body, "text/html; charset=utf-8").meta["warc_capture"]
    stopped.held_back([page])
    stopped.spider_closed()
    alone = open_archive(tmp_path / "stopped.db")
    reindex_warcs(tmp_path, alone)
    assert alone.execute("SELECT count(*) FROM posts").fetchone()[0] == 0

    resumed = make(tmp_path)  # a new process: a crawl of its own
    photo = CDN + "s640/a.jpg"
    response = captured(resumed, photo, b"\xff\xd8jpeg", "image/jpeg")
    resumed.item_scraped(item=Post(blog_id="1", post_id="2", url=page, site="blog.test",
                                   images=[photo], warc_file=first.warc_file,
                                   warc_offset=first.warc_offset), response=response)
    resumed.spider_closed()
    both = open_archive(tmp_path / "both.db")
    reindex_warcs(tmp_path, both)
    rows = both.execute("SELECT url, images, warc_file FROM posts").fetchall()
    assert rows == [(page, f'["{photo}"]', first.warc_file)]
