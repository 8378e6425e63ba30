"""What the search tables hold for a text, and the same tokens for a query term.

Two contentless FTS5 tables (see :mod:`archive.migrations`), fed from Python because
Python's sqlite3 cannot register an FTS5 tokenizer:

``search_fts`` (positional, ``unicode61`` + Porter): every Thai run of the text becomes one
token per character cluster, the cluster joined to the next one (``โค\ue000ร``; the run's
last cluster stands alone, ``ร\ue000``). A word of k clusters is then a phrase of k-1
tokens, each far rarer than a bare cluster, which keeps phrase queries fast; the end token
keeps runs apart, so a phrase never matches across a space. Text between Thai runs (Latin,
digits) is left to ``unicode61`` and Porter: ``OTOPดังกล่าว`` is ``otop`` plus clusters; a
letter next to a digit is a word break there too (``PM2.5`` is ``pm 2 5``, as ``PM 2.5`` is).

``search_words`` (no positions), marked by kind and by title/body:

- the dictionary words of each Thai run (newmm): whole-word ranking;
- what the post *contains* on cluster boundaries, as one token each: every cluster, and
  every word of the archive's :class:`~archive.vocabulary.Vocabulary` wherever it occurs,
  inside other words too. A query that is one of those (``นา``, ``การ``, ``ต้องการ``) is
  then one posting list, read in a few milliseconds, where a phrase over clusters would
  check positions in half the archive.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from typing import TYPE_CHECKING

from . import thai
from .folding import join_thai_runs, latin_form, match_form

if TYPE_CHECKING:
    from .vocabulary import Vocabulary

JOIN = "\ue000"  # joins a cluster to the next inside one token (a private-use letter)
DOT = "\ue005"  # after a run's end token: the run is followed by a full stop (ก.พ., จ.)
WORD_BODY, WORD_TITLE = "\ue001", "\ue002"  # newmm words
HAS_BODY, HAS_TITLE = "\ue003", "\ue004"  # clusters and vocabulary words contained


def _joined(parts: list[str]) -> list[str]:
    """c1\ue000c2 c2\ue000c3 ... cn\ue000, built in C (this runs on every run of every post)."""
    return list(map(str.__add__, map(str.__add__, parts, repeat(JOIN)), [*parts[1:], ""]))


def cluster_tokens(run: str) -> list[str]:
    """One token per cluster of a Thai run: the cluster joined to the next one."""
    return _joined(thai.clusters(run))


def _dotted(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str, bool]]:
    """``(is_thai, piece, dotted)``: ``dotted`` for a Thai run followed by a full stop.

    Thai abbreviations are letters and full stops (``ก.พ.``, ``พ.ศ.``, ``จ.เชียงใหม่``); the
    index drops punctuation, so without this mark ``ก.พ.`` would match ``จาก พรรค`` (a run
    ending in ก, then one starting with พ), and ``จ.`` every lone จ.
    """
    return [(is_thai, piece, is_thai and index + 1 < len(pieces)
             and pieces[index + 1][1].startswith("."))
            for index, (is_thai, piece) in enumerate(pieces)]


def read_pieces(text: str) -> list[tuple[bool, str, bool]]:
    """``(is_thai, piece, dotted)`` of a text or a query term as the index reads it: in its
    match form, hyphens inside Thai and spaces before ๆ dropped
    (:func:`archive.folding.join_thai_runs`)."""
    return _dotted(list(thai.pieces(join_thai_runs(match_form(text)))))


def _end_dotted(tokens: list[str]) -> list[str]:
    return [*tokens[:-1], tokens[-1] + DOT]


def _column(value: str | None) -> tuple[str, list[str], list[list[str]]]:
    """One column as ``search_fts`` indexes it, with its Thai runs and their clusters."""
    fts, runs, parts = [], [], []
    for is_thai, piece, dotted in read_pieces(value or ""):
        if is_thai:
            clusters = thai.clusters(piece)
            runs.append(piece)
            parts.append(clusters)
            joined = _joined(clusters)
            fts.append(" ".join(_end_dotted(joined) if dotted else joined))
        else:
            fts.append(latin_form(piece))
    return " ".join(fts), runs, parts


def fts_text(text: str | None) -> str:
    """The string ``search_fts`` indexes for one column of a post."""
    return _column(text)[0]


@dataclass(frozen=True)
class PostTokens:
    """What the two tables index for one post."""

    text: str  # search_fts, column text
    title: str  # search_fts, column title
    words: str  # search_words


def _aligned_words(runs: list[str], parts: list[list[str]]) -> set[str]:
    """The dictionary words of the runs that start and end on cluster boundaries.

    nlpo3 splits a few words inside a cluster (``ไอ|ค์``, 6 in 10,000): those are left out,
    so that every whole-word use is also a hit. Offsets run over the runs end to end.
    """
    words = thai.words_of_runs(runs)
    cuts = {0, *accumulate(map(len, chain.from_iterable(parts)))}
    ends = list(accumulate(map(len, words)))
    if cuts.issuperset(ends):  # nearly always: every word is on cluster boundaries
        return set(words)
    starts = [0, *ends[:-1]]
    return {word for word, start, end in zip(words, starts, ends, strict=True)
            if start in cuts and end in cuts}


def post_tokens(title: str | None, text: str | None,
                common: Vocabulary | None = None) -> PostTokens:
    """Everything the index holds for a post, segmenting each Thai run once."""
    columns = []
    found: set[str] = set()
    for value, word_mark, has_mark in ((title, WORD_TITLE, HAS_TITLE),
                                       (text, WORD_BODY, HAS_BODY)):
        fts, runs, parts = _column(value)
        columns.append(fts)
        if runs:
            found.update(map(word_mark.__add__, _aligned_words(runs, parts)))
            contained = set(chain.from_iterable(parts))
            if common is not None:
                contained |= common.found(parts)
            found.update(map(has_mark.__add__, contained))
    # any order: FTS5 keeps no positions here, so 'delete' only needs the same tokens
    return PostTokens(columns[1], columns[0], " ".join(found))


@dataclass(frozen=True)
class TermTokens:
    """A query term as ``search_fts`` tokens, and what whole-word ranking needs."""

    tokens: tuple[str, ...]  # phrase tokens; Latin pieces are left for unicode61 to split
    prefix: bool  # the last token is a prefix
    run: str | None  # the term is this one Thai run, no star (maybe in search_words whole)
    clusters: int  # how many clusters that run has
    words: tuple[str, ...]  # the dictionary words of the term's Thai runs

    def contained(self, common: Vocabulary | None) -> str | None:
        """The term, when search_words records every post that contains it."""
        if self.run is None or not (self.clusters == 1 or (common and self.run in common)):
            return None
        return self.run


def searchable(piece: str) -> bool:
    return any(ch.isalnum() or unicodedata.category(ch).startswith("M") for ch in piece)


def term_pieces(term: str) -> list[tuple[bool, str, bool]]:
    """``(is_thai, piece, dotted)`` for the pieces of a query term that are searched
    (:func:`_dotted`); the snippets' patterns are made from the same."""
    return [(is_thai, piece, dotted) for is_thai, piece, dotted
            in read_pieces(term) if is_thai or searchable(piece)]


