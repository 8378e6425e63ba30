"""Snippets and highlights, made in Python from the original text (the index has no copy).

Where a Thai term occurs in a text (only on character-cluster boundaries, as the index
matches it), a window around the first occurrence (a whole-word one if there is one) that
starts and ends on word boundaries, and the text with the matches marked. Whitespace runs,
line breaks included, become one space, so a snippet is always one line. Pure functions
over strings; terms without Thai are found by SQLite (:mod:`archive.latin`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import accumulate

from . import thai
from .folding import (
    E_PREFIXED,
    LETTER_DIGIT,
    MAI_YAMOK,
    NUMBER_PADDING,
    THAI_HYPHEN,
    fold_matching,
    thai_space_forms,
)
from .tokens import term_pieces

Span = tuple[int, int]
WIDTH = 120  # characters of text in a snippet, about
LEAD = 40  # of which, at most about this many before the match
ELLIPSIS = "…"
_GAP = r"[^\w\u0e01-\u0e4e]"  # what separates tokens in the index
_SPACE = re.compile(r"\s+")
_LATIN_WORD = re.compile(r"[^\W\u0e01-\u0e4e]+")


def _latin_word(word: str) -> str:
    """A word of a term as a regex; letters and digits in it may stand apart in the text
    (``PM2`` is ``PM 2``: :data:`archive.folding.LETTER_DIGIT`), and a number may have its
    padding there (``3,480,000``, ``06.00``: :data:`archive.folding.NUMBER_PADDING`)."""
    return (_GAP + "*").join(_number(part) if part.isdigit() else _e_prefixed(part)
                             for part in LETTER_DIGIT.split(word))


def _e_prefixed(letters: str) -> str:
    """Letters as a regex, an e-prefix apart or not (``email``: ``e-mail``, ``e mail``)."""
    if E_PREFIXED.match(letters):
        return re.escape(letters[0]) + _GAP + "*" + re.escape(letters[1:])
    return re.escape(letters)


def _number(digits: str) -> str:
    return "0?" + ",?".join(map(re.escape, digits))


def _thai_run(run: str) -> str:
    """A Thai run of a term as a regex: the text may have a hyphen inside it, or a space
    before ๆ (:func:`archive.folding.join_thai_runs`)."""
    out = []
    for index, char in enumerate(run):
        if index and THAI_HYPHEN.search(run[index - 1] + "-" + char):
            out.append("-?")
        elif index and char == MAI_YAMOK:
            out.append("[ \u00a0]*")
        out.append(re.escape(char))
    return "".join(out)


@lru_cache(maxsize=256)
def term_pattern(term: str) -> re.Pattern[str] | None:
    """A regex for a term that has Thai in it, or None (SQLite finds the others, with the
    same stemming as the index); a term with spaces between Thai words matches them
    there or not, as the search does (:func:`archive.folding.thai_space_forms`)."""
    forms = [regex for form in thai_space_forms(term) if (regex := _term_regex(form))]
    return re.compile("|".join(f"(?:{regex})" for regex in forms), re.IGNORECASE) if forms else None


def _term_regex(term: str) -> str | None:
    """:func:`term_pattern` of one form of a term, as a regex's text."""
    parts = term_pieces(term)
    if not any(is_thai for is_thai, _, _ in parts):
        return None
    out = []
    for index, (is_thai, piece, dotted) in enumerate(parts):
        if index:
            before = parts[index - 1]
            out.append(_GAP + ("+" if is_thai and before[0] and not before[2] else "*"))
        if is_thai:
            out.append(_thai_run(piece))
        else:
            words = _LATIN_WORD.findall(E_PREFIXED.sub(r"\1", NUMBER_PADDING.sub("", piece)))
            out.append((_GAP + "+").join(_latin_word(word) for word in words))
        if dotted:  # as the index marks it: a full stop right after the run (ก.พ.)
            out.append(r"\.")
    return "".join(out)


_REACH = 10_000  # characters to look back for the start of a Thai run
# What belongs with the character before it, besides combining marks: joiners, variation
# selectors and emoji skin tones (a cut before one leaves half an emoji).
_BELONGS = re.compile(r"[\u200c\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")


def _parts_a_cluster(text: str, position: int) -> bool:
    """Whether a cut at ``position`` parts a character from what it belongs to: a mark
    (a Thai vowel or tone mark above or below its consonant), joiner, variation selector
    or skin tone from the character before it, or a character from the joiner before it."""
    if not 0 < position < len(text):
        return False
    after = text[position]
    return (unicodedata.category(after)[0] == "M" or bool(_BELONGS.match(after))
            or text[position - 1] == "\u200d")


