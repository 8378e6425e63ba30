"""Read one captured response back from a WARC file by (file, offset), within bounds.

The body comes back as stored (``payload``, still content-encoded) and decoded exactly as
the crawl's spider saw it: Scrapy's own ``HttpCompressionMiddleware`` decoders, capped at
the crawl's ``DOWNLOAD_MAXSIZE``. Nothing is ever inflated without that cap: a captured
gzip bomb raises :class:`PayloadTooLarge` after 64 MiB, as the crawl dropped it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from goahead_crawler.settings import DOWNLOAD_MAXSIZE
from goahead_crawler.warc.files import OPEN_SUFFIX
from goahead_crawler.warc.scan import BROKEN, RecordDamaged, damage_reason

#: The most a WARC payload is read or inflated to: the crawl's own DOWNLOAD_MAXSIZE.
MAX_PAYLOAD = DOWNLOAD_MAXSIZE
#: The most a record's HTTP status line and headers are read to: a bound, as for the body,
#: far above what any server sends.
MAX_HEAD = 1 << 20
_CHUNK = 1 << 16


class NotAResponse(ValueError):
    """The record at the stored offset is not the response the archive says is there."""


class UnreadableRecord(ValueError):
    """The record at ``warc_file``/``offset`` is damaged (or its body cannot be decoded)."""

    def __init__(self, warc_file: str, offset: int, reason: str) -> None:
        super().__init__(f"{warc_file} at byte {offset}: {reason}")
        self.warc_file, self.offset, self.reason = warc_file, offset, reason


class PayloadTooLarge(UnreadableRecord):
    """The body (as stored, or inflated) is larger than the crawl's limit."""

    def __init__(self, warc_file: str, offset: int, limit: int, what: str) -> None:
        super().__init__(warc_file, offset, f"{what} is larger than the {limit:,}-byte limit "
                                            "(DOWNLOAD_MAXSIZE); not read further")


class RevisitRecord(ValueError):
    """The record is a revisit: its body is the earlier capture of ``uri`` at ``date``
    with payload digest ``digest``; ``profile`` its WARC-Profile (a 304's headers describe
    no body: :func:`goahead_crawler.warc.revisits.is_not_modified`)."""

    def __init__(self, headers: StatusAndHeaders, uri: str, date: str, digest: str,
                 profile: str | None = None) -> None:
        super().__init__(f"revisit of {uri} captured at {date} ({digest})")
        self.headers, self.uri, self.date, self.digest = headers, uri, date, digest
        self.profile = profile


class StoredResponse:
    """``headers``: HTTP status line and headers; ``payload``: the body as sent (still
    content-encoded); ``decoded``: Content-Encoding undone (on first use, bounded). It
    unpacks as ``headers, payload, decoded``."""

    def __init__(self, headers: StatusAndHeaders, payload: bytes, where: tuple[str, int],
                 limit: int = MAX_PAYLOAD) -> None:
        self.headers, self.payload, self.where, self.limit = headers, payload, where, limit

    @cached_property
    def decoded(self) -> bytes:
        return decode_body(self.payload, self.headers, self.where, self.limit)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.headers, self.payload, self.decoded))


def _resolve(warc_dir: Path, warc_file: str) -> Path:
    path = warc_dir / Path(warc_file).name
    open_path = path.with_name(path.name + OPEN_SUFFIX)
    return open_path if not path.exists() and open_path.exists() else path


def read_response(warc_dir: str | Path, warc_file: str, offset: int,
                  limit: int = MAX_PAYLOAD) -> StoredResponse:
    """The response record at ``offset`` of ``warc_dir/warc_file`` (digests checked).

    Raises ``FileNotFoundError`` for a missing file, :class:`RevisitRecord` for a
    revisit, :class:`NotAResponse` when the record there is not a response,
    :class:`UnreadableRecord` when it is damaged and :class:`PayloadTooLarge` when its
    body passes ``limit`` bytes.
    """
    with _record_at(Path(warc_dir), warc_file, offset, check_digests="raise") as record:
        _refuse_other_records(record, warc_file, offset)
        assert record is not None
        if record.http_headers is None:  # its WARC head damaged: warcio parsed no HTTP
            raise UnreadableRecord(warc_file, offset, "a response record whose WARC head is"
                                   " damaged: its HTTP status line and headers cannot be read")
        payload = _read_payload(record, (warc_file, offset), limit)
    return StoredResponse(record.http_headers, payload, (warc_file, offset), limit)


