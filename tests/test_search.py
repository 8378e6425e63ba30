"""archive.search: recall on cluster boundaries, whole-word ranking, snippets, deleted posts."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythainlp.corpus import tnc

from archive import search, search_sql, thai
from archive.connection import open_archive
from archive.errors import IndexNotReady, QueryError
from archive.filters import Filters
from archive.migrations import migrations
from archive.models import Post
from archive.posts import delete_post, iter_posts, upsert_post

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
    ("7", "c.blogspot.com", "สินค้า OTOPดังกล่าว", "ยอดขายปี2567เพิ่มขึ้น\nร่วมโครงการสามารถ",
     ["ข่าว"], "สมชาย", "2024-05-01T09:00:00+07:00", "th"),
]


def make_post(post_id, site, title, text, labels=(), author="", published=None, lang="th"):
    return Post(blog_id="1", post_id=post_id, url=f"https://{site}/p/{post_id}.html",
                site=site, title=title, text=text, labels=list(labels), author=author,
                published=published, language=lang)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_archive(tmp_path_factory.mktemp("search") / "archive.db")
    for row in POSTS:
        upsert_post(database, make_post(*row))
    yield database
    database.close()


def ids(hits) -> list[str]:
    return [hit.post_id for hit in hits]


@pytest.mark.parametrize(("query", "expected"), [
    ("ชุมชน", {"1", "5", "6"}),          # inside the compound กรมการพัฒนาชุมชน
    ("พัฒนาชุมชน", {"1", "5", "6"}),
    ("นา", {"1", "2", "5", "6"}),         # one cluster, two code points
    ("ทำนา", {"2"}),
    ("ผ้า", {"3"}),
    ("โครงการ", {"7"}),                  # the syllable index split โครงการสามารถ wrongly
    ("OTOP", {"7"}),                     # Latin glued to Thai is a word of its own
    ("ดังกล่าว", {"7"}),
    ("2567", {"7"}),
    ("archive", {"4"}),                  # Porter: archives -> archive
    ("reading rooms", {"4"}),
    ('"reading room"', {"4"}),
    ("ชุม*", {"1", "5", "6"}),
    ("ตลาด AND ชุมชน", {"1", "5"}),
    ("ผ้า OR archive", {"3", "4"}),
    ("ตลาด NOT ชุมชน", {"3"}),
    ("ตลาด -ชุมชน", {"3"}),
    ("(ผ้า OR ทำนา) AND ข้าว", {"2"}),
    ("title:ชุมชน", {"1", "5", "6"}),
    ("title:ตลาด", {"1", "5"}),
    ("ตลาด -title:ตลาด", {"3"}),
    ("ไม่มีคำนี้เลย", set()),
])
def test_finds_expected_posts(db, query, expected):
    assert set(ids(search.search(db, query, limit=50))) == expected
    assert search.count(db, query) == len(expected)
    assert [str(pk) for pk in search.post_ids(db, query)] == sorted(expected, key=int)


def test_title_whole_word_first_then_body_whole_word(db):
    # post 6 is titled พัฒนาชุมชน; post 5 repeats it 30 times in its text; post 1 has it
    # inside the compound กรมการพัฒนาชุมชน
    hits = search.search(db, "พัฒนาชุมชน")
    assert ids(hits)[0] == "6"
    assert (hits[0].whole_word, hits[0].in_title) == (True, True)


def test_whole_word_restricts_and_counts_agree(db):
    hits = search.search(db, "ชุมชน", whole_word=True)
    assert all(hit.whole_word for hit in hits)
    assert search.count(db, "ชุมชน", whole_word=True) == len(hits) < search.count(db, "ชุมชน")


def test_snippets_and_title_highlights(db):
    (hit,) = search.search(db, "ชุมชน", site="a.blogspot.com", label="ข่าว", author="สมชาย")
    assert "กรมการพัฒนา[ชุมชน]จัดงาน" in hit.snippet
    assert hit.title_highlight == "กรมการพัฒนา[ชุมชน]เปิดตลาด"
    (hit,) = search.search(db, "archives", markers=("<b>", "</b>"))
    assert "<b>archives</b>" in hit.snippet
    assert (hit.title, hit.site, hit.blog_id, hit.url, hit.author, hit.labels, hit.lang) == (
        "Library news", "b.blogspot.com", "1", "https://b.blogspot.com/p/4.html", "Jane",
        ["news"], "en")
    (hit,) = search.search(db, "โครงการ")
    assert "\n" not in hit.snippet
    assert hit.snippet == "ยอดขายปี2567เพิ่มขึ้น ร่วม[โครงการ]สามารถ"


def test_a_title_only_match_is_highlighted_in_the_title(db):
    (hit,) = search.search(db, "สินค้า", site="c.blogspot.com")
    assert hit.title_highlight == "[สินค้า] OTOPดังกล่าว"
    assert "[" not in hit.snippet
    assert hit.snippet.startswith("ยอดขาย")


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
    assert search.count(db, "ตลาด", **filters) == len(expected)


def test_sort_by_date_and_paging(db):
    assert ids(search.search(db, "ชุมชน", sort="date")) == ["5", "1", "6"]
    assert ids(search.search(db, "ชุมชน", sort="date", limit=1, offset=1)) == ["1"]
    every = ids(search.search(db, "ชุมชน"))
    assert [ids(search.search(db, "ชุมชน", limit=1, offset=i))[0] for i in range(3)] == every


def test_bad_sort_and_date_are_query_errors(db):
    with pytest.raises(QueryError, match="--since"):
        search.search(db, "ผ้า", since="last tuesday")
    with pytest.raises(QueryError, match="sort"):
        search.search(db, "ผ้า", sort="best")


@pytest.mark.parametrize("query", ["ชุมชน", "นา", "ตลาด -ชุมชน", "archives OR ผ้า"])
def test_export_order_is_the_search_order(db, query):
    exported = [post.post_id for post in iter_posts(db, query=query, sort="relevance")]
    assert exported == ids(search.search(db, query, limit=50))
    dated = [post.post_id for post in iter_posts(db, query=query, sort="date")]
    assert dated == ids(search.search(db, query, sort="date", limit=50))


def test_build_query_never_splices_query_text():
    sql, params = search.build_query('ผ้า "x\'); DROP TABLE posts; --"', Filters(site="x'y"))
    assert "DROP" not in sql
    assert "x'y" not in sql
    assert "DROP" in params["match"]
    assert params["f_site0"] == "x'y"


# -- deleted posts -----------------------------------------------------------------------

def test_deleted_posts_are_left_out_unless_asked_for(tmp_path):
    db = open_archive(tmp_path / "a.db")
    for post_id in ("1", "2"):
        upsert_post(db, make_post(post_id, "s", f"ข่าว {post_id}", "ผ้าไหมไทย"))
    delete_post(db, "1", "1")
    assert ids(search.search(db, "ผ้าไหม")) == ["2"]
    assert search.count(db, "ผ้าไหม") == 1
    hits = search.search(db, "ผ้าไหม", include_deleted=True)
    assert sorted(ids(hits)) == ["1", "2"]
    assert {h.post_id: h.deleted_at is not None for h in hits} == {"1": True, "2": False}
    assert search.count(db, "ผ้าไหม", include_deleted=True) == 2


def test_index_follows_updates_and_deletes(tmp_path):
    db = open_archive(tmp_path / "a.db")
    post = make_post("1", "s", "หัวข้อ", "ผ้าไหม")
    upsert_post(db, post)
    post.text = "ทำนา"
    assert upsert_post(db, post) == "updated"
    assert ids(search.search(db, "ผ้า")) == []
    assert ids(search.search(db, "ทำนา")) == ["1"]
    upsert_post(db, make_post("2", "s", "อื่น", "ทำนา"))
    delete_post(db, "1", "2", soft=False)
    assert search.count(db, "ทำนา") == 1  # gone from the results at once
    upsert_post(db, make_post("3", "s", "อีก", "ข้าว"))  # and then from the index
    assert db.execute("SELECT count(*) FROM search_stale").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM search_fts_docsize").fetchone()[0] == 2
    assert search.reindex(db) == 2
    assert search.count(db, "ทำนา") == 1
    assert search.count(db, "ข้าว") == 1


def test_a_new_segmenter_asks_for_a_rebuild_instead_of_corrupting_the_index(tmp_path):
    db = open_archive(tmp_path / "a.db")
    post = make_post("1", "s", "หัวข้อ", "ผ้าไหม")
    upsert_post(db, post)
    db.execute("UPDATE search_meta SET value = 'another pythainlp' WHERE key = 'tokenizer'")
    post.text = "ทำนา"
    assert upsert_post(db, post) == "updated"  # the crawl goes on
    with pytest.raises(IndexNotReady):
        search.search(db, "ทำนา")
    assert search.rebuild(db) == 1
    assert ids(search.search(db, "ทำนา")) == ["1"]
    assert search.count(db, "ผ้า") == 0
    db.execute("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")


def test_an_index_cut_by_another_segmenter_is_rebuilt_before_it_is_searched(tmp_path):
    """No post written since the rules changed (a new pythainlp, a new goahead): the next
    command that opens the archive rebuilds its index rather than search it as it is."""
    from tests.conftest import invoke_goahead

    path = tmp_path / "a.db"
    db = open_archive(path)
    upsert_post(db, make_post("1", "s", "หัวข้อ", "ผ้าไหม"))
    db.execute("UPDATE search_meta SET value = 'another pythainlp' WHERE key = 'tokenizer'")
    db.conn.commit()
    assert search.pending(db) == 0
    with pytest.raises(IndexNotReady, match="1 posts to index"):
        search.search(db, "ผ้า")
    db.close()
    first = invoke_goahead("search", "ผ้า", "--db", str(path), "--count")
    assert (first.returncode, first.stdout.strip()) == (0, "1"), first.stderr
    assert "search index built: 1 post\n" in first.stderr
    db = open_archive(path)
    assert search.pending(db) is None
    assert db.execute("SELECT value FROM search_meta WHERE key = 'tokenizer'").fetchone()[0] \
        == thai.fingerprint()


def test_an_old_archive_is_upgraded_from_its_posts(tmp_path):
    path = tmp_path / "old.db"
    from sqlite_utils import Database

    old = Database(path)
    migrations.apply(old, stop_before="m004_search_clusters")
    old["posts"].insert({"blog_id": "1", "post_id": "1", "url": "u", "site": "s",
                         "title": "โครงการ", "text": "ร่วมโครงการสามารถ"})
    old.execute("INSERT INTO posts_search (id, title, text) VALUES (1, 'x', 'y')")
    old.close()
    db = open_archive(path)
    assert "posts_search" not in db.table_names()
    with pytest.raises(IndexNotReady, match="1 posts to index") as info:
        search.search(db, "โครงการ")
    assert info.value.hint
    for call in (search.count, lambda db, q: list(iter_posts(db, query=q))):
        with pytest.raises(IndexNotReady):  # an export would otherwise find nothing
            call(db, "โครงการ")
    progress = []
    assert search.rebuild(db, lambda done, total: progress.append((done, total))) == 1
    assert progress == [(1, 1)]
    assert ids(search.search(db, "โครงการ")) == ["1"]
    assert search.pending(db) is None


def test_the_cli_upgrades_an_old_archive_and_builds_its_index_once(tmp_path):
    """A researcher's first ``goahead search`` on an archive from before the cluster index:
    upgraded, index built from the posts (said on stderr), then the right count."""
    from click.testing import CliRunner
    from sqlite_utils import Database

    from goahead_crawler.cli import cli

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m004_search_clusters")
    for n, text in enumerate(["ร่วมโครงการสามารถ", "โครงการใหม่", "ไม่มีคำนี้"]):
        old["posts"].insert({"blog_id": "1", "post_id": str(n), "url": f"u{n}", "site": "s",
                             "title": "t", "text": text})
    old.close()
    runner = CliRunner()
    first = runner.invoke(cli, ["search", "โครงการ", "--db", str(path), "--count"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "2"
    assert "upgraded" in first.stderr
    assert "search index built: 3 posts" in first.stderr
    again = runner.invoke(cli, ["search", "โครงการ", "--db", str(path), "--count"])
    assert again.exit_code == 0
    assert again.stdout.strip() == "2"
    assert again.stderr == ""


# -- ranking on the sample blog ----------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from sampleblog.content import load_blog

    db = open_archive(tmp_path_factory.mktemp("sample") / "sample.db")
    blog = load_blog("goahead", 200)
    for p in blog.posts:
        upsert_post(db, Post(blog_id=blog.blog_id, post_id=p.post_id, url=p.path,
                                   site="goahead", title=p.title, text=p.expected_text,
                                   published=p.published))
    yield db
    db.close()


def _like(db, word: str) -> int:
    return db.execute("SELECT count(*) FROM posts WHERE title LIKE :q OR text LIKE :q",
                      {"q": f"%{word}%"}).fetchone()[0]


def test_rice_fields_rank_first_for_na(sample):
    hits = search.search(sample, "นา", limit=10)
    titles = [hit.title for hit in hits]
    assert "โคก หนอง นา" in titles[0] + titles[1]
    assert titles[0 if "นาข้าว" in titles[0] else 1].startswith("นาข้าว")
    assert all(hit.whole_word for hit in hits)  # ผืน นา, not พัฒนา or มิถุนายน
    assert search.count(sample, "นา") == _like(sample, "นา")
    ranked = search.ranked_ids(sample, "นา", limit=None)
    tiers = [tier for _, _, tier in ranked]
    assert tiers == sorted(tiers)  # whole word, title first; inside a word last


@pytest.mark.parametrize("word", ["โครงการ", "อบรม", "ชุมชน", "พัฒนา", "ผ้า", "หมู่บ้าน"])
def test_sample_blog_counts_equal_like(sample, word):
    assert search.count(sample, word) == _like(sample, word)


def test_fast_ranking_equals_the_one_statement_ranking(sample, monkeypatch):
    for cap in (search_sql.CAP, 5):  # 5: big tiers go newest first
        monkeypatch.setattr(search_sql, "CAP", cap)
        monkeypatch.setattr("archive.ranking.CAP", cap)
        for query in ("นา", "ชุมชน", "โครงการ", "พัฒนา -ชุมชน", "title:ผ้า", "ผ้า OR นา"):
            every = search.ranked_ids(sample, query, limit=None)
            pages = [row for offset in range(0, len(every) + 7, 7)
                     for row in search.ranked_ids(sample, query, limit=7, offset=offset)]
            assert pages == every, (cap, query)


# -- recall: the property the index is built for -----------------------------------------

# A small vocabulary (the commonest words and some that contain each other), so that
# words meet inside other words and across word boundaries often.
WORDS = [w for w, _ in tnc.word_freqs()[:60] if thai.THAI_RUN.fullmatch(w)] + [
    "โครงการ", "สามารถ", "อบรม", "กิจกรรม", "การ", "ชุมชน", "พัฒนา", "นา", "ทำนา", "รึ",
    "โครง", "การพัฒนา", "พัฒนาชุมชน", "ผ้า", "ผ้าไหม", "ดังกล่าว", "ข้าว"]


def cluster_cuts(value: str) -> set[int]:
    """Offsets of the cluster boundaries of ``value`` (each Thai run split on its own)."""
    cuts, offset = {0}, 0
    for is_thai, piece in thai.pieces(value):
        for part in thai.clusters(piece) if is_thai else [piece]:
            offset += len(part)
            cuts.add(offset)
    return cuts


def aligned_hits(db, word: str) -> set[int]:
    """Posts where ``word`` occurs starting and ending on character-cluster boundaries."""
    found = set()
    for post_pk, title, text in db.execute("SELECT id, title, text FROM posts"):
        for value in (title, text):
            cuts = cluster_cuts(value)
            starts = [m.start() for m in re.finditer(f"(?={re.escape(word)})", value)]
            if any(s in cuts and s + len(word) in cuts for s in starts):
                found.add(post_pk)
    return found


def render(words: list[str]) -> str:
    return "".join(w + (" " if i % 5 == 4 else "") for i, w in enumerate(words))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30), min_size=1,
                max_size=6), st.data())
def test_results_are_exactly_the_cluster_aligned_like_hits(posts, data):
    used = sorted({word for words in posts for word in words})
    queries = data.draw(st.lists(st.sampled_from(used), min_size=2, max_size=4)
                        ) + data.draw(st.lists(st.sampled_from(WORDS), max_size=2))
    for words in data.draw(st.lists(st.sampled_from(posts), max_size=3)):
        # any run of clusters of a text, cut on cluster boundaries, is found in it
        text = render(words)
        cuts = sorted(cluster_cuts(text))
        start = data.draw(st.sampled_from(cuts[:-1]))
        end = data.draw(st.sampled_from([c for c in cuts if start < c <= start + 12]))
        piece = text[start:end]
        if thai.THAI_RUN.fullmatch(piece):
            queries.append(piece)
    db = open_archive(":memory:")
    for i, words in enumerate(posts):
        upsert_post(db, make_post(str(i), "s", f"t{i}", render(words)))
    for word in queries:
        got = {row[0] for row in search.ranked_ids(db, word, limit=None)}
        assert got == aligned_hits(db, word), word
        assert search.count(db, word) == len(got)
        like = {r[0] for r in db.execute("SELECT id FROM posts WHERE text LIKE ?",
                                         [f"%{word}%"])}
        assert got <= like
    db.close()


def test_hits_serialise(db):
    (hit,) = search.search(db, "ผ้า")
    assert json.loads(json.dumps(hit.to_dict()))["labels"] == ["ข่าว", "ตลาด"]


@pytest.mark.parametrize("query", ["OTOPผ้า", "OTOPผ้า*", "Aผ*"])
def test_a_mixed_latin_thai_term_finds_only_posts_with_all_of_it(tmp_path, query):
    """The whole-word tiers hold posts with the term's Thai word; a post with the word but
    not the Latin beside it is no hit (search used to list it, count did not)."""
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, make_post("1", "s", "ผ้า ไหม", "ทอผ้า"))
    upsert_post(db, make_post("2", "s", "x", "สินค้า OTOPผ้า"))
    expected = [] if query == "Aผ*" else ["2"]
    assert ids(search.search(db, query)) == expected
    assert search.count(db, query) == len(expected)
