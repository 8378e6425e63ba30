"""Rebuild the archive's rows from WARC files alone, with no network: the WARC is the truth.

Three steps: read every WARC file once into a timeline of captures, skipping and naming
damage (:mod:`.timeline`); read the feeds, sitemaps and comments feeds among them for
what the crawl knew at each moment (:mod:`.context`); replay every capture in order,
writing what the crawl wrote for it (:mod:`.history`).

Into a fresh archive that gives the crawls' rows: posts (their latest version, earlier
versions in ``post_versions``, deletions dated by the first 404/410), comments, captures,
sites, and what each blog listed in its feed, sitemaps and HTML navigation (``listed``,
:mod:`.listed_replay`: the missing posts the next crawl fetches first). Into an archive
that already has rows, the rebuild goes into a scratch archive first and is then merged
in (``archive.merge``): nothing is un-deleted, no version lost, no listing changed that
the WARC files agree with.
Run rows are not in the WARC files (a crawl's counters and settings live only in the
archive), so a rebuilt archive has none, its captures name no run, and its ``listed``
rows no first or last run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.captures import captures_like
from archive.connection import archive_path, holds_rows, open_archive
from archive.listed import listed_counts, missing_listed
from archive.merge import merge_shard
from archive.runs import has_run, run_id_of
from goahead_crawler.blogger.urls import ENTRY_FEED_PATHS, canonical_url, upper_escapes
from goahead_crawler.ledger import over_limit
from goahead_crawler.rebuild.context import Context, gather
from goahead_crawler.rebuild.history import Replayed, crawls, page_kind, replay
from goahead_crawler.rebuild.listed_replay import replay_listed
from goahead_crawler.rebuild.timeline import Record, Timeline, block_field, read_timeline
from goahead_crawler.warc.files import folder_warcs
from goahead_crawler.warc.records import ARCHIVE_FIELD, JOB_FIELD, MAX_POSTS_FIELD
from goahead_crawler.warc.scan import Damage, RecordDamaged, read_record_at

Progress = Callable[[int], None]
MISSING_NAMED = 20  # missing posts named in the summary; goahead status counts them all


@dataclass
class ReindexResult(Replayed):
    files: int = 0
    records: int = 0
    older: int = 0  # earlier versions a merge into an existing archive added
    listed: int = 0  # listed posts and pages in the archive, not gone (all blogs)
    missing: int = 0  # of those, not in the archive (the next crawl fetches them first)
    missing_urls: list[str] = field(default_factory=list)  # the first MISSING_NAMED of them
    limited: int = 0  # of the missing, those of blogs last crawled with --max-posts
    merged: bool = False  # rebuilt beside the archive, then merged into it
    damage: list[Damage] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """One line per damaged stretch of a file and per capture that was skipped."""
        return [str(d) for d in self.damage] + self.warnings


def warc_paths(warc_dir: str | Path) -> list[Path]:
    """The finished WARC files of ``warc_dir`` (``.open`` ones are still being written);
    what is named like one and is no file is left out (:func:`folder_warcs` says it)."""
    return folder_warcs(warc_dir)[0]


def reindex_warcs(warc_dir: str | Path, db: Any, progress: Progress | None = None
                  ) -> ReindexResult:
    """Rebuild every capture, post, page and comment of ``warc_dir`` into the archive ``db``."""
    warc_dir = Path(warc_dir)
    paths, not_files = folder_warcs(warc_dir)  # the folder read once
    timeline = read_timeline(paths)
    result = ReindexResult(files=timeline.files, records=len(timeline.records),
                           damage=timeline.damage, warnings=not_files)
    context = gather(warc_dir, timeline, result.warnings.append)
    if not holds_rows(db):
        _rebuild(db, timeline, context, result, progress)
        return _listed(db, result, limited_sites(timeline))
    with tempfile.TemporaryDirectory(prefix="goahead-reindex-", dir=_home(db)) as scratch:
        rebuilt = open_archive(Path(scratch) / "rebuilt.db")
        try:
            _rebuild(rebuilt, timeline, context, result, progress)
            counts = merge_shard(db, rebuilt)
        finally:
            rebuilt.close()
    result.merged = True
    result.new, result.updated = counts["posts_new"], counts["posts_updated"]
    result.unchanged, result.older = counts["posts_unchanged"], counts["posts_older"]
    return _listed(db, result, limited_sites(timeline))


@dataclass
class LastCrawl:
    """What a blog's last crawl in the WARC files was told (``--max-posts``) and asked for."""

    limit: int
    asked: set[str]  # canonical URLs: captured, or named by a goahead-failed record

    def excused(self, url: str) -> bool:
        """A missing ``url`` the crawl's --max-posts kept out: no failure (the crawl's own
        rule, :func:`goahead_crawler.ledger.over_limit`)."""
        return over_limit(self.limit, canonical_url(url) in self.asked)


