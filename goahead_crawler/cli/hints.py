"""How a user error reaches the user: one line on stderr, with its hint, and an exit status.

Every ``goahead`` command is a :class:`Command` (``@command()`` below, or ``@cli.command()``
on the group), whose ``invoke`` turns, in one place:

- an :class:`~archive.errors.ArchiveError` into ``Error: MESSAGE (HINT)``, exit 1 (2 for a
  malformed search, a usage error, and for an archive SQLite cannot use: damaged,
  read-only, locked or full, :class:`~archive.errors.ArchiveUnusable`);
- an ``sqlite3`` error that is one of those, met half-way through a command (a damaged
  page only a search reaches), into the same line naming the ``--db`` file, exit 2;
- the user errors of the crawler (a busy resume job, a capture or WARC file that is not
  there, a failed WACZ) into ``Error: MESSAGE``, exit 1 (2 for a blog that another crawl is
  crawling into the same archive: nothing was done); bad input (a blog URL that is not
  one, a sites file or setting that cannot work) the same way with exit 2;
- click's own usage errors (a bad value, an unknown option, a missing argument) and
  options given together that cannot go together (:func:`exclusive`) into one line,
  exit 2, without click's usage block above it (:func:`one_line`);
- a missing optional extra (Datasette, cdxj-indexer, py-wacz, Scrapyd) into one line with
  the pip command, exit 1.

Anything else is a bug and keeps its traceback. What a command skipped and went on without
(a damaged WARC record, a body past the size limit) is a ``warning:`` line each and exit
status 1 at the end (:func:`warn_skipped`).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from typing import Any

import click

# import name -> (the package pip installs, the goahead extra that brings it)
EXTRAS = {
    "datasette": ("datasette", "serve"),
    "uvicorn": ("uvicorn", "serve"),
    "cdxj_indexer": ("cdxj-indexer", "warc"),
    "wacz": ("wacz", "warc"),
    "scrapyd": ("scrapyd", "scrapyd"),
    "scrapyd_client": ("scrapyd-client", "scrapyd"),
}
QUERY_EXIT = 2  # a malformed query is a usage error, as click's own are; so is an unusable archive


def user_errors() -> tuple[type[Exception], ...]:
    """The crawler's exceptions whose message is meant for the user as it stands."""
    from goahead_crawler.crawl_lock import CrawlBusy
    from goahead_crawler.extensions.resume import JobBusy
    from goahead_crawler.warc.indexing import WaczError
    from goahead_crawler.warc.reader import NotAResponse, UnreadableRecord
    from goahead_crawler.warc.retrieve import CaptureNotFound, WarcFileMissing

    return (*bad_input(), JobBusy, CrawlBusy, CaptureNotFound, WarcFileMissing, NotAResponse,
            WaczError, UnreadableRecord)


def bad_input() -> tuple[type[Exception], ...]:
    """The user errors that are usage errors: exit status 2."""
    from goahead_crawler.blogger.urls import BlogUrlError
    from goahead_crawler.config import ConfigError
    from goahead_crawler.sites import SitesError

    return (SitesError, ConfigError, BlogUrlError)


class BadInput(click.ClickException):
    """One line on stderr, exit status 2 (click's UsageError would print the usage too)."""

    exit_code = 2


def missing_extra(command_path: str, module: str) -> str:
    """``goahead serve needs datasette: pip install 'goahead[serve]'``."""
    package, extra = EXTRAS[module]
    return f"{command_path} needs {package}: pip install 'goahead[{extra}]'"


def _missing_module(exc: BaseException) -> str | None:
    """The top-level name of the module whose import failed, following ``raise ... from``."""
    seen: BaseException | None = exc
    while seen is not None:
        name = getattr(seen, "name", None)
        if isinstance(seen, ImportError) and name:
            return name.split(".")[0]
        seen = seen.__cause__ or seen.__context__
    return None


