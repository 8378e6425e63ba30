"""archive.folding.search_form: what text and queries are searched as, on both sides.

Invisible format characters (pasted from Word or the web) and decomposed Unicode must not
hide a word from search, and a post's own private-use characters must never pass for the
match markers the web view and the CLI ask search for.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

import pytest
from sqlite_utils import Database

from archive import folding, query, search, thai
from archive.connection import open_archive
from archive.errors import IndexNotReady
from archive.migrations import SEARCH_FTS, SEARCH_META, SEARCH_WORDS
from archive.models import Post
from archive.posts import upsert_post
from archive.tokens import post_tokens
from goahead_crawler.cli import hits as cli_hits
from goahead_crawler.web import search_view
from tests.conftest import invoke_goahead

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


def make_post(post_id: str, title: str, text: str) -> Post:
    return Post(blog_id="1", post_id=post_id, url=f"https://s/p/{post_id}.html", site="s",
                title=title, text=text, labels=[], author="", language="th")


def ids(hits) -> list[str]:
    return sorted(hit.post_id for hit in hits)


def test_the_search_form_drops_every_format_character_of_this_python_and_only_those():
    """folding.FORMAT is written out (Unicode 14): this says when a Python's Unicode has
    format characters it lacks, or when it holds one that is not."""
    chars = [chr(c) for c in range(sys.maxunicode + 1)
             if unicodedata.category(chr(c)) not in ("Cs", "Co")]  # surrogates, private use
    kept = "".join(ch for ch in chars if unicodedata.category(ch) != "Cf")
    assert folding.search_form("".join(chars)) == unicodedata.normalize("NFC", kept)
    assert folding.search_form("a\ue000b\U000f0000c\U0010fffd") == "a\ufffdb\ufffdc\ufffd"


@pytest.mark.parametrize("mark", INVISIBLE)
def test_an_invisible_character_inside_a_word_is_ignored_in_posts_and_queries(tmp_path, mark):
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, make_post("1", f"ข่าว{mark}ด่วน", "เนื้อหา"))
    upsert_post(db, make_post("2", f"Ban{mark}gkok trip", "text"))
    upsert_post(db, make_post("3", "ผ้าไหม", "ตลาดผ้าไหมคึกคัก"))
    upsert_post(db, make_post("4", "อื่น", f"ชาวบ้าน{mark}ทำนา ปลูก{mark}ข้าว"))
    assert ids(search.search(db, "ข่าวด่วน")) == ["1"]
    assert ids(search.search(db, "title:ข่าวด่วน")) == ["1"]
    assert ids(search.search(db, "Bangkok")) == ["2"]
    assert ids(search.search(db, f"ผ้า{mark}ไหม")) == ["3"]
    assert ids(search.search(db, f"ตลาด{mark}ผ้า")) == ["3"]
    assert ids(search.search(db, f"Bang{mark}kok")) == ["2"]
    assert ids(search.search(db, "บ้านทำนา")) == ["4"]
    assert search.count(db, "ปลูกข้าว") == 1
    (hit,) = search.search(db, "ข่าวด่วน")
    assert hit.title_highlight == "[ข่าวด่วน]"  # what was found is what is marked
    (hit,) = search.search(db, "บ้านทำนา")
    assert "[บ้านทำนา]" in hit.snippet


def test_the_index_holds_the_same_tokens_with_and_without_invisible_characters():
    plain = post_tokens("ข่าวด่วน Bangkok", "ร่วมโครงการสามารถ")
    marked = post_tokens("ข่าว\u200bด่วน Ban\u00adgkok", "ร่วม\u2060โครง\ufeffการ\u200dสามารถ")
    assert marked.title == plain.title
    assert marked.text == plain.text
    assert set(marked.words.split()) == set(plain.words.split())


def test_a_query_parses_the_same_without_its_invisible_or_decomposed_characters():
    assert query.parse("ข่าว\u200bด่วน OR Ban\u00adgkok") == query.parse("ข่าวด่วน OR Bangkok")
    nfd = unicodedata.normalize("NFD", "café กุ้ง")
    assert query.parse(nfd) == query.parse("café กุ้ง")


@pytest.mark.parametrize(("stored", "typed"), [
    ("café au lait", unicodedata.normalize("NFD", "café")),   # typed decomposed
    (unicodedata.normalize("NFD", "café au lait"), "café"),  # stored decomposed
    ("ต้มกุ้งน้ำใส", "ก\u0e49\u0e38ง"),                      # Thai marks typed in the other order
    ("ต้มก\u0e49\u0e38งน้ำใส", "กุ้ง"),
    (unicodedata.normalize("NFD", "한국 뉴스"), "한국"),
    ("น้ำท่วมหนัก", "น\u0e49\u0e4d\u0e32"),            # sara am typed as nikhahit + sara aa
    ("น\u0e4d\u0e49\u0e32ท่วมหนัก", "น้ำ"),            # stored so, the tone between them
    ("ท\u0e4d\u0e32นา", "ทำนา"),
    ("ที\uf70aนี่ ผู\uf70bใหญ่บ\uf70bาน", "ที่"),        # a legacy Windows Thai font's forms
    ("ผู\uf714ใหญ\uf70aบ\uf70bาน", "ผู้ใหญ่บ้าน"),
    ("\uf700านข\uf88eอมูล", "ฐานข้อมูล"),              # its ฐ without the tail; a Mac form
])
def test_a_decomposed_query_or_text_matches_its_composed_form(tmp_path, stored, typed):
    """Also Thai typed the old ways: sara am as two characters, legacy fonts' forms."""
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, make_post("1", "หัวข้อ", stored))
    upsert_post(db, make_post("2", "อื่น", "ไม่มีคำนี้"))
    assert ids(search.search(db, typed)) == ["1"]
    assert search.count(db, typed) == 1
    (hit,) = search.search(db, typed, markers=("<", ">"))
    assert "<" in hit.snippet
    assert "\ufffd" not in hit.snippet  # legacy forms shown as the letters they draw


