"""The web view's own pages, in process (Datasette's test client): search with filters and
paging, the same posts as ``goahead search``, the post's reading view with images from
the WARC, comments and earlier versions, and what is never let through (markup, scripts,
live images)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

pytest.importorskip("datasette", reason="the serve extra is not installed")

from archive.connection import open_archive
from archive.models import Post
from archive.posts import delete_post, upsert_comments, upsert_post
from archive.snippets import Text
from goahead_crawler.items import fallback_post_id
from goahead_crawler.web import plugin
from goahead_crawler.web.article_html import reading_html
from goahead_crawler.web.search_view import (
    MAX_PAGE,
    PAGE_SIZE,
    Results,
    SearchForm,
    clipped,
    marked_html,
)
from goahead_crawler.web.security import CSP, script_hash
from tests.conftest import invoke_goahead
from tests.warc_fixture import png, write_image_capture

BLOG = "http://weave.example"
PHOTO = "http://cdn.example/img/loom.png"
GONE_PHOTO = "http://cdn.example/img/never-fetched.jpg"
CLOTH_POSTS = 27  # more than one page of ผ้า hits


def cloth_post(n: int) -> Post:
    site = "weave.example" if n % 3 else "loom.example"
    return Post(
        blog_id="9" if n % 3 else "8", post_id=str(1000 + n), url=f"http://{site}/2024/p{n}.html",
        site=site, title=f"ผ้าทอมือ ตอนที่ {n}", author="สมศรี" if n % 2 else "Editor",
        published=f"2024-{1 + n % 12:02d}-10T09:00:00+07:00",
        labels=["ผ้าทอ", "OTOP" if n % 2 else "ชุมชน"], language="th",
        text=f"กลุ่มแม่บ้านทอผ้าฝ้าย ผืนที่ {n}\n\nขายในตลาดชุมชน")


FEATURE = Post(
    blog_id="9", post_id="1", url=f"{BLOG}/2024/01/loom.html", site="weave.example",
    title="กี่ทอผ้า <script>alert(1)</script> ของหมู่บ้าน", author="สมศรี",
    published="2024-01-05T08:00:00+07:00", labels=["ผ้าทอ"], language="th",
    text="เรื่องของกี่ทอผ้าไม้สัก", fetched_at="2024-01-06T00:00:00Z",
    html=(f'<p>เรื่องของกี่<b>ทอผ้า</b>ไม้สัก</p><p><img src="{PHOTO}" alt="กี่"></p>'
          f'<p><img src="{GONE_PHOTO}" alt="ลาย"></p><script>alert(2)</script>'
          '<p><a href="http://other.example/">อ่านต่อ</a></p>'),
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("web")
    path, warcs = folder / "archive.db", folder / "warcs"
    db = open_archive(path)
    first = Post(**{**FEATURE.__dict__, "text": "ร่างแรกของเรื่องกี่ทอผ้า",
                    "title": "กี่ทอผ้า (ร่าง)"})
    upsert_post(db, first)
    upsert_post(db, FEATURE)  # the draft becomes an earlier version
    upsert_comments(db, "9", "1", [{"author": "ป้าแดง", "published": "2024-01-07T10:00:00Z",
                                    "text": "สวยมาก <b>จริง</b>\nขอบคุณค่ะ"}])
    for n in range(2, 2 + CLOTH_POSTS):
        upsert_post(db, cloth_post(n))
    delete_post(db, "9", "1002", at="2024-05-01T00:00:00Z")
    write_image_capture(db, warcs, PHOTO, png())
    db.close()
    return path, warcs


class Client:
    """Datasette's in-process client, made synchronous for tests."""

    def __init__(self, path: Path, warcs: Path) -> None:
        self.ds = plugin.build(path, warc_dir=warcs)
        asyncio.run(self.ds.invoke_startup())

    def get(self, path: str, **params: str) -> Any:
        """The query in ``path`` or in ``params``, not both: httpx, given ``params`` (even
        empty ones), replaces the path's query, which a test would then not send."""
        if params and "?" in path:
            raise ValueError("give the query in the path or as keywords, not both")
        return asyncio.run(self.ds.client.get(path, params=params or None))

    def json(self, path: str, **params: str) -> Any:
        return self.get(path, **params).json()


@pytest.fixture(scope="module")
def web(archive: tuple[Path, Path]) -> Client:
    return Client(*archive)


def test_total_paging_and_page_links(web: Client) -> None:
    first = web.json("/archive/search.json", q="ผ้า")
    assert first["total"] == CLOTH_POSTS  # the feature post and every live cloth post
    assert len(first["hits"]) == PAGE_SIZE
    assert first["pages"] == 2
    second = web.json("/archive/search.json", q="ผ้า", page="2")
    ids = [h["post_id"] for h in first["hits"]] + [h["post_id"] for h in second["hits"]]
    assert len(ids) == len(set(ids)) == CLOTH_POSTS
    page = web.get("/archive/search", q="ผ้า").text
    assert f"<strong>{CLOTH_POSTS}</strong> posts match" in page
    assert 'rel="next" href="?q=%E0%B8%9C%E0%B9%89%E0%B8%B2&amp;page=2"' in page