def term_tokens(term: str, prefix: bool = False) -> TermTokens:
    """Tokens for one query term or phrase, matching what :func:`fts_text` indexed.

    A Thai run followed by more of the term must end there in the text too, so its end
    token is kept (marked when a full stop follows: ``ก.พ.``). The last run may go on in the text: its end token is left out, and a run
    of one cluster becomes a prefix (the cluster joined to anything). With ``prefix`` the
    last cluster may also be the start of a longer cluster.
    """
    parts = term_pieces(term)
    tokens: list[str] = []
    words: list[str] = []
    for is_thai, piece, dotted in parts[:-1]:
        if is_thai:
            joined = cluster_tokens(piece)
            tokens.extend(_end_dotted(joined) if dotted else joined)
        else:
            tokens.append(latin_form(piece))
        words.extend(thai.words(piece) if is_thai else [])
    last_prefix = prefix
    if parts and parts[-1][2]:  # a Thai run and a full stop: the run ends there
        last = parts[-1][1]
        words.extend(thai.words(last))
        tokens.extend(_end_dotted(cluster_tokens(last)))
    elif parts and parts[-1][0]:
        last = parts[-1][1]
        words.extend(thai.words(last))
        ending = cluster_tokens(last)[:-1]
        if not ending:  # one cluster: joined to anything, or (with a star) any longer cluster
            ending = [last if prefix else last + JOIN]
            last_prefix = True
        tokens.extend(ending)
    elif parts:
        tokens.append(latin_form(parts[-1][1]))
    run = (parts[0][1] if len(parts) == 1 and parts[0][0] and not parts[0][2] and not prefix
           else None)
    return TermTokens(tuple(tokens), last_prefix, run, len(thai.clusters(run or "")),
                      tuple(words))
