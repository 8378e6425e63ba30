"""``goahead search``, ``export`` and ``extract``: what researchers do with the archive,
and what the cleaner makes of one saved page."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from archive import export as archive_export
from archive import search as archive_search
from goahead_crawler.cli import output
from goahead_crawler.cli.hints import command
from goahead_crawler.cli.options import db_option, filter_options, open_existing


@command()
@click.argument("query")
@db_option
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--count", "count_only", is_flag=True, help="Print only the number of matches.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")
def search(query: str, db_path: str, count_only: bool, as_json: bool, as_csv: bool,
           **filters: Any) -> None:
    """Full-text search of the archive (Thai and English).

    Phrases in quotes, AND / OR / NOT, prefix matches with term*.

    \b
    Example:
        goahead search ชุมชน --db archive.db --limit 5
        goahead search '"community development" OR ชุมชน' --json
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    db = open_existing(db_path)
    limit, offset = filters.pop("limit"), filters.pop("offset")
    sort = filters.pop("sort")
    if count_only:
        click.echo(archive_search.count(db, query, **filters))
        return
    hits = archive_search.search(db, query, sort=sort, limit=limit, offset=offset, **filters)
    output.print_hits(hits, "json" if as_json else "csv" if as_csv else "text")


@command()
@db_option
@click.option("--format", "fmt", type=click.Choice(archive_export.FORMATS), default="jsonl",
              show_default=True)
@click.option("--out", type=click.Path(), help="File (or directory for txt/md); default stdout.")
@click.option("--query", help="Only posts matching this search.")
@filter_options
def export(db_path: str, fmt: str, out: str | None, query: str | None, **filters: Any) -> None:
    """Export cleaned posts as txt, jsonl, csv or md.

    jsonl and csv stream to stdout (or --out FILE); txt and md write one file per post into
    the --out directory (txt with --out FILE.txt: one file, posts separated by a delimiter).

    \b
    Example:
        goahead export --db archive.db --format jsonl --out posts.jsonl
        goahead export --db archive.db --format md --out posts-md/
    """
    db = open_existing(db_path)
    with output.export_progress(enabled=out is not None) as progress:
        n = archive_export.export(db, fmt, out or sys.stdout, query=query, progress=progress,
                                 **filters)
    if out:
        click.echo(f"exported {n} posts to {out}", err=True)


@command()
@click.argument("page", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", default="", help="The page's URL (for relative links and ids).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
def extract(page: str, url: str, as_json: bool) -> None:
    """Clean one saved post page and print what the crawler would store.

    \b
    Example:
        goahead extract saved-post.html --url https://example.blogspot.com/2024/01/x.html
    """
    from dataclasses import asdict

    from goahead_crawler.extract import extract_article

    article = extract_article(Path(page).read_bytes(), url or Path(page).resolve().as_uri())
    if as_json:
        click.echo(json.dumps(asdict(article), ensure_ascii=False, indent=2))
    else:
        output.print_article(article)


COMMANDS = (search, export, extract)
