"""Streaming exports of archived posts: JSON Lines, CSV, plain text and Markdown.

Posts come one at a time from :func:`archive.posts.iter_posts`, so memory stays flat
whatever the archive size. In CSV, list fields (labels, images) are JSON arrays, the
``html`` column only when asked for (``columns``), ``bom`` starts the file with a
byte-order mark so that Excel reads it as UTF-8, and a cell a spreadsheet would run as a
formula is written as text (:func:`archive.escaping.spreadsheet_cell`) unless
``raw_csv``. Markdown is converted from the clean HTML
(:mod:`archive.markdown`), with YAML front matter; with ``with_comments`` /
``with_versions`` jsonl records and Markdown files carry the post's comments and earlier
versions. Files go one per post into a folder per site (:mod:`archive.export_files`), or
all into one file when ``out`` names a ``.md`` or ``.txt`` file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from .errors import ExportError
from .escaping import csv_writer, spreadsheet_row, too_long_for_a_spreadsheet
from .export_files import Placer
from .export_render import as_markdown, as_markdown_section, as_text
from .models import Post, values_of
from .posts import comments_of, iter_posts, post_versions

FORMATS = ("txt", "jsonl", "csv", "md")
FIELDS = (
    "url", "post_id", "blog_id", "site", "kind", "title", "author", "published", "updated",
    "labels", "text", "html", "images", "language", "word_count", "warc_file",
    "warc_offset", "warc_length", "fetched_at", "deleted_at",
)
CSV_FIELDS = tuple(name for name in FIELDS if name != "html")  # html only when asked
TXT_DELIMITER = "\n" + "=" * 72 + "\n\n"
MD_DELIMITER = "\n* * *\n\n"
BOM = "\ufeff"
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Extras:
    """What goes with each post besides its own fields."""

    comments: bool = False
    versions: bool = False

    def read(self, db: Database, post: Post) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        if self.comments:
            found["comments"] = comments_of(db, post.blog_id, post.post_id)
        if self.versions:
            found["versions"] = [
                {k: v for k, v in row.items() if k not in ("id", "blog_id", "post_id")}
                for row in post_versions(db, post.blog_id, post.post_id)]
        return found


def check_columns(columns: Sequence[str] | None, fmt: str) -> tuple[str, ...]:
    """The columns to write (csv: all but html by default; jsonl: all)."""
    if not columns:
        return CSV_FIELDS if fmt == "csv" else FIELDS
    unknown = [name for name in columns if name not in FIELDS]
    if unknown:
        raise ExportError(f"unknown column {unknown[0]!r}",
                          hint=f"columns are {', '.join(FIELDS)}")
    return tuple(dict.fromkeys(columns))


def export(
    db: Database, fmt: str, out: str | Path | IO[str], *, query: str | None = None,
    progress: Progress | None = None, columns: Sequence[str] | None = None,
    bom: bool = False, with_comments: bool = False, with_versions: bool = False,
    raw_csv: bool = False, replaced: list[Path] | None = None,
    too_long: list[str] | None = None, **filters: Any,
) -> int:
    """Write the posts matching ``query``/``filters`` to ``out``; return how many.

    ``out`` is a text stream or a path: a file for jsonl/csv; for md and txt a directory
    (one file per post, a folder per site) or a ``.md`` / ``.txt`` file (all posts in one
    file). ``progress(n)`` is called after each post. A post's file that was already in
    the directory (an earlier export) is replaced, and listed in ``replaced``. A csv
    post with a cell longer than a spreadsheet cell holds is listed (its URL) in
    ``too_long``: the file has it whole, a spreadsheet opening it would cut it.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    chosen = check_columns(columns, fmt)
    extras = Extras(with_comments, with_versions)
    posts = _counted(iter_posts(db, query=query, **filters), progress)
    if fmt in ("md", "txt") and not _is_stream(out) and not _single_file(fmt, out):
        return _write_files(posts, fmt, Path(out), lambda p: extras.read(db, p),  # type: ignore[arg-type]
                            [] if replaced is None else replaced)
    with _open_stream(out, bom=bom and fmt == "csv") as stream:
        if fmt == "csv":
            return _write_csv(posts, stream, chosen, raw_csv,
                              [] if too_long is None else too_long)
        if fmt == "jsonl":
            return _write_jsonl(posts, stream, chosen, lambda p: extras.read(db, p))
        if fmt == "md":
            return _write_joined(posts, stream, MD_DELIMITER,
                                 lambda p: as_markdown_section(p, extras.read(db, p)))
        return _write_joined(posts, stream, TXT_DELIMITER, as_text)


def _is_stream(out: object) -> bool:
    return hasattr(out, "write")


def _single_file(fmt: str, out: object) -> bool:
    return str(out).lower().endswith(f".{fmt}")


