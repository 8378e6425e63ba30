"""Where each exported post goes: one folder per site, one readable file name per post.

Names are the post's date and a slug of its title, Thai and other scripts kept
(``2024-02-11-นาข้าวอินทรีย์แปลงใหญ่-บ้านป่าสัก.md``, never Blogger's ``blog-post_29``),
safe on every file system: letters, marks, digits, ``-`` and ``_`` only, no reserved
Windows names, bounded in bytes, unique within a folder even where case is ignored.
Sites get folders of their own, so posts of different blogs never collide. Pure, but for
:class:`Placer`'s memory of the names it gave.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from . import thai
from .models import Post

MAX_SLUG_BYTES = 150  # 50 Thai letters; + date, counter and extension: under 255 bytes
MAX_FOLDER_BYTES = 100
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
     *(f"lpt{i}" for i in range(10))}
)
_DASHES = re.compile(r"[-_]*-[-_]*")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HOST_UNSAFE = re.compile(r"[^a-z0-9.\-]+")


def _kept(ch: str, previous: str) -> str:
    """``ch`` in a slug: itself (a letter, digit or a mark on one), or a dash."""
    if ch.isalnum() or ch == "_":
        return ch
    if unicodedata.category(ch).startswith("M") and (previous.isalnum()
                                                     or unicodedata.category(previous)[0] == "M"):
        return ch
    return "-"


def _cut(slug: str, limit: int) -> str:
    """``slug`` within ``limit`` UTF-8 bytes: at a dash when one is near the end, never
    leaving a mark without its letter."""
    if len(slug.encode("utf-8")) <= limit:
        return slug
    end = len(slug.encode("utf-8")[:limit].decode("utf-8", "ignore"))
    while 0 < end < len(slug) and unicodedata.category(slug[end]).startswith("M"):
        end -= 1
    dash = slug.rfind("-", 0, end + 1)
    if dash > end // 2:
        return slug[:dash]
    start = dash + 1  # a long run without dashes (Thai): cut between its words
    run = slug[start:len(slug) if dash == -1 else _run_end(slug, start)]
    position, best = start, start
    for word in thai.words(run):
        position += len(word)
        if position > end:
            break
        best = position
    return slug[:best] if best > end // 2 else slug[:end]


def _run_end(slug: str, start: int) -> int:
    dash = slug.find("-", start)
    return len(slug) if dash == -1 else dash


def slugify(text: str, limit: int = MAX_SLUG_BYTES) -> str:
    """A file-name-safe slug of ``text`` (any script), or ``""`` if nothing is left."""
    text = unicodedata.normalize("NFC", text or "").lower()
    out: list[str] = []
    for ch in text:
        out.append(_kept(ch, out[-1][-1] if out else " "))
    slug = _DASHES.sub("-", "".join(out)).strip("-_")
    slug = _cut(slug, limit).strip("-_")
    return "" if _reserved(slug) else slug


def url_slug(url: str) -> str:
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return re.sub(r"\.html?$", "", name)


def file_stem(post: Post) -> str:
    """``YYYY-MM-DD-slug`` from the title (else the URL, else the post id)."""
    day = (post.published or "")[:10]
    prefix = day if _DAY.fullmatch(day) else "undated"
    slug = (slugify(post.title) or slugify(url_slug(post.url)) or slugify(post.post_id)
            or "post")
    return f"{prefix}-{slug}"


def site_folder(site: str) -> str:
    """A folder name for a site: ``127.0.0.1:8000`` -> ``127.0.0.1_8000``."""
    name = _HOST_UNSAFE.sub("_", (site or "").lower()).strip("._")
    name = name.encode("utf-8")[:MAX_FOLDER_BYTES].decode("utf-8", "ignore").strip("._")
    if not name:
        return "site"
    return "_" + name if _reserved(name) else name


def _reserved(name: str) -> bool:
    """A name Windows takes for a device: ``con``, and ``con.anything`` as well."""
    return name.split(".", 1)[0].rstrip(" ") in _WINDOWS_RESERVED


class Placer:
    """Gives each post a relative path ``site-folder/stem.ext``, unique even on a file
    system that ignores case (``-2``, ``-3`` only for posts of one site with one name)."""

    def __init__(self, ext: str) -> None:
        self.ext = ext
        self.folders: dict[str, str] = {}  # site -> its folder
        self.used: set[str] = set()  # folder/name, lower case

    def folder(self, site: str) -> str:
        if site not in self.folders:
            self.folders[site] = self._unique(site_folder(site), "")
        return self.folders[site]

    def path(self, post: Post) -> str:
        folder = self.folder(post.site)
        return f"{folder}/{self._unique(file_stem(post), folder + '/')}.{self.ext}"

    def _unique(self, stem: str, within: str) -> str:
        name, n = stem, 1
        while (within + name).lower() in self.used:
            n += 1
            name = f"{stem}-{n}"
        self.used.add((within + name).lower())
        return name
