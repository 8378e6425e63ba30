"""Which URLs of an HTML element are images a reader sees, and which of them are archived. Pure.

An article shows an image three ways on Blogger: ``<img src>`` (the thumbnail, ``s640`` or
``=w640-h426``), ``srcset`` candidates (the 2017 themes), and the link around the
thumbnail (``<a href=".../s1600/...">``), which opens the full-size photo: what the
classic editor writes for every picture. A lazy-loaded image (bodies imported from
WordPress, third-party templates, PageSpeed) keeps its real source in ``data-src`` or the
like, behind a placeholder ``src`` the reader never sees (:func:`shown_sources`). A crawl
captures all three; the archive's ``images`` field lists those that were archived
(:func:`archived_images`, the one rule the crawl and the rebuild share).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from goahead_crawler.blogger.urls import is_blogger_image, joined, readable, request_url

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".svg",
                    ".tif", ".tiff", ".ico", ".jfif")
# Blogger upload paths on any origin (a custom domain's CDN, the test suite's stand-in):
# googleusercontent's /img/a/, /img/b/ and /img/proxy/, the old bp.blogspot.com
# /-id/id/id/id/SIZE/name.
_BLOGGER_IMAGE_PATH = re.compile(
    r"^/img/(?:a|b|proxy)/|^/-[\w-]+/[\w-]+/[\w-]+/[\w-]+/[^/]+/[^/]+$")
# Where lazy-loading scripts keep an image's real source (the ``src`` is a placeholder
# until the script swaps it in), and its real ``srcset``.
LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-pagespeed-lazy-src",
            "data-lazy", "data-echo")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
MAX_IMAGES = 5000  # per page (a photo and its full size are 2): bounded whatever a page says


def fetchable(value: str | None, base_url: str) -> str | None:
    """``value`` resolved against ``base_url`` as an http(s) URL to fetch, in the form it
    is fetched and archived under (:func:`~goahead_crawler.blogger.urls.request_url`), or
    None. The crawl claims, fetches and lists an image by this form, and the rebuild
    from WARC lists it so: one function for both."""
    value = (value or "").strip()
    if not value or value.startswith(("data:", "#", "javascript:", "about:", "blob:")):
        return None
    target = joined(base_url, value)
    parts = readable(target) if target is not None else None
    if target is None or parts is None or parts.scheme not in ("http", "https") \
            or not parts.netloc:
        return None
    # one Scrapy cannot request stays as written: asked for, it fails, and is counted
    return request_url(target) or urlunsplit(
        (parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def srcset_urls(value: str | None) -> list[str]:
    """The URLs of a ``srcset`` attribute (``a.jpg 1x, b.jpg 2x`` or ``a.jpg 640w, ...``),
    split as the HTML standard does: a URL runs to whitespace (a comma inside it stays),
    its descriptors to the next comma outside parentheses."""
    text, pos, urls = value or "", 0, []
    while pos < len(text):
        while pos < len(text) and (text[pos].isspace() or text[pos] == ","):
            pos += 1
        start = pos
        while pos < len(text) and not text[pos].isspace():
            pos += 1
        url = text[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            pos = _after_descriptors(text, pos)
        if url:
            urls.append(url)
    return urls


def _after_descriptors(text: str, pos: int) -> int:
    depth = 0
    while pos < len(text):
        char = text[pos]
        pos += 1
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            break
    return pos


def is_image_url(url: str) -> bool:
    """Whether a link's target is an image file (what a thumbnail's link opens), judged by
    Blogger's image hosts and upload paths or a file extension."""
    path = urlsplit(url).path
    return (is_blogger_image(url) or bool(_BLOGGER_IMAGE_PATH.match(path))
            or path.lower().endswith(IMAGE_EXTENSIONS))


def shown_sources(element: etree._Element) -> list[str]:
    """The sources (as written) of what an ``<img>`` or ``<source>`` shows a reader, the one
    a browser shows first: a lazy loader's real source rather than the placeholder ``src``
    it hides behind, else ``src``; then the ``srcset`` candidates (the lazy loader's too).
    An image with a ``srcset`` only shows its first candidate first."""
    lazy = next((v for v in map(element.get, LAZY_SRC) if v and v.strip()), None)
    first = [lazy or element.get("src") or ""] if element.tag == "img" else []
    candidates = [srcset_urls(element.get(name)) for name in ("srcset", *LAZY_SRCSET)]
    return [v for v in first if v.strip()] + [url for group in candidates for url in group]


def element_images(root: etree._Element, base_url: str) -> list[str]:
    """Every image URL ``root`` shows or links to, in document order, each once: per
    ``<img>`` what it shows (:func:`shown_sources`: its real source, lazy-loaded or not, and
    its ``srcset`` candidates) and the image its enclosing link opens; ``<source srcset>``
    of ``<picture>``."""
    found: dict[str, None] = {}
    for element in root.iter("img", "source"):
        if len(found) >= MAX_IMAGES:
            break
        values = shown_sources(element)
        if element.tag == "img":
            values = [*values, _linked_image(element, base_url)]
        for value in values:
            url = fetchable(value, base_url)
            if url is not None:
                found.setdefault(url, None)
    return list(found)[:MAX_IMAGES]  # one srcset may name any number of candidates


def _linked_image(img: etree._Element, base_url: str) -> str:
    """The target of the link around ``img`` when it is an image file, else ""."""
    for depth, ancestor in enumerate(img.iterancestors()):
        if ancestor.tag == "a":
            href = fetchable(ancestor.get("href"), base_url)
            return href if href and is_image_url(href) else ""
        if depth >= 2:  # <a><span><img></a> at most: a link further out is not the photo's
            return ""
    return ""


def archived_images(urls: Iterable[str], archived: Callable[[str], bool]) -> list[str]:
    """The archive's ``images`` field: the article's image URLs that were archived, in the
    article's order. Failed, refused and out-of-scope images are left out (the run's
    failures and counters say what failed); the clean HTML still names every image."""
    return [url for url in dict.fromkeys(urls) if archived(url)]
