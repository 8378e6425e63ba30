"""Which payloads were captured before: the digest index behind revisit records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: ``lookup(payload_digest) -> (target_uri, warc_date) | None``: an earlier capture.
#: An object with ``url`` and ``fetched_at`` (``archive.models.Capture``) also does.
Lookup = Callable[[str], Any]


def as_reference(hit: Any) -> tuple[str, str] | None:
    """``(uri, date)`` from a lookup answer: a pair, or a Capture-like object."""
    if hit is None:
        return None
    if hasattr(hit, "url") and hasattr(hit, "fetched_at"):
        return (hit.url, hit.fetched_at)
    uri, date = hit
    return (uri, date)


class DigestIndex:
    """Payload digest -> (uri, WARC-Date) of its first capture.

    Captures from this run are remembered in memory; a miss falls back to ``lookup``
    (e.g. the archive's ``capture_by_digest``), whose answer is then remembered too.
    """

    def __init__(self, lookup: Lookup | None = None) -> None:
        self.lookup = lookup
        self._seen: dict[str, tuple[str, str]] = {}

    def get(self, digest: str) -> tuple[str, str] | None:
        hit = self._seen.get(digest)
        if hit is None and self.lookup is not None:
            hit = as_reference(self.lookup(digest))
            if hit is not None:
                self._seen[digest] = hit
        return hit

    def add(self, digest: str, uri: str, date: str) -> None:
        self._seen.setdefault(digest, (uri, date))

    def __len__(self) -> int:
        return len(self._seen)
