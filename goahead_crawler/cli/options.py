"""Options and helpers shared by the ``goahead`` commands (sqlite-utils' output_options idea)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from archive.connection import open_archive, open_read_only, pending_migrations, upgrade
from archive.errors import ArchiveReadOnly
from archive.filters import Filters, resolve_site
from goahead_crawler import config
from goahead_crawler.blogger.urls import BlogUrlError, blog_root
from goahead_crawler.cli.hints import BadInput
from goahead_crawler.warc.files import warc_folder  # noqa: F401  (the commands' import)

DEFAULT_DB = "archive.db"

WARC_DIR_DEFAULT = ("[default: warcs/ beside the --db archive if there is one, else ./warcs"
                    " if there is one, else warcs/ beside the archive]")


def not_empty(without: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback: an option given an empty value (``--warc-dir "$DIR"`` with DIR
    unset) is bad input, one line saying what leaving it out does; never read as if it had
    not been given, nor as the current folder, nor (``--host ""``) as every interface."""
    return _refuse_blank(lambda name: empty(name, without))


def not_blank(give: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """The same for a path that must be given (``--into "$DB"`` with DB unset, an
    argument), saying what to give: SQLite read "" as the folder ".", which was said as
    "'.' is a directory, not an archive file" (exit 1)."""
    return _refuse_blank(lambda name: BadInput(f"{name} is empty (give {give})"))


def _refuse_blank(error: Callable[[str], BadInput]
                  ) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        values = value if isinstance(value, tuple) else (value,)  # nargs=-1: each
        if any(isinstance(item, str) and not item.strip() for item in values):
            raise error(param.opts[0] if isinstance(param, click.Option)
                        else param.human_readable_name)
        return value
    return check


db_option = click.option(
    "--db", "db_path", default=DEFAULT_DB, show_default=True,
    type=click.Path(dir_okay=False), help="SQLite archive file.",
    callback=not_empty(f"for {DEFAULT_DB}"),
)


def warc_dir_option(what: str, default: str = WARC_DIR_DEFAULT) -> Callable[..., Any]:
    """``--warc-dir``, its default (None) said as :func:`warc_folder` finds it."""
    return click.option("--warc-dir", type=click.Path(file_okay=False),
                        callback=not_empty("for the default folder"), help=f"{what} {default}")


def check_warc_folder(given: str | None, db_path: str, folder: Path) -> None:
    """``folder``, found by :func:`warc_folder`'s rule (no ``--warc-dir``), holds none of
    the WARC files the archive's captures are in: an earlier crawl wrote them elsewhere
    (./warcs of another working folder). A crawl would split the archive's files between
    two folders, a reindex would rebuild it without them: one line, exit 2, naming one.
    Some of them missing (moved away, or a split already made): a warning naming one."""
    from archive.captures import warc_files

    if given or not Path(db_path).is_file():
        return
    db = open_read_only(db_path, allow_outdated=True)
    try:
        named = warc_files(db) if "captures" in db.table_names() else set()
    finally:
        db.close()
    present = ({p.name.removesuffix(".open") for p in folder.iterdir()} if folder.is_dir()
               else set())
    if named and not named & present:
        example = max(named)
        raise BadInput(f"the WARC files of {db_path} ({len(named):,}, e.g. {example}) are"
                       f" not in {folder}, the folder found for it: pass --warc-dir, the"
                       " folder the earlier crawls wrote")
    if named - present:
        missing = named - present
        click.echo(f"warning: {len(missing):,} of the {len(named):,} WARC files of {db_path}"
                   f" are not in {folder} (e.g. {max(missing)}): moved, or written to another"
                   " folder (--warc-dir)", err=True)


#: the largest count or offset an option takes: past SQLite's 64-bit integers a LIMIT or
#: OFFSET was a traceback (OverflowError), and no archive holds a billion posts
COUNT_MAX = config.COUNT_MAX


raw_csv_option = click.option(
    "--raw-csv", is_flag=True,
    help="csv: cells exactly as archived. Without it, a cell that begins with = + - @, a"
         " tab or a CR starts with ' so that a spreadsheet shows it as text and never runs"
         " it as a formula; so does a number of more than 15 digits (the 19-digit ids),"
         " which a spreadsheet would round.",
)


def open_existing(db_path: str) -> Any:
    """Open an archive read-only (a missing, foreign, damaged or unreadable file raises an
    ArchiveError, which the command prints as one line).

    An archive from an older goahead is migrated first (said on stderr): the one write a
    reading command makes, so that it reads the schema this goahead knows. One that
    cannot be written (a read-only file or folder) is read as it is, with a note.
    """
    from archive.search import pending as search_index_pending

    reader = open_read_only(db_path, allow_outdated=True)
    if not pending_migrations(reader) and search_index_pending(reader) is None:
        return reader
    reader.close()
    try:
        applied = upgrade(db_path)
        if applied:
            click.echo(f"upgraded {db_path}: {', '.join(applied)}", err=True)
        build_search_index(db_path)
    except ArchiveReadOnly:
        click.echo(f"note: {db_path} is read-only and predates this goahead; reading it "
                   "without upgrading it", err=True)
        return open_read_only(db_path, allow_outdated=True)
    return open_read_only(db_path)


def build_search_index(db_path: str) -> None:
    """Build the search index an upgrade left to build (or an interrupted build left
    unfinished), from the posts table: a progress bar on a terminal, no re-crawl."""
    from archive.search import pending as search_index_pending
    from archive.search import rebuild
    from goahead_crawler.cli.output import task_progress

    db = open_archive(db_path, create=False)
    try:
        if search_index_pending(db) is None:
            return
        click.echo(f"building the search index of {db_path} from its posts (no re-crawl; "
                   "stopped, it goes on where it was next time)", err=True)
        with task_progress("indexing posts") as advance:
            indexed = rebuild(db, advance)
        click.echo(f"search index built: {indexed:,} post{'' if indexed == 1 else 's'}", err=True)
    finally:
        db.close()


def archive_files(db_path: str) -> list[Path]:
    """The archive and the files SQLite keeps beside it (-wal, -shm, -journal)."""
    archive = Path(db_path)
    return [archive, *(archive.with_name(archive.name + s) for s in ("-wal", "-shm",
                                                                      "-journal"))]


def refuse_to_overwrite(out: str, sources: Sequence[str | Path]) -> None:
    """``--out`` is none of the files the command reads (the archive, a WARC file):
    written there, the export, index or package would destroy what it was made from."""
    if Path(out).resolve() in {Path(source).resolve() for source in sources}:
        raise BadInput(f"--out {out} is a file this command reads (give another file name)")


def replaced_note(replacing: bool, replaced: Sequence[Path] = ()) -> str:
    """What a command's --out replaced, said after what it wrote: the file that was there
    (``replacing``), or the files of the directory (``replaced``)."""
    if replacing:
        return " (it replaced the file that was there)"
    if replaced:
        files = "file that was" if len(replaced) == 1 else "files that were"
        return f" (it replaced {len(replaced):,} {files} there)"
    return ""


_FILTERS = (
    click.option("--site", multiple=True,
                 help="Only this blog: its URL, host, host:port or name in sites.toml "
                      "(repeat for any of several)."),
    click.option("--sites", "sites_file", type=click.Path(dir_okay=False),
                 callback=not_empty("for sites.toml beside the archive"),
                 help="sites.toml whose names --site may use [default: sites.toml beside "
                      "the archive, if there is one]."),
    click.option("--label", multiple=True,
                 help="Only posts with this label, any case (repeat: all of them)."),
    click.option("--any-label", is_flag=True, help="Repeated --label: any of them."),
    click.option("--author", help="Only posts by this author."),
    click.option("--since", help="Published on or after: 2024, 2024-03, 2024-03-05 "
                                 "(Buddhist era too: 2567)."),
    click.option("--until", help="Published on or before: 2024, 2024-03, 2024-03-05."),
    click.option("--lang", help="Only posts in this language (th, en, ...)."),
    click.option("--include-deleted", is_flag=True,
                 help="Include posts gone from the blog (marked deleted)."),
)


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The archive filters shared by search and export (archive.filters.Filters); the
    command gets them as one ``filters`` argument (see :func:`make_filters`)."""
    for option in reversed(_FILTERS):
        command = option(command)
    return command


FILTER_PARAMS = ("site", "sites_file", "label", "any_label", "author", "since", "until",
                 "lang", "include_deleted")


def site_names(sites_file: str | None, db_path: str) -> dict[str, str]:
    """name -> blog URL from ``--sites FILE``, or from sites.toml beside the archive. That
    one, unreadable, is said and passed over: ``--site HOST`` needs no name, and a name
    then reads as a host the archive does not hold (exit 2, after the warning)."""
    from goahead_crawler.sites import SitesError, load_sites

    path = Path(sites_file) if sites_file else Path(db_path).parent / "sites.toml"
    if not sites_file and not path.is_file():
        return {}
    try:
        return {site.name: site.url for site in load_sites(path)}
    except SitesError as exc:
        if sites_file:
            raise
        click.echo(f"warning: {exc}; --site names from it are not read", err=True)
        return {}


def archive_site(value: str, names: dict[str, str]) -> str:
    """The archive's site for a ``--site`` value (a sites.toml name, a blog URL or host),
    spelled as the crawl names it: ``x.blogspot.co.th`` is the ``.com`` blog Blogger
    redirects it to, an IDN host its IDNA form (``blog_root``); else as given."""
    site = resolve_site(value, names)
    try:
        return urlsplit(blog_root(site)).netloc
    except BlogUrlError:
        return site


def make_filters(params: dict[str, Any], db_path: str) -> Filters:
    """Pop the filter options from a command's ``params`` into one Filters (site names
    resolved through sites.toml). A bad date is a QueryError (one line, exit 2)."""
    values = {name: params.pop(name) for name in FILTER_PARAMS}
    _refuse_empty(values)
    _refuse_alone(values)
    sites_file = values.pop("sites_file")
    if values["site"]:
        names = site_names(sites_file, db_path)
        values["site"] = tuple(archive_site(site, names) for site in values["site"])
    filters = Filters(**values)
    filters.where()  # check the dates now, before any output
    return filters


def empty(option: str, without: str) -> BadInput:
    """An option given an empty value (``--site "$SITE"`` with SITE unset): one line, exit
    2, saying what leaving it out does, never read as if it had not been given."""
    return BadInput(f"{option} is empty (leave it out {without})")


def _refuse_empty(values: dict[str, Any]) -> None:
    """A filter given an empty value (``--site "$SITE"`` with SITE unset) is an error:
    the archive's filters read an empty value as "any", which would select every post."""
    for name, value in values.items():
        if name == "sites_file":  # --sites: a path, which click checks
            continue
        given = value if isinstance(value, tuple) else (value,)
        if any(isinstance(item, str) and not item.strip() for item in given):
            raise empty(f"--{name.replace('_', '-')}", "to select any")


