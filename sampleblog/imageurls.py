"""Blogger's image URL shapes: size variants of one image, and what each size serves.

One uploaded image has many URLs that differ only in a size part:

- classic, ``blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsE.../s640/name.jpg`` and
  the older ``N.bp.blogspot.com/-AbC/XyZ/AAAA/abc/s640/name.jpg``: a path segment before the
  file name (``s1600``, ``s640``, ``s72-c``, ``w640-h426``);
- the newer editor's ``blogger.googleusercontent.com/img/a/AVvXsE...=w640-h426``: a suffix.

The editor shows a thumbnail (``s640`` or ``w640-h426``) inside a link to the full-size
image (``s1600``); feeds carry an ``s72-c`` thumbnail; themes show ``s72-c`` in sidebars.
"""

from __future__ import annotations

import re

SPEC = r"(?:s\d+(?:-c)?|w\d+-h\d+(?:-c)?|w\d+|h\d+)"
_SEGMENT = re.compile(rf"/({SPEC})/(?=[^/?#]+$)")  # classic: /SIZE/name.jpg at the end
_SUFFIX = re.compile(rf"=({SPEC})$")  # newer: /img/a/KEY=SIZE
_PARTS = re.compile(r"s(\d+)(-c)?|w(\d+)-h(\d+)(?:-c)?|w(\d+)|h(\d+)")
PHOTO_SIZE = (1600, 900)  # every sample photo's original (the editor's data-original-*)
GRAPHIC_SIZE = (400, 80)  # template graphics (.png: logos, headers)


def size_spec(url: str) -> str | None:
    """The size part of an image URL (``s640``, ``w640-h426``...), or None."""
    match = _SEGMENT.search(url) or _SUFFIX.search(url)
    return match[1] if match else None


def resized(url: str, spec: str) -> str:
    """The same image at another size: ``resized(thumb, "s1600")`` is its full-size URL."""
    if _SEGMENT.search(url):
        return _SEGMENT.sub(f"/{spec}/", url)
    if _SUFFIX.search(url):
        return _SUFFIX.sub(f"={spec}", url)
    return url


def full_size(url: str) -> str:
    return resized(url, "s1600")


def identity(path: str) -> str | None:
    """What names the image whatever its size: the path with its size part as ``*``."""
    if _SEGMENT.search(path):
        return _SEGMENT.sub("/*/", path)
    if _SUFFIX.search(path):
        return _SUFFIX.sub("=*", path)
    return None


def original_size(path: str) -> tuple[int, int]:
    return GRAPHIC_SIZE if path.lower().endswith(".png") else PHOTO_SIZE


def dimensions(spec: str, original: tuple[int, int] = PHOTO_SIZE) -> tuple[int, int]:
    """Pixel size Blogger serves for ``spec``: ``sN`` fits the longest side in N (never
    enlarging), ``sN-c`` crops a square, ``wW-hH`` is exactly that, ``wN``/``hN`` keep
    the aspect ratio."""
    match = _PARTS.fullmatch(spec)
    if match is None:
        raise ValueError(f"not an image size: {spec!r}")
    side, crop, width, height, only_w, only_h = match.groups()
    ow, oh = original
    if side and crop:
        return int(side), int(side)
    if side:
        scale = min(int(side) / max(ow, oh), 1.0) if int(side) else 1.0
        return max(1, round(ow * scale)), max(1, round(oh * scale))
    if width:
        return int(width), int(height)
    if only_w:
        return int(only_w), max(1, round(oh * int(only_w) / ow))
    return max(1, round(ow * int(only_h) / oh)), int(only_h)