@contextmanager
def _open_stream(out: str | Path | IO[str], bom: bool = False) -> Iterator[IO[str]]:
    if _is_stream(out):
        if bom:
            out.write(BOM)  # type: ignore[union-attr]
        yield out  # type: ignore[misc]
        return
    path = Path(out)  # type: ignore[arg-type]
    if path.is_dir():
        raise ExportError(f"{path} is a directory", hint="give a file name")
    try:
        with (written_whole(path) as written,
              written.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream):
            yield stream
    except OSError as err:  # a full disk (/dev/full), a vanished mount, ...
        raise ExportError(f"cannot write {path}: {err.strerror or err}") from None


def written_whole(path: Path) -> AbstractContextManager[Path]:
    """Where to write the file ``path`` (an export, an index, a WACZ) so that a stopped or
    failed run never leaves a partial file, nor destroys the one that was there: beside
    it, renamed over it once the block ends (:func:`_written_beside`); ``path`` itself
    for a device or pipe (``/dev/stdout``). A file that cannot be written is an
    ExportError, never replaced."""
    target = _replaceable(path)
    if target is None:
        return nullcontext(path)
    _can_write_beside(target, path)
    return _written_beside(target)


def _can_write_beside(target: Path, path: Path) -> None:
    """An ExportError naming ``path`` when no file can be made beside ``target`` (its
    folder missing, or not writable): said before the work, one line, not a traceback
    naming the hidden file at the end of it (``goahead index``, ``goahead wacz``). Asked
    of the folder, so nothing is made before the block runs."""
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: No such file or directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {path}: Permission denied")


def _part_of(target: Path) -> Path:
    """Where ``target`` is written before it is renamed over: beside it, hidden."""
    return target.with_name(f".{target.name}.part")


@contextmanager
def _written_beside(target: Path) -> Iterator[Path]:
    """A hidden file beside ``target``, renamed over it when the block ends without an
    error, removed otherwise; it has the mode of the file it replaces from the start (a
    0600 export stays private while it is written)."""
    part = _part_of(target)
    try:
        if target.exists():  # the mode first: a writer truncates the part, keeping it
            part.touch()
            shutil.copymode(target, part)
        yield part
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)


def _write_whole(target: Path, text: str) -> None:
    """``text`` into ``target`` whole or not at all, so that an export stopped mid-file
    (Ctrl-C, a full disk) leaves no post's file cut short, and an earlier export's file as
    it was."""
    with _written_beside(target) as part:
        part.write_text(text, encoding="utf-8")


def _replaceable(path: Path) -> Path | None:
    """The regular file ``path`` is (or will be; a symlink's target), or None for a device
    or pipe, written in place; a file it may not write is refused."""
    resolved = path.resolve()
    if resolved.is_file() and not os.access(resolved, os.W_OK):
        raise ExportError(f"cannot write {path}: Permission denied")
    return resolved if not resolved.exists() or resolved.is_file() else None


def _counted(posts: Iterator[Post], progress: Progress | None) -> Iterator[Post]:
    for done, post in enumerate(posts, start=1):
        yield post
        if progress:
            progress(done)


def record(post: Post, columns: Sequence[str] = FIELDS) -> dict[str, Any]:
    """The exported fields of one post, in ``columns`` order."""
    return values_of(post, columns)


def _write_jsonl(posts: Iterator[Post], stream: IO[str], columns: Sequence[str],
                 extras: Callable[[Post], dict[str, Any]]) -> int:
    count = 0
    for post in posts:
        stream.write(json.dumps(record(post, columns) | extras(post), ensure_ascii=False)
                     + "\n")
        count += 1
    return count


def _write_csv(posts: Iterator[Post], stream: IO[str], columns: Sequence[str],
               raw: bool, too_long: list[str]) -> int:
    writer = csv_writer(stream, columns)
    writer.writeheader()
    count = 0
    for post in posts:
        row = record(post, columns)
        for name in ("labels", "images"):
            if name in row:
                row[name] = json.dumps(row[name], ensure_ascii=False)
        writer.writerow(row if raw else spreadsheet_row(row))
        if too_long_for_a_spreadsheet(row):
            too_long.append(post.url)
        count += 1
    return count


def _write_joined(posts: Iterator[Post], stream: IO[str], delimiter: str,
                  render: Callable[[Post], str]) -> int:
    count = 0
    for post in posts:
        if count:
            stream.write(delimiter)
        stream.write(render(post))
        count += 1
    return count


def _write_files(posts: Iterator[Post], fmt: str, folder: Path,
                 extras: Callable[[Post], dict[str, Any]], replaced: list[Path]) -> int:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} exists and is not a directory",
                          hint=f"give a directory, or a file name ending .{fmt}")
    try:  # made even for no post: "exported 0 posts to DIR/" leaves DIR, as a file is left
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"cannot write {folder}: {err.strerror or err}") from None
    placer = Placer(fmt)
    made: set[Path] = {folder}
    count = 0
    for post in posts:
        target = folder / placer.path(post)
        text = as_markdown(post, extras(post)) if fmt == "md" else as_text(post)
        try:
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if target.exists():
                replaced.append(target)
            _write_whole(target, text)
        except OSError as err:
            raise ExportError(f"cannot write {target}: {err.strerror or err}") from None
        count += 1
    return count
