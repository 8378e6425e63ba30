"""Golden tests on the sample blogs: every post page, rendered by ``sampleblog`` in its
template (a Go Ahead News-like news template and Contempo), extracts to the post's ground
truth; the reference article (../shared/seed-article) comes out exactly."""

from __future__ import annotations

import json

import pytest

from goahead_crawler.extract import extract_article
from tests.conftest import SHARED

content = pytest.importorskip("sampleblog.content")
pages = pytest.importorskip("sampleblog.pages")
site = pytest.importorskip("sampleblog.site")

BASE = "http://127.0.0.1:8000"
SEED = SHARED / "seed-article"
BLOGS = {name: content.load_blog(name) for name in content.BLOG_NAMES}
POSTS = [(name, post) for name, blog in BLOGS.items() for post in blog.posts]


def render(name: str, post) -> bytes:
    return pages.post_page(site.BlogSite(BLOGS[name]), BASE, post, False).encode()


@pytest.mark.parametrize(("name", "post"), POSTS, ids=[f"{n}{p.path}" for n, p in POSTS])
def test_every_sample_post_extracts_to_its_ground_truth(name, post):
    article = extract_article(render(name, post), BASE + post.path)
    assert article.text == post.expected_text
    assert (article.title, article.post_id, article.blog_id) == (
        post.title,
        post.post_id,
        post.blog_id,
    )
    assert (article.author, article.labels) == (post.author, post.labels)
    assert article.images == post.images  # the thumbnails the body shows, in order
    assert article.published == content.parse_ts(post.published).isoformat()
    assert len(article.comments) == article.comment_count == len(post.comments)
    assert [c["text"] for c in article.comments] == [c.text for c in post.comments]


@pytest.mark.skipif(not (SEED / "article.txt").exists(), reason="../shared/seed-article absent")
def test_reference_article_comes_out_exactly():
    expected = json.loads((SEED / "expected.json").read_text("utf-8"))
    reference = (SEED / "article.txt").read_text("utf-8")
    normalised = " ".join(reference.split())
    post = next(
        p for p in BLOGS["goahead"].posts if " ".join(p.expected_text.split()) == normalised
    )
    article = extract_article(render("goahead", post), BASE + post.path)
    assert " ".join(article.text.split()) == normalised
    assert article.text.count("\n\n") + 1 == expected["paragraphs"]
    assert article.title == expected["title"]
    assert article.published[:10] == expected["published_date"]
    assert article.language == expected["language"]
    for line in expected["boilerplate_lines"]:
        assert line not in article.text


@pytest.mark.parametrize(
    ("title_start", "link"),
    [
        ("นาข้าวอินทรีย์", "https://www.youtube.com/watch?v=Xq3vT9kLm2A"),
        ("Chiang Mai youth", "https://www.blogger.com/video.g?token=AD6v5dyQm1gL7kXbP0sW3nTzV8hJc2Ye"),
    ],
)
def test_a_sample_post_embedding_a_video_keeps_a_link_to_it(title_start, link):
    """As on Blogger: one post embeds a YouTube clip, one a clip uploaded to Blogger; the
    stored HTML links to each (no player), the text marks where it was."""
    post = next(p for p in BLOGS["goahead"].posts if p.title.startswith(title_start))
    article = extract_article(render("goahead", post), BASE + post.path)
    assert f'<p><a href="{link}">Video</a></p>' in article.html
    assert "<iframe" not in article.html
    assert "\n\nVideo\n\n" in article.text
