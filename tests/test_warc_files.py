"""File naming, `.open` then rename, rotation, and repair of a crashed `.open` file."""

from __future__ import annotations

import errno
import gzip
import random
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from goahead_crawler.warc import files
from goahead_crawler.warc import records as rec
from goahead_crawler.warc.writer import RotatingWarcWriter

DATE = "2024-01-21T03:05:00Z"


def exchange(i: int, size: int = 2000) -> rec.Exchange:
    return rec.Exchange(
        url=f"http://example.test/p{i}",
        method="GET",
        target=f"/p{i}",
        request_headers=[("Host", "example.test")],
        request_body=b"",
        status=200,
        reason="OK",
        protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/plain")],
        body=random.Random(i).randbytes(size),  # incompressible: sizes are predictable
    )


def pair(w: RotatingWarcWriter, i: int) -> list:
    resp = rec.build_response(w.builder, exchange(i), DATE)
    return [resp, rec.build_request(w.builder, exchange(i), DATE, rec.record_id(resp))]


def read_types(path: Path) -> list[tuple[str, str | None]]:
    with path.open("rb") as fh:
        return [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
            for r in ArchiveIterator(fh, check_digests="raise")
        ]


def test_name_follows_prefix_time_serial_host() -> None:
    when = datetime(2024, 1, 21, 3, 5, 9, tzinfo=UTC)
    assert files.warc_filename("goahead", when, 7, "box-1") == (
        "goahead-20240121030509-00007-box-1.warc.gz"
    )
    assert files.safe_hostname("my host/x") == "my_host_x"


def test_file_is_open_while_written_and_renamed_when_closed(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, "t", info={"software": "test"}, host="h")
    written = w.write(pair(w, 1))
    assert w.current_path is not None
    assert w.current_path.name.endswith(".warc.gz.open")
    assert files.is_locked(w.current_path)
    assert re.fullmatch(r"t-\d{14}-00001-h\.warc\.gz", written[0].filename)
    assert not list(tmp_path.glob("*.warc.gz"))
    final = w.close()
    assert final == tmp_path / written[0].filename
    assert not list(tmp_path.glob("*.open"))
    assert read_types(final) == [
        ("warcinfo", None),
        ("response", "http://example.test/p1"),
        ("request", "http://example.test/p1"),
    ]


