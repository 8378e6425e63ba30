"""A WARC writer that keeps one file open, rotates by size and never leaves a
finished-looking partial file (see :mod:`goahead_crawler.warc.files`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord

from goahead_crawler.warc.files import (
    OPEN_SUFFIX,
    finalise,
    lock,
    safe_hostname,
    warc_filename,
)
from goahead_crawler.warc.records import MemberWriter, build_warcinfo


@dataclass(frozen=True)
class Written:
    """Where one record landed: file name (no directory), offset and gzipped length."""

    filename: str
    offset: int
    length: int


class RotatingWarcWriter:
    """Write records as gzip members to ``DIR/PREFIX-TIME-SERIAL-HOST.warc.gz.open``.

    Each file starts with a warcinfo record built from ``info`` (a mapping, or a
    callable returning one, called as each file opens). A group of records
    passed to :meth:`write` always lands in one file; rotation happens before a group
    once the file has reached ``max_size`` bytes. Every record is flushed as written.
    """

    def __init__(
        self,
        directory: Path,
        prefix: str = "goahead",
        max_size: int = 1_000_000_000,
        info: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        builder: MemberWriter | None = None,
        host: str | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if max_size <= 0:
            raise ValueError("max_size must be positive")
        self.directory = Path(directory)
        self.prefix, self.max_size, self.info = prefix, max_size, info or {}
        self.builder = builder or MemberWriter()
        self.host = safe_hostname(host)
        self.now = now
        self.serial = 0
        self.finished: list[Path] = []
        self.bytes_written = 0  # gzipped bytes, warcinfo records included
        self.records_written = 0
        self._fh: BinaryIO | None = None
        self._path: Path | None = None
        self._name = ""
        self._size = 0
        self.broken: Path | None = None  # an .open file left for repair after a write error

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._path

    def write(self, records: Sequence[ArcWarcRecord]) -> list[Written]:
        """Write ``records`` to one file. After an ``OSError`` the file may end in a
        partial record: it is closed but left as ``.open`` (see :attr:`broken`) for
        :func:`~goahead_crawler.warc.files.repair_open_file`, and the error re-raised."""
        if self.broken is not None:
            raise OSError(f"WARC writer stopped after a write error in {self.broken.name}")
        if self._fh is not None and self._size >= self.max_size:
            self.close()
        try:
            if self._fh is None:
                self._open()  # its warcinfo record too: a full disk may refuse it
            return [self._write_one(r) for r in records]
        except OSError:
            self._abandon()
            raise

    def close(self) -> Path | None:
        """Finish the current file (fsync + rename); returns its final path."""
        if self._fh is None or self._path is None:
            return None
        fh, path = self._fh, self._path
        self._fh, self._path = None, None
        final = finalise(fh, path)
        self.finished.append(final)
        return final

    def _abandon(self) -> None:
        fh, self.broken = self._fh, self._path
        self._fh, self._path = None, None
        if fh is not None:
            with contextlib.suppress(OSError):
                fh.close()

    def _write_one(self, record: ArcWarcRecord) -> Written:
        assert self._fh is not None
        data = self.builder.member(record)
        offset = self._size
        self._fh.write(data)
        self._fh.flush()
        self._size += len(data)
        self.bytes_written += len(data)
        self.records_written += 1
        return Written(self._name, offset, len(data))

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self.serial += 1
            name = warc_filename(self.prefix, self.now(), self.serial, self.host)
            path = self.directory / (name + OPEN_SUFFIX)
            if (self.directory / name).exists():
                continue
            try:
                self._fh = path.open("xb")
            except FileExistsError:
                continue
            break
        self._path, self._name, self._size = path, name, 0
        lock(self._fh)
        date = self.builder.curr_warc_date()
        info = self.info() if callable(self.info) else self.info
        self._write_one(build_warcinfo(self.builder, name, date, info))
