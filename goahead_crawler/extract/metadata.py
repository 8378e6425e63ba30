"""Post metadata from a parsed page: title, dates, author, labels, ids, language, word count.

Precedence: the feed entry (applied by the caller), then the page's microdata and meta tags,
then text a reader sees. ``scopes`` is [post container, Blog widget]: most fields are read
from the container only (sidebars and other posts cannot answer); the shared date header
lives in the Blog widget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree

from goahead_crawler.extract import rules
from goahead_crawler.extract.clean import text_of
from goahead_crawler.extract.dates import normalise_machine_date, parse_visible_date

_BLOG_ID = re.compile(r"blogID(?:[\"']?\s*[:=]|\\x3d)\s*[\"']?(\d{6,})")
_ID_IN_VALUE = re.compile(r"(?:^|/feeds/)(\d{6,})(?:$|/)")
_POST_ID = re.compile(r"(?:^|postID=|^post-body-)(\d{6,})(?:$|&)")
_PAGE_POST_ID = re.compile(r"(?:/feeds/|[?&]postID=)(\d{6,})(?:/comments/|&|$)")
_LOCALE = re.compile(r"""["']locale["']\s*:\s*["']([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)["']""")
_POSTED_BY = re.compile(r"posted by\s+(\S.*)$", re.IGNORECASE)
_BYLINE_MAX_CHARS = 160  # a byline line, not a paragraph that starts with the words
_BYLINE = re.compile(r"^(posted by|by|von|โดย)\s*:?\s*", re.IGNORECASE)
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha())
LANGUAGE_SAMPLE_CHARS = 4000
# Thai is written without spaces; a dictionary segmenter (pythainlp newmm) costs ~2 ms per
# KB of text plus a 0.5 s warm-up: more than the whole extraction. We estimate instead, one
# word per THAI_CHARS_PER_WORD Thai characters, the ratio pythainlp's newmm gives on the
# reference article (5,920 Thai characters, 1,089 Thai words).
THAI_CHARS_PER_WORD = 5.4
# Chinese and Japanese are written without spaces too: one word per CJK_CHARS_PER_WORD
# Han or kana characters (the usual mean length of a Chinese word).
CJK_CHARS_PER_WORD = 1.5
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Scripts that name their language when they dominate the text, with the languages of
# Blogger's interface written in each (a page's own ``lang`` among them is believed).
_SCRIPTS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff]"), ("ja",)),  # kana: only Japanese uses it
    ("ko", re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"), ("ko",)),
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"), ("zh", "ja")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
     ("ar", "fa", "ur", "ps", "sd", "ckb", "ug")),
    ("he", re.compile(r"[\u0590-\u05ff]"), ("he", "iw", "yi")),
    ("ru", re.compile(r"[\u0400-\u04ff]"), ("ru", "uk", "bg", "sr", "mk", "be", "kk", "mn")),
    ("el", re.compile(r"[\u0370-\u03ff]"), ("el",)),
)


def _text(element: Any) -> str:
    if isinstance(element, str):
        return " ".join(element.split())
    return " ".join(text_of(element).split())


def first_text(scopes: Iterable[etree._Element], xpaths: Iterable[etree.XPath]) -> str:
    """The first non-empty text any XPath finds, trying every XPath in each scope in turn."""
    for scope in scopes:
        for xpath in xpaths:
            for found in xpath(scope):
                value = _text(found)
                if value:
                    return value
    return ""


class Index:
    """The post container's elements by class token, ``itemprop=``, ``rel=`` and ``tag:a``:
    one XPath scan, then every selector in :mod:`rules` is a dictionary lookup."""

    def __init__(self, container: etree._Element) -> None:
        self.by_key: dict[str, list[etree._Element]] = {}
        for element in rules.INDEXED(container):
            for key in _keys(element):
                self.by_key.setdefault(key, []).append(element)

    def matches(self, selector: rules.Selector) -> list[etree._Element]:
        tag, key, _, inside = selector
        if not inside:
            return [e for e in self.by_key.get(key, ()) if tag in ("*", e.tag)]
        found: list[etree._Element] = []
        for outer in self.by_key.get(inside, ()):
            elements = outer.iter() if tag == "*" else outer.iter(tag)
            found.extend(e for e in elements if e is not outer and key in _keys(e))
        return found

    def values(self, selector: rules.Selector) -> list[str]:
        attribute = selector[2]
        found = (
            (e.get(attribute) or "" if attribute else text_of(e)) for e in self.matches(selector)
        )
        return [v for v in (" ".join(f.split()) for f in found) if v]

    def first(self, selectors: Iterable[rules.Selector]) -> str:
        for selector in selectors:
            values = self.values(selector)
            if values:
                return values[0]
        return ""


def _keys(element: etree._Element) -> list[str]:
    keys = (element.get("class") or "").split()
    for attribute in ("itemprop", "rel"):
        value = element.get(attribute)
        if value:
            keys.append(f"{attribute}={value}")
    if element.tag == "a":
        keys.append("tag:a")
    return keys