class Text:
    """A text, with the clusters and words of its Thai runs cut once, when first needed."""

    def __init__(self, text: str | None) -> None:
        self.text = text or ""
        self.folded = fold_matching(self.text)  # what patterns run over: same offsets
        self._starts: list[int] = []  # of the runs found so far, sorted (they never overlap)
        self._ends: dict[int, int] = {}
        self._cuts: dict[tuple[int, Callable], set[int]] = {}

    def run_around(self, position: int) -> Span | None:
        """The Thai run that ``position`` falls strictly inside, if any."""
        index = bisect_left(self._starts, position) - 1
        if index >= 0:
            start = self._starts[index]
            if position < self._ends[start]:
                return start, self._ends[start]
        after = thai.THAI_RUN.match(self.text, position) if position > 0 else None
        if after is None:
            return None
        behind = self.text[max(0, position - _REACH):position][::-1]
        before = thai.THAI_RUN.match(behind)
        if before is None:
            return None
        run = (position - before.end(), after.end())
        insort(self._starts, run[0])
        self._ends[run[0]] = run[1]
        return run

    def on_boundary(self, position: int, split: Callable[[str], list[str]] = thai.clusters
                    ) -> bool:
        """Whether ``position`` is a cluster (or, with ``thai.words``, word) boundary."""
        run = self.run_around(position)
        return run is None or position in self._cut(run, split)

    def _cut(self, run: Span, split: Callable[[str], list[str]]) -> set[int]:
        key = (run[0], split)
        cuts = self._cuts.get(key)
        if cuts is None:
            units = split(self.text[run[0]:run[1]])
            cuts = self._cuts[key] = set(accumulate(map(len, units), initial=run[0]))
        return cuts

    def cluster_start(self, position: int) -> int:
        """``position``, or the nearest before it where a cut splits no character cluster
        (a Thai cluster, a letter and its marks, an emoji sequence): where a cut may fall
        inside a word."""
        while 0 < position < len(self.text) and (
                _parts_a_cluster(self.text, position) or not self.on_boundary(position)):
            position -= 1
        return position

    def boundary_near(self, position: int, backward: bool) -> int:
        """The nearest word boundary at or before (``backward``) or after ``position``."""
        position = max(0, min(position, len(self.text)))
        run = self.run_around(position)
        if run is not None:
            cuts = self._cut(run, thai.words) | {run[0]}
            return (max(c for c in cuts if c <= position) if backward
                    else min(c for c in cuts if c >= position))
        start = end = position
        while start > 0 and _LATIN_WORD.match(self.text, start - 1):
            start -= 1
        if start == position:
            return position
        while _LATIN_WORD.match(self.text, end):
            end += 1
        return start if backward else end

    def boundaries(self, split: Callable[[str], list[str]] = thai.clusters
                   ) -> Callable[[int], bool]:
        """:meth:`on_boundary` for many positions in order: the run last looked at and its
        cuts are kept at hand (a common syllable occurs hundreds of times in a post)."""
        run: Span = (0, 0)
        cuts: set[int] = set()

        def check(position: int) -> bool:
            nonlocal run, cuts
            if not run[0] < position < run[1]:
                found = self.run_around(position)
                if found is None:
                    return True
                run, cuts = found, self._cut(found, split)
            return position in cuts

        return check

    def find(self, pattern: re.Pattern[str], prefix: bool = False, start: int = 0,
             end: int | None = None, limit: int = 1000) -> list[Span]:
        """Occurrences of ``pattern`` that start and end on cluster boundaries."""
        spans: list[Span] = []
        boundary = self.boundaries()
        for match in pattern.finditer(self.folded, start, len(self.text) if end is None else end):
            if boundary(match.start()) and (prefix or boundary(match.end())):
                spans.append(match.span())
                if len(spans) >= limit:
                    break
        return spans

    def whole_word(self, span: Span) -> bool:
        return self.on_boundary(span[0], thai.words) and self.on_boundary(span[1], thai.words)

    def window(self, centre: Span | None, width: int = WIDTH) -> Span:
        """About ``width`` characters around ``centre``, cut on word boundaries."""
        first = centre or (0, 0)
        start = self.boundary_near(first[0] - LEAD, backward=True)
        if first[0] - start > 2 * LEAD:  # one very long word: cut it rather than run on
            start = self.cluster_start(first[0] - LEAD)
        end = self.boundary_near(max(first[1], start + width), backward=False)
        if end - max(first[1], start + width) > LEAD:
            end = self.cluster_start(max(first[1], start + width))
        return start, end


def merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: Iterable[Span], markers: tuple[str, str]) -> str:
    """``text`` with every span wrapped in the markers, on one line."""
    out, position = [], 0
    for start, end in merge(spans):
        out += [text[position:start], markers[0], text[start:end], markers[1]]
        position = end
    out.append(text[position:])
    return _SPACE.sub(" ", "".join(out)).strip()


def clip(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, with ``…``: at a word boundary, or
    inside one very long word (a Thai title with no space) where no character cluster
    is split; whole when it is no longer."""
    if len(text) <= limit:
        return text
    whole = Text(text)
    end = whole.boundary_near(limit, backward=True)
    if end < limit - LEAD:  # one very long word: cut inside it
        end = limit
    return text[:whole.cluster_start(end)].rstrip() + ELLIPSIS


def excerpt(text: Text, window: Span, spans: Iterable[Span], markers: tuple[str, str]) -> str:
    """The window of ``text`` with the spans inside it marked, ``…`` where it was cut."""
    start, end = window
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans
              if s < end and e > start]
    body = mark(text.text[start:end], inside, markers)
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text.text) else "")
