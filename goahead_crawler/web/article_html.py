"""A post's clean HTML made ready for the archive's reading view.

The stored HTML is already the extractor's allowlist (content tags, ``href``/``src`` on
safe absolute URLs). For reading it inside the archive, images must come from the archive,
never from the live web: each ``<img>`` whose URL was captured points at the plugin's WARC
route; one that was not becomes a note with a link to its live URL (the page's
Content-Security-Policy would refuse a live image anyway). A link to a captured image (the
full-size photo Blogger wraps around each picture) opens its archived copy too; other
links to the live web open without a referrer. Anything executable an older archive may
hold is dropped on the way.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree, html

_DROP = ("script", "style", "iframe", "object", "embed", "link", "meta", "base", "form")
_LIVE_ONLY = "image not archived"


def images(fragment: str) -> list[str]:
    """Every ``<img src>`` of a clean HTML fragment, in page order."""
    if not fragment.strip():
        return []
    return [src for img in _parse(fragment).iter("img") if (src := img.get("src"))]


def links(fragment: str) -> list[str]:
    """Every ``<a href>`` of a clean HTML fragment, in page order."""
    if not fragment.strip():
        return []
    return [href for a in _parse(fragment).iter("a") if (href := a.get("href"))]


def _parse(fragment: str) -> etree._Element:
    return html.fragment_fromstring(fragment, create_parent="div")


def _unexecutable(root: etree._Element) -> None:
    for element in list(root.iter(*_DROP)):
        element.drop_tree()
    for element in root.iter():
        for name in [n for n in element.attrib if n.lower().startswith("on")]:
            del element.attrib[name]
        element.attrib.pop("srcset", None)


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


def reading_html(fragment: str, archived: Callable[[str], str | None]) -> str:
    """``fragment`` with every image from the archive (``archived(url)`` is its archive
    URL, or None when it was not captured), each link to an archived image (``archived``
    of its href) leading to that copy, and live links marked as leaving the archive."""
    if not fragment.strip():
        return ""
    root = _parse(fragment)
    _unexecutable(root)
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
