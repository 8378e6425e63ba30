"""archive.filters: every filter form a researcher writes (each of these gave 0 posts
before, issue 15), and the line that says which filter matched nothing."""

from __future__ import annotations

import unicodedata

import pytest

from archive import search
from archive.connection import open_archive
from archive.errors import QueryError
from archive.filter_check import explain_empty
from archive.filters import Filters, date_range, resolve_site, site_key
from archive.models import Post
from archive.posts import count_posts, delete_post, iter_posts, upsert_post

POSTS = [  # post_id, site, labels, published
    ("1", "news.blogspot.com", ["OTOP", "ข่าว"], "2024-01-05T09:00:00+07:00"),
    ("2", "news.blogspot.com", ["otop"], "2024-03-31T23:30:00+07:00"),  # 16:30 UTC
    ("3", "127.0.0.1:8000", ["ตลาด", "ข่าว"], "2023-12-31T23:00:00+07:00"),  # 2023 locally
    ("4", "127.0.0.1:8000", ["เกษตร"], "2024-04-01T00:30:00+07:00"),  # March in UTC
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_archive(tmp_path_factory.mktemp("filters") / "a.db")
    for post_id, site, labels, published in POSTS:
        upsert_post(database, Post(blog_id="1", post_id=post_id, site=site,
                                   url=f"http://{site}/{post_id}.html", title="ผ้าไหม",
                                   text="ผ้าไหมทอมือ", labels=labels, published=published,
                                   author="Somchai", language="th"))
    upsert_post(database, Post(blog_id="1", post_id="5", site="news.blogspot.com",
                               url="http://news.blogspot.com/5.html", title="ผ้าไหม",
                               labels=["OTOP"], published="2024-02-01T00:00:00+07:00"))
    delete_post(database, "1", "5")
    yield database
    database.close()


def ids(db, **filters) -> set[str]:
    found = {post.post_id for post in iter_posts(db, **filters)}
    assert {hit.post_id for hit in search.search(db, "ผ้าไหม", **filters)} == found
    assert search.count(db, "ผ้าไหม", **filters) == count_posts(db, **filters) == len(found)
    return found


@pytest.mark.parametrize(("filters", "expected"), [
    ({"site": "http://127.0.0.1:8000/"}, {"3", "4"}),  # a URL with its slash
    ({"site": "http://127.0.0.1:8000"}, {"3", "4"}),
    ({"site": "127.0.0.1:8000/"}, {"3", "4"}),
    ({"site": "https://NEWS.blogspot.com/2024/01/x.html"}, {"1", "2"}),
    ({"site": "news.blogspot.com."}, {"1", "2"}),
    ({"site": "https://news.blogspot.com:443/"}, {"1", "2"}),
    ({"site": ["news.blogspot.com", "127.0.0.1:8000"]}, {"1", "2", "3", "4"}),
    ({"label": "otop"}, {"1", "2"}),  # any case
    ({"label": "OTOP"}, {"1", "2"}),
    ({"label": ["otop", "ข่าว"]}, {"1"}),  # repeated: all of them (was: the last only)
    ({"label": ["ตลาด", "เกษตร"], "any_label": True}, {"3", "4"}),
    ({"since": "2024"}, {"1", "2", "4"}),  # a year (was refused)
    ({"until": "2023"}, {"3"}),  # the blog's own date: 23:00 on 31 December is 2023
    ({"since": "2024-03", "until": "2024-03"}, {"2"}),  # a month, in the blog's dates
    ({"since": "2567", "until": "2567-03-31"}, {"1", "2"}),  # Buddhist era
    ({"since": "2024-03-31T16:00:00Z"}, {"2", "4"}),  # a moment: UTC
    ({"author": "somchai", "lang": "TH"}, {"1", "2", "3", "4"}),
    ({"include_deleted": True, "label": "otop"}, {"1", "2", "5"}),
])
def test_every_form_of_a_filter(db, filters, expected):
    assert ids(db, **filters) == expected


def test_site_forms_and_names():
    assert site_key("https://goaheadnews.blogspot.com/") == "goaheadnews.blogspot.com"
    assert site_key("HTTP://127.0.0.1:80/x") == "127.0.0.1"
    assert site_key("127.0.0.1:36523") == "127.0.0.1:36523"
    names = {"goahead": "https://goaheadnews.blogspot.com/"}
    assert resolve_site("goahead", names) == "goaheadnews.blogspot.com"
    assert resolve_site("other.blogspot.com", names) == "other.blogspot.com"


def test_dates():
    assert date_range("2024", "--since") == ("2024-01-01", "2025-01-01")
    assert date_range("2567-02", "--since") == ("2024-02-01", "2024-03-01")
    assert date_range("2024-12-31", "--until") == ("2024-12-31", "2025-01-01")
    assert date_range("2024-03-05T10:00:00+07:00", "--since") is None
    for bad in ("2024-13", "2024-02-30", "last tuesday", "24"):
        with pytest.raises(QueryError, match="--since"):
            Filters(since=bad).where()
    with pytest.raises(QueryError, match="after --until"):
        Filters(since="2024-05", until="2024-04").where()


def test_since_and_until_the_same_moment_is_that_moment(db):
    """Both ends are inclusive: the same full time at each end is one moment, and the
    post published then matches (it was refused as "--since ... is after --until")."""
    moment = POSTS[0][3]
    assert [p.post_id for p in iter_posts(db, since=moment, until=moment)] == ["1"]
    with pytest.raises(QueryError, match="after --until"):
        Filters(since="2024-01-05T09:00:01+07:00", until=moment).where()


@pytest.mark.parametrize(("filters", "message", "unknown"), [
    (Filters(site="http://127.0.0.1:9/"),
     "no posts from site '127.0.0.1:9'; sites in this archive: 127.0.0.1:8000", True),
    (Filters(label="ตลาดนัด"), "no posts labelled 'ตลาดนัด'; labels in this archive: ตลาด",
     True),
    (Filters(label=["x", "y"], any_label=True), "no posts labelled 'x' or 'y'", True),
    (Filters(lang="fr"), "no posts in language 'fr'; languages in this archive: th", True),
    (Filters(since="2030"),
     "no posts published since 2030; the archive's posts run from 2023-12-31 to 2024-04-01",
     False),
    (Filters(since="2020", until="2021"), "no posts published between 2020 and 2021", False),
    (Filters(site="127.0.0.1:8000", label="otop"),
     "no posts match --site with --label together", False),
])
def test_a_filter_that_matches_nothing_says_which(db, filters, message, unknown):
    miss = explain_empty(db, filters)
    assert miss is not None
    assert miss.message.startswith(message)
    assert miss.unknown is unknown
    assert explain_empty(db, Filters(site="127.0.0.1:8000")) is None


FOLDED = [  # post_id, labels, author: cased scripts other than ASCII, and NFD as stored
    ("1", ["Économie", "Новости"], "Ünal Öz"),
    ("2", ["ΕΛΛΆΔΑ"], "Ελένη"),
    ("3", ["E\u0301conomie"], "ünal öz"),  # É as E + combining acute (NFD)
    ("4", ["OTOP", "ข่าว"], "Somchai"),
    # no case, but stored in another form than a reader types: decomposed (NFD) kana and
    # hangul, Thai marks in the other order (้ before ุ)
    ("5", [unicodedata.normalize("NFD", "ガイド"), "กุ้ง"],
     unicodedata.normalize("NFD", "한국")),
]


@pytest.fixture(scope="module")
def folded_db(tmp_path_factory):
    database = open_archive(tmp_path_factory.mktemp("folding") / "a.db")
    for post_id, labels, author in FOLDED:
        upsert_post(database, Post(blog_id="1", post_id=post_id, site="blog.example",
                                   url=f"http://blog.example/{post_id}.html", title="ผ้าไหม",
                                   text="ผ้าไหมทอมือ", labels=labels, author=author))
    yield database
    database.close()


@pytest.mark.parametrize(("filters", "expected"), [
    ({"label": "économie"}, {"1", "3"}),  # SQLite's NOCASE found neither
    ({"label": "ÉCONOMIE"}, {"1", "3"}),
    ({"label": "новости"}, {"1"}),
    ({"label": "ελλάδα"}, {"2"}),
    ({"label": ["новости", "ελλάδα"], "any_label": True}, {"1", "2"}),
    ({"label": ["économie", "новости"]}, {"1"}),
    ({"author": "ÜNAL ÖZ"}, {"1", "3"}),
    ({"label": "otop"}, {"4"}),  # ASCII and Thai as before
    ({"label": "ข่าว"}, {"4"}),
    ({"label": "ガイド"}, {"5"}),  # byte for byte, none of these matched
    ({"label": "กุ้ง"}, {"5"}),
    ({"author": "한국"}, {"5"}),
])
def test_labels_and_authors_compare_without_case_in_any_script(folded_db, filters, expected):
    assert ids(folded_db, **filters) == expected


def test_a_cased_label_the_archive_lacks_is_still_unknown(folded_db):
    miss = explain_empty(folded_db, Filters(label=("экономика",)))
    assert miss is not None
    assert miss.unknown
    assert miss.message.startswith("no posts labelled 'экономика'; labels in this archive: ")
    assert explain_empty(folded_db, Filters(label=("НОВОСТИ",))) is None


@pytest.mark.parametrize(("since", "until", "expected"), [
    ("2024-01-05T09:00", "2024-01-05T09:00", {"1"}),      # the blog's clock: 09:00 locally
    ("2024-03-31T23:00", "2024-04-01T01:00", {"2", "4"}),  # 23:30 and 00:30 locally
    ("2567-03-31T23:00:00", None, {"2", "4"}),             # a Buddhist-era year
    ("2024-01-05T02:00Z", "2024-01-05T02:00:00+00:00", {"1"}),  # an offset: that moment
])
def test_a_time_without_an_offset_is_the_blogs_own_clock(db, since, until, expected):
    """As a day is the blog's own calendar date, a time without an offset is its own clock
    (it was read as UTC: 09:00 found nothing for a post shown at 09:00+07:00)."""
    assert {p.post_id for p in iter_posts(db, since=since, until=until)} == expected