def test_past_100000_hits_the_pager_links_only_to_pages_it_serves(web: Client) -> None:
    """Past MAX_PAGE pages a ``?page=`` is read as the last one: the pager linked to page
    7,500 of 150,000 hits, and "next" from 5,000, which then showed page 5,000 again."""
    form = SearchForm(q="ผ้า", page=MAX_PAGE)
    results = Results(form, total=150_000)
    page = asyncio.run(web.ds.render_template(
        "goahead_search.html", {"database": "archive", "form": form, "results": results,
                                "sites": [], "archive_title": "t"}))
    asked = [int(number) for number in re.findall(r'href="\?[^"]*page=(\d+)', page)]
    assert max(asked, default=0) == MAX_PAGE - 1  # "previous" and the pages before it
    assert all(SearchForm.from_args({"page": str(n)}).page == n for n in asked)
    assert f"(page {MAX_PAGE} of {MAX_PAGE})" in page
    assert f"the other {150_000 - MAX_PAGE * PAGE_SIZE:,} are past the last page" in page
    assert results.to_dict()["beyond_last_page"] == 150_000 - MAX_PAGE * PAGE_SIZE


def test_a_page_past_the_last_says_so(web: Client) -> None:
    page = web.get("/archive/search", q="ผ้า", page="9").text
    assert "Page 9 is past the last page" in page
    assert 'href="?q=%E0%B8%9C%E0%B9%89%E0%B8%B2">Back to page 1' in page


def test_filters_are_passed_through(web: Client) -> None:
    def total(**filters: str) -> int:
        return web.json("/archive/search.json", q="ผ้า", **filters)["total"]

    assert total(site="loom.example") == 9
    assert total(label="OTOP") == 13
    assert total(author="Editor") == 13
    assert total(since="2024-06-01", until="2024-06-30") == 2
    assert total(lang="en") == 0
    bad = web.get("/archive/search.json", q="ผ้า", since="last week")
    assert bad.status_code == 400
    assert "not a date" in bad.json()["error"]


def test_no_hit_with_filters_says_what_the_filters_hid(web: Client) -> None:
    data = web.json("/archive/search.json", q="ผ้า", site="nowhere.example")
    assert (data["total"], data["unfiltered"]) == (0, CLOTH_POSTS)
    page = web.get("/archive/search", q="ผ้า", site="nowhere.example").text
    assert "No posts from the site <q>nowhere.example</q>" in page
    assert "loom.example, weave.example" in page
    assert f"{CLOTH_POSTS} posts match</a>" in page
    one = web.get("/archive/search", q="ไม้สัก").text
    assert "<strong>1</strong> post matches <q><bdi>ไม้สัก</bdi></q>" in one  # not "match"
    nothing = web.get("/archive/search", q="zzzqqq").text
    assert "No post matches <q><bdi>zzzqqq</bdi></q>." in nothing


def test_a_value_that_matches_nothing_among_several_is_named(web: Client) -> None:
    """``?site=a&site=typo`` read only the first site and dropped the typo without a word
    (``goahead search --site a --site typo`` is exit 2): every value is read, and the
    one no post has is named even though the others match, as the CLI names it."""
    one = "/archive/search?q=%E0%B8%9C%E0%B9%89%E0%B8%B2&site=loom.example"
    both = web.json(one.replace("search?", "search.json?") + "&site=weave.example")
    assert both["total"] == CLOTH_POSTS
    assert "unknown" not in both
    typo = web.json(one.replace("search?", "search.json?") + "&site=loom.exmaple")
    assert typo["total"] == 9  # loom.example's posts
    assert typo["unknown"] == ("no posts from site 'loom.exmaple'; sites in this archive: "
                               "loom.example, weave.example")
    page = web.get(one + "&site=loom.exmaple").text
    assert ("A filter value matches nothing, so it adds no post to these results: <bdi>no"
            " posts from site &#39;loom.exmaple&#39;; sites in this archive: loom.example,"
            " weave.example</bdi>.") in page
    assert "<strong>9</strong> posts match" in page
    assert len(re.findall(r'<select name="site">', page)) == 2  # both kept in the form
    labels = web.json("/archive/search.json?q=%E0%B8%9C%E0%B9%89%E0%B8%B2&label=OTOP"
                      "&label=OTPO")
    assert labels["unknown"].startswith("no posts labelled 'OTPO'; labels in this archive: ")
    assert web.json("/archive/search.json?q=%E0%B8%9C%E0%B9%89%E0%B8%B2&label=OTOP"
                    "&label=%E0%B8%9C%E0%B9%89%E0%B8%B2%E0%B8%97%E0%B8%AD")["total"] == 13


def test_deleted_posts_only_when_asked_and_marked(web: Client) -> None:
    hidden = web.json("/archive/search.json", q="ตอนที่ 2", _shape="array")
    assert "1002" not in [h["post_id"] for h in hidden]
    shown = web.json("/archive/search.json", q="ตอนที่ 2", include_deleted="1",
                     _shape="array")
    deleted = [h for h in shown if h["post_id"] == "1002"]
    assert deleted
    assert deleted[0]["deleted_at"] == "2024-05-01T00:00:00Z"
    page = web.get("/archive/search", q="ตอนที่ 2", include_deleted="1").text
    assert "deleted 2024-05-01" in page


