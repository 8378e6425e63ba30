"""Thai text as the search index sees it: character clusters and dictionary words.

Thai is written without spaces between words. A dictionary segmenter splits the same word
differently depending on its neighbours (``โครงการสามารถ`` is ``โครง|กา|รสา|มารถ`` to the
syllable dictionary), so an index of dictionary segments misses matches. Thai Character
Clusters (TCC) do not have that problem: a cluster is the smallest unit no word boundary
falls inside, and the rules are local, so a word splits into the same clusters wherever it
occurs. The index therefore matches on clusters, and uses dictionary words (pythainlp's
newmm, run by nlpo3) only to rank whole-word uses first.

The TCC rules are Theeramunkong et al. (2000) as pythainlp writes them
(``pythainlp/tokenize/tcc.py``, Apache-2.0, credits: Jakkrit TeCho, Wittawat Jitkrittum,
Korakot Chaovavanich). They are copied here rather than imported because the index must
split text exactly as it did when it was built: a change of rules in a pythainlp release
would otherwise make old archives miss matches. One rule is changed: a consonant with
SARA UE or SARA UEE (``ึ``, ``ื``) no longer takes the next consonant into its cluster,
because a word can end there (the particles รึ, หึ, อึ): with the original rule
``รึดังกล่าว`` clusters as ``รึด|ั|ง…`` and the word ดังกล่าว is not on cluster boundaries.
A test checks that both agree on everything else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .folding import search_form_rule

# How archive.tokens lays a run out as tokens, for the fingerprint: changed, every archive
# is re-indexed (U+E000 joins a cluster to the next, and ends a run; U+E005 after the end
# marks a run followed by a full stop).
TOKEN_LAYOUT = "joined clusters, end U+E000, full stop after a run U+E005"
# Thai letters, vowels and marks (U+0E01-U+0E3A, U+0E40-U+0E4E). Thai digits, the baht sign
# and Thai punctuation (U+0E3F, U+0E4F-U+0E5B) are not part of a run: digits are numbers.
THAI_RUN = re.compile(r"[\u0e01-\u0e3a\u0e40-\u0e4e]+")
_THAI_SPLIT = re.compile(f"({THAI_RUN.pattern})")

_TCC_RULES = """\
c[ั]([่-๋]c)?
c[ั]([่-๋]c)?k
เc็ck
เcctาะk
เccีtยะk
เccีtย(?=[เ-ไก-ฮ]|$)k
เc[ิีุู]tย(?=[เ-ไก-ฮ]|$)k
เcc็ck
เcิc์ck
เcิtck
เcีtยะ?k
เcืtอะk
เcื
เctา?ะ?k
c[ึื]tk
c[ะ-ู]tk
c[ิุู]์
cรรc์
c็
ct[ะาำ]?k
แc็ck
แcc์k
แctะk
แcc็ck
แccc์k
โctะk
[เ-ไ]ctk
ก็
อึ
หึ
"""


def _tcc_pattern() -> re.Pattern[str]:
    """The rules as one regex: at each position the first rule that matches, else one
    character (what pythainlp's loop over ``re.match`` does, in one pass).

    Rules are grouped by their first character, keeping their order inside a group: rules
    that start with different characters never match at the same position, so the first
    match is unchanged, and the regex engine tries far fewer alternatives.
    """
    rules = (
        _TCC_RULES.replace("k", "(cc?[d|ิ]?[์])?")
        .replace("c", "[ก-ฮ]")
        .replace("t", "[่-๋]?")
        .replace("d", "ูุ")
        .split()
    )
    groups: dict[str, list[str]] = {}
    for rule in (re.sub(r"\((?!\?)", "(?:", rule) for rule in rules):
        if rule.startswith("[ก-ฮ]"):
            groups.setdefault("[ก-ฮ]", []).append(rule.removeprefix("[ก-ฮ]"))
        elif rule.startswith("[เ-ไ]"):
            for vowel in "เแโใไ":
                groups.setdefault(vowel, []).append(rule.removeprefix("[เ-ไ]"))
        elif rule[0] in "เแโใไ":
            groups.setdefault(rule[0], []).append(rule[1:])
        else:  # ก็ อึ หึ: consonants, after the consonant rules (which already match them)
            groups["[ก-ฮ]"].append(rule[1:])
    alternatives = "|".join(f"{lead}(?:{'|'.join(rest)})" for lead, rest in groups.items())
    return re.compile(f"{alternatives}|.", re.DOTALL)


_TCC = _tcc_pattern()


def clusters(run: str) -> list[str]:
    """The Thai Character Clusters of ``run``, in order (they concatenate back to it)."""
    return _TCC.findall(run)


def pieces(text: str) -> Iterator[tuple[bool, str]]:
    """``(is_thai, piece)`` for the Thai runs of ``text`` and the text between them."""
    for index, piece in enumerate(_THAI_SPLIT.split(text)):
        if piece:
            yield bool(index % 2), piece


@lru_cache(maxsize=1)
def _word_engine() -> Callable[[str], list[str]]:
    """newmm over pythainlp's word list: nlpo3 (Rust) when installed, else pythainlp."""
    import pythainlp

    try:
        import nlpo3
    except ImportError:  # pragma: no cover - nlpo3 is a dependency; kept for odd platforms
        from pythainlp.tokenize import word_tokenize

        return lambda run: word_tokenize(run, engine="newmm", keep_whitespace=False)
    path = Path(pythainlp.__file__).parent / "corpus" / "words_th.txt"
    nlpo3.load_dict(str(path), "goahead_words")
    return lambda run: nlpo3.segment(run, "goahead_words")


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What a post's index tokens depend on besides its text: the search form of text
    (:func:`archive.folding.search_form`), the cluster rules, the word list and the
    segmenter. Stored with the index: FTS5 drops a contentless row only when given the very
    tokens it indexed, which a new pythainlp or nlpo3 may cut differently; and an index
    built under other rules is rebuilt before it is searched (:mod:`archive.search_index`)."""
    import pythainlp

    digest = hashlib.sha1(_TCC_RULES.encode("utf-8"))
    digest.update(search_form_rule().encode("utf-8"))
    digest.update(TOKEN_LAYOUT.encode("utf-8"))
    digest.update((Path(pythainlp.__file__).parent / "corpus" / "words_th.txt").read_bytes())
    for package in ("pythainlp", "nlpo3"):
        try:
            digest.update(f"{package} {metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:  # pragma: no cover - see _word_engine
            digest.update(f"{package} absent".encode())
    return digest.hexdigest()


def words(run: str) -> list[str]:
    """Dictionary words of one Thai run (newmm maximal matching)."""
    return [word for word in _word_engine()(run) if word]


def words_of_runs(runs: list[str]) -> list[str]:
    """The words of many runs in one call to the segmenter (a line break stops a word)."""
    found = _word_engine()("\n".join(runs))
    if found.count("\n") != len(runs) - 1:  # pragma: no cover - a word across a line break
        return [word for run in runs for word in words(run)]
    return [word for word in found if word != "\n"]
