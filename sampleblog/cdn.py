"""The sample CDN: one local origin standing in for Blogger's image and static hosts.

Blogger pages load their images from ``blogger.googleusercontent.com`` (and the older
``N.bp.blogspot.com``), their widget CSS/JS from ``www.blogger.com/static/``, template
images from ``resources.blogblog.com``, fonts from ``fonts.gstatic.com``. The sample blogs
render those real URLs (the ground truth keeps them); when served, :func:`localise` maps
every one of those hosts onto the CDN's origin, keeping the path, so the CDN answers each
path as the real host would: a distinct origin (same IP, another port) from the blog's.

Routes (:func:`dispatch`): ``/robots.txt``; images in every Blogger size form
(:mod:`sampleblog.imageurls`), generated on the fly and only for images that some page or
post references (:class:`ImageRegistry`); the static files of :data:`statics.FILES`;
404 for anything else.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterable

from sampleblog import imageurls, media, statics
from sampleblog.routes import Response

# Real hosts served by the CDN (www.blogger.com only for its /static/ and /img/ files).
_STATIC_URL = (
    r"(?:https?:)?//(?:blogger\.googleusercontent\.com|[1-4]\.bp\.blogspot\.com"
    r"|resources\.blogblog\.com|img[12]\.blogblog\.com|www\.gstatic\.com|fonts\.gstatic\.com"
    r"|www\.blogger\.com(?=/static/|/img/))(?=/)"
)
_STATIC_TEXT = re.compile(_STATIC_URL)
_STATIC_BYTES = re.compile(_STATIC_URL.encode())
_IMAGE_PATH = re.compile(
    r"/img/(?:b/R29vZ2xl|a|proxy)/AVvXsE[\w-]+\S*|/-[\w-]+/[\w-]+/[\w-]+/[\w-]+/[^/\s]+/[^/\s]+"
)
_URL_IN_TEXT = re.compile(_STATIC_URL + r"(/[^\s\"'<>()\\]+)")
MAX_SIDE = 2048  # larger sizes are refused (as a bound on the work one request can cause)
ROBOTS_TXT = b"User-agent: *\nDisallow: /img/proxy/\nAllow: /\n"
_CACHE = [("Cache-Control", "public, max-age=86400"), ("Access-Control-Allow-Origin", "*")]
_NOT_FOUND = (
    b"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title>"
    b"<p><b>404.</b> <ins>That\xe2\x80\x99s an error.</ins><p>The requested URL was not found "
    b"on this server. <ins>That\xe2\x80\x99s all we know.</ins>"
)


def localise(text: str, cdn_base: str) -> str:
    """``text`` with every Blogger static-host URL moved to ``cdn_base`` (``http://h:p``)."""
    host = cdn_base.split("//", 1)[1].rstrip("/")
    return _STATIC_TEXT.sub(lambda m: _swap(m[0], host), text)


def localise_bytes(body: bytes, cdn_base: str) -> bytes:
    host = cdn_base.split("//", 1)[1].rstrip("/")
    return _STATIC_BYTES.sub(lambda m: _swap(m[0].decode(), host).encode(), body)


def _swap(prefix: str, host: str) -> str:
    return f"//{host}" if prefix.startswith("//") else f"http://{host}"


def is_blogger_static(url: str) -> bool:
    """Whether the CDN stands in for ``url``'s host (``localise`` would move it)."""
    return bool(_STATIC_TEXT.match(url))


class ImageRegistry:
    """Images the CDN knows (by :func:`imageurls.identity`): those the blogs reference."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()
        self.add(statics.TEMPLATE_IMAGES)
        self.add(texts)

    def add(self, texts: Iterable[str]) -> None:
        """Register every Blogger image URL found in ``texts`` (HTML, URLs)."""
        found = set()
        for text in texts:
            for match in _URL_IN_TEXT.finditer(text):
                ident = imageurls.identity(match[1])
                if ident and _IMAGE_PATH.fullmatch(match[1]):
                    found.add(ident)
        with self._lock:
            self._known |= found

    def __contains__(self, identity: str) -> bool:
        with self._lock:
            return identity in self._known

    def __len__(self) -> int:
        return len(self._known)


def dispatch(registry: ImageRegistry, path: str) -> Response:
    """The CDN's answer for ``path`` (query strings are ignored, as Blogger's CDN does)."""
    if path == "/robots.txt":
        return Response(200, ROBOTS_TXT, "text/plain", last_modified=statics.UPLOADED)
    if path in statics.FILES:
        ctype, produce = statics.FILES[path]
        return _static(produce(), ctype, compress=not ctype.startswith("image/"))
    if _IMAGE_PATH.fullmatch(path):
        image = _image(registry, path)
        if image is not None:
            return image
    return Response(404, _NOT_FOUND, "text/html; charset=UTF-8", compress=False)


def _image(registry: ImageRegistry, path: str) -> Response | None:
    ident, spec = imageurls.identity(path), imageurls.size_spec(path)
    if ident is None or spec is None or ident not in registry:
        return None
    width, height = imageurls.dimensions(spec, imageurls.original_size(path))
    if max(width, height) > MAX_SIDE:
        return None
    seed = zlib.crc32(ident.encode())
    if path.lower().endswith(".png"):
        return _static(media.banner_png(seed, width, height), "image/png", compress=False)
    return _static(media.photo_jpeg(seed, width, height), "image/jpeg", compress=False)


def _static(body: bytes, ctype: str, compress: bool) -> Response:
    return Response(200, body, ctype, list(_CACHE), statics.UPLOADED, compress=compress)
