"""Blogger posts feeds (JSON ``alt=json`` and Atom) parsed into plain dataclasses.

Pure: bytes in, :class:`FeedPage` out. No network, no Scrapy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from lxml import etree


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


@dataclass
class FeedPage:
    entries: list[FeedEntry]
    total: int | None  # openSearch$totalResults
    start_index: int  # openSearch$startIndex (1-based)
    blog_id: str | None = None
    title: str = ""


class FeedError(ValueError):
    """The bytes are not a Blogger posts feed (HTML error page, truncated JSON, ...)."""


_POST_ID = re.compile(r"blog-(\d+)\.(?:post|page)-(\d+)")
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearchrss/1.0/}"
_THR = "{http://purl.org/syndication/thread/1.0}"
MAX_FEED_BYTES = 64 * 1024 * 1024  # a 150-entry full feed is a few MB; refuse absurd bodies


def parse_feed(body: bytes) -> FeedPage:
    """Parse one page of a Blogger posts feed, JSON (``alt=json``) or Atom, detected by content."""
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
        raise FeedError(f"not a Blogger entry id: {entry_id!r}")
    return match.group(1), match.group(2)


def _t(node: dict | None) -> str:
    return (node or {}).get("$t", "") if isinstance(node, dict) else ""


def _json_link(links: list[dict], rel: str, type_: str | None = None) -> str | None:
    for link in links:
        if link.get("rel") == rel and (type_ is None or link.get("type") == type_):
            return link.get("href")
    return None


def _json_entry(raw: dict) -> FeedEntry:
    blog_id, post_id = split_entry_id(_t(raw.get("id")))
    links = raw.get("link", [])
    authors = raw.get("author") or [{}]
    total = _t(raw.get("thr$total"))
    content = raw.get("content")
    summary = raw.get("summary")
    return FeedEntry(
        blog_id=blog_id,
        post_id=post_id,
        url=_json_link(links, "alternate") or "",
        title=_t(raw.get("title")),
        published=_t(raw.get("published")) or None,
        updated=_t(raw.get("updated")) or None,
        author=_t(authors[0].get("name")),
        labels=[c["term"] for c in raw.get("category", []) if c.get("term")],
        content_html=_t(content) if content is not None else None,
        summary=_t(summary) if summary is not None else None,
        comment_count=int(total) if total.isdigit() else None,
        replies_url=_json_link(links, "replies", "application/atom+xml"),
    )


def parse_json_feed(body: bytes) -> FeedPage:
    try:
        feed = json.loads(body)["feed"]
    except (ValueError, KeyError, TypeError) as exc:
        raise FeedError(f"not a Blogger JSON feed: {exc}") from exc
    entries = [_json_entry(raw) for raw in feed.get("entry", [])]
    blog_match = re.search(r"blog-(\d+)", _t(feed.get("id")))
    total = _t(feed.get("openSearch$totalResults"))
    start = _t(feed.get("openSearch$startIndex"))
    return FeedPage(
        entries=entries,
        total=int(total) if total.isdigit() else None,
        start_index=int(start) if start.isdigit() else 1,
        blog_id=blog_match.group(1) if blog_match else None,
        title=_t(feed.get("title")),
    )


def _atom_text(node: etree._Element, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "") if found is not None else ""


def _atom_entry(node: etree._Element) -> FeedEntry:
    blog_id, post_id = split_entry_id(_atom_text(node, f"{_ATOM}id"))
    links = [dict(link.attrib) for link in node.iter(f"{_ATOM}link")]
    content = node.find(f"{_ATOM}content")
    summary = node.find(f"{_ATOM}summary")
    total = _atom_text(node, f"{_THR}total")
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
        comment_count=int(total) if total.isdigit() else None,
        replies_url=_json_link(links, "replies", "application/atom+xml"),
    )


def parse_atom_feed(body: bytes) -> FeedPage:
    # No entity resolution, no network: feeds come from the web (STYLE.md P6).
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not a Blogger Atom feed: {exc}") from exc
    if root.tag != f"{_ATOM}feed":
        raise FeedError(f"not an Atom feed: root element {root.tag!r}")
    total = _atom_text(root, f"{_OPENSEARCH}totalResults")
    start = _atom_text(root, f"{_OPENSEARCH}startIndex")
    blog_match = re.search(r"blog-(\d+)", _atom_text(root, f"{_ATOM}id"))
    return FeedPage(
        entries=[_atom_entry(e) for e in root.iter(f"{_ATOM}entry")],
        total=int(total) if total.isdigit() else None,
        start_index=int(start) if start.isdigit() else 1,
        blog_id=blog_match.group(1) if blog_match else None,
        title=_atom_text(root, f"{_ATOM}title"),
    )


def next_start_index(page: FeedPage) -> int | None:
    """Where the next page starts, paging by what actually came back (the cap is silent)."""
    if not page.entries:
        return None
    following = page.start_index + len(page.entries)
    if page.total is not None and following > page.total:
        return None
    return following
