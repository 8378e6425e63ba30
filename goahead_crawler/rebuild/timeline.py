"""Every capture in a set of WARC files, in the order it happened, and where each is damaged.

One pass over each file (:func:`goahead_crawler.warc.scan.scan_warc`): response and revisit
records become :class:`Record` s; the ``metadata`` record written beside each exchange says
how the crawl came to the URL (``goahead-source``: feed, sitemap, retry, ...), which is
what it knew when it fetched the page; the ``warcinfo`` record heading each file names the
crawl that wrote it (``isPartOf``); ``goahead-completed`` and ``goahead-held`` records say
which posts a crawl stored again with their images, or held back unstored, and
``goahead-failed`` ones which it asked for and could not fetch (:class:`PostNote` s).
Damaged stretches are kept as they are found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.models import Capture
from goahead_crawler.blogger.urls import upper_escapes
from goahead_crawler.warc.records import COMPLETED_FIELD, FAILED_FIELD, HELD_FIELD, IMAGE_FIELD
from goahead_crawler.warc.scan import Damage, Scanned, scan_warc

NOT_MODIFIED = "server-not-modified"


@dataclass
class Record:
    """Where one captured response (or revisit of one) sits in the WARC files."""

    # the URL the crawl keys it by: escapes in upper case (``request_url``). A crawl before
    # fetched a link as a page spelled it (``%e0%b8%82``) and its record keeps that: ``target``
    url: str
    date: str
    warc_file: str
    offset: int
    length: int  # of the gzip member (the record as stored)
    status: int
    digest: str | None
    revisit: bool
    content_type: str | None
    record_id: str = ""
    order: tuple[str, int, int] = ("", 0, 0)  # (WARC-Date, file position, offset)
    source: str | None = None  # goahead-source of the request, from its metadata record
    location: str | None = None  # a redirect's Location header, as sent
    crawl: str = ""  # the crawl that wrote it: its file's isPartOf, else the file's name
    target: str = ""  # WARC-Target-URI as recorded, when ``url`` spells it otherwise

    @property
    def capture(self) -> Capture:
        """The captures row a crawl writes for this record (``WarcCapture``)."""
        return Capture(url=self.target or self.url, status=self.status, warc_file=self.warc_file,
                       warc_offset=self.offset, warc_length=self.length,
                       digest=self.digest or "", fetched_at=self.date,
                       record_type="revisit" if self.revisit else "response",
                       content_type=self.content_type, site=urlsplit(self.url).hostname)


@dataclass
class PostNote:
    """A crawl's metadata record about a post: it stored the post, whose page an earlier
    crawl captured, again with ``images`` (``records.COMPLETED_FIELD``), or it held the
    post back unstored when it stopped (``records.HELD_FIELD``; no images)."""

    url: str
    images: list[str]
    order: tuple[str, int, int]
    crawl: str = ""


@dataclass
class Timeline:
    """The captures of a set of WARC files in capture order, and the damage found."""

    records: list[Record] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    files: int = 0
    crawls: dict[str, bytes] = field(default_factory=dict)  # crawl -> its warcinfo block
    completions: list[PostNote] = field(default_factory=list)  # in capture order
    held: list[PostNote] = field(default_factory=list)  # posts a stopped crawl held back
    failed: list[PostNote] = field(default_factory=list)  # asked for, could not be fetched


def read_timeline(paths: Iterable[Path]) -> Timeline:
    """Scan every file once; records ordered by WARC-Date, then file, then offset."""
    timeline = Timeline()
    notes: dict[str, dict[str, str]] = {}
    for position, path in enumerate(paths):
        timeline.files += 1
        crawl, first = path.name, len(timeline.records)
        done, kept, lost = len(timeline.completions), len(timeline.held), len(timeline.failed)
        for found in scan_warc(path):
            if isinstance(found, Damage):
                timeline.damage.append(found)
            elif found.rec_type in ("response", "revisit") and found.http_headers:
                timeline.records.append(_record(found, position))
            elif found.rec_type == "metadata" and block_field(found.block, COMPLETED_FIELD):
                timeline.completions.append(PostNote(
                    found.header("WARC-Target-URI") or "",
                    block_fields(found.block, IMAGE_FIELD),
                    (found.header("WARC-Date") or "", position, found.offset)))
            elif found.rec_type == "metadata" and block_field(found.block, HELD_FIELD):
                timeline.held.append(PostNote(found.header("WARC-Target-URI") or "", [],
                                                (found.header("WARC-Date") or "", position,
                                                 found.offset)))
            elif found.rec_type == "metadata" and block_field(found.block, FAILED_FIELD):
                timeline.failed.append(PostNote(found.header("WARC-Target-URI") or "", [],
                                                (found.header("WARC-Date") or "", position,
                                                 found.offset)))
            elif found.rec_type == "metadata":
                _note_metadata(found, notes)
            elif found.rec_type == "warcinfo" and crawl == path.name:
                crawl = block_field(found.block, "isPartOf") or crawl
                timeline.crawls.setdefault(crawl, found.block)
        for item in [*timeline.records[first:], *timeline.completions[done:],
                     *timeline.held[kept:], *timeline.failed[lost:]]:
            item.crawl = crawl
    for record in timeline.records:
        note = notes.get(record.record_id, {})
        record.source = note.get("goahead-source")
    timeline.records.sort(key=lambda r: r.order)
    timeline.completions.sort(key=lambda c: c.order)
    return timeline


def _record(found: Scanned, position: int) -> Record:
    http = found.http_headers
    assert http is not None
    types = [v for k, v in http.headers if k.lower() == "content-type"]
    date = found.header("WARC-Date") or ""
    target = found.header("WARC-Target-URI") or ""
    return Record(
        url=upper_escapes(target),
        target=target,
        date=date,
        warc_file=found.file,
        offset=found.offset,
        length=found.length,
        status=found.status,
        digest=found.header("WARC-Payload-Digest"),
        revisit=found.rec_type == "revisit",
        content_type=types[-1] if types else None,  # Scrapy's headers.get: the last one
        record_id=found.header("WARC-Record-ID") or "",
        order=(date, position, found.offset),
        location=http.get_header("Location") if 300 <= found.status < 400 else None,
    )


def _note_metadata(found: Scanned, notes: dict[str, dict[str, str]]) -> None:
    """``goahead-source`` of the exchange a metadata record is concurrent to
    (the first metadata record about it wins)."""
    about = found.header("WARC-Concurrent-To")
    if not about or about in notes:
        return
    source = block_field(found.block, "goahead-source")
    notes[about] = {"goahead-source": source} if source else {}


def block_field(block: bytes, name: str) -> str | None:
    """The value of ``name: value`` in a warcinfo or metadata record's block (the first
    non-empty one; names compared without case)."""
    found = block_fields(block, name)
    return found[0] if found else None


def block_fields(block: bytes, name: str) -> list[str]:
    """Every non-empty value of ``name`` in a warcinfo or metadata record's block."""
    values = []
    for line in block.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower() and value.strip():
            values.append(value.strip())
    return values
