"""What each blog lists: every post and page URL a crawl found in its feed, sitemaps or
HTML navigation (the ``listed`` table), reconciled against the posts the archive holds.

A listed URL with no post row, and not known gone, is *missing*: the crawl that listed it
failed to store it, and the next crawl of the blog fetches it first. A URL whose page
answered 404/410 is marked gone and is no longer missing (Blogger's feeds lag behind a
deletion). A post stored under another URL (its page redirected within the blog) keeps
that URL in ``post_url``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .timestamps import now_utc


@dataclass(frozen=True)
class Listing:
    """One URL as a blog listed it (canonical URL, "post" or "page", where it was found)."""

    url: str
    kind: str = "post"
    source: str = ""
    lastmod: str | None = None
    at: str | None = None  # when the listing was fetched (its capture's time); None: now


# A listed URL is stored when a post row has its URL or the URL it led to (a redirect, or
# the blog's move to https: a post stored under http before the move is stored as well).
_STORED = "EXISTS (SELECT 1 FROM posts p WHERE p.url IN (l.url, l.post_url))"


def record_listings(db: Database, site: str, run_id: int | None,
                    listings: Iterable[Listing]) -> int:
    """Upsert what ``run_id`` found listed on ``site``; returns how many rows it wrote.
    ``listed_at`` is when the listing was fetched (the rebuild from WARC, which has no
    run, dates it the same way), else now."""
    now = now_utc()
    rows = [{"site": site, "url": item.url, "kind": item.kind, "source": item.source,
             "lastmod": item.lastmod, "run": run_id, "now": item.at or now}
            for item in listings]
    with db.atomic():
        for row in rows:
            db.execute(
                "INSERT INTO listed (site, url, kind, source, lastmod, first_run, last_run,"
                " listed_at) VALUES (:site, :url, :kind, :source, :lastmod, :run, :run, :now)"
                " ON CONFLICT (site, url) DO UPDATE SET kind = excluded.kind,"
                " lastmod = coalesce(excluded.lastmod, lastmod),"
                " last_run = coalesce(excluded.last_run, last_run), listed_at = excluded.listed_at",
                row,
            )
    return len(rows)


def merge_listed(into: Database, rows: Iterable[Mapping[str, Any]],
                 run_ids: Mapping[int, int]) -> int:
    """Another archive's ``listed`` rows (a shard's, in ``goahead merge``), their run ids
    mapped to ``into``'s: without them a post a shard's crawl listed and could not store
    would no longer be missing once merged, nor fetched first by the next crawl. Merging
    the same rows again changes nothing; a URL found gone in any of them stays gone, as a
    crawl keeps it (the first date). Returns how many rows were new."""
    added = 0
    for row in rows:
        values = dict(row)
        for key in ("first_run", "last_run"):
            values[key] = run_ids.get(row[key]) if row[key] else None
        cursor = into.execute(
            "INSERT INTO listed (site, url, kind, source, lastmod, first_run, last_run,"
            " listed_at, gone_at, post_url) VALUES (:site, :url, :kind, :source, :lastmod,"
            " :first_run, :last_run, :listed_at, :gone_at, :post_url)"
            " ON CONFLICT (site, url) DO NOTHING", values)
        if cursor.rowcount:
            added += 1
            continue
        into.execute(
            "UPDATE listed SET source = coalesce(source, :source),"
            " lastmod = coalesce(max(lastmod, :lastmod), lastmod, :lastmod),"
            " first_run = coalesce(min(first_run, :first_run), first_run, :first_run),"
            " last_run = coalesce(max(last_run, :last_run), last_run, :last_run),"
            " listed_at = coalesce(max(listed_at, :listed_at), listed_at, :listed_at),"
            " gone_at = coalesce(min(gone_at, :gone_at), gone_at, :gone_at),"
            " post_url = coalesce(post_url, :post_url) WHERE site = :site AND url = :url",
            values)
    return added


def mark_listed_gone(db: Database, site: str, gone: Mapping[str, str | None]) -> None:
    """Listed URLs whose page answered 404/410 (URL -> when it answered; None: now): no
    longer missing (the first date kept)."""
    now = now_utc()
    with db.atomic():
        for url, at in gone.items():
            db.execute("UPDATE listed SET gone_at = coalesce(gone_at, ?) WHERE site = ?"
                       " AND url = ?", [at or now, site, url])


def record_post_urls(db: Database, site: str, aliases: dict[str, str]) -> None:
    """Listed URL -> the URL its post was stored under (a redirect within the blog)."""
    with db.atomic():
        for url, post_url in aliases.items():
            db.execute("UPDATE listed SET post_url = ? WHERE site = ? AND url = ?",
                       [post_url, site, url])


def missing_listed(db: Database, site: str) -> list[Listing]:
    """Listed URLs of ``site`` with no post row and not gone, in the order first listed."""
    return [Listing(row["url"], row["kind"], row["source"] or "", row["lastmod"])
            for row in db.query(
                f"SELECT url, kind, source, lastmod FROM listed l WHERE site = ?"
                f" AND gone_at IS NULL AND NOT {_STORED} ORDER BY first_run, rowid", [site])]


def listed_counts(db: Database, site: str | None = None) -> dict[str, dict[str, Any]]:
    """Per site: ``listed`` (not gone), ``stored`` (of those) and ``missing``."""
    where, params = ("AND site = ?", [site]) if site else ("", [])
    out = {}
    for row in db.query(
            f"SELECT site, count(*) AS listed, sum({_STORED}) AS stored FROM listed l"
            f" WHERE gone_at IS NULL {where} GROUP BY site ORDER BY site", params):
        stored = row["stored"] or 0
        out[row["site"]] = {"listed": row["listed"], "stored": stored,
                            "missing": row["listed"] - stored}
    return out
