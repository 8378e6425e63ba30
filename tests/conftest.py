"""Shared fixtures: the local sample Blogger site, and whole crawls run in a subprocess."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

ROOT = Path(__file__).resolve().parents[1]
# The reference material (seed article, corpus): ../shared, or where GOAHEAD_SHARED says.
# A user's clone has none; the tests that need it skip, saying so.
SHARED = Path(os.environ.get("GOAHEAD_SHARED") or ROOT.parent / "shared")


def goahead_crawler(spidercls: type | None = None, **settings: object) -> Crawler:
    """``get_crawler`` with the goahead add-on, which brings every ``GOAHEAD_*`` default
    from goahead_crawler/settings.py (components repeat none of them). The archive and the
    WARC directory default to a fresh scratch place, never the checkout."""
    from scrapy.utils.test import get_crawler

    scratch = Path(tempfile.mkdtemp(prefix="goahead-test-"))
    atexit.register(shutil.rmtree, scratch, True)
    return get_crawler(spidercls, settings_dict={
        "ADDONS": {"goahead_crawler.addon.Goahead": 0},
        "GOAHEAD_ARCHIVE_DB": str(scratch / "archive.db"),
        "GOAHEAD_WARC_DIR": str(scratch / "warcs"),
        **settings,
    })


def run_goahead(*args: str, cwd: Path | None = None, timeout: int = 300
                ) -> subprocess.CompletedProcess[str]:
    """``goahead ARGS`` in a subprocess (the Twisted reactor cannot restart in-process)."""
    return subprocess.run(
        [sys.executable, "-m", "goahead_crawler", *args],
        capture_output=True, text=True, cwd=cwd or ROOT, timeout=timeout, check=False,
    )


def run_row(db: Path) -> dict:
    """The first crawl run recorded in the archive ``db``, as a dict."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("select * from runs").fetchone())


def invoke_goahead(*args: str) -> subprocess.CompletedProcess[str]:
    """``goahead ARGS`` in this process (click's CliRunner), as a CompletedProcess: for
    commands that start no crawl, without a new interpreter's start-up."""
    from click.testing import CliRunner

    from goahead_crawler.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def sample_site() -> Iterator[object]:
    from sampleblog.server import start

    with start() as site:
        yield site
