"""Every capture in a set of WARC files, in the order it happened, and where each is damaged.

One pass over each file (:func:`goahead_crawler.warc.scan.scan_warc`): response and revisit
records become :class:`Record` s; the ``metadata`` record written beside each exchange says
how the crawl came to the URL (``goahead-source``: feed, sitemap, retry, ...), which is
what it knew when it fetched the page; damaged stretches are kept as they are found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.models import Capture
from goahead_crawler.warc.scan import Damage, Scanned, scan_warc

NOT_MODIFIED = "server-not-modified"


@dataclass
class Record:
    """Where one captured response (or revisit of one) sits in the WARC files."""

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

    @property
    def capture(self) -> Capture:
        """The captures row a crawl writes for this record (``WarcCapture``)."""
        return Capture(url=self.url, status=self.status, warc_file=self.warc_file,
                       warc_offset=self.offset, warc_length=self.length,
                       digest=self.digest or "", fetched_at=self.date,
                       record_type="revisit" if self.revisit else "response",
                       content_type=self.content_type, site=urlsplit(self.url).hostname)


@dataclass
class Timeline:
    """The captures of a set of WARC files in capture order, and the damage found."""

    records: list[Record] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    files: int = 0


def read_timeline(paths: Iterable[Path]) -> Timeline:
    """Scan every file once; records ordered by WARC-Date, then file, then offset."""
    timeline = Timeline()
    sources: dict[str, str] = {}
    for position, path in enumerate(paths):
        timeline.files += 1
        for found in scan_warc(path):
            if isinstance(found, Damage):
                timeline.damage.append(found)
            elif found.rec_type in ("response", "revisit") and found.http_headers:
                timeline.records.append(_record(found, position))
            elif found.rec_type == "metadata":
                _note_source(found, sources)
    for record in timeline.records:
        record.source = sources.get(record.record_id)
    timeline.records.sort(key=lambda r: r.order)
    return timeline


def _record(found: Scanned, position: int) -> Record:
    http = found.http_headers
    assert http is not None
    types = [v for k, v in http.headers if k.lower() == "content-type"]
    date = found.header("WARC-Date") or ""
    return Record(
        url=found.header("WARC-Target-URI") or "",
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
    )


def _note_source(found: Scanned, sources: dict[str, str]) -> None:
    """``goahead-source`` of the exchange a metadata record is concurrent to."""
    about = found.header("WARC-Concurrent-To")
    if not about or about in sources:
        return
    for line in found.block.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "goahead-source" and value.strip():
            sources[about] = value.strip()
            return