def test_offsets_and_lengths_point_at_records(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, "t", host="h")
    written = w.write(pair(w, 1)) + w.write(pair(w, 2))
    path = w.close()
    data = path.read_bytes()
    assert written[-1].offset + written[-1].length == len(data) == w.bytes_written
    with path.open("rb") as fh:
        fh.seek(written[2].offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_headers.get_header("WARC-Target-URI") == "http://example.test/p2"


def test_rotation_keeps_groups_together_and_numbers_files(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, "t", max_size=3000, host="h")
    for i in range(5):
        w.write(pair(w, i))
    w.close()
    finished = sorted(tmp_path.glob("*.warc.gz"))
    assert len(finished) == len(w.finished) >= 3
    assert [p.name.split("-")[2] for p in finished] == [
        f"{n:05d}" for n in range(1, len(finished) + 1)
    ]
    for path in finished:
        types = [t for t, _ in read_types(path)]
        assert types[0] == "warcinfo"
        assert types[1:] == ["response", "request"] * ((len(types) - 1) // 2)


def test_rejects_non_positive_size(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_size"):
        RotatingWarcWriter(tmp_path, max_size=0)


def crashed(tmp_path: Path, records: int = 4) -> tuple[Path, int]:
    """A `.open` file as a crash leaves it: complete records then half a record."""
    w = RotatingWarcWriter(tmp_path, "t", host="h")
    for i in range(records):
        w.write(pair(w, i))
    path = w.current_path
    full = path.read_bytes()
    w._fh.close()  # the process dies: the file is never finalised or renamed
    return path, len(full)


@pytest.mark.parametrize("cut", [1, 40, 300, 1500])
def test_repair_cuts_a_partial_last_record(tmp_path: Path, cut: int) -> None:
    path, size = crashed(tmp_path)
    b = rec.MemberWriter()
    partial = b.member(pair(RotatingWarcWriter(tmp_path / "x", host="h"), 99)[0])
    with path.open("ab") as fh:
        fh.write(partial[:cut])
    assert files.crashed_files(tmp_path) == [path]
    repair = files.repair_open_file(path)
    assert repair.cut_bytes == cut
    assert repair.kept_bytes == size
    assert repair.records == 1 + 4 * 2
    assert repair.path == files.finished_path(path)
    assert not path.exists()
    assert len(read_types(repair.path)) == 9


def test_repair_of_a_clean_cut_keeps_everything(tmp_path: Path) -> None:
    path, size = crashed(tmp_path, records=2)
    repair = files.repair_open_file(path)
    assert (repair.records, repair.kept_bytes, repair.cut_bytes) == (5, size, 0)


def test_repair_stops_at_garbage(tmp_path: Path) -> None:
    path, size = crashed(tmp_path, records=1)
    with path.open("ab") as fh:
        fh.write(b"not gzip at all" * 10)
    repair = files.repair_open_file(path)
    assert (repair.records, repair.kept_bytes) == (3, size)


def test_a_file_held_by_a_live_writer_is_not_crashed(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, "t", host="h")
    w.write(pair(w, 1))
    assert files.find_open_files(tmp_path) == [w.current_path]
    assert files.crashed_files(tmp_path) == []
    w.close()


def test_a_whole_gzip_member_with_a_short_record_is_not_a_record() -> None:
    b = rec.MemberWriter(level=1)
    full = zlib.decompress(
        b.member(pair(RotatingWarcWriter(Path("unused"), host="h"), 1)[0]), zlib.MAX_WBITS | 16
    )
    assert files.member_is_record(gzip.compress(full))
    assert not files.member_is_record(gzip.compress(full[: len(full) // 2]))
    assert not files.member_is_record(gzip.compress(b"hello"))


class FullDisk:
    """A file that fills up after ``room`` more bytes, as a full disk does."""

    def __init__(self, fh: object, room: int) -> None:
        self.fh, self.room = fh, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.fh.write(data[: self.room])
            self.fh.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.fh.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self.fh, name)


def test_a_write_error_leaves_the_file_open_for_repair(tmp_path: Path) -> None:
    w = RotatingWarcWriter(tmp_path, "t", host="h")
    w.write(pair(w, 1))
    path, good = w.current_path, w.bytes_written
    w._fh = FullDisk(w._fh, room=500)
    with pytest.raises(OSError, match="No space"):
        w.write(pair(w, 2))
    assert w.broken == path
    with pytest.raises(OSError, match="stopped after a write error"):
        w.write(pair(w, 3))
    assert w.close() is None
    assert path.exists()
    assert not list(tmp_path.glob("*.warc.gz"))
    assert path.stat().st_size == good + 500
    repair = files.repair_open_file(path)
    assert (repair.records, repair.kept_bytes, repair.cut_bytes) == (3, good, 500)


def test_a_write_error_in_a_files_warcinfo_stops_the_writer(tmp_path: Path,
                                                              monkeypatch) -> None:
    """A full disk at rotation refused the new file's warcinfo outside the writer's guard:
    the writer was not stopped, and the .open file left behind held no record."""
    w = RotatingWarcWriter(tmp_path, "t", host="h")
    real_open = Path.open

    def full_disk(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        fh = real_open(self, mode, *args, **kwargs)
        return FullDisk(fh, room=10) if mode == "xb" else fh

    monkeypatch.setattr(Path, "open", full_disk)
    with pytest.raises(OSError, match="No space"):
        w.write(pair(w, 1))
    monkeypatch.undo()
    assert w.broken is not None
    with pytest.raises(OSError, match="stopped after a write error"):
        w.write(pair(w, 2))


@pytest.mark.parametrize("content", [b"", b"\x1f\x8b\x08\x00partial warcinfo"])
def test_repair_removes_a_file_that_holds_no_record(tmp_path: Path, content: bytes) -> None:
    """Kept, it became an empty (or broken) .warc.gz that every reindex and index after
    reported as damaged, with nothing in it."""
    path = tmp_path / "t-20240101000000000-00001-h.warc.gz.open"
    path.write_bytes(content)
    repair = files.repair_open_file(path)
    assert repair.removed
    assert (repair.records, repair.cut_bytes) == (0, len(content))
    assert list(tmp_path.iterdir()) == []


def test_what_is_named_like_an_open_file_and_is_none_is_skipped_and_said(tmp_path: Path
                                                                        ) -> None:
    """A folder or a link to nothing named ``x.warc.gz.open``: the crawl's repair of crashed
    files opened it (IsADirectoryError, FileNotFoundError at its start) and its summary
    sized it (a traceback after the crawl); the readers of the folder said nothing."""
    (tmp_path / "dir.warc.gz.open").mkdir()
    (tmp_path / "gone.warc.gz.open").symlink_to(tmp_path / "nowhere")
    assert files.find_open_files(tmp_path) == []
    assert files.crashed_files(tmp_path) == []
    assert files.folder_warcs(tmp_path) == ([], [
        f"{tmp_path / 'dir.warc.gz.open'}: a folder, not a WARC file; skipped",
        f"{tmp_path / 'gone.warc.gz.open'}: a link to nothing, not a WARC file; skipped"])
