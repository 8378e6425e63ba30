"""Revisits read back: what ``warc-get``, ``index`` and ``wacz`` say of a capture that is a
revisit (a re-crawl's 304 Not Modified, or a full re-crawl's identical payload), on WARC
files a test writes (no crawl).

A revisit has no body: a replay relies on the full response it refers to. ``warc-get``
shows that response's headers with its body (never a 304's head on a 200's body), and
``index``/``wacz`` name each revisit whose response is in none of the files they read.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive.captures import record_capture
from archive.connection import open_archive
from archive.models import Capture, Post
from archive.posts import upsert_post
from goahead_crawler.cli import cli
from goahead_crawler.warc import records as rec
from tests.conftest import invoke_goahead

URL = "http://blog.test/sitemap.xml"
TWIN = "http://blog.test/copy.xml"  # another URL that served the same bytes, earlier
BODY = b"<?xml version='1.0'?><urlset/>"
ETAG = 'W/"abc"'


def exchange(url: str, status: int, date: str, body: bytes = b"",
             kind: str = "application/xml") -> rec.Exchange:
    headers = [("Date", date), ("Etag", ETAG)]
    if status == 200:
        headers += [("Content-Type", kind), ("Content-Encoding", "gzip")]
    return rec.Exchange(url=url, method="GET", target=url.split("blog.test", 1)[1],
                        request_headers=[], request_body=b"", status=status,
                        reason="OK" if status == 200 else "Not Modified",
                        protocol="HTTP/1.1", response_headers=headers, body=body)


@dataclass
class Folder:
    root: Path
    db: Path
    warcs: Path
    files: dict[str, str]  # crawl -> its WARC file's name

    def head_of(self, crawl: str, url: str) -> bytes:
        """The status line and headers of ``url``'s record in ``crawl``'s file."""
        path = self.warcs / self.files[crawl]
        with gzip.open(path) as fh:
            text = fh.read()
        start = text.index(f"WARC-Target-URI: {url}\r\n".encode())
        block = text[text.index(b"\r\n\r\n", start) + 4:]
        return block[:block.index(b"\r\n\r\n") + 4]


def write(folder: Folder, crawl: str, date: str, records: list) -> None:
    """``records`` (exchange, kind, refers_to) into ``crawl``'s own WARC file, each with
    its row in the captures table, as a crawl writes them."""
    builder = rec.MemberWriter()
    name = f"test-{crawl}.warc.gz"
    folder.files[crawl] = name
    db = open_archive(folder.db)
    with (folder.warcs / name).open("ab") as fh:
        for ex, kind, refers_to in records:
            gz = gzip.compress(BODY, mtime=0)
            if kind == "response":
                record = rec.build_response(builder, ex, date)
            elif kind == "304":
                record = rec.build_revisit(builder, ex, date, refers_to, digest=rec.sha1_b32(gz),
                                           profile=rec.NOT_MODIFIED_PROFILE)
            else:
                record = rec.build_revisit(builder, ex, date, refers_to)
            offset = fh.tell()
            fh.write(builder.member(record))
            record_capture(db, Capture(
                ex.url, ex.status, name, offset, fh.tell() - offset,
                record.rec_headers.get_header("WARC-Payload-Digest"), date,
                record_type=record.rec_type, site="blog.test"))
    db.close()


FIRST, SECOND, THIRD = "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"


@pytest.fixture
def folder(tmp_path: Path) -> Folder:
    """Crawl 1: TWIN, then URL, both the same bytes (URL a response of its own, with its own
    Content-Type); crawl 2 (incremental): URL answered 304; crawl 3 (--full): URL the same
    bytes again, an identical-payload revisit of crawl 1's capture."""
    found = crawled(tmp_path, ("response", None), (URL, FIRST))
    write(found, "3", THIRD, [(exchange(URL, 200, "Fri, 01 Mar 2024 00:00:00 GMT", GZ),
                               "identical", (URL, FIRST))])
    return found


GZ = gzip.compress(BODY, mtime=0)


def crawled(tmp_path: Path, first: tuple, refers_to: tuple[str, str]) -> Folder:
    """Crawl 1: TWIN's response, then URL written as ``first`` (kind, what it refers to);
    crawl 2: URL answered 304, referring to ``refers_to``."""
    kind, first_refers_to = first
    found = Folder(tmp_path, tmp_path / "archive.db", tmp_path / "warcs", {})
    found.warcs.mkdir()
    write(found, "1", FIRST, [
        (exchange(TWIN, 200, "Mon, 01 Jan 2024 00:00:00 GMT", GZ, "text/plain"), "response",
         None),
        (exchange(URL, 200, "Mon, 01 Jan 2024 00:00:01 GMT", GZ), kind, first_refers_to)])
    write(found, "2", SECOND, [(exchange(URL, 304, "Thu, 01 Feb 2024 00:00:00 GMT"), "304",
                                refers_to)])
    return found


