"""Serve the sample blogs on 127.0.0.1, one port per blog, like blogspot's front end.

``start()`` returns a :class:`SampleSite` (a context manager) with each blog's base URL, a
log of the requests each blog received, and the runtime mutation API used by
incremental-crawl tests. HTTP behaviour: gzip when accepted (with ``Vary``), weak ``ETag``
and ``Last-Modified`` validators answered with 304, HEAD, keep-alive (HTTP/1.1).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qsl, urlsplit

from sampleblog.content import BLOG_NAMES, Blog, Post, load_blog
from sampleblog.routes import Request, Response, dispatch
from sampleblog.site import BlogSite, SiteOptions

__all__ = ["SampleSite", "SiteOptions", "start"]

LogRow = tuple[str, str, int]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: BlogSite) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site
        self.log: list[LogRow] = []
        self.log_lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms stalls
    server_version = "GSE"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def log_message(self, format: str, *args: object) -> None:
        """Silence stderr logging; requests are recorded in ``SampleSite.requests``."""

    def _serve(self, head: bool) -> None:
        split = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        params: dict[str, str] = {}
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            params.setdefault(key, value)
        site = self.server.site
        with site.lock:
            response = dispatch(Request(site, f"http://{host}", split.path or "/", params))
        self._send(response, head)

    def _send(self, response: Response, head: bool) -> None:
        body = response.body
        headers = [("Content-Type", response.content_type), *response.headers]
        headers += [("Cache-Control", "private, max-age=0"), ("X-Content-Type-Options", "nosniff")]
        status = response.status
        if status == 200:
            etag = 'W/"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:32] + '"'
            headers.append(("ETag", etag))
            if response.last_modified is not None:
                headers.append(("Last-Modified", _http_date(response.last_modified)))
            if self._not_modified(etag, response):
                status, body = 304, b""
        if body and self.server.site.options.gzip:
            headers.append(("Vary", "Accept-Encoding"))
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, compresslevel=6, mtime=0)
                headers.append(("Content-Encoding", "gzip"))
        with self.server.log_lock:  # before replying, so a client never sees an unlogged answer
            self.server.log.append((self.command, self.path, status))
        self.send_response(status)
        for name, value in headers:
            if status == 304 and name == "Content-Type":
                continue
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _not_modified(self, etag: str, response: Response) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = {t.strip().removeprefix("W/") for t in match.split(",")}
            return "*" in tags or etag.removeprefix("W/") in tags
        since = self.headers.get("If-Modified-Since")
        if since and response.last_modified is not None:
            try:
                return response.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


class SampleSite:
    """Running sample blogs: ``urls``, request logs, and publish/edit/delete."""

    def __init__(self, sites: dict[str, BlogSite]) -> None:
        self._servers = {name: _Server(site) for name, site in sites.items()}
        self._threads = [
            threading.Thread(
                target=s.serve_forever, args=(0.05,), name=f"sampleblog-{n}", daemon=True
            )
            for n, s in self._servers.items()
        ]
        for thread in self._threads:
            thread.start()

    @property
    def urls(self) -> dict[str, str]:
        return {n: "http://{}:{}/".format(*s.server_address[:2]) for n, s in self._servers.items()}

    def site(self, blog: str) -> BlogSite:
        return self._servers[blog].site

    def blog(self, blog: str) -> Blog:
        return self.site(blog).blog

    def requests(self, blog: str) -> list[LogRow]:
        server = self._servers[blog]
        with server.log_lock:
            return list(server.log)

    def clear_requests(self, blog: str | None = None) -> None:
        for name, server in self._servers.items():
            if blog in (None, name):
                with server.log_lock:
                    server.log.clear()

    def publish(self, blog: str, post: Post) -> Post:
        return self.site(blog).publish(post)

    def edit(self, blog: str, post_id: str, new_text: str) -> Post:
        return self.site(blog).edit(post_id, new_text)

    def delete(self, blog: str, post_id: str) -> Post:
        return self.site(blog).delete(post_id)

    def close(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start(
    blogs: list[str] | None = None,
    n_posts: int | None = None,
    options: SiteOptions | None = None,
) -> SampleSite:
    """Serve ``blogs`` (default: all) on 127.0.0.1, each on its own free port."""
    names = list(blogs or BLOG_NAMES)
    return SampleSite({name: BlogSite(load_blog(name, n_posts), options) for name in names})