def explain(exc: Exception, command_path: str, archive: str | None = None
            ) -> click.ClickException | None:
    """The one-line error for ``exc``, or None when it is not the user's to fix.
    ``archive`` is the archive file the command was given, for SQLite's own errors."""
    import sqlite3

    from archive.errors import ArchiveError, ArchiveUnusable, QueryError, explain_sqlite

    if isinstance(exc, sqlite3.DatabaseError) and archive:
        exc = explain_sqlite(exc, archive) or exc
    if isinstance(exc, ArchiveError):
        message = f"{exc} ({exc.hint})" if exc.hint else str(exc)
        error = click.ClickException(message)
        error.exit_code = QUERY_EXIT if isinstance(exc, QueryError | ArchiveUnusable) else 1
        return error
    if isinstance(exc, ImportError) and _missing_module(exc) in EXTRAS:
        return click.ClickException(missing_extra(command_path, _missing_module(exc) or ""))
    if isinstance(exc, bad_input()):
        return BadInput(str(exc))
    if isinstance(exc, user_errors()):
        error = click.ClickException(str(exc))
        error.exit_code = getattr(exc, "exit_code", 1)
        return error
    return None


def warn_skipped(problems: Sequence[str]) -> None:
    """One ``warning:`` line per thing skipped (file and byte offset named), then exit
    status 1; nothing when there is nothing."""
    for line in problems:
        click.echo(f"warning: {line}", err=True)
    if problems:
        raise click.exceptions.Exit(1)


def exclusive(**given: Any) -> None:
    """Options that cannot go together (``--json --nl``), as ``**{"--json": as_json, ...}``:
    when more than one is given, one line naming those given, exit status 2."""
    chosen = [name for name, value in given.items() if value]
    if len(chosen) > 1:
        names = ", ".join(chosen[:-1]) + f" and {chosen[-1]}"
        raise BadInput(f"{names} cannot be used together (give one of them)")


def one_line(error: click.UsageError) -> BadInput:
    """click's usage error (a bad value, an unknown option, a missing argument) as one line,
    exit status 2: click prints the command's usage block above it, which pushes the error
    away from a scheduler's log line. A missing argument says the usage in that line."""
    message = error.format_message()
    if isinstance(error, click.MissingParameter) and error.ctx is not None:
        pieces = " ".join(error.ctx.command.collect_usage_pieces(error.ctx))
        message += f" Usage: {error.ctx.command_path} {pieces}"
    return BadInput(message)


class Command(click.Command):
    """A click command whose user errors are one line (see the module docstring)."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:  # parsing: a bad value, an unknown option
            raise one_line(exc) from exc

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Click's parsing; a search that starts with ``-`` (``-ข่าว ชุมชน``, the web
        view's form takes it) reads as an unknown option, so the error says how to type
        it."""
        given = list(args)  # click's parser takes the arguments out of the list it is given
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            typed = next((arg for arg in given if arg.startswith(exc.option_name)
                          and not arg.startswith("--")), None)
            if typed is None or not any(isinstance(param, click.Argument)
                                        and param.name == "query" for param in self.params):
                raise
            first = _word_first(typed)
            word_first = f"put a word first, as in {first!r}, or " if first != typed else ""
            raise click.UsageError(
                f"No such option {exc.option_name!r}: a search that starts with - reads as"
                f" an option; {word_first}put the options first and -- before the search:"
                f" {ctx.command_path} --db FILE -- {typed!r}", ctx) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise one_line(exc) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            archive = ctx.params.get("db_path") or ctx.params.get("into_path")
            error = explain(exc, ctx.command_path, archive)
            if error is None:
                raise
            raise error from exc


def _word_first(query: str) -> str:
    """``-ข่าว ชุมชน`` as ``ชุมชน -ข่าว``: the excluded terms after the others."""
    words = query.split()
    return " ".join([word for word in words if not word.startswith("-")]
                    + [word for word in words if word.startswith("-")])


class Group(click.Group):
    command_class = Command

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        """An unknown option before the command (``goahead --bogus``) is one line, exit 2,
        as it is after one; no command at all still shows the help (click's own error)."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            error = one_line(exc)
            if isinstance(exc, click.NoSuchOption):  # goahead --db a.db search x
                error.message += (" A command's options go after its name, as in: goahead"
                                  " search --db FILE QUERY")
            raise error from exc

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # no such command: one line too
            error = one_line(exc)
            near = difflib.get_close_matches(args[0] if args else "", self.list_commands(ctx))
            if near and "Did you mean" not in error.message:  # also a family not imported yet
                error.message += f" Did you mean {near[0]!r}?"
            raise error from exc


command = functools.partial(click.command, cls=Command)
