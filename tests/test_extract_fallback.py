"""Pages without Blogger's structure (unfamiliar templates): trafilatura finds the article,
goahead cleans it into its usual form; a feed entry's content wins over any guess."""

from __future__ import annotations

import pytest

from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.extract import extract_article, extract_unstructured
from goahead_crawler.extract.text import normalise_text

URL = "https://townnews.example/2024/09/flood.html"
PARAGRAPHS = [
    (
        "The river rose by almost two metres overnight, and by morning the market square in the"
        " old town was under water for the first time since the great flood of 2011."
    ),
    (
        "Shopkeepers spent the night carrying rice sacks, refrigerators and motorbikes to the"
        " upper floors, while volunteers from the temple handed out water and dry clothes."
    ),
    (
        "The provincial governor said that the pumps at the northern sluice gate would run day"
        " and night, and asked residents near the canal to move their cars to higher ground."
    ),
    (
        "Schools in three districts will stay closed until Friday. The weather office expects"
        " more rain over the weekend, so the water may not go down before next week."
    ),
]
# 27 words: the kind of ad-network notice the density finder used to take for the article
NOTICE = (
    "This site uses cookies from our advertising partners to deliver its services and"
    " analyse traffic. By using this site, you agree to the ad network's use of cookies."
)
# An unfamiliar template: no post-body, no articleBody; paragraphs written as bare divs
# (as Blogger's editor writes them), a picture and a link in the text.
PAGE = f"""<html><head><title>Flood in the old town</title></head><body>
<header><h1><a href="/">Town News</a></h1><nav><a href="/">Home</a>
<a href="/p/about.html">About</a></nav></header>
<main><article class="story"><h2 class="headline">Flood in the old town</h2>
<section class="story-text"><div>{PARAGRAPHS[0]}</div>
<div><img src="/images/square.jpg" alt="The square"></div>
<div>{PARAGRAPHS[1]}</div><div>{PARAGRAPHS[2]}</div>
<div>{PARAGRAPHS[3]} <a href="/2024/09/forecast.html">Forecast</a></div></section></article>
<div class="notice"><p>{NOTICE}</p></div></main>
<footer><p>Copyright 2024 Town News. All rights reserved. Powered by Blogger.</p></footer>
</body></html>"""


@pytest.fixture(scope="module")
def article():
    return extract_article(PAGE.encode(), URL)


def test_the_article_not_the_ad_notice(article):
    assert article.method == "fallback"
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    assert "cookies" not in article.text
    assert "All rights reserved" not in article.text


def test_fallback_output_is_the_usual_clean_form(article):
    assert normalise_text(article.text) == article.text
    assert article.text.endswith(f"{PARAGRAPHS[3]} Forecast")
    assert article.text.split("\n\n")[-4:] == [*PARAGRAPHS[:3], f"{PARAGRAPHS[3]} Forecast"]
    assert article.images == ["https://townnews.example/images/square.jpg"]
    assert article.outlinks == ["https://townnews.example/2024/09/forecast.html"]
    image = '<img src="https://townnews.example/images/square.jpg" alt="The square">'
    link = '<a href="https://townnews.example/2024/09/forecast.html">Forecast</a>'
    assert image in article.html
    assert link in article.html
    assert article.title == "Flood in the old town"


def test_feed_content_wins_over_the_fallback_guess():
    entry = FeedEntry(
        blog_id="1000001",
        post_id="2000002",
        url=URL,
        title="Flood",
        content_html="<p>The author's own text.</p><p>Second <a href='/x.html'>part</a>.</p>",
    )
    article = extract_article(PAGE.encode(), URL, feed_entry=entry)
    assert article.method == "feed"
    assert article.text == "The author's own text.\n\nSecond part."
    assert article.outlinks == ["https://townnews.example/x.html"]
    assert article.title == "Flood"


@pytest.mark.parametrize("content", [None, "", "   "])
def test_a_feed_entry_without_content_leaves_the_fallback(content):
    entry = FeedEntry(blog_id="1", post_id="2", url=URL, content_html=content)
    article = extract_article(PAGE.encode(), URL, feed_entry=entry)
    assert article.method == "fallback"
    assert PARAGRAPHS[0] in article.text


def test_the_page_body_wins_over_feed_content_when_it_has_text():
    html = (
        b"<html><body><div class='post hentry'><h3 class='post-title'>T</h3>"
        b"<div class='post-body'>What readers saw.</div></div></body></html>"
    )
    entry = FeedEntry(blog_id="1", post_id="2", url=URL, content_html="<p>Feed text.</p>")
    article = extract_article(html, URL, feed_entry=entry)
    assert (article.method, article.text) == ("blogger:classic", "What readers saw.")


def test_structure_finder_switched_off_uses_the_fallback_on_a_blogger_page():
    html = (
        "<html><head><title>Blog: Spring</title></head><body><div class='post hentry'>"
        "<h3 class='post-title'>Spring</h3><div class='post-body'>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</div></div></body></html>"
    ).encode()
    assert extract_article(html, URL).method == "blogger:classic"
    article = extract_unstructured(html, URL)
    assert article.method == "fallback"
    assert article.title == "Spring"
    assert all(p in article.text for p in PARAGRAPHS)


@pytest.mark.parametrize(
    "html", [b"<html><body><p>Tiny.</p></body></html>", b"<html><body></body></html>"]
)
def test_a_page_with_next_to_no_text_gives_what_there_is(html):
    article = extract_article(html, URL)
    assert article.method == "fallback"
    assert article.text in ("", "Tiny.")
