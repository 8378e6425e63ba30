"""A bound on a response's header section, which nothing else bounds.

Scrapy's ``DOWNLOAD_MAXSIZE`` counts the body only, and Twisted's HTTP client parser cuts a
single header line past 16 KiB but takes any number of them: a server answering a status
line then headers for ever grew the crawl by about 50 MB a second until
``DOWNLOAD_TIMEOUT`` (60 s: 3 GB, and again for each retry). Past
:data:`MAX_HEADER_BYTES` the parser raises :class:`HeadersTooLarge`, on which Twisted's
protocol drops the connection: the request fails (is retried, then reported) like any
lost connection, with that reason.

Neither offers a setting for it: :func:`install` puts a subclass of the parser where they
look it up (Scrapy's HTTP/1.1 handler turns each of Twisted's parsers into its own lenient
one), once per process; the add-on calls it.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers import http11
from twisted.web import _newclient

# Far above any real server's (Apache, nginx: 8 KiB a line, 100 lines; Google: tens of KiB).
MAX_HEADER_BYTES = 256 * 1024


class HeadersTooLarge(Exception):
    """The server sent more header bytes than :data:`MAX_HEADER_BYTES`."""


class BoundedHeaders:
    """Mixed before an HTTP response parser: it hangs up past :data:`MAX_HEADER_BYTES` of
    status line and headers."""

    header_bytes = 0
    state: Any

    def lineReceived(self, line: bytes) -> None:
        if self.state in (_newclient.STATUS, _newclient.HEADER):
            self.header_bytes += len(line) + 1
            if self.header_bytes > MAX_HEADER_BYTES:  # Twisted's protocol gives up on it
                raise HeadersTooLarge(f"response headers past {MAX_HEADER_BYTES:,} bytes")
        super().lineReceived(line)  # type: ignore[misc]


def bounded(parser: type) -> type:
    """``parser`` with :class:`BoundedHeaders` (itself when it has it already)."""
    if issubclass(parser, BoundedHeaders):
        return parser
    return type(f"Bounded{parser.__name__}", (BoundedHeaders, parser), {})


def install() -> None:
    """Bound the headers of every response this process reads (idempotent)."""
    _newclient.HTTPClientParser = bounded(_newclient.HTTPClientParser)
    lenient = getattr(http11, "_LenientHTTPClientParser", None)  # Scrapy 2.14 on
    if lenient is not None:
        http11._LenientHTTPClientParser = bounded(lenient)