def limited_sites(timeline: Timeline) -> dict[str, LastCrawl]:
    """The blogs (host[:port], as the archive names them) whose last crawl in the WARC
    files (the last to capture anything of the blog, or to record a failure there: a crawl
    whose every request timed out left only ``goahead-failed`` records) ran with
    ``--max-posts`` (its warcinfo's ``goahead-max-posts``; older files say
    nothing: no limit), each with the URLs that crawl asked for: those it captured and
    those it could not fetch (a ``goahead-failed`` record: a timeout leaves no capture;
    files from before those records lack them, and such a post counts as never asked
    for). A ``--resume`` job stopped and resumed from its queue is one crawl (its
    processes share the warcinfo's ``goahead-job``; a killed job rediscovers and has a new
    one; files from before it say nothing: each process its own crawl), as it is for the
    crawl's spider: what it claimed and its --max-posts count carry on. What it listed past the
    limit and never asked for is missing, and no failure: that crawl finished "ok" (exit
    status 0), and so must its rebuild. A post it asked for and did not store (a 503, a
    timeout, a broken page) is a failure all the same: the crawl exits 1, so does
    reindex."""
    last: dict[str, str] = {}
    # in capture order, the last one's crawl wins: a crawl whose every request failed
    # (a server that went slow) left goahead-failed records only, and is the last all the same
    for item in sorted([*timeline.records, *timeline.failed], key=lambda i: i.order):
        last[urlsplit(item.url).netloc] = item.crawl
    limited = {site: LastCrawl(_limit(timeline.crawls.get(crawl, b"")), set())
               for site, crawl in last.items()}
    limited = {site: crawl for site, crawl in limited.items() if crawl.limit}
    jobs = {crawl: block_field(info, JOB_FIELD) or crawl
            for crawl, info in timeline.crawls.items()}
    for item in [*timeline.records, *timeline.failed]:
        site = urlsplit(item.url).netloc
        job = jobs.get(item.crawl, item.crawl)
        if site in limited and job == jobs.get(last[site], last[site]):
            limited[site].asked.add(canonical_url(item.url))
    return limited


def _limit(warcinfo: bytes) -> int:
    """A crawl's ``--max-posts`` from its warcinfo (0: none, or not said)."""
    value = block_field(warcinfo, MAX_POSTS_FIELD) or "0"
    return int(value) if value.isdigit() else 0


def _listed(db: Any, result: ReindexResult, limited: dict[str, LastCrawl] | None = None
            ) -> ReindexResult:
    """What the archive's blogs list, and what of it the archive lacks (named); of that,
    what blogs crawled with --max-posts (``limited``) were told not to store: what their
    last crawl never asked for."""
    counts = listed_counts(db)
    result.listed = sum(c["listed"] for c in counts.values())
    result.missing = sum(c["missing"] for c in counts.values())
    result.limited = sum(1 for site, crawl in (limited or {}).items() if counts.get(site)
                         for item in missing_listed(db, site) if crawl.excused(item.url))
    for site, count in counts.items():
        if count["missing"] and len(result.missing_urls) < MISSING_NAMED:
            result.missing_urls += [item.url for item in missing_listed(db, site)]
    del result.missing_urls[MISSING_NAMED:]
    return result


def _rebuild(db: Any, timeline: Timeline, context: Context, result: ReindexResult,
             progress: Progress | None) -> None:
    """Every row the crawls wrote but their runs': posts, comments, captures, sites, then
    what each blog listed (read from the same captures)."""
    replay(db, timeline.records, context, result, progress, timeline.completions,
           timeline.held)
    replay_listed(db, crawls(timeline.records), context, page_kind, result.warnings.append)


