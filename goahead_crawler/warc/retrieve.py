"""Get an archived response back by URL: the captures table says where, the WARC says what.

No scanning: the captures table gives (file, offset) and :func:`read_response` reads that
one gzip member. A revisit record is followed to the full response it relies on
(:func:`goahead_crawler.warc.revisits.relied_on`: its payload digest, at the URL its
``WARC-Refers-To-Target-URI`` names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from warcio.statusandheaders import StatusAndHeaders

from archive.captures import (
    captured_spellings,
    confirmed_capture,
    latest_capture,
    response_relied_on,
)
from archive.models import Capture
from archive.timestamps import to_utc
from goahead_crawler.blogger.urls import normalise_host, request_url
from goahead_crawler.warc.reader import (
    RevisitRecord,
    StoredResponse,
    read_head,
    read_response,
)
from goahead_crawler.warc.revisits import is_not_modified, relied_on

T = TypeVar("T")
_UPPER = "99991231235959"  # YYYYMMDDhhmmss: pads a partial timestamp to the end of its span


class CaptureNotFound(LookupError):
    """No capture of the URL (at or before the given time) in the archive."""


class WarcFileMissing(FileNotFoundError):
    """The captures table names a WARC file that is not in the WARC directory."""

    def __init__(self, warc_file: str, warc_dir: Path, why: str = "") -> None:
        super().__init__(f"WARC file {warc_file} not found in {warc_dir.resolve()}"
                         f"{': ' + why if why else ''} (pass --warc-dir)")
        self.warc_file, self.warc_dir, self.why = warc_file, warc_dir, why


@dataclass(frozen=True)
class Retrieved:
    """An archived response: ``headers`` that describe its body (a response's own, an
    identical-payload revisit's own: a 200 for the same bytes; for a 304, which describes
    no body, those of the capture it ``confirmed``), ``payload`` as stored
    (content-encoded), ``decoded`` with Content-Encoding undone (on first use, bounded:
    :class:`~goahead_crawler.warc.reader.PayloadTooLarge`), ``original`` the full
    response the body is read from (None when it is the capture's own)."""

    capture: Capture
    headers: StatusAndHeaders
    body: StoredResponse
    original: Capture | None = None
    confirmed: Capture | None = None  # for a 304: the capture it confirmed

    @property
    def head(self) -> Capture:
        """The capture whose recorded headers are ``headers``: the one a 304 confirmed,
        else the capture itself."""
        return self.confirmed or self.capture

    @property
    def payload(self) -> bytes:
        return self.body.payload

    @property
    def decoded(self) -> bytes:
        return self.body.decoded


def at_bound(text: str) -> str:
    """The latest ``fetched_at`` value (``YYYY-MM-DDThh:mm:ssZ``) that ``--at TEXT`` admits.

    A moment (``2024-01-05T10:00:00+07:00``; UTC when no offset) is itself; a partial
    timestamp, with or without separators (``2024``, ``2024-01-05``, ``20240105103000``),
    stands for the end of its span, as in the Wayback Machine.
    """
    text = text.strip()
    if "T" in text or " " in text:
        moment = to_utc(text)
        if moment is not None:
            return moment
    digits = re.sub(r"[-:TZ ]", "", text)
    if not digits.isdigit() or len(digits) not in (4, 6, 8, 10, 12, 14):
        raise ValueError(
            f"cannot read {text!r} as a time: use 2024-01-05, 2024-01-05T10:00:00Z "
            "or 20240105100000"
        )
    d = digits + _UPPER[len(digits):]
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}Z"


def _read(warc_dir: Path, capture: Capture) -> StoredResponse:
    return _from_file(read_response, warc_dir, capture)


def _from_file(read: Callable[[Path, str, int], T], warc_dir: Path, capture: Capture) -> T:
    try:
        return read(warc_dir, capture.warc_file, capture.warc_offset)
    except FileNotFoundError as exc:
        raise WarcFileMissing(capture.warc_file, warc_dir) from exc


def recorded_head(warc_dir: str | Path, capture: Capture) -> bytes:
    """The capture's HTTP status line and headers byte for byte as its record holds them
    (a revisit's own): what ``goahead warc-get --headers`` prints. ``Retrieved.headers``
    is warcio's reading of them, which a header of latin-1 bytes does not survive."""
    return _from_file(read_head, Path(warc_dir), capture)


