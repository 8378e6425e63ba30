"""extract_article on hand-made Blogger pages: the news template, Contempo, classic comments,
malformed markup, encodings, the feed's precedence and a 3 MB post."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.extract import clean, extract_article
from goahead_crawler.extract.text import normalise_text

DATA = Path(__file__).parent / "data" / "extract"
URL = "https://goaheadnews.example/2024/01/market.html"
# Widget titles and chrome of the news template: none may reach the article text.
NEWS_BOILERPLATE = [
    "Go Ahead News",
    "ก้าวไปข้างหน้ากับเรา",
    "Breaking",
    "Home Top Ad",
    "Post Top Ad",
    "Post Bottom Ad",
    "No comments:",
    "Post a Comment",
    "Popular Posts",
    "Related Posts",
    "ผู้ว่าฯ เปิดงานกาชาดประจำปี",
    "ผู้ว่าราชการจังหวัดเปิดงานกาชาด",
    "Share to Facebook",
    "Share to X",
    "ทีมข่าว Go Ahead News",
    "Older Post",
    "Subscribe to",
    "Tags:",
    "adsbygoogle",
]
NEWS_TEXT = (
    "21 มกราคม 2567 ที่ตลาดน้ำดำเนินสะดวก อำเภอดำเนินสะดวก จังหวัดราชบุรี\n\n"
    "นักท่องเที่ยวชาวไทยและต่างชาติเดินทางมาเที่ยวอย่างคึกคัก ตั้งแต่เช้าตรู่\n\n"
    "เรือขายผลไม้ในตลาดน้ำ\n\n"
    "ผู้ค้ารายหนึ่งเปิดเผยว่า ยอดขายช่วงนี้เพิ่มขึ้นกว่าเดิม\n\n"
    "เพราะมีนักท่องเที่ยวมากขึ้นทุกสัปดาห์\n\n"
    "อ่านประวัติตลาดน้ำ เพิ่มเติมได้ที่เว็บไซต์"
)


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(scope="module")
def news():
    return extract_article(page("news.html"), URL)


@pytest.fixture(scope="module")
def contempo():
    return extract_article(page("contempo.html"), "https://river.example/2023/06/rain.html")


def test_news_text_is_exactly_the_article(news):
    assert news.text == NEWS_TEXT
    assert news.method == "blogger:news"


@pytest.mark.parametrize("line", NEWS_BOILERPLATE)
def test_news_boilerplate_never_reaches_text(news, line):
    assert line not in news.text


def test_news_metadata(news):
    assert news.title == "ตลาดน้ำดำเนินสะดวกคึกคัก นักท่องเที่ยวแน่นช่วงวันหยุด"
    assert news.author == "กองบรรณาธิการ"
    assert news.published == "2024-01-21"  # Buddhist era 2567, from the visible date
    assert news.date_header == "21 มกราคม 2567"
    assert news.labels == ["ข่าวท่องเที่ยว", "ราชบุรี"]
    assert news.post_id == "1234567890123456789"
    assert news.blog_id == "7712345678901234567"
    assert news.comment_count == 0
    assert news.comments == []
    assert news.language == "th"


def test_news_media_and_html(news):
    market = "https://blogger.googleusercontent.com/img/b/market.jpg"
    assert news.images == [market]
    assert news.outlinks == [market, "https://goaheadnews.example/2024/01/market-history.html"]
    assert '<img src="' + market + '">' in news.html
    assert "<td>เรือขายผลไม้ในตลาดน้ำ</td>" in news.html
    for unwanted in ("style=", "class=", "<script", "<ins", "adsbygoogle", "Share to", "<div "):
        assert unwanted not in news.html


def test_contempo(contempo):
    assert contempo.method == "blogger:contempo"
    assert contempo.text == (
        "The first storm came on Monday.\nThe river rose by a metre overnight.\n\n"
        "By Wednesday the ferry had stopped.\n\nWhat we saw\n\n"
        "Boats tied to the temple steps\n\nChildren fishing from the bridge\n\n"
        "Last month it was the other way round."
    )
    assert contempo.title == "Rain season, week one"
    assert contempo.author == "Mali S."
    assert contempo.published == "2023-06-02T07:15:00+07:00"
    assert contempo.labels == ["rain", "river"]
    assert contempo.post_id == "5550001112223334445"
    assert contempo.blog_id == "9990001112223334445"
    assert contempo.outlinks == ["https://river.example/2023/05/dry-season.html"]
    assert contempo.language == "en"


def test_contempo_threaded_comments(contempo):
    assert contempo.comment_count == 2
    assert contempo.comments == [
        {
            "author": "Niran",
            "published": "2023-06-02T10:00:00+00:00",
            "text": "Stay dry out there!",
        },
        {
            "author": "Mali S.",
            "published": "2023-06-03",
            "text": "Thanks, we will.\nThe boat is ready.",
        },
    ]
    for line in ("Stay dry", "Read more", "Email This", "Popular posts", "Post a Comment"):
        assert line not in contempo.text


CLASSIC = """<html><head><title>Minima post</title></head><body>
<div class='widget Blog' id='Blog1'><div class='blog-posts hfeed'>
<div class="date-outer"><h2 class='date-header'><span>Friday, March 1, 2013</span></h2>
<div class="date-posts"><div class='post-outer'><div class='post hentry'>
<a name='42424242424242'></a><h3 class='post-title entry-title'>Spring</h3>
<div class='post-header'></div>
<div class='post-body entry-content'>First line<br>second line<br><br>Next paragraph
with a\u00a0\u00a0non-breaking gap.<br /><br /><br />Last one.</div>
<div class='post-footer'><span class='post-author vcard'>Posted by <span class='fn'>Ann</span>
</span><abbr class='published' title='2013-03-01T10:00:00-08:00'>10:00 AM</abbr></div>
</div>
<div class='comments' id='comments'><h4>2 comments:</h4>
<dl id='comments-block'>
<dt class='comment-author'><a href='/p'>Bob</a> said...</dt>
<dd class='comment-body'><p>Lovely.</p></dd>
<dd class='comment-footer'><span class='comment-timestamp'>March 2, 2013 at 9:00 AM</span></dd>
<dt class='comment-author'>Anonymous said...</dt>
<dd class='comment-body'><p>Agreed<br>twice.</p></dd>
<dd class='comment-footer'><span class='comment-timestamp'>March 3, 2013</span></dd>
</dl></div>
</div></div></div></div></div></body></html>"""


def test_classic_page_with_br_paragraphs_and_comments():
    article = extract_article(CLASSIC.encode(), "http://spring.blogspot.com/2013/03/spring.html")
    assert article.method == "blogger:classic"
    assert article.text == (
        "First line\nsecond line\n\nNext paragraph with a non-breaking gap.\n\nLast one."
    )
    assert (article.title, article.author, article.post_id) == ("Spring", "Ann", "42424242424242")
    assert article.published == "2013-03-01T10:00:00-08:00"
    assert article.date_header == "Friday, March 1, 2013"
    assert article.comment_count == 2
    assert article.comments == [
        {"author": "Bob", "published": "2013-03-02", "text": "Lovely."},
        {"author": "Anonymous", "published": "2013-03-03", "text": "Agreed\ntwice."},
    ]


def test_feed_entry_takes_precedence_over_the_page(news):
    entry = FeedEntry(
        blog_id="111111111",
        post_id="222222222",
        url=URL,
        title="Feed title",
        published="2024-01-21T18:42:00.000+07:00",
        updated="2024-01-22T08:00:00.000+07:00",
        author="Feed Author",
        labels=["from-feed"],
        comment_count=5,
    )
    article = extract_article(page("news.html"), URL, feed_entry=entry)
    assert (article.title, article.author, article.labels) == (
        "Feed title",
        "Feed Author",
        ["from-feed"],
    )
    assert article.published == "2024-01-21T18:42:00.000+07:00"
    assert article.updated == "2024-01-22T08:00:00.000+07:00"
    assert (article.post_id, article.blog_id, article.comment_count) == (
        "222222222",
        "111111111",
        5,
    )
    assert article.text == news.text


def test_empty_feed_fields_fall_back_to_the_page(news):
    entry = FeedEntry(blog_id="7712345678901234567", post_id="1234567890123456789", url=URL)
    article = extract_article(page("news.html"), URL, feed_entry=entry)
    assert (article.title, article.labels, article.published) == (
        news.title,
        news.labels,
        news.published,
    )


THAI_TITLE_FIRST = (
    "<html><head><title>ข่าวเช้า</title><meta charset='tis-620'></head><body>"
    "<div class='post'><h3 class='post-title'>ข่าวเช้า</h3>"
    "<div class='post-body'>ฝนตกหนักทั่วกรุงเทพ</div></div></body></html>"
)


@pytest.mark.parametrize("encoding", ["tis-620", "cp874"])
def test_http_charset_decodes_before_parsing(encoding):
    html = THAI_TITLE_FIRST.encode(encoding)
    article = extract_article(html, "http://x.blogspot.com/a.html",
                              content_type=f"text/html; charset={encoding}")
    assert (article.title, article.text) == ("ข่าวเช้า", "ฝนตกหนักทั่วกรุงเทพ")


def test_meta_charset_is_used_when_bytes_are_not_utf8():
    article = extract_article(THAI_TITLE_FIRST.encode("tis-620"), "http://x.blogspot.com/a")
    assert (article.title, article.text) == ("ข่าวเช้า", "ฝนตกหนักทั่วกรุงเทพ")


MALFORMED = b"""<html><head><title>Broken</title><body>
<div class='post hentry'><h3 class='post-title'>Broken <b>markup</h3>
<div class='post-body entry-content'><p>One <i>unclosed italic<p>Two</span></div></b>
<p>Three</td></tr></table> after stray closers</p>
<div class='post-footer'>Posted by nobody</div></div>
</div></div></div></body></html></html>"""


def test_malformed_page_still_yields_the_article():
    article = extract_article(MALFORMED, "http://broken.blogspot.com/2020/01/x.html")
    assert article.title == "Broken markup"
    # as in a browser, the stray </div> closes the body: "Three" lands outside it
    assert article.text == "One unclosed italic\n\nTwo"


def test_a_json_ld_headline_is_one_line_as_the_page_title_is():
    """A title taken from JSON-LD kept its line breaks (a CR in a CSV cell, a title that
    wraps in every listing); every other source of a title is one line."""
    page = ("<html><head><script type='application/ld+json'>"
            '{"@type": "BlogPosting", "headline": "  Flood\\r\\n in   the\\ttown ",'
            ' "author": {"name": "Naree\\n W."}}</script></head>'
            "<body><div class='post-body'><p>Water rose overnight.</p></div></body></html>")
    article = extract_article(page.encode(), "http://x.blogspot.com/2020/01/x.html")
    assert article.title == "Flood in the town"
    assert article.author == "Naree W."


@pytest.mark.parametrize("html", [b"", b"   ", b"<!-- only a comment -->", b"\xff\xfe"])
def test_degenerate_input_gives_an_empty_article(html):
    article = extract_article(html, "http://x.blogspot.com/")
    assert article.text == ""
    assert article.method == "fallback"


def test_three_megabyte_post_is_parsed_once(monkeypatch):
    """Bounded work, counted rather than timed (bench/extract.py times it): the page is
    parsed once, not once per rule."""
    paragraph = "<p>" + "ข่าวยาวมาก " * 40 + "a long line of text in English " * 8 + "</p>\n"
    body = paragraph * (3_000_000 // len(paragraph.encode()) + 1)
    html = (
        f"<html><body><div class='post hentry'><h3 class='post-title'>Big</h3>"
        f"<div class='post-body'>{body}</div></div></body></html>"
    ).encode()
    assert len(html) > 3_000_000
    parses = []
    parse = clean.parse
    monkeypatch.setattr(clean, "parse", lambda text: parses.append(len(text)) or parse(text))
    article = extract_article(html, "http://big.blogspot.com/2024/01/big.html")
    assert len(parses) == 1
    assert article.text.count("\n\n") == body.count("<p>") - 1
    assert article.language == "th"


def test_comment_permalink_gives_the_exact_time():
    html = CLASSIC.replace(
        "<span class='comment-timestamp'>March 2, 2013 at 9:00 AM</span>",
        "<span class='comment-timestamp'><a href='/x.html?showComment=1362214800000#c1'>"
        "March 2, 2013 at 9:00 AM</a></span>",
    )
    article = extract_article(html.encode(), "http://spring.blogspot.com/2013/03/spring.html")
    assert article.comments[0]["published"] == "2013-03-02T09:00:00+00:00"


def test_feed_content_stands_in_for_a_javascript_rendered_body():
    html = (
        b"<html><body><div class='post hentry'><h3 class='post-title'>Dynamic</h3>"
        b"<div class='post-body'><script>render()</script></div></div></body></html>"
    )
    entry = FeedEntry(
        blog_id="1000001",
        post_id="2000002",
        url="http://d.blogspot.com/2020/01/dyn.html",
        content_html="<p>From the feed.</p><p>Second <a href='/rel'>link</a>.</p>",
    )
    article = extract_article(html, entry.url, feed_entry=entry)
    assert article.text == "From the feed.\n\nSecond link."
    assert article.method == "feed"
    assert article.outlinks == ["http://d.blogspot.com/rel"]


def test_post_bodies_in_sidebar_widgets_are_not_the_article():
    html = (
        "<html><body><div class='widget FeaturedPost'><div class='post-body'>Featured teaser"
        "</div></div><div class='widget Blog'><div class='post hentry'>"
        "<h3 class='post-title'>Real</h3><div class='post-body'>The real post.</div>"
        "</div></div></body></html>"
    )
    article = extract_article(html.encode(), "http://x.blogspot.com/2024/01/real.html")
    assert (article.title, article.text) == ("Real", "The real post.")


@given(st.binary(max_size=2000))
@settings(max_examples=60, deadline=None)
def test_arbitrary_bytes_never_raise(html):
    article = extract_article(html, "http://x.blogspot.com/")
    assert normalise_text(article.text) == article.text
    assert article.method == "fallback" or article.method.startswith("blogger:")


def test_control_characters_are_dropped_not_fatal():
    html = b"<html><body><div class='post'><div class='post-body'>a\x01b\x0bc</div></div></body></html>"
    assert extract_article(html, "http://x.blogspot.com/").text == "abc"


@pytest.mark.parametrize(
    ("body", "expected"),
    [("a&#14;b&#x1F;c", "abc"), ("a&#0;b", "a\ufffdb"), ("<a href='/x&#14;y'>link</a>", "link")],
)
def test_references_to_control_characters_are_dropped_not_fatal(body, expected):
    html = f"<html><body><div class='post'><div class='post-body'>{body}</div></div></body></html>"
    assert extract_article(html.encode(), "http://x.blogspot.com/").text == expected


@given(st.lists(st.integers(min_value=0, max_value=0x10FFFF), max_size=8), st.booleans())
@settings(max_examples=60, deadline=None)
def test_any_character_reference_never_raises(codes, hexadecimal):
    refs = "".join(f"&#x{c:x};" if hexadecimal else f"&#{c};" for c in codes)
    html = (
        f"<html><body><div class='post'><div class='post-body'>a{refs}b"
        f"<a href='/{refs}' title='{refs}'>c</a></div></div></body></html>"
    )
    article = extract_article(html.encode(), "http://x.blogspot.com/")
    # NFD: a combining mark after the "a" (&#768;) is composed with it in the text ("à")
    assert unicodedata.normalize("NFD", article.text).startswith("a")
