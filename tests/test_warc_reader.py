"""read_response by file + offset, CDXJ and WACZ of written files."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from goahead_crawler.warc import records as rec
from goahead_crawler.warc.indexing import WaczError, make_wacz, pages_outside, write_cdxj
from goahead_crawler.warc.reader import RevisitRecord, UnreadableRecord, read_response
from goahead_crawler.warc.writer import RotatingWarcWriter

HTML = "<html><title>ข่าว</title><p>hello</p></html>".encode()
DATE = "2024-01-21T03:05:00Z"


def ex(path: str, body: bytes, encoding: str | None = "gzip") -> rec.Exchange:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return rec.Exchange(
        url=f"http://blog.test{path}",
        method="GET",
        target=path,
        request_headers=[("Host", "blog.test")],
        request_body=b"",
        status=200,
        reason="OK",
        protocol="HTTP/1.1",
        response_headers=headers,
        body=body,
    )


@pytest.fixture
def warc(tmp_path: Path) -> tuple[Path, list]:
    w = RotatingWarcWriter(tmp_path, "t", host="h")
    b = w.builder
    a = ex("/a?x=1", gzip.compress(HTML, mtime=0))
    resp = rec.build_response(b, a, DATE)
    written = w.write([resp, rec.build_request(b, a, DATE, rec.record_id(resp))])
    written += w.write([rec.build_revisit(b, a, DATE, (a.url, DATE))])
    written += w.write([rec.build_response(b, ex("/plain", HTML, None), DATE)])
    w.close()
    return tmp_path, written


def test_read_response_returns_raw_and_decoded(warc: tuple[Path, list]) -> None:
    directory, written = warc
    headers, payload, decoded = read_response(directory, written[0].filename, written[0].offset)
    assert payload == gzip.compress(HTML, mtime=0)
    assert decoded == HTML
    assert headers.get_statuscode() == "200"
    plain = read_response(directory, written[3].filename, written[3].offset)
    assert plain.payload == plain.decoded == HTML


def test_read_response_refuses_other_records(warc: tuple[Path, list]) -> None:
    directory, written = warc
    with pytest.raises(ValueError, match="holds request"):
        read_response(directory, written[1].filename, written[1].offset)
    with pytest.raises(RevisitRecord) as info:
        read_response(directory, written[2].filename, written[2].offset)
    assert info.value.uri == "http://blog.test/a?x=1"
    assert info.value.date == DATE
    with pytest.raises(FileNotFoundError):
        read_response(directory, "missing.warc.gz", 0)


def test_a_response_record_without_an_http_head_is_a_damaged_record(tmp_path: Path) -> None:
    """warcio parses no HTTP head (``http_headers`` None) for a response record whose
    target URI is not http(s) or whose length is 0; a byte flipped in a record's WARC head
    can leave it so, with no digest left to check (the web view's damaged-image test
    failed so in 26 of 1,500 tries). Reading its body was an AttributeError; it is a
    damaged record, said as one."""
    path = tmp_path / "t.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warc_record(
            "urn:x-damaged:p.png", "response", payload=io.BytesIO(b"\x89PNG"), length=4))
    with pytest.raises(UnreadableRecord, match="WARC head is damaged"):
        read_response(tmp_path, path.name, 0).decoded  # noqa: B018 (reading it is the test)


def test_write_cdxj_indexes_every_capture(warc: tuple[Path, list]) -> None:
    directory, written = warc
    out = io.StringIO()
    write_cdxj(sorted(directory.glob("*.warc.gz")), out)
    lines = out.getvalue().splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert {(e["url"], int(e["offset"])) for e in entries if e.get("mime") != "warc/revisit"} >= {
        ("http://blog.test/a?x=1", written[0].offset),
        ("http://blog.test/plain", written[3].offset),
    }
    assert all(e["filename"] == written[0].filename for e in entries)
    assert lines == sorted(lines)


def test_a_ctrl_c_while_indexing_stops_the_index(warc: tuple[Path, list], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """cdxj-indexer makes each key under a bare ``except:``: a Ctrl-C landing there was
    swallowed and the index ran on (into a FIFO, for ever). It stops the index now."""
    import surt

    def interrupted(url: str, **_: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(surt, "surt", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_cdxj(sorted(warc[0].glob("*.warc.gz")), tmp_path / "index.cdxj")


def test_write_cdxj_is_the_same_after_py_wacz_is_imported(warc: tuple[Path, list]) -> None:
    """py-wacz appends "warcinfo" to cdxj-indexer's default record types when imported."""
    import wacz.waczindexer  # noqa: F401

    directory, _ = warc
    out = io.StringIO()
    write_cdxj(sorted(directory.glob("*.warc.gz")), out)
    entries = [json.loads(line.split(" ", 2)[2]) for line in out.getvalue().splitlines()]
    assert entries
    assert all("url" in e for e in entries)


def test_make_wacz_packages_the_warcs(warc: tuple[Path, list], tmp_path: Path) -> None:
    directory, written = warc
    out = make_wacz(sorted(directory.glob("*.warc.gz")), tmp_path / "crawl.wacz")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
    assert f"archive/{written[0].filename}" in names
    assert "datapackage.json" in names
    assert any(n.startswith("indexes/") for n in names)


def test_make_wacz_lists_pages_with_text_and_refuses_unmatched_ones(
        warc: tuple[Path, list], tmp_path: Path) -> None:
    directory, _ = warc
    paths = sorted(directory.glob("*.warc.gz"))
    page = {"url": "http://blog.test/plain", "ts": DATE, "title": "ข่าว", "text": "hello",
            "warc_files": ["x"]}  # bookkeeping keys stay out of pages.jsonl
    out = make_wacz(paths, tmp_path / "ok.wacz", [page])
    with zipfile.ZipFile(out) as z:
        _, listed = (json.loads(x) for x in z.read("pages/pages.jsonl").splitlines())
    assert (listed["url"], listed["title"], listed["text"]) == (page["url"], "ข่าว", "hello")
    assert "warc_files" not in listed
    missing = {**page, "url": "http://blog.test/never-captured"}
    with pytest.raises(WaczError, match="only 1 of 2 pages matched a record"):
        make_wacz(paths, tmp_path / "bad.wacz", [page, missing])
    assert not (tmp_path / "bad.wacz").exists()


def test_pages_outside_the_warc_files_are_named() -> None:
    pages = [{"url": "a", "warc_files": ["one.warc.gz"]},
             {"url": "b", "warc_files": ["one.warc.gz", "two.warc.gz"]},
             {"url": "c", "warc_files": None}]  # a revisit whose original is not archived
    outside = pages_outside(pages, [Path("/x/one.warc.gz")])
    assert [p["url"] for p in outside] == ["b", "c"]


def test_library_modules_import_no_scrapy_or_twisted() -> None:
    import subprocess
    import sys

    code = (
        "import goahead_crawler.warc.reader, goahead_crawler.warc.indexing, "
        "goahead_crawler.warc.writer, goahead_crawler.warc.dedup, sys; "
        "bad = {m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted', 'click'}; "
        "assert not bad, bad"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
