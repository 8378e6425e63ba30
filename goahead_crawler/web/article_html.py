"""A post's clean HTML made ready for the archive's reading view.

The stored HTML is already the extractor's allowlist (content tags, ``href``/``src`` on
safe absolute URLs). For reading it inside the archive, images must come from the archive,
never from the live web: each ``<img>`` whose URL was captured points at the plugin's WARC
route; one that was not becomes a note with a link to its live URL (the page's
Content-Security-Policy would refuse a live image anyway). A link to a captured image (the
full-size photo Blogger wraps around each picture) opens its archived copy too; other
links to the live web open without a referrer. HTML an older (or merged) archive holds is
held to the extractor's allowlist again on the way, so nothing runs or fetches from it.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree, html

from goahead_crawler.extract.clean import keep_allowed

_DROP = ("script", "style", "iframe", "object", "embed", "link", "meta", "base", "form")
_LIVE_ONLY = "image not archived"


def images(fragment: str, base_url: str = "") -> list[str]:
    """Every ``<img src>`` the reading view shows of a clean HTML fragment, in page order."""
    return [src for img in _parse(fragment, base_url).iter("img") if (src := img.get("src"))]


def links(fragment: str, base_url: str = "") -> list[str]:
    """Every ``<a href>`` the reading view shows of a clean HTML fragment, in page order."""
    return [href for a in _parse(fragment, base_url).iter("a") if (href := a.get("href"))]


def _parse(fragment: str, base_url: str) -> etree._Element:
    """``fragment`` in a ``<div>``, held to what the reading view shows (:func:`_only_content`)."""
    root = html.fragment_fromstring(fragment, create_parent="div")
    _only_content(root, base_url)
    return root


def _only_content(root: etree._Element, base_url: str) -> None:
    """What runs or styles goes with its content; the rest is held to the extractor's
    allowlist (:func:`~goahead_crawler.extract.clean.keep_allowed`): no ``javascript:``
    link, SVG, media, form control or style attribute reaches the page."""
    for element in list(root.iter(*_DROP)):
        element.drop_tree()
    keep_allowed(root, base_url)


def _drop_empty_paragraphs(root: etree._Element) -> None:
    """Blogger's spacer paragraphs (``<p>&nbsp;</p>``, ``<p><br></p>``) open tall gaps
    between paragraphs that already have margins; a paragraph with no text and nothing
    but line breaks goes (its tail stays)."""
    def blank(text: str | None) -> bool:
        return not (text or "").replace("\xa0", " ").strip()

    for p in list(root.iter("p")):
        if blank(p.text) and all(child.tag == "br" and blank(child.tail) for child in p):
            p.drop_tree()


def _image_note(img: etree._Element, live: str) -> etree._Element:
    note = etree.Element("span", {"class": "goahead-missing-image"})
    note.text = f"[{_LIVE_ONLY}"
    alt = img.get("alt")
    if alt:
        note.text += f": {alt}"
    if any(parent.tag == "a" for parent in img.iterancestors()):
        note.text += "]"  # the link around it already leads to the live image
    else:
        note.text += " · "
        link = etree.SubElement(note, "a", {"href": live, "rel": "noopener noreferrer nofollow"})
        link.text = "live URL"
        link.tail = "]"
    note.tail = img.tail
    return note


def reading_html(fragment: str, archived: Callable[[str], str | None],
                 base_url: str = "") -> str:
    """``fragment`` with every image from the archive (``archived(url)`` is its archive
    URL, or None when it was not captured), each link to an archived image (``archived``
    of its href) leading to that copy, and live links marked as leaving the archive.
    ``base_url`` (the post's URL) resolves a relative link; without it one goes."""
    if not fragment.strip():
        return ""
    root = _parse(fragment, base_url)
    for img in list(root.iter("img")):
        src = img.get("src") or ""
        local = archived(src)
        if local is not None:
            img.set("src", local)
        else:
            img.getparent().replace(img, _image_note(img, src))
    _drop_empty_paragraphs(root)
    for link in root.iter("a"):
        href = link.get("href", "")
        local = archived(href) if href else None
        if local is not None:
            link.set("href", local)
        elif href.startswith(("http://", "https://")):
            link.set("rel", "noopener noreferrer nofollow")
    return etree.tostring(root, encoding="unicode", method="html")