def warc_get(folder: Folder, *args: str) -> Result:
    """``goahead warc-get URL ARGS`` on the folder, its output as bytes too."""
    return CliRunner().invoke(cli, ["warc-get", URL, "--db", str(folder.db), "--warc-dir",
                                    str(folder.warcs), *args], catch_exceptions=False)


def test_headers_of_a_304_capture_are_the_confirmed_responses(folder: Folder) -> None:
    """Before: the 304's status line and headers (no Content-Type, Content-Length: 0), with
    the body of the first response that had the same bytes (TWIN's, another URL): headers
    and body that describe two different things. Now the confirmed response's head, and one
    line on stderr saying the capture then was a 304 confirming it."""
    got = warc_get(folder, "--at", "2024-02", "--headers")
    assert got.exit_code == 0, got.stderr
    assert got.stdout_bytes == folder.head_of("1", URL)
    assert got.stdout_bytes.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nContent-Type: application/xml\r\n" in got.stdout_bytes
    assert got.stderr == (f"the capture of {SECOND} was a 304 Not Modified confirming the"
                          f" capture of {FIRST} in {folder.files['1']}: its headers and body"
                          "\n")


def test_body_of_a_304_capture_is_the_urls_own_confirmed_response(folder: Folder) -> None:
    got = warc_get(folder, "--at", "2024-02")
    assert got.exit_code == 0, got.stderr
    assert got.stdout_bytes == BODY
    assert "304 Not Modified confirming the capture of" in got.stderr
    raw = warc_get(folder, "--at", "2024-02", "--raw")
    assert gzip.decompress(raw.stdout_bytes) == BODY


def test_an_identical_payload_revisit_keeps_its_own_200_head(folder: Folder) -> None:
    """A full re-crawl's revisit holds a 200's headers for the same bytes: they describe
    the body, and are the ones printed; stderr names where the body came from."""
    got = warc_get(folder, "--headers")
    assert got.exit_code == 0, got.stderr
    assert got.stdout_bytes == folder.head_of("3", URL)
    assert "Fri, 01 Mar 2024" in got.stdout
    assert got.stderr == (f"revisit captured {THIRD}; body from {folder.files['1']}"
                          f" ({FIRST})\n")


def test_the_web_view_serves_a_304_capture_as_the_response_it_confirmed(folder: Folder
                                                                        ) -> None:
    """``serve``'s WARC route answered with the 304's status and no Content-Type (a
    browser shows nothing for a 304), the body attached: now the confirmed 200."""
    pytest.importorskip("datasette", reason="the serve extra is not installed")
    from tests.test_web_view import Client

    answer = Client(folder.db, folder.warcs).get("/archive/-/warc", url=URL, at="2024-02")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/xml"
    assert answer.content == BODY


def without_first_crawl(folder: Folder) -> None:
    """The first crawl's WARC file moved away: the revisits of crawls 2 and 3 rely on it."""
    (folder.warcs / folder.files["1"]).rename(folder.root / folder.files["1"])


def named_revisits(stderr: str, folder: Folder) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")
            and URL in line]


def test_index_names_each_revisit_whose_response_is_gone(folder: Folder) -> None:
    """Before: the 304 was named, the identical-payload revisit indexed with no word (pywb
    resolves it by its digest, finds nothing, and the URL does not replay)."""
    without_first_crawl(folder)
    out = folder.root / "index.cdxj"
    done = invoke_goahead("index", "--warc-dir", str(folder.warcs), "--out", str(out))
    assert done.returncode == 1, done.stderr
    lines = named_revisits(done.stderr, folder)
    assert len(lines) == 2, done.stderr
    (not_modified,) = [line for line in lines if folder.files["2"] in line]
    assert "304 Not Modified" in not_modified
    (identical,) = [line for line in lines if folder.files["3"] in line]
    assert "identical payload" in identical
    assert "will not replay" in identical
    assert folder.files["3"] in out.read_text()  # listed: an earlier capture may replay
    whole = folder.root / "all.cdxj"
    (folder.root / folder.files["1"]).rename(folder.warcs / folder.files["1"])
    done = invoke_goahead("index", "--warc-dir", str(folder.warcs), "--out", str(whole))
    assert (done.returncode, named_revisits(done.stderr, folder)) == (0, [])