def _refuse_alone(values: dict[str, Any]) -> None:
    """An option that only qualifies another, given without it, would be ignored without a
    word: ``--any-label`` needs ``--label``; ``--sites`` (names for ``--site``) needs
    ``--site``."""
    for alone, needs in (("any_label", "label"), ("sites_file", "site")):
        if values[alone] and not values[needs]:
            raise BadInput(f"--{alone.replace('_', '-').replace('-file', '')} only qualifies"
                           f" --{needs}, which is not given (give --{needs}, or leave it out)")


class Setting(click.ParamType):
    """A number that becomes a crawl setting, checked by the rule every route shares
    (:mod:`goahead_crawler.config`): ``--concurrency 0`` is one line and exit status 2."""

    def __init__(self, kind: type[int | float], setting: str, label: str) -> None:
        self.kind, self.setting, self.label = kind, setting, label
        self.name = "integer" if kind is int else "seconds"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int | float:
        number = _as_number(value, self.kind)  # "1e300" for an int, read as the rule reads it
        found = config.problem(self.setting, number, self.label)
        if found or isinstance(number, str):
            raise BadInput(found or f"{self.label} must be a number, not {value!r}")
        return number


def _as_number(value: Any, kind: type[int | float]) -> Any:
    """``value`` as ``kind``; a whole float for an int (``"1e3"``) as that int, another
    number as a float (so the rule's message says why), anything else as it is."""
    for convert in ((int, float) if kind is int else (float,)):
        try:
            number = convert(value)
        except (TypeError, ValueError, OverflowError):
            continue
        if kind is int and isinstance(number, float) and number.is_integer() \
                and abs(number) <= 2**53:  # 1e300 stays 1e+300 in the message
            return int(number)
        return number
    return value


class SettingOption(click.Option):
    """An option of type :class:`Setting` with no default of its own (sites.toml may set
    the setting per blog): its help says the settings module's value, read when the help
    is shown, so that it never drifts from the default a crawl really has."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from goahead_crawler import settings

        record = super().get_help_record(ctx)
        if record is None or not isinstance(self.type, Setting):
            return record
        return record[0], f"{record[1]}  [default: {getattr(settings, self.type.setting)}]"


class OriginType(click.ParamType):
    """An origin, ``scheme://host[:port]`` (``--static-origin``), checked as it is parsed:
    a bad one is one line and exit status 2, before the archive is opened."""

    name = "origin"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from goahead_crawler.blogger.scope import NotInScope, origin_of

        try:
            origin_of(value)
        except NotInScope as exc:
            raise click.BadParameter(str(exc), param_hint="--static-origin") from None
        return str(value)