@pytest.mark.parametrize("markers", [search_view.MARKERS, cli_hits.MARKERS,
                                     ("\U00100000", "\U00100001")])
def test_private_use_characters_in_a_post_never_make_a_highlight(tmp_path, markers):
    open_, close = markers
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, make_post("1", f"หัวข้อ {open_}ปลอม{close} ผ้า",
                              f"ข้อความ {open_}ปลอม{close} ผ้าไหม และ \ue002x\ue003 อีก"))
    (hit,) = search.search(db, "ผ้า", markers=markers)
    for shown in (hit.snippet, hit.title_highlight):
        assert shown.count(open_) == shown.count(close) == 1
        assert f"{open_}ผ้า{close}" in shown
    if markers == search_view.MARKERS:  # what the web view shows
        assert search_view.marked_html(hit.snippet).count("<mark>") == 1
    assert "ปลอม" in hit.snippet  # the text around them is still shown
    assert search.count(db, "ปลอม") == 1


def fingerprint_before_search_form() -> str:
    """thai.fingerprint() as goahead computed it before the search form (447f402)."""
    import pythainlp

    digest = hashlib.sha1(thai._TCC_RULES.encode("utf-8"))
    digest.update((Path(pythainlp.__file__).parent / "corpus" / "words_th.txt").read_bytes())
    for package in ("pythainlp", "nlpo3"):
        digest.update(f"{package} {metadata.version(package)}".encode())
    return digest.hexdigest()


def age(path: Path) -> None:
    """Make the archive at ``path`` what the old rules built: U+200B a word break."""
    db = Database(path)
    old = fingerprint_before_search_form()
    assert old != thai.fingerprint()  # the rule change is in the fingerprint
    with db.conn:
        for table in (SEARCH_FTS, SEARCH_WORDS):
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
        for post_pk, title, text in db.execute("SELECT id, title, text FROM posts").fetchall():
            tokens = post_tokens(title.replace("\u200b", " "), text.replace("\u200b", " "))
            db.execute(f"INSERT INTO {SEARCH_FTS} (rowid, text, title) VALUES (?, ?, ?)",
                       [post_pk, tokens.text, tokens.title])
            db.execute(f"INSERT INTO {SEARCH_WORDS} (rowid, tokens) VALUES (?, ?)",
                       [post_pk, tokens.words])
        db.execute(f"UPDATE {SEARCH_META} SET value = ? WHERE key = 'tokenizer'", [old])
    db.close()


def test_an_archive_indexed_under_the_old_rules_is_rebuilt_and_then_finds_the_word(tmp_path):
    path = tmp_path / "old.db"
    db = open_archive(path)
    upsert_post(db, make_post("1", "ข่าว\u200bด่วน", "ตลาด\u200bผ้าไหม"))
    upsert_post(db, make_post("2", "อื่น", "ข่าว ด่วน"))
    db.close()
    age(path)
    db = open_archive(path)
    assert search.pending(db) == 0
    with pytest.raises(IndexNotReady, match="2 posts to index"):
        search.search(db, "ข่าวด่วน")
    db.close()
    first = invoke_goahead("search", "ข่าวด่วน", "--db", str(path), "--count")
    assert first.returncode == 0, first.stderr
    assert "search index built: 2 posts" in first.stderr
    assert first.stdout.strip() == "1"
    again = invoke_goahead("search", "ตลาดผ้า", "--db", str(path), "--count")
    assert (again.stdout.strip(), again.stderr) == ("1", "")
    db = open_archive(path)
    assert search.pending(db) is None
    assert ids(search.search(db, "ข่าวด่วน")) == ["1"]
    db.execute(f"INSERT INTO {SEARCH_FTS} ({SEARCH_FTS}) VALUES ('integrity-check')")
    db.close()