def test_wacz_names_each_revisit_whose_response_is_gone(folder: Folder) -> None:
    """Before: wacz packaged both revisits with no word and exit status 0, though the WACZ
    replays neither (no page of the archive pointed at them, so nothing was checked)."""
    without_first_crawl(folder)
    out = folder.root / "crawl.wacz"
    done = invoke_goahead("wacz", "--db", str(folder.db), "--warc-dir", str(folder.warcs),
                          "--out", str(out))
    assert done.returncode == 1, done.stderr
    lines = named_revisits(done.stderr, folder)
    assert len(lines) == 2, done.stderr
    assert [sum(folder.files[crawl] in line for line in lines) for crawl in "23"] == [1, 1]
    assert out.is_file()


@pytest.fixture
def twin_first(tmp_path: Path) -> Folder:
    """Crawl 1: TWIN, then URL with the same bytes, written as an identical-payload revisit
    of TWIN's capture (its own 200 head, Content-Type application/xml where TWIN's is
    text/plain); crawl 2 (incremental): URL answered 304 to the validators of that revisit,
    which refers to TWIN's capture (``capture_validators``), and so does the 304."""
    return crawled(tmp_path, ("identical", (TWIN, FIRST)), (TWIN, FIRST))


def test_a_304_confirming_a_revisit_of_another_url_is_no_lost_capture(twin_first: Folder
                                                                      ) -> None:
    """Before: ``index`` looked for a response of URL itself with the 304's digest, found
    none, and warned (exit status 1) that URL would not replay; it does (its crawl-1
    revisit, with TWIN's bytes)."""
    done = invoke_goahead("index", "--warc-dir", str(twin_first.warcs))
    assert (done.returncode, done.stderr) == (0, "")


def test_a_304_confirming_a_revisit_shows_that_revisits_head(twin_first: Folder) -> None:
    """The capture the 304 confirmed is URL's own crawl-1 revisit: its head (a replay
    shows it) with TWIN's body, never TWIN's head (another URL's Content-Type)."""
    got = warc_get(twin_first, "--at", "2024-02", "--headers")
    assert got.exit_code == 0, got.stderr
    assert got.stdout_bytes == twin_first.head_of("1", URL)
    assert b"\r\nContent-Type: application/xml\r\n" in got.stdout_bytes
    name = twin_first.files["1"]
    assert got.stderr == (f"the capture of {SECOND} was a 304 Not Modified confirming the"
                          f" capture of {FIRST} in {name}: its headers and body"
                          f" (body from {name}, {FIRST})\n")
    assert warc_get(twin_first, "--at", "2024-02").stdout_bytes == BODY


@pytest.mark.parametrize(("at", "kind"), [(None, "revisit"), ("2024-02", "304 Not Modified")])
def test_warc_get_of_a_revisit_whose_file_is_gone_says_so(folder: Folder, at: str | None,
                                                          kind: str) -> None:
    """Before: "WARC file test-1.warc.gz not found", of a capture the user did not ask for
    (its revisit's file is there): now the line says which capture relies on it."""
    without_first_crawl(folder)
    got = warc_get(folder, *(["--at", at] if at else []))
    assert (got.exit_code, got.stdout_bytes) == (1, b"")
    (line,) = got.stderr.splitlines()
    assert line.startswith(f"Error: WARC file {folder.files['1']} not found in ")
    when = SECOND if at else THIRD
    assert f"the {kind} captured {when} relies on its capture of {FIRST}" in line


def packaged(folder: Folder) -> tuple[Result, list[tuple[str, str]]]:
    """``goahead wacz`` of the folder: its result, and (URL, timestamp to the second) of
    each line of the WACZ's pages.jsonl."""
    out = folder.root / "crawl.wacz"
    done = invoke_goahead("wacz", "--db", str(folder.db), "--warc-dir", str(folder.warcs),
                          "--out", str(out))
    if not out.is_file():
        return done, []
    with zipfile.ZipFile(out) as wacz:
        lines = wacz.read("pages/pages.jsonl").decode().splitlines()[1:]
    return done, [(page["url"], page["ts"][:19]) for page in map(json.loads, lines)]


def stored_post(folder: Folder) -> None:
    """URL stored as a post from crawl 1's capture of it (its text's capture)."""
    db = open_archive(folder.db)
    try:
        (row,) = db.query("SELECT warc_file, warc_offset, warc_length FROM captures"
                          " WHERE url = ? AND fetched_at = ?", [URL, FIRST])
        upsert_post(db, Post(blog_id="1", post_id="2", url=URL, site="blog.test",
                             title="a post", text="its text", warc_file=row["warc_file"],
                             warc_offset=row["warc_offset"], warc_length=row["warc_length"],
                             fetched_at=FIRST))
    finally:
        db.close()


