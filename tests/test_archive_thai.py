"""archive.thai and archive.tokens: character clusters, words, and what the index holds."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythainlp.tokenize import tcc

from archive import thai, tokens
from archive.tokens import JOIN
from archive.vocabulary import Vocabulary

THAI_CHARS = st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=THAI_CHARS | st.sampled_from(" a1\n"), max_size=40))
def test_clusters_are_pythainlps_except_after_sara_ue(text):
    ours = thai.clusters(text)
    assert "".join(ours) == text
    if "ึ" not in text and "ื" not in text:
        assert ours == tcc.segment(text)


@pytest.mark.parametrize(("text", "clusters"), [
    ("โครงการ", ["โค", "ร", "ง", "กา", "ร"]),
    ("เกิด", ["เกิด"]),
    ("ดึง", ["ดึ", "ง"]),  # pythainlp: ดึง; a word can end after ึ (รึ, หึ)
    ("รึดังกล่าว", ["รึ", "ดั", "ง", "ก", "ล่า", "ว"]),
])
def test_cluster_examples(text, clusters):
    assert thai.clusters(text) == clusters


def test_a_word_splits_into_the_same_clusters_in_any_context():
    # the examples: dictionary segmentation splits these differently by context
    for context, word in (("ร่วมโครงการสามารถ", "โครงการ"), ("กิจกรรมโครงการอบรมการ", "อบรม"),
                          ("การพัฒนาชุมชน", "ชุมชน")):
        assert " ".join(thai.clusters(word)) in " ".join(thai.clusters(context))


def test_pieces_split_thai_from_latin_and_digits():
    assert list(thai.pieces("OTOPดังกล่าว ปี2567 ๒๕๖๗")) == [
        (False, "OTOP"), (True, "ดังกล่าว"), (False, " "), (True, "ปี"), (False, "2567 ๒๕๖๗")]


def test_words_of_runs_is_words_of_each_run():
    runs = ["ชาวบ้านทำนา", "โคก", "หนองนา"]
    assert thai.words_of_runs(runs) == [w for run in runs for w in thai.words(run)]


def test_fts_text_joins_each_cluster_to_the_next():
    assert tokens.fts_text("OTOPกา ร").split() == ["OTOP", f"กา{JOIN}", f"ร{JOIN}"]
    assert tokens.fts_text("การ").split() == [f"กา{JOIN}ร", f"ร{JOIN}"]
    assert JOIN not in tokens.fts_text(f"a{JOIN}b")  # private-use input cannot fake a token


def test_post_tokens_mark_words_and_what_is_contained_by_title_and_body():
    common = Vocabulary(["ต้องการ", "ชุมชน", "การ"])
    words = set(tokens.post_tokens("ทำนา", "ผืน นา พัฒนาชุมชน", common).words.split())
    assert {tokens.WORD_TITLE + "ทำนา", tokens.WORD_BODY + "นา",
            tokens.HAS_TITLE + "นา", tokens.HAS_BODY + "ผื",
            tokens.HAS_BODY + "ชุมชน"} <= words  # ชุมชน inside the word พัฒนาชุมชน
    assert tokens.HAS_BODY + "การ" not in words


def _runs(*runs: str) -> list[list[str]]:
    return [thai.clusters(run) for run in runs]


def test_vocabulary_finds_words_only_on_cluster_boundaries():
    common = Vocabulary(["ต้องการ", "การ", "อาการ", "ขน"])
    assert common.found(_runs("ต้องการศึกษา")) == {"ต้องการ", "การ"}
    assert common.found(_runs("เอาการ")) == {"การ"}  # not อาการ: เอา|กา|ร
    assert common.found(_runs("ขนาด")) == set()  # ข|นา|ด
    assert common.found(_runs("ต้อง", "การ")) == {"การ"}  # no word across two runs
    assert common.found([]) == set()
    assert Vocabulary([]).found(_runs("การ")) == set()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ต้อง", "การ", "อา", "เอา", "ขน", "าด", "นา", "ชุม", "ชน",
                                 "พัฒ", "ศึก", "ษา"]), min_size=1, max_size=12),
       st.lists(st.integers(0, 12), max_size=3))
def test_vocabulary_finds_what_a_scan_of_every_cluster_span_finds(pieces, breaks):
    words = ["ต้องการ", "การ", "อาการ", "ขน", "ชุมชน", "พัฒนา", "ศึกษา", "การศึกษา"]
    text = "".join(pieces)
    cut = sorted({min(b, len(text)) for b in breaks} | {0, len(text)})
    runs = [text[a:b] for a, b in itertools.pairwise(cut) if text[a:b]]
    expected = set()
    for run in runs:
        parts = thai.clusters(run)
        for i in range(len(parts)):
            for j in range(i + 2, len(parts) + 1):  # words of two clusters or more
                if "".join(parts[i:j]) in words:
                    expected.add("".join(parts[i:j]))
    assert Vocabulary(words).found(_runs(*runs)) == expected


@pytest.mark.parametrize(("term", "prefix", "expected", "last_prefix"), [
    ("โครงการ", False, ["โค|ร", "ร|ง", "ง|กา", "กา|ร"], False),  # k clusters: k-1 tokens
    ("นา", False, ["นา|"], True),  # one cluster: joined to anything
    ("ชุม", True, ["ชุ|ม"], True),  # the last cluster may begin a longer one
    ("เก", True, ["เก"], True),
    ("ปี2567", False, ["ปี|", "2567"], False),  # a run followed by more must end there
    ("โคก หนอง", False, ["โค|ก", "ก|", "ห|น", "น|อ", "อ|ง"], False),
])
def test_term_tokens(term, prefix, expected, last_prefix):
    found = tokens.term_tokens(term, prefix)
    assert [t.replace(JOIN, "|") for t in found.tokens] == expected
    assert found.prefix is last_prefix


def test_term_tokens_know_terms_the_index_records_whole():
    common = Vocabulary(["ต้องการ"])
    assert tokens.term_tokens("นา").contained(common) == "นา"  # any one cluster
    assert tokens.term_tokens("ต้องการ").contained(common) == "ต้องการ"
    assert tokens.term_tokens("โครงการ").contained(common) is None
    assert tokens.term_tokens("นา", prefix=True).contained(common) is None
    assert tokens.term_tokens("โคกหนองนา").words == ("โคก", "หนอง", "นา")
    assert tokens.term_tokens("farmers").words == ()
