"""Blogger posts feeds (JSON ``alt=json`` and Atom) parsed into plain dataclasses.

Pure: bytes in, :class:`FeedPage` out. No network, no Scrapy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from lxml import etree

from archive.timestamps import format_utc, parse_utc


@dataclass
class FeedEntry:
    """What the feed knows about one post; the authority for ids, dates, labels, author."""

    blog_id: str
    post_id: str
    url: str  # rel=alternate link (the post page)
    title: str = ""
    published: str | None = None  # ISO 8601 with offset, as Blogger gives it
    updated: str | None = None
    author: str = ""
    labels: list[str] = field(default_factory=list)
    content_html: str | None = None  # content.$t (full feed) or None
    summary: str | None = None  # summary.$t (summary-only feed) or None
    comment_count: int | None = None  # thr$total
    replies_url: str | None = None  # comments feed URL
    # a comment's thr:in-reply-to: the post it replies to (its id, its page), else None
    reply_to: str | None = None
    reply_url: str | None = None


@dataclass(frozen=True)
class SkippedEntry:
    """A feed entry of a shape the parser does not trust: named, never silently dropped."""

    name: str  # the entry's id, link or position, for the warning
    reason: str
    url: str | None = None  # its post link when it had a usable one (fetch it without the entry)


@dataclass
class FeedPage:
    entries: list[FeedEntry]
    total: int | None  # openSearch$totalResults
    start_index: int  # openSearch$startIndex (1-based)
    blog_id: str | None = None
    title: str = ""
    skipped: list[SkippedEntry] = field(default_factory=list)


class FeedError(ValueError):
    """The bytes are not a Blogger posts feed (HTML error page, truncated JSON, ...)."""


class _Shape(ValueError):
    """One entry (or field) is not of the shape Blogger gives it; the entry is skipped."""


_POST_ID = re.compile(r"blog-(\d+)\.(?:post|page)-(\d+)")
_NUMBER = re.compile(r"\s*([0-9]{1,18})\s*")  # ASCII digits only, and small enough for int()
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearchrss/1.0/}"
_THR = "{http://purl.org/syndication/thread/1.0}"
MAX_FEED_BYTES = 64 * 1024 * 1024  # a 150-entry full feed is a few MB; refuse absurd bodies
# Feed pages lost in a row (errors, unusable bodies) before the crawl stops paging: past that,
# the total that sends it on may be a lie (a billion entries behind pages that all fail).
MAX_FAILED_PAGES = 3
# Posts the feed named that could not be fetched (gone or failing), in feed pages' worth,
# before paging stops when they outnumber those fetched: a feed that invents a new page of
# posts at every start-index, behind a total of a billion, is progress at every page.
MAX_LOST_PAGES = 2


def feed_posts_failing(lost: int, fetched: int, step: int) -> bool:
    """The posts a feed named mostly fail: at least :data:`MAX_LOST_PAGES` pages' worth
    (``step`` entries a page) lost, and more lost than fetched. A real blog's feed lists
    live posts, which answer; one down for good is reported post by post anyway."""
    return lost >= MAX_LOST_PAGES * max(step, 1) and lost > fetched


def parse_feed(body: bytes) -> FeedPage:
    """Parse one page of a Blogger posts feed, JSON (``alt=json``) or Atom, detected by content.

    Raises :class:`FeedError` (and nothing else) when the page as a whole is unusable; an
    entry of unexpected shape is left out of ``entries`` and named in ``skipped``."""
    if len(body) > MAX_FEED_BYTES:
        raise FeedError(f"feed body of {len(body)} bytes exceeds {MAX_FEED_BYTES}")
    head = body.lstrip()[:1]
    if head == b"{":
        return parse_json_feed(body)
    if head == b"<":
        return parse_atom_feed(body)
    raise FeedError("not a JSON or XML feed")


def split_entry_id(entry_id: str) -> tuple[str, str]:
    """``tag:blogger.com,1999:blog-BLOGID.post-POSTID`` -> (BLOGID, POSTID)."""
    match = _POST_ID.search(entry_id)
    if not match:
        raise FeedError(f"not a Blogger entry id: {entry_id[:120]!r}")
    return match.group(1), match.group(2)


def number(text: str) -> int | None:
    """A count or index as the feed writes it (``"150"``), or None."""
    match = _NUMBER.fullmatch(text)
    return int(match.group(1)) if match else None


# -- JSON: every value is checked for the shape Blogger gives it ----------------------------
def _t(node: object) -> str:
    """The text of a ``{"$t": ...}`` node. A bare string or number is taken as its text;
    null or absent is empty; anything else is a shape error."""
    if isinstance(node, dict):
        node = node.get("$t")
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, int | float) and not isinstance(node, bool):
        return str(node)
    raise _Shape(f"expected text, found {type(node).__name__}")


def _optional_t(node: object) -> str | None:
    return None if node is None else _t(node)


def _dicts(value: object, what: str) -> list[dict]:
    """A list of objects (a lone object counts as a list of one); absent or null is empty."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Shape(f"{what} is a {type(value).__name__}, not a list of objects")
    return value


