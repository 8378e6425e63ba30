"""Rewrite the WARC headers of a crawl's files, as an older crawl would have written them
(the record blocks, their lengths and digests, as they were): for tests of archives
written before a change."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


def rewrite_heads(path: Path, out: Path, change: Callable[[bytes], bytes]) -> int:
    """Copy the WARC file ``path`` to ``out`` with ``change`` applied to each record's
    WARC headers. How many records it changed."""
    changed, data, kept = 0, path.read_bytes(), bytearray()
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            start_at = records.get_record_offset()
            record.content_stream().read()
            raw = gzip.decompress(data[start_at:start_at + records.get_record_length()])
            head, sep, block = raw.partition(b"\r\n\r\n")
            new = change(head)
            changed += new != head
            kept += gzip.compress(new + sep + block)
    out.write_bytes(bytes(kept))
    return changed