def read_head(warc_dir: str | Path, warc_file: str, offset: int,
              limit: int = MAX_HEAD) -> bytes:
    """The HTTP status line and headers of the record at ``offset``, with the blank line
    that ends them, byte for byte as stored.

    warcio's parsed headers cannot give them back: it decodes each line as UTF-8, else as
    latin-1, so ``caf\\xe9`` and ``caf\\xc3\\xa9`` both read as ``café``, and it rebuilds
    ``Name: value`` from the parts. Raises as :func:`read_response` does for a missing file
    or a damaged record, and :class:`UnreadableRecord` for a head longer than ``limit``.
    """
    lines: list[bytes] = []
    size = 0
    with _record_at(Path(warc_dir), warc_file, offset, no_record_parse=True) as record:
        if record is None:
            raise NotAResponse(f"{warc_file}@{offset} holds nothing, not a response record")
        while line := record.raw_stream.readline(limit - size + 1):
            size += len(line)
            if size > limit:
                raise UnreadableRecord(warc_file, offset, f"HTTP headers longer than "
                                                          f"{limit:,} bytes")
            lines.append(line)
            if line in (b"\r\n", b"\n"):
                break
    return b"".join(lines)


@contextmanager
def _record_at(warc_dir: Path, warc_file: str, offset: int,
               **reading: Any) -> Iterator[ArcWarcRecord | None]:
    """The record at ``offset`` (``reading``: ArchiveIterator's options); damage found
    while it is read, in the ``with`` block too, raises :class:`UnreadableRecord`."""
    with _resolve(warc_dir, warc_file).open("rb") as fh:
        fh.seek(offset)
        try:
            yield next(iter(ArchiveIterator(fh, **reading)), None)
        except BROKEN as exc:
            if isinstance(exc, NotAResponse | RevisitRecord | UnreadableRecord):
                raise
            raise UnreadableRecord(warc_file, offset, damage_reason(exc)) from exc


def _refuse_other_records(record: ArcWarcRecord | None, warc_file: str, offset: int) -> None:
    if record is not None and record.rec_type == "revisit":
        h = record.rec_headers
        raise RevisitRecord(record.http_headers, h.get_header("WARC-Refers-To-Target-URI"),
                            h.get_header("WARC-Refers-To-Date"),
                            h.get_header("WARC-Payload-Digest"), h.get_header("WARC-Profile"))
    if record is None or record.rec_type != "response":
        found = record.rec_type if record else "nothing"
        raise NotAResponse(f"{warc_file}@{offset} holds {found}, not a response record")


def _read_payload(record: ArcWarcRecord, where: tuple[str, int], limit: int) -> bytes:
    """The body as stored, read in chunks, never more than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := record.raw_stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(*where, limit, "the stored body")
        chunks.append(chunk)
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise RecordDamaged(f"record cut short ({missing} bytes of its block missing)")
    return b"".join(chunks)


def decode_body(payload: bytes, headers: StatusAndHeaders, where: tuple[str, int],
                limit: int = MAX_PAYLOAD) -> bytes:
    """``payload`` with its Content-Encoding undone as the crawl's
    ``HttpCompressionMiddleware`` undoes it (same decoders, same order, encodings it
    does not know left in place), never inflated past ``limit`` bytes."""
    encodings = [value.encode("latin-1") for name, value in headers.headers
                 if name.lower() == "content-encoding"]
    if not encodings:
        return payload
    # Imported here: reading a record needs no Scrapy, only decoding one as the crawl did.
    from scrapy.downloadermiddlewares.httpcompression import (
        HttpCompressionMiddleware as middleware,
    )
    from scrapy.utils._compression import _DecompressionMaxSizeExceeded

    to_decode, _kept = middleware._split_encodings(encodings)
    try:
        for encoding in to_decode:
            payload = middleware._decode(payload, encoding, limit)
    except _DecompressionMaxSizeExceeded as exc:
        raise PayloadTooLarge(*where, limit, "the inflated body") from exc
    except Exception as exc:  # each decoder has its own error type (zlib, brotli, zstd)
        raise UnreadableRecord(*where, f"body cannot be decoded ({damage_reason(exc)})") from exc
    return payload
