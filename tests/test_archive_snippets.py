"""archive.snippets: matches on cluster boundaries, windows cut on word boundaries, one line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import snippets, thai
from archive.snippets import Text

PATTERN = snippets.term_pattern


def spans_of(text: str, term: str, prefix: bool = False) -> list[str]:
    found = Text(text).find(PATTERN(term), prefix)
    return [text[start:end] for start, end in found]


def test_thai_matches_only_on_cluster_boundaries():
    assert spans_of("ขนาดใหญ่ ขนแกะ", "ขน") == ["ขน"]  # not ข|นา|ด
    assert spans_of("ทำเอาการบ้าน", "อาการ") == []  # เอา|กา|ร
    assert spans_of("พัฒนาชุมชน", "ชุมชน") == ["ชุมชน"]
    assert spans_of("ชุมชน", "ชุม", prefix=True) == ["ชุม"]
    assert spans_of("เกิดขึ้น", "เก", prefix=True) == ["เก"]  # a star may end mid-cluster


def test_terms_without_thai_are_left_to_sqlite():
    assert PATTERN("archives") is None
    assert spans_of("ปี 2567 OTOPดังกล่าว", "OTOPดังกล่าว") == ["OTOPดังกล่าว"]
    assert spans_of("โคก  หนอง\nนา", "โคก หนอง นา") == ["โคก  หนอง\nนา"]


def test_whole_words_by_the_dictionary():
    text = Text("ชาวบ้านทำนา ที่ผืน นา")
    na = text.find(PATTERN("นา"))
    assert [text.whole_word(span) for span in na] == [False, True]


def test_mark_puts_everything_on_one_line():
    assert snippets.mark("ผ้า\nไหม\r\n ไทย", [(0, 3)], ("<b>", "</b>")) == "<b>ผ้า</b> ไหม ไทย"
    assert snippets.mark("ab", [(0, 1), (1, 2)], ("[", "]")) == "[ab]"  # touching spans merge


def test_excerpt_cuts_on_word_boundaries_and_says_so():
    words = ["ชาวบ้าน", "ปลูก", "ข้าว", "หลัง", "ฝน", "ตก"] * 20 + ["ผืน", "นา"] + ["ข้าว"] * 60
    text = Text("".join(words))
    (span,) = text.find(PATTERN("ผืนนา"))
    window = text.window(span)
    excerpt = snippets.excerpt(text, window, [span], ("[", "]"))
    assert excerpt.startswith("…")
    assert excerpt.endswith("…")
    assert "[ผืนนา]" in excerpt
    cuts = set()
    offset = 0
    for word in thai.words(text.text):
        offset += len(word)
        cuts.add(offset)
    assert window[0] in cuts
    assert window[1] in cuts


def test_a_window_without_a_match_is_the_opening():
    text = Text("The national archives opened a new reading room. " * 10)
    start, end = text.window(None)
    assert start == 0
    assert not (text.text[end - 1].isalnum() and text.text[end].isalnum())  # not in a word
    assert snippets.excerpt(text, (start, end), [], ("[", "]")).startswith("The national")


SENTENCES = st.lists(st.sampled_from(["ชาวบ้าน", "ทำนา", "ปลูก", "ข้าว", "ผืน", "นา", " ",
                                      "\n", "archives", "2567", ". "]), max_size=120)


@settings(max_examples=150, deadline=None)
@given(SENTENCES, st.sampled_from(["นา", "ข้าว", "ทำนา", "ปลูกข้าว"]))
def test_snippets_are_one_line_and_hold_their_match(pieces, term):
    text = Text("".join(pieces))
    found = text.find(PATTERN(term))
    excerpt = snippets.excerpt(text, text.window(found[0] if found else None), found,
                               ("[", "]"))
    assert not re.search(r"[\r\n\t]", excerpt)
    if found:  # the match is marked (next to another one, they share the marks)
        assert re.search(rf"\[[^\]]*{term}[^\]]*\]", excerpt)
    for mark_free in (excerpt.replace("[", "").replace("]", "").strip("…"),):
        assert " ".join(mark_free.split()) in " ".join(text.text.split())


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty_texts(text):
    assert snippets.excerpt(Text(text), Text(text).window(None), [], ("[", "]")) == ""


# A title of one long Thai "word" (no space for 15,000 characters is a real Blogger case),
# with marks above and below, Latin with a combining accent and a family emoji (ZWJ).
CLUSTERED = ("ที่ผู้ใหญ่บ้านน้ำใสกล่าวว่ากี่ทอผ้าไม้สักจะกลับมาอีกครั้ง" * 5 + "cafe\u0301 "
             + "ผ้าไหม\U0001f468\u200d\U0001f469\u200d\U0001f467ทอมือ" * 30)


def test_a_clipped_title_splits_no_character_cluster():
    """A results list clips a long title: never between a consonant and its vowel or tone
    mark, inside a Thai cluster, or inside an emoji sequence (checked against Unicode's
    grapheme clusters, ``regex``'s ``\\X``, and the archive's Thai clusters), at every
    limit up to 80 characters and every 7th up to 700."""
    import regex

    text = CLUSTERED
    graphemes = {m.end() for m in regex.finditer(r"\X", text)} | {0}
    for limit in [*range(1, 80), *range(80, 700, 7)]:
        shown = snippets.clip(text, limit)
        assert shown.endswith("…"), limit
        kept = shown[:-1]
        assert text.startswith(kept), limit
        assert len(kept) <= limit
        assert len(kept) in graphemes, limit
        assert Text(text).on_boundary(len(kept)), limit  # a Thai cluster boundary
        assert len(kept) >= limit - snippets.LEAD - 5, limit  # a word, a cluster back


def test_a_short_title_is_not_clipped():
    assert snippets.clip("ผ้าไหม", 200) == "ผ้าไหม"
