"""Build WARC records for one HTTP exchange with warcio's record builder.

Pure: no Scrapy here. :class:`Exchange` holds what went over the wire; the functions
turn it into warcio ``ArcWarcRecord`` objects. Digests are computed once with hashlib
(sha1, base32, the form warcio writes) and handed to warcio so it does not hash twice.
Header values are kept byte for byte (latin-1 round trip) rather than being
%-encoded as warcio's default header buffer would for non-ASCII bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as sent and received."""

    url: str  # WARC-Target-URI
    method: str
    target: str  # request-target: path and query
    request_headers: Headers
    request_body: bytes
    status: int
    reason: str
    protocol: str  # e.g. "HTTP/1.1"
    response_headers: Headers
    body: bytes  # still content-encoded, transfer coding removed
    ip_address: str | None = None
    truncated: bool = False
    extra: dict[str, str] = field(default_factory=dict)


class RawHeaders(StatusAndHeaders):
    """HTTP headers whose buffer is the exact latin-1 bytes, never %-encoded."""

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


#: Payloads that deflate cannot shrink: their gzip member uses stored blocks (level 0),
#: ten times faster than any other level and no bigger.
COMPRESSED_ENCODINGS = frozenset({"gzip", "x-gzip", "br", "deflate", "zstd"})
COMPRESSED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "video/",
    "audio/",
    "application/zip",
    "application/gzip",
)


def payload_is_compressed(http: StatusAndHeaders | None) -> bool:
    if http is None:
        return False
    encoding = (http.get_header("Content-Encoding") or "").strip().lower()
    ctype = (http.get_header("Content-Type") or "").strip().lower()
    return encoding in COMPRESSED_ENCODINGS or ctype.startswith(COMPRESSED_TYPES)


class MemberWriter(WARCWriter):
    """warcio's builder and writer, serialising each record to one gzip member in memory.

    ``level`` is the zlib level for compressible records (warcio's own writer always
    uses 9); records whose payload is already compressed are stored (level 0).
    Subclass and override ``_make_warc_id`` / ``_make_warc_date`` for fixed output.
    """

    def __init__(self, level: int = 6, warc_version: str | None = None) -> None:
        super().__init__(None, gzip=False, warc_version=warc_version)
        self.level = level

    def member(self, record: ArcWarcRecord) -> bytes:
        self.out = io.BytesIO()
        self.write_record(record)
        level = 0 if payload_is_compressed(record.http_headers) else self.level
        comp = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return comp.compress(self.out.getvalue()) + comp.flush()


def sha1_b32(*parts: bytes) -> str:
    """``sha1:BASE32`` over the concatenation of ``parts``."""
    h = hashlib.sha1()  # WARC digests are sha1 by convention
    for part in parts:
        h.update(part)
    return "sha1:" + base64.b32encode(h.digest()).decode("ascii")


