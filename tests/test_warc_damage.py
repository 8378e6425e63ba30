"""Damaged WARC files and a captured gzip bomb (issue 12): what is damaged is skipped and
named (file and byte offset), everything readable is still read, decompression stops at
the crawl's 64 MiB, and the commands say so in warnings with exit status 1, never a
traceback: ``reindex``, ``index``, ``wacz`` and ``warc-get``. Most commands run in this
process (CliRunner with ``catch_exceptions=False``: a traceback fails the test); the gzip
bomb's run in subprocesses, whose peak memory is measured."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from goahead_crawler.warc import records as rec
from goahead_crawler.warc.scan import Damage, Scanned, scan_warc
from goahead_crawler.warc.writer import RotatingWarcWriter
from sampleblog.server import start
from tests.conftest import ROOT, invoke_goahead, run_goahead

WARNING = re.compile(r"^warning: (\S+) at byte (\d+): (.+)$", re.MULTILINE)
MiB = 1 << 20


# -- damage, made to order -----------------------------------------------------------------

def members(path: Path) -> list[Scanned]:
    return [x for x in scan_warc(path) if isinstance(x, Scanned)]


def insert_random(path: Path) -> int:
    """192 random bytes into the middle of the file (inside a record). Returns where."""
    data = path.read_bytes()
    at = len(data) // 2
    path.write_bytes(data[:at] + os.urandom(192) + data[at:])
    return at


def cut_in_half(path: Path) -> int:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return len(data) // 2


def corrupt_member(path: Path) -> int:
    """Scramble 32 bytes in the middle of the deflate data of the middle record."""
    found = members(path)
    victim = found[len(found) // 2]
    data = bytearray(path.read_bytes())
    at = victim.offset + victim.length // 2
    data[at:at + 32] = bytes(b ^ 0x5A for b in data[at:at + 32])
    path.write_bytes(bytes(data))
    return victim.offset


def bad_http_record(url: str) -> bytes:
    """A whole, well-formed gzip member holding a WARC response whose HTTP block is not
    HTTP at all."""
    block = b"\x00\x01 this is no status line\r\n\r\nbody"
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
            "WARC-Date: 2024-01-01T00:00:00Z\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(block)}\r\n\r\n").encode()
    return gzip.compress(head + block + b"\r\n\r\n")


def insert_bad_http(path: Path) -> int:
    found = members(path)
    at = found[len(found) // 2].offset
    data = path.read_bytes()
    path.write_bytes(data[:at] + bad_http_record("http://127.0.0.1/2024/01/bad.html")
                     + data[at:])
    return at


DAMAGE: dict[str, Callable[[Path], int]] = {
    "random-bytes-in-the-middle": insert_random,
    "cut-in-half": cut_in_half,
    "corrupt-gzip-member": corrupt_member,
    "unparseable-http-block": insert_bad_http,
}


# -- the scanner, on literal damage ----------------------------------------------------------

@pytest.fixture
def small_warc(tmp_path: Path) -> Path:
    writer = RotatingWarcWriter(tmp_path, "t", host="h")
    for n in range(8):
        ex = rec.Exchange(url=f"http://blog.test/2024/01/p{n}.html", method="GET",
                          target=f"/2024/01/p{n}.html", request_headers=[("Host", "blog.test")],
                          request_body=b"", status=200, reason="OK", protocol="HTTP/1.1",
                          response_headers=[("Content-Type", "text/html")],
                          body=os.urandom(3000))  # incompressible: members are big
        writer.write([rec.build_response(writer.builder, ex, "2024-01-21T03:05:00Z")])
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    return path


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_scan_skips_names_and_reads_on(small_warc: Path, damage: str) -> None:
    before = [(m.offset, m.rec_type) for m in members(small_warc)]
    at = DAMAGE[damage](small_warc)
    found = list(scan_warc(small_warc))
    damaged = [x for x in found if isinstance(x, Damage)]
    good = [x for x in found if isinstance(x, Scanned)]
    assert len(damaged) == 1, damaged
    assert damaged[0].file == small_warc.name
    assert damaged[0].offset <= at
    lost = 0 if damage == "unparseable-http-block" else 1
    if damage == "cut-in-half":
        lost = len([o for o, _ in before if o >= damaged[0].offset])
    assert len(good) == len(before) - lost
    if damage != "cut-in-half":  # records after the damage are found again
        assert good[-1].header("WARC-Target-URI").endswith("/p7.html")


@pytest.mark.parametrize(("content", "reason"), [(b"", "empty file"),
                                                 (b"not a warc\n" * 50, "not a WARC record")])
def test_scan_of_a_file_that_is_no_warc(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(content)
    (damage,) = scan_warc(path)
    assert isinstance(damage, Damage)
    assert reason in damage.reason
    assert damage.resumed is None


# -- the commands, on a crawled blog -----------------------------------------------------------

@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> dict:
    """Two blogs crawled into one WARC folder, and the archive rebuilt from it intact."""
    out = tmp_path_factory.mktemp("damage")
    with start(["goahead", "contempo"]) as site:
        for blog in ("goahead", "contempo"):
            done = run_goahead("crawl", site.urls[blog], "--db", str(out / "crawl.db"),
                               "--warc-dir", str(out / "warcs"), "--delay", "0",
                               "--no-progress")
            assert done.returncode == 0, done.stderr[-3000:]
    intact = run_goahead("reindex", "--warc-dir", str(out / "warcs"), "--db",
                         str(out / "intact.db"))
    assert intact.returncode == 0, intact.stderr
    files = sorted((out / "warcs").glob("*.warc.gz"))
    assert len(files) == 2
    return {"out": out, "files": files, "posts": post_rows(out / "intact.db")}


def post_rows(db: Path) -> dict[str, tuple[str, int, int]]:
    with sqlite3.connect(db) as conn:
        return {url: (f, o, n) for url, f, o, n in conn.execute(
            "SELECT url, warc_file, warc_offset, warc_length FROM posts")}


def copy_warcs(crawled: dict, tmp_path: Path) -> Path:
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    for path in crawled["files"]:
        shutil.copy(path, warcs / path.name)
    return warcs


def damaged_copy(crawled: dict, damage: str, tmp_path: Path) -> tuple[Path, int]:
    warcs = copy_warcs(crawled, tmp_path)
    return warcs, DAMAGE[damage](warcs / crawled["files"][0].name)


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


@pytest.mark.crawl
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_reindex_skips_the_damage_and_rebuilds_the_rest(crawled: dict, damage: str,
                                                       tmp_path: Path) -> None:
    warcs, at = damaged_copy(crawled, damage, tmp_path)
    db = tmp_path / "rebuilt.db"
    done = invoke_goahead("reindex", "--warc-dir", str(warcs), "--db", str(db))
    assert done.returncode == 1, done.stdout + done.stderr
    warnings = WARNING.findall(done.stderr)
    assert warnings, done.stderr
    damaged_file = crawled["files"][0].name
    assert {w[0] for w in warnings} == {damaged_file}
    rebuilt, intact = post_rows(db), crawled["posts"]
    # every post whose record lies wholly before or after the damage is rebuilt, from
    # where it was; the other blog's file, untouched, is rebuilt whole
    first_bad = min(int(w[1]) for w in warnings)
    expected = {url for url, (f, o, n) in intact.items()
                if f != damaged_file or o + n <= first_bad
                or (damage != "cut-in-half" and o > at + 192)}
    assert expected <= set(rebuilt), sorted(expected - set(rebuilt))
    if damage != "cut-in-half":  # one record lost at most: a post, or the feed page
        assert len(rebuilt) >= len(intact) - 1
    print(f"\n{damage}: {len(rebuilt)} of {len(intact)} posts and pages rebuilt; "
          f"{len(warnings)} warning(s): {warnings[0][2][:80]}")


@pytest.mark.crawl
@pytest.mark.parametrize("content", [b"", b"<html>not a WARC at all</html>\n" * 40])
def test_reindex_with_a_non_warc_file_beside_good_ones(crawled: dict, content: bytes,
                                                       tmp_path: Path) -> None:
    warcs = copy_warcs(crawled, tmp_path)
    (warcs / "junk.warc.gz").write_bytes(content)
    db = tmp_path / "rebuilt.db"
    done = invoke_goahead("reindex", "--warc-dir", str(warcs), "--db", str(db))
    assert done.returncode == 1
    assert [w[:2] for w in WARNING.findall(done.stderr)] == [("junk.warc.gz", "0")]
    assert set(post_rows(db)) == set(crawled["posts"])


@pytest.mark.crawl
def test_uncompressed_warc_files_are_rebuilt_whole(crawled: dict, tmp_path: Path) -> None:
    """A .warc (as zcat writes it): every record, not the first alone. warcio's length of
    an uncompressed record leaves out its two closing CRLFs, and the scan read on from
    there as one record without a type that swallowed the rest of the file, exit 0."""
    warcs = tmp_path / "warcs"
    warcs.mkdir()
    for path in crawled["files"]:
        (warcs / path.name.removesuffix(".gz")).write_bytes(gzip.decompress(path.read_bytes()))
    db = tmp_path / "rebuilt.db"
    done = invoke_goahead("reindex", "--warc-dir", str(warcs), "--db", str(db))
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(post_rows(db)) == set(crawled["posts"])
    gzipped = sum(len(members(path)) for path in crawled["files"])
    assert sum(len(members(path)) for path in warcs.iterdir()) == gzipped


@pytest.mark.crawl
def test_index_and_wacz_leave_the_damage_out(crawled: dict, tmp_path: Path) -> None:
    warcs, _ = damaged_copy(crawled, "random-bytes-in-the-middle", tmp_path)
    damaged = crawled["files"][0].name
    index = invoke_goahead("index", "--warc-dir", str(warcs), "--out", str(tmp_path / "i.cdxj"))
    assert index.returncode == 1
    assert {w[0] for w in WARNING.findall(index.stderr)} == {damaged}
    lines = (tmp_path / "i.cdxj").read_text().splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert {e["filename"] for e in entries} == {p.name for p in crawled["files"]}
    for entry in entries[:: max(1, len(entries) // 10)]:  # offsets are true ones
        with (warcs / entry["filename"]).open("rb") as fh:
            fh.seek(int(entry["offset"]))
            assert gzip.decompress(fh.read(int(entry["length"]))).startswith(b"WARC/1.0")
    wacz = invoke_goahead("wacz", "--db", str(crawled["out"] / "intact.db"), "--warc-dir",
                          str(warcs), "--out", str(tmp_path / "c.wacz"))
    assert wacz.returncode == 1, wacz.stderr[-2000:]
    assert "packaged without it" in wacz.stderr
    with zipfile.ZipFile(tmp_path / "c.wacz") as z:
        packed = z.read(f"archive/{damaged}")
        listed = [line for line in z.read("pages/pages.jsonl").splitlines()
                  if line.strip() and b'"format"' not in line[:40]]
    assert 0 < len(packed) < (warcs / damaged).stat().st_size
    # the line that says what was written counts the pages the WACZ lists, not those asked
    assert f" WARC file(s), {len(listed)} of {len(listed) + 1} pages, " in wacz.stdout, (
        len(listed), wacz.stdout)  # (it said "23 pages" of a WACZ listing 22)


def scramble_after_warcinfo(path: Path) -> int:
    """Every record but the first (the warcinfo) scrambled: nothing of the crawl reads."""
    data = bytearray(path.read_bytes())
    at = members(path)[1].offset
    data[at:] = bytes(b ^ 0x55 for b in data[at:])
    path.write_bytes(bytes(data))
    return at


@pytest.mark.crawl
def test_a_wacz_refused_for_damage_names_the_damage(crawled: dict, tmp_path: Path) -> None:
    """WARC files whose records are all damaged: no page matched, and wacz said only
    "only 0 of N pages matched a record in the WARC files; no WACZ written", the damage
    it had found, the reason, unsaid. The damage is said before the error."""
    warcs = copy_warcs(crawled, tmp_path)
    for path in warcs.iterdir():
        scramble_after_warcinfo(path)
    out = tmp_path / "c.wacz"
    wacz = invoke_goahead("wacz", "--db", str(crawled["out"] / "intact.db"), "--warc-dir",
                          str(warcs), "--out", str(out))
    no_traceback(wacz)
    assert wacz.returncode == 1, wacz.stderr[-2000:]
    lines = wacz.stderr.splitlines()
    assert lines[-1].startswith("Error: only 0 of "), lines[-3:]
    assert {w[0] for w in WARNING.findall(wacz.stderr)} == {p.name for p in crawled["files"]}
    assert not out.exists()


@pytest.mark.crawl
def test_warc_get_of_a_damaged_record_is_one_line(crawled: dict, tmp_path: Path) -> None:
    warcs = copy_warcs(crawled, tmp_path)
    victim, (name, offset, length) = next(
        (url, where) for url, where in sorted(crawled["posts"].items())
        if where[0] == crawled["files"][0].name)
    data = bytearray((warcs / name).read_bytes())
    middle = offset + length // 2
    data[middle:middle + 32] = bytes(b ^ 0x5A for b in data[middle:middle + 32])
    (warcs / name).write_bytes(bytes(data))
    done = invoke_goahead("warc-get", victim, "--db", str(crawled["out"] / "intact.db"),
                          "--warc-dir", str(warcs))
    assert done.returncode == 1
    assert done.stdout == ""
    assert re.fullmatch(rf"Error: {re.escape(name)} at byte {offset}: .+\n", done.stderr), (
        done.stderr)


# -- a captured gzip bomb ------------------------------------------------------------------

BOMB_URL = "http://blog.test/2024/01/bomb.html"
GOOD_URL = "http://blog.test/2024/01/good.html"


def gzip_bomb(inflated: int = 1024 * MiB) -> bytes:
    """About 1 MB of gzip, one member, that inflates to ``inflated`` bytes of zeros.

    Deflate after a full flush starts afresh, so the compressed form of 1 MiB of zeros
    is the same bytes every time: repeat it, then end the stream and add gzip's trailer.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(MiB)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(inflated // MiB):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return (header + block * (inflated // MiB) + end
            + struct.pack("<II", crc, inflated & 0xFFFFFFFF))


