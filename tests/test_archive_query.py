"""archive.query: the search language, its errors, and the FTS5 expressions it builds."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import query as q
from archive import search
from archive.connection import open_archive
from archive.errors import QueryError
from archive.models import Post
from archive.posts import upsert_post
from archive.query import And, Not, Or, Term


@pytest.mark.parametrize(("text", "tree"), [
    ("ชุมชน", Term("ชุมชน")),
    ("a b", And((Term("a"), Term("b")))),
    ("a AND b", And((Term("a"), Term("b")))),
    ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
    ("a NOT b", Not(Term("a"), Term("b"))),
    ("a AND NOT b", Not(Term("a"), Term("b"))),
    ("a -b", Not(Term("a"), Term("b"))),
    ("-b a", Not(Term("a"), Term("b"))),
    ("a -(b OR c)", Not(Term("a"), Or((Term("b"), Term("c"))))),
    ("a -b -c", Not(Term("a"), Or((Term("b"), Term("c"))))),  # one level, however many
    ('"reading room"', Term("reading room")),
    ("ชุม*", Term("ชุม", prefix=True)),
    ('"ผ้า ไห"*', Term("ผ้า ไห", prefix=True)),
    ("title:ผ้า", Term("ผ้า", title=True)),
    ('title:"ผ้า ไหม"', Term("ผ้า ไหม", title=True)),
    ("title:(ผ้า OR ไหม)", Or((Term("ผ้า", title=True), Term("ไหม", title=True)))),
    ("ไหม -title:ผ้า", Not(Term("ไหม"), Term("ผ้า", title=True))),
    ("a and b", And((Term("a"), Term("and"), Term("b")))),  # lower-case words are words
    ("NEAR x", And((Term("NEAR"), Term("x")))),
    ("10:30", Term("10:30")),
])
def test_parse(text, tree):
    assert q.parse(text) == tree


# Every malformed query: one line, a hint, and never anything SQLite sees.
MALFORMED = [
    ('"unclosed', "unbalanced quote"),
    ('ผ้า "ไหม', "unbalanced quote"),
    ('"', "unbalanced quote"),
    ("AND", "AND has nothing before it"),
    ("ผ้า AND", "AND at the end"),
    ("OR ผ้า", "OR has nothing before it"),
    ("ผ้า OR", "OR at the end"),
    ("NOT ผ้า", "NOT has nothing before it"),
    ("ผ้า OR NOT ไหม", "NOT has nothing before it"),
    ("ผ้า AND OR ไหม", "AND before 'OR'"),
    ("ผ้า OR AND ไหม", "AND has nothing before it"),
    ("(ผ้า", "'(' is not closed"),
    ("(", "'(' is not closed"),  # not "')' has nothing before it": no ')' was typed
    ("ผ้า (", "'(' is not closed"),
    ("title:(", "'(' is not closed"),
    ("-(", "'(' is not closed"),
    ("ผ้า)", "')' has no '('"),
    ("()", "empty parentheses"),
    ("", "nothing to search for"),
    ("   ", "nothing to search for"),
    ("***", "no letters or digits"),
    ("-", "no letters or digits"),
    ('""', "no letters or digits"),
    ("!!!", "no letters or digits"),
    ("-ผ้า", "not excluded"),
    ("ผ้า OR -ไหม", "not excluded"),
    ("NOT", "NOT has nothing before it"),
    ("foo:bar", "unknown field 'foo'"),
    ("http:example.com", "unknown field 'http'"),  # http://example.com is searched
    ("title:", "title: has nothing after it"),
    ("title: ผ้า", "title: has nothing after it"),
    ("ab*cd", "'*' inside"),
    ("*ผ้า", "'*' inside"),
    # bounds: SQLite's FTS5 parser overflowed its stack on (a (a (a ... 32 deep
    ("(" * 9 + "a" + ")" * 9, "nested more than 8 deep"),
    (" ".join(f"w{n}" for n in range(33)), "33 terms, more than the 32"),
    ("a" * 1001, "1001 characters, more than the 1000"),
]

# The most a search may ask, each way: SQLite runs every one of them.
AT_THE_LIMITS = [
    "(" * 8 + "a b" + ")" * 8,
    "(a -x " * 8 + "b" + ")" * 8,
    "a " + " ".join(f"-w{n}" for n in range(31)),
    " OR ".join(f"w{n}" for n in range(32)),
    "title:" + "(" * 8 + " OR ".join(f"w{n}*" for n in range(32)) + ")" * 8,
    "(" * 8 + " ".join(f'-"w{n} a"' if n % 2 else f"w{n}" for n in range(32)) + ")" * 8,
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_queries_raise_query_error_with_a_hint(text, message):
    with pytest.raises(QueryError) as info:
        q.parse(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.hint


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_archive(tmp_path_factory.mktemp("query") / "a.db")
    upsert_post(database, Post(blog_id="1", post_id="1", url="u", site="s",
                                     title="ab ผ้าไหม", text="NOT AND OR reading room"))
    yield database
    database.close()


@pytest.mark.parametrize(("text", "_"), MALFORMED)
def test_search_and_count_raise_the_same_errors(db, text, _):
    for call in (search.search, search.count):
        with pytest.raises(QueryError):
            call(db, text)


@pytest.mark.parametrize("text", AT_THE_LIMITS)
def test_a_search_at_the_limits_runs(db, text):
    hits = search.search(db, text)
    assert search.count(db, text) == len(hits)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab ผ้าไหม"()*-:^+NOTANDORtile')), max_size=24)
       | st.text(max_size=24))
def test_any_query_gives_hits_or_a_query_error(db, text):
    try:
        hits = search.search(db, text)
        assert search.count(db, text) == len(hits)  # one post: the count is the page
    except QueryError as err:
        if not err.hint:
            pytest.fail(f"{text!r}: {err} has no hint")
    except sqlite3.Error as err:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"{text!r} reached SQLite unchecked: {err}")


def test_user_text_never_reaches_fts5_syntax(tmp_path):
    db = open_archive(tmp_path / "a.db")
    upsert_post(db, Post(blog_id="1", post_id="1", url="u", site="s", title="t",
                               text="x'); DROP TABLE posts; -- NEAR(a b) ^c"))
    assert search.count(db, '"x\'); DROP TABLE posts; --" NEAR(a b) ^c') == 1
    assert db.table("posts").count == 1


@pytest.mark.parametrize("text", ["🎉", '"🎉"', "👍🏽", "!!!", '"!!!"', "ผ้า 🎉"])
def test_a_term_of_emoji_or_punctuation_is_refused_with_a_hint_that_leads_somewhere(text):
    """The hint once said to put punctuation in a quoted phrase, which is refused too."""
    with pytest.raises(QueryError) as info:
        q.parse(text)
    assert "no letters or digits" in str(info.value)
    assert info.value.hint == ("emoji, symbols and punctuation are not searched: search for"
                               " the words around them")
    q.parse('"ยินดี 🎉"')  # beside words they may stay
