"""The archive's reading view of one post: what its template is given.

The clean text and images come from the archive (images, and the full-size photos they
link to, through the WARC route when they were captured), with the post's metadata,
labels, comments and earlier versions, a link to the live URL (leaving the archive; an
http(s) one only: a merged archive's ``javascript:`` URL is text) and one to the capture
the post was read from.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup
from sqlite_utils import Database

from archive.escaping import display_url
from archive.reading import PostRecord, captured_files, post_record
from archive.timestamps import to_utc
from goahead_crawler.blogger.urls import request_url
from goahead_crawler.extract.clean import safe_url
from goahead_crawler.warc.retrieve import CaptureNotFound, WarcFileMissing, retrieve
from goahead_crawler.web.article_html import images, links, reading_html


def warc_path(database: str, url: str, at: str | None = None) -> str:
    """The plugin's route serving the archived response of ``url`` (at or before ``at``)."""
    args = {"url": url} | ({"at": at} if at else {})
    return f"/{quote(database)}/-/warc?{urlencode(args)}"


def when(value: str | None) -> str:
    """An ISO 8601 time as a reader reads it: ``2024-02-11 10:00 +07:00``, ``... UTC``."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    offset = moment.strftime("%z")
    zone = "" if not offset else " UTC" if offset == "+0000" else f" {offset[:3]}:{offset[3:]}"
    return moment.strftime("%Y-%m-%d %H:%M") + zone


@dataclass
class PostPage:
    """What ``goahead_post.html`` shows."""

    record: PostRecord
    body: Markup  # the clean HTML, images from the archive
    capture: str | None  # the WARC route for the post's own capture
    missing_images: int  # images of the post that were not captured
    warc_dir: str = ""  # where the WARC files are looked for
    missing_warcs: list[str] = field(default_factory=list)  # the page's and images' files not there
    damaged_images: list[tuple[str, str]] = field(default_factory=list)  # (URL, WARC file)

    def context(self) -> dict[str, Any]:
        row = self.record.row
        return {"post": row, "live": safe_url(row["url"] or "", ""),
                "shown_url": display_url(row["url"] or ""),  # as read; linked as fetched
                "comments": self.record.comments,
                "versions": self.record.versions, "body": self.body,
                "paragraphs": [p for p in (row["text"] or "").split("\n\n") if p.strip()],
                "capture": self.capture, "missing_images": self.missing_images,
                "warc_dir": self.warc_dir, "missing_warcs": self.missing_warcs,
                "damaged_images": self.damaged_images,
                "when": when}


def post_page(db: Database, database: str, blog_id: str, post_id: str,
              warc_dir: Path = Path("warcs")) -> PostPage | None:
    """The reading view of ``(blog_id, post_id)``, or None when the archive lacks it;
    the WARC files its page and images are read from that ``warc_dir`` lacks are named
    (a wrong ``--warc-dir`` would otherwise be broken pictures with no word)."""
    record = post_record(db, blog_id, post_id)
    if record is None:
        return None
    row = record.row
    html = row["html"] or ""
    shown = images(html, row["url"])
    listed = set(row["images"])  # the archived images, the full-size photos among them
    full_size = [href for href in links(html, row["url"])
                 if (request_url(href) or href) in listed]
    files = _archived(db, [*shown, *full_size])
    found = {url: got[0] if got else None for url, got in files.items()}
    body = reading_html(html,
                        lambda url: warc_path(database, found[url]) if found.get(url) else None,
                        base_url=row["url"])
    capture = None
    if row["warc_file"]:
        capture = warc_path(database, row["url"], to_utc(row["fetched_at"] or "") or None)
    needed = {row["warc_file"], *(got[1] for got in files.values() if got)}
    missing = sorted(name for name in needed if name and not (warc_dir / name).is_file())
    return PostPage(record, Markup(body), capture,
                    sum(1 for src in set(shown) if not found[src]),
                    str(warc_dir.resolve()), missing,
                    _unreadable(db, warc_dir, dict(got for got in files.values() if got)))


def _unreadable(db: Database, warc_dir: Path, archived: dict[str, str]
                ) -> list[tuple[str, str]]:
    """The archived images (URL, WARC file) whose record cannot be read (damaged since it
    was written): the page says so and names the file, where the browser would show a
    broken picture with no word. Each is read as the image route reads it, whole, its
    digest checked (a flipped bit may show only in the gzip member's checksum at its end),
    once while its file stays as it is (:data:`_CHECKED`): the sample blog's post of 8
    images took 5.4 ms a first view instead of 1.5."""
    damaged = []
    for url, warc_file in sorted(archived.items()):
        try:
            stat = (warc_dir / warc_file).stat()
        except OSError:
            continue  # the file is gone: said already
        key = (str(warc_dir.resolve()), warc_file, url, stat.st_mtime_ns, stat.st_size)
        readable = _CHECKED.get(key)
        if readable is None:
            readable = _readable(db, warc_dir, url)
            _CHECKED[key] = readable
            while len(_CHECKED) > CHECKED_MAX:
                _CHECKED.popitem(last=False)
        if not readable:
            damaged.append((url, warc_file))
    return damaged


CHECKED_MAX = 100_000  # images whose record was read whole (a few MB of keys)
_CHECKED: OrderedDict[tuple[str, str, str, int, int], bool] = OrderedDict()


def _readable(db: Database, warc_dir: Path, url: str) -> bool:
    """Whether the archived response of ``url`` reads whole (payload and digest)."""
    try:
        retrieve(db, warc_dir, url)
    except (CaptureNotFound, WarcFileMissing):
        return True  # not captured, or the file is gone: said elsewhere
    except ValueError:  # UnreadableRecord, or not the record the row names
        return False
    return True


def _archived(db: Database, urls: list[str]) -> dict[str, tuple[str, str] | None]:
    """Each of ``urls``, as the page wrote it, and the URL its capture is found under (as
    written, or as the crawl fetched it) with that capture's WARC file, or None when the
    archive has none."""
    fetched_as = {url: request_url(url) or url for url in urls}
    captured = captured_files(db, [*fetched_as, *fetched_as.values()])
    return {url: next(((u, captured[u]) for u in (url, fetched) if u in captured), None)
            for url, fetched in fetched_as.items()}
