"""Serve the sample blogs on 127.0.0.1, one port per blog, like blogspot's front end, and
the sample CDN (Blogger's image and static hosts) on one more port.

``start()`` returns a :class:`SampleSite` (a context manager) with each blog's base URL, the
CDN's (``cdn_url``), a log of the requests each of them received, the runtime mutation
API used by incremental-crawl tests, and broken pages on demand (``fail``/``mend``). HTTP behaviour: gzip when accepted (with ``Vary``; never
for images), weak ``ETag`` and ``Last-Modified`` validators answered with 304, HEAD,
keep-alive (HTTP/1.1). Pages and feeds name Blogger's real static hosts in their markup; the
server rewrites those URLs to the CDN's origin as it sends them (:func:`cdn.localise`).
"""

from __future__ import annotations

import gzip
import hashlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qsl, urlsplit

from sampleblog import cdn
from sampleblog.content import BLOG_NAMES, Blog, Comment, Post, load_blog
from sampleblog.routes import Request, Response, dispatch
from sampleblog.site import BlogSite, SiteOptions

__all__ = ["SampleSite", "SiteOptions", "start"]

LogRow = tuple[str, str, int]
App = Callable[[str, str, dict[str, str]], Response]  # (base URL, path, query) -> Response


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: App, gzip: bool, latency: float = 0.0, port: int = 0) -> None:
        try:
            super().__init__(("127.0.0.1", port), _Handler)
        except OSError:  # the port asked for is taken: any free one
            super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.gzip = gzip
        self.latency = latency  # seconds each answer waits, as a distant host's would
        self.log: list[LogRow] = []
        self.log_lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0  # requests being answered now; the peak

    @property
    def base(self) -> str:
        return "http://{}:{}".format(*self.server_address[:2])


Broken = dict[str, tuple[int, str | None]]  # path -> (status, Location) a test set


def _failed(failing: Broken, path: str) -> Response | None:
    """A page the test broke: the server errs on it (or redirects it), every time."""
    if path not in failing:
        return None
    status, location = failing[path]
    if location is not None:
        return Response(status, b"", "text/plain; charset=UTF-8", [("Location", location)])
    return Response(status, b"server error", "text/plain; charset=UTF-8")


