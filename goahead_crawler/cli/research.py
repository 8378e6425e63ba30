"""``goahead search``, ``export`` and ``extract``: what researchers do with the archive,
and what the cleaner makes of one saved page."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path
from typing import Any

import click

from archive import export as archive_export
from archive import search as archive_search
from archive.escaping import SPREADSHEET_CELL_MAX, terminal_text
from archive.filter_check import explain_empty, unknown_value
from archive.filters import Filters
from archive.query import operator_note, parse
from goahead_crawler.cli import hits as hit_output
from goahead_crawler.cli import output
from goahead_crawler.cli.hints import BadInput, command, exclusive
from goahead_crawler.cli.options import (
    COUNT_MAX,
    archive_files,
    db_option,
    empty,
    filter_options,
    make_filters,
    not_empty,
    open_existing,
    raw_csv_option,
    refuse_to_overwrite,
    replaced_note,
)


@command()
@click.argument("query")
@db_option
@filter_options
@click.option("--whole-word", is_flag=True,
              help="Only posts where the query is a whole word (not inside a longer one).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance",
              show_default=True, help="relevance: the best matches first; date: the newest"
                                      " first.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="At most this many hits.")
@click.option("--offset", type=click.IntRange(0, COUNT_MAX), default=0,
              help="Skip this many hits first (the next page: --offset 20).")
@click.option("--count", "count_only", is_flag=True,
              help="Print only the number of matches (all of them: not with --sort, --limit"
                   " or --offset).")
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array (an object with --count).")
@click.option("--nl", "as_nl", is_flag=True, help="Output one JSON object per line.")
@click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")
@raw_csv_option
def search(query: str, db_path: str, whole_word: bool, sort: str, limit: int, offset: int,
           count_only: bool, as_json: bool, as_nl: bool, as_csv: bool, raw_csv: bool,
           **params: Any) -> None:
    """Full-text search of the archive (Thai and English).

    Phrases in quotes, AND / OR / NOT (or -word), prefix matches with term*, title:word.
    Posts where the query is a whole word rank first; --whole-word keeps only those.

    \b
    Example:
        goahead search ชุมชน --db archive.db --limit 5
        goahead search '"community development" OR ชุมชน' --json
        goahead search ผ้า --site goahead --label OTOP --since 2567 --count
    """
    exclusive(**{"--json": as_json, "--nl": as_nl, "--csv": as_csv})
    if raw_csv and not as_csv:
        raise BadInput("--raw-csv is for --csv")
    if count_only:
        refuse_with_count(click.get_current_context())
    fmt = "json" if as_json else "nl" if as_nl else "csv" if as_csv else "text"
    db = open_existing(db_path)
    filters = make_filters(params, db_path)
    refuse_unknown(db, filters)
    if count_only:
        n = archive_search.count(db, query, whole_word=whole_word, **filters.options())
        if n == 0:
            say_no_hits(db, query, whole_word, filters)
        click.echo(json.dumps(count_record(query, n, whole_word, filters), ensure_ascii=False)
                   if fmt in ("json", "nl") else n)
        return
    markers = hit_output.MARKERS if fmt == "text" else ("[", "]")
    hits = archive_search.search(db, query, whole_word=whole_word, sort=sort, limit=limit,
                                 offset=offset, markers=markers, **filters.options())
    if not hits and offset == 0:
        say_no_hits(db, query, whole_word, filters)
    elif not hits and fmt == "text" and say_past_the_end(db, query, whole_word, filters,
                                                         offset):
        return
    too_long = output.print_hits(hits, fmt, raw_csv=raw_csv)
    if too_long:
        say_too_long(too_long, whole="--json")


def refuse_with_count(ctx: click.Context) -> None:
    """``--count`` counts every match: a --limit, --offset or --sort given with it was
    ignored without a word (``--count --limit 5`` said 1,234). Refused, not honoured: a
    count of one page is the page's length, which the page itself shows; the count is of
    the query and filters, the options that select posts."""
    given = [f"--{name}" for name in ("sort", "limit", "offset")
             if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]
    if given:
        names = ", ".join(given[:-1]) + (" and " if len(given) > 1 else "") + given[-1]
        verb, them = ("does", "it") if len(given) == 1 else ("do", "them")
        raise BadInput(f"--count counts every match: {names} {verb} not apply to it"
                       f" (leave {them} out, or leave out --count)")


def say_past_the_end(db: Any, query: str, whole_word: bool, filters: Filters,
                     offset: int) -> bool:
    """A page past the last hit is not "No matches." when posts match: say how many,
    and True when it was said."""
    n = archive_search.count(db, query, whole_word=whole_word, **filters.options())
    if n:
        matches = "post matches" if n == 1 else "posts match"
        click.echo(f"No more matches: {n:,} {matches}, all before --offset {offset:,}.")
    return n > 0


def count_record(query: str, n: int, whole_word: bool, filters: Filters) -> dict[str, Any]:
    """What ``--count --json`` prints: the number, and what was counted."""
    chosen = {name: value for name, value in filters.options().items() if value}
    return {"query": query, "count": n, "whole_word": whole_word, "filters": chosen}


def refuse_unknown(db: Any, filters: Filters) -> None:
    """A repeated --site (or --label with --any-label) naming one the archive does not
    have is an error, as a single one is, though the others select posts."""
    miss = unknown_value(db, filters)
    if miss is not None:
        raise BadInput(terminal_text(miss.message))


def say_empty(db: Any, filters: Filters) -> bool:
    """An empty result because of a filter says which one: a value the archive does not
    have is an error (exit 2), a date range or a combination with no posts a note. True
    when the filters alone select no post (and that was said)."""
    miss = explain_empty(db, filters)
    if miss is None:
        return False
    message = terminal_text(miss.message)  # it names labels, authors... as archived
    if miss.unknown:
        raise BadInput(message)
    click.echo(f"note: {message}", err=True)
    return True


def say_no_hits(db: Any, query: str, whole_word: bool, filters: Filters) -> None:
    """Why a search found nothing: the filters alone select no post (:func:`say_empty`), or
    the filters and --whole-word left out posts that match, how many (as the web view
    says), so that an empty answer is never a silent one; and an ``or`` that was searched
    as a word, not the operator OR (:func:`archive.query.operator_note`)."""
    say_operator_words(query)
    if say_empty(db, filters):
        return
    narrowed = filters.given_options() + (["--whole-word"] if whole_word else [])
    if not narrowed:
        return
    without = " and ".join(narrowed)
    n = archive_search.count(db, query, include_deleted=filters.include_deleted)
    if n:
        matches = "post matches" if n == 1 else "posts match"
        click.echo(f"note: {n:,} {matches} {query!r} without {without}", err=True)
    else:
        click.echo(f"note: no post matches {query!r} without {without} either", err=True)


def _columns(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    """--columns as a list; given but naming none (``--columns ,``, ``"$COLS"`` unset) is
    an error, not every column."""
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise empty("--columns", "for the default columns")
    unknown = [name for name in names if name not in archive_export.FIELDS]
    if unknown:
        raise BadInput(f"--columns: unknown column {unknown[0]!r}; columns are "
                       f"{', '.join(archive_export.FIELDS)}")
    return names


# --out extensions of formats goahead does not write -> the one of its own to use instead
# (an export into posts.xlsx or posts.json would be JSON Lines under a name that says
# otherwise, which Excel or a JSON reader then refuses)
FOREIGN_SUFFIXES = {
    **dict.fromkeys(("xlsx", "xls", "xlsm", "ods", "numbers", "tsv"), "csv"),
    **dict.fromkeys(("html", "htm", "docx", "doc", "odt", "rtf", "pdf"), "md"),
    **dict.fromkeys(("json", "xml"), "jsonl"),
}
SPREADSHEETS = ("xlsx", "xls", "xlsm", "ods", "numbers")


def export_format(fmt: str | None, out: str | None) -> str:
    """--format, or what --out's name says (posts.csv, posts.md, ...), or jsonl; a name
    that says a format goahead does not write (posts.xlsx, posts.json) is refused."""
    if fmt:
        return fmt
    path = Path(out or "")
    suffix = path.suffix.lower().lstrip(".")
    if suffix in archive_export.FORMATS:
        return suffix
    instead = FOREIGN_SUFFIXES.get(suffix)
    if instead:
        better = path.with_suffix(f".{instead}").name
        why = ("JSON Lines is not one JSON document" if suffix == "json"
               else f"goahead does not write .{suffix}")
        excel = " (--bom for Excel)" if suffix in SPREADSHEETS else ""
        raise BadInput(f"--out {out}: {why}: name it {better}{excel}, or give --format to"
                       " write one of txt, jsonl, csv or md under that name")
    return "jsonl"


@command()
@db_option
@click.option("--format", "fmt", type=click.Choice(archive_export.FORMATS),
              help="Output format [default: from --out's name (.txt, .jsonl, .csv, .md),"
                   " else jsonl; a name like posts.xlsx or posts.json is refused].")
@click.option("--out", type=click.Path(),
              help="File, or a directory for txt/md (a folder per site); default (or -)"
                   " stdout.")
@click.option("--query", help="Only posts matching this search.")
@filter_options
@click.option("--columns", callback=_columns,
              help="csv/jsonl: these columns, comma-separated (csv default: all but html).")
@click.option("--bom", is_flag=True, help="csv: start with a byte-order mark (for Excel).")
@raw_csv_option
@click.option("--with-comments", is_flag=True, help="jsonl/md: each post's comments too.")
@click.option("--with-versions", is_flag=True,
              help="jsonl/md: each post's earlier versions too.")
def export(db_path: str, fmt: str | None, out: str | None, query: str | None,
           columns: list[str] | None, bom: bool, raw_csv: bool, with_comments: bool,
           with_versions: bool, **params: Any) -> None:
    """Export cleaned posts as txt, jsonl, csv or md.

    jsonl and csv stream to stdout (or --out FILE); txt and md write one file per post
    into the --out directory, in a folder per site (md: Markdown from the clean HTML, with
    YAML front matter), or all posts into one file with --out FILE.txt / FILE.md.

    \b
    Example:
        goahead export --db archive.db --out posts.jsonl
        goahead export --db archive.db --format md --out posts-md/
        goahead export --db archive.db --out posts.csv --bom --since 2567
    """
    out = None if out == "-" else out  # the usual name of stdout (./- is a file named -)
    fmt = export_format(fmt, out)
    _check_out(out, fmt, db_path)
    _check_export_options(fmt, columns, bom, raw_csv, with_comments, with_versions)
    if query is not None:  # --query "" is no search, not every post
        parse(query)  # a malformed query is its own error, before anything else
    db = open_existing(db_path)
    filters = make_filters(params, db_path)
    refuse_unknown(db, filters)
    emptied = say_empty(db, filters)  # before any file: a --site the archive lacks is exit 2
    replacing = out is not None and Path(out).is_file()
    replaced: list[Path] = []  # a post's file in an --out directory, from an earlier export
    too_long: list[str] = []  # csv: posts with a cell a spreadsheet would cut
    with output.export_progress(enabled=out is not None) as progress:
        n = archive_export.export(
            db, fmt, out or output.data_stdout(), query=query, progress=progress, columns=columns,
            bom=bom, raw_csv=raw_csv, with_comments=with_comments,
            with_versions=with_versions, replaced=replaced, too_long=too_long,
            **filters.options())
    if too_long:
        say_too_long(too_long)
    if n == 0 and query and not emptied:
        say_query_missed(db, query, filters)
    if out:
        click.echo(f"exported {n} post{'' if n == 1 else 's'} to {out}"
                   f"{replaced_note(replacing, replaced)}",
                   err=True)


def say_too_long(urls: list[str], whole: str = "jsonl") -> None:
    """A CSV cell a spreadsheet would cut, said (the file holds it whole), for export and
    search --csv; ``whole``: the format to use instead."""
    posts = "post has a cell" if len(urls) == 1 else "posts have cells"
    click.echo(f"warning: {len(urls):,} {posts} longer than a spreadsheet cell holds"
               f" ({SPREADSHEET_CELL_MAX:,} characters), which Excel cuts when it opens the"
               f" file; the CSV holds them whole, and {whole} is read whole everywhere."
               f" First: {terminal_text(urls[0])}", err=True)


def say_operator_words(query: str) -> None:
    note = operator_note(query)
    if note is not None:
        click.echo(f"note: {terminal_text(note)}", err=True)


def say_query_missed(db: Any, query: str, filters: Filters) -> None:
    """An export that --query left empty says so (how many posts match without the
    filters, when there are some), never an empty output with no word."""
    if filters.given_options():
        say_no_hits(db, query, False, filters)
    else:
        say_operator_words(query)
        click.echo(f"note: no post matches {query!r}; nothing was exported", err=True)


def _check_out(out: str | None, fmt: str, db_path: str) -> None:
    """--out is not empty (``--out "$DIR"`` with DIR unset is not stdout), not a
    directory for a one-file format, nor the archive it reads."""
    if out is None:
        return
    if not out.strip():
        raise empty("--out", "to write to stdout")
    if fmt in ("jsonl", "csv") and (out.endswith(("/", os.sep)) or Path(out).is_dir()):
        raise BadInput(f"--out {out} is a directory, and {fmt} is one file (give a file "
                       "name, or --format md or txt for a file per post)")
    refuse_to_overwrite(out, archive_files(db_path))


def _check_export_options(fmt: str, columns: list[str] | None, bom: bool, raw_csv: bool,
                          with_comments: bool, with_versions: bool) -> None:
    if columns and fmt not in ("csv", "jsonl"):
        raise BadInput(f"--columns is for csv and jsonl, not {fmt}")
    for flag, given in (("--bom", bom), ("--raw-csv", raw_csv)):
        if given and fmt != "csv":
            raise BadInput(f"{flag} is for csv, not {fmt}")
    if (with_comments or with_versions) and fmt not in ("jsonl", "md"):
        raise BadInput(f"--with-comments and --with-versions are for jsonl and md, not {fmt}")


@command()
@click.argument("page", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", callback=not_empty("for the file's own address"),
              help="The page's URL (for relative links and ids).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
def extract(page: str, url: str | None, as_json: bool) -> None:
    """Clean one saved post page and print what the crawler would store.

    A page in which no title, text, image, post id or date is found (an empty save) is
    one line, exit status 1; an untitled post of a photo alone is printed.

    \b
    Example:
        goahead extract saved-post.html --url https://example.blogspot.com/2024/01/x.html
    """
    from dataclasses import asdict

    from goahead_crawler.extract import extract_article

    body = Path(page).read_bytes()
    refuse_binary(page, body)
    article = extract_article(body, url or Path(page).resolve().as_uri())
    if article.holds_nothing():
        # an empty save, or a page of nothing: said, not printed as blank lines and exit 0
        raise click.ClickException(f"{page}: no article found (no title, text, image, post"
                                   " id or date)")
    if as_json:
        click.echo(json.dumps(asdict(article), ensure_ascii=False, indent=2))
    else:
        output.print_article(article)


# a page saved in UTF-16 or UTF-32 has NUL bytes, and starts with its byte-order mark
WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
MAGIC = {b"\x1f\x8b": "gzip data (a WARC file? goahead warc-get URL prints a page of one)",
         b"SQLite format 3\x00": "an SQLite database (an archive? goahead search)",
         b"PK\x03\x04": "a zip file (a WACZ?)", b"%PDF": "a PDF file"}


def refuse_binary(page: str, body: bytes) -> None:
    """A file that is no saved page (a WARC, the archive, a zip) is bad input: cleaned, it
    was its bytes as a post's text, and exit 0."""
    kind = next((what for magic, what in MAGIC.items() if body.startswith(magic)), None)
    if kind is None and b"\x00" in body[:4096] and not body.startswith(WIDE_BOMS):
        kind = "binary data"
    if kind:
        raise BadInput(f"{page} is not a saved web page: {kind}")


COMMANDS = (search, export, extract)
