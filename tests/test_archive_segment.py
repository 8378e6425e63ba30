"""archive.segment and archive.query: Thai syllables and the FTS5 expression builder."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import query as q
from archive.errors import QueryError
from archive.segment import ZWSP, segment, unsegment

SAMPLE = "กรมการพัฒนาชุมชนจัดงานแสดงสินค้าผ้าไทย ที่จังหวัดเชียงใหม่ ชาวบ้านทำนาปลูกข้าว"


def test_segment_splits_thai_syllables_only():
    assert segment("พัฒนาชุมชน").split(ZWSP) == ["พัฒ", "นา", "ชุม", "ชน"]
    assert segment("ทำนา archives 2024") == f"ทำ{ZWSP}นา archives 2024"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F)
               | st.characters(), max_size=60))
def test_unsegment_gives_back_the_text(text):
    assert unsegment(segment(text)) == text.replace(ZWSP, "")


def test_nlpo3_and_pythainlp_agree():
    nlpo3 = pytest.importorskip("nlpo3")
    from pythainlp.tokenize import subword_tokenize

    segment("ก")  # loads the dictionary into nlpo3
    assert nlpo3.segment(SAMPLE, "goahead_syllables") == subword_tokenize(SAMPLE,
                                                                          engine="dict")


@pytest.mark.parametrize(("query", "fts"), [
    ("ชุมชน", f'"ชุม{ZWSP}ชน"'),
    ("archives", '"archives"'),
    ('"ผ้า ไหม"', '"ผ้า ไหม"'),
    ("ชุม*", '"ชุม"*'),
    ("a AND NOT b", '"a" NOT "b"'),
    ("(a OR b) c", '( "a" OR "b" ) AND "c"'),
    ("a (b OR c)", '"a" AND ( "b" OR "c" )'),
    ("a and b", '"a" "and" "b"'),  # lower-case words are words
    ("title:x ^y -z NEAR", '"title:x" "^y" "-z" "NEAR"'),  # FTS5 syntax is just text
])
def test_to_fts(query, fts):
    assert q.to_fts(query) == fts


def test_unbalanced_parenthesis():
    with pytest.raises(QueryError, match="parentheses"):
        q.to_fts("NEAR(y")


def test_plain_text_only_without_operators():
    assert q.plain_text("ผ้า ไหม") == "ผ้า ไหม"
    assert q.plain_text("ผ้า OR ไหม") is None
    assert q.plain_text("ผ้า*") is None