def json_ld(root: etree._Element) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page (``@graph`` flattened); broken JSON is skipped."""
    objects: list[dict[str, Any]] = []
    for raw in rules.JSON_LD(root):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if isinstance(item, dict):
                objects.append(item)
                objects.extend(x for x in item.get("@graph", []) if isinstance(x, dict))
    return objects


def _ld_value(objects: list[dict[str, Any]], key: str) -> str:
    for item in objects:
        value = item.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, list) and value:
            value = value[0].get("name") if isinstance(value[0], dict) else value[0]
        if isinstance(value, str) and value.strip():
            return _text(value)  # one line, as every other source of these values gives
    return ""


def title(
    index: Index, root: etree._Element, ld: list[dict], container: etree._Element | None
) -> str:
    """The post title's classes, the head's meta, JSON-LD, a bare heading of the post
    container (``None`` without a Blogger post), and last the page's <title> (which adds
    the blog's name)."""
    return (
        index.first(rules.TITLE)
        or first_text([root], rules.TITLE_HEAD)
        or _ld_value(ld, "headline")
        or (first_text([container], rules.CONTAINER_HEADING) if container is not None else "")
        or first_text([root], [rules.PAGE_TITLE])
    )


def published(
    index: Index, root: etree._Element, ld: list[dict], shown: str, url: str = ""
) -> str | None:
    """Machine-readable dates first (offset kept), then the date the page shows (its year
    from the post's ``/YYYY/MM/`` URL when the header leaves it out)."""
    machine = (
        index.first(rules.PUBLISHED)
        or first_text([root], [rules.HEAD_META["published"]])
        or _ld_value(ld, "datePublished")
    )
    return normalise_machine_date(machine) or parse_visible_date(shown, url)


def date_shown(
    index: Index, outer: etree._Element, body: etree._Element, guess: bool = True
) -> str:
    """The date as the page shows it: ``h2.date-header`` (localised, maybe shared by several
    posts, so it may sit outside the post container, or in some custom templates inside the
    body), else the visible timestamp, else (``guess``: the index is a post container, not
    a whole page with sidebars) a byline line that reads as a date."""
    return (
        index.first(rules.DATE_SHOWN[:1])
        or first_text([outer], [rules.DATE_HEADER_OUTSIDE])
        or index.first(rules.DATE_SHOWN)
        or first_text([body], [rules.DATE_HEADER_OUTSIDE])
        or (_dated_line(index) if guess else "")
    )


def _dated_line(index: Index) -> str:
    """The first line of :data:`rules.DATE_SHOWN_GUESSED` that holds a date, trimmed."""
    for selector in rules.DATE_SHOWN_GUESSED:
        for value in index.values(selector):
            if len(value) <= 120 and parse_visible_date(value):
                return value
    return ""


def updated(index: Index, root: etree._Element, ld: list[dict]) -> str | None:
    machine = (
        index.first(rules.UPDATED)
        or first_text([root], [rules.HEAD_META["updated"]])
        or _ld_value(ld, "dateModified")
    )
    return normalise_machine_date(machine)


def author(index: Index, root: etree._Element, ld: list[dict], body: etree._Element) -> str:
    """The byline's name, or names: a post the byline credits to several people (one
    ``.fn`` each, or a JSON-LD list) names them all, joined by ", ". Then the byline some
    templates write at the top of the body ("Posted by ..."), then the head's meta."""
    found = (
        _all_of_first(index, rules.AUTHORS)
        or index.first(rules.AUTHOR)
        or first_text([body], [rules.BODY_BYLINE])
        or first_text([root], [rules.HEAD_META["author"]])
        or ", ".join(_ld_names(ld, "author"))
    )
    return _BYLINE.sub("", found)


def author_in_text(text: str) -> str:
    """The author a post names in its own first or last paragraph, "Posted by NAME, ROLE"
    (Google's blogs before the byline had a class), for a page without a byline."""
    paragraphs = text.split("\n\n")
    for paragraph in dict.fromkeys([paragraphs[0], paragraphs[-1]]):
        match = _POSTED_BY.match(" ".join(paragraph.split()))
        if match and len(paragraph) <= _BYLINE_MAX_CHARS:
            return match.group(1)
    return ""


def _all_of_first(index: Index, selectors: Iterable[rules.Selector]) -> str:
    """Every distinct value of the first selector that matches, joined by ", "."""
    for selector in selectors:
        values = [_BYLINE.sub("", v) for v in index.values(selector)]
        if any(values):
            return ", ".join(dict.fromkeys(v for v in values if v))
    return ""


def _ld_names(objects: list[dict[str, Any]], key: str) -> list[str]:
    """Every name JSON-LD gives ``key`` (a person, or a list of them) in the first object
    that has one."""
    for item in objects:
        value = item.get(key)
        people = value if isinstance(value, list) else [value]
        names = [p.get("name") if isinstance(p, dict) else p for p in people]
        names = [_text(n) for n in names if isinstance(n, str) and n.strip()]
        if names:
            return list(dict.fromkeys(names))
    return []