def _blog_app(site: BlogSite, cdn_base: str, failing: Broken) -> App:
    def app(base: str, path: str, params: dict[str, str]) -> Response:
        broken = _failed(failing, path)
        if broken is not None:
            return broken
        with site.lock:
            response = dispatch(Request(site, base, path, params))
        if not response.content_type.startswith("image/"):
            response.body = cdn.localise_bytes(response.body, cdn_base)
        return response

    return app


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
        server = self.server
        with server.log_lock:
            server.in_flight += 1
            server.most_in_flight = max(server.most_in_flight, server.in_flight)
        try:
            if server.latency:  # the network's and a busy front end's share: no CPU
                time.sleep(server.latency)
            split = urlsplit(self.path)
            host = self.headers.get("Host") or "{}:{}".format(*server.server_address[:2])
            params: dict[str, str] = {}
            for key, value in parse_qsl(split.query, keep_blank_values=True):
                params.setdefault(key, value)
            self._send(server.app(f"http://{host}", split.path or "/", params), head)
        finally:
            with server.log_lock:
                server.in_flight -= 1

    def _send(self, response: Response, head: bool) -> None:
        body = response.body
        headers = [("Content-Type", response.content_type), *response.headers]
        if not any(name == "Cache-Control" for name, _ in headers):
            headers.append(("Cache-Control", "private, max-age=0"))
        headers.append(("X-Content-Type-Options", "nosniff"))
        status = response.status
        if status == 200:
            etag = 'W/"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:32] + '"'
            headers.append(("ETag", etag))
            if response.last_modified is not None:
                headers.append(("Last-Modified", _http_date(response.last_modified)))
            if self._not_modified(etag, response):
                status, body = 304, b""
        if body and response.compress and self.server.gzip:
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
    """Running sample blogs and their CDN: ``urls``, ``cdn_url``, request logs, and
    publish/edit/delete."""

    def __init__(self, sites: dict[str, BlogSite], latency: float = 0.0,
                 ports: Mapping[str, int] | None = None) -> None:
        ports = ports or {}
        self.images = cdn.ImageRegistry(
            p.body_html for site in sites.values() for p in site.blog.posts + site.blog.pages
        )
        self._failing: dict[str, Broken] = {name: {} for name in [*sites, "cdn"]}
        self._cdn = _Server(
            lambda _base, path, _params: _failed(self._failing["cdn"], path)
            or cdn.dispatch(self.images, path),
            gzip=all(site.options.gzip for site in sites.values()),
            latency=latency,
            port=ports.get("cdn", 0),
        )
        self._sites = sites
        self._servers = {
            name: _Server(_blog_app(site, self._cdn.base, self._failing[name]),
                          site.options.gzip, latency, ports.get(name, 0))
            for name, site in sites.items()
        }
        servers = {**self._servers, "cdn": self._cdn}
        self._threads = [
            threading.Thread(
                target=s.serve_forever, args=(0.05,), name=f"sampleblog-{n}", daemon=True
            )
            for n, s in servers.items()
        ]
        for thread in self._threads:
            thread.start()

    @property
    def urls(self) -> dict[str, str]:
        return {n: s.base + "/" for n, s in self._servers.items()}

    @property
    def ports(self) -> dict[str, int]:
        """Each blog's port and the CDN's (``"cdn"``): what ``start(ports=...)`` takes."""
        servers = {**self._servers, "cdn": self._cdn}
        return {name: server.server_address[1] for name, server in servers.items()}

    @property
    def cdn_url(self) -> str:
        """The CDN's base URL (``http://127.0.0.1:PORT/``), one origin for all blogs."""
        return self._cdn.base + "/"

    def served_url(self, url: str) -> str:
        """``url`` as the served pages show it: a Blogger image or static-file URL (e.g. a
        post's ground-truth ``images``) moved to the CDN; any other URL unchanged."""
        return cdn.localise(url, self._cdn.base)

    def site(self, blog: str) -> BlogSite:
        return self._sites[blog]

    def blog(self, blog: str) -> Blog:
        return self.site(blog).blog

    def requests(self, blog: str) -> list[LogRow]:
        return self._log(self._servers[blog])

    def most_in_flight(self, blog: str) -> int:
        """The most requests ``blog``'s server was answering at one time (since start or
        :meth:`clear_requests`): the crawler's concurrency as the blog saw it."""
        server = self._servers[blog]
        with server.log_lock:
            return server.most_in_flight

    def cdn_requests(self) -> list[LogRow]:
        """(method, path with query, status) of every request the CDN answered."""
        return self._log(self._cdn)

    @staticmethod
    def _log(server: _Server) -> list[LogRow]:
        with server.log_lock:
            return list(server.log)

    def clear_requests(self, blog: str | None = None) -> None:
        """Forget the requests of ``blog``, or of every blog and the CDN."""
        servers = [*self._servers.values(), self._cdn] if blog is None else [self._servers[blog]]
        for server in servers:
            with server.log_lock:
                server.log.clear()
                server.most_in_flight = server.in_flight

    def publish(self, blog: str, post: Post) -> Post:
        self.images.add([post.body_html])
        return self.site(blog).publish(post)

    def edit(self, blog: str, post_id: str, new_text: str) -> Post:
        return self.site(blog).edit(post_id, new_text)

    def amend(self, blog: str, post_id: str, new_text: str) -> Post:
        return self.site(blog).amend(post_id, new_text)

    def add_comment(self, blog: str, post_id: str, author: str, text: str) -> Comment:
        return self.site(blog).add_comment(post_id, author, text)

    def delete(self, blog: str, post_id: str) -> Post:
        return self.site(blog).delete(post_id)

    def fail(self, blog: str, path: str, status: int = 503, location: str | None = None
             ) -> None:
        """Make ``path`` of ``blog`` (or of the CDN: ``"cdn"``) answer ``status`` (a broken
        page; with ``location``, a redirect there) until :meth:`mend`."""
        self._failing[blog][path] = (status, location)

    def mend(self, blog: str, path: str | None = None) -> None:
        """``path`` (or every broken page of ``blog``) answers normally again."""
        if path is None:
            self._failing[blog].clear()
        else:
            self._failing[blog].pop(path, None)

    def close(self) -> None:
        for server in [*self._servers.values(), self._cdn]:
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
    image_pool: int | None = None,
    latency: float = 0.0,
    ports: Mapping[str, int] | None = None,
) -> SampleSite:
    """Serve ``blogs`` (default: all) on 127.0.0.1, each on its own free port, and the CDN
    that serves their images on one more; synthetic posts (``n_posts`` beyond the
    hand-written ones) draw their images from ``image_pool`` distinct images. Every server
    waits ``latency`` seconds before each answer, as a host across a network would (the
    wait is a sleep: it takes no CPU from the crawler, as a real round trip takes none).
    ``ports`` (blog name or ``"cdn"`` -> port, as :attr:`SampleSite.ports` gives them) asks
    for the same ports as an earlier run, so its URLs, which an archive keys its sites on,
    stay the same; one that is taken is replaced by a free one."""
    if not 0 <= latency < math.inf:  # NaN too
        raise ValueError(f"latency must be 0 s or more, not {latency} s")
    names = list(blogs or BLOG_NAMES)
    loaded = {name: load_blog(name, n_posts, image_pool) for name in names}
    return SampleSite({name: BlogSite(blog, options) for name, blog in loaded.items()},
                      latency, ports)
