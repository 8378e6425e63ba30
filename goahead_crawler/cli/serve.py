"""``goahead serve``: the archive in Datasette, with Thai-aware search (the ``serve`` extra)."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import click

from goahead_crawler.cli.hints import command
from goahead_crawler.cli.options import (
    db_option,
    not_empty,
    open_existing,
    warc_dir_option,
    warc_folder,
)


@command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              callback=not_empty("for 127.0.0.1, this machine only"),
              help="Interface to listen on (0.0.0.0 makes the archive public).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to listen on.")
@click.option("--title", default="goahead archive", show_default=True, help="Page title.",
              callback=not_empty("for the default title"))
@warc_dir_option("Directory of the WARC files (archived pages and images).")
def serve(db_path: str, host: str, port: int, title: str, warc_dir: str | None) -> None:
    """Browse and search the archive in a web browser (Datasette).

    A search page (/DB/search) that finds what `goahead search` finds, with filters and
    paging; each hit opens the archived post (text, images from the WARC, comments,
    earlier versions). Datasette's tables with facets on site, label and author, and
    queries for the latest posts, posts by label and posts per month. Read-only.

    \b
    Example:
        goahead serve --db archive.db
        goahead serve --db archive.db --port 8080    # then open http://127.0.0.1:8080/
    """
    import uvicorn  # the serve extra: a missing one is a one-line error with the pip command

    from goahead_crawler.web import plugin

    open_existing(db_path).close()  # one-line error for a missing or foreign file
    folder = warc_folder(warc_dir, db_path)
    app = plugin.build(Path(db_path), title=title, warc_dir=folder)
    if not folder.is_dir():  # else each post's images break with only a note on its page
        click.echo(f"note: no WARC folder at {folder}: archived images and pages will not "
                   "show (pass --warc-dir, the folder the crawl wrote)", err=True)
    sock = _listen(host, port)  # bound first: the address said is one that answers
    base = _base_url(host, sock.getsockname()[1])
    click.echo(f"Serving {db_path} at {base}/ (search: {base}/{Path(db_path).stem}/search;"
               " Ctrl+C to stop)", err=True)
    server = uvicorn.Server(uvicorn.Config(app.app(), log_level="warning", lifespan="on"))
    with sock:
        server.run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port`` (0: any free port); one line when it cannot
    be had (uvicorn says so as a log line and exits 3, after the "Serving" line)."""
    # the family as uvicorn chose it: IPv6 for an address written with colons, else IPv4,
    # so "localhost" is 127.0.0.1 even where the resolver names ::1 first
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except socket.gaierror as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}"
                                   " (pass an address of this machine as --host)") from exc
    except OSError as exc:
        hint = ("another program has that port: pass another --port"
                if exc.errno == errno.EADDRINUSE else "pass another --port or --host")
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        raise click.ClickException(f"cannot listen on {host}:{port}: {why.lower()} ({hint})"
                                   ) from exc


def _base_url(host: str, port: int) -> str:
    """``http://HOST:PORT``, an IPv6 address in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


COMMANDS = (serve,)