def test_legacy_thai_forms_are_read_as_their_letters_and_other_private_use_is_not():
    assert folding.search_form("น\uf70bำ \uf700าน") == "น้ำ ฐาน"
    assert folding.search_form("น\u0e4d\u0e49\u0e32 น\u0e49\u0e4d\u0e32") == "น้ำ น้ำ"
    assert folding.search_form("\uf71b\uf883\uf89f\ue000") == "\ufffd" * 4
    assert folding.search_form("\u0e4d") == "\u0e4d"  # nikhahit alone stays


def found_as_written(tmp_path: Path, posts: list[tuple[str, str, str]], typed: str,
                     expected: list[str], shown: list[str]) -> None:
    """``typed`` finds exactly ``expected`` of ``posts``, and each of ``shown`` is marked
    in a hit's title or snippet as the post writes it."""
    db = open_archive(tmp_path / "a.db")
    for post_id, title, text in posts:
        upsert_post(db, make_post(post_id, title, text))
    hits = search.search(db, typed, markers=("<", ">"))
    assert ids(hits) == expected
    assert search.count(db, typed) == len(expected)
    marked = " ".join(f"{hit.title_highlight} {hit.snippet}" for hit in hits)
    for written in shown:
        assert f"<{written}>" in marked, (written, marked)


FOLDED_POSTS = [
    ("thai", "งบประมาณปี ๒๕๖๗", "จัดสรรงบประมาณปี ๒๕๖๗ ให้ COVID-19"),
    ("arabic", "งบประมาณปี 2567", "จัดสรรงบประมาณปี 2567 ให้ covid-19"),
    ("wide", "ＣＯＶＩＤ news", "ｃａｆｅ ２５６７"),
    ("accent", "café opens", "A new Café in Bangkok"),
    ("plain", "cafe plain", "no year here"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("2567", ["arabic", "thai", "wide"], ["2567", "๒๕๖๗", "２５６７"]),
    ("๒๕๖๗", ["arabic", "thai", "wide"], ["2567", "๒๕๖๗", "２５６７"]),
    ("ปี2567", ["arabic", "thai"], ["ปี 2567", "ปี ๒๕๖๗"]),
    ("covid", ["arabic", "thai", "wide"], ["covid", "COVID", "ＣＯＶＩＤ"]),
    ("ＣＯＶＩＤ-19", ["arabic", "thai"], ["covid-19", "COVID-19"]),
    ("cafe", ["accent", "plain", "wide"], ["café", "Café", "cafe", "ｃａｆｅ"]),
    ("CAFÉ", ["accent", "plain", "wide"], ["café", "Café", "cafe", "ｃａｆｅ"]),
])
def test_thai_digits_full_width_and_accents_match_as_written_either_way(
        tmp_path, typed, expected, shown):
    """A year written in Thai digits is the same year in Arabic ones; a query typed with
    either finds both, and every hit shows its match marked as the post writes it."""
    found_as_written(tmp_path, FOLDED_POSTS, typed, expected, shown)


def index_as_before(path: Path, monkeypatch, **rules) -> None:
    """Index the archive at ``path`` as goahead did with ``rules`` of archive.folding (its
    fingerprint then differs), as an archive built before a rule changed is."""
    with monkeypatch.context() as patch:
        for name, value in rules.items():
            patch.setattr(folding, name, value)
        before = thai.fingerprint.__wrapped__()
        assert before != thai.fingerprint()
        old = Database(path)
        with old.conn:
            for table in (SEARCH_FTS, SEARCH_WORDS):
                old.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
            for post_pk, title, text in old.execute(
                    "SELECT id, title, text FROM posts").fetchall():
                tokens = post_tokens(title, text)
                old.execute(f"INSERT INTO {SEARCH_FTS} (rowid, text, title) VALUES (?, ?, ?)",
                            [post_pk, tokens.text, tokens.title])
                old.execute(f"INSERT INTO {SEARCH_WORDS} (rowid, tokens) VALUES (?, ?)",
                            [post_pk, tokens.words])
            old.execute(f"UPDATE {SEARCH_META} SET value = ? WHERE key = 'tokenizer'",
                        [before])
        old.close()


def test_an_archive_indexed_before_digits_were_folded_is_rebuilt_and_finds_both(
        tmp_path, monkeypatch):
    """Folding changes the tokens of stored posts: the fingerprint must tell, so an
    archive indexed without it is re-indexed rather than missing ๒๕๖๗ for 2567."""
    path = tmp_path / "old.db"
    db = open_archive(path)
    upsert_post(db, make_post("1", "งบประมาณปี ๒๕๖๗", "ตลาด"))
    upsert_post(db, make_post("2", "งบประมาณปี 2567", "ตลาด"))
    db.close()
    index_as_before(path, monkeypatch, MATCH_FOLD={})
    result = invoke_goahead("search", "2567", "--db", str(path), "--count")
    assert result.returncode == 0, result.stderr
    assert "search index built: 2 posts" in result.stderr
    assert result.stdout.strip() == "2"


