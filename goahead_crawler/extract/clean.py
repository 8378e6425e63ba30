"""Generic cleaning helpers: decode and parse (markup too deep for libxml2 flattened),
prune, safe clean HTML, and the one URL rule (:func:`safe_url`) that the HTML, the images
and the outlinks all obey.

Every function takes rules from :mod:`rules` as arguments or constants; none knows a template.
Text layout lives in :mod:`text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from charset_normalizer import from_bytes
from lxml import etree
from w3lib.encoding import html_to_unicode, resolve_encoding

from goahead_crawler.blogger.images import LAZY_SRC, fetchable, shown_sources
from goahead_crawler.extract import depth, rules

# A plain etree parser: lxml.html's element classes cost a Python call per element touched.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
_STRING = etree.XPath("string()")
_DEFAULT_ENCODING = "ascii"  # Scrapy's TextResponse default, before sniffing
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_ATTRIBUTE_VALUES = etree.XPath("descendant-or-self::*/@*")
_URL_IGNORED = dict.fromkeys(map(ord, "\t\n\r"))  # browsers drop these anywhere in a URL
_URL_EDGE = "".join(map(chr, range(0x21)))  # C0 controls and space, stripped at both ends
_WEB_PREFIXES = ("http://", "https://")
# A decoded page is garbled (its charset is not the one declared) past this many U+FFFD,
# and past this share of its characters: a stray bad byte or two is not a wrong charset.
_GARBLED_MIN = 8
_GARBLED_SHARE = 0.005
_NON_ASCII_RUNS = re.compile(rb"[^\x00-\x7f][^<>]*")
_SAMPLE_BYTES = 256 * 1024
_SPACE = " \t\n\r\f\v\u00a0"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    declared: str | None = None  # the charset it claimed, when that did not decode cleanly


def decode(html: bytes, content_type: str | None = None) -> str:
    """The page's text (see :func:`decode_page`)."""
    return decode_page(html, content_type).text


def decode_page(html: bytes, content_type: str | None = None) -> Decoded:
    """Bytes to text as Scrapy's ``response.text`` decodes them, given the HTTP
    ``Content-Type`` header: BOM, then the header's charset, then the page's own
    ``<meta>``/XML declaration, then ASCII or UTF-8 if the bytes are that, then
    charset-normalizer's guess. The crawl (from the response) and the rebuild (from the
    WARC record's header and body) both call this, so a page decodes the same in both.

    One exception to Scrapy's way: a page whose declared charset does not fit its bytes
    (an old Thai site's TIS-620 labelled UTF-8 turns into replacement characters) is
    decoded by detection instead, and says so in ``declared``."""
    encoding, text = html_to_unicode(content_type, html, default_encoding=_DEFAULT_ENCODING,
                                     auto_detect_fun=_sniff)
    if not _garbled(text):
        return Decoded(text, encoding)
    return _detected(html, encoding) or Decoded(text, encoding)


def _garbled(text: str) -> bool:
    """Many replacement characters: the charset is wrong, not a stray byte or two."""
    bad = text.count("\ufffd")
    return bad >= _GARBLED_MIN and bad > len(text) * _GARBLED_SHARE


def _detected(html: bytes, declared: str) -> Decoded | None:
    """The first candidate that decodes every byte: charset-normalizer's guess, then
    windows-874 (TIS-620's superset, the usual mislabelled charset on Thai sites). The guess
    is made on the runs of text that hold non-ASCII bytes: on the whole page, the ASCII
    markup outweighs them, and a Thai page passes for Central European."""
    match = from_bytes(b" ".join(_NON_ASCII_RUNS.findall(html))[:_SAMPLE_BYTES]).best()
    candidates = [resolve_encoding(match.encoding) if match else None, "cp874"]
    for candidate in dict.fromkeys(c for c in candidates if c and c != declared):
        try:
            return Decoded(html.decode(candidate), candidate, declared)
        except (UnicodeError, LookupError):
            continue
    return None


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


def parse(text: str, parser: etree.HTMLParser = _PARSER) -> etree._Element:
    """Parse decoded HTML leniently; malformed markup still yields a tree, and markup nested
    deeper than libxml2 will go is flattened (see :mod:`depth`) rather than cut short."""
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        text = "<html></html>"
    root = etree.fromstring(text, parser=parser)
    if any(depth.TOO_DEEP in error.message for error in parser.error_log):
        root = etree.fromstring(depth.cap_depth(text), parser=parser)
    if root is None:  # nothing parseable (only comments or doctype)
        root = etree.fromstring("<html><body></body></html>", parser=parser)
    return root


