"""Discovery cost: requests and bytes per archived post on a 1,000-post sample blog, against wget.

    python bench/discovery.py [--posts 1000] [--image-pool 100] [--no-wget] [--json]

Runs ``goahead crawl`` (a subprocess, as a user would) against the local sample blog and
its CDN (named with ``--static-origin``): feeds on with images on (the default), off, and
with page requisites; then feeds off, and feeds and sitemap off. The peer is wget, as
``--mirror`` and as ``--mirror --page-requisites --span-hosts``. Requests are counted on the
servers' side (the blog and the CDN log every request they answer), so every tool is
measured the same way; the photos of the synthetic posts come from a pool of IMAGE_POOL
images, so they repeat across posts. Issue 3's target for goahead's discovery with feeds on:
at most 1.02 blog requests per archived post before the home page and month archives
(captured for replay: one request per month with posts, and one).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from runs import Run, goahead, wget  # bench/runs.py

from sampleblog.server import SiteOptions, start
from sampleblog.sitemaps import PAGE_SIZE

CASES = (
    ("feeds on, images on (default)", SiteOptions(), []),
    ("feeds on, images off", SiteOptions(), ["--no-images"]),
    ("feeds on, requisites", SiteOptions(), ["--requisites"]),
    ("feeds off", SiteOptions(feeds="off"), []),
    ("feeds and sitemap off", SiteOptions(feeds="off", sitemap=False), []),
)


def measure(case: str, options: SiteOptions, flags: list[str] | None, args: argparse.Namespace
            ) -> Run:
    """goahead with ``flags``, or wget (``flags`` None: --mirror; ["-p"]: with requisites)."""
    with start(["goahead"], n_posts=args.posts, options=options,
               image_pool=args.image_pool) as site, tempfile.TemporaryDirectory() as tmp:
        if flags is None or flags == ["-p"]:
            run = wget(site, Path(tmp), requisites=bool(flags), timeout=args.wget_timeout)
            run.case = case
            return run
        return goahead(site, Path(tmp), case, flags)


def floor(n_posts: int, cap: int, static_pages: int) -> float:
    """Issue 3's floor: post pages, feed pages, robots.txt, sitemaps, static pages."""
    sitemaps = 1 + math.ceil(n_posts / PAGE_SIZE) + 1
    return (n_posts + math.ceil(n_posts / cap) + 1 + sitemaps + static_pages) / n_posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--image-pool", type=int, default=100)
    parser.add_argument("--no-wget", action="store_true")
    parser.add_argument("--wget-timeout", type=int, default=900)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = [measure(case, options, flags, args) for case, options, flags in CASES]
    if not args.no_wget and shutil.which("wget"):
        runs.append(measure("wget --mirror", SiteOptions(), None, args))
        runs.append(measure("wget --mirror -p -H", SiteOptions(), ["-p"], args))
    if args.json:
        print(json.dumps([{**asdict(r), "blog": len(r.blog), "cdn": len(r.cdn)} for r in runs],
                         indent=2))
        return
    print(f"floor with feeds on, before listings: {floor(args.posts, 150, 2):.4f} blog"
          " requests/post (target <= 1.02)")
    print(f"{'case':<31}{'posts':>6}{'blog':>7}{'cdn':>6}{'blog/p':>8}{'all/p':>8}"
          f"{'KB rx/p':>9}{'s':>7}")
    for r in runs:
        print(f"{r.case:<31}{r.posts:>6}{len(r.blog):>7}{len(r.cdn):>6}"
              f"{r.per_post(len(r.blog)):>8.3f}{r.per_post(r.requests):>8.3f}"
              f"{r.per_post(r.bytes_received) / 1e3:>9.1f}{r.seconds:>7.1f}")


if __name__ == "__main__":
    main()