def _spellings(url: str) -> list[str]:
    """The other spellings ``url`` may be archived under: as the crawl fetched it
    (``request_url``), and on the host a Blogger country domain redirects to, which the
    crawl fetches (``x.blogspot.co.th``, the address Thai readers long saw, is the
    ``.com`` blog). A view of a page (``?m=1``) stays another URL."""
    fetched = request_url(url)
    if fetched is None:
        return []
    parts = urlsplit(fetched)
    on_blog = urlunsplit(parts._replace(netloc=normalise_host(parts.netloc)))
    return [u for u in dict.fromkeys((fetched, on_blog)) if u != url]


def _escaped_otherwise(db: Any, url: str, bound: str | None) -> Capture | None:
    """The newest capture of ``url`` recorded with escapes in another case (``%e0%b8%82``:
    a request before the crawl wrote them in upper case sent a link as the page spelled
    it), which ``request_url`` makes the same URL; None when there is none."""
    names = {u for u in map(request_url, (url, *_spellings(url))) if u is not None}
    found = [latest_capture(db, other, at=bound) for spelling in names
             for other in captured_spellings(db, spelling)
             if request_url(other) in names]
    return max((c for c in found if c is not None),
               key=lambda c: c.fetched_at or "", default=None)


def retrieve(db: Any, warc_dir: str | Path, url: str, at: str | None = None) -> Retrieved:
    """The newest capture of ``url`` (at or before ``at``, see :func:`at_bound`), read
    from its WARC record; a revisit's body comes from the response it relies on, and a
    304's headers too (see :class:`Retrieved`).

    Raises :class:`CaptureNotFound`, :class:`WarcFileMissing`, or ``ValueError`` when the
    record at the stored offset is not the expected one.
    """
    warc_dir = Path(warc_dir)
    bound = at_bound(at) if at else None
    capture = latest_capture(db, url, at=bound)
    for spelling in _spellings(url):  # café.jpg, 5.BP.blogspot.com, x.blogspot.co.th
        if capture is not None:
            break
        capture = latest_capture(db, spelling, at=bound)
    if capture is None:
        capture = _escaped_otherwise(db, url, bound)
    if capture is None:
        when = f" at or before {bound}" if bound else ""
        raise CaptureNotFound(f"no capture of {url}{when} in the archive")
    return _followed(db, warc_dir, capture)


def _followed(db: Any, warc_dir: Path, capture: Capture) -> Retrieved:
    """``capture`` read, a revisit followed: a 304 to the capture it confirmed (which is
    no 304), an identical-payload revisit to the response it relies on."""
    try:
        stored = _read(warc_dir, capture)
    except RevisitRecord as revisit:
        if is_not_modified(revisit.profile):  # the 304's head describes no body
            confirmed = confirmed_capture(db, capture.url, revisit.digest, capture.fetched_at)
            if confirmed is None:
                raise CaptureNotFound(
                    f"{capture.url} was captured as a 304 Not Modified at "
                    f"{capture.fetched_at}, but no capture of it with digest "
                    f"{revisit.digest} before then is in the archive") from revisit
            with _relying(capture, "304 Not Modified", confirmed, warc_dir):
                shown = _followed(db, warc_dir, confirmed)
            return replace(shown, capture=capture, original=shown.original or confirmed,
                           confirmed=confirmed)
        uri, digest = relied_on(capture.url, revisit.uri, revisit.digest)
        original = response_relied_on(db, uri, digest, capture.fetched_at)
        if original is None:
            raise CaptureNotFound(
                f"{capture.url} was captured as a revisit of {revisit.uri} ({revisit.date}), "
                f"but no full response with digest {digest} of {uri} is in the archive"
            ) from revisit
        with _relying(capture, "revisit", original, warc_dir):
            body = _read(warc_dir, original)
        return Retrieved(capture, revisit.headers, body, original)
    return Retrieved(capture, stored.headers, stored)


@contextmanager
def _relying(capture: Capture, kind: str, on: Capture, warc_dir: Path) -> Iterator[None]:
    """A missing file met while reading what the revisit ``capture`` relies on (``on``)
    says so: the file the user's capture is in is there, another is not."""
    try:
        yield
    except WarcFileMissing as exc:
        if exc.why:  # said by a revisit further down already
            raise
        of = "its capture" if on.url == capture.url else f"the capture of {on.url}"
        raise WarcFileMissing(exc.warc_file, warc_dir, f"the {kind} captured "
                              f"{capture.fetched_at} relies on {of} of {on.fetched_at}"
                              ) from exc
