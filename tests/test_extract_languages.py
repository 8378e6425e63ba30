"""Posts in other scripts than Thai and Latin: right-to-left posts keep their direction in
the clean HTML; CJK, Arabic, Hebrew and Cyrillic text gets its language and a word count;
the date header in the blog's language gives the date."""

from __future__ import annotations

import pytest

from goahead_crawler.extract import extract_article


def blogger_page(lang: str, direction: str, header: str, body: str) -> bytes:
    """A classic Blogger post page as the editor writes it: the body wrapped in
    ``<div dir=... trbidi="on">``, the blog's language on <html>, a localised date header."""
    return f"""<html dir='{direction}' lang='{lang}'><body>
<div class='widget Blog'><div class='date-outer'>
<h2 class='date-header'><span>{header}</span></h2>
<div class='post-outer'><div class='post hentry'><h3 class='post-title'>T</h3>
<div class='post-body entry-content' id='post-body-5512345678901234567'>
<div dir="{direction}" style="text-align: right;" trbidi="on">{body}</div>
</div></div></div></div></div></body></html>""".encode()


URL = "https://example.blogspot.com/2024/01/post.html"
ARABIC = "<p>مرحبا بكم في مدونتي الجديدة عن السفر</p><p>English words <b>inside</b></p>"


def test_a_right_to_left_post_keeps_its_direction():
    article = extract_article(blogger_page("ar", "rtl", "الأحد، 21 يناير 2024", ARABIC), URL)
    # the editor's <div dir="rtl"> around paragraphs: each paragraph says it (no p in a p)
    assert '<p dir="rtl">مرحبا' in article.html
    assert '<p dir="rtl">English words' in article.html
    assert article.language == "ar"
    assert article.published == "2024-01-21"
    assert article.date_header == "الأحد، 21 يناير 2024"


def test_left_to_right_is_the_default_and_not_written():
    article = extract_article(blogger_page("en", "ltr", "Sunday, January 21, 2024", "<p>Hi</p>"), URL)
    assert "dir=" not in article.html


def test_a_persian_blog_is_persian_not_arabic():
    body = "<p>سلام به وبلاگ من خوش آمدید، امروز درباره سفر می‌نویسم</p>"
    article = extract_article(blogger_page("fa", "rtl", "یکشنبه ۲۱ ژانویه ۲۰۲۴", body), URL)
    assert (article.language, article.published) == ("fa", "2024-01-21")
    assert 'dir="rtl"' in article.html


def test_hebrew():
    body = "<p>שלום וברוכים הבאים לבלוג שלי על טיולים</p>"
    article = extract_article(blogger_page("en", "rtl", "יום ראשון, 21 בינואר 2024", body), URL)
    assert (article.language, article.published) == ("he", "2024-01-21")


@pytest.mark.parametrize(
    ("lang", "header", "body", "language", "words"),
    [
        ("zh-TW", "2024年1月21日星期日", "<p>只能想念你，這是一首很好聽的歌。</p>", "zh", 9),
        ("en", "2024年1月21日星期日", "<p>只能想念你，這是一首很好聽的歌。</p>", "zh", 9),
        ("ja", "2024年1月21日日曜日", "<p>今日は良い天気ですね。東京に行きました。</p>", "ja", 12),
        ("en", "2024年1月21日日曜日", "<p>今日は良い天気ですね。東京に行きました。</p>", "ja", 12),
        ("ko", "2024년 1월 21일 일요일", "<p>안녕하세요 오늘은 좋은 날씨입니다</p>", "ko", 4),
        ("uk", "21 січня 2024", "<p>Привіт, це мій блог про подорожі</p>", "uk", 6),
    ],
)
def test_cjk_and_cyrillic(lang, header, body, language, words):
    article = extract_article(blogger_page(lang, "ltr", header, body), URL)
    assert article.language == language
    assert article.word_count == words
    if language != "uk":  # Ukrainian month names are not known: no date rather than a guess
        assert article.published == "2024-01-21"


def test_a_classic_layout_takes_the_blogs_language_from_the_data_context():
    """Classic layouts write no <html lang>; Blogger's data context says the blog's locale."""
    page = b"""<html dir='ltr'><head></head><body><div class='widget Blog'>
<div class='post hentry'><h3 class='post-title'>Tach auch!</h3>
<div class='post-body' id='post-body-4975188933883288645'><p>Heute war ein guter Tag.</p></div>
</div></div><script type="text/javascript">_WidgetManager._SetDataContext([{'name': 'blog',
'data': {'blogId': '123456789', 'languageDirection': 'ltr', 'locale': 'de',
'localeUnderscoreDelimited': 'de'}}]);</script></body></html>"""
    assert extract_article(page, URL).language == "de"


def test_joiners_that_spell_words_are_kept_and_invisible_spaces_dropped():
    """Persian writes one word with a zero-width non-joiner (می‌نویسم), an emoji family is
    joined by ZWJ; a zero-width space or a soft hyphen is layout noise."""
    body = "<p>امروز درباره سفر می\u200cنویسم 👨\u200d👩\u200d👧 ok\u200bay, Ban\u00adgkok</p>"
    article = extract_article(blogger_page("fa", "rtl", "", body), URL)
    assert "می\u200cنویسم" in article.text
    assert "👨\u200d👩\u200d👧" in article.text
    assert "okay, Bangkok" in article.text
