"""Post bodies as Blogger's editor writes them, and the clean text a perfect extractor keeps.

A body is a list of blocks from the data files: a string is one paragraph (an HTML fragment
with inline markup only), ``{"img": src, "caption": ...}`` an image (captioned ones use
Blogger's ``table.tr-caption-container``), ``{"list": [...], "ordered": bool}`` a list and
``{"h": text}`` a sub-heading. An image block's ``"load"`` reproduces lazy-loading markup
found in real bodies (:data:`LOADS`): ``"lazy"`` is what a WordPress lazy-load plugin
leaves in a body imported into Blogger (a placeholder ``src``, the photo in
``data-lazy-src`` and a ``<noscript>`` copy), ``"srcset"`` an image with a ``srcset`` and
no ``src``. The reader sees the same photo either way. ``style`` picks how paragraphs are marked up: ``p``, ``div``
(``<div>`` blocks with ``<div><br /></div>`` spacers), ``br`` (``<br /><br />`` between
paragraphs) or ``nbsp`` (div blocks with non-breaking-space runs, like pasted Word text).

Ground truth (:func:`blocks_text`): every paragraph, heading, list item and image caption is
one paragraph of the clean text, in order, separated by one blank line, normalised by
:func:`normalise_text`; images without captions contribute nothing.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from sampleblog import imageurls

Block = str | dict

STYLES = ("p", "div", "br", "nbsp")
LOADS = ("", "lazy", "srcset")
# The inline SVG a lazy-load plugin shows until its script swaps the photo in.
LAZY_PLACEHOLDER = (
    "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%20viewBox='0%200%20640%20360'"
    "%3E%3C/svg%3E"
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")  # str patterns: \s includes NBSP (U+00A0)


def normalise_text(text: str) -> str:
    """NFC, every whitespace run (NBSP included) collapsed to one space, stripped."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fragment_text(fragment: str) -> str:
    """Plain text of an inline HTML fragment (tags dropped, entities decoded), normalised."""
    return normalise_text(html.unescape(_TAG.sub("", fragment)))


def html_escape(text: str) -> str:
    """Plain text as an HTML fragment."""
    return html.escape(text, quote=False)


def blocks_text(blocks: Iterable[Block]) -> str:
    """The ground-truth article text of a body."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            parts.append(fragment_text(block))
        elif "h" in block:
            parts.append(fragment_text(block["h"]))
        elif "list" in block:
            parts.extend(fragment_text(item) for item in block["list"])
        elif "video" in block:
            parts.append(VIDEO_TEXT)
        elif block.get("caption"):
            parts.append(fragment_text(block["caption"]))
    return "\n\n".join(p for p in parts if p)


def block_images(blocks: Iterable[Block]) -> list[str]:
    return [b["img"] for b in blocks if isinstance(b, dict) and "img" in b]


def render_blocks(blocks: Iterable[Block], style: str) -> str:
    """Body HTML for ``blocks`` in the given paragraph ``style``."""
    if style not in STYLES:
        raise ValueError(f"unknown paragraph style {style!r}; expected one of {STYLES}")
    out: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            out.append(_paragraph(block, style))
        elif "h" in block:
            out.append(f'<h3 style="text-align: left;">{block["h"]}</h3>')
        elif "list" in block:
            out.append(_list(block["list"], bool(block.get("ordered"))))
        elif "video" in block:
            out.append(video_html(block["video"]))
        else:
            out.append(image_html(block["img"], block.get("caption", ""), block.get("load", "")))
    return "\n".join(out) + "\n"


def _paragraph(fragment: str, style: str) -> str:
    if style == "p":
        return f"<p>{fragment}</p>"
    if style == "div":
        return f"<div>{fragment}</div><div><br /></div>"
    if style == "br":
        return f"{fragment}<br /><br />"
    # "nbsp": text pasted from a word processor: NBSP runs inside, after and between.
    padded = fragment if "<" in fragment else fragment.replace(" ", "&nbsp; ", 1)
    return f"<div>{padded}&nbsp;</div><div>&nbsp; &nbsp; &nbsp; &nbsp;&nbsp;</div>"


def _list(items: list[str], ordered: bool) -> str:
    tag = "ol" if ordered else "ul"
    lis = "".join(f"<li>{item}</li>" for item in items)
    return f'<{tag} style="text-align: left;">{lis}</{tag}>'


#: What the archive's text shows where a post embeds a video (the extractor's link text).
VIDEO_TEXT = "Video"


def video_html(video: str) -> str:
    """A video as Blogger's editor embeds it, in a centred separator: ``youtube:ID`` (the
    editor's YouTube picker) or ``blogger:TOKEN`` (a clip uploaded to Blogger)."""
    kind, _, ident = video.partition(":")
    if kind == "youtube":
        frame = (f'<iframe allowfullscreen="" class="BLOG_video_class" height="266" '
                 f'src="https://www.youtube.com/embed/{ident}" width="320" '
                 f'youtube-src-id="{ident}"></iframe>')
    elif kind == "blogger":
        frame = ('<iframe allowfullscreen="allowfullscreen" class="b-hbp-video b-uploaded" '
                 'frameborder="0" height="266" id="BLOGGER-video-5c2a1e0f3d7b-4721" '
                 'mozallowfullscreen="mozallowfullscreen" '
                 f'src="https://www.blogger.com/video.g?token={ident}" '
                 'webkitallowfullscreen="webkitallowfullscreen" width="320"></iframe>')
    else:
        raise ValueError(f"unknown video {video!r}; expected youtube:ID or blogger:TOKEN")
    return f'<div class="separator" style="clear: both; text-align: center;">{frame}</div>'


def image_html(src: str, caption: str = "", load: str = "") -> str:
    """An image as Blogger's editor inserts it: the thumbnail ``src`` (``s640`` or
    ``w640-h426``) linking to the full-size image (``s1600``), in a caption table when it
    has a caption; ``load`` as in :data:`LOADS`."""
    if load not in LOADS:
        raise ValueError(f"unknown image load {load!r}; expected one of {LOADS}")
    width, height = imageurls.dimensions(imageurls.size_spec(src) or "s0")
    full = imageurls.full_size(src)
    size = f'data-original-height="900" data-original-width="1600" height="{height}"'
    if load == "lazy":
        shown = (
            f'<img border="0" {size} src="{LAZY_PLACEHOLDER}" data-lazy-src="{src}" '
            f'class="lazyload" width="{width}" /><noscript><img border="0" {size} src="{src}" '
            f'width="{width}" /></noscript>'
        )
    elif load == "srcset":
        shown = f'<img border="0" {size} srcset="{src} 1x, {full} 2x" width="{width}" />'
    else:
        shown = f'<img border="0" {size} src="{src}" width="{width}" />'
    img = (
        f'<a href="{full}" imageanchor="1" style="margin-left: auto; margin-right: auto;">'
        f"{shown}</a>"
    )
    if not caption:
        return f'<div class="separator" style="clear: both; text-align: center;">{img}</div>'
    return (
        '<table align="center" cellpadding="0" cellspacing="0" class="tr-caption-container" '
        'style="margin-left: auto; margin-right: auto;"><tbody>'
        f'<tr><td style="text-align: center;">{img}</td></tr>'
        f'<tr><td class="tr-caption" style="text-align: center;">{caption}</td></tr>'
        "</tbody></table>"
    )


def snippet(text: str, limit: int = 150) -> str:
    """Blogger's snippet: the first ``limit`` characters of the text, then an ellipsis."""
    flat = normalise_text(text)
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"
