"""Shared by bench/crawl.py and bench/discovery.py: one crawl of a running sample blog (by
goahead, a bare Scrapy spider or wget), measured the same way for every tool.

Requests are counted on the servers' side (the sample blog and its CDN log every request
they answer); bytes are what the crawler received (goahead's and Scrapy's stats) or what
wget wrote; time is wall-clock seconds of the tool's process, peak memory its max RSS.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sampleblog import statics
from sampleblog.server import SampleSite

Log = list[tuple[str, str, int]]
_POST = re.compile(r"/\d{4}/\d{2}/[^/]+\.html")
# the CDN's files that are not images a post shows (static requisites and robots.txt)
_CDN_FILES = {*statics.FILES, "/robots.txt"}


@dataclass
class Run:
    case: str
    tool: str
    seconds: float
    peak_mb: float
    posts: int  # archived (goahead) or post pages served with 200 (wget)
    blog: Log = field(default_factory=list)
    cdn: Log = field(default_factory=list)
    bytes_received: int = 0
    warc_bytes: int = 0
    cpu: float = 0.0  # user + system seconds of the tool's process (and its children)
    engine: float = 0.0  # Scrapy's elapsed_time_seconds: spider open to close (no start-up)
    server_cpu: float = 0.0  # the sample blog's and CDN's, answering it (this process)

    @property
    def requests(self) -> int:
        return len(self.blog) + len(self.cdn)

    def per_post(self, value: float) -> float:
        return value / max(self.posts, 1)

    def image_fetches(self) -> tuple[int, int]:
        """(image requests to the CDN, distinct image URLs among them)."""
        images = [p for _, p, _ in self.cdn if p.split("?")[0] not in _CDN_FILES]
        return len(images), len(set(images))

    def urls(self, site: SampleSite) -> list[str]:
        """Every URL the run fetched, as absolute URLs on the servers it asked."""
        blog, cdn = site.urls["goahead"].rstrip("/"), site.cdn_url.rstrip("/")
        return [blog + p for _, p, _ in self.blog] + [cdn + p for _, p, _ in self.cdn]


@dataclass
class Timing:
    seconds: float  # wall clock
    cpu: float  # user + system of the child alone
    peak_mb: float  # its max RSS
    status: int
    server_cpu: float  # this process's CPU meanwhile (the sample blog's server threads)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
          ) -> Timing:
    """Run ``cmd`` and measure that child alone (with the children it waited for), and
    the CPU this process spent meanwhile: the sample blog's servers run in its threads."""
    started, own = time.perf_counter(), _own_cpu()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             cwd=cwd, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    return Timing(time.perf_counter() - started, usage.ru_utime + usage.ru_stime,
                  usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status),
                  _own_cpu() - own)


def goahead(site: SampleSite, out: Path, case: str, flags: list[str],
            profile: Path | None = None) -> Run:
    """``goahead crawl`` of the sample blog at zero delay, the CDN named as a static origin."""
    site.clear_requests()
    db = out / "archive.db"
    python = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if profile else [])
    shutil.rmtree(out / "warcs", ignore_errors=True)
    db.unlink(missing_ok=True)
    took = timed([
        *python, "-m", "goahead_crawler", "crawl", site.urls["goahead"], "--db", str(db),
        "--warc-dir", str(out / "warcs"), "--delay", "0", "--concurrency", "8",
        "--no-progress", "--static-origin", site.cdn_url, *flags], cwd=ROOT)
    if took.status != 0:
        raise SystemExit(f"goahead crawl ({case}) failed with exit status {took.status}")
    with sqlite3.connect(db) as conn:
        posts = conn.execute("select count(*) from posts where kind = 'post'").fetchone()[0]
        stats = json.loads(conn.execute("select stats from runs").fetchone()[0])
    return Run(case, "goahead", took.seconds, took.peak_mb, posts, site.requests("goahead"),
               site.cdn_requests(), stats.get("downloader/response_bytes", 0),
               sum(p.stat().st_size for p in (out / "warcs").glob("*.warc.gz")), took.cpu,
               float(stats.get("elapsed_time_seconds", 0)), took.server_cpu)


# goahead's crawl with parts of it switched off by their settings (bench/crawl.py --layers):
# discovery and extraction alone, then with WARC capture, then everything
LAYERS = {
    "discovery + extraction": {"GOAHEAD_ARCHIVE_ENABLED": False, "GOAHEAD_WARC_ENABLED": False},
    "+ WARC capture": {"GOAHEAD_ARCHIVE_ENABLED": False},
    "+ archive (whole crawl)": {},
}