def without_control_characters(text: str) -> str:
    """The text minus C0 controls (tab and newlines kept) and non-characters, raw or written
    as character references (``&#14;``), which lxml parses but refuses to write back. A
    regex pass costs about a parse, so callers use it only after lxml has complained."""
    text = _CONTROL.sub("", text)
    return _CHARACTER_REFERENCE.sub(_unless_control, text) if "&#" in text else text


def _unless_control(reference: re.Match[str]) -> str:
    hexadecimal, decimal = reference.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return "" if code < 0x110000 and _CONTROL.match(chr(code)) else reference.group(0)


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


def show_lazy_images(node: etree._Element, base_url: str) -> None:
    """Each image as the reader sees it: ``src`` set to what it shows (a lazy loader's real
    source, or the first ``srcset`` candidate of an image without ``src``), and a
    ``<noscript>`` fallback kept, unwrapped, when it shows an image nothing else on the
    page shows (so that pruning ``<noscript>`` loses no picture). Call before pruning."""
    for img in node.iter("img"):
        src = img.get("src")
        if src and not src.startswith("data:") and not any(map(img.get, LAZY_SRC)):
            continue  # most images: src is what the reader sees
        shown = next((v for v in shown_sources(img) if fetchable(v, base_url)), None)
        if shown is not None:
            img.set("src", shown)
    fallbacks = list(node.iter("noscript"))
    if not fallbacks:
        return
    # by ancestry, not id(): lxml makes a new proxy object at each access, and a freed
    # one's id is soon another's (the images outside then read as inside)
    seen = {fetchable(img.get("src"), base_url) for img in node.iter("img")
            if not any(a.tag == "noscript" for a in img.iterancestors())}
    for fallback in fallbacks:
        sources = {fetchable(img.get("src"), base_url) for img in fallback.iter("img")} - {None}
        if sources and not sources <= seen:
            fallback.tag = "span"  # kept, unwrapped later with the other non-content tags
            seen |= sources


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
    """The body as safe HTML: content tags only (``div``s become ``p``, as Blogger writes
    paragraphs both ways, see :func:`paragraphs`; other tags are unwrapped, their text kept), ``alt`` and ``title``
    attributes, ``dir="rtl"``, ``href`` on links and ``src`` on images only when :func:`safe_url` accepts
    them (absolute); an image with no such source goes. ``remove`` lists characters to
    delete (layout markers). Edits ``node`` in place with lxml's C-level strip functions:
    call it last."""
    paragraphs(node, blank=remove)
    keep_allowed(node, base_url)
    direction = node.get("dir")
    node.tag = "div"
    node.attrib.clear()
    if direction in rules.KEPT_DIRECTIONS:
        node.set("dir", direction)
    html = etree.tostring(node, encoding="unicode", method="html", with_tail=False)
    for character in remove:
        html = html.replace(character, "")
    return html


def paragraphs(node: etree._Element, blank: str = "") -> None:
    """Every ``div`` under ``node`` becomes a ``p``, except one holding blocks (a ``p`` cannot
    hold a ``p``): that one is unwrapped, each run of its loose text and inline elements
    made a ``p`` of its own, so its paragraphs stay apart; ``blank`` lists characters that
    make no paragraph (layout markers, deleted later). Innermost first."""
    for div in reversed(list(node.iterdescendants("div"))):
        if _holds_block(div):
            _unwrap_into_paragraphs(div, blank)
        else:
            div.tag = "p"


def _unwrap_into_paragraphs(div: etree._Element, blank: str) -> None:
    direction = div.get("dir")
    placed: list[etree._Element] = []
    run: etree._Element | None = None

    def loose(text: str | None, element: etree._Element | None = None) -> None:
        nonlocal run
        if run is None and (element is not None or (text and text.strip(_SPACE + blank))):
            run = etree.Element("p")
            placed.append(run)
        if run is None:
            return
        if element is not None:
            run.append(element)
        elif text:
            if len(run):
                run[-1].tail = (run[-1].tail or "") + text
            else:
                run.text = (run.text or "") + text

    kept = set(div)  # the div's own elements; the runs are made here
    loose(div.text)
    for child in list(div):
        tail, child.tail = child.tail, None
        if _is_block(child) or _holds_block(child):  # a <font> around paragraphs too
            placed.append(child)
            run = None
        else:
            loose(None, child)
        loose(tail)
    placed = [e for e in placed if e in kept or not _blank(e, blank)]
    for element in placed:
        if direction and element.get("dir") is None:
            element.set("dir", direction)
    parent = div.getparent()
    at, tail = parent.index(div), div.tail
    parent.remove(div)
    for offset, element in enumerate(placed):
        parent.insert(at + offset, element)
    if tail:
        _add_tail(parent, at + len(placed) - 1, tail)


