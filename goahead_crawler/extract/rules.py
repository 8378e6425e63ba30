"""Extraction rules as data: XPath lists per concern and template profiles.

Nothing here runs; :mod:`clean`, :mod:`metadata` and :mod:`comments` apply these lists.
A new template family is a new :class:`Profile` entry, never a new code branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree


def has_class(name: str) -> str:
    """XPath predicate body: the class attribute contains ``name`` (a substring test: a whole
    token test with concat/normalize-space costs several times more on big pages)."""
    return f"contains(@class, '{name}')"


def _words(block: str) -> tuple[str, ...]:
    """Whitespace-separated names written as a text block (long lists stay readable)."""
    return tuple(block.split())


def _first(*paths: str) -> tuple[etree.XPath, ...]:
    """An ordered list of compiled XPaths: the first one that matches wins."""
    if not paths:
        raise ValueError("empty XPath group")
    return tuple(etree.XPath(p) for p in paths)


@dataclass(frozen=True)
class Profile:
    """One template family: the post container around the body, named as data.

    ``container`` is a list of (tag or "*", class token) pairs; the body's nearest ancestor
    matching one of them is the post container, and the first profile with a match names
    the page's template family.
    """

    name: str
    container: tuple[tuple[str, str], ...]


# Every family keeps the post in div.post-body (140 of 142 real pages) or articleBody
# microdata (the fallback when no div.post-body is found); the container names the family.
POST_BODY = _first(
    "descendant::div[contains(@class, 'post-body')]",
    "descendant::*[@itemprop='articleBody']",
)
POST_BODY_CLASS = "post-body"
# Most templates give the body id="post-body-N": found in the raw text, it is an O(1) id()
# lookup instead of a scan of the tree.
POST_BODY_ID = re.compile(r"""id=["'](post-body-\d+)["']""")
BY_ID = etree.XPath("id($id)")

PROFILES: tuple[Profile, ...] = (
    # 2017 themes (Contempo, Soho, Emporio, Notable, Essential)
    Profile("contempo", (("article", "post-outer-container"),)),
    # third-party news templates (Sora, Templateify): ad slots, tickers, popular posts
    Profile("news", (("div", "item-post"), ("div", "blog-post"), ("div", "post-wrapper"))),
    # classic layouts (Minima, Simple, Awesome Inc., Picture Window, Rounders, Watermark)
    Profile("classic", (("div", "post"), ("div", "post-outer"), ("*", "hentry"))),
    # anything else with Blogger's microdata
    Profile("microdata", (("*", "post"), ("*", "blog-posts"))),
)
# The widget around all posts: the outer scope for date headers shared by several posts.
BLOG_SCOPE = (("div", "date-outer"), ("div", "Blog"), ("div", "blog-posts"), ("main", ""))

# Removed from the post body before its text is read: never content anywhere (scripts,
# embedded documents and plugins, form controls, frames).
TEMPLATE_SCRIPTS = etree.XPath("descendant::script[@type='text/template']")
ALWAYS_DROP_TAGS = _words(
    """
    script style noscript template iframe object embed applet param frame frameset noframes
    noembed form button select option textarea input keygen datalist svg link meta base
    ins
    """
)

# Removed from inside a post body: ads, share/related widgets, author boxes, jump links.
BOILERPLATE_CLASSES = frozenset(
    _words(
        """
        inline-ad adsbygoogle ad-slot advertisement ads-post share-button share-buttons
        sharing post-share post-share-buttons share-box social-share addthis_toolbox
        sharethis related-posts related-post relatedposts related_posts related-wrap
        related-content popular-posts PopularPosts zemanta-related author-box
        post-author-box about-author author-profile blog-author jump-link post-footer
        post-feeds blog-pager comments comment-form ticker breaking-news reaction-buttons
        widget post-labels date-header navbar
        """
    )
)
BOILERPLATE_IDS = frozenset(
    ("comments", "comment-form", "related-posts", "blog-pager", "related_posts")
)


@dataclass(frozen=True)
class Marks:
    """What marks an element inside a post body as boilerplate."""

    classes: frozenset[str]
    ids: frozenset[str]
    id_prefixes: tuple[str, ...]
    href_part: str  # share links


BOILERPLATE = Marks(BOILERPLATE_CLASSES, BOILERPLATE_IDS, ("adsense",), "blogger.com/share-post.g")
# Removed from a whole page before the fallback reads it: the same marks, and every Blogger
# widget but the Blog widget that holds the posts (sidebars, ad slots, popular posts), on
# any template.
PAGE_BOILERPLATE = Marks(
    BOILERPLATE_CLASSES - {"widget"}, BOILERPLATE_IDS, ("adsense",), "blogger.com/share-post.g"
)
WIDGETS = etree.XPath(f"//*[{has_class('widget')}]")
WIDGET_CLASS, BLOG_WIDGET_CLASS = "widget", "Blog"
MARKED = etree.XPath("descendant::*[@class or @id or self::a[@href]]")

# Metadata selectors as data: (tag or "*", key, attribute to read or "" for text, and a
# class the match must sit inside or ""). Keys are class tokens, "itemprop=X", "rel=X" or
# "tag:a"; they are looked up in one index of the post container (see metadata.Index).
# Tried in order; the first selector with a non-empty match wins.
Selector = tuple[str, str, str, str]
TITLE: tuple[Selector, ...] = (
    ("h3", "post-title", "", ""),
    ("h1", "post-title", "", ""),
    ("h2", "post-title", "", ""),
    ("h1", "entry-title", "", ""),
    ("h2", "entry-title", "", ""),
    ("*", "itemprop=headline", "", ""),
)
PUBLISHED: tuple[Selector, ...] = (
    ("abbr", "published", "title", ""),
    ("time", "published", "datetime", ""),
    ("*", "published", "datetime", ""),
    ("*", "published", "title", ""),
    ("*", "itemprop=datePublished", "content", ""),
    ("*", "itemprop=datePublished", "datetime", ""),
)
UPDATED: tuple[Selector, ...] = (
    ("abbr", "updated", "title", ""),
    ("time", "updated", "datetime", ""),
    ("*", "itemprop=dateModified", "content", ""),
)
DATE_SHOWN: tuple[Selector, ...] = (
    ("h2", "date-header", "", ""),
    ("*", "date-header", "", ""),
    ("abbr", "published", "", ""),
    ("time", "published", "", ""),
    ("*", "published", "", ""),
    ("*", "post-timestamp", "", ""),
    ("*", "post-date", "", ""),
    ("*", "entry-date", "", ""),
)
# Names inside the byline: all of them are the authors (a post credited to several people).
AUTHORS: tuple[Selector, ...] = (
    ("*", "fn", "", "post-author"),
    ("*", "itemprop=name", "", "post-author"),
    ("a", "tag:a", "", "post-author"),
    ("a", "tag:a", "", "entry-author"),
)
# Then the byline as a whole (its "Posted by" dropped).
AUTHOR: tuple[Selector, ...] = (
    ("*", "post-author", "", ""),
    ("*", "entry-author", "", ""),
    ("*", "itemprop=author", "", ""),
)
LABELS: tuple[Selector, ...] = (
    ("a", "rel=tag", "", "post-labels"),
    ("a", "tag:a", "", "post-labels"),
    ("a", "tag:a", "", "label-info"),
    ("a", "rel=tag", "", ""),
)
# Lines that may show the date in templates without a date class; taken only when the text
# reads as a date (Google's own blogs: ``p.post-subhead`` holds the date, then the labels).
DATE_SHOWN_GUESSED: tuple[Selector, ...] = (
    ("*", "post-subhead", "", ""),
    ("*", "post-header", "", ""),
    ("*", "byline", "", ""),
    ("*", "post-meta", "", ""),
)
# Google's own blogs write the byline at the top of the body: "Posted by ...".
BODY_BYLINE = etree.XPath(f".//*[{has_class('byline-author')}]")
# Everything an index of the container needs to see (one scan).
INDEXED = etree.XPath("descendant::*[@class or @itemprop or @rel or self::a]")
# The shared date header sits outside the post (h2.date-header in div.date-outer).
DATE_HEADER_OUTSIDE = etree.XPath(f".//h2[{has_class('date-header')}]")
# A custom template's post title may be a bare heading in the post container (Google's
# own blogs: ``<div class='post'><a name=N></a><h3><a href=...>Title</a></h3>``), before
# the page's <title>, which adds the blog's name.
CONTAINER_HEADING = _first("./h3", "./h2", "./h1", "./*[@class or @id]/h3")
TITLE_HEAD = _first(
    "/html/head/meta[@property='og:title']/@content",
    "/html/head/meta[@name='twitter:title']/@content",
)
PAGE_TITLE = etree.XPath("/html/head/title")
HEAD_META = {
    "published": etree.XPath("/html/head/meta[@property='article:published_time']/@content"),
    "updated": etree.XPath("/html/head/meta[@property='article:modified_time']/@content"),
    "author": etree.XPath(
        "/html/head/meta[translate(@name, 'AUTHOR', 'author')='author']/@content"
    ),
}
# Searched in the container (the body is detached by then), then on the body itself.
POST_ID = _first(
    ".//meta[@itemprop='postId']/@content",
    ".//a[@name]/@name",
    ".//a[contains(@href, 'postID=')]/@href",
    ".//*[@data-post-id]/@data-post-id",
    "./@id",
)
# The post's id where the page, not the post container, states it: the post's comments
# feed in <head> (item and static pages only), the comment form's iframe link.
PAGE_POST_ID = _first(
    "/html/head/link[@rel='alternate'][contains(@href, '/comments/default')]/@href",
    "id('comment-editor-src')/@href",
    "id('comment-editor')/@src",
)
BLOG_ID = _first(
    ".//meta[@itemprop='blogId']/@content",
    "/html/head/link[@rel='service.post']/@href",
)
JSON_LD = etree.XPath("/html/head/script[@type='application/ld+json']/text()")
HTML_LANG = etree.XPath("/html/@lang")

# Comments live under id('comments'): classic lists and the threaded (2013+) layout.
COMMENTS_ROOT = etree.XPath("id('comments')")
COMMENT_BLOCKS = _first(
    "id('comments-block')[self::dl]",
    f".//div[{has_class('comment-thread')}] | .//ol[{has_class('comment-thread')}]",
)
COMMENT_COUNT_TEXT = _first("./h4", f"./*[{has_class('title')}]", "./h3")
THREADED_COMMENT = etree.XPath(f".//li[{has_class('comment')}]")
# One comment's author (cite.user), date (.datetime) and text (.comment-content), not its
# replies (those sit in div.comment-replies, further down the same li).
THREADED_PARTS = etree.XPath(
    "./div[not(contains(@class, 'comment-replies'))]//*[contains(@class, 'user')"
    " or contains(@class, 'datetime') or contains(@class, 'comment-content')]"
)

# Elements that start a new paragraph when text is laid out.
BLOCK_TAGS = frozenset(
    _words(
        """
        p div h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody tfoot tr td th caption
        blockquote pre figure figcaption section article header footer aside nav address
        center hr main details summary
        """
    )
)
# Tags kept in the cleaned HTML (everything else is unwrapped); attributes kept on them.
HTML_KEEP_TAGS = frozenset(
    _words(
        """
        p h1 h2 h3 h4 h5 h6 ul ol li table thead tbody tr td th caption blockquote pre code
        a img br em strong b i u sub sup figure figcaption hr dl dt dd
        """
    )
)
# Set on the link an embedded video becomes (:mod:`video`): content, not a link of a "more
# posts" list for :func:`text.drop_link_list_tail`; not a kept attribute, so never stored.
VIDEO_LINK_ATTR = "data-goahead-video"
HTML_KEEP_ATTRS = frozenset({"href", "src", "alt", "title", "dir"})
# ``dir`` is kept only as "rtl": Arabic, Hebrew and Persian posts (Blogger's editor wraps
# them in ``<div dir="rtl">``) read right to left; "ltr" is every page's default.
KEPT_DIRECTIONS = frozenset({"rtl"})
# URL attributes kept in the cleaned HTML, on which tag, with which schemes: links to web
# pages and mail addresses, images from the web. Anything else (javascript:, data:,
# vbscript:, file:, a URL attribute on another tag) is removed; an image without a source
# goes with it. Relative URLs are resolved against the page first.
WEB_SCHEMES = frozenset({"http", "https"})
LINK_SCHEMES = WEB_SCHEMES | {"mailto"}
URL_ATTRIBUTES: dict[str, dict[str, frozenset[str]]] = {
    "href": {"a": LINK_SCHEMES},
    "src": {"img": WEB_SCHEMES},
}
# Invisible characters dropped from the text: zero-width space, word joiner, BOM, soft
# hyphen. Not the zero-width (non-)joiners: Persian writes words with ZWNJ (می‌نویسم),
# emoji sequences and Indic conjuncts need ZWJ; search folds them all away on its own.
ZERO_WIDTH = "\u200b\u2060\ufeff\u00ad"
# A trailing list of links is cut when it has this many link paragraphs and real prose
# (this many characters outside links) comes before it.
LINK_TAIL_MIN_PARAGRAPHS = 5
LINK_TAIL_MIN_PROSE = 300
LINK_TAIL_HEADING_CHARS = 80  # a short "More posts:" line right before the list goes too