def test_filters_without_words_say_a_search_needs_words(web: Client) -> None:
    """Filters narrow a search; set alone they do not list posts, and the page says so
    (as ``goahead search`` without a query is an error), not the start page as if no
    filter had been set, nor an "ok" with no hits."""
    page = web.get("/archive/search", label="OTOP", site="loom.example")
    assert page.status_code == 400
    assert "This search cannot run" in page.text
    assert "give a word or a phrase" in page.text
    data = web.get("/archive/search.json", label="OTOP")
    assert data.status_code == 400
    assert data.json()["ok"] is False
    start = web.get("/archive/search")
    assert start.status_code == 200
    assert "This search cannot run" not in start.text


def test_a_hit_label_narrows_the_search(web: Client) -> None:
    page = web.get("/archive/search", q="ผ้า").text
    assert '<a class="goahead-label" href="?q=%E0%B8%9C%E0%B9%89%E0%B8%B2&amp;label=OTOP"' in page


def test_whole_word_toggle(web: Client) -> None:
    anywhere = web.json("/archive/search.json", q="ทอ")["total"]
    whole = web.json("/archive/search.json", q="ทอ", whole_word="1")["total"]
    assert whole < anywhere  # ทอผ้า, ทอมือ hold ทอ inside longer words


@pytest.mark.parametrize("query", ["ผ้า", "ผ้า OR ชุมชน", "title:ตอนที่", "ทอ -OTOP"])
def test_the_web_finds_what_the_cli_finds(web: Client, archive: tuple[Path, Path],
                                          query: str) -> None:
    result = invoke_goahead("search", query, "--db", str(archive[0]), "--json",
                            "--limit", "100", "--site", "weave.example")
    assert result.returncode == 0, result.stderr
    cli = [hit["url"] for hit in json.loads(result.stdout)]
    pages = [web.json("/archive/search.json", q=query, site="weave.example", page=str(n))
             for n in (1, 2)]
    assert [h["url"] for page in pages for h in page["hits"]] == cli
    assert pages[0]["total"] == len(cli)


def test_search_page_escapes_titles_and_shows_no_sql(web: Client) -> None:
    page = web.get("/archive/search", q="กี่").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "char(57344)" not in page
    assert "SELECT" not in page
    assert web.get("/archive/search", q="กี่").headers["content-security-policy"] == CSP


def test_post_view(web: Client) -> None:
    response = web.get("/archive/post/9/1")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    page = response.text
    assert "<b>ทอผ้า</b>" in page  # the clean HTML, rendered
    assert "alert(2)" not in page  # what an older archive may hold is dropped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the title, escaped
    assert '/archive/-/warc?url=http%3A%2F%2Fcdn.example%2Fimg%2Floom.png' in page
    assert f'src="{PHOTO}"' not in page
    assert f'src="{GONE_PHOTO}"' not in page
    assert "image not archived" in page
    assert f'href="{GONE_PHOTO}"' in page
    assert "1 image of this post was not captured" in page
    # the usual reason on a custom domain's blog was not among those the note gave
    assert "host the crawl was not given" in page
    assert "--static-origin" in page
    assert "สวยมาก &lt;b&gt;จริง&lt;/b&gt;" in page  # comments escaped
    assert "Earlier versions (1)" in page
    assert "ร่างแรกของเรื่องกี่ทอผ้า" in page
    assert f'href="{FEATURE.url}"' in page
    assert 'rel="noopener noreferrer nofollow"' in page


@pytest.mark.parametrize("url", ["javascript:alert(document.domain)",
                                 " JaVa\tScript:alert(1)", "data:text/html,<b>x</b>"])
