"""Blogger's HTML navigation, the last-resort discovery route when feeds and sitemaps are gone.

From any blog page: post links (``/YYYY/MM/slug.html``), static pages (``/p/x.html``), the
``blog-pager-older-link`` (the previous post on a post page, the next listing page on a
listing) and the ``/YYYY/MM/`` archive pages of the archive widget. Links are canonicalised
(``?m=1``, ``showComment``, ``#fragments`` dropped) and kept on the blog's host. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from lxml import etree, html

from goahead_crawler.blogger.urls import (
    canonical_url,
    is_post_path,
    is_static_page_path,
    joined,
    same_blog,
)

_MONTH_PATH = re.compile(r"^/\d{4}/\d{2}/?$")
_MONTH = re.compile(r"^/(\d{4})/(\d{2})/?$")
# The earliest month a post can be dated: Blogger opened in 1999, but its post editor lets
# an author backdate a post to 1970 (history blogs do), never further.
EARLIEST_POST_MONTH = (1970, 1)
# "Older posts" links followed from one page: Blogger's pager has one (a theme may repeat
# it); a page naming thousands would otherwise have each fetched.
MAX_OLDER_LINKS = 4
# Post links read from one page (the crawl and the rebuild alike). A Blogger page shows one
# page of posts (the owner's "posts on the main page", a month archive paged the same
# way) and an archive widget's month of titles: hundreds at the very most. A page linking
# 100,000 made-up posts would otherwise have each fetched before any answer judged them.
MAX_LINKED_POSTS = 1_000
# Static pages (/p/*.html) read from one page's links, and taken from links in one run: a
# blog has tens (Blogger's Pages gadget lists 20), not thousands.
MAX_LINKED_PAGES = 100
# Posts taken from links that failed (404 or 410, or failing) before links are judged
# made up: at least this many, and more than those fetched. A real blog's pages link
# live posts, and one whose links mostly fail is reported post by post anyway.
MAX_LINKED_LOST = 50


def links_invented(lost: int, fetched: int) -> bool:
    """The posts pages linked mostly failed (:data:`MAX_LINKED_LOST`)."""
    return lost >= MAX_LINKED_LOST and lost > fetched
_OLDER = etree.XPath(
    "//a[contains(concat(' ', normalize-space(@class), ' '), ' blog-pager-older-link ')]/@href"
    " | //*[@id='blog-pager-older-link']//a/@href"
)
MAX_HTML_BYTES = 16 * 1024 * 1024  # a blog page past this is not a page to mine for links


@dataclass
class PageLinks:
    posts: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # /YYYY/MM/ archive pages
    older: list[str] = field(default_factory=list)  # blog-pager-older-link target(s)
    posts_over: int = 0  # post links past MAX_LINKED_POSTS, left out of ``posts``
    pages_over: int = 0  # static page links past MAX_LINKED_PAGES, left out of ``pages``


def is_month_path(url: str) -> bool:
    return bool(_MONTH_PATH.match(urlsplit(url).path))


def archive_months(urls: list[str], today: date) -> tuple[list[str], list[str]]:
    """``urls`` (month archive pages) split into those a blog can have, one URL a month
    (``/YYYY/MM/``), and those no blog can: a month before a post can be dated
    (:data:`EARLIEST_POST_MONTH`), after ``today``'s (a day's grace: a blog's time zone may be
    ahead of UTC), or no month at all (``/0001/01/``, ``/9999/12/``, ``/2024/13/``). So a
    page linking thousands of made-up months costs no more than the ~680 a blog can have."""
    tomorrow = today + timedelta(days=1)
    last = (tomorrow.year, tomorrow.month)
    kept: dict[str, None] = {}
    impossible = []
    for url in urls:
        parts = urlsplit(url)
        found = _MONTH.match(parts.path)
        month = (int(found[1]), int(found[2])) if found else (0, 0)
        if 1 <= month[1] <= 12 and EARLIEST_POST_MONTH <= month <= last:
            kept[parts._replace(path=f"/{found[1]}/{found[2]}/").geturl()] = None
        else:
            impossible.append(url)
    return list(kept), impossible


def _unique(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(urls))


def page_links(body: bytes, url: str, root: str) -> PageLinks:
    """Everything on one blog page that leads to more of the blog's posts."""
    if not body.strip() or len(body) > MAX_HTML_BYTES:
        return PageLinks()
    try:
        tree = html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return PageLinks()
    links = PageLinks()
    for href in tree.xpath("//a/@href"):
        target = joined(url, href)
        if target is None or not same_blog(target := canonical_url(target), root):
            continue
        if is_post_path(target):
            links.posts.append(target)
        elif is_static_page_path(target):
            links.pages.append(target)
        elif is_month_path(target) and not urlsplit(target).query:
            links.months.append(target)
    links.older = _unique([canonical_url(target) for h in _OLDER(tree)
                           if (target := joined(url, h)) is not None])
    links.posts, links.pages = _unique(links.posts), _unique(links.pages)
    links.posts_over = max(0, len(links.posts) - MAX_LINKED_POSTS)
    links.pages_over = max(0, len(links.pages) - MAX_LINKED_PAGES)
    links.posts, links.pages = links.posts[:MAX_LINKED_POSTS], links.pages[:MAX_LINKED_PAGES]
    links.months = _unique(links.months)
    return links