def layer(site: SampleSite, out: Path, name: str) -> Run:
    """The spider the Scrapy way (``scrapy crawl blogger``) with the settings
    ``goahead crawl --delay 0 --concurrency 8 --static-origin CDN`` gives it, and
    :data:`LAYERS` ``[name]`` on top. Without the archive there is no worker process: the
    spider extracts posts itself."""
    from goahead_crawler.cli.crawl import capture_overrides, crawl_overrides

    site.clear_requests()
    shutil.rmtree(out / "warcs", ignore_errors=True)
    (out / "archive.db").unlink(missing_ok=True)
    settings = {**crawl_overrides(str(out / "archive.db"), str(out / "warcs"), delay=0,
                                  concurrency=8, max_posts=0, verbose=0),
                **capture_overrides(True, False, (site.cdn_url,), assets=False),
                **LAYERS[name]}
    took = timed([sys.executable, "-m", "scrapy", "crawl", "blogger", "-a",
                  f"url={site.urls['goahead']}",
                  *(f"-s{k}={','.join(v) if isinstance(v, list) else v}"
                    for k, v in settings.items())], cwd=ROOT)
    if took.status != 0:
        raise SystemExit(f"the crawl ({name}) failed with exit status {took.status}")
    blog = site.requests("goahead")
    return Run(name, "goahead", took.seconds, took.peak_mb, _posts_served(blog), blog,
               site.cdn_requests(), cpu=took.cpu, server_cpu=took.server_cpu)


def _posts_served(blog: Log) -> int:
    """Distinct post pages the blog answered with 200."""
    return len({p.split("?")[0] for _, p, s in blog
                if s == 200 and _POST.fullmatch(p.split("?")[0])})


BARE_SPIDER = ROOT / "bench" / "bare_spider.py"
# goahead crawl --delay 0 --concurrency 8 keeps AutoThrottle on (politeness adapts to the
# server's latency); the bare spider gets the same, so the two differ only in the work done.
SAME_THROTTLE = {"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 0.01,
                 "AUTOTHROTTLE_TARGET_CONCURRENCY": 8.0}


def bare(site: SampleSite, urls: list[str], out: Path, throttle: bool = True) -> Run:
    """A bare Scrapy spider downloading ``urls``: Scrapy's defaults, no project settings
    (it runs outside the project: no WARC, no archive, no scope, no extraction); with
    ``throttle``, AutoThrottle as ``goahead crawl --delay 0`` has it."""
    site.clear_requests()
    url_file, stats_file = out / "urls.txt", out / "bare-stats.json"
    url_file.write_text("\n".join(urls))
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    settings = [f"-s{k}={v}" for k, v in SAME_THROTTLE.items()] if throttle else []
    took = timed([sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER), "-a",
                  f"urls={url_file}", "-a", f"stats={stats_file}", *settings], cwd=out, env=env)
    if took.status != 0:
        raise SystemExit("the bare spider failed")
    stats = json.loads(stats_file.read_text())
    return Run("bare", "scrapy", took.seconds, took.peak_mb, 0, site.requests("goahead"),
               site.cdn_requests(), stats.get("downloader/response_bytes", 0), 0, took.cpu,
               float(stats.get("elapsed_time_seconds", 0)), took.server_cpu)


def wget(site: SampleSite, out: Path, requisites: bool = True, timeout: int = 900) -> Run:
    """The peer: ``wget --mirror`` (robots.txt obeyed) into a WARC; with ``requisites``,
    ``--page-requisites --span-hosts --domains=127.0.0.1`` (host names, not ports: the CDN
    is on the blog's host name, another port)."""
    site.clear_requests()
    spans = ["--page-requisites", "--span-hosts", "--domains=127.0.0.1"] if requisites else []
    cmd = ["wget", "--mirror", *spans, "--no-verbose", f"--warc-file={out / 'wget'}",
           f"--directory-prefix={out / 'files'}", site.urls["goahead"]]
    took = timed(["timeout", str(timeout), *cmd])  # exit 8: some 404s, as usual
    blog = site.requests("goahead")
    posts = _posts_served(blog)
    files = list(out.rglob("*.warc.gz"))
    return Run("wget", "wget", took.seconds, took.peak_mb, posts, blog, site.cdn_requests(),
               sum(f.stat().st_size for f in out.rglob("files/**/*") if f.is_file()),
               sum(f.stat().st_size for f in files), took.cpu, took.seconds, took.server_cpu)
