"""Finding the post on the page: its body, its container, and the template family.

The body is found by its ``post-body-N`` id (an O(1) lookup) or the first ``div.post-body``
outside sidebar widgets; its ancestors name the template family (``rules.PROFILES``). The
body is then detached from the page, so metadata lookups in the container never wade
through the article. A page with no Blogger body gets :func:`page_scope` for its metadata;
its content comes from the feed or :mod:`fallback` (the caller decides).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from goahead_crawler.extract import rules


@dataclass
class Located:
    body: etree._Element  # the article body, detached from the page
    container: etree._Element  # the post around it (title, byline, labels, footer)
    outer: etree._Element  # the Blog widget (shared date headers) or the page
    method: str  # "blogger:<profile>", or "fallback" for a page without Blogger's structure


def class_tokens(element: etree._Element) -> list[str]:
    return (element.get("class") or "").split()


def nearest(
    element: etree._Element, patterns: tuple[tuple[str, str], ...]
) -> etree._Element | None:
    """The closest ancestor that is one of the (tag or "*", class token or "") patterns."""
    ancestors = ((a, a.tag, class_tokens(a)) for a in element.iterancestors())
    return _nearest_of(list(ancestors), patterns)


def locate_post(root: etree._Element, page_text: str = "") -> Located | None:
    """The post body with its container, or ``None`` when the page has no Blogger body."""
    first = _first_body(root, page_text)
    if first is None:
        return None
    ancestors = [(a, a.tag, class_tokens(a)) for a in first.iterancestors()]
    for profile in rules.PROFILES:
        container = _nearest_of(ancestors, profile.container)
        if container is not None:
            outer = _or(_nearest_of(ancestors, rules.BLOG_SCOPE), root)
            bodies = [first, *_sibling_bodies(first)]
            return Located(_detach(bodies), container, outer, f"blogger:{profile.name}")
    container = _or(first.getparent(), root)
    return Located(_detach([first]), container, root, "blogger:bare")


def page_scope(root: etree._Element) -> Located:
    """No Blogger body: metadata is read from the whole page, the body is still to come."""
    return Located(etree.Element("div"), _or(root.find("body"), root), root, "fallback")


def _nearest_of(
    ancestors: list[tuple[etree._Element, str, list[str]]],
    patterns: tuple[tuple[str, str], ...],
) -> etree._Element | None:
    for element, tag, tokens in ancestors:
        for want_tag, token in patterns:
            if want_tag in ("*", tag) and (not token or token in tokens):
                return element
    return None


def _first_body(root: etree._Element, page_text: str) -> etree._Element | None:
    """The first post's body: by ``id`` when the raw text names one (an O(1) lookup) and it
    is not in a sidebar widget, else the first ``div.post-body`` outside non-Blog widgets (``iter`` stops there; an XPath
    would scan the whole page), else microdata."""
    match = rules.POST_BODY_ID.search(page_text) if "post-body-" in page_text else None
    first = next(iter(rules.BY_ID(root, id=match.group(1))), None) if match else None
    if first is not None and not _in_blog(first):  # a featured post's teaser, higher up
        first = None
    if first is None:
        first = next((d for d in _class_divs(root, rules.POST_BODY_CLASS) if _in_blog(d)), None)
    if first is None:
        first = next((found[0] for xpath in rules.POST_BODY if (found := xpath(root))), None)
    return first


def _sibling_bodies(first: etree._Element) -> list[etree._Element]:
    """More bodies beside the first (a byline block, then the text): same post, same level."""
    marked = (s for s in first.itersiblings("div", preceding=False))
    return [s for s in marked if rules.POST_BODY_CLASS in class_tokens(s)]


def _class_divs(scope: etree._Element, token: str) -> Iterator[etree._Element]:
    for div in scope.iter("div"):
        marks = div.get("class")
        if marks and token in marks and token in marks.split():
            yield div


def _in_blog(element: etree._Element) -> bool:
    """Not inside a sidebar or header widget (popular posts, featured post)."""
    widget = nearest(element, (("*", "widget"),))
    return widget is None or "Blog" in class_tokens(widget)


def _or(element: etree._Element | None, default: etree._Element) -> etree._Element:
    return default if element is None else element


def _inside(element: etree._Element, container: etree._Element) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())


def _detach(bodies: list[etree._Element]) -> etree._Element:
    """Take the body out of the page (a placeholder keeps the spot). Several bodies in one
    post (a byline block, then the text) become one element; nested ones count once."""
    outer = [b for b in bodies if not any(_inside(b, other) for other in bodies)]
    for body in outer:
        parent = body.getparent()
        if parent is not None:
            placeholder = etree.Element("div")
            placeholder.tail = body.tail
            parent.replace(body, placeholder)
        body.tail = None
    if len(outer) == 1:
        return outer[0]
    merged = etree.Element("div")
    merged.extend(outer)
    return merged
