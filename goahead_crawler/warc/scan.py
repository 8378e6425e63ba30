"""Walk a WARC file record by record, surviving damage: what is readable is found, what is
not is named (file and byte offset) and stepped over.

:func:`scan_warc` reads each record whole (digests checked, ``Content-Length`` fully
present, its gzip member ended) before it yields it. On a damaged record it yields a
:class:`Damage` and looks for the next place a record starts (a gzip member that inflates
to ``WARC/1.``, or ``WARC/1.`` itself in an uncompressed file), always further on, so a
file is read once whatever it holds: random bytes in the middle, a cut, a file that is
not a WARC at all. Memory stays bounded: bodies are read in chunks and dropped; only the
headers, and the small text block of ``warcinfo``/``metadata`` records, are kept.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
_CHUNK = 1 << 16
_SEARCH_CHUNK = 1 << 20
FIELDS_LIMIT = 1 << 20  # a warcinfo or metadata block: a few hundred bytes in our files
#: What reading a broken record raises, from warcio, zlib and the file itself.
BROKEN = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError, OSError,
          ValueError, IndexError, KeyError)


@dataclass(frozen=True)
class Damage:
    """A stretch of ``file`` that holds no readable record, from ``offset``; reading
    resumed at ``resumed`` (None: nothing readable after it)."""

    file: str
    offset: int
    reason: str
    resumed: int | None = None

    def __str__(self) -> str:
        after = (f"; read on from byte {self.resumed}" if self.resumed is not None
                 else "; nothing readable after it")
        return f"{self.file} at byte {self.offset}: {self.reason}, skipped{after}"


@dataclass(frozen=True)
class Scanned:
    """One whole, checked record: where it is and what its headers say."""

    file: str
    offset: int
    length: int  # of the record as stored (its gzip member)
    rec_type: str
    headers: StatusAndHeaders
    http_headers: StatusAndHeaders | None
    block: bytes = field(default=b"", repr=False)  # warcinfo / metadata text only

    def header(self, name: str) -> str | None:
        return self.headers.get_header(name)

    @property
    def status(self) -> int:
        code = self.http_headers.get_statuscode() if self.http_headers else ""
        return int(code) if code and code.isdigit() else 0


class RecordDamaged(ValueError):
    """The record at an offset cannot be read whole."""


def scan_warc(path: Path) -> Iterator[Scanned | Damage]:
    """Every readable record of ``path`` in file order, and a :class:`Damage` for each
    stretch that is not (an empty file is one Damage)."""
    with path.open("rb") as fh:
        yield from scan_stream(fh, path.name)


def scan_stream(fh: BinaryIO, name: str) -> Iterator[Scanned | Damage]:
    """:func:`scan_warc` over an open, seekable file called ``name``."""
    size = fh.seek(0, 2)
    if size == 0:
        yield Damage(name, 0, "empty file, no records")
        return
    offset = 0
    while offset < size:
        try:
            found = read_record_at(fh, name, offset)
        except RecordDamaged as exc:
            resumed = next_record_start(fh, offset + 1)
            yield Damage(name, offset, str(exc), resumed)
            if resumed is None:
                return
            offset = resumed
            continue
        yield found
        offset = _past_blank_lines(fh, found.offset + found.length, size)


def _past_blank_lines(fh: BinaryIO, offset: int, size: int) -> int:
    """The offset of the next record: an uncompressed record ends with two CRLFs that
    warcio leaves out of its length (a gzip member never begins with CR or LF)."""
    fh.seek(offset)
    while offset < size:
        chunk = fh.read(min(4096, size - offset))
        kept = len(chunk) - len(chunk.lstrip(b"\r\n"))
        offset += kept
        if kept < len(chunk):
            break
    return offset


def read_record_at(fh: BinaryIO, name: str, offset: int) -> Scanned:
    """The record at ``offset``, read to its end and checked; :class:`RecordDamaged`
    saying why not."""
    fh.seek(offset)
    records = ArchiveIterator(fh, check_digests="raise")
    try:
        record = next(records, None)
        if record is None:
            raise RecordDamaged("no WARC record here")
        if not record.format.startswith("warc"):  # warcio reads any 5 words as an ARC line
            raise RecordDamaged("not a WARC record (neither a gzip member nor WARC/1.x here)")
        if not record.rec_type:  # every WARC record says its WARC-Type
            raise RecordDamaged("a WARC record without a WARC-Type")
        _check_http(record)
        block = _read_through(record)
        records.read_to_end(record)
    except BROKEN as exc:
        raise RecordDamaged(_what_is_here(fh, offset, exc)) from exc
    _check_ended(records)
    start, length = records.member_info
    return Scanned(name, start, length, record.rec_type, record.rec_headers,
                   record.http_headers, block)


def _check_http(record: ArcWarcRecord) -> None:
    """warcio reads any first line as a status line; ours are ``HTTP/1.x NNN``."""
    http = record.http_headers
    if http is None or record.rec_type not in ("response", "revisit"):
        return
    if not http.protocol.startswith("HTTP/") or not http.get_statuscode().isdigit():
        raise RecordDamaged(f"HTTP block cannot be parsed (status line {http.statusline!r:.60})")


def _read_through(record: ArcWarcRecord) -> bytes:
    """Read the block to its end in chunks (digests are checked on the way); keep the
    text of a warcinfo or metadata record."""
    keep = record.rec_type in ("warcinfo", "metadata")
    kept: list[bytes] = []
    size = 0
    while chunk := record.raw_stream.read(_CHUNK):
        size += len(chunk)
        if keep and size <= FIELDS_LIMIT:
            kept.append(chunk)
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise RecordDamaged(f"record cut short ({missing} bytes of its block missing)")
    return b"".join(kept)


def _check_ended(records: ArchiveIterator) -> None:
    decompressor = records.reader.decompressor if records.reader else None
    if decompressor is not None and not decompressor.eof:
        raise RecordDamaged("gzip member cut short")


def _what_is_here(fh: BinaryIO, offset: int, exc: BaseException) -> str:
    """warcio calls anything it cannot inflate or parse an unknown format: say which."""
    reason = damage_reason(exc)
    if "Unknown archive format" not in reason:
        return reason
    fh.seek(offset)
    if fh.read(len(GZIP_MAGIC)) == GZIP_MAGIC:
        return "corrupt gzip member (its data cannot be inflated)"
    return "not a WARC record (neither a gzip member nor WARC/1.x here)"


def damage_reason(exc: BaseException) -> str:
    """What went wrong, in a few printable words (never the garbage bytes themselves)."""
    if isinstance(exc, RecordDamaged):
        return str(exc)
    text = str(exc).split(", first line", 1)[0]
    text = " ".join(text.encode("ascii", "replace").decode().split())[:120]
    if isinstance(exc, zlib.error):
        return f"corrupt gzip data ({text})"
    if isinstance(exc, StatusAndHeadersParserException):
        return f"HTTP block cannot be parsed ({text})"
    if "digest" in text.lower():
        return f"digest mismatch ({text})"
    return f"not a readable WARC record ({type(exc).__name__}: {text})"


def next_record_start(fh: BinaryIO, start: int) -> int | None:
    """The first offset at or after ``start`` where a record begins: a gzip member
    that inflates to ``WARC/1.``, or ``WARC/1.`` at a line start. Reads forward only."""
    position = start
    tail = b""
    while True:
        fh.seek(position)
        chunk = fh.read(_SEARCH_CHUNK)
        if not chunk:
            return None
        data = tail + chunk
        base = position - len(tail)
        for candidate in _candidates(data):
            if base + candidate >= start and _starts_record(fh, base + candidate):
                return base + candidate
        tail = data[-(len(WARC_MAGIC) + 1):]
        position += len(chunk)


def _candidates(data: bytes) -> list[int]:
    found = []
    for magic, shift in ((GZIP_MAGIC, 0), (b"\n" + WARC_MAGIC, 1)):
        at = data.find(magic)
        while at != -1:
            found.append(at + shift)
            at = data.find(magic, at + 1)
    return sorted(found)


def _starts_record(fh: BinaryIO, offset: int) -> bool:
    fh.seek(offset)
    head = fh.read(4096)
    if head.startswith(WARC_MAGIC):
        return True
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16).startswith(
            WARC_MAGIC)
    except zlib.error:
        return False
