"""What the CLI prints: crawl summaries, search hits, articles, progress (rich on a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from archive.escaping import terminal_text

console = Console()
err_console = Console(stderr=True)


class TerminalSafe:
    """stdout on a terminal, for data (an export, search --csv/--json): what is written
    has its control characters and bidi overrides escaped
    (:func:`archive.escaping.terminal_text`; line ends kept), so that reading it there
    never runs a post's ESC sequences. Piped or redirected, stdout is written as archived."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(terminal_text(text.replace("\r\n", "\n"), lines=True))

    def flush(self) -> None:
        self.stream.flush()


def data_stdout() -> IO[str]:
    """Where a command writes data: stdout, made :class:`TerminalSafe` on a terminal."""
    return TerminalSafe(sys.stdout) if sys.stdout.isatty() else sys.stdout


def warc_files(warc_dir: str | Path) -> list[Path]:
    """The finished WARC files the crawl summary sizes (a link to nothing had no size)."""
    from goahead_crawler.warc.files import folder_warcs

    return folder_warcs(warc_dir)[0]


SUMMARY_ROWS = (
    ("found: feed/sitemap/html", None),
    ("posts archived", "goahead/stored/posts"),  # committed to the archive, not just fetched
    ("static pages", "goahead/stored/pages"),
    ("comments", "goahead/comments/stored"),
    ("new/updated/unchanged", None),
    ("images ok/failed", None),
    ("requisites ok/failed", None),
    ("home + month pages", "goahead/listings/captured"),
    ("requests", "downloader/request_count"),
    ("bytes received", "downloader/response_bytes"),
    ("WARC records", "goahead/warc/records_written"),
    ("gone (404/410)", "goahead/posts/gone"),
    ("robots.txt excluded", "robotstxt/forbidden"),
    ("listed/stored/missing", None),
    ("errors", None),
    ("result", None),
)
# Discovery sources as the spider counts them (goahead/found/<source>).
FOUND_SOURCES = (("feed",), ("sitemap", "sitemap-pages"), ("pager", "html-links"))


def _summary_cell(result: Any, label: str, key: str | None) -> str:
    if key:
        return f"{result.stat(key):,}"
    if label == "errors":
        return str(result.errors)
    if label == "result":
        return "[green]ok[/]" if result.ok else f"[red]{escape(result.status)}[/]"
    if label.startswith("listed"):
        return _listed_cell(result)
    if label.endswith("ok/failed"):
        kind = label.split()[0]
        return "{} / {}".format(*(result.stat(f"goahead/{kind}/{k}") for k in ("captured",
                                                                             "failed")))
    if label.startswith("found"):
        return " / ".join(str(sum(result.stat(f"goahead/found/{s}") for s in group))
                          for group in FOUND_SOURCES)
    return "{} / {} / {}".format(*(result.stat(f"goahead/posts/{k}")
                                   for k in ("new", "updated", "unchanged")))


def _listed_cell(result: Any) -> str:
    """Posts and pages the blog lists, against those in the archive, after the run."""
    if "goahead/listed/total" not in result.stats:
        return "-"
    cell = " / ".join(str(result.stat(f"goahead/listed/{k}"))
                      for k in ("total", "stored", "missing"))
    limited = result.stat("goahead/listed/limited")
    return cell + (f" ({limited} over --max-posts)" if limited else "")


def print_crawl_summary(results: Sequence[Any], db_path: str, warc_dir: str | Path) -> None:
    """One column per blog, one row per figure: readable in 80 columns."""
    table = Table(title="Crawl summary")
    table.add_column("", no_wrap=True)
    for r in results:
        table.add_column(escape(r.url), justify="right")
    for label, key in SUMMARY_ROWS:
        table.add_row(label, *(_summary_cell(r, label, key) for r in results))
    console.print(table)
    from goahead_crawler.warc.files import find_open_files

    files = warc_files(warc_dir)
    still_open = find_open_files(Path(warc_dir))  # a crawl stopped at once
    size = sum(f.stat().st_size for f in [*files, *still_open])
    opened = (f", {len(still_open)} of them still .open (the next crawl closes them)"
              if still_open else "")
    console.print(f"WARC files: {len(files) + len(still_open)} in {warc_dir}"
                  f" ({size / 1e6:.2f} MB){opened}")
    console.print(f"Archive:    {db_path}")


def print_hits(hits: Sequence[Any], fmt: str = "text", raw_csv: bool = False) -> list[str]:
    """Search hits as text (see :mod:`goahead_crawler.cli.hits`), json, nl or csv; the
    URLs of the hits with a CSV cell a spreadsheet would cut."""
    from goahead_crawler.cli import hits as hit_output

    return hit_output.print_hits(hits, fmt, console, raw_csv=raw_csv)


def print_article(article: Any) -> None:
    """An extracted page for ``goahead extract``; an untitled post of images alone says
    so, rather than printing blank lines where its title and text would be."""
    console.print(f"[bold]{escape(article.title or '(untitled)')}[/]")
    meta = [article.author, article.published or "", ", ".join(article.labels),
            f"via {article.method}"]
    console.print("[dim]" + escape(" | ".join(m for m in meta if m)) + "[/]\n")
    if article.text.strip():
        console.print(escape(article.text), soft_wrap=True)
    else:
        count = len(article.images)
        console.print(f"(no text; {count} image{'' if count == 1 else 's'})")


@contextmanager
def export_progress(enabled: bool) -> Iterator[Any]:
    """A progress callback for exports: a bar on a terminal, nothing when piped."""
    if not enabled:
        yield None
        return
    with task_progress("exporting") as advance:
        yield advance


@contextmanager
def task_progress(what: str) -> Iterator[Any]:
    """A ``(done, total)`` progress callback: a bar on stderr's terminal, None when piped."""
    if not err_console.is_terminal:
        yield None
        return
    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(what, total=None)

        def advance(done: int, total: int | None = None) -> None:
            progress.update(task, completed=done, total=total)

        yield advance
