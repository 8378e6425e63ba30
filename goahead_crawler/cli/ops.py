"""Operations commands: ``goahead runs`` (crawl history), ``status`` and ``merge`` (shards)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import click

from goahead_crawler.cli import output
from goahead_crawler.cli.hints import BadInput, command, warn_skipped
from goahead_crawler.cli.options import (
    COUNT_MAX,
    check_warc_folder,
    db_option,
    empty,
    not_blank,
    open_existing,
    warc_dir_option,
    warc_folder,
)

# column -> where its value comes from: a runs column, or "stats:KEY" in the run's stats
RUN_COLUMNS = {
    "id": "id", "site": "site", "started": "started_at", "ended": "finished_at",
    "status": "status", "new": "posts_new", "updated": "posts_updated",
    "unchanged": "posts_unchanged", "deleted": "stats:goahead/posts/marked_deleted",
    "failed": "stats:goahead/posts/failed", "requests": "requests", "bytes": "bytes",
    "errors": "errors",
}

TEXT_COLUMNS = frozenset({"site", "started", "ended", "status"})


def run_rows(db: Any, site: str | None = None, limit: int = 20) -> Iterator[dict[str, Any]]:
    """The latest crawl runs, newest first, as RUN_COLUMNS plus their ``failures``, the
    ``command`` that started them and, for one that stopped before its end, ``resume``.

    A run whose process died (marked running, its pid gone) reads as killed, and a killed
    run's counts are at least what its rows prove it stored (archive.runs.stored_counts).
    """
    from archive.runs import latest_runs, stored_counts, with_stored_counts
    from goahead_crawler.middleware.failures import failures_from_stats
    from goahead_crawler.run_state import resume_hint, status_now

    latest: set[str] = set()
    for row in latest_runs(db, site, limit):
        row = dict(row, status=status_now(row))
        if row["status"] in ("killed", "running"):
            row = with_stored_counts(row, stored_counts(db, row["id"]))
        stats = json.loads(row["stats"] or "{}")
        out = {}
        for name, source in RUN_COLUMNS.items():
            value = stats.get(source[6:]) if source.startswith("stats:") else row[source]
            out[name] = 0 if value is None and name not in TEXT_COLUMNS else value
        out["failures"] = failures_from_stats(row["stats"])
        out["command"] = row.get("command")
        first_of_site = row["site"] not in latest
        latest.add(row["site"])
        out["resume"] = resume_hint(row) if first_of_site else None
        yield out


def columns(rows: list[list[str]]) -> str:
    """Plain aligned columns (text left, numbers right), as wide as the values need."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = [len(rows) > 1 and all(r[i].replace(",", "").replace(".", "").replace("/", "")
                                     .isdigit() for r in rows[1:]) for i in range(len(widths))]
    return "\n".join(
        "  ".join(cell.rjust(w) if num else cell.ljust(w)
                  for cell, w, num in zip(row, widths, numeric, strict=True)).rstrip()
        for row in rows)


def _run_cells(row: dict[str, Any]) -> list[str]:
    started = (row["started"] or "").replace("T", " ")[:16]  # minutes are enough here
    return [str(row["id"]), row["site"] or "", started, row["status"] or "",
            "/".join(str(row[k]) for k in ("new", "updated", "unchanged", "deleted", "failed")),
            f"{row['requests']:,}", f"{row['bytes'] / 1e6:.2f}", str(row["errors"])]


@command()
@db_option
@click.option("--site", help="Only this blog: its URL, host, host:port or name in the"
                              " sites.toml beside the archive.")
@click.option("--limit", type=click.IntRange(1, COUNT_MAX), default=20, show_default=True,
              help="At most this many runs, the latest.")
