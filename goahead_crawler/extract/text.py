"""Laying out a body element as plain text, and normalising that text.

Paragraph structure is written into the tree as private marker characters (block edges,
``<br>``, link edges), then one C-level ``string()`` reads it: a Python walk over every
node costs more than parsing the page. Source whitespace is layout-free and collapses to one
space; markers then become line and paragraph breaks.
"""

from __future__ import annotations

import unicodedata

from lxml import etree

from goahead_crawler.extract import rules
from goahead_crawler.extract.clean import text_of

# Private-use characters (lxml refuses control characters in text; icon fonts use U+F000+)
PARA, LINE = "\ue003", "\ue004"  # block edge, <br>
LINK_OPEN, LINK_CLOSE = "\ue001", "\ue002"  # around link text
MARKERS = PARA + LINE + LINK_OPEN + LINK_CLOSE


def layout(node: etree._Element) -> str:
    """The element's text: blocks and ``<br><br>`` runs break paragraphs (blank line), a
    single ``<br>`` breaks a line. Link text stays wrapped in LINK_OPEN/LINK_CLOSE.
    Writes markers into ``node``'s subtree (a tree you own): only :func:`clean.clean_html`,
    which deletes them, may read the tree afterwards."""
    for element in node.iter(*rules.BLOCK_TAGS, "br", "a"):
        tag = element.tag
        if tag == "br":
            element.tail = LINE + (element.tail or "")
        elif tag == "a":
            if element.get(rules.VIDEO_LINK_ATTR) is not None:
                continue  # a video's link is content, never part of a link list tail
            element.text = LINK_OPEN + (element.text or "")
            element.tail = LINK_CLOSE + (element.tail or "")
        else:
            element.text = PARA + (element.text or "")
            element.tail = PARA + (element.tail or "")
    node.tail = None
    text = " ".join(text_of(node).split())  # str.split() is the C-fast collapse
    return "\n\n".join(p for block in text.split(PARA) for p in _br_paragraphs(block))


def finish(laid_out: str) -> str:
    """The final text from :func:`layout` output: the link list tail cut, markers gone,
    normalised (removed markers can leave empty paragraphs and edge spaces)."""
    return normalise_text(drop_link_list_tail(laid_out))


def _br_paragraphs(block: str) -> list[str]:
    """Split a block at ``<br>`` runs: one ``<br>`` is a line break, two or more in a row
    (blank pieces between them) end the paragraph."""
    paragraphs: list[str] = []
    lines: list[str] = []
    blank = 0
    for piece in block.split(LINE):
        piece = piece.strip()
        if not piece:
            blank += 1
            continue
        if lines and blank:
            paragraphs.append("\n".join(lines))
            lines = []
        lines.append(piece)
        blank = 0
    if lines:
        paragraphs.append("\n".join(lines))
    return paragraphs


def drop_link_list_tail(text: str) -> str:
    """Cut a trailing run of paragraphs made mostly of links (a "more posts" list pasted at
    the end of a post) when real prose precedes it; then remove the link markers."""
    paragraphs = text.split("\n\n")
    cut = _link_tail_start(paragraphs)
    return _remove("\n\n".join(paragraphs[:cut]), LINK_OPEN + LINK_CLOSE)


def _remove(text: str, characters: str) -> str:
    """Delete characters (``str.replace`` is C-fast; ``translate`` with a table is not)."""
    for character in characters:
        if character in text:
            text = text.replace(character, "")
    return text


def _link_tail_start(paragraphs: list[str]) -> int:
    if sum(p.count(LINK_OPEN) for p in paragraphs) < rules.LINK_TAIL_MIN_PARAGRAPHS:
        return len(paragraphs)
    counts = [_link_chars(p) for p in paragraphs]
    cut, linked, total, link_paragraphs = len(paragraphs), 0, 0, 0
    for index in range(len(paragraphs) - 1, -1, -1):
        para_linked, para_total = counts[index]
        linked, total = linked + para_linked, total + para_total
        if para_total and para_linked >= 0.8 * para_total:
            link_paragraphs += 1
            if link_paragraphs >= rules.LINK_TAIL_MIN_PARAGRAPHS and linked >= 0.6 * total:
                cut = index
    if cut and _is_list_heading(paragraphs[cut - 1]):
        cut -= 1
    prose = sum(t - k for k, t in counts[:cut])
    return cut if prose >= rules.LINK_TAIL_MIN_PROSE else len(paragraphs)


def _is_list_heading(paragraph: str) -> bool:
    """A short line introducing the list ("More posts:")."""
    plain = _remove(paragraph, LINK_OPEN + LINK_CLOSE).strip()
    return len(plain) <= rules.LINK_TAIL_HEADING_CHARS and plain.endswith(":")


def _link_chars(paragraph: str) -> tuple[int, int]:
    """(characters inside links, all characters), spaces not counted."""
    linked = sum(_count(run.split(LINK_CLOSE, 1)[0]) for run in paragraph.split(LINK_OPEN)[1:])
    return linked, _count(_remove(paragraph, LINK_OPEN + LINK_CLOSE))


def _count(text: str) -> int:
    return len("".join(text.split()))


def normalise_text(text: str) -> str:
    """No zero-width characters, space runs (nbsp too) collapsed, lines stripped, exactly one
    blank line between paragraphs, then NFC (last, so a removed zero-width character cannot
    leave combining marks for a second pass to reorder). Idempotent."""
    text = _remove(text, rules.ZERO_WIDTH)
    paragraphs: list[str] = []
    lines: list[str] = []
    for raw in [*text.split("\n"), ""]:
        line = " ".join(raw.split())
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    return unicodedata.normalize("NFC", "\n\n".join(paragraphs))
