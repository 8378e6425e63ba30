"""``goahead warc-get``, ``index`` and ``wacz``: read, index and package the crawl's WARC files."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from goahead_crawler.cli.hints import BadInput, command, exclusive, warn_skipped
from goahead_crawler.cli.options import (
    archive_files,
    db_option,
    empty,
    not_empty,
    open_existing,
    refuse_to_overwrite,
    replaced_note,
    warc_dir_option,
    warc_folder,
)
from goahead_crawler.warc.files import WARC_NAMES, find_open_files, folder_warcs

HOLDING = "Directory holding the WARC files."


def finished_warcs(warc_dir: str | Path, problems: list[str]) -> list[Path]:
    """The finished WARC files of ``warc_dir``; a missing or empty directory is a user error.

    ``.open`` files (being written, or left by a crash until the next crawl repairs them)
    are skipped, with a note on stderr; a path named like a WARC file that is no file
    (a folder, a link to nothing) is skipped with a line in ``problems`` (exit status 1).
    """
    directory = Path(warc_dir)
    if not directory.is_dir():
        raise click.ClickException(f"no WARC directory at {directory} (crawl first, or pass "
                                   "--warc-dir)")
    paths, skipped = folder_warcs(directory)
    problems.extend(skipped)
    note_unfinished(directory)
    if not paths:
        raise click.ClickException("no finished WARC files"
                                   f" ({', '.join('*' + n for n in WARC_NAMES)}) in {directory}")
    return paths


def note_unfinished(directory: Path) -> None:
    """Say on stderr that ``.open`` files (being written, or left by a crash until the next
    crawl repairs them) are skipped: they are WARC files, just not finished ones."""
    still_open = find_open_files(directory)
    if still_open:
        click.echo(f"skipping {len(still_open)} unfinished .open file(s) in {directory} "
                   "(a running crawl, or a crash the next crawl will repair)", err=True)


@command("warc-get")
@click.argument("url")
@db_option
@warc_dir_option(HOLDING)
@click.option("--at", "at", metavar="TIMESTAMP",
              callback=not_empty("for the latest capture"),
              help="The capture at or before this time (2024-01-05, 2024-01-05T10:00:00Z, "
                   "20240105100000); default: the latest.")
@click.option("--headers", "show_headers", is_flag=True,
              help="Print the archived HTTP status line and headers, byte for byte as "
                   "recorded, instead of the body.")
@click.option("--raw", is_flag=True,
              help="Print the body as stored (still gzip if the server sent gzip).")
def warc_get(url: str, db_path: str, warc_dir: str | None, at: str | None,
             show_headers: bool, raw: bool) -> None:
    """Print the archived response of URL, read straight from its WARC record.

    A revisit (unchanged page on a re-crawl) is followed to the full response it
    relies on; a 304 Not Modified, whose headers describe no body, is shown as the
    capture it confirmed (headers and body), said on stderr. The body is printed
    decoded unless --raw is given. A damaged record, or
    a body that inflates past 64 MiB (the crawl's DOWNLOAD_MAXSIZE), prints nothing:
    one line naming the file and byte offset, exit status 1.

    \b
    Example:
        goahead warc-get https://example.blogspot.com/2024/01/post.html --db archive.db
        goahead warc-get https://example.blogspot.com/ --at 2024-01-05 --headers
    """
    from goahead_crawler.warc.retrieve import at_bound, recorded_head, retrieve

    exclusive(**{"--headers": show_headers, "--raw": raw})
    if not url.strip():  # goahead warc-get "$URL" with URL unset: not "no capture of "
        raise BadInput("URL is empty (give the address of an archived page)")
    try:
        bound = at_bound(at) if at else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from exc
    warcs = warc_folder(warc_dir, db_path)
    db = open_existing(db_path)
    try:
        got = retrieve(db, warcs, url, at=bound)
    finally:
        db.close()
    output = (recorded_head(warcs, got.head) if show_headers else
              got.payload if raw else got.decoded)
    if got.confirmed is not None:
        body_from = ("" if got.original in (None, got.confirmed) else
                     f" (body from {got.original.warc_file}, {got.original.fetched_at})")
        click.echo(f"the capture of {got.capture.fetched_at} was a 304 Not Modified "
                   f"confirming the capture of {got.confirmed.fetched_at} in "
                   f"{got.confirmed.warc_file}: its headers and body{body_from}", err=True)
    elif got.original is not None:
        click.echo(f"revisit captured {got.capture.fetched_at}; body from "
                   f"{got.original.warc_file} ({got.original.fetched_at})", err=True)
    # click.echo writes bytes to stdout's binary stream unchanged.
    click.echo(output, nl=False)


@command()
@warc_dir_option(HOLDING, default="[default: ./warcs]")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="CDXJ file; default (or -) stdout.")
def index(warc_dir: str | None, out: str | None) -> None:
    """Write a CDXJ index (pywb/ReplayWeb.page format) of every finished WARC file.

    A damaged record is left out with a warning naming its file and byte offset (exit
    status 1); the records after it are indexed. --out is written beside the file and
    renamed over it once complete: a stopped run leaves the earlier index as it was.

    \b
    Example:
        goahead index --warc-dir warcs --out index.cdxj
    """
    from archive.export import written_whole
    from goahead_crawler.warc.indexing import write_cdxj

    if out is not None and not out.strip():  # --out "$FILE" with FILE unset
        raise empty("--out", "to write to stdout")
    out = None if out == "-" else out  # the usual name of stdout (./- is a file named -)
    problems: list[str] = []
    paths = finished_warcs(warc_folder(warc_dir), problems)
    if out is None:
        write_cdxj(paths, sys.stdout, problems=problems)
    else:
        refuse_to_overwrite(out, paths)
        replacing = Path(out).is_file()
        with written_whole(Path(out)) as written:  # stopped: the earlier index stays
            write_cdxj(paths, written, problems=problems)
        click.echo(f"indexed {len(paths)} WARC file(s) into {out}"
                   f"{replaced_note(replacing)}", err=True)
    warn_skipped(problems)


@command()
@db_option
@warc_dir_option(HOLDING)
@click.option("--out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The .wacz file to write (a file: a WACZ is a zip, never stdout).")
def wacz(db_path: str, warc_dir: str | None, out: str) -> None:
    """Package every finished WARC file as a WACZ, ready to open in ReplayWeb.page.

    Its page list is each blog's home page, then the archive's posts and static pages,
    with their titles and clean text (ReplayWeb.page's full-text search). A WACZ whose
    pages are not all in these WARC files is refused (exit status 1). A damaged WARC file
    goes in without its damaged records, each named in a warning (exit status 1). The
    WACZ is written beside --out and renamed over it once complete: a stopped or refused
    run leaves the file that was there as it was.

    \b
    Example:
        goahead wacz --db archive.db --warc-dir warcs --out crawl.wacz
    """
    from contextlib import redirect_stdout

    from archive.captures import page_captures
    from archive.export import written_whole
    from goahead_crawler.warc.indexing import (
        make_wacz,
        pages_outside,
        wacz_page_count,
        wacz_remarks,
    )

    if not out.strip():
        raise BadInput("--out is empty (give the .wacz file to write)")
    if out == "-":  # a zip's directory is at its end, written once the WARCs are in: a pipe
        # would hold a package no reader opens until the whole of it arrived (a file named
        # "-" would be one nobody asked for)
        raise BadInput("--out -: a WACZ is a zip file, not written to stdout (give the"
                       " .wacz file to write)")
    warcs = warc_folder(warc_dir, db_path)
    problems: list[str] = []
    paths = finished_warcs(warcs, problems)
    refuse_to_overwrite(out, [*paths, *archive_files(db_path)])
    db = open_existing(db_path)
    try:
        pages = page_captures(db, [Path(p).name for p in paths])
    finally:
        db.close()
    missing = pages_outside(pages, paths)
    if missing:
        first = missing[0]
        where = ", ".join(first["warc_files"] or ["a revisit's original, not archived"])
        raise click.ClickException(
            f"{len(missing)} of {len(pages)} pages are not in the WARC files of {warcs}"
            f" (first: {first['url']} in {where}); pass the --warc-dir the crawl wrote")
    replacing = Path(out).is_file()
    # py-wacz narrates its steps on stdout: kept out, but for its remarks (wacz_remarks);
    # stopped or failed, the earlier WACZ stays
    said, done = io.StringIO(), False
    try:
        with redirect_stdout(said), written_whole(Path(out)) as written:
            make_wacz(paths, written, pages, problems=problems)
        done = True
    finally:
        for remark in wacz_remarks(said.getvalue()):
            click.echo(remark, err=True)
        if not done:  # the damage found is often why it failed ("only 0 of 15 pages
            # matched a record"): said before the error, as it is after a WACZ written
            for line in problems:
                click.echo(f"warning: {line}", err=True)
    listed = wacz_page_count(out)  # what it lists: pages of damaged records are left out
    of = "" if listed == len(pages) else f" of {len(pages)}"
    click.echo(f"wrote {out}: {len(paths)} WARC file(s), {listed}{of} pages, "
               f"{Path(out).stat().st_size:,} bytes{replaced_note(replacing)}")
    warn_skipped(problems)


COMMANDS = (warc_get, index, wacz)
