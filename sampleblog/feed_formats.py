"""Print a :class:`~sampleblog.feeds.FeedDoc` the way Blogger does: Atom (single-quoted
attributes, one line), JSON (``$t`` values, numbers as strings, ``<>&='`` escaped as
``\\u00XX``, no ``entry`` key on an empty page) or RSS 2.0.
"""

from __future__ import annotations

import json
from email.utils import format_datetime

from sampleblog.content import parse_ts
from sampleblog.feeds import Entry, FeedDoc, Link

_NS = (
    "xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
    "xmlns:blogger='http://schemas.google.com/blogger/2008' "
    "xmlns:georss='http://www.georss.org/georss' xmlns:gd=\"http://schemas.google.com/g/2005\" "
    "xmlns:thr='http://purl.org/syndication/thread/1.0'"
)
_CATEGORY_SCHEME = "http://www.blogger.com/atom/ns#"
_AVATAR = "https://img1.blogblog.com/img/b16-rounded.gif"


def _x(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    )


def _atom_link(link: Link) -> str:
    title = f" title='{_x(link.title)}'" if link.title is not None else ""
    kind = f" type='{link.type}'" if link.type else ""
    return f"<link rel='{link.rel}'{kind} href='{_x(link.href)}'{title}/>"


def _atom_author(name: str, uri: str | None) -> str:
    uri_el = f"<uri>{_x(uri)}</uri>" if uri else ""
    return (
        f"<author><name>{_x(name)}</name>{uri_el}<email>noreply@blogger.com</email>"
        f"<gd:image rel='http://schemas.google.com/g/2005#thumbnail' width='16' height='16' "
        f"src='{_AVATAR}'/></author>"
    )


def _atom_entry(e: Entry) -> str:
    parts = [
        f"<entry><id>{e.id}</id><published>{e.published}</published><updated>{e.updated}</updated>"
    ]
    parts += [f"<category scheme='{_CATEGORY_SCHEME}' term='{_x(c)}'/>" for c in e.categories]
    parts.append(f"<title type='text'>{_x(e.title)}</title>")
    if e.content is not None:
        parts.append(f"<content type='html'>{_x(e.content)}</content>")
    if e.summary is not None:
        parts.append(f"<summary type='text'>{_x(e.summary)}</summary>")
    parts += [_atom_link(link) for link in e.links]
    parts.append(_atom_author(e.author, e.author_uri))
    if e.thumbnail:
        parts.append(
            "<media:thumbnail xmlns:media='http://search.yahoo.com/mrss/' "
            f"url='{_x(e.thumbnail)}' height='72' width='72'/>"
        )
    if e.in_reply_to:
        attrs = " ".join(f"{k}='{_x(v)}'" for k, v in e.in_reply_to.items())
        parts.append(
            f"<thr:in-reply-to xmlns:thr='http://purl.org/syndication/thread/1.0' {attrs}/>"
        )
    parts += [f"<gd:extendedProperty name='{n}' value='{_x(v)}'/>" for n, v in e.extended]
    if e.thr_total is not None:
        parts.append(f"<thr:total>{e.thr_total}</thr:total>")
    parts.append("</entry>")
    return "".join(parts)


def to_atom(doc: FeedDoc) -> bytes:
    head = [
        (
            "<?xml version='1.0' encoding='UTF-8'?>"
            '<?xml-stylesheet href="http://www.blogger.com/styles/atom.css" type="text/css"?>'
        ),
        f"<feed {_NS}><id>{doc.id}</id><updated>{doc.updated}</updated>",
        *(f"<category term='{_x(c)}'/>" for c in doc.categories),
        f"<title type='text'>{_x(doc.title)}</title><subtitle type='html'>{_x(doc.subtitle)}</subtitle>",
        *(_atom_link(link) for link in doc.links),
        _atom_author(doc.author, doc.author_uri),
        "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>",
        f"<openSearch:totalResults>{doc.total}</openSearch:totalResults>",
        f"<openSearch:startIndex>{doc.start_index}</openSearch:startIndex>",
        f"<openSearch:itemsPerPage>{doc.per_page}</openSearch:itemsPerPage>",
    ]
    body = "".join(head) + "".join(_atom_entry(e) for e in doc.entries) + "</feed>"
    return body.encode("utf-8")


def _t(value: object) -> dict[str, str]:
    return {"$t": str(value)}


def _json_link(link: Link) -> dict[str, str]:
    out = {"rel": link.rel, "type": link.type, "href": link.href}
    if not link.type:
        del out["type"]
    if link.title is not None:
        out["title"] = link.title
    return out


def _json_author(name: str, uri: str | None) -> dict:
    author = {"name": _t(name), "email": _t("noreply@blogger.com")}
    if uri:
        author["uri"] = _t(uri)
    author["gd$image"] = {
        "rel": "http://schemas.google.com/g/2005#thumbnail",
        "width": "16",
        "height": "16",
        "src": _AVATAR,
    }
    return author


