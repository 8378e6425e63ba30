"""``WarcCapture``: the Scrapy extension that writes every HTTP exchange to WARC.

It listens to ``signals.response_downloaded``, which the downloader sends before any
downloader middleware's ``process_response`` runs, so the body is still as it came
over the wire (content-encoded). See docs/WARC.md.
"""

from __future__ import annotations

import logging
import platform
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler, load_object

from archive.models import Capture, Post
from goahead_crawler.addon import package_version
from goahead_crawler.signals import capture_written, fetch_failed, warc_repaired
from goahead_crawler.warc import records as rec
from goahead_crawler.warc.dedup import DigestIndex, Lookup
from goahead_crawler.warc.exchange import exchange_from_scrapy
from goahead_crawler.warc.files import crashed_files, repair_open_file, settings_warc_folder
from goahead_crawler.warc.writer import RotatingWarcWriter, Written

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)
STATS = "goahead/warc/"
_RECENT = 10_000  # url -> response record id, for metadata written later


def load_lookup(crawler: Crawler, value: Any) -> Lookup | None:
    """``GOAHEAD_WARC_DIGEST_LOOKUP``: a callable, or a dotted path to one or to a
    class with ``from_crawler`` whose instances are callable. A lookup that is not
    configured (no archive to look in) means no revisits against earlier crawls, never
    no capture."""
    if not value:
        return None
    obj = load_object(value) if isinstance(value, str) else value
    if hasattr(obj, "from_crawler"):
        try:
            obj = build_from_crawler(obj, crawler)
        except NotConfigured as exc:
            logger.info("No digest lookup for revisits against earlier crawls: %s", exc)
            return None
    if not callable(obj):
        raise NotConfigured("GOAHEAD_WARC_DIGEST_LOOKUP must name a callable")
    return obj