GLUED_POSTS = [
    ("glued", "ฝุ่น PM2.5 เกินมาตรฐาน", "ติดตาม #COVID19 และ 5G"),
    ("spaced", "ฝุ่นพิษ", "ค่าฝุ่น PM 2.5 สูง ผู้ป่วย COVID-19 เพิ่ม"),
    ("other", "PM", "นายกฯ PM พูดถึง 2.5 ล้าน COVID วันที่ 19"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("PM2.5", ["glued", "spaced"], ["PM2.5", "PM 2.5"]),
    ("PM 2.5", ["glued", "other", "spaced"], ["PM2.5", "PM", "2.5"]),
    ('"PM 2.5"', ["glued", "spaced"], ["PM2.5", "PM 2.5"]),
    ("ฝุ่นPM2.5", ["glued", "spaced"], ["ฝุ่น PM2.5", "ฝุ่น PM 2.5"]),
    ("COVID19", ["glued", "spaced"], ["COVID19", "COVID-19"]),
    ("COVID-19", ["glued", "spaced"], ["COVID19", "COVID-19"]),
    ("covid", ["glued", "other", "spaced"], ["COVID"]),
    ("5 G", ["glued"], ["5G"]),
])
def test_letters_and_digits_glued_or_apart_match_either_way(tmp_path, typed, expected, shown):
    """Thai news writes PM2.5 and PM 2.5, COVID19 and COVID-19: a letter next to a digit
    is a word break, as Thai next to a digit is, so each finds the other as a phrase (and
    not PM and 2.5 far apart), marked as the post writes it."""
    found_as_written(tmp_path, GLUED_POSTS, typed, expected, shown)


def test_the_letter_digit_rule_is_in_the_fingerprint(monkeypatch):
    now = thai.fingerprint.__wrapped__()
    monkeypatch.setattr(folding, "LETTER_DIGIT", folding.re.compile(r"(?!)"))
    assert thai.fingerprint.__wrapped__() != now


ABBREVIATION_POSTS = [
    ("abbr", "ส.ส. ลงพื้นที่ จ.เชียงใหม่", "เมื่อ ๑ ก.พ. พ.ศ. 2567 ที่ อ.เมือง เวลา 10.00 น."),
    ("apart", "ข่าวจาก พรรคการเมือง", "ภาพ ศิลปะ ตลาด จ ข่าว อ เมือง จ ดี"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("ก.พ.", ["abbr"], ["ก.พ."]),
    ("พ.ศ.", ["abbr"], ["พ.ศ."]),
    ("พ.ศ.2567", ["abbr"], ["พ.ศ. 2567"]),
    ("อ.เมือง", ["abbr"], ["อ.เมือง"]),
    ("จ.", ["abbr"], ["จ."]),
    ("ส.ส.", ["abbr"], ["ส.ส."]),
    ("น.", ["abbr"], ["น."]),
    ("จ", ["abbr", "apart"], ["จ"]),  # no full stop typed: any จ, as before
    ("อ เมือง", ["abbr", "apart"], ["อ"]),
])
def test_a_thai_abbreviation_finds_only_itself(tmp_path, typed, expected, shown):
    """Thai abbreviations are letters and full stops. The index drops punctuation, and
    ก.พ. found every run ending in ก before one starting with พ (จาก พรรค); now the full
    stop after a run is in the index, and a query that has it asks for it."""
    found_as_written(tmp_path, ABBREVIATION_POSTS, typed, expected, shown)
    db = open_archive(tmp_path / "a.db")
    assert search.count(db, typed, whole_word=True) <= len(expected)
    assert {hit.post_id for hit in search.search(db, typed, whole_word=True)} <= set(expected)


@pytest.mark.parametrize("typed", ["2567", "๒๕๖๗"])
def test_relevance_counts_a_number_in_either_digits(tmp_path, typed):
    """A post that gives the year three times in Thai digits is more about it than one
    that gives it once in Arabic digits, whichever way the query writes it; the one-
    statement ranking (--sql, export) agrees with the paged one."""
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, make_post("once", "งบประมาณ", "รายงานงบประมาณปี 2567 ฉบับย่อ สรุปแล้ว"))
    upsert_post(db, make_post("thrice", "งบประมาณ", "ปี ๒๕๖๗ ถึง ๒๕๖๗ และ ๒๕๖๗ สรุปแล้ว"))
    upsert_post(db, make_post("mixed", "งบประมาณ", "ปี 2567 ถึง ๒๕๖๗ สรุปแล้วทั้งหมดนี้"))
    assert [hit.post_id for hit in search.search(db, typed)] == ["thrice", "mixed", "once"]
    paged = search.ranked_ids(db, typed)
    assert search.ranked_ids(db, typed, limit=None) == paged
    assert paged[0][1] > paged[1][1] > paged[2][1] > 0


