"""What is left of the syllable segmenter the search index used before issue 11.

The index now works on Thai character clusters (:mod:`archive.thai`, :mod:`archive.tokens`);
the syllable-segmented copy of every post is gone (migration m004). ``unsegment`` stays
for the web view (``goahead_unsegment``) until it moves to :func:`archive.search.search`;
the old segmenter itself lives on in ``bench/legacy_index.py`` as the benchmark's baseline.
"""

from __future__ import annotations

ZWSP = "\u200b"


def unsegment(text: str) -> str:
    return text.replace(ZWSP, "")
