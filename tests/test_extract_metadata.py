"""Post metadata on layouts that hide it: a bare heading for the title, the date in a
subhead line or without its year, the post id only in <head> or the comment form, dates
in the formats of Blogger's interface languages."""

from __future__ import annotations

import pytest

from goahead_crawler.extract import extract_article
from goahead_crawler.extract.dates import parse_visible_date

URL = "http://adwords.example/2012/11/hangouts.html"


def google_layout(head: str = "", subhead: str = "Tuesday, November 06, 2012 | 11:00 AM") -> bytes:
    """The custom layout of Google's own blogs (Inside AdWords, 2012): no title class, the
    date and the labels in ``p.post-subhead``, no date header, no share links."""
    return f"""<html><head><title>Hangouts on Air - Inside AdWords</title>{head}</head><body>
<div class='widget Blog' id='Blog1'><div class='blog-posts hfeed'>
<div class='post'>
<h3><a href='{URL}'>Hangouts on Air</a></h3>
<p class='post-subhead'>{subhead}</p>
<p class='post-subhead'>Labels: <a href='/search/label/adwords' rel='tag'>adwords</a></p>
<div class='post-body'><p>Wonder what to do when you can't find your ad?</p></div>
<div class='post-footer'></div>
</div></div></div></body></html>""".encode()


def test_a_bare_heading_in_the_post_is_the_title_not_the_page_title():
    article = extract_article(google_layout(), URL)
    assert article.title == "Hangouts on Air"


def test_a_subhead_line_that_reads_as_a_date_is_the_shown_date():
    article = extract_article(google_layout(), URL)
    assert article.date_header == "Tuesday, November 06, 2012 | 11:00 AM"
    assert article.published == "2012-11-06"
    assert article.labels == ["adwords"]


def test_a_subhead_line_without_a_date_is_not_taken_for_one():
    article = extract_article(google_layout(subhead="Posted by the AdWords team"), URL)
    assert (article.date_header, article.published) == ("", None)


def test_the_post_id_from_the_comments_feed_in_head():
    link = "<link rel='alternate' href='http://adwords.example/feeds/7380617195646405825/comments/default'/>"
    blog_feed = "<link rel='alternate' href='http://adwords.example/feeds/posts/default'/>"
    article = extract_article(google_layout(head=blog_feed + link), URL)
    assert article.post_id == "7380617195646405825"


def test_the_post_id_from_the_comment_form_of_a_news_template():
    page = """<html><body><div class='widget Blog'><div class='blog-post item-post'>
<h1 class='post-title'>News</h1><div class='post-body'><p>Text.</p></div></div>
<div id='comments'><a href='https://www.blogger.com/comment-iframe.g?blogID=174605429913114134&amp;postID=380660790389322030&amp;skin=contempo' id='comment-editor-src'></a></div>
</div></body></html>"""
    article = extract_article(page.encode(), URL)
    assert article.post_id == "380660790389322030"


def test_a_date_header_without_its_year_takes_it_from_the_url():
    page = """<html><body><div class='widget Blog'>
<h2 class='date-header'><span>Sunday, September 9</span></h2>
<div class='post-outer'><div class='post hentry'><h3 class='post-title'>Prepping</h3>
<div class='post-body'><p>A new week.</p></div></div></div></div></body></html>"""
    url = "http://www.thenotebookdoodles.com/2012/09/prepping-for-new-week.html"
    assert extract_article(page.encode(), url).published == "2012-09-09"
    # a URL of another month does not date it
    other = "http://www.thenotebookdoodles.com/2012/08/prepping-for-new-week.html"
    assert extract_article(page.encode(), other).published is None


@pytest.mark.parametrize(
    ("shown", "url", "expected"),
    [
        ("domingo, 21 de enero de 2024", "", "2024-01-21"),  # es
        ("domingo, 21 de janeiro de 2024", "", "2024-01-21"),  # pt
        ("domenica 21 gennaio 2024", "", "2024-01-21"),  # it
        ("zondag 21 januari 2024", "", "2024-01-21"),  # nl
        ("Minggu, 21 Januari 2024", "", "2024-01-21"),  # id
        ("21 Ocak 2024 Pazar", "", "2024-01-21"),  # tr
        ("воскресенье, 21 января 2024 г.", "", "2024-01-21"),  # ru
        ("niedziela, 21 stycznia 2024", "", "2024-01-21"),  # pl
        ("Κυριακή, 21 Ιανουαρίου 2024", "", "2024-01-21"),  # el
        ("रविवार, 21 फ़रवरी 2024", "", "2024-02-21"),  # hi
        ("Thứ Bảy, ngày 20 tháng 1 năm 2024", "", "2024-01-20"),  # vi
        ("2024年1月21日星期日", "", "2024-01-21"),  # zh
        ("2024年1月21日日曜日", "", "2024-01-21"),  # ja
        ("2024년 1월 21일 일요일", "", "2024-01-21"),  # ko
        ("الأحد، ٢١ يناير ٢٠٢٤", "", "2024-01-21"),  # ar, Arabic-Indic digits
        ("יום ראשון, 21 בינואר 2024", "", "2024-01-21"),  # he
        ("یکشنبه ۲۱ ژانویه ۲۰۲۴", "", "2024-01-21"),  # fa, Persian digits
        ("۱۴۰۲/۱۱/۰۱", "", None),  # a Solar Hijri date is not taken for a Common Era one
        ("10/28/2012", "", "2012-10-28"),  # month first: 28 is no month
        ("8/09/2012", "http://b.example/2012/08/p.html", "2012-08-09"),  # the URL's month
        ("8/09/2012", "", "2012-09-08"),  # day first when nothing says otherwise
        ("Sunday, September 9", "http://b.example/2012/09/p.html", "2012-09-09"),
        ("Sunday, September 9", "", None),
    ],
)
def test_dates_in_the_formats_of_bloggers_languages(shown, url, expected):
    assert parse_visible_date(shown, url) == expected