NUMBER_POSTS = [
    ("comma", "งบ 3,480,000 บาท", "ราคา 3,480,000 บาท เปิดเวลา 06.00 น."),
    ("plain", "งบ 3480000 บาท", "เปิดเวลา 6.00 ถึง 11.00 น. 1,2,3"),
    ("apart", "ตัวเลข", "รหัส 480 และ 000 กับ 3 และ 0 6 น. 00 และ 3.480"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("3480000", ["comma", "plain"], ["3,480,000", "3480000"]),
    ("3,480,000", ["comma", "plain"], ["3,480,000", "3480000"]),
    ('"3480000 บาท"', ["comma", "plain"], ["3,480,000 บาท", "3480000 บาท"]),
    ("6.00", ["comma", "plain"], ["06.00", "6.00"]),
    ("06.00", ["comma", "plain"], ["06.00", "6.00"]),
    ("เวลา 06.00", ["comma", "plain"], ["เวลา", "06.00", "6.00"]),
    ("480", ["apart"], ["480"]),  # a group of 3,480,000 is not a number of its own
    ("3", ["apart", "plain"], ["3"]),
])
def test_a_number_matches_with_or_without_its_thousands_commas_and_hour_zero(
        tmp_path, typed, expected, shown):
    """Thai news writes 3,480,000 บาท and 06.00 น.; a researcher types 3480000 or 6.00.
    Either finds both, marked as the post writes them; the groups of a number with commas
    are no longer numbers of their own, and a list (1,2,3) keeps its commas."""
    found_as_written(tmp_path, NUMBER_POSTS, typed, expected, shown)


DATE_POSTS = [
    ("dotted", "ประชุม", "ประชุมวันที่ 01.05.2567 เวลา 18.05 น."),
    ("bare", "ประชุม", "ประชุมวันที่ 1.5.2567 ที่ศาลากลาง"),
    ("slashed", "ประชุม", "ประชุมวันที่ 01/05/2567 ที่ศาลากลาง"),
    ("iso", "log", "released on 2024-01-05, episode 01"),
    ("decimal", "rate", "the rate is 3.05 percent, 3.5 was last year"),
    ("lists", "scores", "scores 8,29,510 and 12,34,567 and 1,234,567"),
    ("clock", "time", "it was 06:05:30 sharp"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("01.05.2567", ["bare", "dotted", "slashed"], ["01.05.2567", "1.5.2567", "01/05/2567"]),
    ("1.5.2567", ["bare", "dotted", "slashed"], ["01.05.2567", "1.5.2567", "01/05/2567"]),
    ("1/5/2567", ["bare", "dotted", "slashed"], ["01.05.2567", "1.5.2567", "01/05/2567"]),
    ('"วันที่ 1.05.2567"', ["bare", "dotted", "slashed"],
     ["วันที่ 01.05.2567", "วันที่ 1.5.2567", "วันที่ 01/05/2567"]),
    ("2024-1-5", ["iso"], ["2024-01-05"]),
    ("01", ["bare", "dotted", "iso", "slashed"], ["01", "1"]),
    ("18.05", ["dotted"], ["18.05"]),  # minutes keep their zero
    # 5, and 05 where its zero is not padding (3.05, 18.05, 06:05): before the rule, both
    ("05", ["bare", "clock", "decimal", "dotted", "iso", "slashed"], ["05", "5"]),
    ("05:30", ["clock"], ["05:30"]),
    ("๐๕", ["bare", "clock", "decimal", "dotted", "iso", "slashed"], ["05", "5"]),
    ("3.05", ["decimal"], ["3.05"]),  # a decimal is not a date: 3.5 is another number
    ("3.5", ["decimal"], ["3.5"]),
    ("510", ["lists"], ["510"]),  # 8,29,510 is a list, not 829510
    ("8,29,510", ["lists"], ["8,29,510"]),
    ("829510", [], []),
    ("567", ["lists"], ["567"]),  # of 12,34,567 (Indian grouping), not of 1,234,567
    ("1234567", ["lists"], ["1,234,567"]),
])
def test_dates_and_lists_match_as_typed_and_as_a_reader_types_them(
        tmp_path, typed, expected, shown):
    """A day, a month or an hour padded to two digits is the same number without the zero
    (01.05.2567, 1.5.2567 and 01/05/2567 are one date, and 01 finds it); a decimal's or
    the minutes' zero is kept. Only a true thousands number loses its commas: 8,29,510
    stays three numbers."""
    found_as_written(tmp_path, DATE_POSTS, typed, expected, shown)