def test_wacz_of_the_first_crawls_files_lists_a_post_at_its_capture_there(folder: Folder
                                                                          ) -> None:
    """The --full re-crawl's WARC file (crawl 3: the post's identical-payload revisit) is
    not in the folder packaged: the WACZ replays the post from crawl 1's response, the
    latest capture of it among the files it holds. Before: pages.jsonl pointed at crawl
    3's revisit, which is in none of them, so wacz refused the whole package (exit 1,
    "1 of 1 pages are not in the WARC files")."""
    stored_post(folder)
    (folder.warcs / folder.files["3"]).rename(folder.root / folder.files["3"])
    done, pages = packaged(folder)
    assert (done.returncode, done.stderr.count("warning")) == (0, 0), done.stderr
    assert pages == [(URL, FIRST[:19])]


def test_wacz_of_every_file_lists_the_post_at_its_latest_capture(folder: Folder) -> None:
    """With crawl 3's file there, the post is listed at that re-crawl's revisit, as
    ``warc-get`` and a replay show it."""
    stored_post(folder)
    done, pages = packaged(folder)
    assert done.returncode == 0, done.stderr
    assert pages == [(URL, THIRD[:19])]


HOME = "http://blog.test/"


def test_wacz_lists_the_home_page_at_its_latest_capture_among_the_files_packaged(
        folder: Folder) -> None:
    """The home page changed: crawl 1 captured it, crawl 4 captured new bytes, and crawl
    4's file is not in the folder packaged. The WACZ replays crawl 1's home page. Before:
    its page list pointed at crawl 4's capture, and wacz refused the whole package."""
    stored_post(folder)
    home = gzip.compress(b"<html>home</html>", mtime=0)
    write(folder, "1", FIRST, [(exchange(HOME, 200, "Mon, 01 Jan 2024 00:00:02 GMT", home,
                                         "text/html"), "response", None)])
    edited = gzip.compress(b"<html>home, edited</html>", mtime=0)
    write(folder, "4", "2024-04-01T00:00:00Z", [(exchange(
        HOME, 200, "Mon, 01 Apr 2024 00:00:00 GMT", edited, "text/html"), "response", None)])
    (folder.warcs / folder.files["4"]).rename(folder.root / folder.files["4"])
    done, pages = packaged(folder)
    assert done.returncode == 0, done.stderr
    assert pages == [(HOME, FIRST[:19]), (URL, THIRD[:19])]


def test_make_wacz_refuses_unmatched_pages_beside_a_revisit_warning(folder: Folder) -> None:
    """A page no record matches is refused (no WACZ) whatever else is said: a warning about
    a revisit whose response is gone is no damage that left the page's record out. Before:
    that warning made make_wacz keep the package, its page list short, and blame damage."""
    from goahead_crawler.warc.indexing import WaczError, make_wacz

    without_first_crawl(folder)
    out = folder.root / "crawl.wacz"
    noted: list[str] = []
    pages = [{"url": URL, "ts": THIRD, "title": "crawl 3's revisit", "text": ""},
             {"url": "http://blog.test/never-captured.html", "ts": SECOND, "title": "t",
              "text": ""}]
    with pytest.raises(WaczError, match="only 1 of 2 pages matched"):
        make_wacz(sorted(folder.warcs.glob("*.warc.gz")), out, pages, problems=noted)
    assert not out.exists()
    assert len(noted) == 2, noted  # the revisits of crawls 2 and 3, said all the same


def test_a_url_captured_with_lower_case_escapes_gets_its_validators_after_the_upgrade(
        tmp_path: Path) -> None:
    """A crawl before escapes were written in upper case fetched an image named
    ``%e0%b8%82.jpg`` as spelled, and its capture has that URL. The crawl now asks for
    ``%E0%B8%82.jpg`` (``request_url``): before, no capture was found under that spelling,
    so no If-None-Match was sent and every such image or post was downloaded again in
    full; now its earlier capture's validators are sent, and the 304 refers to it."""
    from goahead_crawler.middleware.conditional import capture_validators

    lower = "http://blog.test/img/%e0%b8%82.jpg"
    found = Folder(tmp_path, tmp_path / "archive.db", tmp_path / "warcs", {})
    found.warcs.mkdir()
    write(found, "1", FIRST, [(exchange(lower, 200, "Mon, 01 Jan 2024 00:00:00 GMT", GZ,
                                        "image/jpeg"), "response", None)])
    db = open_archive(found.db)
    got = capture_validators(db, str(found.warcs), lower.replace("%e0%b8%82", "%E0%B8%82"))
    assert got is not None
    assert (got.etag, got.previous[0]) == (ETAG, lower)
    other = capture_validators(db, str(found.warcs), "http://blog.test/img/%E0%B8%83.jpg")
    assert other is None
