"""``goahead index``, ``wacz``, ``warc-get``, ``serve`` and ``reindex``: where their WARC
folder and their ``--out`` are, on a WARC file a test writes (no crawl)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.connection import open_archive
from goahead_crawler.cli.options import WARC_DIR_DEFAULT, warc_folder
from tests.conftest import invoke_goahead
from tests.warc_fixture import png, write_image_capture

IMAGE = "http://127.0.0.1:8000/image.png"


@pytest.fixture
def archived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive and its warcs/ folder holding one captured image, in the current folder."""
    monkeypatch.chdir(tmp_path)
    db = open_archive(tmp_path / "archive.db")
    write_image_capture(db, tmp_path / "warcs", IMAGE, png())
    db.close()
    return tmp_path


def test_index_out_dash_is_stdout(archived: Path) -> None:
    """``--out -`` is stdout, as for export (and Unix tools): not a file named ``-``."""
    result = invoke_goahead("index", "--out", "-")
    assert result.returncode == 0, result.stderr
    assert f'{{"url": "{IMAGE}", "mime": "image/png"' in result.stdout
    assert result.stdout == invoke_goahead("index").stdout
    assert not (archived / "-").exists()


def test_wacz_out_dash_is_refused_in_one_line(archived: Path) -> None:
    """A WACZ is a zip: not written to stdout, and not to a file named ``-`` either."""
    result = invoke_goahead("wacz", "--out", "-")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("Error: --out -: a WACZ is a zip file, not written to stdout"
                             " (give the .wacz file to write)\n")
    assert not (archived / "-").exists()


def test_every_command_finds_the_warc_folder_beside_the_archive(
        archived: Path, tmp_path_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from another folder, with only --db: warc-get (and wacz, reindex, serve, and the
    crawl that writes them) find warcs/ beside the archive: one rule, said in each --help."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    db = str(archived / "archive.db")
    got = invoke_goahead("warc-get", IMAGE, "--db", db, "--headers")
    assert (got.returncode, got.stderr) == (0, "")
    assert got.stdout.startswith("HTTP/1.1 200 OK")
    said = " ".join(WARC_DIR_DEFAULT.split())
    for name in ("crawl", "warc-get", "wacz", "reindex", "serve"):
        assert said in " ".join(invoke_goahead(name, "--help").stdout.split()), name


def test_the_warc_folder_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--warc-dir wins; else warcs/ beside the archive; else ./warcs (an older goahead's
    place, whatever --db said); else beside the archive (where a crawl makes it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "store").mkdir()
    db = str(tmp_path / "store" / "a.db")
    assert warc_folder("given", db) == Path("given")
    assert warc_folder(None, db) == tmp_path / "store" / "warcs"
    (tmp_path / "warcs").mkdir()
    assert warc_folder(None, db) == Path("warcs")
    (tmp_path / "store" / "warcs").mkdir()
    assert warc_folder(None, db) == tmp_path / "store" / "warcs"
    assert warc_folder(None) == Path("warcs")  # index: no archive, ./warcs