HYPHEN_POSTS = [
    ("hyphen", "ข่าว-ด่วน วันนี้", "ตลาดนัด"),
    ("joined", "ข่าวด่วนเช้านี้", "ตลาดนัด"),
    ("spaced", "ข่าว ด่วน", "ตลาดนัด"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("ข่าวด่วน", ["hyphen", "joined"], ["ข่าว-ด่วน", "ข่าวด่วน"]),
    ("ข่าว-ด่วน", ["hyphen", "joined"], ["ข่าว-ด่วน", "ข่าวด่วน"]),
    ("ด่วน", ["hyphen", "joined", "spaced"], ["ด่วน"]),
    ("ข่าว", ["hyphen", "joined", "spaced"], ["ข่าว"]),
    ('"ข่าว ด่วน"', ["hyphen", "joined", "spaced"], ["ข่าว-ด่วน", "ข่าวด่วน", "ข่าว ด่วน"]),
    ('title:"ข่าว ด่วน วันนี้"', ["hyphen"], ["ข่าว-ด่วน วันนี้"]),  # each space or not
    ('"ข่าว ตลาด"', [], []),  # the space is still a word's end: not across ด่วน
])
def test_a_hyphen_inside_thai_is_read_as_nothing(tmp_path, typed, expected, shown):
    """Thai is written joined: ข่าว-ด่วน is ข่าวด่วน, both ways, and each part still finds
    it (a Thai term matches inside longer runs); a phrase with a space between Thai words
    finds them spaced, joined or hyphenated."""
    found_as_written(tmp_path, HYPHEN_POSTS, typed, expected, shown)


@pytest.mark.parametrize("rule", ["LETTER_DIGIT", "NUMBER_PADDING", "THAI_HYPHEN",
                                  "MAI_YAMOK_SPACE", "_TONE_FIRST"])
def test_each_token_rule_is_in_the_fingerprint(monkeypatch, rule):
    now = thai.fingerprint.__wrapped__()
    monkeypatch.setattr(folding, rule, folding.re.compile(r"(?!)"))
    assert thai.fingerprint.__wrapped__() != now


def test_an_archive_indexed_before_number_padding_is_rebuilt_and_finds_both(
        tmp_path, monkeypatch):
    """Dropping a number's commas changes the tokens of stored posts: an archive indexed
    before is re-indexed before its next search rather than missing 3,480,000."""
    path = tmp_path / "old.db"
    db = open_archive(path)
    upsert_post(db, make_post("1", "งบ 3,480,000 บาท", "ข่าว-ด่วน"))
    upsert_post(db, make_post("2", "งบ 3480000 บาท", "ข่าวด่วน"))
    db.close()
    never = folding.re.compile(r"(?!)")
    index_as_before(path, monkeypatch, NUMBER_PADDING=never, THAI_HYPHEN=never,
                    _TOKEN_EDIT=folding.LETTER_DIGIT)
    result = invoke_goahead("search", "3480000", "--db", str(path), "--count")
    assert result.returncode == 0, result.stderr
    assert "search index built: 2 posts" in result.stderr
    assert result.stdout.strip() == "2"
    again = invoke_goahead("search", "ข่าวด่วน", "--db", str(path), "--count")
    assert (again.stdout.strip(), again.stderr) == ("2", "")


# NUMBER_PADDING as it was before days and months lost their zero (06.00 only) and
# before a list kept its commas (8,29,510 was 8,29510).
HOUR_ZERO_ONLY = folding.re.compile(
    r"(?:(?<=(?<!\d)\d)|(?<=(?<!\d)\d\d)|(?<=(?<!\d)\d\d\d)|(?<=\d,\d\d\d)),(?=\d\d\d(?!\d))"
    r"|(?<![\d.,:])0(?=\d[.:]\d\d(?!\d))")


def test_an_archive_indexed_when_only_an_hour_lost_its_zero_is_rebuilt_and_finds_the_date(
        tmp_path, monkeypatch):
    """01.05.2567 was indexed as 1.05.2567: the rule's change re-indexes the archive, and
    then 01 and 1/5/2567 find it, and 510 the list 8,29,510."""
    path = tmp_path / "old.db"
    db = open_archive(path)
    upsert_post(db, make_post("1", "ประชุม", "วันที่ 01.05.2567 คะแนน 8,29,510"))
    db.close()
    index_as_before(path, monkeypatch, NUMBER_PADDING=HOUR_ZERO_ONLY, _TOKEN_EDIT=folding.re.compile(
        f"{folding.LETTER_DIGIT.pattern}|{HOUR_ZERO_ONLY.pattern}"))
    result = invoke_goahead("search", "01", "--db", str(path), "--count")
    assert result.returncode == 0, result.stderr
    assert "search index built: 1 post\n" in result.stderr
    assert result.stdout.strip() == "1"
    for typed in ("1/5/2567", "510"):
        again = invoke_goahead("search", typed, "--db", str(path), "--count")
        assert (again.stdout.strip(), again.stderr) == ("1", ""), typed


DOTTED_POSTS = [
    ("abbr", "U.S. policy", "The U.S. and the U.K. agreed on version 2.5. Then U.S"),
]


@pytest.mark.parametrize(("typed", "shown"), [
    ("U.S.", ["U.S."]),
    ("u.s", ["U.S."]),
    ('"U.S. policy"', ["U.S. policy"]),
    ("2.5", ["2.5"]),  # a sentence's full stop after a number is not the number's
    ("agreed", ["agreed"]),
])
def test_a_latin_abbreviation_is_marked_with_its_last_full_stop(tmp_path, typed, shown):
    """FTS5 marks tokens, and no token holds the last full stop of U.S.: the mark showed
    [U.S]. until it was taken in."""
    found_as_written(tmp_path, DOTTED_POSTS, typed, ["abbr"], shown)