class WarcCapture:
    """Write request/response (or revisit) and metadata records for every exchange,
    then publish the ``Capture`` in ``request.meta["warc_capture"]`` and through the
    ``capture_written`` signal. Settings: docs/WARC.md."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        if not s.getbool("GOAHEAD_WARC_ENABLED"):
            raise NotConfigured("GOAHEAD_WARC_ENABLED is off")
        max_size = s.getint("GOAHEAD_WARC_MAX_SIZE")
        if max_size <= 0:
            raise NotConfigured("GOAHEAD_WARC_MAX_SIZE must be a positive number of bytes")
        self.crawler = crawler
        self.stats = crawler.stats
        self.directory = settings_warc_folder(s)
        self.run_id = uuid.uuid4().hex  # this crawl's id in warcinfo `isPartOf`
        self._info = self._static_info(crawler)
        self.builder = rec.MemberWriter(level=s.getint("GOAHEAD_WARC_GZIP_LEVEL"))
        self.writer = RotatingWarcWriter(
            self.directory,
            s.get("GOAHEAD_WARC_PREFIX"),
            max_size,
            self._warcinfo,
            self.builder,
        )
        self.index = DigestIndex(load_lookup(crawler, s.get("GOAHEAD_WARC_DIGEST_LOOKUP")))
        self.failed = False
        self._recent: OrderedDict[str, str] = OrderedDict()
        # (file, offset) of a page's record -> its URL and fields: a post stored later than
        # its page's callback (held for its images) still gets its own page's metadata
        self._pages: OrderedDict[tuple[str, int], tuple[str, dict[str, Any]]] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCapture:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.fetch_failed, signal=fetch_failed)
        return ext

    def _warcinfo(self) -> dict[str, str]:
        """warcinfo fields; the archive run id once the archive pipeline has set it."""
        archive_run = self.stats.get_value("goahead/run_id")
        extra = {"goahead-archive-run-id": str(archive_run)} if archive_run else {}
        return {**self._info, **extra}

    def _static_info(self, crawler: Crawler) -> dict[str, str]:
        s = crawler.settings
        archive = s.get("GOAHEAD_ARCHIVE_DB") if s.getbool("GOAHEAD_ARCHIVE_ENABLED") else None
        return {
            "software": f"goahead/{package_version()} (warcio/{package_version('warcio')}; "
            f"Scrapy/{package_version('scrapy')}; Python/{platform.python_version()})",
            "format": "WARC File Format 1.0",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.0/",
            "hostname": platform.node(),
            "operator": s.get("GOAHEAD_WARC_OPERATOR"),
            "robots": "obey" if s.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": s.get("USER_AGENT"),
            "isPartOf": self.run_id,
            # what the crawl stored besides what it fetched, for the rebuild from WARC
            "goahead-comments": "on" if s.getbool("GOAHEAD_COMMENTS_ENABLED") else "off",
            "goahead-pages": "on" if s.getbool("GOAHEAD_PAGES_ENABLED") else "off",
            # posts it stored at most (0: all): what it listed past that is not a failure
            rec.MAX_POSTS_FIELD: str(s.getint("GOAHEAD_MAX_POSTS")),
            **({rec.ARCHIVE_FIELD: Path(archive).name} if archive else {}),
            **({rec.JOB_FIELD: s.get("GOAHEAD_JOB_ID")} if s.get("GOAHEAD_JOB_ID") else {}),
        }

    # -- signal handlers -------------------------------------------------------------

    def spider_opened(self) -> None:
        if not self.directory.is_dir():
            return
        for path in crashed_files(self.directory):
            try:
                fixed = repair_open_file(path)
            except OSError as exc:
                self.stats.inc_value(STATS + "errors")
                logger.error("Could not repair WARC %s: %s", path.name, exc)
                continue
            if fixed.removed:
                logger.warning("Removed WARC left by a crash before its first record: %s"
                               " (%d bytes)", path.name, fixed.cut_bytes)
                self.stats.inc_value(STATS + "repaired_files")
                continue
            logger.warning(
                "Repaired WARC left by a crash: %s (%d complete records kept, %d bytes cut)",
                fixed.path.name,
                fixed.records,
                fixed.cut_bytes,
            )
            self.stats.inc_value(STATS + "repaired_files")
            self.stats.inc_value(STATS + "repaired_bytes_cut", fixed.cut_bytes)
            self.crawler.signals.send_catch_log(warc_repaired, path=fixed.path)

    def spider_closed(self) -> None:
        try:
            self.writer.close()
        except OSError as exc:
            self.stats.inc_value(STATS + "errors")
            logger.error("Could not finish WARC file: %s", exc)
        self._count_files()

    def response_downloaded(self, response: Response, request: Request) -> None:
        if self.failed or urlsplit(request.url).scheme not in ("http", "https"):
            return
        try:
            capture = self.capture(request, response)
        except Exception as exc:
            self._error(exc)
            if not isinstance(exc, OSError):
                raise
            return
        request.meta["warc_capture"] = capture
        self.crawler.signals.send_catch_log(capture_written, capture=capture, request=request)

    def item_scraped(self, item: Any, response: Response | Failure) -> None:
        """An archived page (an item with ``url`` and ``outlinks``, e.g. ``Post``) gets a
        metadata record with how it was found, what it became (``goahead-kind``) and its
        outlinks, linked to its response or revisit record."""
        outlinks = getattr(item, "outlinks", None)
        if self.failed or not getattr(item, "url", None) or outlinks is None:
            return
        page = self._item_page(item, response)
        if page is None:  # released by a failure, or its page not written by this crawl
            self._completed(item)
            return
        url, fields = page
        fields["goahead-kind"] = str(getattr(item, "kind", "") or "page")
        fields["outlink"] = [str(u) for u in outlinks]
        try:
            self.write_metadata(url, fields)
        except OSError:
            return  # counted, logged and the spider closed by _error

    def _completed(self, item: Any) -> None:
        """A post whose page an earlier crawl captured, stored now with the images that
        settled since (a killed crawl's post caught up, a stopped job's held post): say so
        in a metadata record about it, with the images it was stored with, so that the
        rebuild from WARC does what this crawl did (``rebuild.history``)."""
        location = (getattr(item, "warc_file", None), getattr(item, "warc_offset", None))
        if not isinstance(item, Post) or location[0] is None or location in self._pages:
            return
        try:
            self.write_metadata(item.url, {rec.COMPLETED_FIELD: "images",
                                           rec.IMAGE_FIELD: [str(u) for u in item.images]})
        except OSError:
            return  # counted, logged and the spider closed by _error

    def fetch_failed(self, url: str, reason: str) -> None:
        """Say that this crawl asked for ``url`` (a post or page) and could not fetch it,
        and why: a timeout leaves no response record, and the rebuild must know the crawl
        asked for it all the same (``rebuild.limited_sites``)."""
        if self.failed or urlsplit(url).scheme not in ("http", "https"):
            return
        try:
            self.write_metadata(url, {rec.FAILED_FIELD: rec.failed_reason(reason)})
        except OSError:
            return  # counted, logged and the spider closed by _error

    def held_back(self, urls: Iterable[str]) -> None:
        """Say that these posts, captured by this crawl, were held for their images and
        not stored when it stopped, so that the rebuild does not store them either."""
        for url in urls:
            try:
                self.write_metadata(url, {rec.HELD_FIELD: "not stored"})
            except OSError:
                return  # counted, logged and the spider closed by _error

    def _item_page(self, item: Any, response: Response | Failure
                   ) -> tuple[str, dict[str, Any]] | None:
        """The captured URL and fields of the page ``item`` came from: the response it was
        yielded with, unless the item names another capture (a post released after its
        images, by an image's response or by its failure) that this crawl wrote."""
        location = (getattr(item, "warc_file", None), getattr(item, "warc_offset", None))
        own = isinstance(response, Response)
        capture = response.meta.get("warc_capture") if own else None
        elsewhere = (location[0] is not None and isinstance(capture, Capture)
                     and (capture.warc_file, capture.warc_offset) != location)
        if not own or elsewhere:
            found = self._pages.get(location)
            if found is not None:
                return found[0], dict(found[1])
            if elsewhere:  # a page this crawl did not capture (a caught-up post): nothing
                return None  # to say of it, and the response it came with is an image's
        if not own:
            return None
        url = capture.url if isinstance(capture, Capture) else response.url.split("#")[0]
        return url, self._page_fields(response.meta)

    # -- writing ------------------------------------------------------------------------

    def capture(self, request: Request, response: Response) -> Capture:
        """Write request + response (or revisit) [+ metadata]; return the Capture."""
        ex = exchange_from_scrapy(request, response)
        date = self.builder.curr_warc_date()
        digest = rec.sha1_b32(ex.body)
        previous = request.meta.get("goahead_previous") if ex.status == 304 else None
        earlier = self._earlier(digest) if ex.body and not previous else None
        if previous:  # a 304 to a conditional request: the earlier capture stands
            uri, when, digest = (str(part) for part in previous)
            main = rec.build_revisit(self.builder, ex, date, (uri, when), digest=digest,
                                     profile=rec.NOT_MODIFIED_PROFILE)
        elif earlier:
            main = rec.build_revisit(self.builder, ex, date, earlier)
        else:
            main = rec.build_response(self.builder, ex, date, payload_digest=digest)
        main_id = rec.record_id(main)
        group = [main, rec.build_request(self.builder, ex, date, main_id)]
        fields = self._page_fields(request.meta)
        if fields:
            group.append(rec.build_metadata(self.builder, ex.url, date, fields, main_id))
        written = self.writer.write(group)
        self._count(revisit=bool(earlier or previous))
        if not earlier and not previous:
            self.index.add(digest, ex.url, date)
        self._remember(ex.url, main_id, (written[0].filename, written[0].offset), fields)
        return self._capture(ex, response, written[0], digest, date, main.rec_type)

    def write_metadata(self, url: str, fields: Mapping[str, str | Sequence[str]]) -> Written | None:
        """Write a metadata record about ``url`` (linked to its last response record),
        e.g. ``{"outlink": [...]}`` once the pipeline knows the page's links.
        Returns None once capture has stopped after a disk error."""
        if self.failed:
            return None
        date = self.builder.curr_warc_date()
        record = rec.build_metadata(self.builder, url, date, fields, self._recent.get(url))
        try:
            (written,) = self.writer.write([record])
        except OSError as exc:
            self._error(exc)
            raise
        self._count(revisit=False)
        return written

    def _earlier(self, digest: str) -> tuple[str, str] | None:
        """A failing lookup costs deduplication, never the capture itself."""
        try:
            return self.index.get(digest)
        except Exception:
            self.stats.inc_value(STATS + "lookup_errors")
            logger.exception("WARC digest lookup failed; writing the full response")
            return None

    @staticmethod
    def _page_fields(meta: Mapping[str, Any]) -> dict[str, str | list[str]]:
        fields: dict[str, str | list[str]] = {}
        if meta.get("goahead_source"):
            fields["goahead-source"] = str(meta["goahead_source"])
        if meta.get("goahead_parent"):
            fields["via"] = str(meta["goahead_parent"])
        if meta.get("goahead_outlinks"):
            fields["outlink"] = [str(u) for u in meta["goahead_outlinks"]]
        if fields and "download_latency" in meta:
            fields["fetchTimeMs"] = str(round(meta["download_latency"] * 1000))
        return fields

    def _capture(
        self,
        ex: rec.Exchange,
        response: Response,
        w: Written,
        digest: str,
        date: str,
        rtype: str,
    ) -> Capture:
        ctype = response.headers.get(b"Content-Type")
        return Capture(
            url=ex.url,
            status=ex.status,
            warc_file=w.filename,
            warc_offset=w.offset,
            warc_length=w.length,
            digest=digest,
            fetched_at=date,
            record_type=rtype,
            content_type=ctype.decode("latin-1") if ctype else None,
            site=urlsplit(ex.url).hostname,
        )

    def _remember(self, url: str, record_id: str, location: tuple[str, int],
                  fields: dict[str, Any]) -> None:
        for recent, key, value in ((self._recent, url, record_id),
                                   (self._pages, location, (url, fields))):
            recent[key] = value
            recent.move_to_end(key)
            if len(recent) > _RECENT:
                recent.popitem(last=False)

    def _count(self, revisit: bool) -> None:
        self.stats.set_value(STATS + "records_written", self.writer.records_written)
        self.stats.set_value(STATS + "bytes_written", self.writer.bytes_written)
        if revisit:
            self.stats.inc_value(STATS + "revisits")
        self._count_files()

    def _count_files(self) -> None:
        live = 1 if self.writer.current_path else 0
        self.stats.set_value(STATS + "files", len(self.writer.finished) + live)

    def _error(self, exc: Exception) -> None:
        """Count a failure; on a disk error stop the crawl rather than go on uncaptured."""
        self.stats.inc_value(STATS + "errors")
        if not isinstance(exc, OSError):
            return
        self.failed = True
        left = self.writer.broken
        logger.error(
            "WARC write failed, closing the spider: %s%s",
            exc,
            f" ({left.name} is left for repair on the next start)" if left else "",
        )
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_error"))


def find_warc_capture(crawler: Crawler) -> WarcCapture | None:
    """The running ``WarcCapture`` of ``crawler``, e.g. for a pipeline's metadata."""
    for ext in crawler.extensions.middlewares:
        if isinstance(ext, WarcCapture):
            return ext
    return None
