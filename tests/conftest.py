"""Shared fixtures: the local sample Blogger site, and whole crawls run in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
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
    from goahead_crawler/settings.py (components repeat none of them)."""
    from scrapy.utils.test import get_crawler

    return get_crawler(spidercls, settings_dict={"ADDONS": {"goahead_crawler.addon.Goahead": 0},
                                                 **settings})


def run_goahead(*args: str, cwd: Path | None = None, timeout: int = 300
                ) -> subprocess.CompletedProcess[str]:
    """``goahead ARGS`` in a subprocess (the Twisted reactor cannot restart in-process)."""
    return subprocess.run(
        [sys.executable, "-m", "goahead_crawler", *args],
        capture_output=True, text=True, cwd=cwd or ROOT, timeout=timeout, check=False,
    )


@pytest.fixture(scope="session")
def sample_site() -> Iterator[object]:
    from sampleblog.server import start

    with start() as site:
        yield site