def _json_link(links: list[dict], rel: str, type_: str | None = None) -> str | None:
    for link in links:
        if link.get("rel") == rel and (type_ is None or link.get("type") == type_):
            href = link.get("href")
            return href if isinstance(href, str) and href.strip() else None
    return None


def _labels(value: object) -> list[str]:
    if isinstance(value, str):  # one label written as a bare string
        return [value] if value else []
    terms = [c.get("term") for c in _dicts(value, "category")]
    return [t for t in terms if isinstance(t, str) and t]


def _json_entry(raw: dict) -> FeedEntry:
    try:
        blog_id, post_id = split_entry_id(_t(raw.get("id")))
    except FeedError as exc:
        raise _Shape(str(exc)) from None
    links = _dicts(raw.get("link"), "link")
    total = _t(raw.get("thr$total"))
    return FeedEntry(
        blog_id=blog_id,
        post_id=post_id,
        url=_json_link(links, "alternate") or "",  # comments have none; posts must
        title=_t(raw.get("title")),
        published=_t(raw.get("published")) or None,
        updated=_t(raw.get("updated")) or None,
        author=_t((_dicts(raw.get("author"), "author") or [{}])[0].get("name")),
        labels=_labels(raw.get("category")),
        content_html=_optional_t(raw.get("content")),
        summary=_optional_t(raw.get("summary")),
        comment_count=number(total),
        replies_url=_json_link(links, "replies", "application/atom+xml"),
        **_reply(_dicts(raw.get("thr$in-reply-to"), "thr$in-reply-to")),
    )


def _reply(targets: list[dict]) -> dict[str, str | None]:
    """``reply_to`` / ``reply_url`` of a comment from its ``thr:in-reply-to`` (``ref``: the
    post's entry id, ``href``: its page). A ref that is not a Blogger post id gives None:
    the comment is then kept, its post unknown."""
    for target in targets:
        match = _POST_ID.search(str(target.get("ref") or ""))
        if match:
            href = target.get("href")
            return {"reply_to": match.group(2),
                    "reply_url": href if isinstance(href, str) and href else None}
    return {}


def _entry_name(raw: object, position: int) -> str:
    """How a warning names an entry: its id, else its position on the page."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    ident = ident.get("$t") if isinstance(ident, dict) else ident
    return repr(ident)[:120] if ident is not None else f"entry #{position}"


def _loose_url(raw: object) -> str | None:
    """The post link of an entry we could not read, if it has a plain one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("link"), list):
        return None
    links = [link for link in raw["link"] if isinstance(link, dict)]
    return _json_link(links, "alternate")


def _json_entries(raw_entries: object, page: FeedPage) -> None:
    try:
        entries = _dicts(raw_entries, "entry") if not isinstance(raw_entries, list) else raw_entries
    except _Shape as exc:
        raise FeedError(f"not a Blogger JSON feed: {exc}") from None
    for position, raw in enumerate(entries, 1):
        try:
            if not isinstance(raw, dict):
                raise _Shape(f"a {type(raw).__name__}, not an object")
            page.entries.append(_json_entry(raw))
        except _Shape as exc:
            page.skipped.append(SkippedEntry(_entry_name(raw, position), str(exc),
                                             _loose_url(raw)))


