"""``python -m sampleblog``: serve the sample blogs until SIGTERM/SIGINT.

Prints one ``NAME URL`` line per blog, then ``cdn URL`` (the local stand-in for Blogger's
image and static hosts), on stdout (flushed) once every server is listening.

Example::

    python -m sampleblog --blog goahead --posts 500 --cap 150 --feeds summary --image-pool 50
    python -m sampleblog --blog goahead --latency 100   # answers as a distant host would
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from sampleblog.content import BLOG_NAMES
from sampleblog.server import start
from sampleblog.site import ACCESS_MODES, FEED_MODES, SiteOptions


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sampleblog", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--blog",
        action="extend",
        nargs="+",
        choices=BLOG_NAMES,
        help="blog(s) to serve (repeatable; default all)",
    )
    parser.add_argument(
        "--posts", type=int, default=None, help="posts per blog, padded with synthetic ones"
    )
    parser.add_argument(
        "--image-pool", type=int, default=None, help="distinct images the synthetic posts share"
    )
    parser.add_argument("--cap", type=int, default=150, help="silent cap on the feeds' max-results")
    parser.add_argument("--feeds", choices=FEED_MODES, default="full", help="blog feed setting")
    parser.add_argument("--no-sitemap", action="store_true", help="serve no sitemap.xml")
    parser.add_argument("--no-gzip", action="store_true", help="never gzip responses")
    parser.add_argument(
        "--sitemap-only", type=int, default=0, metavar="N", help="N posts missing from the feeds"
    )
    parser.add_argument(
        "--deleted-in-sitemap", action="store_true", help="sitemap lists a deleted post"
    )
    parser.add_argument(
        "--redirect-post", action="store_true", help="one old post URL 301-redirects"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="MS",
        help="wait MS milliseconds before each answer, as a distant host would (default 0)",
    )
    parser.add_argument(
        "--access", choices=ACCESS_MODES, default="public",
        help="private: every URL redirects to sign-in; removed: Blogger's Blog-not-found 404",
    )
    return parser


def options_from(args: argparse.Namespace) -> SiteOptions:
    return SiteOptions(
        feeds=args.feeds,
        max_results_cap=args.cap,
        sitemap=not args.no_sitemap,
        gzip=not args.no_gzip,
        extra_sitemap_only_posts=args.sitemap_only,
        deleted_in_sitemap=args.deleted_in_sitemap,
        redirect_post=args.redirect_post,
        access=args.access,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        site = start(args.blog, args.posts, options_from(args), args.image_pool,
                     args.latency / 1000)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with site:
        for name, url in site.urls.items():
            print(name, url, flush=True)
        print("cdn", site.cdn_url, flush=True)
        while not stop.wait(0.1):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