def classic_post(byline: str, head: str = "", body: str = "<p>Text.</p>") -> bytes:
    return f"""<html><head>{head}</head><body><div class='widget Blog'>
<div class='post-outer'><div class='post hentry'><h3 class='post-title'>T</h3>
<div class='post-body' id='post-body-1234567'>{body}</div>
<div class='post-footer'>{byline}</div></div></div></div></body></html>""".encode()


def test_a_post_credited_to_several_people_names_them_all():
    byline = (
        "<span class='post-author vcard'>Posted by <span class='fn'>Ross Tucker</span> and "
        "<span class='fn'>Jonathan Dugan</span></span>"
    )
    assert extract_article(classic_post(byline), URL).author == "Ross Tucker, Jonathan Dugan"


def test_json_ld_authors_are_all_named():
    ld = (
        '<script type="application/ld+json">{"@type": "BlogPosting", "author": '
        '[{"@type": "Person", "name": "Nathan Parker"}, {"@type": "Person", "name": "Eric Mill"}]}'
        "</script>"
    )
    assert extract_article(classic_post("", head=ld), URL).author == "Nathan Parker, Eric Mill"


def test_the_byline_at_the_top_of_the_body():
    body = "<span class='byline-author'>Posted by Kathy Walrath, Technical Writer</span><p>Text.</p>"
    article = extract_article(classic_post("", body=body), URL)
    assert article.author == "Kathy Walrath, Technical Writer"


def test_the_entry_author_link_and_an_upper_case_meta_name():
    byline = (
        "<span class='entry-author'><em>by</em><a class='entry-author-link' "
        "href='https://www.blogger.com/profile/1'>Mobasir hassan</a></span>"
    )
    assert extract_article(classic_post(byline), URL).author == "Mobasir hassan"
    meta = "<META CONTENT='Mobasir hassan' NAME='Author'>"
    assert extract_article(classic_post("", head=meta), URL).author == "Mobasir hassan"


def test_a_posted_by_line_of_the_text_is_the_author_of_a_page_without_a_byline():
    # Inside AdWords (R607): the credit is the body's last paragraph
    body = "<p>Wonder what to do?</p><p>Posted by Courtney Pannell &amp; Divya Vishwanath, <i>AdWords support team</i></p>"
    article = extract_article(classic_post("", body=body), URL)
    assert article.author == "Courtney Pannell & Divya Vishwanath, AdWords support team"
    assert "Posted by Courtney" in article.text  # the credit stays in the text, as shown


@pytest.mark.parametrize(
    "body",
    [
        "<p>First.</p><p>Posted by a reader, this question comes up often.</p><p>Last.</p>",
        "<p>Posted by " + "far too many words for a byline " * 6 + "</p>",
    ],
    ids=["middle paragraph", "a long paragraph"],
)
def test_posted_by_elsewhere_is_no_author(body):
    assert extract_article(classic_post("", body=body), URL).author == ""


def test_a_related_posts_date_in_the_container_is_not_the_posts_date():
    related = "<div class='related'><a href='/x.html'>Older story</a> <span class='meta'>January 3, 2020</span></div>"
    assert extract_article(classic_post(related), URL).published is None


def test_comment_authors_and_text_hold_no_script():
    """Picture Window templates number each comment with a script beside its author
    (R101: 'tRiSh CommentsCounter=CommentsCounter+1; document.write(...)')."""
    comments = """<div class='comments' id='comments'><h4>1 comment:</h4>
<dl id='comments-block'>
<dt class='comment-author' id='c1'><script>CommentsCounter=CommentsCounter+1; document.write(CommentsCounter)</script>
<a href='https://www.blogger.com/profile/1'>tRiSh</a> said...</dt>
<dd class='comment-body'><p>Thanks.<script>track()</script></p></dd>
<dd class='comment-footer'><span class='comment-timestamp'>September 10, 2012 4:45 AM</span></dd>
</dl></div>"""
    page = classic_post("").replace(b"</body>", comments.encode() + b"</body>")
    article = extract_article(page, URL)
    assert article.comments == [{"author": "tRiSh", "published": "2012-09-10", "text": "Thanks."}]


