"""A video embedded in a post's body is kept as a plain safe link to the video (a
YouTube embed as its watch page), never as a player: a video-only post is not stored as
an empty paragraph, and an ad, tracker or widget player stays out."""

from __future__ import annotations

import pytest

from archive.markdown import html_to_markdown, markdown_url
from goahead_crawler.extract import extract_article
from tests.conftest import run_goahead

URL = "https://news.blogspot.com/2024/01/clip.html"


def page(body: str, outside: str = "") -> bytes:
    return (
        "<html><body><div class='post hentry'><h3 class='post-title'>Clip</h3>"
        f"<div class='post-body' id='post-body-7'>{body}</div></div>"
        f"<div class='widget HTML'>{outside}</div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("player", "link"),
    [
        (("<iframe class='BLOG_video_class' allowfullscreen height='266' width='320'"
          " src='https://www.blogger.com/video.g?token=AD6v5dzQ'></iframe>"),
         "https://www.blogger.com/video.g?token=AD6v5dzQ"),
        ("<iframe src='https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0'></iframe>",
         "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("<iframe src='//www.youtube-nocookie.com/embed/dQw4w9WgXcQ'></iframe>",
         "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("<iframe src='https://player.vimeo.com/video/76979871'></iframe>",
         "https://player.vimeo.com/video/76979871"),
        ("<iframe src='https://www.dailymotion.com/embed/video/x7tgad0'></iframe>",
         "https://www.dailymotion.com/embed/video/x7tgad0"),
        (("<object width='425'><param name='movie' value='http://www.youtube.com/v/abcdefghijk'>"
          "<embed src='http://www.youtube.com/v/abcdefghijk' type='application/x-shockwave-flash'>"
          "</object>"), "https://www.youtube.com/watch?v=abcdefghijk"),
    ],
)
def test_a_video_only_post_keeps_a_link_to_its_video(player, link):
    article = extract_article(page(f"<div class='separator'>{player}</div>"), URL)
    assert article.html == f'<div><p><a href="{link}">Video</a></p></div>'
    assert article.text == "Video"
    assert f"[Video]({markdown_url(link)})" in html_to_markdown(article.html)


def test_a_video_in_a_paragraph_is_a_link_set_apart_from_the_words():
    article = extract_article(
        page("<p>Watch<iframe src='https://www.youtube.com/embed/dQw4w9WgXcQ'></iframe>now</p>"),
        URL,
    )
    assert article.text == "Watch Video now"
    assert "<iframe" not in article.html


@pytest.mark.parametrize(
    "player",
    [
        "<iframe src='javascript:alert(1)//www.youtube.com/embed/x'></iframe>",
        "<iframe src='data:text/html,<script>alert(1)</script>'></iframe>",
        "<iframe src='https://googleads.g.doubleclick.net/pagead/ads?x=1'></iframe>",
        "<iframe src='https://www.facebook.com/plugins/like.php?href=x'></iframe>",
        # facebook.com is on the tracker deny list: its video player too
        "<iframe src='https://www.facebook.com/plugins/video.php?href=x'></iframe>",
        "<iframe src='https://www.google.com/maps/embed?pb=1'></iframe>",
        "<embed src='https://ads.example.com/banner.swf'>",
    ],
)
def test_no_link_for_what_is_no_video_or_unsafe(player):
    article = extract_article(page(f"<p>Story</p>{player}"), URL)
    assert article.html == "<div><p>Story</p></div>"
    assert article.text == "Story"


def test_a_player_in_a_widget_stays_out():
    article = extract_article(
        page("<p>Story</p>",
             outside="<iframe src='https://www.youtube.com/embed/dQw4w9WgXcQ'></iframe>"),
        URL,
    )
    assert "youtube" not in article.html
    assert article.text == "Story"


def test_video_links_never_make_the_words_after_them_a_link_list_tail():
    """Two clips then a short line and three links (a real roundup post's shape, dragnet
    T133): the clips are content, so no "more posts" tail is cut there."""
    prose = "<p>" + "Story words here. " * 25 + "</p>"
    clips = "".join(
        f"<iframe src='https://www.youtube.com/embed/{vid}'></iframe><br><br>"
        for vid in ("dTlTG3Rse-4", "6myfCVAdqfc")
    )
    links = "".join(f"<p><a href='/p{n}.html'>Older post {n}</a></p>" for n in range(3))
    article = extract_article(page(prose + clips + "<p>Closing words.</p>" + links), URL)
    assert "Closing words." in article.text
    assert article.text.count("Video") == 2
    assert "watch?v=6myfCVAdqfc" in article.html


@pytest.mark.crawl
def test_a_crawled_clip_is_a_link_in_the_markdown_export_and_found_by_search(
        sample_site, tmp_path):
    """The whole way: the sample blog's YouTube post crawled, archived, exported as
    Markdown (a link to the watch page, no player) and found by searching its marker."""
    db = tmp_path / "archive.db"
    result = run_goahead("crawl", sample_site.urls["goahead"], "--db", str(db), "--warc-dir",
                         str(tmp_path / "warcs"), "--delay", "0")
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "posts.md"
    result = run_goahead("export", "--db", str(db), "--format", "md", "--out", str(out),
                         "--query", "Video")
    assert result.returncode == 0, result.stderr[-3000:]
    exported = out.read_text("utf-8")
    assert "[Video](<https://www.youtube.com/watch?v=Xq3vT9kLm2A>)" in exported
    assert "video.g?token=AD6v5dyQm1gL7kXbP0sW3nTzV8hJc2Ye" in exported
    assert "<iframe" not in exported
