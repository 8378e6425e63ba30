"""Earlier captures for WARC revisit records, looked up in the archive's captures table."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured

from archive.captures import capture_by_digest
from archive.connection import open_archive
from archive.models import Capture


class ArchiveDigestLookup:
    """``GOAHEAD_WARC_DIGEST_LOOKUP``: payload digest -> the earliest capture with that payload.

    Reads the same archive the pipeline writes (WAL lets both connections work at once).
    """

    def __init__(self, db_path: str) -> None:
        self.db = open_archive(db_path)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchiveDigestLookup:
        settings = crawler.settings
        if not settings.getbool("GOAHEAD_ARCHIVE_ENABLED", True):
            raise NotConfigured("no archive to look earlier captures up in")
        return cls(settings.get("GOAHEAD_ARCHIVE_DB"))

    def __call__(self, digest: str) -> Capture | None:
        return capture_by_digest(self.db, digest)