def catch_up(db: Any, repaired: Path) -> ReindexResult:
    """Write what a crawl killed mid-way captured but had no time to store: replay its
    repaired WARC file (with the earlier files of the same crawl) into the archive it was
    writing. Whatever it did store comes out unchanged. What it knew is read as the
    rebuild from every file reads it: its own feed and sitemap captures and those the
    archive points at in other files (a resumed job's earlier process fetched its feed).
    What it listed, found gone or saw redirected is written too (under its run)."""
    paths = same_crawl(repaired)
    timeline = read_timeline(paths)
    result = ReindexResult(files=timeline.files, records=len(timeline.records),
                           damage=timeline.damage)
    known = Timeline(records=sorted([*earlier_context(db, timeline, paths),
                                     *timeline.records], key=lambda r: r.order),
                     crawls=timeline.crawls)
    context = gather(repaired.parent, known, result.warnings.append)
    replay(db, timeline.records, context, result, completions=timeline.completions,
           held=timeline.held)
    replay_listed(db, crawls(timeline.records), context, page_kind, result.warnings.append,
                  run_of=lambda crawl: run_id_of(db, crawl))  # what it had not written
    return result


# what rebuild.context.gather reads: the posts and pages feeds, sitemaps, comments feeds
CONTEXT_URLS = (*(f"%{path}%" for path in sorted(ENTRY_FEED_PATHS)), "%/sitemap%",
                "%/comments/default%")


def earlier_context(db: Any, timeline: Timeline, paths: list[Path]) -> list[Record]:
    """The feed, sitemap and comments-feed captures of the same blogs that the archive
    points at outside ``paths``, as timeline records (before them in capture order)."""
    sites = {urlsplit(r.url).hostname or "" for r in timeline.records}
    found = captures_like(db, sites - {""}, CONTEXT_URLS, [p.name for p in paths])
    return [Record(url=upper_escapes(c.url), target=c.url, date=c.fetched_at,
                   warc_file=c.warc_file, offset=c.warc_offset, length=c.warc_length, status=c.status,
                   digest=c.digest or None, revisit=c.record_type == "revisit",
                   content_type=c.content_type, order=(c.fetched_at, -1, c.warc_offset))
            for c in found]


def same_crawl(path: Path) -> list[Path]:
    """``path`` and the other finished WARC files of the crawl that wrote it (the same
    ``isPartOf`` in their warcinfo), oldest first."""
    crawl = crawl_id(path)
    if crawl is None:
        return [path]
    return [p for p in warc_paths(path.parent) if p == path or crawl_id(p) == crawl]


def crawl_id(path: Path) -> str | None:
    """The ``isPartOf`` of the warcinfo record that heads ``path``."""
    return warcinfo_field(path, "isPartOf")


def warcinfo_field(path: Path, name: str) -> str | None:
    """Field ``name`` of the warcinfo record that heads ``path``, if it has one."""
    with path.open("rb") as fh:
        try:
            head = read_record_at(fh, path.name, 0)
        except RecordDamaged:
            return None
    return block_field(head.block, name) if head.rec_type == "warcinfo" else None


def stored_elsewhere(db: Any, path: Path) -> str | None:
    """The archive that a killed crawl's file belongs to when it is not ``db``: the name
    its warcinfo gives, when ``db`` has no run of that crawl (every crawl's run row is
    written, under its WARC ``isPartOf``, before its first request). Its captures are
    that archive's to catch up (its next crawl of the blog does), not the first archive's
    whose crawl shares the WARC folder, even one with the same file name (two
    ``archive.db`` in two folders). None: ``db``'s to catch up, or a file from before WARC
    files named their archive."""
    crawl, archive = crawl_id(path), warcinfo_field(path, ARCHIVE_FIELD)
    if crawl is None or archive is None or has_run(db, crawl):
        return None
    return archive


def files_of_crawls(directory: Path, crawls: set[str]) -> dict[str, Path]:
    """For each of ``crawls`` (WARC ``isPartOf`` ids) with a finished file in
    ``directory``, one such file (:func:`catch_up` finds the others). Reads the head of
    every file: for the rare start after a killed crawl only."""
    found: dict[str, Path] = {}
    for path in warc_paths(directory):
        crawl = crawl_id(path)
        if crawl in crawls and crawl not in found:
            found[crawl] = path
    return found


def _home(db: Any) -> str | None:
    """The archive's folder when it can take the scratch archive (same disk, room for a
    copy), else None: the system's temporary folder."""
    path = archive_path(db)
    return str(path.parent) if path and os.access(path.parent, os.W_OK) else None