@pytest.mark.parametrize(
    ("said", "author"),
    [
        ("Anonym hat gesagt…", "Anonym"),
        ("Marie a dit…", "Marie"),
        ("Anónimo dijo...", "Anónimo"),
        ("Anônimo disse...", "Anônimo"),
        ("Anonimo ha detto...", "Anonimo"),
        ("匿名 說...", "匿名"),
        ("Ann said...", "Ann"),
    ],
)
def test_a_classic_comments_author_without_said_in_blogger_languages(said, author):
    comments = f"""<div class='comments' id='comments'><dl id='comments-block'>
<dt class='comment-author' id='c1'><a href='https://www.blogger.com/profile/1'>{said.split()[0]}</a>
{" ".join(said.split()[1:])}</dt><dd class='comment-body'><p>Danke.</p></dd></dl></div>"""
    page = classic_post("").replace(b"</body>", comments.encode() + b"</body>")
    assert [c["author"] for c in extract_article(page, URL).comments] == [author]


def test_a_featured_posts_body_id_higher_up_is_not_the_article():
    page = b"""<html><body><div class='widget FeaturedPost' id='FeaturedPost1'>
<div class='post-body' id='post-body-111111111'>Featured teaser</div></div>
<div class='widget Blog'><div class='post hentry'><h3 class='post-title'>Real</h3>
<div class='post-body' id='post-body-222222222'>The real post.</div></div></div></body></html>"""
    article = extract_article(page, URL)
    assert (article.text, article.post_id) == ("The real post.", "222222222")


@pytest.mark.parametrize("name", ["Dedi", "Hidetoshi Nakata", "Mosaid", "Ibu Zakata"])
def test_a_classic_comments_author_ending_like_said_is_kept_whole(name):
    # a dt that holds the name alone (a template without "said..."): the end of a name
    # that reads as a "said" word of some language is the name, not the verb
    comments = f"""<div class='comments' id='comments'><dl id='comments-block'>
<dt class='comment-author' id='c1'><a href='https://www.blogger.com/profile/1'>{name}</a>
</dt><dd class='comment-body'><p>Thanks.</p></dd></dl></div>"""
    page = classic_post("").replace(b"</body>", comments.encode() + b"</body>")
    assert [c["author"] for c in extract_article(page, URL).comments] == [name]


@pytest.mark.parametrize(
    ("dt", "author"),
    [
        ("<a href='https://www.blogger.com/profile/1'>Edward Said</a>", "Edward Said"),
        ("Edward Said", "Edward Said"),
        ("<a href='https://www.blogger.com/profile/1'>Edward Said</a> said...", "Edward Said"),
        ("Kata Said", "Kata Said"),
        ("Ann said:", "Ann"),
    ],
)
def test_a_bare_comment_author_ending_in_a_said_word_is_kept_whole(dt, author):
    """'Edward Said' with no "said..." after it lost 'Said': a verb is cut only with
    Blogger's trailing '...' (or a colon)."""
    comments = f"""<div class='comments' id='comments'><dl id='comments-block'>
<dt class='comment-author' id='c1'>{dt}</dt><dd class='comment-body'><p>Hi.</p></dd>
</dl></div>"""
    page = classic_post("").replace(b"</body>", comments.encode() + b"</body>")
    assert [c["author"] for c in extract_article(page, URL).comments] == [author]


@pytest.mark.parametrize(
    ("heading", "count"),
    [
        ("Keine Kommentare:", 0),  # bumsbutzener-gumpfen.blogspot.com (corpus)
        ("Aucun commentaire:", 0),  # sibenlab.blogspot.com (corpus)
        ("No hay comentarios:", 0),
        ("沒有留言：", 0),
        ("No comments :", 0),
        ("Kommentare:", None),  # says no number: none found, none known
        ("3 Kommentare:", 3),
    ],
)
def test_no_comments_in_bloggers_languages_is_a_count_of_zero(heading, count):
    """The "No comments:" heading in another language gave comment_count None."""
    comments = f"<div class='comments' id='comments'><h4>{heading}</h4></div>"
    page = classic_post("").replace(b"</body>", comments.encode() + b"</body>")
    assert extract_article(page, URL).comment_count == count


@pytest.mark.parametrize(("said", "author"), [("匿名さんは書きました...", "匿名"),
                                              ("익명님의 말...", "익명")])
def test_a_classic_comments_author_with_said_attached(said, author):
    comments = f"""<div class='comments' id='comments'><dl id='comments-block'>
<dt class='comment-author' id='c1'>{said}</dt><dd class='comment-body'><p>Hi.</p></dd>
</dl></div>"""
    page = classic_post("").replace(b"</body>", comments.encode() + b"</body>")
    assert [c["author"] for c in extract_article(page, URL).comments] == [author]
