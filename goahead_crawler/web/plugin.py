"""Datasette plugin for goahead archives: Thai-aware full-text search in the web view.

The archive indexes a syllable-segmented copy of each post (:mod:`archive.segment`), so a
query must be segmented the same way before FTS5 sees it. The plugin registers, on every
connection Datasette opens:

- ``goahead_fts(q)``: the FTS5 MATCH string for a user query (:func:`archive.query.to_fts`);
  a query that cannot be parsed matches nothing instead of failing the page;
- ``goahead_snippet(s)``: an FTS5 snippet back to the original text, HTML-escaped, with the
  matches in ``<mark>`` (the ``snippet`` column is then rendered as that HTML);
- ``goahead_unsegment(s)``: U+200B removed (for ad-hoc SQL over ``posts_search``);
- ``escape_fts(q)``, replacing Datasette's own, so the search box of the ``posts`` table
  (``?_search=``) segments Thai too. It runs ``trylast`` so it is registered after
  Datasette's version and wins.

It also hides the long columns of the ``posts`` table page by default (see
:data:`~goahead_crawler.web.views.HIDDEN_POST_COLUMNS`). The plugin is
registered programmatically by :func:`build`, so no entry points are needed.
"""

from __future__ import annotations

import html
import re
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from markupsafe import Markup

from archive.connection import read_only_uri
from archive.errors import QueryError
from archive.query import to_fts
from archive.search import clean_snippet
from archive.segment import unsegment
from goahead_crawler.web.views import (
    HIDDEN_POST_COLUMNS,
    MARK_CLOSE,
    MARK_OPEN,
    metadata,
)

PLUGIN_NAME = "goahead"
NO_MATCH = '""'  # an empty FTS5 phrase: valid, and matches no row
SETTINGS = {
    "truncate_cells_html": 200,  # long text cells stay one or two lines in tables
    "default_page_size": 50,
    "suggest_facets": False,  # each suggestion is a GROUP BY per column: slow on big archives
}
_TAG_OTHER_THAN_MARK = re.compile(r"<(?!/?mark>)")

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def goahead_fts(query: str | None) -> str:
    try:
        return to_fts(query or "")
    except QueryError:
        return NO_MATCH


def goahead_snippet(snippet: str | None) -> str | None:
    if snippet is None:
        return None
    text = html.escape(clean_snippet(snippet, (MARK_OPEN, MARK_CLOSE)), quote=False)
    return text.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def goahead_unsegment(text: str | None) -> str | None:
    return None if text is None else unsegment(text)


def register_functions(conn: sqlite3.Connection) -> None:
    """The plugin's SQL functions on a plain sqlite3 connection (also used by tests)."""
    for name, function in (("goahead_fts", goahead_fts), ("escape_fts", goahead_fts),
                           ("goahead_snippet", goahead_snippet),
                           ("goahead_unsegment", goahead_unsegment)):
        conn.create_function(name, 1, function, deterministic=True)


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    register_functions(conn)


@hookimpl
def render_cell(value: Any, column: str) -> Markup | None:
    # Only a string whose sole tags are <mark>/</mark> is passed through as HTML; that is
    # what goahead_snippet() produces, and nothing else can carry markup into the page.
    if column != "snippet" or not isinstance(value, str) or "<mark>" not in value:
        return None
    if _TAG_OTHER_THAN_MARK.search(value):
        return None
    return Markup(value)


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
            parts = scope.get("path", "").strip("/").split("/")
            if (scope["type"] == "http" and len(parts) == 2 and parts[1] == "posts"
                    and parts[0] in datasette.databases):
                scope = dict(scope, query_string=default_columns(scope["query_string"]))
            await app(scope, receive, send)
        return posts_page_columns
    return wrap


def register_plugin() -> None:
    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)


def build(db_path: Path, title: str = "goahead archive") -> Datasette:
    """A Datasette instance serving the archive at ``db_path`` with the plugin loaded.
    In a read-only folder (where SQLite's ``mode=ro`` cannot work) it is served as an
    immutable file, as goahead's own readers open it (``archive.connection``)."""
    register_plugin()
    name = db_path.stem
    if "immutable=1" in read_only_uri(db_path):
        return Datasette(immutables=[str(db_path)], metadata=metadata(name, title),
                         settings=SETTINGS)
    return Datasette([str(db_path)], metadata=metadata(name, title), settings=SETTINGS)
