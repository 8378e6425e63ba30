"""A post's clean HTML as Markdown: headings, lists, links, images, emphasis, tables and
blockquotes, by markdownify (the field's HTML-to-Markdown converter, one method per tag),
with goahead's rule for the text in between.

The clean HTML is already sanitised (only http(s) and mailto links, http(s) images); this
converter keeps to that whatever it is given: a link or image with another scheme keeps
only its text. Text that is not markup stays inert: every text node goes through
:func:`archive.escaping.markdown_text` (``<script>`` is written ``&lt;script&gt;``, ``*``,
``_``, ``#``, ``[`` are escaped), and URLs are written between ``<`` and ``>`` with the
characters that could end them percent-encoded, so no text or URL can open markup the
blog never had.

Blogger puts a captioned image in a one-column table (image row, caption row); that is an
image and its caption here, not a table.
"""

from __future__ import annotations

import re
from typing import Any

from markdownify import ATX, BACKSLASH, MarkdownConverter

from .escaping import markdown_text

LINK_SCHEMES = ("http://", "https://", "mailto:")
IMAGE_SCHEMES = ("http://", "https://")
_URL_UNSAFE = {" ": "%20", "<": "%3C", ">": "%3E", "\n": "%0A", "\r": "%0D", "\\": "%5C",
               "\t": "%09"}
_BLANK_LINES = re.compile(r"\n{3,}")


def markdown_url(url: str) -> str:
    """A URL as a Markdown link destination: ``<...>``, with what could end it encoded."""
    return "<" + "".join(_URL_UNSAFE.get(ch, ch) for ch in url.strip()) + ">"


def _title_part(el: Any) -> str:
    title = " ".join((el.get("title") or "").split())
    if not title:
        return ""
    return ' "' + markdown_text(title).replace('"', '\\"') + '"'


class _Converter(MarkdownConverter):
    """markdownify with goahead's escaping, URL and scheme rules and Blogger's captions."""

    def escape(self, text: str, parent_tags: set[str]) -> str:
        return markdown_text(text) if text else ""

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        href = (el.get("href") or "").strip()
        if "_noformat" in parent_tags or not text.strip():
            return text
        if not href.lower().startswith(LINK_SCHEMES):
            return text
        lead, core, tail = _chomp(text)
        return f"{lead}[{core}]({markdown_url(href)}{_title_part(el)}){tail}"

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        alt = markdown_text(" ".join((el.get("alt") or "").split()))
        src = (el.get("src") or "").strip()
        if not src.lower().startswith(IMAGE_SCHEMES):
            return alt
        return f"![{alt}]({markdown_url(src)}{_title_part(el)})"

    def convert_soup(self, soup: Any) -> str:
        _join_adjacent_code(soup)
        return super().convert_soup(soup)

    def convert_code(self, el: Any, text: str, parent_tags: set[str]) -> str:
        """markdownify's code span; in a table cell a ``|`` is written ``\\|`` (GFM splits
        cells on it even inside a span, which would leave the span unclosed and its text,
        ``<img onerror>`` included, read as Markdown and HTML)."""
        if parent_tags & {"td", "th"}:
            text = text.replace("|", "\\|")
        return super().convert_code(el, text, parent_tags)

    convert_kbd = convert_samp = convert_code

    def convert_pre(self, el: Any, text: str, parent_tags: set[str]) -> str:
        """A fenced block whose fence is longer than any backtick run inside it."""
        body = text.strip("\n")
        if not body:
            return ""
        longest = max((len(run) for run in re.findall("`+", body)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}\n{body}\n{fence}\n\n"

    def convert_table(self, el: Any, text: str, parent_tags: set[str]) -> str:
        caption = _captioned_image(el)
        if caption is None:
            return super().convert_table(el, text, parent_tags)
        image, words = caption
        image_md = self.process_tag(image, parent_tags - {"_inline"}).strip()
        words_md = markdown_text(" ".join(words.split()))
        return f"\n\n{image_md}\n\n" + (f"*{words_md}*\n\n" if words_md else "")


_CODE_TAGS = ("code", "kbd", "samp", "tt")


def _join_adjacent_code(soup: Any) -> None:
    """Code spans with nothing between them become one: written one after the other, the
    first one's closing backticks and the next one's opening ones make one run, neither
    span closes, and their text (``<img onerror=...>``, kept as is inside a span) is read
    as Markdown and HTML."""
    for code in soup.find_all(_CODE_TAGS):
        if code.parent is None:  # joined into the one before it
            continue
        while getattr(code.next_sibling, "name", None) in _CODE_TAGS:
            following = code.next_sibling.extract()
            for child in list(following.contents):
                code.append(child.extract())


def _chomp(text: str) -> tuple[str, str, str]:
    core = text.strip()
    lead = " " if text[:1].isspace() else ""
    tail = " " if text[-1:].isspace() else ""
    return lead, core, tail


def _captioned_image(table: Any) -> tuple[Any, str] | None:
    """(the image cell's content, the caption text) for Blogger's caption table."""
    rows = table.find_all("tr")
    cells = [row.find_all(["td", "th"]) for row in rows]
    if not 1 <= len(rows) <= 2 or any(len(row) != 1 for row in cells):
        return None
    first = cells[0][0]
    if not first.find("img") or first.get_text(strip=True):
        return None
    image = first.find("a") if first.find("a") and first.find("a").find("img") else first.find("img")
    words = cells[1][0].get_text(" ") if len(cells) == 2 else ""
    return image, words


_CONVERTER = _Converter(heading_style=ATX, bullets="-", strong_em_symbol="*",
                        keep_inline_images_in=["td", "th", "a"], escape_misc=False,
                        newline_style=BACKSLASH,  # a <br> survives trailing-space trimming
                        bs4_options={"features": "lxml"})  # lxml: the cleaner's parser


def _hard_break(line: str) -> bool:
    """Whether ``line`` ends with a hard line break (an odd run of backslashes: an even
    one is escaped backslashes of the text)."""
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def html_to_markdown(html: str) -> str:
    """The clean HTML of a post as Markdown (blocks separated by one blank line). A line
    break that ends a block (Blogger's spacer ``<p><br></p>``) is dropped."""
    lines = [line.rstrip() for line in _CONVERTER.convert(html or "").splitlines()]
    for i in reversed(range(len(lines))):  # from the end: a break emptied ends the one before
        if _hard_break(lines[i]) and (i + 1 == len(lines) or not lines[i + 1].strip()):
            lines[i] = lines[i][:-1].rstrip()
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"