def test_the_bomb_is_one_gzip_member_of_a_gib() -> None:
    bomb = gzip_bomb(64 * MiB)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    size, data = 0, bomb
    while data:
        size += len(inflater.decompress(data, 16 * MiB))
        data = inflater.unconsumed_tail
    assert (size, inflater.eof, inflater.unused_data) == (64 * MiB, True, b"")
    assert len(gzip_bomb()) < 1.1 * MiB


@pytest.fixture(scope="module")
def bomb_warcs(tmp_path_factory) -> tuple[Path, int]:
    """A WARC as a crawl captures a bomb: the body as sent, gzip, ~1 MB; and a post.
    Returns the folder and the size of the bomb as stored."""
    warcs = tmp_path_factory.mktemp("bomb") / "warcs"
    writer = RotatingWarcWriter(warcs, "bomb", host="h")
    page = b"<html><head><title>Good</title></head><body><p>fine</p></body></html>"
    bomb = gzip_bomb()
    for url, body, encoding in ((BOMB_URL, bomb, "gzip"), (GOOD_URL, page, None)):
        headers = [("Content-Type", "text/html; charset=utf-8")]
        headers += [("Content-Encoding", encoding)] if encoding else []
        path = url.split("blog.test", 1)[1]
        ex = rec.Exchange(url=url, method="GET", target=path,
                          request_headers=[("Host", "blog.test")], request_body=b"",
                          status=200, reason="OK", protocol="HTTP/1.1",
                          response_headers=headers, body=body)
        writer.write([rec.build_response(writer.builder, ex, "2024-01-21T03:05:00Z")])
    writer.close()
    return warcs, len(bomb)