def _json_entry(e: Entry) -> dict:
    out: dict = {"id": _t(e.id), "published": _t(e.published), "updated": _t(e.updated)}
    if e.categories:
        out["category"] = [{"scheme": _CATEGORY_SCHEME, "term": c} for c in e.categories]
    out["title"] = {"type": "text", "$t": e.title}
    if e.content is not None:
        out["content"] = {"type": "html", "$t": e.content}
    if e.summary is not None:
        out["summary"] = {"type": "text", "$t": e.summary}
    out["link"] = [_json_link(link) for link in e.links]
    out["author"] = [_json_author(e.author, e.author_uri)]
    if e.thumbnail:
        out["media$thumbnail"] = {
            "xmlns$media": "http://search.yahoo.com/mrss/",
            "url": e.thumbnail,
            "height": "72",
            "width": "72",
        }
    if e.in_reply_to:
        out["thr$in-reply-to"] = {
            "xmlns$thr": "http://purl.org/syndication/thread/1.0",
            **e.in_reply_to,
        }
    if e.extended:
        out["gd$extendedProperty"] = [{"name": n, "value": v} for n, v in e.extended]
    if e.thr_total is not None:
        out["thr$total"] = _t(e.thr_total)
    return out


def to_json(doc: FeedDoc) -> bytes:
    feed: dict = {
        "xmlns": "http://www.w3.org/2005/Atom",
        "xmlns$openSearch": "http://a9.com/-/spec/opensearchrss/1.0/",
        "xmlns$blogger": "http://schemas.google.com/blogger/2008",
        "xmlns$georss": "http://www.georss.org/georss",
        "xmlns$gd": "http://schemas.google.com/g/2005",
        "xmlns$thr": "http://purl.org/syndication/thread/1.0",
        "id": _t(doc.id),
        "updated": _t(doc.updated),
        "category": [{"term": c} for c in doc.categories],
        "title": {"type": "text", "$t": doc.title},
        "subtitle": {"type": "html", "$t": doc.subtitle},
        "link": [_json_link(link) for link in doc.links],
        "author": [_json_author(doc.author, doc.author_uri)],
        "generator": {"version": "7.00", "uri": "http://www.blogger.com", "$t": "Blogger"},
        "openSearch$totalResults": _t(doc.total),
        "openSearch$startIndex": _t(doc.start_index),
        "openSearch$itemsPerPage": _t(doc.per_page),
    }
    if doc.entries:
        feed["entry"] = [_json_entry(e) for e in doc.entries]
    text = json.dumps(
        {"version": "1.0", "encoding": "UTF-8", "feed": feed},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    for char in "<>&='":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text.encode("utf-8")


def _rfc822(iso: str) -> str:
    return format_datetime(parse_ts(iso))


def to_rss(doc: FeedDoc) -> bytes:
    items = []
    for e in doc.entries:
        link = next((k.href for k in e.links if k.rel == "alternate"), "")
        cats = "".join(
            f"<category domain='{_CATEGORY_SCHEME}'>{_x(c)}</category>" for c in e.categories
        )
        items.append(
            f"<item><guid isPermaLink='false'>{e.id}</guid><pubDate>{_rfc822(e.published)}</pubDate>"
            f"<atom:updated>{e.updated}</atom:updated>{cats}<title>{_x(e.title)}</title>"
            f"<description>{_x(e.content if e.content is not None else e.summary or '')}</description>"
            f"<link>{_x(link)}</link><author>noreply@blogger.com ({_x(e.author)})</author></item>"
        )
    home = next((k.href for k in doc.links if k.rel == "alternate"), "")
    body = (
        "<?xml version='1.0' encoding='UTF-8'?><rss xmlns:atom='http://www.w3.org/2005/Atom' "
        "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' version='2.0'><channel>"
        f"<atom:id>{doc.id}</atom:id><lastBuildDate>{_rfc822(doc.updated)}</lastBuildDate>"
        f"<title>{_x(doc.title)}</title><description>{_x(doc.subtitle)}</description>"
        f"<link>{_x(home)}</link><managingEditor>noreply@blogger.com ({_x(doc.author)})</managingEditor>"
        f"<generator>Blogger</generator><openSearch:totalResults>{doc.total}</openSearch:totalResults>"
        f"<openSearch:startIndex>{doc.start_index}</openSearch:startIndex>"
        f"<openSearch:itemsPerPage>{doc.per_page}</openSearch:itemsPerPage>{''.join(items)}</channel></rss>"
    )
    return body.encode("utf-8")


FORMATS = {
    "atom": (to_atom, "application/atom+xml; charset=UTF-8"),
    "json": (to_json, "application/json; charset=UTF-8"),
    "rss": (to_rss, "application/rss+xml; charset=UTF-8"),
}
