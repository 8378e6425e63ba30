"""``goahead crawl``: flags become Scrapy settings overrides; the exit status comes from stats."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from goahead_crawler import config
from goahead_crawler.cli import output
from goahead_crawler.cli.hints import BadInput, command, explain
from goahead_crawler.cli.options import (
    OriginType,
    Setting,
    SettingOption,
    check_warc_folder,
    db_option,
    not_empty,
    warc_dir_option,
    warc_folder,
)
from goahead_crawler.settings import GOAHEAD_CONTACT

# What leaving --contact out sends: the project's page, where site owners reach goahead's
# authors, not whoever runs the crawl ("leave it out to send none" said otherwise)
DEFAULT_CONTACT_NOTE = f"for goahead's own page, {GOAHEAD_CONTACT}"
DEMO_POSTS_MAX = 10_000  # the sample blogs' dates go back ~40 years at that; a million
# synthetic posts was a traceback (a date before year 1), and a crawl of hours


@command()
@click.option("--dir", "out_dir", default="goahead-demo", show_default=True,
              callback=not_empty("for ./goahead-demo"),
              type=click.Path(file_okay=False), help="Where the demo archive goes.")
@click.option("--posts", type=click.IntRange(1, DEMO_POSTS_MAX), default=None,
              help="Posts per sample blog: synthetic ones added, or only the newest kept.")
@click.option("--query", default="ชุมชน", show_default=True, help="Sample search to run.")
@click.option("-v", "--verbose", count=True, help="-v: Scrapy's INFO log, -vv: DEBUG.")
def demo(out_dir: str, posts: int | None, query: str, verbose: int) -> None:
    """Serve the bundled sample Blogger blogs on 127.0.0.1, crawl them, and search the archive.

    Needs no network. Writes WARC files and an SQLite archive into ./goahead-demo/.

    \b
    Example:
        goahead demo
    """
    from goahead_crawler.demo import run_demo

    ok = run_demo(Path(out_dir), posts=posts, query=query, verbose=verbose)
    sys.exit(0 if ok else 1)


@command()
@click.argument("url", required=False)
@click.option("--sites", "sites_file", type=click.Path(dir_okay=False),
              callback=not_empty("and give the blog's URL"),
              help="Crawl every enabled blog listed in this sites.toml (a flag given here"
                   " wins over its values).")
@click.option("--resume", is_flag=True,
              help="Resume an interrupted crawl (job state in <db dir>/.goahead-jobs/).")
@click.option("--full", is_flag=True,
              help="Fetch every post again, even when the archive has an earlier run"
                   " (default: only what changed since then).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Live progress (plain lines when not on a terminal).")
@db_option
@warc_dir_option("Directory for WARC files.")
@click.option("--delay", cls=SettingOption, type=Setting(float, "DOWNLOAD_DELAY", "--delay"),
              help="Seconds between requests to the blog, at least (AutoThrottle adapts"
                   f" above it); at most {config.HOUR:,.0f}.")
@click.option("--concurrency", cls=SettingOption,
              type=Setting(int, "CONCURRENT_REQUESTS_PER_DOMAIN", "--concurrency"),
              help=f"Concurrent requests to the blog, 1 to {config.CONCURRENCY_MAX}.")
@click.option("--max-posts", type=Setting(int, "GOAHEAD_MAX_POSTS", "--max-posts"), default=0,
              help=f"Stop after this many posts (0: all; at most {config.COUNT_MAX:,}).")
@click.option("--index-workers", cls=SettingOption,
              type=Setting(int, "GOAHEAD_INDEX_WORKERS_MAX", "--index-workers"),
              help="At most this many worker processes at once, all blogs together, to"
                   " extract a big blog's posts (some 125 MB each; past it a crawl extracts"
                   " in its own process). 0: one less than the CPUs.")
@click.option("--no-pages", is_flag=True, help="Skip static pages (/p/*.html).")
@click.option("--no-comments", is_flag=True, help="Do not store reader comments.")
@click.option("--images/--no-images", default=True, show_default=True,
              help="Capture every image the posts show or link to (each URL once).")
@click.option("--requisites", is_flag=True,
              help="Also capture the stylesheets, scripts, fonts and template images pages"
                   " load, from the blog and Blogger's static hosts (never ads or trackers).")
@click.option("--static-origin", "static_origins", multiple=True, metavar="URL",
              type=OriginType(),
              help="An origin (scheme://host[:port]) that serves the blog's images or"
                   " requisites besides Blogger's own hosts, e.g. a custom domain's CDN."
                   " Repeatable.")
@click.option("--assets", is_flag=True, hidden=True,
              help="Deprecated: images are captured by default now.")
@click.option("--contact", help="URL or e-mail for site owners, put in the User-Agent.",
              callback=lambda ctx, param, value: checked_contact(
                  not_empty(DEFAULT_CONTACT_NOTE)(ctx, param, value)))
@click.option("-v", "--verbose", count=True, help="-v: Scrapy's INFO log, -vv: DEBUG.")
def crawl(url: str | None, sites_file: str | None, resume: bool, full: bool, progress: bool,
          db_path: str, warc_dir: str | None, delay: float | None, concurrency: int | None,
          max_posts: int, index_workers: int | None, no_pages: bool, no_comments: bool,
          images: bool, requisites: bool,
          static_origins: tuple[str, ...], assets: bool, contact: str | None,
          verbose: int) -> None:
    """Crawl a Blogger blog (blogspot or custom domain), or every blog in a sites.toml,
    into WARC files and an archive; --resume continues an interrupted crawl. A blog
    crawled before is re-crawled incrementally (what changed since); --full forces all.
    Images are captured too (--no-images: text only), and with --requisites everything
    a page loads, so that it replays offline as it looked.
    Posts an earlier crawl listed but did not store are fetched first.

    Exit status: 0 when every blog's run finished with everything it lists stored; 1 when
    a run was incomplete, failed or was stopped; 2 when the crawl could not start (bad
    input; the archive is read-only, locked, damaged or not a goahead archive; the blog is
    being crawled already).

    \b
    Example:
        goahead crawl https://example.blogspot.com/ --db archive.db --warc-dir warcs/
        goahead crawl https://example.blogspot.com/ --requisites
        goahead crawl --sites sites.toml --db archive.db --resume
    """
    from goahead_crawler.run_state import INTERRUPTED
    from goahead_crawler.runner import check_jobs, project_settings, run_jobs
    from goahead_crawler.warc.files import check_writable, folder_warcs

    ctx = click.get_current_context()
    command = invocation(ctx)
    given = typed_settings(ctx)  # win over sites.toml's values for every blog
    sites = crawl_sites(url, sites_file, given)
    refuse_archive(db_path)  # read-only, locked, damaged, not one: one line, exit 2
    warcs = warc_folder(warc_dir, db_path)  # where warc-get, wacz and serve look for them
    check_warc_folder(warc_dir, db_path, warcs)  # not another folder than earlier crawls'
    check_writable(warcs)  # the same for the WARC folder
    locked = lock_blogs(sites, db_path, command)  # one crawl per blog
    warn_interrupted(locked, db_path, resume)
    jobs = crawl_jobs(locked, db_path, resume)
    overrides = crawl_overrides(db_path, str(warcs), delay, concurrency, max_posts, verbose)
    if index_workers is not None:  # one limit for the process: not a sites.toml key
        overrides["GOAHEAD_INDEX_WORKERS_MAX"] = index_workers
    if full:
        overrides["GOAHEAD_INCREMENTAL"] = False
    if no_pages:
        overrides["GOAHEAD_PAGES_ENABLED"] = False
    if no_comments:
        overrides["GOAHEAD_COMMENTS_ENABLED"] = False
    overrides.update(capture_overrides(images, requisites, static_origins, assets))
    if contact:
        overrides["GOAHEAD_CONTACT"] = contact  # the add-on builds the User-Agent from it
    overrides["GOAHEAD_PROGRESS_ENABLED"] = progress
    overrides["GOAHEAD_COMMAND"] = command
    settings = project_settings(overrides)
    check_jobs(jobs, settings)
    results = run_jobs(jobs, settings)
    crawled = [r for r in results if not r.problem]
    if crawled:
        output.print_crawl_summary(crawled, db_path, warcs)
        for line in folder_warcs(warcs)[1]:  # a folder named x.warc.gz, a link to nothing
            click.echo(f"warning: {line}", err=True)
        report_failures(crawled)
        report_foreign_images(crawled, in_sites_file=bool(sites_file))
    for result in results:  # no blog there: private, removed, unreachable, not Blogger
        if result.problem:
            click.echo(f"Error: {result.url}: {result.problem}", err=True)
    if any(r.status in INTERRUPTED for r in crawled):  # shutdown, failed, killed
        click.echo(f"The crawl stopped before its end; resume it with: {with_resume(command)}",
                   err=True)
    skipped = [root for root, _ in sites if root not in {r for r, _ in locked}]
    if skipped:  # said at the start too; the summary may have pushed that line away
        click.echo(f"Not crawled, another crawl was crawling them: {', '.join(skipped)}",
                   err=True)
    sys.exit(0 if all(r.ok for r in results) and not skipped else 1)


def refuse_archive(db_path: str) -> None:
    """The archive must take the crawl's writes before any request. Every refusal is
    exit status 2, "the crawl could not start": a file that is not a goahead archive (or
    is a newer goahead's) was exit 1, which the crawl's scheme reads as a run that failed."""
    from archive.errors import ArchiveError
    from goahead_crawler.crawl_archive import check_archive

    try:
        check_archive(db_path)
    except ArchiveError as exc:
        error = explain(exc, "goahead crawl", db_path)
        if error is None:
            raise
        error.exit_code = 2
        raise error from exc


def invocation(ctx: click.Context) -> str:
    """This command line as typed (what a resume repeats); rebuilt from the parameters
    when the process was not started as ``goahead crawl ...`` (e.g. from Python)."""
    if sys.argv[1:2] == [ctx.info_name]:
        return shlex.join(["goahead", *sys.argv[1:]])
    words = ["goahead", ctx.info_name or "crawl"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if isinstance(param, click.Argument):
            words += [str(value)] if value else []
        elif isinstance(param, click.Option) and value != param.default and value is not None:
            words += _option_words(param, value)
    return shlex.join(words)


def _option_words(option: click.Option, value: Any) -> list[str]:
    if option.count:
        return ["-" + "v" * int(value)] if value else []
    if option.is_flag:
        if value:
            return [option.opts[0]]
        return [option.secondary_opts[0]] if option.secondary_opts else []
    return [option.opts[0], str(value)]


def with_resume(command: str) -> str:
    from goahead_crawler.run_state import resume_command

    return resume_command(command) or command


def lock_blogs(sites: list[tuple[str, Any]], db_path: str, command: str
               ) -> list[tuple[str, Any]]:
    """Take each blog's crawl lock for this process; the blogs to crawl. A blog another
    crawl holds is refused (CrawlBusy: one line, exit 2) when it is the only one; among
    several (sites.toml) it is skipped, saying so, and the others are crawled: one blog
    still running from last night must not stop a nightly crawl of fifty."""
    from goahead_crawler.crawl_lock import CrawlBusy, acquire

    free = []
    for site in sites:
        try:
            acquire(db_path, site[0], command)
        except CrawlBusy as busy:
            if len(sites) == 1:
                raise
            click.echo(f"Skipped: {busy}", err=True)
        else:
            free.append(site)
    if not free:
        raise CrawlBusy(f"every blog of the list is being crawled into {db_path} already;"
                        " no request was made")
    return free


def warn_interrupted(sites: list[tuple[str, Any]], db_path: str, resume: bool) -> None:
    """Say so when a blog's last run was killed or stopped, and how it is resumed."""
    from archive.connection import open_read_only
    from archive.runs import latest_runs
    from goahead_crawler.run_state import resume_hint

    db = open_read_only(db_path)
    try:
        for root, _ in sites:
            last = next(latest_runs(db, urlsplit(root).netloc, 1), None)
            hint = resume_hint(last) if last else None
            if hint and not resume:
                click.echo(f"Note: {hint}; this crawl fetches what it missed first", err=True)
    finally:
        db.close()


def checked_contact(value: str | None) -> str | None:
    """``--contact`` by the rule every route shares (config: GOAHEAD_CONTACT): it goes
    into every request's User-Agent and every WARC file's warcinfo."""
    found = config.problem("GOAHEAD_CONTACT", value, "--contact") if value else None
    if found:
        raise BadInput(found)
    return value


def report_failures(results: list[Any], shown: int = 5) -> None:
    """The run's failures (a post the blog lists and the archive lacks, a request that
    failed after its retries, an error): a few on stderr, all in ``goahead runs``."""
    from archive.escaping import display_url, terminal_text
    from goahead_crawler.middleware.failures import FAILURES_KEY

    for result in results:
        failures = json.loads(result.stats.get(FAILURES_KEY) or "[]")
        if not failures:
            continue
        click.echo(f"{len(failures)} failures in the crawl of {result.url} (the next crawl"
                   " fetches the missing posts first; goahead runs --failures):", err=True)
        for failure in failures[:shown]:
            click.echo(terminal_text(f"  {display_url(failure.get('url') or '-')}"
                                     f"  {failure['error']}"), err=True)


def report_foreign_images(results: list[Any], in_sites_file: bool = False) -> None:
    """After the summary, each blog's note on the images of other hosts it did not fetch
    (:func:`~goahead_crawler.blogger.scope.other_host_note`). The advice says ``--full``:
    the next crawl into the archive is incremental, fetches only the posts that changed,
    and with them their images, so the origin alone captured none. From a sites.toml, the
    full crawl is of that blog alone: ``--sites sites.toml --full`` fetched every post of
    every blog in the file again, for one blog's images."""
    from goahead_crawler.blogger.scope import other_host_note

    def advice(origin: str, url: str) -> str:
        if not in_sites_file:
            return (f"--full --static-origin {origin} (without --full only the posts that"
                    " changed are fetched again, and only their images)")
        return (f'static_origins = ["{origin}"] in its sites.toml table, and once, for this'
                f" blog alone: goahead crawl {url} --full --static-origin {origin} (with this"
                " crawl's --db and --warc-dir; without --full only the posts that changed"
                " are fetched again, and only their images; --sites with --full, every"
                " post of every blog in the file)")

    for result in results:
        note = other_host_note(result.stats,
                               lambda origin, url=result.url: advice(origin, url))
        if note is not None:
            click.echo(f"note: {result.url}: {note}", err=True)


# option -> the setting sites.toml can give too (sites.SITE_KEYS), from the option's value
TYPED_SETTINGS: dict[str, tuple[str, Any]] = {
    "delay": ("DOWNLOAD_DELAY", lambda v: v),
    "concurrency": ("CONCURRENT_REQUESTS_PER_DOMAIN", lambda v: v),
    "max_posts": ("GOAHEAD_MAX_POSTS", lambda v: v),
    "no_pages": ("GOAHEAD_PAGES_ENABLED", lambda v: not v),
    "no_comments": ("GOAHEAD_COMMENTS_ENABLED", lambda v: not v),
    "images": ("GOAHEAD_IMAGES_ENABLED", bool),
    "requisites": ("GOAHEAD_REQUISITES_ENABLED", bool),
    "static_origins": ("GOAHEAD_STATIC_ORIGINS", list),
}


def typed_settings(ctx: click.Context) -> dict[str, Any]:
    """The settings of the options given on this command line (not their defaults): the
    command line wins over sites.toml, as a tool's flags win over its config file, so
    ``--delay 5`` with ``delay = 1`` in the file crawls at 5 (it crawled at 1)."""
    given = {}
    for name, (setting, value_of) in TYPED_SETTINGS.items():
        source = ctx.get_parameter_source(name)
        if source is not None and source not in (click.core.ParameterSource.DEFAULT,
                                                 click.core.ParameterSource.DEFAULT_MAP):
            given[setting] = value_of(ctx.params[name])
    return given


def crawl_sites(url: str | None, sites_file: str | None, given: dict[str, Any] | None = None
                ) -> list[tuple[str, dict[str, Any]]]:
    """(blog root, its settings) for the URL, or for each enabled blog of the sites file
    with ``given`` (the command line's settings) over its own."""
    from goahead_crawler.blogger.urls import BlogUrlError, blog_root
    from goahead_crawler.sites import load_sites

    if url is not None and not url.strip():  # crawl "$URL" with URL unset, or " "
        raise BadInput("the blog's URL is empty (give it, e.g. goahead crawl"
                       " https://NAME.blogspot.com/, or --sites sites.toml)")
    if url and sites_file:
        raise BadInput(f"the blog's URL ({url}) and --sites cannot be used together (give one"
                       " of them)")
    if not url and not sites_file:
        raise BadInput("give the blog's URL, e.g. goahead crawl https://NAME.blogspot.com/,"
                       " or --sites sites.toml")
    try:
        sites = [(s.url, s.settings_with(given or {})) for s in load_sites(sites_file)
                 if s.enabled] \
            if sites_file else [(blog_root(url or ""), {})]
    except BlogUrlError as exc:
        raise BadInput(str(exc)) from exc
    if not sites:
        raise BadInput(f"{sites_file}: every site is disabled (enabled = false)")
    return sites


def crawl_jobs(sites: list[tuple[str, dict[str, Any]]], db_path: str, resume: bool
               ) -> list[Any]:
    """One ``CrawlJob`` per blog; with ``resume``, its job dir (a fresh job adopts the
    blog's last run when that one was stopped or killed: what it archived is skipped)."""
    from goahead_crawler.extensions.resume import job_dir, job_settings, prepare_job
    from goahead_crawler.runner import CrawlJob

    jobs = []
    for root, overrides in sites:
        if resume:
            job = adopt_interrupted(prepare_job(job_dir(db_path, root)), db_path, root)
            overrides = {**overrides, **job_settings(job)}
            if job.mode != "fresh":
                click.echo(f"Resuming {root} (job begun {job.started_at}, {job.mode})", err=True)
        jobs.append(CrawlJob(root, overrides))
    return jobs


def capture_overrides(images: bool, requisites: bool, static_origins: tuple[str, ...],
                      assets: bool) -> dict[str, Any]:
    """What to capture besides the posts; only what the user said (sites.toml decides the
    rest per blog). ``--static-origin`` values were checked as they were parsed."""
    overrides: dict[str, Any] = {}
    if assets:
        click.echo("--assets is deprecated: images are captured by default now", err=True)
    if not images:
        overrides["GOAHEAD_IMAGES_ENABLED"] = False
    if requisites:
        overrides["GOAHEAD_REQUISITES_ENABLED"] = True
    if static_origins:
        overrides["GOAHEAD_STATIC_ORIGINS"] = list(static_origins)
    return overrides


def adopt_interrupted(job: Any, db_path: str, root: str) -> Any:
    """A fresh ``--resume`` job after a crawl that ran without one and stopped early
    (Ctrl-C, a kill): resume that crawl, as a killed job (rediscover, skip what it
    archived since it began)."""
    from archive.connection import open_read_only
    from archive.runs import latest_runs
    from goahead_crawler.extensions.resume import adopt_job
    from goahead_crawler.run_state import INTERRUPTED, status_now

    if job.mode != "fresh":
        return job
    db = open_read_only(db_path)
    try:
        last = next(latest_runs(db, urlsplit(root).netloc, 1), None)
    finally:
        db.close()
    if last is None or status_now(last) not in INTERRUPTED:
        return job
    return adopt_job(job, last["started_at"])


def crawl_overrides(db_path: str, warc_dir: str, delay: float | None, concurrency: int | None,
                    max_posts: int, verbose: int) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "GOAHEAD_ARCHIVE_DB": db_path,
        "GOAHEAD_WARC_DIR": warc_dir,
        "GOAHEAD_MAX_POSTS": max_posts,
        "LOG_LEVEL": ["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
    }
    if delay is not None:  # what they imply (AutoThrottle's start and aim, the crawl's own
        overrides["DOWNLOAD_DELAY"] = delay  # limit): the spider, as for every path
    if concurrency is not None:  # (config.pace_given)
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
    return overrides


COMMANDS = (crawl, demo)
