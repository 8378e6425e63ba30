"""The words the index records whole wherever they occur: those a phrase would make slow.

A query of k clusters is a phrase of k-1 tokens in ``search_fts``, and FTS5 checks positions
in every post that has all of them. When each of those tokens is common (``ต้องการ``: ต้อง,
งกา, การ), that is a large part of the archive. So the index also records, per post, which
of these words it contains on cluster boundaries (:mod:`archive.tokens`), and such a query
reads one posting list instead.

The list (``archive/data/vocabulary.txt``) is the words of pythainlp's dictionary and of the
Thai National Corpus frequency list whose cluster pairs are all common: each pair is
estimated, from the corpus frequencies, to be in at least :data:`COMMON` of news posts of
1,800 clusters. Other words are cheap as phrases (one rare pair is enough). The list is
copied into each archive when its index is created, so an archive is always read with the
list it was built with. Regenerate it with ``python -m archive.vocabulary``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from operator import itemgetter

import ahocorasick

from . import thai
from .tokens import cluster_tokens

SHIPPED = "data/vocabulary.txt"  # package data (read through importlib: eggs are zip files)
COMMON = 0.03  # share of posts a cluster pair must be in for a word to count as costly
POST_CLUSTERS = 1_800  # clusters in a typical Thai news post (the synthetic benchmark's)


CUT = "\x00"  # between clusters in the string the automaton reads
RUN_END = "\x01"  # between Thai runs: no word spans two


class Vocabulary:
    """Words found wherever they occur on cluster boundaries.

    An Aho-Corasick automaton (pyahocorasick, in C) reads a column's Thai runs as one
    string with :data:`CUT` between clusters, each word stored as its clusters with
    :data:`CUT` on both ends: a match can then only start and end on cluster boundaries,
    and every occurrence is found in one pass (a Python trie walk over cluster tokens took
    three times as long, the largest part of indexing a post).
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        for word in self.words:
            if len(parts := thai.clusters(word)) > 1:  # one cluster: the cluster itself
                self._automaton.add_word(delimited([parts]), word)
        if len(self._automaton):
            self._automaton.make_automaton()

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def found(self, runs: list[list[str]]) -> set[str]:
        """The words in Thai runs, each given as its clusters (:func:`thai.clusters`)."""
        if not runs or not len(self._automaton):
            return set()
        return set(map(_value, self._automaton.iter(delimited(runs))))


_value = itemgetter(1)


def delimited(runs: list[list[str]]) -> str:
    """Runs of clusters as the automaton reads them: ``\\0c1\\0c2\\0\\1\\0c3\\0``."""
    return CUT + f"{CUT}{RUN_END}{CUT}".join(map(CUT.join, runs)) + CUT


_BUILT: dict[str, Vocabulary] = {}


def fingerprint(words: str) -> str:
    return hashlib.sha1(words.encode("utf-8")).hexdigest()


def vocabulary(words: str, sha1: str | None = None) -> Vocabulary:
    """The vocabulary from its stored form (one word a line), built once per process."""
    key = sha1 or fingerprint(words)
    if key not in _BUILT:
        _BUILT[key] = Vocabulary(words.split())
    return _BUILT[key]


def cached(sha1: str) -> Vocabulary | None:
    return _BUILT.get(sha1)


def shipped() -> str:
    """The list a new archive gets, one word a line."""
    return resources.files("archive").joinpath(SHIPPED).read_text(encoding="utf-8")


def generate() -> list[str]:
    """The list, computed from pythainlp's data (slow: for regenerating the shipped file)."""
    from pythainlp.corpus import thai_words, tnc

    counted = [(w, f) for w, f in tnc.word_freqs() if thai.THAI_RUN.fullmatch(w)]
    pairs: Counter[str] = Counter()
    for word, frequency in counted:
        for token in cluster_tokens(word)[:-1]:
            pairs[token] += frequency
    total = sum(pairs.values())

    def share(token: str) -> float:  # of posts with this pair, if pairs fell independently
        return 1 - (1 - pairs[token] / total) ** POST_CLUSTERS

    words = {w for w in thai_words() if thai.THAI_RUN.fullmatch(w)} | {w for w, _ in counted}
    return sorted(w for w in words if len(tokens := cluster_tokens(w)) > 1
                  and min(map(share, tokens[:-1])) >= COMMON)


if __name__ == "__main__":  # python -m archive.vocabulary > archive/data/vocabulary.txt
    print("\n".join(generate()))
