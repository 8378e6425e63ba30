"""Rebuild the archive's rows from WARC files alone, with no network: the WARC is the truth.

Three steps: index every response/revisit record; read the feed pages among them for the
metadata a crawl takes from the feed; re-extract every post and static page from its latest
capture (a revisit resolves to the body it refers to) and upsert it, as a crawl would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from scrapy.utils.sitemap import Sitemap
from warcio.archiveiterator import ArchiveIterator

from archive.captures import record_capture
from archive.models import Capture
from archive.posts import upsert_comments, upsert_post
from archive.timestamps import to_utc
from goahead_crawler.blogger.comment_feed import comments_from_feed
from goahead_crawler.blogger.feed import FeedEntry, FeedError, parse_feed
from goahead_crawler.blogger.urls import canonical_url, is_post_path, is_static_page_path
from goahead_crawler.items import page_post
from goahead_crawler.warc.reader import read_response

Progress = Callable[[int], None]


@dataclass
class Record:
    """Where one captured response (or revisit of one) sits in the WARC files."""

    url: str
    date: str
    warc_file: str
    offset: int
    length: int  # of the gzip member (the record as stored)
    status: int
    digest: str | None
    revisit: bool
    content_type: str


@dataclass
class ReindexResult:
    files: int = 0
    records: int = 0
    posts: int = 0
    pages: int = 0
    comments: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # captured post pages whose body could not be read back


def index_records(paths: Iterable[Path]) -> Iterator[Record]:
    """Every response and revisit record, with its file, offset and length."""
    for path in paths:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type not in ("response", "revisit") or not record.http_headers:
                    continue
                headers = record.rec_headers
                status = record.http_headers.get_statuscode()
                offset = records.get_record_offset()
                records.read_to_end(record)
                yield Record(
                    url=headers.get_header("WARC-Target-URI"),
                    date=headers.get_header("WARC-Date"),
                    warc_file=path.name,
                    offset=offset,
                    length=records.get_record_length(),
                    status=int(status) if status and status.isdigit() else 0,
                    digest=headers.get_header("WARC-Payload-Digest"),
                    revisit=record.rec_type == "revisit",
                    content_type=record.http_headers.get_header("Content-Type") or "",
                )


def latest_bodies(records: Iterable[Record]) -> dict[str, tuple[Record, Record]]:
    """URL -> (latest capture, the record holding its body). Revisits point to an original."""
    originals: dict[str, Record] = {}
    latest: dict[str, Record] = {}
    for rec in records:
        if rec.status != 200:
            continue
        if not rec.revisit and rec.digest:
            originals.setdefault(rec.digest, rec)
        if rec.url not in latest or rec.date >= latest[rec.url].date:
            latest[rec.url] = rec
    resolved = {}
    for url, rec in latest.items():
        body = originals.get(rec.digest or "") if rec.revisit else rec
        if body is not None:
            resolved[url] = (rec, body)
    return resolved


def _capture(rec: Record) -> Capture:
    return Capture(url=rec.url, status=rec.status, warc_file=rec.warc_file,
                   warc_offset=rec.offset, warc_length=rec.length, digest=rec.digest or "",
                   fetched_at=rec.date, record_type="revisit" if rec.revisit else "response",
                   content_type=rec.content_type or None)


def sitemap_lastmods(warc_dir: Path, bodies: dict[str, tuple[Record, Record]]) -> dict[str, str]:
    """Canonical URL -> the sitemap's lastmod: a crawl's change time for posts the feed lacks."""
    lastmods: dict[str, str] = {}
    for url, (_, body) in sorted(bodies.items()):
        if "/sitemap" not in url:
            continue
        try:
            sitemap = Sitemap(read_response(warc_dir, body.warc_file, body.offset).decoded)
            found = [(e["loc"], e["lastmod"]) for e in sitemap if "loc" in e and "lastmod" in e]
        except (etree.XMLSyntaxError, ValueError, StopIteration):
            continue
        lastmods.update((canonical_url(loc), lastmod) for loc, lastmod in found)
    return lastmods


def feed_metadata(warc_dir: Path, bodies: dict[str, tuple[Record, Record]]
                  ) -> tuple[dict[str, FeedEntry], dict[str, list[dict]]]:
    """Feed entries by canonical post URL, and comments-feed comments by post id."""
    entries: dict[str, FeedEntry] = {}
    comments: dict[str, list[dict]] = {}
    for url, (_, body) in sorted(bodies.items()):
        if "/feeds/" not in url:
            continue
        try:
            page = parse_feed(read_response(warc_dir, body.warc_file, body.offset).decoded)
        except (FeedError, ValueError):
            continue
        if "/comments/" in url:
            post_id = url.split("/feeds/", 1)[1].split("/", 1)[0]
            comments.setdefault(post_id, []).extend(comments_from_feed(page))
            continue
        for entry in page.entries:
            key = canonical_url(entry.url)
            if key not in entries or _newer(entry.updated, entries[key].updated):
                entries[key] = entry
    return entries, comments


def _newer(updated: str | None, than: str | None) -> bool:
    """``updated`` is at or after ``than``, compared as times (feeds carry offsets)."""
    return (to_utc(updated) or "") >= (to_utc(than) or "")


def reindex_warcs(warc_dir: str | Path, db: Any, progress: Progress | None = None
                  ) -> ReindexResult:
    """Re-extract every archived post and page in ``warc_dir`` into the archive ``db``."""
    warc_dir = Path(warc_dir)
    paths = sorted(warc_dir.glob("*.warc.gz")) + sorted(warc_dir.glob("*.warc"))
    result = ReindexResult(files=len(paths))
    records = list(index_records(paths))
    result.records = len(records)
    for rec in records:
        record_capture(db, _capture(rec))
    bodies = latest_bodies(records)
    entries, feed_comments = feed_metadata(warc_dir, bodies)
    context = Context(warc_dir, entries, feed_comments, sitemap_lastmods(warc_dir, bodies),
                      {urlsplit(canonical_url(e.url)).netloc: e.blog_id for e in entries.values()})
    for url, (capture, body) in sorted(bodies.items()):
        kind = "post" if is_post_path(url) else "page" if is_static_page_path(url) else None
        if kind is None or canonical_url(url) != url:
            continue
        _reindex_one(db, context, url, kind, capture, body, result)
        if progress:
            progress(result.posts + result.pages)
    return result


@dataclass
class Context:
    """What the whole WARC set says beyond one page: feed entries, comments, lastmods, ids."""

    warc_dir: Path
    entries: dict[str, FeedEntry]
    feed_comments: dict[str, list[dict]]
    lastmods: dict[str, str]
    blog_ids: dict[str, str]


def _reindex_one(db: Any, context: Context, url: str, kind: str, capture: Record, body: Record,
                 result: ReindexResult) -> None:
    try:
        stored = read_response(context.warc_dir, body.warc_file, body.offset)
    except (OSError, ValueError):
        result.skipped += 1
        return
    article, post = page_post(
        url, stored.decoded, content_type=body.content_type or None,
        entry=context.entries.get(url) if kind == "post" else None, kind=kind,
        lastmod=context.lastmods.get(url), blog_id=context.blog_ids.get(urlsplit(url).netloc),
        capture=_capture(capture))
    outcome = upsert_post(db, post)
    setattr(result, outcome, getattr(result, outcome) + 1)
    setattr(result, f"{kind}s", getattr(result, f"{kind}s") + 1)
    comments = context.feed_comments.get(post.post_id) or article.comments
    if kind == "post" and comments:
        result.comments += upsert_comments(db, post.blog_id, post.post_id, comments)
