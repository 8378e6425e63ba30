"""WARC file names, the ``.open`` convention, finalising, and repair after a crash.

A file is written as ``NAME.warc.gz.open`` and renamed to ``NAME.warc.gz`` only after it
is complete and fsynced, so a finished-looking name always means a complete file. A crash
leaves an ``.open`` file whose last gzip member may be cut short; :func:`repair_open_file`
keeps every complete record and cuts off the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
import socket
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.errors import ArchiveReadOnly

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
_CHUNK = 1 << 20


WARC_DIR = "warcs"
# what a folder's finished WARC files are named: goahead writes .warc.gz; a plain .warc
# someone adds (another tool's) is read by every command as well
WARC_NAMES = (WARC_SUFFIX, ".warc")


def folder_warcs(directory: str | Path) -> tuple[list[Path], list[str]]:
    """The finished WARC files of ``directory`` (by name), and a line for each path named
    like one that is no file: one rule for every reader (reindex, index, wacz, the crawl
    summary). reindex read ``*.warc`` too while index and wacz did not, so a plain .warc
    was rebuilt into the archive and left out of its index and WACZ."""
    directory = Path(directory)
    found, skipped = readable_files(sorted({p for name in WARC_NAMES
                                            for p in directory.glob(f"*{name}")}))
    return found, skipped + _open_names(directory)[1]


def _open_names(directory: Path) -> tuple[list[Path], list[str]]:
    """The ``.open`` files of ``directory`` and a line for each path so named that is no
    file (a folder, a link to nothing: the crawl's repair opened it, a traceback)."""
    return readable_files(sorted(directory.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")))


def readable_files(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """``paths`` that are files, and a line for each that is not (a folder named
    ``x.warc.gz``, a link to nothing): every reader of the folder opened it and stopped
    with a traceback (IsADirectoryError, FileNotFoundError), or wrote an empty index."""
    files, skipped = [], []
    for path in paths:
        if path.is_dir() or not path.exists():  # a FIFO or a device is read as a file is
            what = "a folder" if path.is_dir() else "a link to nothing"
            skipped.append(f"{path}: {what}, not a WARC file; skipped")
        else:
            files.append(path)
    return files, skipped


def warc_folder(given: str | None, db_path: str = "archive.db") -> Path:
    """The WARC folder of the archive ``db_path``, one rule for every command (the crawl
    that writes it and the commands that read it): ``--warc-dir`` when given; else
    warcs/ beside the archive when it is there; else ./warcs when it is there (where an
    older goahead wrote, whatever --db said); else warcs/ beside the archive, made by a
    crawl. With the default --db the two are one folder."""
    if given:
        return Path(given)
    beside = Path(db_path).parent / WARC_DIR
    if not beside.is_dir() and Path(WARC_DIR).is_dir():
        return Path(WARC_DIR)
    return beside


def settings_warc_folder(settings: Any) -> Path:
    """The crawl's WARC folder from its Scrapy settings: ``GOAHEAD_WARC_DIR`` when a run
    or a project set it (``goahead crawl``, ``scrapy crawl -s``, Scrapyd's ``setting=``,
    an add-on user's settings); left at goahead's default ("warcs"), :func:`warc_folder`'s
    rule for ``GOAHEAD_ARCHIVE_DB``, so that ``goahead reindex/serve/warc-get --db`` find
    what a Scrapyd job wrote (its own working folder's warcs/ was none of theirs)."""
    from scrapy.settings import SETTINGS_PRIORITIES

    given = settings.get("GOAHEAD_WARC_DIR")
    if given != WARC_DIR or settings.getpriority("GOAHEAD_WARC_DIR") > SETTINGS_PRIORITIES[
            "project"]:
        return Path(given)
    return warc_folder(None, settings.get("GOAHEAD_ARCHIVE_DB"))


def check_writable(directory: Path) -> None:
    """Prove that WARC files can be written into ``directory`` (made if missing) before a
    crawl's first request: found at the first record, a read-only folder had cost requests
    and ended the run 'failed', with a resume line that would fail the same way."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise ArchiveReadOnly(f"cannot write WARC files into {directory}"
                              f" ({exc.strerror or exc}); nothing was fetched",
                              hint="make it writable, or give another --warc-dir") from None


def safe_hostname(name: str | None = None) -> str:
    """This machine's host name, reduced to characters safe in a file name."""
    return re.sub(r"[^A-Za-z0-9.]+", "_", name or socket.gethostname()) or "localhost"


def warc_filename(prefix: str, when: datetime, serial: int, host: str) -> str:
    """``PREFIX-YYYYMMDDhhmmss-SERIAL-HOST.warc.gz`` (timestamp in UTC)."""
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"{prefix}-{stamp}-{serial:05d}-{host}{WARC_SUFFIX}"


def finished_path(open_path: Path) -> Path:
    """``x.warc.gz.open`` -> ``x.warc.gz``."""
    if not open_path.name.endswith(OPEN_SUFFIX):
        raise ValueError(f"{open_path} is not an {OPEN_SUFFIX} file")
    return open_path.with_name(open_path.name[: -len(OPEN_SUFFIX)])


def fsync_dir(directory: Path) -> None:
    """Make a rename durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finalise(fh: BinaryIO, open_path: Path) -> Path:
    """Flush, fsync and close ``fh``, then rename ``open_path`` to its finished name."""
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()
    final = finished_path(open_path)
    open_path.rename(final)
    fsync_dir(open_path.parent)
    return final


@dataclass(frozen=True)
class Member:
    """One gzip member of a file: where it starts, how long it is, whether it ends."""

    offset: int
    length: int
    complete: bool


def iter_members(fh: BinaryIO) -> Iterator[Member]:
    """Walk the gzip members of ``fh`` from its current position, streaming."""
    offset = fh.tell()
    pending = b""
    while True:
        decomp = zlib.decompressobj(zlib.MAX_WBITS | 16)
        used = 0
        data = pending or fh.read(_CHUNK)
        if not data:
            return
        while True:
            try:
                decomp.decompress(data, 0)
            except zlib.error:
                yield Member(offset, used + len(data), False)
                return
            used += len(data) - len(decomp.unused_data)
            if decomp.eof:
                pending = decomp.unused_data
                break
            data = fh.read(_CHUNK)
            if not data:
                yield Member(offset, used, False)
                return
        yield Member(offset, used, True)
        offset += used


def member_is_record(data: bytes) -> bool:
    """True when ``data`` (one gzip member) parses as one whole WARC record."""
    try:
        it = ArchiveIterator(io.BytesIO(data), check_digests="raise")
        record = next(it, None)
        if record is None:
            return False
        record.raw_stream.read()
        # the block reader counts down from Content-Length: 0 means every byte was there
        return getattr(record.raw_stream, "limit", 0) == 0
    except (ArchiveLoadFailed, ValueError, OSError, zlib.error):
        return False


@dataclass(frozen=True)
class Repair:
    """What :func:`repair_open_file` did to one ``.open`` file."""

    path: Path  # the finished file (the .open file, when it was removed)
    records: int  # complete records kept
    kept_bytes: int
    cut_bytes: int  # bytes of the partial tail removed
    removed: bool = False  # it held no complete record: deleted, not kept as an empty file


def complete_prefix(path: Path) -> tuple[int, int]:
    """(records, bytes) of the longest prefix of ``path`` made of whole records."""
    records = end = 0
    with path.open("rb") as fh:
        for member in iter_members(fh):
            if not member.complete:
                break
            pos = fh.tell()
            fh.seek(member.offset)
            ok = member_is_record(fh.read(member.length))
            fh.seek(pos)
            if not ok:
                break
            records, end = records + 1, member.offset + member.length
    return records, end


def repair_open_file(path: Path) -> Repair:
    """Cut the partial tail off a crashed ``.open`` file, fsync it and rename it."""
    records, end = complete_prefix(path)
    size = path.stat().st_size
    if records == 0:  # a crash before its warcinfo: an empty .warc.gz that every reader
        path.unlink()  # would report as damaged, for ever, with nothing in it
        return Repair(path, 0, 0, size, removed=True)
    fh = path.open("r+b")
    fh.truncate(end)
    return Repair(finalise(fh, path), records, end, size - end)


def lock(fh: BinaryIO) -> None:
    """Mark ``fh`` as being written by this process (released when it is closed)."""
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def is_locked(path: Path) -> bool:
    """True when another open file description holds :func:`lock` on ``path``."""
    with path.open("rb") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


def find_open_files(directory: Path) -> list[Path]:
    """``.open`` WARC files left in ``directory`` (sorted, oldest name first); what is so
    named and is no file is left out (:func:`folder_warcs` says it)."""
    return _open_names(Path(directory))[0]


def crashed_files(directory: Path) -> list[Path]:
    """``.open`` files no live writer holds: left behind by a crash."""
    return [p for p in find_open_files(directory) if not is_locked(p)]
