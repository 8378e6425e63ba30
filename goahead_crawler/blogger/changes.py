"""What changed since the last run: the feed's ``updated-min`` and the sitemap's lastmods. Pure.

An incremental run asks the posts feed for ``orderby=updated&updated-min=SINCE`` and keeps
only the sitemap entries that are new to the archive or whose ``lastmod`` is at or after
SINCE. SINCE is the last successful run's start minus a safety margin (clock skew between
the crawler and Blogger), in RFC 3339 as Blogger's feeds want it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from archive.timestamps import format_utc, parse_utc
from goahead_crawler.blogger.sitemap import SitemapEntry


def updated_min(started_at: str, margin_seconds: float) -> str:
    """``updated-min`` for the feed: ``started_at`` minus the margin, RFC 3339 in UTC."""
    start = parse_utc(started_at)
    if start is None:
        raise ValueError(f"not a timestamp: {started_at!r}")
    return format_utc(start - timedelta(seconds=max(margin_seconds, 0.0)))


def changed_since(lastmod: str | None, since: str) -> bool:
    """True when ``lastmod`` is at or after ``since``, or unknown (then fetch to be sure)."""
    moment, low = parse_utc(lastmod), parse_utc(since)
    return moment is None or low is None or moment >= low


def sitemap_candidates(entries: Iterable[SitemapEntry], known: set[str], since: str,
                       key: Callable[[str], str] = str) -> list[SitemapEntry]:
    """Sitemap posts worth a request: not in the archive yet, or modified since ``since``.
    ``key`` is how the archive names a URL (a sitemap on the other scheme than the blog's
    root names every post differently, and all of them looked new)."""
    return [e for e in entries if key(e.url) not in known or changed_since(e.lastmod, since)]
