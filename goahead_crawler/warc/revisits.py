"""What a revisit record relies on: the one rule ``warc-get``, ``index`` and ``wacz`` share.

A revisit has no body. A re-crawl writes one of two kinds: a server-not-modified revisit
(a 304 to a conditional request: the 304's headers, which describe no body) and an
identical-payload-digest revisit (a 200 whose bytes an earlier capture holds: its own
headers). Either is replayed from a full response: the one with its payload digest at the
URL it refers to (``WARC-Refers-To-Target-URI``, its own URL when absent), as pywb
resolves a revisit. When that response is in none of the files a replay reads, the
revisit does not replay, and the commands say so.
"""

from __future__ import annotations

#: The server-not-modified profile's ending, WARC 1.0 and 1.1 alike.
_NOT_MODIFIED = "/revisit/server-not-modified"


def is_not_modified(profile: str | None) -> bool:
    """Whether a revisit's ``WARC-Profile`` is server-not-modified (a 304, no body)."""
    return (profile or "").endswith(_NOT_MODIFIED)


def relied_on(url: str, refers_to: str | None, digest: str) -> tuple[str, str]:
    """The full response a revisit of ``url`` relies on, as (URL, payload digest): the
    URL it refers to (``refers_to``; ``url`` itself when the record names none)."""
    return (refers_to or url, digest)
