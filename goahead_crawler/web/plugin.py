"""Datasette plugin for goahead archives: the search page, the reading view, Thai search.

Datasette serves the archive's tables, facets and canned queries; the plugin adds:

- its own pages (:mod:`goahead_crawler.web.handlers`, ``register_routes``): ``/DB/search``
  (:func:`archive.search.search`, the same posts as ``goahead search``), ``/DB/post/BLOG/ID``
  (a post as a reader sees it, from the archive) and ``/DB/-/warc?url=`` (an archived
  response read from its WARC record), rendered from the ``templates`` beside this module;
- ``escape_fts(q)``, replacing Datasette's own, so the search box of the ``posts`` table
  (``?_search=``) matches Thai as the archive's index does (:func:`archive.query.to_fts`);
  it runs ``trylast`` so it is registered after Datasette's version and wins. ``goahead_fts``
  is the same function under the plugin's name, for ad-hoc SQL;
- the ``posts`` table page without its long columns by default (see
  :data:`~goahead_crawler.web.views.HIDDEN_POST_COLUMNS`);
- Datasette's CSV downloads with every cell a spreadsheet would run as a formula, or
  round (a 19-digit id), written as text, as ``goahead export`` writes them
  (:mod:`goahead_crawler.web.csv_guard`).
- a Content-Security-Policy and the other safety headers on every answer, Datasette's
  own pages included (:mod:`goahead_crawler.web.security`).
- an archive SQLite stops reading mid-way (damaged, locked) said as the CLI says it, with
  its hint (``handle_exception``).

The plugin is registered programmatically by :func:`build`, so no entry points are needed.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archive.connection import read_only_uri
from archive.errors import IndexNotReady, QueryError, explain_sqlite
from archive.folding import register as register_folding
from archive.query import to_fts
from archive.search_index import check_ready
from goahead_crawler.web import handlers, security
from goahead_crawler.web.csv_guard import CsvGuard
from goahead_crawler.web.search_view import clipped, post_path_by_id
from goahead_crawler.web.views import HIDDEN_POST_COLUMNS, metadata

PLUGIN_NAME = handlers.PLUGIN_NAME
HERE = Path(__file__).resolve().parent
NO_MATCH = '""'  # an empty FTS5 phrase: valid, and matches no row
SETTINGS = {
    "truncate_cells_html": 200,  # long text cells stay one or two lines in tables
    "default_page_size": 50,
    "suggest_facets": False,  # each suggestion is a GROUP BY per column: slow on big archives
}

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def goahead_fts(query: str | None) -> str:
    try:
        return to_fts(query or "")
    except QueryError:
        return NO_MATCH


def register_functions(conn: sqlite3.Connection) -> None:
    """The plugin's SQL functions, and the archive's collation for labels and authors
    (:mod:`archive.folding`), on a plain sqlite3 connection (also used by tests)."""
    for name in ("goahead_fts", "escape_fts"):
        conn.create_function(name, 1, goahead_fts, deterministic=True)
    register_folding(conn)


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    register_functions(conn)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return list(handlers.ROUTES)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None,
                database: str) -> Markup | None:
    """A post's title opens its reading view: on the posts table's pages, and in a query
    whose rows are posts (``id``, ``site`` and ``url`` beside ``title``, as the canned
    queries select; no other table has those four). A long title is clipped as the
    search results clip it (Datasette's own truncation does not reach a rendered cell)."""
    if column != "title" or not isinstance(value, str) or table not in (None, "posts"):
        return None
    keys = set(row.keys()) if hasattr(row, "keys") else set()
    if table is None and not {"id", "site", "url"} <= keys:
        return None
    post_pk = row["id"] if "id" in keys else None
    if not isinstance(post_pk, int):
        return None
    return Markup(f'<a href="{escape(post_path_by_id(database, post_pk))}">'
                  f'{escape(clipped(value))}</a>')


@hookimpl
def handle_exception(datasette: Datasette, request: Any, exception: Exception) -> Any:
    """An archive SQLite stops reading mid-way (damage the start-up check cannot see, a
    lock taken since) is said as the CLI says it, naming the file, with what to do;
    Datasette's own handler would show SQLite's words alone."""
    if not isinstance(exception, sqlite3.DatabaseError):
        return None
    database = datasette.databases.get((request.url_vars or {}).get("database", ""))
    explained = explain_sqlite(exception, database.path if database else "the archive")
    if explained is None:
        return None
    message = f"{explained} ({explained.hint})"

    async def page() -> Response:
        if request.path.endswith(".json"):
            return Response.json({"ok": False, "error": message, "status": 500}, status=500)
        return Response.html(await datasette.render_template(
            "error.html", {"ok": False, "error": message, "status": 500, "title": None},
            request=request), status=500)
    return page


def default_columns(query_string: bytes) -> bytes:
    """Add ``_nocol=`` for the hidden columns unless the query already picks columns."""
    args = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if any(key in ("_col", "_nocol") for key, _ in args):
        return query_string
    args += [("_nocol", column) for column in HIDDEN_POST_COLUMNS]
    return urlencode(args).encode("latin-1")


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[Asgi], Asgi]:
    def wrap(app: Asgi) -> Asgi:
        async def posts_page_columns(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                send = security.guard(send)  # every answer: goahead's, Datasette's, errors
            parts = scope.get("path", "").strip("/").split("/")
            if (scope["type"] == "http" and len(parts) == 2 and parts[1] == "posts"
                    and parts[0] in datasette.databases):
                scope = dict(scope, query_string=default_columns(scope["query_string"]))
            if scope["type"] == "http" and _asks_for_csv(scope):
                send = _guarded_csv(send)
            if scope["type"] == "http":
                refusal = await _search_refusal(datasette, scope)
                if refusal is not None:
                    await refusal.asgi_send(send)
                    return
            await app(scope, receive, send)
        return posts_page_columns
    return wrap


async def _search_refusal(datasette: Datasette, scope: dict[str, Any]) -> Response | None:
    """Datasette's own search box (``?_search=`` on the ``posts`` table) says what
    ``/DB/search`` says of a query it cannot run, or of an index not built yet, instead
    of an empty table: :func:`goahead_fts` can only answer "no match" from inside SQLite."""
    args = dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace")))
    text = args.get("_search")
    name = scope.get("path", "").strip("/").split("/", 1)[0]
    if text is None or name not in datasette.databases:
        return None
    try:
        to_fts(text)
        await handlers.read(datasette.databases[name], check_ready)
    except (QueryError, IndexNotReady) as exc:
        message = f"{exc} ({exc.hint})" if exc.hint else str(exc)
        if scope.get("path", "").endswith(".json"):
            return Response.json({"ok": False, "error": message, "status": 400}, status=400)
        return Response.html(await datasette.render_template(  # outside Datasette's
            "error.html", {"ok": False, "error": message, "status": 400, "title": None}),
            status=400)  # request handling (no CSRF token yet): no request given
    return None


def _asks_for_csv(scope: dict[str, Any]) -> bool:
    """``/DB/TABLE.csv``, ``/DB.csv?sql=``, a canned query's ``.csv``, or ``?_format=csv``
    (the link Datasette writes for a name with a dot), never on a ``/-/`` route: those
    are Datasette's and the plugin's own pages, which no CSV comes from, and
    ``/DB/-/warc`` answers an archived response byte for byte, a text one too."""
    path = scope.get("path", "")
    if path.endswith(".csv"):
        return True
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    return query.get("_format") == "csv" and "/-/" not in path


def _guarded_csv(send: Any) -> Any:
    """``send``, rewriting a CSV answer's body through a :class:`CsvGuard` (a CSV is what
    Datasette answers 200 with, as text/plain or text/csv; its HTML debug view and its
    error pages pass as they are)."""
    guard: CsvGuard | None = None

    async def guarded(message: dict[str, Any]) -> None:
        nonlocal guard
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if message.get("status") == 200 and kind in (b"text/plain", b"text/csv"):
                guard = CsvGuard()
                message = dict(message, headers=[
                    (k, v) for k, v in message.get("headers") or []
                    if k.lower() != b"content-length"])  # the marks lengthen it
        elif message["type"] == "http.response.body" and guard is not None:
            body = guard.feed(message.get("body", b""))
            if not message.get("more_body", False):
                body += guard.close()
            message = dict(message, body=body)
        await send(message)

    return guarded


def register_plugin() -> None:
    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)


def build(db_path: Path, title: str = "goahead archive",
          warc_dir: Path | None = None) -> Datasette:
    """A Datasette instance serving the archive at ``db_path`` with the plugin loaded;
    ``warc_dir`` holds the WARC files the archive's captures name (default ``warcs``).
    In a read-only folder (where SQLite's ``mode=ro`` cannot work) it is served as an
    immutable file, as goahead's own readers open it (``archive.connection``)."""
    register_plugin()
    name = db_path.stem
    meta = metadata(name, title) | {
        "plugins": {PLUGIN_NAME: {"warc_dir": str(warc_dir or "warcs")}}}
    files = {"immutables" if "immutable=1" in read_only_uri(db_path) else "files":
             [str(db_path)]}
    return Datasette(**files, metadata=meta, settings=SETTINGS,
                     template_dir=str(HERE / "templates"),
                     static_mounts=[(f"-/{PLUGIN_NAME}", str(HERE / "static"))])