@pytest.mark.parametrize(("typed", "once", "thrice", "mixed"), [
    ("3480000", "ราคา 3480000 บาท ฉบับย่อ สรุปแล้ว", "ราคา 3,480,000 ถึง 3,480,000 และ 3,480,000",
     "ราคา 3480000 ถึง 3,480,000 สรุป"),
    ("3,480,000", "ราคา 3,480,000 บาท ฉบับย่อ สรุปแล้ว", "ราคา 3480000 ถึง 3480000 และ 3480000",
     "ราคา 3480000 ถึง 3,480,000 สรุป"),
    ("06.00", "เปิด 06.00 น. ทุกวันอาทิตย์ สรุปแล้ว", "เปิด 6.00 และ 6.00 และ 06.00 น.",
     "เปิด 6.00 และ 06.00 น. สรุป"),
    ("1.5.2567", "ประชุม 1.5.2567 ทุกคน สรุปแล้ว", "ประชุม 01.05.2567 และ 01.05.2567 และ 01.05.2567",
     "ประชุม 1.5.2567 และ 01.05.2567 สรุป"),
    ("café", "a café in Bangkok, it is said, they say", "a cafe, and a cafe, and a cafe there",
     "a café, and a cafe in Bangkok, they say"),
    ("email", "an email to us, as it is said there", "an e-mail, an e-mail and an e-mail",
     "an email and an e-mail to us, they say"),
    ("เด็กๆ", "เด็กๆ ไปโรงเรียน ฉบับย่อ สรุปแล้ว", "เด็ก ๆ เด็ก ๆ และ เด็ก ๆ ไป",
     "เด็กๆ กับ เด็ก ๆ ไปโรงเรียน"),
    ("ข่าว-ด่วน", "ข่าว-ด่วน ฉบับย่อ สรุปแล้วทั้งหมด", "ข่าวด่วน ข่าวด่วน ข่าวด่วน", "ข่าว-ด่วน ข่าวด่วน"),
    ('"ข่าว ด่วน"', "ข่าว ด่วน สรุป", "ข่าว ด่วน และ ข่าว-ด่วน และ ข่าวด่วน และ ข่าว-ด่วน",
     "ข่าว ด่วน และ ข่าว-ด่วน"),  # each has the words apart: one tier
    # each space of a phrase there or not, as the search asks (folding.thai_space_forms):
    # a post with one joined and one spaced was found and counted 0 times
    ('"ข่าว ด่วน วันนี้"', "ข่าว ด่วน วันนี้ สรุป",
     "ข่าวด่วน วันนี้ และ ข่าว ด่วนวันนี้ และ ข่าว-ด่วน วันนี้",
     "ข่าว ด่วน วันนี้ และ ข่าวด่วน วันนี้"),
    # Thai typed in another order that draws the same (folding._TONE_FIRST, sara e twice)
    ("แม่ค้า", "แม่ค้า ฉบับย่อ สรุปแล้วทั้งหมด", "เเม่ค้า เเม่ค้า เเม่ค้า", "แม่ค้า เเม่ค้า สรุป"),
    ("เเม่ค้า", "เเม่ค้า ฉบับย่อ สรุปแล้วทั้งหมด", "แม่ค้า แม่ค้า แม่ค้า", "แม่ค้า เเม่ค้า สรุป"),
    ("น้ำปลา", "น้ำปลา ฉบับย่อ สรุปแล้วทั้งหมด", "นำ้ปลา นำ้ปลา นำ้ปลา", "น้ำปลา นำ้ปลา สรุป"),
    ("สิ่งของ", "สิ่งของ ฉบับย่อ สรุปแล้วทั้งหมด", "ส่ิงของ ส่ิงของ ส่ิงของ", "สิ่งของ ส่ิงของ สรุป"),
])
def test_relevance_counts_a_term_in_each_form_it_matches(tmp_path, typed, once, thrice, mixed):
    """A post giving the number (or word) three times in another form it matches is more
    about it than one giving it once as typed; the one-statement ranking (--sql, export)
    agrees with the paged one."""
    db = open_archive(tmp_path / "a.db")
    for post_id, text in (("once", once), ("thrice", thrice), ("mixed", mixed)):
        upsert_post(db, make_post(post_id, "งบประมาณ", text))
    assert [hit.post_id for hit in search.search(db, typed)] == ["thrice", "mixed", "once"]
    paged = search.ranked_ids(db, typed)
    assert search.ranked_ids(db, typed, limit=None) == paged
    assert paged[0][1] > paged[1][1] > paged[2][1] > 0


