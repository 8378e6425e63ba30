"""What the search tables hold for a text, and the same tokens for a query term.

Two contentless FTS5 tables (see :mod:`archive.migrations`), fed from Python because
Python's sqlite3 cannot register an FTS5 tokenizer:

``search_fts`` (positional, ``unicode61`` + Porter): every Thai run of the text becomes one
token per character cluster, the cluster joined to the next one (``โค\\ue000ร``; the run's
last cluster stands alone, ``ร\\ue000``). A word of k clusters is then a phrase of k-1
tokens, each far rarer than a bare cluster, which keeps phrase queries fast; the end token
keeps runs apart, so a phrase never matches across a space. Text between Thai runs (Latin,
digits) is left to ``unicode61`` and Porter: ``OTOPดังกล่าว`` is ``otop`` plus clusters.

``search_words`` (no positions): the dictionary words of each Thai run and every cluster,
marked by kind and by title/body. Whole-word ranking reads the words; a one-cluster query
(``นา``) reads the clusters, whose posting lists are short here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import chain, repeat

from . import thai

JOIN = "\ue000"  # joins a cluster to the next inside one token (a private-use letter)
WORD_BODY, WORD_TITLE = "\ue001", "\ue002"
CLUSTER_BODY, CLUSTER_TITLE = "\ue003", "\ue004"


def cluster_tokens(run: str) -> list[str]:
    """One token per cluster of a Thai run: the cluster joined to the next one."""
    parts = thai.clusters(run)
    following = [*parts[1:], ""]
    return [part + JOIN + after for part, after in zip(parts, following, strict=True)]


def _fts_string(pieces: list[tuple[bool, str, list[str]]]) -> str:
    out = []
    for is_thai, piece, parts in pieces:
        if is_thai:  # c1\ue000c2 c2\ue000c3 ... cn\ue000, built in C (this runs on every post)
            joined = map(str.__add__, parts, repeat(JOIN))
            out.append(" ".join(map(str.__add__, joined, [*parts[1:], ""])))
        else:
            out.append(piece)
    return " ".join(out)


def _split(text: str | None) -> list[tuple[bool, str, list[str]]]:
    return [(is_thai, piece, thai.clusters(piece) if is_thai else [])
            for is_thai, piece in thai.pieces(thai.clean(text or ""))]


def fts_text(text: str | None) -> str:
    """The string ``search_fts`` indexes for one column of a post."""
    return _fts_string(_split(text))


@dataclass(frozen=True)
class PostTokens:
    """What the two tables index for one post."""

    text: str  # search_fts, column text
    title: str  # search_fts, column title
    words: str  # search_words


def post_tokens(title: str | None, text: str | None) -> PostTokens:
    """Everything the index holds for a post, segmenting each Thai run once."""
    columns = []
    found: set[str] = set()
    for value, word_mark, cluster_mark in ((title, WORD_TITLE, CLUSTER_TITLE),
                                           (text, WORD_BODY, CLUSTER_BODY)):
        split = _split(value)
        columns.append(_fts_string(split))
        runs = [piece for is_thai, piece, _ in split if is_thai]
        if runs:
            found.update(map(word_mark.__add__, set(thai.words_of_runs(runs))))
            clusters = set(chain.from_iterable(parts for *_, parts in split))
            found.update(map(cluster_mark.__add__, clusters))
    # any order: FTS5 keeps no positions here, so 'delete' only needs the same tokens
    return PostTokens(columns[1], columns[0], " ".join(found))


@dataclass(frozen=True)
class TermTokens:
    """A query term as ``search_fts`` tokens, and what whole-word ranking needs."""

    tokens: tuple[str, ...]  # phrase tokens; Latin pieces are left for unicode61 to split
    prefix: bool  # the last token is a prefix
    cluster: str | None  # the term is this one Thai cluster (look it up in search_words)
    words: tuple[str, ...]  # the dictionary words of the term's Thai runs


def searchable(piece: str) -> bool:
    return any(ch.isalnum() or unicodedata.category(ch).startswith("M") for ch in piece)


def term_tokens(term: str, prefix: bool = False) -> TermTokens:
    """Tokens for one query term or phrase, matching what :func:`fts_text` indexed.

    A Thai run followed by more of the term must end there in the text too, so its end
    token is kept. The last run may go on in the text: its end token is left out, and a run
    of one cluster becomes a prefix (the cluster joined to anything). With ``prefix`` the
    last cluster may also be the start of a longer cluster.
    """
    parts = [(is_thai, piece) for is_thai, piece in thai.pieces(thai.clean(term))
             if is_thai or searchable(piece)]
    tokens: list[str] = []
    words: list[str] = []
    for is_thai, piece in parts[:-1]:
        tokens.extend(cluster_tokens(piece) if is_thai else [piece])
        words.extend(thai.words(piece) if is_thai else [])
    last_prefix = prefix
    if parts and parts[-1][0]:
        run = parts[-1][1]
        words.extend(thai.words(run))
        ending = cluster_tokens(run)[:-1]
        if not ending:  # one cluster: joined to anything, or (with a star) any longer cluster
            ending = [run if prefix else run + JOIN]
            last_prefix = True
        tokens.extend(ending)
    elif parts:
        tokens.append(parts[-1][1])
    single = len(parts) == 1 and parts[0][0] and not prefix
    cluster = parts[0][1] if single and len(thai.clusters(parts[0][1])) == 1 else None
    return TermTokens(tuple(tokens), last_prefix, cluster, tuple(words))