def to_str_headers(pairs: Iterable[tuple[bytes, bytes]]) -> Headers:
    """Raw header bytes -> str pairs that round-trip exactly (latin-1)."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in pairs]


def response_headers(ex: Exchange) -> RawHeaders:
    """Status line and headers of the response, Content-Length made true to the body."""
    headers = list(ex.response_headers)
    names = {k.lower() for k, _ in headers}
    if "content-length" not in names and ex.method.upper() != "HEAD":
        headers.append(("Content-Length", str(len(ex.body))))
    statusline = f"{ex.status} {ex.reason}".rstrip()
    return RawHeaders(statusline, headers, protocol=ex.protocol)


def request_headers(ex: Exchange) -> RawHeaders:
    return RawHeaders(f"{ex.target} HTTP/1.1", list(ex.request_headers), protocol=ex.method)


def _buffer(http: RawHeaders) -> bytes:
    http.compute_headers_buffer()
    return http.headers_buff


def _base(builder: MemberWriter, rtype: str, uri: str, date: str) -> dict[str, str]:
    return {
        "WARC-Type": rtype,
        "WARC-Record-ID": builder._make_warc_id(),
        "WARC-Date": date,
        "WARC-Target-URI": uri,
    }


def build_response(builder: MemberWriter, ex: Exchange, date: str,
                   payload_digest: str | None = None) -> ArcWarcRecord:
    """``payload_digest``: :func:`sha1_b32` of ``ex.body``, when the caller has it already."""
    http = response_headers(ex)
    fields = _base(builder, "response", ex.url, date)
    if ex.ip_address:
        fields["WARC-IP-Address"] = ex.ip_address
    if ex.truncated:
        fields["WARC-Truncated"] = "unspecified"
    fields.update(ex.extra)
    return _with_body(builder, "response", ex.url, fields, http, ex.body, payload_digest)


def build_request(
    builder: MemberWriter, ex: Exchange, date: str, concurrent_to: str
) -> ArcWarcRecord:
    http = request_headers(ex)
    fields = _base(builder, "request", ex.url, date)
    fields["WARC-Concurrent-To"] = concurrent_to
    return _with_body(builder, "request", ex.url, fields, http, ex.request_body)


def _with_body(builder: MemberWriter, rec_type: str, url: str, fields: dict[str, str],
               http: StatusAndHeaders, body: bytes, payload_digest: str | None = None
               ) -> ArcWarcRecord:
    """An HTTP record with its body and both digests, each computed once (the payload's
    here unless the caller passes the one it has)."""
    fields["WARC-Payload-Digest"] = payload_digest or sha1_b32(body)
    fields["WARC-Block-Digest"] = sha1_b32(_buffer(http), body)
    return builder.create_warc_record(
        url, rec_type, payload=io.BytesIO(body), length=len(body),
        warc_headers_dict=fields, http_headers=http,
    )


#: WARC 1.1's profile for a 304 answer to a conditional request (the server said "unchanged").
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def build_revisit(
    builder: MemberWriter, ex: Exchange, date: str, refers_to: tuple[str, str],
    digest: str | None = None, profile: str | None = None,
) -> ArcWarcRecord:
    """A revisit record: the response's headers, no body, referring to the earlier capture
    ``refers_to`` = (uri, WARC-Date).

    By default the identical-payload-digest profile, whose payload digest is this body's.
    A 304 to a conditional request passes the earlier capture's payload ``digest`` and
    :data:`NOT_MODIFIED_PROFILE` (server-not-modified).
    """
    http = response_headers(ex)
    fields = _base(builder, "revisit", ex.url, date)
    if ex.ip_address:
        fields["WARC-IP-Address"] = ex.ip_address
    fields["WARC-Block-Digest"] = sha1_b32(_buffer(http))
    uri, when = refers_to
    record = builder.create_revisit_record(
        ex.url, digest or sha1_b32(ex.body), uri, when, http_headers=http,
        warc_headers_dict=fields,
    )
    if profile:
        record.rec_headers.replace_header("WARC-Profile", profile)
    return record


def warc_fields(fields: Mapping[str, str | Sequence[str]]) -> bytes:
    """``application/warc-fields`` body; list values become repeated lines."""
    lines = []
    for name, value in fields.items():
        values = [value] if isinstance(value, str) else list(value)
        lines.extend(f"{name}: {v}\r\n" for v in values if v != "")
    return "".join(lines).encode("utf-8")


# A metadata record about a post whose page an earlier crawl captured, written when this
# crawl stores it again with the images that settled since: COMPLETED_FIELD, and one
# IMAGE_FIELD per image it was stored with. The rebuild replays it (rebuild.timeline).
COMPLETED_FIELD = "goahead-completed"
IMAGE_FIELD = "goahead-image"
# A metadata record about a post a crawl captured and held for its images, and did not
# store before it stopped (a resumed job stores it, with a COMPLETED_FIELD record).
HELD_FIELD = "goahead-held"
# A metadata record about a post or page a crawl asked for and could not fetch (a timeout,
# a refused connection, an HTTP error after its retries): the error. A failure that left
# no response record (a timeout) is still something the crawl asked for, which a rebuild
# must not excuse as over --max-posts (rebuild.limited_sites, ledger.over_limit).
FAILED_FIELD = "goahead-failed"
FAILED_REASON_MAX = 300  # characters of the error kept in a goahead-failed record


def failed_reason(reason: str | None) -> str:
    """A fetch failure's error as a goahead-failed record's field: its first line that says
    something, cut to :data:`FAILED_REASON_MAX` characters; never empty (an empty field
    reads as no such record, and the rebuild would take the post for never asked for)."""
    for line in (reason or "").splitlines():
        if line.strip():
            return line.strip()[:FAILED_REASON_MAX]
    return "failed"


def build_metadata(
    builder: MemberWriter,
    uri: str,
    date: str,
    fields: Mapping[str, str | Sequence[str]],
    concurrent_to: str | None = None,
) -> ArcWarcRecord:
    body = warc_fields(fields)
    headers = _base(builder, "metadata", uri, date)
    if concurrent_to:
        headers["WARC-Concurrent-To"] = concurrent_to
    headers["WARC-Block-Digest"] = sha1_b32(body)
    return builder.create_warc_record(
        uri,
        "metadata",
        payload=io.BytesIO(body),
        length=len(body),
        warc_headers_dict=headers,
        warc_content_type="application/warc-fields",
    )


#: warcinfo field: the file name of the archive that the crawl writing the file stores
#: into (a WARC folder may be shared by crawls into several archives).
ARCHIVE_FIELD = "goahead-archive"
# warcinfo field: the crawl's --max-posts (0: none), so a rebuild tells the posts it listed
# and was told not to store from posts it failed to store (rebuild.limited_sites)
MAX_POSTS_FIELD = "goahead-max-posts"
# warcinfo field: the --resume job (extensions.resume), the same in each process resumed
# from its predecessor's queue: one crawl, for its --max-posts (rebuild.limited_sites)
JOB_FIELD = "goahead-job"


def build_warcinfo(
    builder: MemberWriter, filename: str, date: str, info: Mapping[str, str]
) -> ArcWarcRecord:
    body = warc_fields(info)
    headers = {
        "WARC-Type": "warcinfo",
        "WARC-Record-ID": builder._make_warc_id(),
        "WARC-Date": date,
        "WARC-Filename": filename,
        "WARC-Block-Digest": sha1_b32(body),
    }
    return builder.create_warc_record(
        "",
        "warcinfo",
        payload=io.BytesIO(body),
        length=len(body),
        warc_headers_dict=headers,
        warc_content_type="application/warc-fields",
    )


def record_id(record: ArcWarcRecord) -> str:
    return record.rec_headers.get_header("WARC-Record-ID")