E_POSTS = [
    ("hyphen", "Send an e-mail", "ส่ง e-mail ถึงเรา หรือซื้อ e-book"),
    ("joined", "Send an email", "ส่ง email ถึงเรา หรือซื้อ ebook"),
    ("mail", "mail order", "a part of the post, and the mail"),
    ("vitamin", "health", "Vitamin E very good, grade E state"),
    ("every", "daily", "every day in the estate"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("email", ["hyphen", "joined"], ["e-mail", "email"]),
    ("e-mail", ["hyphen", "joined"], ["e-mail", "email"]),
    ("EBOOK", ["hyphen", "joined"], ["e-book", "ebook"]),
    ("ส่ง email", ["hyphen", "joined"], ["ส่ง", "e-mail", "email"]),
    ('"ส่ง email"', ["hyphen", "joined"], ["ส่ง e-mail", "ส่ง email"]),
    ("title:email", ["hyphen", "joined"], ["e-mail", "email"]),
    ("mail", ["hyphen", "mail"], ["mail"]),  # e-mail is e + mail, as before
    ("apart", [], []),  # only e: a part is not apart
    ("every", ["every"], ["every"]),  # only the words written with an e-prefix: not E very
    ("estate", ["every"], ["estate"]),
    ("ebooks", ["hyphen", "joined"], ["e-book", "ebook"]),  # plural, stemmed
])
def test_an_e_prefixed_word_matches_joined_or_hyphenated(tmp_path, typed, expected, shown):
    """email finds e-mail and e-mail finds email (e-book, e-commerce): a query asks for
    both forms, marked as the post writes them."""
    found_as_written(tmp_path, E_POSTS, typed, expected, shown)


ORDER_POSTS = [
    ("typed", "กั้นน้ำ", "แม่น้ำ สิ่งของ"),  # as a Thai keyboard's rules order them
    ("drawn", "ก้ันนำ้", "เเม่นำ้ ส่ิงของ"),  # the same drawn, typed in another order
    ("other", "กัน", "แม น้ ส่ง"),
]


@pytest.mark.parametrize(("typed", "shown"), [
    ("กั้น", ["กั้น"]), ("ก้ัน", ["กั้น"]),
    ("น้ำ", ["น้ำ"]), ("นำ้", ["น้ำ"]),
    ("แม่", ["แม่"]), ("เเม่", ["แม่"]),
    ("สิ่ง", ["สิ่ง"]), ("ส่ิง", ["สิ่ง"]),
])
def test_thai_typed_in_another_order_that_draws_the_same_matches(tmp_path, typed, shown):
    """A tone mark typed before the vowel above it or before sara am, and sara e typed
    twice for sara ae, draw the same word: NFC does not join them, search does."""
    found_as_written(tmp_path, ORDER_POSTS, typed, ["drawn", "typed"], shown)


QUOTED_POSTS = [
    ("phrase", "ข่าว ด่วน", "community development"),
    ("apart", "ด่วน มาก", "ข่าว ดี community and development"),
    ("url", "ลิงก์", "อ่านต่อที่ https://example.com/2024/news.html ครับ"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("“ข่าว ด่วน”", ["phrase"], ["ข่าว ด่วน"]),
    ("„community development“", ["phrase"], ["community development"]),
    ("«ข่าว ด่วน»", ["phrase"], ["ข่าว ด่วน"]),
    ("ข่าว ด่วน", ["apart", "phrase"], ["ข่าว", "ด่วน"]),
    ("https://example.com/2024/news.html", ["url"], ["https://example.com/2024/news.html"]),
    ("example.com/2024", ["url"], ["example.com/2024"]),
])
def test_curly_quotes_make_a_phrase_and_a_web_address_is_searched(
        tmp_path, typed, expected, shown):
    """A phone or a word processor types “ ” for ": a phrase all the same. A pasted web
    address is searched, not refused as an unknown field 'https:'."""
    found_as_written(tmp_path, QUOTED_POSTS, typed, expected, shown)


YAMOK_POSTS = [
    ("spaced", "เด็ก ๆ ไปโรงเรียน", "ตลาดนัด"),  # as the Royal Institute writes it
    ("joined", "เด็กๆ ไปโรงเรียน", "ตลาดนัด"),  # as most people do
    ("other", "เด็กชาย ไป", "ตลาดนัด ๆ"),
]


@pytest.mark.parametrize(("typed", "expected", "shown"), [
    ("เด็กๆ", ["joined", "spaced"], ["เด็กๆ", "เด็ก ๆ"]),
    ("เด็ก ๆ", ["joined", "spaced"], ["เด็กๆ", "เด็ก ๆ"]),  # one term: ๆ is not a word
    ('"เด็กๆ ไป"', ["joined", "spaced"], ["เด็กๆ ไป", "เด็ก ๆ ไป"]),
    ("เด็ก", ["joined", "other", "spaced"], ["เด็ก"]),
])
def test_mai_yamok_with_or_without_a_space_before_it(tmp_path, typed, expected, shown):
    """เด็ก ๆ and เด็กๆ are one word written two ways: either finds both."""
    found_as_written(tmp_path, YAMOK_POSTS, typed, expected, shown)
