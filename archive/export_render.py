"""One post as a text file or a Markdown document (YAML front matter, the article
converted from its clean HTML, then its comments and earlier versions when asked).

Everything that came from the blog is escaped for where it goes: front matter values are
YAML double-quoted scalars, the title, comments and captions go through
:func:`archive.escaping.markdown_text`, the article through :mod:`archive.markdown`.
Pure functions.
"""

from __future__ import annotations

import json
from typing import Any

from .escaping import display_url, markdown_text
from .markdown import html_to_markdown
from .models import Post

FRONT_MATTER = ("title", "post_id", "blog_id", "site", "kind", "url", "lang", "labels",
                "author", "published", "updated", "fetched_at", "warc_file", "warc_offset",
                "warc_length", "deleted_at")


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax, which YAML accepts), with
    characters YAML may not carry raw escaped."""
    dumped = json.dumps(value, ensure_ascii=False)
    return "".join(
        ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000
        else f"\\U{ord(ch):08x}"
        for ch in dumped
    )


def _yaml_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(yaml_string(str(item)) for item in value) + "]"
    return yaml_string(str(value))


def front_matter(post: Post) -> str:
    values = {name: getattr(post, "language" if name == "lang" else name)
              for name in FRONT_MATTER}
    lines = [f"{key}: {_yaml_value(value)}" for key, value in values.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def deleted_mark(deleted_at: str | None) -> str:
    """How a post gone from the blog is marked in text (exports and search hits alike)."""
    return f"[deleted {deleted_at[:10]}]" if deleted_at else ""


def as_text(post: Post) -> str:
    """The post as plain text: title, its URL as a person reads it (:func:`display_url`:
    a Thai permalink in Thai), date and author, then the text."""
    head = [" ".join(post.title.split()), display_url(post.url or ""),
            " ".join(filter(None, [post.published, post.author,
                                   deleted_mark(post.deleted_at)]))]
    return "\n".join(line for line in head if line) + "\n\n" + post.text.rstrip() + "\n"


def _body(post: Post) -> str:
    """The article as Markdown: from the clean HTML, or the text when there is none."""
    if post.html and post.html.strip():
        return html_to_markdown(post.html)
    return markdown_text(post.text.rstrip()) + "\n"


def _comments(comments: list[dict[str, Any]]) -> str:
    parts = ["## Comments\n"]
    for comment in comments:
        who = markdown_text(" ".join((comment.get("author") or "anonymous").split()))
        when = f", {comment['published']}" if comment.get("published") else ""
        parts.append(f"**{who}**{markdown_text(when)}\n\n"
                     f"{markdown_text((comment.get('text') or '').strip())}\n")
    return "\n".join(parts)


def _versions(versions: list[dict[str, Any]]) -> str:
    parts = ["## Earlier versions\n"]
    for version in versions:
        when = version.get("updated") or version.get("fetched_at") or "undated"
        title = markdown_text(" ".join((version.get("title") or "").split()))
        body = (html_to_markdown(version["html"]) if (version.get("html") or "").strip()
                else markdown_text((version.get("text") or "").strip()) + "\n")
        parts.append(f"### {markdown_text(when)}: {title}\n\n{body}")
    return "\n".join(parts)


def _extras(extras: dict[str, list[dict[str, Any]]]) -> str:
    out = ""
    if "comments" in extras:
        out += "\n" + _comments(extras["comments"])
    if "versions" in extras:
        out += "\n" + _versions(extras["versions"])
    return out


def _title(post: Post) -> str:
    title = markdown_text(" ".join(post.title.split()))
    return f"# {title}\n\n" if title else ""


def as_markdown(post: Post, extras: dict[str, list[dict[str, Any]]] | None = None) -> str:
    """A Markdown document: front matter, ``# title``, the article, comments, versions."""
    return front_matter(post) + "\n" + _title(post) + _body(post) + _extras(extras or {})


def as_markdown_section(post: Post, extras: dict[str, list[dict[str, Any]]] | None = None
                        ) -> str:
    """One post in a Markdown file of many: ``# title``, a line of what it is, the article.
    (One file holds one front matter, so here the details are a line under the title,
    the URL as a person reads it; the front matter keeps the URL itself, as data.)"""
    details = [post.published, post.author, display_url(post.url or ""), ", ".join(post.labels),
               deleted_mark(post.deleted_at)]
    line = " · ".join(markdown_text(" ".join(d.split())) for d in details if d)
    return (_title(post) or "# (untitled)\n\n") + (f"*{line}*\n\n" if line else "") + \
        _body(post) + _extras(extras or {})