def peak_rss(*args: str) -> tuple[int, subprocess.CompletedProcess]:
    """Run ``goahead ARGS`` under a small watcher; the child's peak RSS in MB."""
    watcher = ("import resource, subprocess, sys, json; "
               "r = subprocess.run(sys.argv[1:], capture_output=True); "
               "print(json.dumps([resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
               "r.returncode, len(r.stdout), r.stderr.decode(errors='replace')[-4000:]]))")
    done = subprocess.run([sys.executable, "-c", watcher, sys.executable, "-m",
                           "goahead_crawler", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=True)
    kb, code, out, err = json.loads(done.stdout)  # out: how many bytes it printed
    return kb // 1024, subprocess.CompletedProcess(args, code, out, err)


@pytest.mark.crawl
def test_a_gzip_bomb_is_cut_at_64_mib_everywhere(bomb_warcs: tuple[Path, int],
                                                  record_property) -> None:
    """Peak RSS, measured: before this, reindex passed 10 GB (MemoryError) and warc-get
    took 2.1 GB and wrote the GiB; py-wacz spooled the GiB to disk. A goahead command
    without a bomb peaks near 90 MB; the crawl's limit allows 64 MiB more."""
    bomb_warcs, stored = bomb_warcs
    db = bomb_warcs.parent / "rebuilt.db"
    figures = {}
    mb, done = peak_rss("reindex", "--warc-dir", str(bomb_warcs), "--db", str(db))
    figures["reindex"] = mb
    no_traceback(done)
    assert done.returncode == 1
    assert re.search(r"warning: bomb-\S+ at byte \d+: the inflated body is larger than "
                     r"the 67,108,864-byte limit", done.stderr), done.stderr
    assert list(post_rows(db)) == [GOOD_URL]
    out = bomb_warcs.parent / "bomb.html"
    mb, done = peak_rss("warc-get", BOMB_URL, "--db", str(db), "--warc-dir", str(bomb_warcs))
    figures["warc-get"] = mb
    no_traceback(done)
    assert (done.returncode, done.stdout) == (1, 0)  # nothing written
    assert "67,108,864-byte limit" in done.stderr
    mb, done = peak_rss("warc-get", BOMB_URL, "--raw", "--db", str(db), "--warc-dir",
                        str(bomb_warcs))
    assert (done.returncode, done.stdout) == (0, stored)  # the body as stored: 1 MB
    mb, done = peak_rss("index", "--warc-dir", str(bomb_warcs), "--out", str(out))
    figures["index"] = mb
    assert done.returncode == 0, done.stderr
    mb, done = peak_rss("wacz", "--db", str(db), "--warc-dir", str(bomb_warcs), "--out",
                        str(bomb_warcs.parent / "bomb.wacz"))
    figures["wacz"] = mb
    no_traceback(done)
    assert done.returncode == 1
    assert "inflates past the 67,108,864-byte limit" in done.stderr
    record_property("peak_rss_mb", figures)
    print(f"\npeak RSS on a 1 GiB gzip bomb (MB): {figures}")
    assert max(figures.values()) < 250, figures