def test_a_live_url_that_is_no_web_address_is_text_not_a_link(tmp_path: Path, url: str
                                                                ) -> None:
    """A merged archive may hold any URL: only an http(s) one becomes the Live URL link
    (the page's policy would block a ``javascript:`` one; no link is offered at all)."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    upsert_post(db, Post(**{**FEATURE.__dict__, "url": url}))
    db.close()
    page = Client(path, tmp_path / "warcs").get("/archive/post/9/1").text
    (live,) = lxml_html.document_fromstring(page).xpath("//dt[.='Live URL']/following-sibling::dd[1]")
    assert live.xpath(".//a") == []
    assert url.split(":", 1)[1] in live.text_content()  # shown, as archived
    assert "not a web address: not linked" in live.text_content()


def test_a_thai_permalink_is_shown_in_thai_and_linked_as_fetched(tmp_path: Path) -> None:
    """The Live URL of a post at a Thai permalink reads as the blog wrote it, and links
    the URL as stored (before: %E0%B8%82... as its text)."""
    path = tmp_path / "archive.db"
    stored = "https://goaheadnews.blogspot.com/2024/03/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"
    db = open_archive(path)
    upsert_post(db, Post(**{**FEATURE.__dict__, "url": stored}))
    db.close()
    page = Client(path, tmp_path / "warcs").get("/archive/post/9/1").text
    (live,) = lxml_html.document_fromstring(page).xpath("//dt[.='Live URL']/following-sibling::dd[1]")
    (link,) = live.xpath(".//a")
    assert link.get("href") == stored
    assert link.text_content() == "https://goaheadnews.blogspot.com/2024/03/ข่าว.html"


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows it on its line reads backwards
BIDI_CONTROLS = "\u202a\u202b\u202d\u202e\u2066\u2067\u2068"  # each opens a run
OURS = "//time | //*[contains(@class, 'goahead-label') or contains(@class, 'goahead-where')" \
       " or contains(@class, 'goahead-badge')]"  # what the archive says beside a blog's text


def overrides_reaching(page: str) -> list[str]:
    """Each date, label, badge or note of ``page`` that a blog's bidi control before it on
    its line (outside a ``<bdi>``, which closes it) would turn around, with that text."""
    root = lxml_html.document_fromstring(page)
    reached = []
    for element in root.xpath(OURS):
        block = next(a for a in element.iterancestors()
                     if a.tag in ("p", "dd", "summary", "h1", "li", "div"))
        holders = [(t, t.getparent().getparent() if t.is_tail else t.getparent())
                   for t in element.xpath("preceding::text()[not(ancestor::bdi)]")]
        before = [t for t, holder in holders if holder is block or block in holder.iterancestors()]
        if any(c in text for text in before for c in BIDI_CONTROLS):
            reached.append(f"{element.text_content()!r} after {''.join(before)!r}")
    return reached


def test_a_blogs_bidi_override_turns_around_nothing_the_archive_says(tmp_path: Path) -> None:
    """A title, author, label or commenter ending in an unclosed RIGHT-TO-LEFT OVERRIDE
    would show the date, labels and badges after it backwards (2024-01-07 as 70-10-4202)
    and the labels in reverse order: each such value is isolated (``<bdi>``)."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    post = Post(**{**FEATURE.__dict__, "title": f"ผ้า {RLO}title", "author": f"{RLO}author",
                   "labels": [f"{RLO}one", "two", "three"]})
    upsert_post(db, Post(**{**post.__dict__, "title": f"ร่าง {RLO}draft", "text": "ร่าง"}))
    upsert_post(db, post)
    upsert_comments(db, "9", "1", [{"author": f"{RLO}reader", "published": "2024-01-07T10:00:00Z",
                                    "text": "ok"}])
    delete_post(db, "9", "1", at="2024-05-01T00:00:00Z")
    db.close()
    web = Client(path, tmp_path / "warcs")
    post_page = web.get("/archive/post/9/1").text
    search_page = web.get("/archive/search", q="ผ้า", include_deleted="1").text
    assert "2024-01-07 10:00 UTC" in post_page
    assert "deleted 2024-05-01" in search_page
    assert overrides_reaching(post_page) == []
    assert overrides_reaching(search_page) == []


def test_a_query_with_a_bidi_override_turns_around_nothing_the_page_says(web: Client) -> None:
    """A link can carry a query ending in an open RIGHT-TO-LEFT OVERRIDE: the count and
    the page numbers after it on the line ("; showing 1–20") read forwards all the same."""
    for query, where in ((f"{RLO}ผ้า", "goahead-total"), (f"{RLO}zzzqqq", "goahead-empty")):
        root = lxml_html.document_fromstring(web.get("/archive/search", q=query).text)
        line = root.find_class(where)[0]
        outside = line.xpath(".//text()[not(ancestor::bdi)]")
        assert not any(RLO in text for text in outside), (query, outside)


def test_deleted_post_view_is_marked(web: Client) -> None:
    page = web.get("/archive/post/9/1002").text
    assert "Deleted from the blog: gone since 2024-05-01 00:00 UTC" in page


def test_unknown_post_is_404(web: Client) -> None:
    assert web.get("/archive/post/9/nope").status_code == 404
    assert web.get("/archive/post/999999").status_code == 404


