"""The archive's record types. The crawler produces them; the archive stores them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Post:
    """One cleaned post or static page, as stored in the `posts` table.

    Dates are ISO 8601 strings with their UTC offset (``2024-01-21T10:05:00+07:00``).
    """

    blog_id: str
    post_id: str
    url: str  # canonical URL
    site: str  # the blog's host, e.g. goaheadnews.blogspot.com
    kind: str = "post"  # "post" or "page" (static /p/*.html page)
    title: str = ""
    author: str = ""
    published: str | None = None
    updated: str | None = None
    labels: list[str] = field(default_factory=list)
    text: str = ""  # clean article text, paragraphs separated by one blank line
    html: str = ""  # clean article HTML
    images: list[str] = field(default_factory=list)
    outlinks: list[str] = field(default_factory=list)
    language: str | None = None
    word_count: int = 0
    extractor: str = ""  # which extraction path produced the row ("blogger", "fallback", ...)
    comment_count: int | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    fetched_at: str | None = None  # ISO 8601 UTC
    # when the archive found the post gone from the blog (ISO 8601 UTC); None: live. The
    # store sets it (a fetched post is live), readers and exports carry it.
    deleted_at: str | None = None


@dataclass
class Capture:
    """One HTTP exchange written to a WARC file (the `captures` table)."""

    url: str
    status: int
    warc_file: str  # file name (no directory) of the WARC holding the response record
    warc_offset: int  # byte offset of the response record in that file
    warc_length: int  # length in bytes of the (gzipped) response record
    digest: str  # WARC-Payload-Digest, e.g. "sha1:ABC..."
    fetched_at: str  # ISO 8601 UTC
    record_type: str = "response"  # "response" or "revisit"
    content_type: str | None = None
    site: str | None = None
    run_id: int | None = None


@dataclass
class Comment:
    """One reader comment under a post (the `comments` table).

    ``comment_id`` is Blogger's id when known; otherwise the store derives a stable one
    from author, date and text, so re-crawls do not duplicate comments.
    """

    author: str = ""
    published: str | None = None
    text: str = ""
    comment_id: str | None = None


def values_of(record: Any, names: Iterable[str]) -> dict[str, Any]:
    """``record``'s fields ``names`` as a dict, in that order: a shallow copy (what
    ``dataclasses.asdict`` does deep, copying every list, for rows about to be written)."""
    return {name: getattr(record, name) for name in names}
