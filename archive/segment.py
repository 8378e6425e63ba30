"""Thai syllable segmentation for the search index.

Thai is written without spaces between words, and SQLite's ``unicode61`` tokenizer (with
``categories 'L* N* Co M*'``) keeps a whole Thai run as one token. We split Thai runs into
syllables and join them with U+200B (ZERO WIDTH SPACE), which the tokenizer treats as a
separator. Removing U+200B gives back the original text, so snippets come from the
original. Queries are segmented with the same function, so a word inside a compound
(``ชุมชน`` in ``พัฒนาชุมชน``) matches as a phrase of syllables.

The engine is pythainlp's syllable dictionary with newmm maximal matching
(``subword_tokenize(engine="dict")``). When ``nlpo3`` (the Rust port of newmm) is installed
the same dictionary runs through it: identical output, about 60x faster.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

ZWSP = "\u200b"
# Thai block (U+0E00-U+0E7F): consonants, vowels, tone marks, digits.
_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")


@lru_cache(maxsize=1)
def _engine() -> Callable[[str], list[str]]:
    import pythainlp

    try:
        import nlpo3
    except ImportError:
        from pythainlp.tokenize import subword_tokenize

        return lambda run: subword_tokenize(run, engine="dict")
    path = Path(pythainlp.__file__).parent / "corpus" / "syllables_th.txt"
    nlpo3.load_dict(str(path), "goahead_syllables")
    return lambda run: nlpo3.segment(run, "goahead_syllables")


def engine_name() -> str:
    """Which implementation :func:`segment` uses (for benchmarks and ``--version``)."""
    _engine()
    try:
        import nlpo3  # noqa: F401
    except ImportError:
        return "pythainlp-dict"
    return "nlpo3-dict"


def syllables(run: str) -> list[str]:
    """Split one run of Thai characters into syllables."""
    return [s for s in _engine()(run) if s]


def segment(text: str) -> str:
    """Insert U+200B between the Thai syllables of ``text``; other text is unchanged.

    Existing U+200B characters are removed first, so ``unsegment(segment(t))`` equals
    ``t`` without them.
    """
    text = text.replace(ZWSP, "")
    return _THAI_RUN.sub(lambda m: ZWSP.join(syllables(m.group())), text)


def unsegment(text: str) -> str:
    return text.replace(ZWSP, "")
