from __future__ import annotations

import pytest

from archive.escaping import display_url
from goahead_crawler.blogger.frontier import Frontier
from goahead_crawler.blogger.urls import (
    BlogUrlError,
    blog_root,
    canonical_url,
    feed_page_url,
    is_post_path,
    is_static_page_path,
    posts_feed_url,
    request_url,
    same_blog,
)


@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("https://goaheadnews.blogspot.com/2024/01/x.html", "https://goaheadnews.blogspot.com/"),
        ("goaheadnews.blogspot.com", "https://goaheadnews.blogspot.com/"),
        ("http://Example.BLOGSPOT.co.th/", "http://example.blogspot.com/"),
        ("http://127.0.0.1:8080/p/about.html", "http://127.0.0.1:8080/"),
    ],
)
def test_blog_root(given: str, root: str) -> None:
    assert blog_root(given) == root


@pytest.mark.parametrize("bad", ["ftp://x.org/", "https://", "   ",
                                 "http://127.0.0.1:0/"])  # nothing listens on port 0
def test_blog_root_rejects_non_http(bad: str) -> None:
    with pytest.raises(BlogUrlError):
        blog_root(bad)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://a.blogspot.com/2024/01/x.html?m=1", "https://a.blogspot.com/2024/01/x.html"),
        ("https://a.blogspot.com/2024/01/x.html#comment-form",
         "https://a.blogspot.com/2024/01/x.html"),
        ("https://a.blogspot.com/2024/01/x.html?showComment=1705800000000#c123",
         "https://a.blogspot.com/2024/01/x.html"),
        ("https://a.blogspot.de/2024/01/x.html?utm_source=fb", "https://a.blogspot.com/2024/01/x.html"),
        ("https://a.blogspot.com/search?q=x&m=1", "https://a.blogspot.com/search?q=x"),
        # one URL however it is spelled: raw or percent-encoded (the spelling Scrapy sends
        # and the WARC records), the default port, the host's trailing dot, an IDN host
        ("https://a.blogspot.com/2024/03/ข่าว.html",
         "https://a.blogspot.com/2024/03/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"),
        ("https://a.blogspot.com/search/label/ข่าว?m=1",
         "https://a.blogspot.com/search/label/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7"),
        ("https://a.blogspot.com/p/about us.html", "https://a.blogspot.com/p/about%20us.html"),
        ("HTTPS://A.Blogspot.com:443/2024/01/x.html", "https://a.blogspot.com/2024/01/x.html"),
        ("http://a.blogspot.com:80/2024/01/x.html", "http://a.blogspot.com/2024/01/x.html"),
        ("https://a.blogspot.com./2024/01/x.html", "https://a.blogspot.com/2024/01/x.html"),
        ("https://ข่าว.example/2024/01/x.html", "https://xn--22c8e6a1f.example/2024/01/x.html"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # stable


def test_feed_page_url_stays_on_the_blog_host() -> None:
    url = feed_page_url("https://a.blogspot.com/", 151, 150)
    assert url == "https://a.blogspot.com/feeds/posts/default?alt=json&start-index=151&max-results=150"
    atom = feed_page_url("https://a.blogspot.com/", 1, 25, alt="atom")
    assert atom == "https://a.blogspot.com/feeds/posts/default?start-index=1&max-results=25"


def test_posts_feed_url_names_its_order() -> None:
    """By publication unless another order is asked (Blogger's default is not documented,
    and the published-max cursor relies on it); the order comes once, before the bounds."""
    root = "https://a.blogspot.com/"
    assert posts_feed_url(root, 151, 150) == (
        f"{root}feeds/posts/default?alt=json&start-index=151&max-results=150&orderby=published")
    assert posts_feed_url(root, 1, 25, alt="atom") == (
        f"{root}feeds/posts/default?start-index=1&max-results=25&orderby=published")
    since = posts_feed_url(root, 1, 1, orderby="updated", **{"updated-min": "2026"})
    assert since.endswith("max-results=1&orderby=updated&updated-min=2026")
    older = posts_feed_url(root, 1, 2, **{"published-max": "2026"})
    assert older.endswith("max-results=2&orderby=published&published-max=2026")


def test_path_kinds_and_scope() -> None:
    assert is_post_path("https://a.blogspot.com/2024/01/x.html")
    assert not is_post_path("https://a.blogspot.com/p/about.html")
    assert is_static_page_path("https://a.blogspot.com/p/about.html")
    assert same_blog("https://a.blogspot.co.th/2024/01/x.html", "https://a.blogspot.com/")
    assert not same_blog("https://b.blogspot.com/2024/01/x.html", "https://a.blogspot.com/")


def test_an_idn_blogs_own_urls_are_on_it() -> None:
    """The root is keyed as its posts are (IDNA): before, a blog on an IDN custom domain
    refused every one of its own posts as "not on the blog"."""
    root = blog_root("https://ข่าว.example/")
    assert Frontier(root).claim("https://ข่าว.example/2024/01/x.html") is not None
    assert blog_root("https://a.blogspot.com./") == "https://a.blogspot.com/"


def test_blog_root_drops_the_default_port() -> None:
    """Scrapy asks for ``http://h:80/x`` as ``http://h/x``: a crawl of
    ``http://127.0.0.1:80/`` was the site ``127.0.0.1:80``, whose pages all came back as
    ``127.0.0.1``'s, so it found 6 posts, stored none and ended incomplete."""
    assert blog_root("http://127.0.0.1:80/") == "http://127.0.0.1/"
    assert blog_root("https://x.blogspot.com:443/2024/01/a.html") == "https://x.blogspot.com/"
    assert blog_root("HTTP://X.example.com:80") == "http://x.example.com/"
    assert blog_root("http://x.example.com:443/") == "http://x.example.com:443/"
    assert blog_root("https://x.example.com:8443/") == "https://x.example.com:8443/"


def test_a_resumed_frontier_knows_the_urls_an_older_version_spelled_raw() -> None:
    """A stopped job saved by a version that keyed a feed's raw Thai permalink as it was
    written: resumed, the sitemap's percent-encoded spelling of it is not claimed again,
    and a held sitemap post is held under the key (before: claimed a second time)."""
    root = "https://a.blogspot.com/"
    raw, held = f"{root}2024/03/ข่าว.html", f"{root}2024/02/ภาพ.html"
    resumed = Frontier(root)
    resumed.restore({"root": root, "seen": [raw], "posts_claimed": 1,
                     "held": [[held, "2024-02-01T00:00:00Z"]]})
    assert resumed.claim(canonical_url(raw)) is None
    assert resumed.posts_claimed == 1
    assert list(resumed.held) == [canonical_url(held)]


THAI_SLUG = "https://news.blogspot.com/2024/03/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"


@pytest.mark.parametrize(("stored", "shown"), [
    (THAI_SLUG, "https://news.blogspot.com/2024/03/ข่าว.html"),
    ("https://b.blogspot.com/search?q=%E0%B9%84%E0%B8%97%E0%B8%A2&x=%26",
     "https://b.blogspot.com/search?q=ไทย&x=%26"),  # an ASCII escape stays one
    ("https://b.blogspot.com/a%20b%2Fc%25d.html", "https://b.blogspot.com/a%20b%2Fc%25d.html"),
    ("https://b.blogspot.com/%E2%80%AEgpj.html", "https://b.blogspot.com/%E2%80%AEgpj.html"),
    ("https://b.blogspot.com/%E0%B8.html", "https://b.blogspot.com/%E0%B8.html"),  # no UTF-8
    ("https://b.blogspot.com/%C2%A0x.html", "https://b.blogspot.com/%C2%A0x.html"),  # a space
    ("https://b.blogspot.com/p/about.html", "https://b.blogspot.com/p/about.html"),
])
def test_a_url_is_shown_with_its_thai_letters_and_names_the_same_url(stored, shown):
    """Since URLs are stored as fetched (m005), a Thai researcher saw %E0%B8%82... for
    every Thai permalink in search output and the post view: shown decoded, except what
    would change how it reads (ASCII escapes, bidi overrides, spaces, broken bytes)."""
    assert display_url(stored) == shown
    assert request_url(shown) == stored


def test_percent_escapes_in_either_case_are_one_url() -> None:
    """``%e0`` and ``%E0`` are one octet (RFC 3986 2.1) and Scrapy fetches the two once:
    one identity, in upper case, the spelling a crawl fetches and stores."""
    upper = "https://x.blogspot.com/2024/03/%E0%B8%82.html"
    for spelling in (upper, upper.replace("%E0%B8%82", "%e0%b8%82"),
                     "https://x.blogspot.com/2024/03/%e0%B8%82.html",
                     "https://x.blogspot.com/2024/03/ข.html"):
        assert canonical_url(spelling) == upper
        assert request_url(spelling) == upper
    assert request_url("https://x.com/a%2fb?q=%7e") == "https://x.com/a%2Fb?q=%7E"


@pytest.mark.parametrize(("stored", "shown"), [
    # a host written in escapes is shown as written: decoded it read as apple.com
    ("http://%D0%B0pple.com/x", "http://%D0%B0pple.com/x"),
    ("http://user%D0%B0@b.blogspot.com/%E0%B8%82", "http://user%D0%B0@b.blogspot.com/ข"),
    # a combining mark alone (after an ASCII letter or a slash) joins what is not its own
    ("https://b.blogspot.com/%CC%81x.html", "https://b.blogspot.com/%CC%81x.html"),
    ("https://b.blogspot.com/a%E0%B8%B4.html", "https://b.blogspot.com/a%E0%B8%B4.html"),
    ("https://b.blogspot.com/%E0%B8%81%E0%B8%B4.html", "https://b.blogspot.com/กิ.html"),
    ("https://b.blogspot.com/%E0%B8%97%E0%B8%B5%E0%B9%88.html", "https://b.blogspot.com/ที่.html"),
    # a pile of marks on one letter draws over the lines above and below it
    ("https://b.blogspot.com/%E0%B8%81" + "%CC%81" * 8 + ".html",
     "https://b.blogspot.com/ก" + "\u0301" * 3 + "%CC%81" * 5 + ".html"),
])
def test_a_url_shows_decoded_neither_its_host_nor_a_mark_without_a_letter(stored, shown):
    """``display_url`` decoded escapes anywhere: ``%D0%B0pple.com`` was shown as a
    Cyrillic-a ``аpple.com`` (a homoglyph of apple.com), a lone combining mark was
    drawn over the ``/`` before it, and any pile of marks drawn over the lines around."""
    assert display_url(stored) == shown