def parse_json_feed(body: bytes) -> FeedPage:
    try:
        feed = json.loads(body)["feed"]
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise FeedError(f"not a Blogger JSON feed: {exc}") from exc
    if not isinstance(feed, dict):
        raise FeedError(f"not a Blogger JSON feed: feed is a {type(feed).__name__}")
    try:
        feed_id, title = _t(feed.get("id")), _t(feed.get("title"))
        total = number(_t(feed.get("openSearch$totalResults")))
        start = number(_t(feed.get("openSearch$startIndex")))
    except _Shape as exc:
        raise FeedError(f"not a Blogger JSON feed: {exc}") from None
    blog_match = re.search(r"blog-(\d+)", feed_id)
    page = FeedPage(entries=[], total=total, start_index=start or 1,
                    blog_id=blog_match.group(1) if blog_match else None, title=title)
    _json_entries(feed.get("entry"), page)
    return page


# -- Atom ----------------------------------------------------------------------------------
def _atom_text(node: etree._Element, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "") if found is not None else ""


def _atom_entry(node: etree._Element) -> FeedEntry:
    try:
        blog_id, post_id = split_entry_id(_atom_text(node, f"{_ATOM}id"))
    except FeedError as exc:
        raise _Shape(str(exc)) from None
    links = [dict(link.attrib) for link in node.iter(f"{_ATOM}link")]
    content = node.find(f"{_ATOM}content")
    summary = node.find(f"{_ATOM}summary")
    return FeedEntry(
        blog_id=blog_id,
        post_id=post_id,
        url=_json_link(links, "alternate") or "",
        title=_atom_text(node, f"{_ATOM}title"),
        published=_atom_text(node, f"{_ATOM}published") or None,
        updated=_atom_text(node, f"{_ATOM}updated") or None,
        author=node.findtext(f"{_ATOM}author/{_ATOM}name") or "",
        labels=[c.get("term") for c in node.iter(f"{_ATOM}category") if c.get("term")],
        content_html=(content.text or "") if content is not None else None,
        summary=(summary.text or "") if summary is not None else None,
        comment_count=number(_atom_text(node, f"{_THR}total")),
        replies_url=_json_link(links, "replies", "application/atom+xml"),
        **_reply([dict(t.attrib) for t in node.iter(f"{_THR}in-reply-to")]),
    )


def parse_atom_feed(body: bytes) -> FeedPage:
    # No entity resolution, no network: feeds come from the web (STYLE.md P6).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FeedError(f"not a Blogger Atom feed: {exc}") from exc
    if root is None or root.tag != f"{_ATOM}feed":
        raise FeedError(f"not an Atom feed: root element {getattr(root, 'tag', None)!r}")
    blog_match = re.search(r"blog-(\d+)", _atom_text(root, f"{_ATOM}id"))
    page = FeedPage(
        entries=[],
        total=number(_atom_text(root, f"{_OPENSEARCH}totalResults")),
        start_index=number(_atom_text(root, f"{_OPENSEARCH}startIndex")) or 1,
        blog_id=blog_match.group(1) if blog_match else None,
        title=_atom_text(root, f"{_ATOM}title"),
    )
    for position, node in enumerate(root.iter(f"{_ATOM}entry"), 1):
        try:
            page.entries.append(_atom_entry(node))
        except _Shape as exc:
            name = _atom_text(node, f"{_ATOM}id") or f"entry #{position}"
            links = [dict(link.attrib) for link in node.iter(f"{_ATOM}link")]
            page.skipped.append(SkippedEntry(repr(name)[:120], str(exc),
                                             _json_link(links, "alternate")))
    return page


def next_start_index(page: FeedPage, start: int | None = None) -> int | None:
    """Where the next page starts, paging by what actually came back (the cap is silent).

    ``start`` is the start-index the page was asked for: a server that echoes another
    ``openSearch$startIndex`` (or none) must not send the crawl back to a page it has had."""
    served = len(page.entries) + len(page.skipped)
    if not served:
        return None
    following = (start or page.start_index) + served
    if page.total is not None and following > page.total:
        return None
    return following


DATE_CURSOR = "published-max"  # with orderby=published: what is older than a date


def date_cursor(entries: list[FeedEntry]) -> str | None:
    """The ``published-max`` value that asks for what is older than the oldest of
    ``entries``: paging by date when ``start-index`` paging ends short of the total
    (Blogger may not honour it deep, or may answer one page for all; BLOGGER.md:
    ArchiveTeam pages by ``published-max``). The bound is exclusive, so one second past
    the oldest: a post published in the same second is asked for again, not skipped.
    None when no entry has a readable date."""
    known = [d for d in (parse_utc(e.published) for e in entries) if d is not None]
    return format_utc(min(known) + timedelta(seconds=1)) if known else None
