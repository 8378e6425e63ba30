"""Density-based body finder for pages with no known Blogger structure.

Readability's idea in a few lines: every paragraph-like element gives its non-link text
length to its parent (and half to its grandparent); the best-scored element is the article.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from goahead_crawler.extract.clean import drop
from goahead_crawler.extract.rules import has_class

_PARAGRAPHS = etree.XPath("//p | //pre | //blockquote | //td | //div[br] | //li")
_LINK_TEXT = etree.XPath(".//a//text()")
_CHROME = etree.XPath(
    "//nav | //header | //footer | //aside | //script | //style | //noscript | //form"
    f" | //*[{has_class('sidebar')} or {has_class('menu')} or {has_class('comments')}"
    " or @id='sidebar' or @id='comments' or @id='footer' or @id='header']"
)
MIN_PARAGRAPH_CHARS = 25


def find_body(root: etree._Element) -> etree._Element | None:
    """The element most likely to be the article body, or ``None`` on an empty page."""
    for element in _CHROME(root):
        if element.getparent() is not None and element.tag not in ("html", "body"):
            drop(element)
    scores: dict[etree._Element, float] = defaultdict(float)
    for paragraph in _PARAGRAPHS(root):
        own = _own_text_length(paragraph)
        if own < MIN_PARAGRAPH_CHARS:
            continue
        parent = paragraph.getparent()
        if parent is None:
            continue
        score = 1 + own / 100
        scores[parent] += score
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] += score / 2
    if not scores:
        return root.find("body")
    return max(scores, key=lambda element: scores[element] * (1 - link_density(element)))


def _own_text_length(element: etree._Element) -> int:
    text = " ".join("".join(element.itertext()).split())
    links = sum(len(t.strip()) for t in _LINK_TEXT(element))
    return max(0, len(text) - links)


def link_density(element: etree._Element) -> float:
    total = len("".join(element.itertext()).strip()) or 1
    links = sum(len(t.strip()) for t in _LINK_TEXT(element))
    return min(1.0, links / total)