@click.option("--failures", "show_failures", is_flag=True,
              help="Also list each failure with its reason: a post the blog lists that was"
                   " not stored, a request that failed after its retries, an error.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def runs(db_path: str, site: str | None, limit: int, show_failures: bool, as_json: bool) -> None:
    """List crawl runs, newest first: status, posts new/updated/unchanged/deleted/failed,
    requests, errors (the number of failures). A running crawl shows its live counts; a
    killed one what it stored, and how to resume it.

    \b
    Example:
        goahead runs --db archive.db --limit 5
        goahead runs --db archive.db --failures
    """
    if site is not None and not site.strip():  # --site "$SITE" with SITE unset: not all
        raise empty("--site", "for every site")
    db = open_existing(db_path)
    rows = list(run_rows(db, run_site(db, site, db_path) if site else None, limit))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    header = ["id", "site", "started", "status", "posts", "requests", "MB", "errors"]
    click.echo(columns([header, *(_run_cells(row) for row in rows)]))
    click.echo("posts: new/updated/unchanged/deleted/failed")
    for row in rows:
        if row["resume"]:
            click.echo(row["resume"])
    if show_failures:
        from archive.escaping import display_url, terminal_text

        for row in rows:  # what a server sent, or a crafted archive: no terminal control
            for failure in row["failures"]:
                retries = f" ({failure['retries']} retries)" if failure.get("retries") else ""
                click.echo(terminal_text(f"run {row['id']}: {display_url(failure.get('url') or '-')}"
                                         f"  {failure['error']}{retries}"))


def run_site(db: Any, value: str, db_path: str) -> str:
    """The archive's site for a ``--site`` value (as search takes it); one with no runs
    is bad input, not an empty history."""
    from archive.runs import run_sites
    from goahead_crawler.cli.options import archive_site, site_names

    site = archive_site(value, site_names(None, db_path))
    known = run_sites(db)
    if site not in known:
        raise BadInput(f"no runs of site {site!r}; sites with runs in this archive:"
                       f" {', '.join(known) or 'none'}")
    return site


@command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def status(db_path: str, as_json: bool) -> None:
    """Show the archive at a glance: sites, posts, posts the blog lists against those in the
    archive (missing), last run per site, WARC bytes.

    \b
    Example:
        goahead status --db archive.db
    """
    from archive.runs import archive_status
    from goahead_crawler.run_state import status_now

    summary = archive_status(open_existing(db_path))
    for site in summary["sites"]:
        if site["last_status"] == "running":
            site["last_status"] = status_now({"status": "running", "pid": site.pop("last_pid"),
                                              "host": site.pop("last_host")})
        site.pop("last_pid", None)
        site.pop("last_host", None)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo(f"{db_path}: {summary['posts']:,} posts, {summary['comments']:,} comments,"
               f" {summary['runs']} runs, {summary['warc_files']} WARC files"
               f" ({summary['warc_bytes'] / 1e6:.2f} MB of records)")
    rows = [["site", "posts", "listed", "missing", "last run", "status"]]
    rows += [[site["site"], f"{site['posts']:,}", f"{site['listed']:,}",
              f"{site['missing']:,}" + (f" ({site['over_max_posts']:,} over --max-posts)"
                                        if site["over_max_posts"] else ""),
              (site["last_run"] or "").replace("T", " "), site["last_status"] or ""]
             for site in summary["sites"]]
    click.echo(columns(rows))
    if any(site["missing"] for site in summary["sites"]):
        click.echo("missing: listed by the blog, not in the archive; the next crawl fetches"
                   " them first")
    if any(site["over_max_posts"] for site in summary["sites"]):
        click.echo("over --max-posts: left out by the last run's --max-posts (a sample),"
                   " not a failure")


@command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False),
                callback=not_blank("the archive files to merge"))
@click.option("--into", "into_path", required=True, type=click.Path(dir_okay=False),
              callback=not_blank("the archive to merge into"),
              help="The archive to merge into (created if missing).")
