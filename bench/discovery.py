"""Discovery cost: requests per archived post on a 1,000-post sample blog, against wget.

    python bench/discovery.py [--posts 1000] [--no-wget] [--json]

Runs ``goahead crawl`` (a subprocess, as a user would) against the local sample blog with
default settings and feeds on, then with feeds off, and mirrors the same blog with
``wget --mirror --warc-file`` as the peer. Requests are counted on the server side (the
sample blog logs every request it answers), so every tool is measured the same way.
Issue 3's target for goahead with feeds on: at most 1.02 requests per archived post.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sampleblog.server import SiteOptions, start
from sampleblog.sitemaps import PAGE_SIZE

_POST = re.compile(r"/\d{4}/\d{2}/[^/]+\.html")


def goahead(url: str, out: Path) -> tuple[float, int]:
    """Crawl ``url``; (seconds, posts archived)."""
    db = out / "archive.db"
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "goahead_crawler", "crawl", url, "--db", str(db),
         "--warc-dir", str(out / "warcs"), "--delay", "0", "--concurrency", "16"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    elapsed = time.perf_counter() - began
    if result.returncode != 0:
        raise SystemExit(f"goahead crawl failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    with sqlite3.connect(db) as conn:
        posts = conn.execute("select count(*) from posts where kind = 'post'").fetchone()[0]
    return elapsed, posts


def wget(url: str, out: Path, timeout: int) -> float:
    """Mirror ``url`` with wget (robots.txt obeyed, its default) into a WARC; seconds."""
    began = time.perf_counter()
    subprocess.run(
        ["wget", "--mirror", "--no-verbose", "--warc-file", str(out / "wget"),
         "--directory-prefix", str(out / "mirror"), "--no-host-directories", url],
        capture_output=True, text=True, check=False, timeout=timeout,
    )
    return time.perf_counter() - began


def posts_served(log: list[tuple[str, str, int]]) -> int:
    """Distinct post pages the blog answered with 200 (what a mirror holds)."""
    return len({p.split("?")[0] for _, p, status in log
                if status == 200 and _POST.fullmatch(p.split("?")[0])})


def measure(name: str, n_posts: int, options: SiteOptions, tool: str, timeout: int) -> dict:
    with start(["goahead"], n_posts=n_posts, options=options) as site, \
            tempfile.TemporaryDirectory() as tmp:
        url = site.urls["goahead"]
        if tool == "goahead":
            seconds, posts = goahead(url, Path(tmp))
        else:
            seconds = wget(url, Path(tmp), timeout)
            posts = posts_served(site.requests("goahead"))
        requests = len(site.requests("goahead"))
        blog = site.blog("goahead")
        return {
            "case": name, "tool": tool, "live_posts": len(blog.posts),
            "posts_with_comments": sum(1 for p in blog.posts if p.comments),
            "archived_posts": posts, "requests": requests,
            "requests_per_post": round(requests / max(posts, 1), 4),
            "seconds": round(seconds, 1),
        }


def target(n_posts: int, cap: int, static_pages: int) -> float:
    """Issue 3's floor: post pages, feed pages, robots.txt, sitemaps, static pages."""
    sitemaps = 1 + math.ceil(n_posts / PAGE_SIZE) + 1
    return (n_posts + math.ceil(n_posts / cap) + 1 + sitemaps + static_pages) / n_posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--no-wget", action="store_true")
    parser.add_argument("--wget-timeout", type=int, default=900)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [
        measure("feeds on (default)", args.posts, SiteOptions(), "goahead", 0),
        measure("feeds off", args.posts, SiteOptions(feeds="off"), "goahead", 0),
        measure("feeds and sitemap off", args.posts, SiteOptions(feeds="off", sitemap=False),
                "goahead", 0),
    ]
    if not args.no_wget and shutil.which("wget"):
        rows.append(measure("wget --mirror", args.posts, SiteOptions(), "wget",
                            args.wget_timeout))
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"floor with feeds on: {target(args.posts, 150, 2):.4f} requests/post (target <= 1.02)")
    for row in rows:
        print(f"{row['case']:<24} {row['tool']:<8} archived {row['archived_posts']:>5}/"
              f"{row['live_posts']:<5} requests {row['requests']:>6} "
              f"=> {row['requests_per_post']:.4f}/post in {row['seconds']:.1f}s")


if __name__ == "__main__":
    main()