def test_a_link_to_a_post_under_the_id_made_from_its_url_follows_it_re_keyed(
        tmp_path: Path) -> None:
    """A post stored under an id made from its URL (an older extractor found none) is
    re-keyed under its page's id when stored again (776aeeb): its old reading-view link,
    bookmarked or cited, was a 404; it now leads to the post."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    made = fallback_post_id(FEATURE.url)
    upsert_post(db, Post(**{**FEATURE.__dict__, "post_id": made}))
    upsert_post(db, FEATURE)  # the page's own id, found this time: the row is re-keyed
    upsert_post(db, cloth_post(2))
    db.close()
    web = Client(path, tmp_path / "warcs")
    moved = web.get(f"/archive/post/{FEATURE.blog_id}/{made}")
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/archive/post/{FEATURE.blog_id}/{FEATURE.post_id}"
    assert web.get(moved.headers["location"]).status_code == 200
    other = fallback_post_id("http://weave.example/2024/never.html")
    assert web.get(f"/archive/post/{FEATURE.blog_id}/{other}").status_code == 404


def test_titles_in_tables_and_queries_open_the_reading_view(web: Client) -> None:
    moved = web.get("/archive/post/1")  # posts.id 1: the feature post
    assert moved.status_code == 302
    assert moved.headers["location"] == "/archive/post/9/1"
    link = '<a href="/archive/post/1">กี่ทอผ้า &lt;script&gt;alert(1)&lt;/script&gt; ของหมู่บ้าน</a>'
    assert link in web.get("/archive/posts").text
    assert link in web.get("/archive/latest").text
    other = web.get("/archive", sql="select id, title from post_versions").text
    assert "กี่ทอผ้า (ร่าง)" in other
    assert '<a href="/archive/post/' not in other  # a version's id is not a post's


def test_image_served_from_the_warc(web: Client) -> None:
    response = web.get("/archive/-/warc", url=PHOTO)
    assert response.status_code == 200
    assert response.content == png()
    assert response.headers["content-type"] == "image/png"
    assert "sandbox" in response.headers["content-security-policy"]
    missing = web.get("/archive/-/warc", url=GONE_PHOTO)
    assert missing.status_code == 404
    assert "no capture of" in missing.text


def test_an_image_the_page_spells_otherwise_is_found_as_it_was_fetched(tmp_path: Path) -> None:
    """The crawl fetched (and the WARC records) an image as Scrapy sends it: percent-encoded,
    the host in lower case. The post's HTML keeps the page's spelling; the reading view and
    the WARC route find the capture by either."""
    path, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    written, fetched = ("http://CDN.example/img/café loom.png",
                        "http://cdn.example/img/caf%C3%A9%20loom.png")
    db = open_archive(path)
    upsert_post(db, Post(**{**FEATURE.__dict__, "html": f'<p><img src="{written}"></p>'}))
    write_image_capture(db, warcs, fetched, png())
    db.close()
    web = Client(path, warcs)
    page = web.get("/archive/post/9/1").text
    assert "/archive/-/warc?url=http%3A%2F%2Fcdn.example%2Fimg%2Fcaf%25C3%25A9%2520loom.png" in page
    assert "image not archived" not in page
    for url in (fetched, written):
        answer = web.get("/archive/-/warc", url=url)
        assert answer.status_code == 200, url
        assert answer.content == png()


def test_a_photo_links_to_its_archived_full_size_copy(tmp_path: Path) -> None:
    """Blogger wraps each photo in a link to its full-size copy, which the crawl captures
    (it is in the post's ``images``): a click on the photo opens that copy from the
    archive, not the live web; a link to a page or an image not archived stays live."""
    path, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    thumb, full = "http://cdn.example/s640/loom.png", "http://CDN.example/s1600/loom.png"
    fetched_full = "http://cdn.example/s1600/loom.png"
    other = "http://cdn.example/s1600/never-fetched.png"
    db = open_archive(path)
    upsert_post(db, Post(**{**FEATURE.__dict__, "images": [thumb, fetched_full], "html": (
        f'<p><a href="{full}"><img src="{thumb}"></a></p>'
        f'<p><a href="{other}">full size</a> <a href="{BLOG}/2024/02/next.html">next</a></p>')}))
    for url in (thumb, fetched_full):
        write_image_capture(db, warcs, url, png())
    db.close()
    page = Client(path, warcs).get("/archive/post/9/1").text
    local_full = "/archive/-/warc?url=http%3A%2F%2Fcdn.example%2Fs1600%2Floom.png"
    assert f'<a href="{local_full}"' in page
    assert full not in page
    assert fetched_full not in page
    assert f'<a href="{other}" rel="noopener noreferrer nofollow">' in page
    assert f'<a href="{BLOG}/2024/02/next.html" rel="noopener noreferrer nofollow">' in page


def test_an_archived_text_answer_is_served_as_archived_whatever_the_query(
        tmp_path: Path) -> None:
    """The CSV guard is for Datasette's CSV: an archived text/plain response, asked for
    with ``_format=csv`` in its query, comes back byte for byte."""
    path, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    notes, body = "http://blog.example/notes.txt", b"-- archived\n=notes,+x\n"
    db = open_archive(path)
    write_image_capture(db, warcs, notes, body, content_type="text/plain")
    db.close()
    for params in ({}, {"_format": "csv"}):
        answer = Client(path, warcs).get("/archive/-/warc", url=notes, **params)
        assert answer.status_code == 200
        assert answer.content == body, params


@pytest.mark.parametrize("query", ['"ผ้า', "-", "foo:bar", "(a " * 9 + "b" + ")" * 9])
def test_the_posts_tables_search_box_says_what_it_cannot_search(web: Client, query: str) -> None:
    """Datasette's own ?_search= answered an empty table for a query it could not run;
    it says what /DB/search says, and the search page and JSON agree."""
    table = web.get("/archive/posts.json", _search=query)
    assert table.status_code == 400
    error = table.json()["error"]
    assert error.startswith(web.json("/archive/search.json", q=query)["error"])
    assert web.get("/archive/posts", _search=query).status_code == 400
    assert web.get("/archive/posts.json", _search="ผ้า").status_code == 200


def test_odd_page_numbers_and_ids_are_not_server_errors(web: Client) -> None:
    for page in ("²", "99999999999999999999", "-3", "x"):
        assert web.get("/archive/search", q="ผ้า", page=page).status_code == 200, page
    assert web.get("/archive/post/99999999999999999999999").status_code == 404


def test_an_archive_damaged_inside_is_said_with_what_to_do(tmp_path: Path) -> None:
    """A file whose damage the start-up check cannot see (pages in its middle) is named
    as damaged, with the CLI's hint, on the page that reads it, not a bare SQLite error."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    for n in range(2, 120):
        upsert_post(db, cloth_post(n))
    db.close()
    with path.open("r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        fh.write(b"\xff" * 200_000)
    web = Client(path, tmp_path / "warcs")
    answers = (web.get(f"/archive/post/{blog}/{1000 + n}")
               for n in range(2, 120, 3) for blog in ("8", "9"))
    broken = next((a for a in answers if a.status_code >= 500), None)
    assert broken is not None, "the damage was not reached"
    assert broken.status_code == 500
    assert f"{path} is damaged" in broken.text
    assert "goahead reindex" in broken.text


def test_warc_file_gone_is_a_404_naming_it(archive: tuple[Path, Path], tmp_path: Path) -> None:
    client = Client(archive[0], tmp_path / "elsewhere")
    response = client.get("/archive/-/warc", url=PHOTO)
    assert response.status_code == 404
    assert "test-00001.warc.gz not found" in response.text


def test_an_unreadable_time_is_the_readers_mistake_not_the_servers(web: Client) -> None:
    """``?at=`` that is no time is bad input (400, how to write one), as ``warc-get --at``
    is a usage error; 502 would say the archive failed."""
    answer = web.get("/archive/-/warc", url=PHOTO, at="last tuesday")
    assert answer.status_code == 400
    assert "cannot read 'last tuesday' as a time" in answer.text
    assert web.get("/archive/-/warc", url=PHOTO, at="2030").status_code == 200


def test_a_post_whose_warc_files_are_missing_says_so(archive: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    """Served with the wrong --warc-dir (or the files moved), the post's archived images
    cannot load: the page names the missing file and the folder, not a broken picture
    with no word; with the files in place it says nothing of the kind."""
    page = Client(archive[0], tmp_path / "elsewhere").get("/archive/post/9/1").text
    assert "WARC file test-00001.warc.gz is not in" in page
    assert str((tmp_path / "elsewhere").resolve()) in page
    assert "--warc-dir" in page
    assert "is not in" not in Client(*archive).get("/archive/post/9/1").text


EVERY_KIND_OF_ANSWER = {
    "index": "/", "database": "/archive", "table": "/archive/posts",
    "row": "/archive/posts/1", "query": "/archive?sql=select+id,+html+from+posts",
    "canned query": "/archive/latest", "table json": "/archive/posts.json",
    "table csv": "/archive/posts.csv", "query csv": "/archive.csv?sql=select+1",
    "Datasette static": "/-/static/app.css", "plugin static": "/-/goahead/goahead.css",
    "Datasette's own": "/-/versions", "not found": "/nope",
    "search box refused": "/archive/posts?_search=%22", "search": "/archive/search?q=ผ้า",
    "search json": "/archive/search.json?q=ผ้า", "reading view": "/archive/post/9/1",
    "post by id": "/archive/post/1", "no such post": "/archive/post/9/nope",
    "archived image": f"/archive/-/warc?url={PHOTO}",
    "image not archived": f"/archive/-/warc?url={GONE_PHOTO}",
}


@pytest.mark.parametrize("path", EVERY_KIND_OF_ANSWER.values(), ids=EVERY_KIND_OF_ANSWER)
def test_every_answer_carries_a_policy_and_the_safety_headers(web: Client, path: str) -> None:
    """Datasette's own pages show stored posts too (the html column), and once sent no
    Content-Security-Policy, nosniff or Referrer-Policy: only goahead's pages did."""
    response = web.get(path)
    assert response.status_code < 500
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy or "sandbox" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


@pytest.mark.parametrize("kind", ["table", "row", "query", "database", "index", "not found",
                                  "search box refused", "search", "reading view"])
def test_pages_run_their_own_scripts_and_nothing_else(web: Client, kind: str) -> None:
    """Each inline script a page holds (Datasette's, goahead's pages extend its base.html)
    is allowed by its hash (the browser runs it), no script is allowed inline without one,
    and stored HTML stays text."""
    response = web.get(EVERY_KIND_OF_ANSWER[kind])
    policy = response.headers["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    scripts = INLINE_SCRIPT.findall(response.text)
    assert scripts  # every Datasette page closes its menus by script
    assert [s for s in scripts if script_hash(s) not in script_src] == []
    assert "<script>alert(2)</script>" not in response.text


def test_datasette_tables_and_facets_stay(web: Client) -> None:
    data = web.json("/archive/posts.json", _facet="site")
    assert {r["value"] for r in data["facet_results"]["site"]["results"]} == {
        "weave.example", "loom.example"}


# -- the pure parts -----------------------------------------------------------------------

def test_marked_html_escapes_then_marks() -> None:
    assert marked_html("a <b>\ue000x\ue001</b>") == "a &lt;b&gt;<mark>x</mark>&lt;/b&gt;"


def test_form_reads_arguments_and_writes_links() -> None:
    form = SearchForm.from_args({"q": " ผ้า ", "page": "x", "whole_word": "on",
                                 "sort": "bogus", "label": "OTOP"})
    assert (form.q, form.page, form.whole_word, form.sort) == ("ผ้า", 1, True, "relevance")
    assert form.filters() == {"label": ("OTOP",)}
    assert form.query_string(page=3) == (
        "q=%E0%B8%9C%E0%B9%89%E0%B8%B2&label=OTOP&whole_word=1&page=3")
    assert form.query_string(label="ทอ", q="") == "label=%E0%B8%97%E0%B8%AD&whole_word=1"
    assert SearchForm.from_args({"page": "999999999"}).page == 5_000


def test_reading_html_keeps_text_and_drops_what_runs() -> None:
    out = reading_html('lead <p onclick="x()">a<img src="http://c/i.jpg" srcset="y 2x"></p>'
                       '<iframe src="http://evil/"></iframe><p>\xa0</p><p> <br></p>tail<p>b<br>c</p>',
                       lambda url: "/local")
    assert out == '<div>lead <p>a<img src="/local"></p>tail<p>b<br>c</p></div>'


def test_reading_html_lets_through_only_what_the_extractor_keeps() -> None:
    """HTML an older archive (or a merged one) holds is shown by the extractor's own rule:
    content tags (others unwrapped, their text kept), http(s) and mailto links, http(s)
    images, no style, no form controls, no media or SVG that would fetch the live web."""
    hostile = (
        '<p><a href="javascript:alert(1)">js</a> <a href=" JaVa&#x09;Script:alert(2)">js2</a>'
        ' <a href="data:text/html,x">data</a> <a href="vbscript:x">vb</a>'
        ' <a href="//evil.example/x">far</a> <a href="next.html">next</a>'
        ' <a href="mailto:ed@example.org">mail</a></p>'
        '<p><img src="javascript:alert(3)" alt="js"><img src="data:image/png;base64,AA"></p>'
        '<svg><image href="http://live.example/s.png"/><a xlink:href="javascript:x()">'
        '<text>drawn</text></a></svg><math><mi xlink:href="javascript:x()">m</mi></math>'
        '<p style="background:url(http://live.example/b.png)">styled</p>'
        '<table background="http://live.example/t.png"><tr><td>cell</td></tr></table>'
        '<video src="http://live.example/v.mp4" poster="http://live.example/p.png"></video>'
        '<audio src="http://live.example/a.mp3"></audio><input type="image" '
        'src="http://live.example/i.png"><button formaction="http://evil.example/">btn</button>'
        '<a href="http://blog.example/" ping="http://live.example/ping">ping</a>')
    out = reading_html(hostile, lambda url: None, base_url="http://blog.example/2024/01/p.html")
    for gone in ("javascript", "script:", "data:", "vbscript", "<svg", "<math", "<video",
                 "<audio", "<input", "<button", "style=", "background", "poster", "ping=",
                 "formaction", "live.example"):
        assert gone not in out.lower(), gone
    for kept in ("js", "styled", "cell", "btn", "drawn", ">ping</a>"):
        assert kept in out, kept
    leaving = 'rel="noopener noreferrer nofollow"'
    assert f'<a href="http://evil.example/x" {leaving}>far</a>' in out
    assert f'<a href="http://blog.example/2024/01/next.html" {leaving}>next</a>' in out
    assert '<a href="mailto:ed@example.org">mail</a>' in out


def test_the_web_view_folds_labels_in_any_script(tmp_path: Path) -> None:
    """Datasette's connections have the archive's collation too (archive.folding)."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    upsert_post(db, Post(**{**cloth_post(2).__dict__, "labels": ["Новости"],
                            "author": "Ünal"}))
    db.close()
    web = Client(path, tmp_path / "warcs")
    assert web.json("/archive/search.json", q="ผ้า", label="новости")["total"] == 1
    assert web.json("/archive/search.json", q="ผ้า", author="ÜNAL")["total"] == 1
    assert web.json("/archive/search.json", q="ผ้า", label="спорт")["total"] == 0


def test_the_posts_with_a_label_query_folds_case_as_the_search_does(web: Client) -> None:
    """The canned query "Posts with a label" finds what the search page's label filter
    finds: otop is OTOP, as goahead search --label otop."""
    def titles(label: str) -> list[str]:
        return [row["title"] for row in web.json("/archive/by_label.json", label=label,
                                                  _shape="array")]

    assert len(titles("OTOP")) == 13
    assert titles("otop") == titles("OTOP")
    assert titles("ผ้าทอ") != []


def test_datasette_csv_downloads_write_formulas_as_text(tmp_path: Path) -> None:
    """A table's CSV, every row streamed, and an SQL query's CSV: a cell a spreadsheet would
    run starts with ', as in goahead export; JSON and the debug view are as they were."""
    title = '=WEBSERVICE("http://evil.example/")'
    web = Client(one_post_archive(tmp_path, title=title, author="@me"), tmp_path / "warcs")
    for where, row in first_csv_rows(web, "select title, author from posts"):
        assert (row["title"], row["author"]) == ("'" + title, "'@me"), where
    assert web.json("/archive/posts.json", _shape="array")[0]["title"] == title
    assert "=WEBSERVICE(" in web.get("/archive/posts.csv", _trace="1").text


def test_datasette_csv_downloads_keep_every_digit_of_the_ids(tmp_path: Path) -> None:
    """The posts table's CSV wrote the 19-digit post and blog ids bare: a spreadsheet
    keeps 15 digits of a number, and the ids named no post (LibreOffice showed
    9.02173554816009E+018). They start with ' now, as in goahead export; JSON is raw."""
    blog_id, post_id = "7183947562016475920", "9021735548160093372"  # Blogger's: 19 digits
    web = Client(one_post_archive(tmp_path, blog_id=blog_id, post_id=post_id),
                 tmp_path / "warcs")
    for where, row in first_csv_rows(web, "select post_id, blog_id, id from posts"):
        assert (row["post_id"], row["blog_id"]) == ("'" + post_id, "'" + blog_id), where
        assert row.get("id", "1").isdigit()  # a short number is as it was
    assert web.json("/archive/posts.json", _shape="array")[0]["post_id"] == post_id


def one_post_archive(tmp_path: Path, **fields: str) -> Path:
    """An archive of one post, :func:`cloth_post` with ``fields`` changed."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    upsert_post(db, Post(**{**cloth_post(2).__dict__, **fields}))
    db.close()
    return path


def first_csv_rows(web: Client, sql: str) -> Iterator[tuple[Any, dict[str, str]]]:
    """The first row of each CSV download: the table's, every row streamed, ``sql``'s."""
    for path, params in (("/archive/posts.csv", {}),
                         ("/archive/posts.csv", {"_stream": "on", "_dl": "1"}),
                         ("/archive.csv", {"sql": sql})):
        answer = web.get(path, **params)
        assert answer.status_code == 200, (path, params)
        yield (path, params), next(csv.DictReader(io.StringIO(answer.text)))


def test_where_the_csv_links_are_the_spreadsheet_cell_limit_is_said(web: Client) -> None:
    """``goahead export --format csv`` warns of a cell Excel would cut; Datasette's CSV
    streams (its headers go before any cell is read), so the table and the database
    pages, where its CSV links are, say the limit and what holds such a post whole."""
    for path in ("/archive/posts", "/archive/latest", "/archive?sql=select+title+from+posts"):
        page = web.get(path).text
        assert re.search(r'href="[^"]*(\.csv|_format=csv)', page), path  # a CSV link
        assert "A spreadsheet cuts a cell longer than 32,767 characters" in page, path


def test_a_very_long_title_is_clipped_in_lists_and_whole_on_its_page(tmp_path: Path) -> None:
    """A 15,000-character title filled screens of search results (and of the posts table,
    whose rendered title link Datasette's truncation does not reach): lists show about
    200 characters, cut on a cluster boundary with a match still closed; the post's
    page shows it whole."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    title = "ผ้าทอมือบ้านหนองบัวลำภู " * 625  # 15,000 characters
    upsert_post(db, Post(**{**FEATURE.__dict__, "title": title}))
    db.close()
    web = Client(path, tmp_path / "warcs")
    results = lxml_html.fragment_fromstring(
        web.get("/archive/search", q="ผ้า").text, create_parent="div")
    (link,) = results.find_class("goahead-title")
    shown = link.text_content()
    assert shown.endswith("…")
    assert len(shown) <= 201
    assert title.startswith(shown[:-1])
    assert Text(title).on_boundary(len(shown) - 1)  # Thai: no cluster split
    marks = lxml_html.tostring(link, encoding="unicode")
    assert marks.count("<mark>") == marks.count("</mark>") > 0
    table = web.get("/archive/posts").text
    assert title not in table
    assert title[:150] in table
    assert f"<h1>{title}</h1>" in web.get("/archive/post/9/1").text


def test_a_title_clipped_inside_a_match_closes_the_mark() -> None:
    start, end = "\ue000", "\ue001"  # the search's match markers
    shown = clipped("ข่าว " + start + "ผ้าทอ" * 100 + end, 60)
    assert shown.endswith(end + "…")
    assert marked_html(shown).count("<mark>") == marked_html(shown).count("</mark>") == 1


def test_a_post_whose_image_record_is_damaged_says_so(archive: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    """A WARC file damaged after the crawl (a flipped bit in the image's record): the
    image answers 502, and the post's page names the damaged file, rather than a broken
    picture with no word; the whole archive says nothing of the kind."""
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    shutil.copy(archive[0], db)
    shutil.copytree(archive[1], warcs)
    (capture,) = captured_files_of(db, PHOTO)
    path = warcs / capture[0]
    data = bytearray(path.read_bytes())
    middle = capture[1] + capture[2] // 2  # inside the image record's gzip member
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    client = Client(db, warcs)
    assert client.get("/archive/-/warc", url=PHOTO).status_code == 502
    page = client.get("/archive/post/9/1").text
    assert ("1 archived image of this post cannot be read: its record in WARC file"
            f" {path.name} is damaged") in page
    assert "cannot be read" not in Client(*archive).get("/archive/post/9/1").text


def captured_files_of(db: Path, url: str) -> list[tuple[str, int, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT warc_file, warc_offset, warc_length FROM captures"
                            " WHERE url = ? AND record_type = 'response'", [url]).fetchall()