def merge(shards: tuple[str, ...], into_path: str) -> None:
    """Merge archive shards into one archive; merging again changes nothing.

    The newest version of each post wins (by updated, then fetch time); the other is kept
    in post_versions, and deletions are kept. Captures, comments, runs and sites are
    carried over once (a run merged while running gets its final state next time). Each
    shard goes in whole or not at all; a missing shard stops the merge before the target
    is created or touched.

    \b
    Example:
        goahead merge shard-1.db shard-2.db --into archive.db
    """
    from archive import merge as archive_merge

    counts = archive_merge.merge_into(into_path, shards)
    posts = " / ".join(str(counts[f"posts_{k}"]) for k in ("new", "updated", "unchanged"))
    shards = "shard" if counts["shards"] == 1 else "shards"
    click.echo(f"merged {counts['shards']} {shards} into {into_path}: posts new/updated/"
               f"unchanged {posts}, {counts['posts_older']} older versions kept, "
               f"{counts['captures']} captures, {counts['comments']} comments, "
               f"{counts['runs']} runs" + (f" ({counts['runs_updated']} brought up to date)"
                                           if counts["runs_updated"] else ""))


@command()
@warc_dir_option("Directory of WARC files.")
@db_option
def reindex(warc_dir: str | None, db_path: str) -> None:
    """Rebuild the archive from WARC files with no network: every capture, post, page,
    earlier version, deletion and comment, and what each blog listed (its feed, sitemaps,
    HTML navigation), as the crawls wrote them.

    Into a new archive it gives the crawls' rows, but run rows (not in the WARC files):
    the listed URLs name no run. A listed post the crawls never stored is missing (named
    in the summary, counted by status, exit status 1 as for the crawl that left it), and
    the next crawl fetches it first. Into an
    existing one the rebuild is merged in, so an extractor improvement reaches it and
    nothing is un-deleted or lost. A damaged record or file is skipped with a warning
    naming the file and byte offset, and everything readable is rebuilt (exit status 1
    when anything was skipped). A --warc-dir with no finished WARC file is an error (exit
    status 1), and no archive is created.

    \b
    Example:
        goahead reindex --warc-dir warcs/ --db archive.db
    """
    from archive.connection import open_archive
    from goahead_crawler.cli.replay import note_unfinished
    from goahead_crawler.rebuild import reindex_warcs, warc_paths

    warcs = warc_folder(warc_dir, db_path)
    check_warc_folder(warc_dir, db_path, warcs)  # rebuilt without the crawls' files
    if not warcs.is_dir():  # a wrong --warc-dir: said, and no empty archive made
        raise BadInput(f"WARC folder {warcs} does not exist (pass --warc-dir, the folder"
                       " the crawl wrote)")
    note_unfinished(warcs)
    if not warc_paths(warcs):
        raise click.ClickException(f"no finished WARC files (*.warc.gz, *.warc) in {warcs};"
                                   " nothing to rebuild")
    db = open_archive(db_path, check=True)  # damaged, read-only, locked: said before any work
    try:
        with output.export_progress(enabled=True) as progress:
            result = reindex_warcs(warcs, db, progress=progress)
    finally:
        db.close()
    outcome = f"{result.new} new, {result.updated} updated, {result.unchanged} unchanged"
    if result.merged:
        outcome = f"merged in: {outcome}, {result.older} older versions added"
    click.echo(
        f"{result.files} WARC files, {result.records} captured responses: {result.posts} post"
        f" and {result.pages} page captures re-extracted ({outcome}), {result.deleted} marked"
        f" deleted, {result.comments} comments, {result.listed} listed posts and pages"
        f" ({result.missing} missing"
        + (f", {result.limited} of them over --max-posts" if result.limited else "") + ")"
        + (f"; {len(result.problems)} damaged or unreadable, skipped (see the warnings)"
           if result.problems else ""))
    from archive.escaping import display_url, terminal_text

    for url in result.missing_urls:
        click.echo(f"missing: {terminal_text(display_url(url))}")
    if result.missing > len(result.missing_urls):
        click.echo(f"missing: ... and {result.missing - len(result.missing_urls)} more")
    if result.missing:
        click.echo("missing: listed by the blog, not in the archive; the next crawl fetches"
                   " them first (goahead status)")
    warn_skipped(result.problems)  # exit status 1 after the warnings
    if result.missing > result.limited:  # the archive is incomplete, as a crawl's run
        raise click.exceptions.Exit(1)  # that left them is (not those over --max-posts)


COMMANDS = (runs, status, merge, reindex)
