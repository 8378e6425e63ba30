"""A captured image in a WARC file and the captures table, written by a test: what a crawl
with ``--assets`` records for an image (one response record, its row)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.captures import record_capture
from archive.models import Capture


def png() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(
        b"IEND", b"")


def write_image_capture(db: Any, warcs: Path, url: str, body: bytes,
                        content_type: str = "image/png") -> None:
    """One image response in a WARC file, and its row in the captures table."""
    warcs.mkdir(exist_ok=True)
    path = warcs / "test-00001.warc.gz"
    with path.open("ab") as fh:
        offset = fh.tell()
        writer = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)],
                                   protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                           length=len(body), http_headers=headers)
        writer.write_record(record)
        length = fh.tell() - offset
    record_capture(db, Capture(
        url=url, status=200, warc_file=path.name, warc_offset=offset, warc_length=length,
        digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        fetched_at="2024-03-01T00:00:00Z", content_type=content_type, site=None))
