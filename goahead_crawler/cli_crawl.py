"""``goahead crawl``: flags become Scrapy settings overrides; the exit status comes from stats."""

from __future__ import annotations

import sys
from typing import Any

import click

from goahead_crawler import report
from goahead_crawler.cli_options import db_option


@click.command()
@click.argument("url", required=False)
@db_option
@click.option("--warc-dir", default="warcs", show_default=True, type=click.Path(file_okay=False),
              help="Directory for WARC files.")
@click.option("--delay", type=float, help="Seconds between requests to the blog (min).")
@click.option("--concurrency", type=int, help="Concurrent requests to the blog.")
@click.option("--max-posts", type=int, default=0, help="Stop after this many posts (0: all).")
@click.option("--no-pages", is_flag=True, help="Skip static pages (/p/*.html).")
@click.option("--contact", help="URL or e-mail for site owners, put in the User-Agent.")
@click.option("-v", "--verbose", count=True, help="-v: Scrapy's INFO log, -vv: DEBUG.")
def crawl(url: str | None, db_path: str, warc_dir: str, delay: float | None,
          concurrency: int | None, max_posts: int, no_pages: bool, contact: str | None,
          verbose: int) -> None:
    """Crawl one Blogger blog (blogspot or custom domain) into WARC files and an archive.

    \b
    Example:
        goahead crawl https://example.blogspot.com/ --db archive.db --warc-dir warcs/
    """
    from goahead_crawler.blogger.urls import BlogUrlError, blog_root
    from goahead_crawler.runner import project_settings, run_crawls

    if not url:
        raise click.UsageError("give the blog's URL, e.g. goahead crawl https://NAME.blogspot.com/")
    try:
        root = blog_root(url)
    except BlogUrlError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from exc
    overrides = crawl_overrides(db_path, warc_dir, delay, concurrency, max_posts, verbose)
    if no_pages:
        overrides["GOAHEAD_PAGES_ENABLED"] = False
    if contact:
        overrides["USER_AGENT"] = f"goahead/0.1 (web archiver; +{contact})"
    results = run_crawls([root], project_settings(overrides))
    report.print_crawl_summary(results, db_path, warc_dir)
    sys.exit(0 if all(r.ok for r in results) else 1)


def crawl_overrides(db_path: str, warc_dir: str, delay: float | None, concurrency: int | None,
                    max_posts: int, verbose: int) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "GOAHEAD_ARCHIVE_DB": db_path,
        "GOAHEAD_WARC_DIR": warc_dir,
        "GOAHEAD_MAX_POSTS": max_posts,
        "LOG_LEVEL": ["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
    }
    if delay is not None:
        overrides["DOWNLOAD_DELAY"] = delay
        overrides["AUTOTHROTTLE_START_DELAY"] = max(delay, 0.01)
    if concurrency is not None:
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
        overrides["AUTOTHROTTLE_TARGET_CONCURRENCY"] = float(concurrency)
    return overrides
