"""Shared fixtures: the local sample Blogger site, and whole crawls run in a subprocess."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

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


def paced_settings(shared: dict[str, object], per_blog: dict[str, object] | None = None
                   ) -> Settings:
    """A crawler's settings as ``goahead crawl`` builds them (``shared`` at "cmdline"
    priority, as ``scrapy crawl -s`` and a Scrapyd job's ``setting=`` give them too, and a
    sites.toml blog's ``per_blog`` above: runner.run_jobs) and as the blogger spider's
    ``from_crawler`` leaves them: what Scrapy then builds AutoThrottle and the downloader
    from."""
    from scrapy.crawler import Crawler

    from goahead_crawler.runner import SITE_PRIORITY, project_settings
    from goahead_crawler.spiders.blogger import BloggerSpider

    crawler = Crawler(BloggerSpider, project_settings(dict(shared)))
    crawler.settings.setdict(per_blog or {}, priority=SITE_PRIORITY)
    BloggerSpider.from_crawler(crawler, url="http://a.com/")
    return crawler.settings


def run_goahead(*args: str, cwd: Path | None = None, timeout: int = 300,
                settings_module: str | None = None) -> subprocess.CompletedProcess[str]:
    """``goahead ARGS`` in a subprocess (the Twisted reactor cannot restart in-process),
    with another settings module (``tests.xxx_settings``) if given."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE=settings_module) if settings_module else None
    return subprocess.run(
        [sys.executable, "-m", "goahead_crawler", *args],
        capture_output=True, text=True, cwd=cwd or ROOT, timeout=timeout, check=False, env=env,
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


class CrawlFolder:
    """A crawl's archive and WARC folder under ``self.out`` (a dataclass field of the
    class it is mixed into), as ``goahead crawl --db OUT/archive.db`` lays them out."""

    out: Path

    @property
    def db(self) -> Path:
        return self.out / "archive.db"

    @property
    def warcs(self) -> Path:
        return self.out / "warcs"


# -- one blog crawled twice, shared by the modules that only read it -----------------------

@dataclass
class Crawls:
    """Crawls of one blog into one archive: ``runs[i]`` are the WARC files run i wrote;
    ``live`` is what the blog served for each archived page once they were done."""

    url: str
    db: Path
    warcs: Path
    runs: list[list[Path]] = field(default_factory=list)
    live: dict[str, bytes] = field(default_factory=dict)

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        import sqlite3

        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def archived_urls(self) -> list[str]:
        """Post and static-page URLs, as captured (the URL of the post row's capture)."""
        return [u for (u,) in self.rows(
            "select c.url from posts p join captures c"
            " on c.warc_file = p.warc_file and c.warc_offset = p.warc_offset order by p.url"
        )]

    def copy_to(self, out: Path) -> Crawls:
        """These crawls' archive and WARC files copied into ``out``: a module's own, which
        nothing another module does (an index written beside them) can change."""
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.db, out / "archive.db")
        shutil.copytree(self.warcs, out / "warcs")
        return Crawls(self.url, out / "archive.db", out / "warcs",
                      [[out / "warcs" / p.name for p in run] for run in self.runs],
                      dict(self.live))


def crawl_runs(url: str, out: Path, times: int = 2) -> Crawls:
    """``goahead crawl`` ``times`` times, at least a second apart (WARC-Date has seconds)."""
    crawls = Crawls(url, out / "archive.db", out / "warcs")
    for n in range(times):
        if n:
            time.sleep(1.1)
        before = set(crawls.warcs.glob("*.warc.gz"))
        # --full: every page fetched again, so unchanged payloads become revisit records
        # (an incremental re-run would not ask for them at all: tests/test_incremental.py)
        result = run_goahead("crawl", url, "--db", str(crawls.db), "--warc-dir",
                             str(crawls.warcs), "--delay", "0", "--concurrency", "8", "--full")
        assert result.returncode == 0, result.stderr[-3000:]
        crawls.runs.append(sorted(set(crawls.warcs.glob("*.warc.gz")) - before))
    return crawls


@pytest.fixture(scope="session")
def goahead_crawled_twice(tmp_path_factory) -> Crawls:
    """The sample blog "goahead" crawled twice in full (the second run writes revisits),
    once per session: test_warc_recrawl, test_cli_warc and test_replay each check it from
    their own copy (``Crawls.copy_to``), as each crawled it the same way before."""
    from urllib.request import Request, urlopen

    from sampleblog.server import start

    with start(["goahead"]) as site:
        crawls = crawl_runs(site.urls["goahead"], tmp_path_factory.mktemp("crawled-twice"))
        crawls.live = {url: urlopen(Request(url)).read() for url in crawls.archived_urls()}
    return crawls


# -- servers on free ports, safe beside a second test suite --------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the listening socket on 127.0.0.1:``port`` (Linux's
    /proc; elsewhere a process that answers is taken to be ours)."""
    try:
        table = Path("/proc/net/tcp").read_text().splitlines()[1:]
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return True
    local = f"0100007F:{port:04X}"
    inodes = {f"socket:[{row.split()[9]}]" for row in table
              if row.split()[1] == local and row.split()[3] == "0A"}
    for fd in fds:
        with contextlib.suppress(OSError):
            if str(fd.readlink()) in inodes:
                return True
    return False


def serve_on_a_free_port(launch: Callable[[int], subprocess.Popen], answers: Callable[[int], bool],
                         timeout: float, attempts: int = 5) -> tuple[subprocess.Popen, int]:
    """Start a server (``launch(port)``) on a port found free, and wait until it answers.

    A free port is free only until someone binds it: a concurrent process (another test
    suite on the machine) may take it between the check and our server's bind, and then
    answer in its place. So the answer counts only once our process holds the listening
    socket; when it exits instead (the port was taken), try again on another port."""
    for _ in range(attempts):
        port = free_port()
        proc = launch(port)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            if answers(port) and listens_on(proc.pid, port):
                return proc, port
            time.sleep(0.2)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            raise AssertionError(f"the server on port {port} did not answer in {timeout} s")
    raise AssertionError(f"no server started in {attempts} tries (ports taken)")
