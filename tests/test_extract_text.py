"""Text layout and normalisation, dates, language and word counts of the extractor."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from goahead_crawler.extract import clean, text
from goahead_crawler.extract.dates import normalise_machine_date, parse_visible_date
from goahead_crawler.extract.metadata import language, word_count


def body_text(html: str) -> str:
    node = clean.parse(f"<html><body><div id='b'>{html}</div></body></html>").find(".//div")
    return text.finish(text.layout(node))


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("one<br>two", "one\ntwo"),
        ("one<br><br>two", "one\n\ntwo"),
        ("one<br/>\n<br/>\n<br/>two", "one\n\ntwo"),
        ("<div>one</div><div>two</div>", "one\n\ntwo"),
        ("<div>one<div>two</div>three</div>", "one\n\ntwo\n\nthree"),
        ("a<b>b</b>c", "abc"),
        ("<span>ภาษา</span><span>ไทย</span>", "ภาษาไทย"),  # no space between Thai spans
        ("  spaced \n\n out\t words  ", "spaced out words"),
        ("nbsp\u00a0\u00a0\u00a0run", "nbsp run"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("e\u0301", "\u00e9"),  # NFC
        (
            (
                "<table class='tr-caption-container'><tr><td><img src='x.jpg'></td></tr>"
                "<tr><td class='tr-caption'>Caption</td></tr></table>text"
            ),
            "Caption\n\ntext",
        ),
        ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("<p></p><p> </p><p>\u00a0</p>x", "x"),
    ],
)
def test_layout(html, expected):
    assert body_text(html) == expected


def test_trailing_list_of_links_is_cut_after_prose():
    prose = "<p>" + "Real words of the article. " * 20 + "</p>"
    links = "".join(f"<p><a href='/p{i}'>Another post number {i}</a></p>" for i in range(8))
    assert (
        body_text(prose + "<p>More posts:</p>" + links)
        == ("Real words of the article. " * 20).strip()
    )


def test_a_few_links_are_kept():
    prose = "<p>" + "Real words of the article. " * 20 + "</p>"
    links = "".join(f"<p><a href='/p{i}'>Source {i}</a></p>" for i in range(3))
    assert body_text(prose + links).endswith("Source 0\n\nSource 1\n\nSource 2")


def test_a_post_made_only_of_links_is_kept():
    links = "".join(f"<p><a href='/p{i}'>Post number {i}</a></p>" for i in range(8))
    assert body_text(links).count("Post number") == 8


@given(st.text(alphabet=st.sampled_from("ab ก\u0e48\n\u00a0\u200b\t\u0301é.")))
def test_normalise_text_is_idempotent(raw):
    once = text.normalise_text(raw)
    assert text.normalise_text(once) == once
    assert "\n\n\n" not in once
    assert "\u00a0" not in once
    assert "\u200b" not in once
    assert all(line == line.strip() for line in once.split("\n"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-21T18:42:00.000+07:00", "2024-01-21T18:42:00+07:00"),
        ("2012-10-26T06:00:00-07:00", "2012-10-26T06:00:00-07:00"),
        ("2020-05-19T10:00:00Z", "2020-05-19T10:00:00+00:00"),
        ("2020-05-19", "2020-05-19"),
        ("May 19, 2020", "2020-05-19"),
        ("", None),
        ("not a date", None),
    ],
)
def test_machine_dates_keep_their_offset(value, expected):
    assert normalise_machine_date(value) == expected


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("Sunday, January 21, 2024", "2024-01-21"),
        ("21 มกราคม 2567", "2024-01-21"),
        ("วันอาทิตย์ที่ 21 มกราคม พ.ศ. 2567", "2024-01-21"),
        ("21 ม.ค. 67", None),  # two-digit years are ambiguous
        ("3 ก.พ. 2566", "2023-02-03"),
        ("Donnerstag, 5. Juni 2015", "2015-06-05"),
        ("8/09/2012 12:13:00 PM", "2012-09-08"),
        ("September 10, 2012 4:45 AM", "2012-09-10"),
        ("February 30, 2020", None),
        ("nothing here", None),
    ],
)
def test_visible_dates_including_buddhist_era(shown, expected):
    assert parse_visible_date(shown) == expected


def test_language_and_word_count():
    root = etree.fromstring("<html lang='de'><body></body></html>", etree.HTMLParser())
    assert language("ภาษาไทยเป็นส่วนใหญ่ with two words", root) == "th"
    assert language("Ein deutscher Satz", root) == "de"
    assert language("12345", root) is None
    assert word_count("three plain words") == 3
    assert word_count("สวัสดีครับ hello") == 1 + 2  # 10 Thai chars -> 2 words


def test_clean_html_keeps_only_content_tags_and_attributes():
    node = clean.parse(
        "<html><body><div class='post-body' style='x' onclick='evil()'>"
        "<div>para</div><span class='s'>inline <a href='/rel' rel='nofollow' target='_blank'>"
        "link</a></span><img src='i.png' alt='A' width='3'><font color='red'>red</font>"
        "</div></body></html>"
    ).find(".//div")
    html = clean.clean_html(node, "https://blog.example/2024/01/post.html")
    assert html == (
        '<div><p>para</p>inline <a href="https://blog.example/rel">link</a>'
        '<img src="https://blog.example/2024/01/i.png" alt="A">red</div>'
    )
