"""Images as the reader sees them: lazy-loaded ones (``data-src`` and the like behind a
placeholder, ``srcset`` only, a ``<noscript>`` fallback) are in the clean HTML, the
``images`` list and the URLs a crawl captures, like any other; placeholders are not."""

from __future__ import annotations

import pytest

from goahead_crawler.blogger.images import element_images
from goahead_crawler.extract import clean, extract_article

URL = "https://lazy.blogspot.com/2024/01/post.html"
PHOTO = "https://blogger.googleusercontent.com/img/b/R29v/AVvX/s640/photo.jpg"
FULL = "https://blogger.googleusercontent.com/img/b/R29v/AVvX/s1600/photo.jpg"
PLACEHOLDER = "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E"
BLANK = "https://resources.blogblog.com/img/blank.gif"


def post_page(body: str) -> bytes:
    return (
        "<html><body><div class='widget Blog'><div class='post hentry'>"
        "<h3 class='post-title'>Lazy</h3>"
        f"<div class='post-body' id='post-body-123456789'><p>Before.</p>{body}<p>After.</p></div>"
        "</div></div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "img",
    [
        f'<img src="{PLACEHOLDER}" data-src="{PHOTO}" class="lazyload">',
        f'<img src="{BLANK}" data-original="{PHOTO}">',
        f'<img data-lazy-src="{PHOTO}">',
        f'<img src="{BLANK}" data-pagespeed-lazy-src="{PHOTO}">',
        f'<img srcset="{PHOTO} 1x, {FULL} 2x">',
        f'<img src="{PLACEHOLDER}" data-srcset="{PHOTO} 640w, {FULL} 1600w">',
    ],
    ids=["data-src", "data-original", "data-lazy-src", "pagespeed", "srcset-only", "data-srcset"],
)
def test_a_lazy_image_is_in_the_html_and_the_lists(img):
    article = extract_article(post_page(img), URL)
    assert article.images == [PHOTO]
    assert f'<img src="{PHOTO}">' in article.html
    assert PHOTO in article.image_urls
    assert not any(u.startswith("data:") or u == BLANK for u in article.image_urls)


def test_a_lazy_image_inside_a_link_to_its_full_size():
    body = f'<a href="{FULL}" imageanchor="1"><img src="{PLACEHOLDER}" data-src="{PHOTO}"></a>'
    article = extract_article(post_page(body), URL)
    assert article.images == [PHOTO]
    assert article.image_urls == [PHOTO, FULL]
    assert f'<a href="{FULL}"><img src="{PHOTO}"></a>' in article.html


def test_a_noscript_fallback_is_the_image_when_nothing_else_shows_it():
    # the WordPress lazy-load plugin's markup, imported into Blogger: the script-side image
    # has no usable source at all, the <noscript> one has the photo
    body = f'<img src="{PLACEHOLDER}" class="lazy"><noscript><img src="{PHOTO}" alt="Doi Suthep"></noscript>'
    article = extract_article(post_page(body), URL)
    assert article.images == [PHOTO]
    assert article.html.count("<img") == 1
    assert f'<img src="{PHOTO}" alt="Doi Suthep">' in article.html
    assert article.text == "Before.\n\nAfter."


def test_a_noscript_copy_of_a_lazy_image_counts_once():
    body = f'<img src="{PLACEHOLDER}" data-src="{PHOTO}"><noscript><img src="{PHOTO}"></noscript>'
    article = extract_article(post_page(body), URL)
    assert article.images == [PHOTO]
    assert article.html.count("<img") == 1


def test_noscript_copies_of_several_lazy_images_count_once_each():
    """Images outside <noscript> were told from those inside by id(): lxml makes a new
    proxy at each access and a freed one's id is soon another's, so with several lazy
    images one noscript copy was kept: a photo shown twice."""
    photos = [PHOTO.replace("photo", f"photo{n}") for n in range(4)]
    body = "".join(f'<p><img src="{PLACEHOLDER}" data-src="{photo}"><noscript>'
                   f'<img src="{photo}"></noscript></p>' for photo in photos)
    article = extract_article(post_page(body), URL)
    assert article.images == photos
    assert article.html.count("<img") == len(photos)


def test_a_noscript_without_an_image_is_still_dropped():
    article = extract_article(post_page("<noscript>Please enable JavaScript.</noscript>"), URL)
    assert "JavaScript" not in article.text


def test_element_images_reads_lazy_sources_too():
    root = clean.parse(
        f'<div><img src="{BLANK}" data-src="{PHOTO}"><img data-srcset="{FULL} 2x"></div>'
    )
    assert element_images(root, URL) == [PHOTO, FULL]


def _sample_post(blog_name: str, fragment: str):
    """The sample post with an image whose URL holds ``fragment``: (post, photo, page, URL)."""
    content = pytest.importorskip("sampleblog.content")
    pages = pytest.importorskip("sampleblog.pages")
    site = pytest.importorskip("sampleblog.site")
    blog = content.load_blog(blog_name)
    post, photo = next((p, u) for p in blog.posts for u in p.images if fragment in u)
    base = "http://127.0.0.1:8000"
    return post, photo, pages.post_page(site.BlogSite(blog), base, post, False), base + post.path


@pytest.mark.parametrize(
    ("blog_name", "image", "quirk"),
    [
        ("goahead", "AVvXsEhmarket01=w640-h426", "data-lazy-src="),
        ("contempo", "/s640/morning-market.jpg", "srcset="),
    ],
)
def test_the_sample_blogs_lazy_images_come_out_as_the_reader_sees_them(blog_name, image, quirk):
    post, photo, page, url = _sample_post(blog_name, image)
    assert f'{quirk}"{photo}' in page  # the sample blog writes the image lazily
    article = extract_article(page.encode(), url)
    assert article.images == post.images
    assert f'src="{photo}"' in article.html
    assert photo in article.image_urls
    assert not any(u.startswith("data:") for u in article.image_urls)


@pytest.mark.parametrize(
    "img",
    [
        f'<img srcset="{PHOTO} 1x, {FULL} 2x">',
        f'<img src="{PLACEHOLDER}" class="lazy"><noscript><img src="{PHOTO}"></noscript>',
        f'<img src="{BLANK}" data-lazy-src="{PHOTO}">',
    ],
    ids=["srcset-only", "noscript", "data-lazy-src"],
)
def test_lazy_images_of_an_unfamiliar_template_reach_the_fallback(img):
    prose = "<p>" + "A paragraph of the article that goes on for a while. " * 12 + "</p>"
    page = f"<html><body><article><h1>T</h1>{prose}<figure>{img}</figure>{prose}</article></body></html>"
    article = extract_article(page.encode(), URL)
    assert article.method == "fallback"
    assert article.images == [PHOTO]
