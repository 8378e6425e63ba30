"""archive.search: Thai syllable search, English stemming, ranking, filters, bad queries."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import search
from archive.connection import open_archive
from archive.errors import QueryError
from archive.filters import Filters
from archive.models import Post
from archive.posts import delete_post, upsert_post
from archive.query import to_fts
from archive.segment import ZWSP

POSTS = [
    # post_id, site, title, text, labels, author, published, language
    ("1", "a.blogspot.com", "กรมการพัฒนาชุมชนเปิดตลาด",
     "กรมการพัฒนาชุมชนจัดงานแสดงสินค้าที่จังหวัดเชียงใหม่", ["ข่าว"], "สมชาย",
     "2024-01-05T09:00:00+07:00", "th"),
    ("2", "a.blogspot.com", "ฤดูทำนา", "ชาวบ้านทำนาปลูกข้าวหลังฝนตก", ["เกษตร"], "สมหญิง",
     "2024-02-10T09:00:00+07:00", "th"),
    ("3", "b.blogspot.com", "ผ้าไหมไทย", "ตลาดผ้าไหมคึกคักช่วงปีใหม่", ["ข่าว", "ตลาด"],
     "สมชาย", "2023-12-30T09:00:00+07:00", "th"),
    ("4", "b.blogspot.com", "Library news", "The national archives opened a new reading room.",
     ["news"], "Jane", "2024-03-01T09:00:00Z", "en"),
    ("5", "a.blogspot.com", "ตลาดนัดชุมชน",
     "พัฒนาชุมชน " * 30 + "ตลาดนัดทุกวันเสาร์", ["ตลาด"], "สมชาย",
     "2024-04-01T09:00:00+07:00", "th"),
    ("6", "a.blogspot.com", "พัฒนาชุมชน", "รายงานสั้น", ["ข่าว"], "สมศรี",
     "2022-06-01T09:00:00+07:00", "th"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_archive(tmp_path_factory.mktemp("search") / "archive.db")
    for post_id, site, title, text, labels, author, published, lang in POSTS:
        upsert_post(database, Post(
            blog_id="1", post_id=post_id, url=f"https://{site}/p/{post_id}.html", site=site,
            title=title, text=text, labels=labels, author=author, published=published,
            language=lang))
    yield database
    database.close()


def ids(hits) -> list[str]:
    return [hit.post_id for hit in hits]


@pytest.mark.parametrize(("query", "expected"), [
    ("ชุมชน", {"1", "5", "6"}),          # inside the compound พัฒนาชุมชน
    ("พัฒนาชุมชน", {"1", "5", "6"}),
    ("นา", {"1", "2", "5", "6"}),         # two code points: trigram can never find this
    ("ทำนา", {"2"}),
    ("ผ้า", {"3"}),
    ("archive", {"4"}),                  # porter: archives -> archive
    ("reading rooms", {"4"}),
    ('"reading room"', {"4"}),
    ("ชุม*", {"1", "5", "6"}),
    ("ตลาด AND ชุมชน", {"1", "5"}),
    ("ผ้า OR archive", {"3", "4"}),
    ("ตลาด NOT ชุมชน", {"3"}),
    ("ตลาด AND NOT ชุมชน", {"3"}),
    ("(ผ้า OR ทำนา) AND ข้าว", {"2"}),
    ("ไม่มีคำนี้เลย", set()),
])
def test_finds_expected_posts(db, query, expected):
    assert set(ids(search.search(db, query, limit=50))) == expected
    assert search.count(db, query) == len(expected)


def test_exact_title_match_ranks_first(db):
    # post 5 repeats the phrase 30 times in its body; post 6 is titled exactly so.
    assert ids(search.search(db, "พัฒนาชุมชน"))[0] == "6"


def test_title_weight_beats_body_repetition(db):
    assert ids(search.search(db, "ตลาดนัด"))[0] == "5"
    hits = search.search(db, "ผ้าไหม")
    assert hits[0].score > 0


def test_snippet_is_original_text_with_markers(db):
    (hit,) = search.search(db, "ชุมชน", site="a.blogspot.com", label="ข่าว", author="สมชาย")
    assert ZWSP not in hit.snippet
    assert "กรมการพัฒนา[ชุมชน]จัดงาน" in hit.snippet
    (hit,) = search.search(db, "archives", markers=("<b>", "</b>"))
    assert "<b>archives</b>" in hit.snippet
    assert (hit.title, hit.site, hit.blog_id, hit.url) == (
        "Library news", "b.blogspot.com", "1", "https://b.blogspot.com/p/4.html")


@pytest.mark.parametrize(("filters", "expected"), [
    ({"site": "b.blogspot.com"}, {"3"}),
    ({"label": "ตลาด"}, {"3", "5"}),
    ({"author": "สมชาย"}, {"1", "3", "5"}),
    ({"since": "2024-01-01"}, {"1", "5"}),
    ({"until": "2023-12-30"}, {"3"}),  # a bare date covers the whole (UTC) day
    ({"since": "2024-01-01", "until": "2024-01-31"}, {"1"}),
    ({"lang": "en"}, set()),
])
def test_filters(db, filters, expected):
    assert set(ids(search.search(db, "ตลาด", **filters))) == expected


def test_sort_by_date_and_paging(db):
    assert ids(search.search(db, "ชุมชน", sort="date")) == ["5", "1", "6"]
    assert ids(search.search(db, "ชุมชน", sort="date", limit=1, offset=1)) == ["1"]


@pytest.mark.parametrize("query", [
    '"unclosed', 'ผ้า "ไหม', "AND", "ผ้า AND", "OR ผ้า", "NOT ผ้า", "ผ้า AND OR ไหม",
    "(ผ้า", "ผ้า)", "()", "", "   ", "***", '"',
])
def test_malformed_queries_raise_query_error(db, query):
    with pytest.raises(QueryError) as info:
        search.search(db, query)
    assert "\n" not in str(info.value)
    assert info.value.hint


def test_bad_date_filter_is_a_query_error(db):
    with pytest.raises(QueryError, match="--since"):
        search.search(db, "ผ้า", since="last tuesday")


def test_build_query_never_splices_query_text():
    sql, params = search.build_query('ผ้า "x\'); DROP TABLE posts; --"', Filters(site="x'y"))
    assert "DROP" not in sql
    assert "x'y" not in sql
    assert "DROP" in params["query"]
    assert params["f_site"] == "x'y"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab ผ้าไหม"()*-:^+NOTANDOR ')), max_size=20)
       | st.text(max_size=20))
def test_any_query_gives_hits_or_query_error(query):
    """Our parser rejects a query (QueryError, with a hint) or SQLite accepts what it makes:
    search() turns an FTS5 error into a QueryError too, so that one must not be the answer."""
    db = open_archive(":memory:")
    upsert_post(db, Post(blog_id="1", post_id="1", url="u", site="s",
                         title="ab ผ้าไหม", text="NOT AND OR"))
    try:
        to_fts(query)
    except QueryError:
        with pytest.raises(QueryError) as refused:
            search.search(db, query)
        assert refused.value.hint
        assert "\n" not in str(refused.value)
        return
    try:
        hits = search.search(db, query)
    except (QueryError, sqlite3.Error) as err:
        pytest.fail(f"{query!r} passed our checks and reached SQLite, which refused it: {err}")
    assert all(isinstance(hit, search.Hit) for hit in hits)
    assert search.count(db, query) == len(hits)


def test_index_follows_updates_and_deletes(tmp_path):
    db = open_archive(tmp_path / "a.db")
    post = Post(blog_id="1", post_id="1", url="u", site="s", title="หัวข้อ", text="ผ้าไหม")
    upsert_post(db, post)
    post.text = "ทำนา"
    assert upsert_post(db, post) == "updated"
    assert ids(search.search(db, "ผ้า")) == []
    assert ids(search.search(db, "ทำนา")) == ["1"]
    db.execute("DELETE FROM posts_search")  # lose the copy, then rebuild it
    assert search.count(db, "ทำนา") == 0
    assert search.reindex(db) == 1
    assert search.count(db, "ทำนา") == 1
    delete_post(db, "1", "1")
    assert search.count(db, "ทำนา") == 0  # soft-deleted posts are not found
    delete_post(db, "1", "1", soft=False)
    assert db.execute("SELECT count(*) FROM posts_search_fts").fetchone()[0] == 0
