"""Fuzzing ``parse_feed`` over mutated real feeds: it returns a page or raises ``FeedError``,
never anything else, whatever shape the server's JSON or Atom takes (issue 13)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from goahead_crawler.blogger.feed import (
    FeedEntry,
    FeedError,
    FeedPage,
    next_start_index,
    parse_feed,
)
from sampleblog import routes
from sampleblog.content import load_blog
from sampleblog.site import BlogSite

DATA = Path(__file__).parent / "data" / "feeds"
FUZZ = settings(max_examples=250, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@cache
def real_feeds(alt: str) -> tuple[bytes, ...]:
    """The sample blog's posts and comments feeds as it serves them, and the stored ones."""
    site = BlogSite(load_blog("goahead", 4))
    commented = next(p for p in site.posts if p.comments)
    paths = ["/feeds/posts/default", "/feeds/posts/summary",
             f"/feeds/{commented.post_id}/comments/default"]
    params = {"alt": alt, "max-results": "3"} if alt == "json" else {"max-results": "3"}
    served = [routes.dispatch(routes.Request(site, "http://127.0.0.1:1", path, params)).body
              for path in paths]
    stored = [p.read_bytes() for p in DATA.glob("*." + ("json" if alt == "json" else "atom"))]
    return tuple(served + stored)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=20) | st.sampled_from(["", "0", "-1", "10", "1e9", "tag:x", "²"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["$t", "term", "rel", "href", "name", "type"]) | st.text(
        max_size=5), children, max_size=3),
    max_leaves=8,
)


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    """Every (path to a dict or list) in a JSON document."""
    found = [path]
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        if isinstance(child, dict | list):
            found += _containers(child, (*path, key))
    return found


def _at(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def mutate_json(doc: Any, data: st.DataObject) -> None:
    """Replace, delete or add one value somewhere in the document."""
    target = _at(doc, data.draw(st.sampled_from(_containers(doc))))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    action = data.draw(st.sampled_from(["replace", "delete", "add"] if keys else ["add"]))
    if action == "add":
        value = data.draw(json_values)
        if isinstance(target, dict):
            target[data.draw(st.text(max_size=8))] = value
        else:
            target.append(value)
        return
    key = data.draw(st.sampled_from(keys))
    if action == "delete":
        del target[key]
    else:
        target[key] = data.draw(json_values)


def mutate_atom(root: etree._Element, data: st.DataObject) -> None:
    """Delete an element, change its text, or add an attribute or a child."""
    nodes = list(root.iter())
    node = data.draw(st.sampled_from(nodes))
    action = data.draw(st.sampled_from(["delete", "text", "attribute", "child"]))
    if action == "delete" and node.getparent() is not None:
        node.getparent().remove(node)
    elif action == "text":
        node.text = data.draw(st.text(alphabet=st.characters(codec="utf-8",
                                                             exclude_categories=["Cs", "Cc"]),
                                      max_size=20))
    elif action == "attribute":
        node.set(data.draw(st.sampled_from(["rel", "href", "term", "type"])),
                 data.draw(st.text(alphabet="abc:/-0123456789 ", max_size=12)))
    else:
        tag = data.draw(st.sampled_from(["entry", "id", "link", "category", "total"]))
        etree.SubElement(node, "{http://www.w3.org/2005/Atom}" + tag)


def assert_sound(page: FeedPage) -> None:
    """What the spider relies on in a page that parsed."""
    for entry in page.entries:
        assert isinstance(entry, FeedEntry)
        assert entry.blog_id.isdigit()
        assert entry.post_id.isdigit()
        assert isinstance(entry.url, str)
        assert isinstance(entry.title, str)
        assert all(isinstance(label, str) for label in entry.labels)
        assert entry.comment_count is None or isinstance(entry.comment_count, int)
        assert entry.content_html is None or isinstance(entry.content_html, str)
    assert page.total is None or isinstance(page.total, int)
    assert isinstance(page.start_index, int)
    next_start_index(page)
    next_start_index(page, 151)


def parse_or_feed_error(body: bytes) -> None:
    try:
        page = parse_feed(body)
    except FeedError:
        return
    assert_sound(page)


@FUZZ
@given(data=st.data())
def test_mutated_json_feeds_parse_or_raise_feed_error(data: st.DataObject) -> None:
    doc = json.loads(data.draw(st.sampled_from(real_feeds("json"))))
    for _ in range(data.draw(st.integers(1, 6))):
        mutate_json(doc, data)
    parse_or_feed_error(json.dumps(doc).encode())


@FUZZ
@given(data=st.data())
def test_mutated_atom_feeds_parse_or_raise_feed_error(data: st.DataObject) -> None:
    root = etree.fromstring(data.draw(st.sampled_from(real_feeds("atom"))))
    for _ in range(data.draw(st.integers(1, 6))):
        mutate_atom(root, data)
    parse_or_feed_error(etree.tostring(root))


@FUZZ
@given(data=st.data())
def test_damaged_feed_bytes_parse_or_raise_feed_error(data: st.DataObject) -> None:
    """Truncated, spliced or corrupted bytes of either format."""
    body = bytearray(data.draw(st.sampled_from(real_feeds("json") + real_feeds("atom"))))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body)))
        action = data.draw(st.sampled_from(["cut", "insert", "truncate"]))
        if action == "cut":
            del body[at:at + data.draw(st.integers(1, 40))]
        elif action == "insert":
            body[at:at] = data.draw(st.binary(min_size=1, max_size=12))
        else:
            del body[at:]
    parse_or_feed_error(bytes(body))


def test_the_fuzzed_sources_are_real_feeds() -> None:
    """The fuzz starts from pages that parse: the sample blog's feeds and the stored ones."""
    for body in real_feeds("json") + real_feeds("atom"):
        page = parse_feed(body)
        assert page.entries
        assert not page.skipped
