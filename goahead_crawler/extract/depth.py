"""Markup nested too deep for libxml2, flattened so that no text is lost.

libxml2 stops at 2,048 levels of nesting even with ``huge_tree`` (256 without) and drops the
rest of the page silently. :func:`clean.parse` notices that in the parser's error log and
parses :func:`cap_depth`'s output instead: the same markup with the tags beyond
``MAX_DEPTH`` left out (their text kept; block tags become a paragraph break). The standard
library's tokeniser does the reading, so script and style bodies, attributes holding ``>``,
comments and entities are handled as an HTML tokeniser handles them. Pure Python: it runs
only on pages that hit the limit.
"""

from __future__ import annotations

from html.parser import HTMLParser

from goahead_crawler.extract import rules

# Half of libxml2's limit: room for the elements libxml2 opens itself (html, body, tbody)
# and for tags this tokeniser closes later than libxml2 would (it knows no implied end tags
# beyond the repeated ones below, so it counts too deep, never too shallow).
MAX_DEPTH = 1024
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
# A second <p> (or li, td, ...) closes the first: repeated, they do not nest.
SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})
RAW_TEXT_TAGS = frozenset({"script", "style"})
# What a left-out block tag becomes, once per run (compared by identity: text never is it).
BREAK = "<br><br>"
TOO_DEEP = "Excessive depth"  # libxml2's message when it stops at the limit


class _Flattener(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self.limit = limit
        self.out: list[str] = []
        self.open: list[str] = []  # tags written out and not yet closed
        self.left_out: dict[str, int] = {}  # tags beyond the limit, by name, not yet closed
        self.skipping = ""  # a left-out script or style: its body is not text

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in VOID_TAGS:
            self._write(self.get_starttag_text() or "")
        elif len(self.open) >= self.limit:
            self.left_out[tag] = self.left_out.get(tag, 0) + 1
            self.skipping = tag if tag in RAW_TEXT_TAGS else self.skipping
            self._leave_out(tag)
        else:
            if tag in SELF_CLOSING_SIBLINGS and self.open and self.open[-1] == tag:
                self.open.pop()
            self.open.append(tag)
            self._write(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._write(self.get_starttag_text() or "")  # nests nothing

    def handle_endtag(self, tag: str) -> None:
        if self.left_out.get(tag):
            self.left_out[tag] -= 1
            self.skipping = "" if tag == self.skipping else self.skipping
            self._leave_out(tag)
        elif tag in self.open:
            while self.open.pop() != tag:
                pass
            self._write(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._write(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self._write(f"<!{decl}>")

    def _leave_out(self, tag: str) -> None:
        if tag in rules.BLOCK_TAGS and (not self.out or self.out[-1] is not BREAK):
            self.out.append(BREAK)

    def _write(self, markup: str) -> None:
        self.out.append(markup)


def cap_depth(markup: str, limit: int = MAX_DEPTH) -> str:
    """The markup with every tag nested deeper than ``limit`` left out, its text kept."""
    flattener = _Flattener(limit)
    flattener.feed(markup)
    flattener.close()
    return "".join(flattener.out)
