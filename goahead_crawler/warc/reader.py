"""Read one captured response back from a WARC file by (file, offset)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from goahead_crawler.warc.files import OPEN_SUFFIX


class StoredResponse(NamedTuple):
    """``headers``: HTTP status line and headers; ``payload``: the body as sent
    (still content-encoded); ``decoded``: the body with Content-Encoding undone."""

    headers: StatusAndHeaders
    payload: bytes
    decoded: bytes


class NotAResponse(ValueError):
    """The record at the stored offset is not the response the archive says is there."""


class RevisitRecord(ValueError):
    """The record is a revisit: its body is the earlier capture of ``uri`` at ``date``
    with payload digest ``digest``."""

    def __init__(self, headers: StatusAndHeaders, uri: str, date: str, digest: str) -> None:
        super().__init__(f"revisit of {uri} captured at {date} ({digest})")
        self.headers, self.uri, self.date, self.digest = headers, uri, date, digest


def _resolve(warc_dir: Path, warc_file: str) -> Path:
    path = warc_dir / Path(warc_file).name
    open_path = path.with_name(path.name + OPEN_SUFFIX)
    return open_path if not path.exists() and open_path.exists() else path


def read_response(warc_dir: str | Path, warc_file: str, offset: int) -> StoredResponse:
    """The response record at ``offset`` of ``warc_dir/warc_file`` (digests checked).

    Raises ``FileNotFoundError`` for a missing file, :class:`RevisitRecord` for a
    revisit, and ``ValueError`` when the record there is not a response.
    """
    with _resolve(Path(warc_dir), warc_file).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh, check_digests="raise")), None)
        if record is not None and record.rec_type == "revisit":
            h = record.rec_headers
            raise RevisitRecord(
                record.http_headers,
                h.get_header("WARC-Refers-To-Target-URI"),
                h.get_header("WARC-Refers-To-Date"),
                h.get_header("WARC-Payload-Digest"),
            )
        if record is None or record.rec_type != "response":
            found = record.rec_type if record else "nothing"
            raise NotAResponse(f"{warc_file}@{offset} holds {found}, not a response record")
        payload = record.raw_stream.read()
        fh.seek(offset)
        decoded = next(iter(ArchiveIterator(fh))).content_stream().read()
        return StoredResponse(record.http_headers, payload, decoded)
