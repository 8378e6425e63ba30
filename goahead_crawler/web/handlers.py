"""The plugin's own pages (Datasette ``register_routes``): search, a post's reading view,
and an archived response read straight from its WARC record.

Each reads through ``archive/`` on one of Datasette's read-only connections
(``execute_fn``); none ever writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from datasette.app import Datasette
from datasette.database import Database as DatasetteDatabase
from datasette.utils.asgi import NotFound, Request, Response
from sqlite_utils import Database

from archive.posts import adopted_post_id
from archive.reading import post_key, sites
from goahead_crawler.warc.reader import UnreadableRecord
from goahead_crawler.warc.retrieve import (
    CaptureNotFound,
    WarcFileMissing,
    at_bound,
    retrieve,
)
from goahead_crawler.web.post_view import post_page
from goahead_crawler.web.search_view import Results, SearchForm, post_path, run_search
from goahead_crawler.web.security import ARCHIVED_CSP, CSP

PLUGIN_NAME = "goahead"
T = TypeVar("T")
# The search and reading views' own policy (no script); every answer also gets the
# other safety headers, and a policy when it has none, as it leaves (web.security).
OWN_PAGE = {"Content-Security-Policy": CSP}
ARCHIVED = {"Content-Security-Policy": ARCHIVED_CSP}


MADE_ID = re.compile(r"u[0-9a-f]{16}")  # archive.posts.url_post_id


def _database(datasette: Datasette, request: Request) -> tuple[str, DatasetteDatabase]:
    name = request.url_vars["database"]
    try:
        return name, datasette.get_database(name)
    except KeyError:
        raise NotFound(f"no database {name}") from None


async def read(database: DatasetteDatabase, read: Callable[[Database], T]) -> T:
    return await database.execute_fn(lambda conn: read(Database(conn)))


async def _not_found(datasette: Datasette, request: Request, message: str) -> Response:
    """Datasette's error page, without the traceback its exception hook prints for a
    raised NotFound (a missing post is not a server fault)."""
    page = await datasette.render_template(
        "error.html", {"ok": False, "error": message, "status": 404, "title": None},
        request=request)
    return Response.html(page, status=404)


def _title(datasette: Datasette) -> str:
    return datasette.metadata("title") or "goahead archive"


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), status=status,
                    content_type="application/json; charset=utf-8")


async def search(datasette: Datasette, request: Request) -> Response:
    """``/DB/search`` (``.json`` for the same as JSON; ``_shape=array``: the hits only)."""
    name, database = _database(datasette, request)
    form = SearchForm.from_args(request.args)
    results: Results = await read(database, lambda db: run_search(db, form, name))
    status = 400 if results.error else 200
    if request.url_vars.get("format") == "json":
        data = results.to_dict()
        return _json(data["hits"] if request.args.get("_shape") == "array" and
                     results.error is None else data, status)
    known_sites = await read(database, sites)
    context = {"database": name, "form": form, "results": results, "sites": known_sites,
               "archive_title": _title(datasette)}
    page = await datasette.render_template("goahead_search.html", context, request=request)
    return Response.html(page, status=status, headers=OWN_PAGE)


async def post(datasette: Datasette, request: Request) -> Response:
    """``/DB/post/BLOG_ID/POST_ID``: the archived post as a reader sees it."""
    name, database = _database(datasette, request)
    blog_id, post_id = request.url_vars["blog_id"], request.url_vars["post_id"]
    folder = warc_dir(datasette)
    found = await read(database, lambda db: post_page(db, name, blog_id, post_id, folder))
    if found is None and MADE_ID.fullmatch(post_id):  # re-keyed since: its link still works
        adopted = await read(database, lambda db: adopted_post_id(db, blog_id, post_id))
        if adopted is not None:
            return Response.redirect(post_path(name, blog_id, adopted), status=301)
    if found is None:
        return await _not_found(datasette, request,
                                f"no post {post_id} of blog {blog_id} in this archive")
    page = await datasette.render_template(
        "goahead_post.html", {"database": name, "archive_title": _title(datasette),
                              **found.context()}, request=request)
    return Response.html(page, headers=OWN_PAGE)


async def post_by_id(datasette: Datasette, request: Request) -> Response:
    """``/DB/post/ID`` (``posts.id``, what tables and queries show): the reading view's
    own address."""
    name, database = _database(datasette, request)
    post_pk = int(request.url_vars["id"])
    key = None if post_pk >= 2**63 else await read(database, lambda db: post_key(db, post_pk))
    if key is None:
        return await _not_found(datasette, request, f"no post with id {post_pk} in this archive")
    return Response.redirect(post_path(name, *key))


def warc_dir(datasette: Datasette) -> Path:
    return Path((datasette.plugin_config(PLUGIN_NAME) or {}).get("warc_dir") or "warcs")


async def archived(datasette: Datasette, request: Request) -> Response:
    """``/DB/-/warc?url=URL[&at=TIME]``: the archived response of URL from its WARC record
    (as ``goahead warc-get``), with its archived status and type; sandboxed, never run."""
    _, database = _database(datasette, request)
    url, at = request.args.get("url") or "", request.args.get("at")
    folder = warc_dir(datasette)
    try:
        at = at_bound(at) if at else None
    except ValueError as exc:  # the reader's mistake, not a record the server failed on
        return Response.text(str(exc), status=400, headers=ARCHIVED)
    try:
        got = await read(database, lambda db: retrieve(db, folder, url, at=at))
        body = got.decoded
    except (CaptureNotFound, WarcFileMissing) as exc:
        return Response.text(str(exc), status=404, headers=ARCHIVED)
    except (UnreadableRecord, ValueError) as exc:
        return Response.text(f"cannot read the archived response: {exc}", status=502,
                             headers=ARCHIVED)
    kind = got.headers.get_header("Content-Type") or "application/octet-stream"
    status = int((got.headers.get_statuscode() or "200")[:3])
    return Response(body, status=status, content_type=kind,
                    headers=ARCHIVED | {"X-Archived-At": got.capture.fetched_at})


ROUTES = (
    (r"^/(?P<database>[^/]+)/search(\.(?P<format>json))?$", search),
    (r"^/(?P<database>[^/]+)/post/(?P<blog_id>[^/]+)/(?P<post_id>[^/]+)$", post),
    (r"^/(?P<database>[^/]+)/post/(?P<id>[0-9]+)$", post_by_id),
    (r"^/(?P<database>[^/]+)/-/warc$", archived),
)
