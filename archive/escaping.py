"""Text into Markdown so that a renderer shows exactly the text: the rule every Markdown
writer calls for text it did not write as Markdown (a post's title and text).

A post's text is what its readers saw: where the blog escaped ``&lt;script&gt;``, the text
holds ``<script>``. Written raw into a ``.md`` file, that is live HTML in any renderer, and
``*``, ``_``, ``#``, ``1.`` or ``[x](y)`` in the text become emphasis, headings, lists and
links the blog never showed. :func:`markdown_text` makes ``&``, ``<`` and ``>`` character
references and backslash-escapes Markdown's punctuation, so the rendered page shows the
text as the blog did and runs nothing. Plain-text exports need no such rule: nothing renders
them. Pure.
"""

from __future__ import annotations

import re

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_CHARS = re.compile("[&<>]")
_INLINE = re.compile(r"([\\`*_\[\]|~])")  # code, emphasis, links, tables, strikethrough
_BLOCK_START = re.compile(r"^([ \t]*)([#+\-=])", re.MULTILINE)  # headings, lists, rules
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])", re.MULTILINE)  # "1. " / "1) " lists


def markdown_text(text: str) -> str:
    """``text`` escaped for Markdown: rendered, it reads as ``text`` and is inert."""
    escaped = _INLINE.sub(r"\\\1", text)
    escaped = _HTML_CHARS.sub(lambda m: _HTML[m.group()], escaped)
    escaped = _BLOCK_START.sub(r"\1\\\2", escaped)
    return _ORDERED.sub(r"\1\\\2", escaped)
