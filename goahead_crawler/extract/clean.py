"""Generic cleaning helpers: decode and parse, prune, clean HTML, absolute URLs.

Every function takes rules from :mod:`rules` as arguments or constants; none knows a template.
Text layout lives in :mod:`text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

from charset_normalizer import from_bytes
from lxml import etree
from w3lib.encoding import html_to_unicode, resolve_encoding

from goahead_crawler.extract import rules

# A plain etree parser: lxml.html's element classes cost a Python call per element touched.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
_STRING = etree.XPath("string()")
_DEFAULT_ENCODING = "ascii"  # Scrapy's TextResponse default, before sniffing
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_ATTRIBUTE_VALUES = etree.XPath("descendant-or-self::*/@*")


def decode(html: bytes, content_type: str | None = None) -> str:
    """Bytes to text exactly as Scrapy's ``response.text`` decodes them, given the HTTP
    ``Content-Type`` header: BOM, then the header's charset, then the page's own
    ``<meta>``/XML declaration, then ASCII or UTF-8 if the bytes are that, then
    charset-normalizer's guess. The crawl (from the response) and the rebuild (from the
    WARC record's header and body) both call this, so a page decodes the same in both."""
    return html_to_unicode(content_type, html, default_encoding=_DEFAULT_ENCODING,
                           auto_detect_fun=_sniff)[1]


def _sniff(html: bytes) -> str | None:
    """Scrapy's ``TextResponse._auto_detect_fun``, for bytes that declare no charset."""
    for candidate in (_DEFAULT_ENCODING, "utf-8"):
        try:
            html.decode(candidate)
        except UnicodeError:
            continue
        return resolve_encoding(candidate)
    match = from_bytes(html).best()
    return resolve_encoding(match.encoding) if match else None


def parse(text: str) -> etree._Element:
    """Parse decoded HTML leniently; malformed markup still yields a tree."""
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        text = "<html></html>"
    root = etree.fromstring(text, parser=_PARSER)
    if root is None:  # nothing parseable (only comments or doctype)
        root = etree.fromstring("<html><body></body></html>", parser=_PARSER)
    return root


def without_control_characters(text: str) -> str:
    """The text minus C0 controls (tab and newlines kept) and non-characters, which lxml
    parses but refuses to write back. A regex pass costs about a parse, so callers use it
    only after lxml has complained."""
    return _CONTROL.sub("", text)


def text_of(element: etree._Element) -> str:
    """All text under the element (what lxml.html's ``text_content()`` gives)."""
    return _STRING(element)


def drop(element: etree._Element) -> None:
    """Remove the element and its subtree, keeping its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def inline_templates(node: etree._Element) -> None:
    """Some Google-run blogs ship the post as HTML inside ``<script type="text/template">``
    and render it with JavaScript; parse that HTML into the tree in the script's place."""
    templates = [s for s in node.iter("script") if s.get("type") == "text/template"]
    for script in templates:
        fragment = etree.fromstring(f"<div>{script.text or ''}</div>", parser=_PARSER)
        content = fragment.find("body/div") if fragment is not None else None
        if content is not None:
            content.tail = script.tail
            script.getparent().replace(script, content)


def prune_tags(node: etree._Element, tags: Iterable[str]) -> None:
    """Remove every element with one of these tag names (a C-level scan, no XPath)."""
    for element in list(node.iter(*tags)):
        if element is not node:
            drop(element)


def prune_marked(node: etree._Element, marks: rules.Marks) -> None:
    """Remove descendants carrying a boilerplate class token, id or id prefix, and share
    links (one C-level scan for candidates, then set lookups)."""
    doomed = []
    for element in rules.MARKED(node):
        classes, ident = element.get("class"), element.get("id") or ""
        if (
            (classes and not marks.classes.isdisjoint(classes.split()))
            or ident in marks.ids
            or ident.startswith(marks.id_prefixes)
            or marks.href_part in (element.get("href") or "")
        ):
            doomed.append(element)
    for element in doomed:
        drop(element)


def clean_html(node: etree._Element, base_url: str, remove: str = "") -> str:
    """The body as HTML with only content tags and href/src/alt/title attributes, links and
    images absolute. ``div``s become ``p`` (Blogger writes paragraphs both ways); other tags
    are unwrapped, their text kept; ``remove`` lists characters to delete (layout markers).
    Edits ``node`` in place with lxml's C-level strip functions: call it last."""
    for div in node.iter("div"):
        div.tag = "p"
    unknown = {e.tag for e in node.iter()} - rules.HTML_KEEP_TAGS - {node.tag}
    if unknown:
        etree.strip_tags(node, *unknown)
    names = {value.attrname for value in _ATTRIBUTE_VALUES(node)} - rules.HTML_KEEP_ATTRS
    if names:
        etree.strip_attributes(node, *names)
    joiner = _UrlJoiner(base_url)
    for element in node.iter("a", "img"):
        for key in ("href", "src"):
            value = element.get(key)
            if value is not None:
                element.set(key, joiner(value))
    node.tag = "div"
    node.attrib.clear()
    html = etree.tostring(node, encoding="unicode", method="html", with_tail=False)
    for character in remove:
        html = html.replace(character, "")
    return html


class _UrlJoiner:
    """``urljoin`` with a fast path for URLs that are already absolute."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def __call__(self, value: str) -> str:
        value = value.strip()
        if value.startswith(("http://", "https://")):
            return value
        return urljoin(self.base_url, value)


def absolute_urls(values: Iterable[str], base_url: str) -> list[str]:
    """Absolute http(s) URLs, first-seen order, no duplicates."""
    joiner = _UrlJoiner(base_url)
    seen: dict[str, None] = {}
    for value in values:
        url = joiner(value)
        if url.startswith(("http://", "https://")):
            seen.setdefault(url, None)
    return list(seen)
