"""Markup nested deeper than libxml2 goes (2,048 levels): the text is kept whole."""

from __future__ import annotations

import pytest

from goahead_crawler.extract import extract_article, extract_unstructured
from goahead_crawler.extract.clean import parse, text_of
from goahead_crawler.extract.depth import MAX_DEPTH, cap_depth

URL = "http://deep.blogspot.com/2024/01/deep.html"


def deep_post(depth: int, inner: str = "The deepest sentence.") -> bytes:
    return (
        "<html><head><title>Deep</title></head><body><div class='post hentry'>"
        "<h3 class='post-title'>Deep</h3><div class='post-body'><p>Before the nest.</p>"
        + "<div>" * depth
        + inner
        + "</div>" * depth
        + "<p>After the nest, the end of the article.</p></div>"
        "<div class='post-footer'><span class='post-author'><span class='fn'>Ann</span></span>"
        "</div></div></body></html>"
    ).encode()


@pytest.mark.parametrize("depth", [100, 2_100, 5_000])
def test_deep_page_keeps_its_text_whole(depth):
    article = extract_article(deep_post(depth), URL)
    assert article.method == "blogger:classic"
    assert article.text == (
        "Before the nest.\n\nThe deepest sentence.\n\nAfter the nest, the end of the article."
    )
    assert article.author == "Ann"  # what follows the nest in the page is read too
    assert article.html.endswith("<p>After the nest, the end of the article.</p></div>")


def test_deep_page_without_blogger_structure_keeps_its_text():
    article = extract_unstructured(deep_post(5_000), URL)
    for sentence in ("Before the nest.", "The deepest sentence.", "After the nest"):
        assert sentence in article.text


def test_flattened_nest_keeps_paragraphs_and_drops_left_out_script_bodies():
    inner = (
        "<p>One &amp; two</p><p title='a > b'>Three</p><script>var x = '<p>no</p>';</script>"
        "<style>p{}</style><img src='/a.jpg'>Four"
    )
    article = extract_article(deep_post(5_000, inner), URL)
    assert "One & two\n\nThree\n\nFour" in article.text
    assert "var x" not in article.text
    assert "p{}" not in article.text
    assert article.images == ["http://deep.blogspot.com/a.jpg"]


def test_cap_depth_leaves_shallow_markup_alone():
    markup = "<!DOCTYPE html><html><body><p class='x'>a &lt; b<br/>c</p></body></html>"
    assert cap_depth(markup) == markup


def test_cap_depth_limits_nesting():
    tree = parse(cap_depth("<html><body>" + "<span>" * 3_000 + "x" + "</span>" * 3_000, 50))
    depth = max(sum(1 for _ in element.iterancestors()) for element in tree.iter())
    assert depth <= 52  # html and body around the 50 kept levels
    assert text_of(tree) == "x"
    assert MAX_DEPTH < 2_048  # libxml2's limit with huge_tree
