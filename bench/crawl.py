"""Crawl benchmark: the full goahead pipeline against a bare Scrapy download of the same URLs.

    python bench/crawl.py [--posts 500]

Starts the sample blog with N posts on 127.0.0.1, crawls it with ``goahead crawl`` at zero
delay (feed -> pages -> extract -> WARC -> SQLite), then downloads exactly the URLs that crawl
fetched with a bare Scrapy spider (no extraction, no WARC, no archive). Prints pages per
second, requests per archived post, peak memory, and the ratio full / bare.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sampleblog.server import start

HERE = Path(__file__).resolve().parent


def run(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of that child alone)."""
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0,):
        raise SystemExit(f"{cmd[:4]} failed with exit status {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, start(blogs=["goahead"], n_posts=args.posts) as site:
        url = site.urls["goahead"]
        db, warcs = Path(tmp) / "bench.db", Path(tmp) / "warcs"
        full_s, full_mb = run([
            sys.executable, "-m", "goahead_crawler", "crawl", url, "--db", str(db),
            "--warc-dir", str(warcs), "--delay", "0", "--concurrency", "8",
        ])
        with sqlite3.connect(db) as conn:
            posts = conn.execute("select count(*) from posts").fetchone()[0]
            urls = [row[0] for row in conn.execute("select url from captures")]
        url_file = Path(tmp) / "urls.txt"
        url_file.write_text("\n".join(urls))
        bare_s, bare_mb = run([
            sys.executable, "-m", "scrapy", "runspider", "-L", "WARNING", str(HERE / "bare_spider.py"),
            "-a", f"urls={url_file}",
        ])
        warc_mb = sum(f.stat().st_size for f in warcs.glob("*.warc.gz")) / 1e6
    print(f"sample blog: {args.posts} posts requested, {posts} archived, {len(urls)} requests")
    print(f"{'':<28}{'seconds':>10}{'pages/s':>10}{'peak MB':>10}")
    print(f"{'goahead crawl (full)':<28}{full_s:>10.2f}{len(urls) / full_s:>10.1f}{full_mb:>10.0f}")
    print(f"{'bare scrapy download':<28}{bare_s:>10.2f}{len(urls) / bare_s:>10.1f}{bare_mb:>10.0f}")
    print(f"requests per archived post: {len(urls) / max(posts, 1):.3f}")
    print(f"WARC written: {warc_mb:.1f} MB")
    print(f"ratio full / bare time: {full_s / bare_s:.2f}")


if __name__ == "__main__":
    main()