def _is_block(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and element.tag in rules.BLOCK_TAGS


def _holds_block(element: etree._Element) -> bool:
    return any(_is_block(e) for e in element.iterdescendants())


def _blank(run: etree._Element, blank: str) -> bool:
    """A run of line breaks and spaces (and ``blank``) only: no paragraph."""
    text = "".join(run.itertext()).strip(_SPACE + blank)
    return not text and all(e.tag == "br" for e in run)


def _add_tail(parent: etree._Element, index: int, text: str) -> None:
    """Text after the child at ``index`` of ``parent`` (before every child when negative)."""
    if index < 0:
        parent.text = (parent.text or "") + text
    else:
        parent[index].tail = (parent[index].tail or "") + text


def keep_allowed(node: etree._Element, base_url: str) -> None:
    """Under ``node`` (kept itself), only what the cleaned HTML may hold: the content tags
    (others unwrapped, their text kept), ``alt``, ``title``, ``dir="rtl"``, and the URL attributes
    :func:`safe_url` accepts, resolved against ``base_url``; an image left without a source
    goes. The web view applies it again to stored HTML, which an older archive wrote."""
    unknown = {e.tag for e in node.iter()} - rules.HTML_KEEP_TAGS - {node.tag}
    if unknown:
        etree.strip_tags(node, *unknown)
    values = _ATTRIBUTE_VALUES(node)
    names = {value.attrname for value in values} - rules.HTML_KEEP_ATTRS
    if names:
        etree.strip_attributes(node, *names)
    for value in values:
        if value.attrname == "dir":
            _keep_direction(value.getparent())
    holders = (v.getparent() for v in values if v.attrname in rules.URL_ATTRIBUTES)
    for element in dict.fromkeys([*holders, *node.iter("img")]):  # images without src too
        _keep_safe_url(element, base_url)


def _keep_direction(element: etree._Element) -> None:
    """``dir`` only where it says right to left (:data:`rules.KEPT_DIRECTIONS`)."""
    direction = (element.get("dir") or "").strip().lower()
    if direction in rules.KEPT_DIRECTIONS:
        element.set("dir", direction)
    else:
        del element.attrib["dir"]


def _keep_safe_url(element: etree._Element, base_url: str) -> None:
    """Each URL attribute resolved and kept where :data:`rules.URL_ATTRIBUTES` allows it;
    an image left without a source goes."""
    for name, allowed in rules.URL_ATTRIBUTES.items():
        value = element.get(name)
        if value is None:
            continue
        schemes = allowed.get(element.tag)
        url = safe_url(value, base_url, schemes) if schemes else None
        if url is None:
            del element.attrib[name]
        else:
            element.set(name, url)
    if element.tag == "img" and element.get("src") is None:
        drop(element)


def safe_url(value: str, base_url: str, schemes: frozenset[str] = rules.WEB_SCHEMES) -> str | None:
    """``value`` as an absolute URL (resolved against ``base_url``) if its scheme is one of
    ``schemes``, else ``None``. Read as a browser reads it: tabs and newlines anywhere and
    control characters or spaces at either end are ignored, the scheme is case-blind
    (``" jav&#x09;aScript:"`` is ``javascript:``)."""
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.translate(_URL_IGNORED)
    value = value.strip(_URL_EDGE)
    if value.startswith(_WEB_PREFIXES) and "[" not in value:  # most URLs: no parsing needed
        scheme = value[: value.index(":")]
        return value if scheme in schemes and len(value) > len(scheme) + 3 else None
    try:
        value = urljoin(base_url, value)
        parts = urlsplit(value)
    except ValueError:  # a malformed IPv6 host
        return None
    return value if parts.scheme.lower() in schemes and (parts.netloc or parts.path) else None


def absolute_urls(values: Iterable[str], base_url: str) -> list[str]:
    """Absolute http(s) URLs (:func:`safe_url`), first-seen order, no duplicates."""
    seen: dict[str, None] = {}
    for value in values:
        url = safe_url(value, base_url)
        if url is not None:
            seen.setdefault(url, None)
    return list(seen)
