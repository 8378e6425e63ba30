"""Streaming exports of archived posts: JSON Lines, CSV, plain text and Markdown.

Posts come one at a time from :func:`archive.posts.iter_posts`, so memory stays flat
whatever the archive size. In CSV, list fields (labels, images) are JSON arrays.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from sqlite_utils import Database

from .errors import ExportError
from .escaping import markdown_text
from .models import Post
from .posts import iter_posts

FORMATS = ("txt", "jsonl", "csv", "md")
FIELDS = (
    "url", "post_id", "blog_id", "site", "kind", "title", "author", "published", "updated",
    "labels", "text", "html", "images", "language", "word_count", "warc_file",
    "warc_offset", "warc_length", "fetched_at",
)
TXT_DELIMITER = "\n" + "=" * 72 + "\n\n"
MAX_SLUG_BYTES = 120  # + date, counter and extension stays well under 255 bytes
_UNSAFE = re.compile(r"[^\w\-]+", re.UNICODE)
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
     *(f"lpt{i}" for i in range(10))}
)
Progress = Callable[[int], None]


def export(
    db: Database, fmt: str, out: str | Path | IO[str], *, query: str | None = None,
    progress: Progress | None = None, **filters: Any,
) -> int:
    """Write the posts matching ``query``/``filters`` to ``out``; return how many.

    ``out`` is a text stream (jsonl, csv, txt) or a path: a file for jsonl/csv, a
    directory for md and txt (one file per post) or a ``*.txt`` file for txt (all posts
    in one file, separated by a line of ``=``). ``progress(n)`` is called after each post.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    posts = iter_posts(db, query=query, **filters)
    if fmt in ("md", "txt") and not _is_stream(out) and not _single_txt(fmt, out):
        return _write_files(posts, fmt, Path(out), progress)  # type: ignore[arg-type]
    if fmt == "md":
        raise ExportError("md export writes one file per post", hint="give a directory")
    writer = {"jsonl": _write_jsonl, "csv": _write_csv, "txt": _write_txt}[fmt]
    with _open_stream(out) as stream:
        return writer(posts, stream, progress)


def _is_stream(out: object) -> bool:
    return hasattr(out, "write")


def _single_txt(fmt: str, out: object) -> bool:
    return fmt == "txt" and str(out).lower().endswith(".txt")


@contextmanager
def _open_stream(out: str | Path | IO[str]) -> Iterator[IO[str]]:
    if _is_stream(out):
        yield out  # type: ignore[misc]
        return
    path = Path(out)  # type: ignore[arg-type]
    if path.is_dir():
        raise ExportError(f"{path} is a directory", hint="give a file name")
    try:
        stream = path.open("w", encoding="utf-8", newline="")
    except OSError as err:
        raise ExportError(f"cannot write {path}: {err.strerror}") from None
    try:
        with stream:
            yield stream
    except OSError as err:  # a full disk (/dev/full), a vanished mount, ...
        raise ExportError(f"cannot write {path}: {err.strerror or err}") from None


def _counted(posts: Iterator[Post], progress: Progress | None) -> Iterator[Post]:
    for done, post in enumerate(posts, start=1):
        yield post
        if progress:
            progress(done)


def record(post: Post) -> dict[str, Any]:
    """The exported fields of one post, in :data:`FIELDS` order."""
    return {name: getattr(post, name) for name in FIELDS}


def _write_jsonl(posts: Iterator[Post], stream: IO[str], progress: Progress | None) -> int:
    count = 0
    for post in _counted(posts, progress):
        stream.write(json.dumps(record(post), ensure_ascii=False) + "\n")
        count += 1
    return count


def _write_csv(posts: Iterator[Post], stream: IO[str], progress: Progress | None) -> int:
    writer = csv.DictWriter(stream, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for post in _counted(posts, progress):
        row = record(post)
        for name in ("labels", "images"):
            row[name] = json.dumps(row[name], ensure_ascii=False)
        writer.writerow(row)
        count += 1
    return count


def as_text(post: Post) -> str:
    head = [" ".join(post.title.split()), post.url, " ".join(filter(None, [post.published, post.author]))]
    return "\n".join(line for line in head if line) + "\n\n" + post.text.rstrip() + "\n"


def _write_txt(posts: Iterator[Post], stream: IO[str], progress: Progress | None) -> int:
    count = 0
    for post in _counted(posts, progress):
        if count:
            stream.write(TXT_DELIMITER)
        stream.write(as_text(post))
        count += 1
    return count


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax, which YAML accepts), with
    characters YAML may not carry raw escaped."""
    dumped = json.dumps(value, ensure_ascii=False)
    return "".join(
        ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000
        else f"\\U{ord(ch):08x}"
        for ch in dumped
    )


def as_markdown(post: Post) -> str:
    meta = {"title": post.title, "author": post.author, "published": post.published,
            "updated": post.updated, "url": post.url, "site": post.site}
    lines = ["---"]
    for key, value in meta.items():
        lines.append(f"{key}: {yaml_string(value) if value is not None else 'null'}")
    lines.append("labels: [" + ", ".join(yaml_string(label) for label in post.labels) + "]")
    title = markdown_text(" ".join(post.title.split()))
    lines += ["---", "", f"# {title}" if title else "", "", markdown_text(post.text.rstrip()), ""]
    return "\n".join(lines)


def slugify(text: str) -> str:
    """A file-name-safe slug: letters, digits, ``-`` and ``_`` only, bounded in bytes."""
    text = unicodedata.normalize("NFC", text).lower()
    slug = _UNSAFE.sub("-", text).strip("-_")
    while len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        slug = slug[:-1]
    slug = slug.rstrip("-_")
    return slug if slug and slug not in _WINDOWS_RESERVED else "post"


def url_slug(url: str) -> str:
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return re.sub(r"\.html?$", "", name)


def file_stem(post: Post) -> str:
    day = (post.published or "")[:10]
    prefix = day if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else "undated"
    return f"{prefix}-{slugify(url_slug(post.url) or post.title or post.post_id)}"


def _unique(stem: str, used: set[str]) -> str:
    name, n = stem, 1
    while name.lower() in used:  # lower(): case-insensitive file systems
        n += 1
        name = f"{stem}-{n}"
    used.add(name.lower())
    return name


def _write_files(posts: Iterator[Post], fmt: str, folder: Path,
                 progress: Progress | None) -> int:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} exists and is not a directory",
                          hint="give a new or existing directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot create {folder}: {err.strerror}") from None
    render = as_markdown if fmt == "md" else as_text
    used: set[str] = set()
    count = 0
    for post in _counted(posts, progress):
        name = _unique(file_stem(post), used) + "." + fmt
        try:
            (folder / name).write_text(render(post), encoding="utf-8")
        except OSError as err:
            raise ExportError(f"cannot write {folder / name}: {err.strerror or err}") from None
        count += 1
    return count