def labels(index: Index) -> list[str]:
    for selector in rules.LABELS:
        found = [v.strip(" ,") for v in index.values(selector)]
        if any(found):
            return list(dict.fromkeys(x for x in found if x))
    return []


def post_id(scopes: list[etree._Element], root: etree._Element | None = None) -> str | None:
    """``meta[itemprop=postId]``, ``<a name=DIGITS>``, ``share-post.g?postID=``, ``post-body-N``:
    in the container, then on the body; else where the page states it (``root``): the
    post's comments feed in <head>, the comment form (news templates and custom layouts
    that carry none of the others)."""
    for scope in scopes:
        for xpath in rules.POST_ID:
            for value in xpath(scope):
                match = _POST_ID.search(value)
                if match:
                    return match.group(1)
    for xpath in rules.PAGE_POST_ID if root is not None else ():
        for value in xpath(root):
            match = _PAGE_POST_ID.search(value)
            if match:
                return match.group(1)
    return None


def blog_id(page_text: str, scopes: list[etree._Element]) -> str | None:
    """``_WidgetManager._Init(...blogID...)`` in the raw page, else microdata or the post
    service link."""
    match = _BLOG_ID.search(page_text)
    if match:
        return match.group(1)
    for scope in scopes:
        for xpath in rules.BLOG_ID:
            for value in xpath(scope):
                match = _ID_IN_VALUE.search(value)
                if match:
                    return match.group(1)
    return None


def thai_and_latin_letters(text: str) -> tuple[int, int]:
    """Counted on UTF-8 bytes: Thai is U+0E00-U+0E7F (E0 B8 xx / E0 B9 xx), Latin is ASCII
    letters. Byte counting runs in C; per-character Python or regex costs more than parsing."""
    data = text.encode("utf-8")
    thai = data.count(b"\xe0\xb8") + data.count(b"\xe0\xb9")
    latin = len(data.translate(None, _NOT_ASCII_LETTERS))
    return thai, latin


def declared_language(root: etree._Element, page_text: str = "") -> str:
    """The blog's language as the page states it: ``<html lang>`` (2017 themes), else the
    ``locale`` of Blogger's data context (every template since 2013; classic layouts have
    no ``lang``). Both come from the blog's language setting."""
    declared = next(iter(rules.HTML_LANG(root)), "") or _data_context_locale(page_text)
    return declared.replace("_", "-").split("-")[0].lower()


def _data_context_locale(page_text: str) -> str:
    """``'locale': 'de'`` of the data context, found by a plain string search (a regex
    search over the whole page costs as much as the rest of the metadata)."""
    for key in ("'locale'", '"locale"'):
        at = page_text.find(key)
        match = _LOCALE.match(page_text, at) if at >= 0 else None
        if match:
            return match.group(1)
    return ""


def language(text: str, root: etree._Element, page_text: str = "") -> str | None:
    """ "th" when Thai letters dominate; the language of another non-Latin script that
    dominates (CJK, Arabic, Hebrew, Cyrillic, Greek: the blog's language when it is written
    in that script, "fa" for a Persian blog); else the blog's language
    (:func:`declared_language`), else "en" for Latin text; ``None`` for text without
    letters."""
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    thai, latin = thai_and_latin_letters(sample)
    if thai and thai >= latin:
        return "th"
    if not latin and not any(char.isalpha() for char in sample):
        return None
    declared = declared_language(root, page_text)
    script = _dominant_script(sample, latin) if len(sample.encode()) > len(sample) else None
    if script is not None:
        name, written_in = script
        return declared if declared in written_in else name
    if declared and declared != "th":
        return declared
    return "en" if latin else None


def _dominant_script(sample: str, latin: int) -> tuple[str, tuple[str, ...]] | None:
    """The non-Latin script with the most letters, if it has at least as many as Latin."""
    best, most = None, 0
    for name, pattern, written_in in _SCRIPTS:
        count = len(pattern.findall(sample))
        if name == "ja" and count:  # kana among Han characters: Japanese, not Chinese
            count += len(_SCRIPTS[2][1].findall(sample))
        if count > most:
            best, most = (name, written_in), count
    return best if best is not None and most >= latin else None


def word_count(text: str) -> int:
    """Words between spaces; Thai (written without spaces) counts one word per
    THAI_CHARS_PER_WORD Thai characters, Chinese and Japanese one per CJK_CHARS_PER_WORD
    Han or kana characters."""
    thai, _ = thai_and_latin_letters(text)
    cjk = len(_CJK.findall(text)) if len(text.encode()) > len(text) else 0
    if not thai and not cjk:
        return len(text.split())
    other = sum(1 for token in text.split() if not _has_thai(token) and not _CJK.search(token))
    words = round(thai / THAI_CHARS_PER_WORD) + round(cjk / CJK_CHARS_PER_WORD)
    return other + max(1, words)


def _has_thai(token: str) -> bool:
    return any("\u0e00" <= char <= "\u0e7f" for char in token)
