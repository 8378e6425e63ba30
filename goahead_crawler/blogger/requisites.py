"""What a page loads besides itself (its requisites), and the images a listing page shows. Pure.

A Blogger page loads stylesheets (``<link rel=stylesheet>``), scripts (``<script src>``),
icons (``<link rel=icon>``), template images (``<img>`` outside the post: the header logo,
Popular Posts thumbnails), and fonts and background images named by ``url(...)`` in inline
``<style>``, in ``style`` attributes and inside the stylesheets it fetches (where
``@import`` can name more stylesheets). Bytes and a URL in, absolute http(s) URLs out,
each once, in document order; whether a URL may be fetched at all (the blog, Blogger's
static hosts, never ads or trackers) is :mod:`goahead_crawler.blogger.scope`'s call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree, html

from goahead_crawler.blogger.images import element_images, fetchable, srcset_urls

MAX_HTML_BYTES = 16 * 1024 * 1024  # past this a page is not parsed for requisites
MAX_CSS_BYTES = 4 * 1024 * 1024
MAX_URLS = 500  # per page or stylesheet: bounded whatever a server sends
# rel values of <link> that a browser fetches to render the page
_FETCHED_RELS = frozenset({"stylesheet", "icon", "shortcut", "apple-touch-icon",
                           "apple-touch-icon-precomposed", "preload", "modulepreload"})
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""",
    re.IGNORECASE,
)
_POST_BODY = etree.XPath(
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' post-body ')"
    " or @itemprop='articleBody']"
)


def parse_page(body: bytes | str) -> etree._Element | None:
    """The page's tree, or None for an empty, oversized or unparsable page."""
    if not body or len(body) > MAX_HTML_BYTES or not body.strip():
        return None
    try:
        return html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return None


def page_requisites(body: bytes | str, url: str) -> list[str]:
    """Every URL the page at ``url`` loads to render: stylesheets, scripts, icons, images,
    and ``url(...)`` in its inline styles."""
    tree = parse_page(body)
    return tree_requisites(tree, url) if tree is not None else []


def tree_requisites(tree: etree._Element, url: str) -> list[str]:
    base = _base_url(tree, url)
    return _resolved(_requisite_values(tree, base), base)


def _requisite_values(tree: etree._Element, base: str) -> Iterable[str]:
    for link in tree.iter("link"):
        rels = set((link.get("rel") or "").lower().split())
        if rels & _FETCHED_RELS:
            yield link.get("href") or ""
    for element in tree.iter("script", "img", "input", "source", "body", "table", "td"):
        yield element.get("src") or ""
        yield from srcset_urls(element.get("srcset"))
        yield element.get("background") or ""
    for style in tree.iter("style"):
        yield from _css_values(style.text or "")
    for styled in tree.xpath("//*[@style]"):
        yield from _css_values(styled.get("style") or "")
    yield from element_images(tree, base)  # the full-size images thumbnails link to


def css_requisites(css: bytes | str, url: str) -> list[str]:
    """``url(...)`` and ``@import`` targets of a stylesheet fetched from ``url`` (relative
    ones resolve against the stylesheet, as a browser does)."""
    if len(css) > MAX_CSS_BYTES:
        return []
    text = css.decode("utf-8", "replace") if isinstance(css, bytes) else css
    return _resolved(_css_values(text), url)


def _css_values(css: str) -> Iterable[str]:
    for match in _CSS_URL.finditer(css):
        yield next((group for group in match.groups() if group is not None), "")


def listing_images(body: bytes | str, url: str) -> list[str]:
    """The images a listing page (home page, ``/YYYY/MM/`` archive) shows in its posts."""
    tree = parse_page(body)
    if tree is None:
        return []
    base = _base_url(tree, url)
    found: dict[str, None] = {}
    for post_body in _POST_BODY(tree):
        found.update(dict.fromkeys(element_images(post_body, base)))
    return list(found)[:MAX_URLS]


def _base_url(tree: etree._Element, url: str) -> str:
    for base in tree.iter("base"):
        href = fetchable(base.get("href"), url)
        return href or url
    return url


def _resolved(values: Iterable[str], base: str) -> list[str]:
    found: dict[str, None] = {}
    for value in values:
        resolved = fetchable(value, base)
        if resolved is not None:
            found.setdefault(resolved, None)
            if len(found) >= MAX_URLS:
                break
    return list(found)
