"""Pure article extraction from Blogger post pages.

``extract_article(html, url, feed_entry=None, content_type=None) -> Article``: one parse,
Blogger's own structure first (template profiles in :mod:`rules`); a page without it takes
the feed's content when the feed has some, else trafilatura's guess (:mod:`fallback`). Only
the post container, ``<head>`` and ``id('comments')`` are searched after the body is found,
which keeps the cost near one bare parse. Whatever the source, the body is cleaned the same
way (:mod:`clean`): text, safe HTML (http, https and mailto links, http(s) images), images
and outlinks. Imports neither Scrapy nor click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from goahead_crawler.blogger.images import element_images
from goahead_crawler.extract import clean, fallback, metadata, rules, text, video
from goahead_crawler.extract.article import Article
from goahead_crawler.extract.comments import comment_count, extract_comments
from goahead_crawler.extract.find import Located, locate_post, page_scope

if TYPE_CHECKING:
    from lxml import etree

    from goahead_crawler.blogger.feed import FeedEntry

__all__ = ["Article", "Located", "extract_article", "extract_unstructured", "locate_post"]
Locator = Callable[["etree._Element", str], Located | None]


def extract_article(
    html: bytes,
    url: str,
    feed_entry: FeedEntry | None = None,
    content_type: str | None = None,
) -> Article:
    """The post on a Blogger page: clean text and HTML, metadata, comments.

    ``content_type`` is the HTTP ``Content-Type`` header the page came with (its charset
    decides the decoding, as in Scrapy's ``response.text``); None for a saved file."""
    decoded = clean.decode_page(html, content_type)
    article = _extract_text(decoded.text, url, feed_entry, locate_post)
    if decoded.declared:
        article.charset_note = f"decoded as {decoded.encoding}, not the declared {decoded.declared}"
    return article


def extract_unstructured(html: bytes, url: str) -> Article:
    """The article as a page without Blogger's structure gives it (the structure finder
    switched off): how an unfamiliar template fares. For measuring the fallback."""
    return _extract_text(clean.decode(html), url, None, lambda root, page_text: None)


def _extract_text(
    page_text: str, url: str, feed_entry: FeedEntry | None, locate: Locator
) -> Article:
    try:
        return _extract(page_text, url, feed_entry, locate)
    except ValueError as error:  # lxml refuses to write text holding control characters
        if "XML compatible" not in str(error):
            raise
        return _extract(clean.without_control_characters(page_text), url, feed_entry, locate)


def _extract(page_text: str, url: str, feed_entry: FeedEntry | None, locate: Locator) -> Article:
    root = clean.parse(page_text)
    comments = extract_comments(root)
    found = locate(root, page_text)
    article = _metadata(found or page_scope(root), root, page_text, url)
    article.comments, article.comment_count = comments, comment_count(root, comments)
    _fill_body(article, found, page_text, feed_entry, url)
    article.author = article.author or metadata.author_in_text(article.text)
    if feed_entry is not None:
        _apply_feed(article, feed_entry)
    article.language = metadata.language(article.text, root, page_text)
    article.word_count = metadata.word_count(article.text)
    return article


def _metadata(found: Located, root: etree._Element, page_text: str, url: str) -> Article:
    """Metadata from the page: the post container (indexed once), ``<head>``, JSON-LD."""
    index = metadata.Index(found.container)
    ld = metadata.json_ld(root)
    post = found.method != "fallback"  # a Blogger post container, not the whole page
    shown = metadata.date_shown(index, found.outer, found.body, guess=post)
    return Article(
        title=metadata.title(index, root, ld, found.container if post else None),
        author=metadata.author(index, root, ld, found.body),
        published=metadata.published(index, root, ld, shown, url),
        updated=metadata.updated(index, root, ld),
        date_header=shown,
        labels=metadata.labels(index),
        post_id=metadata.post_id([found.container, found.body], root),
        blog_id=metadata.blog_id(page_text, [found.container]),
        method=found.method,
    )


def _fill_body(
    article: Article, found: Located | None, page_text: str, entry: FeedEntry | None, url: str
) -> None:
    """Where the article's content comes from, decided here only, best first: the page's
    Blogger body (what readers saw); the feed's content when that body is empty (rendered by
    JavaScript: Dynamic Views) or missing (an unfamiliar template: the feed holds the
    author's own HTML, where anything read off the page is a guess); trafilatura's guess."""
    if found is not None:
        _fill_content(article, found.body, url)
        if _has_content(article):
            return
    if entry is not None and entry.content_html:
        _fill_content(article, _feed_body(entry.content_html), url)
        if _has_content(article):
            article.method = "feed"
            return
    if found is None:
        _fill_content(article, fallback.find_body(page_text, url), url)


def _has_content(article: Article) -> bool:
    return bool(article.text or article.images)


def _feed_body(content_html: str) -> etree._Element:
    root = clean.parse(f"<html><body><div>{content_html}</div></body></html>")
    body = root.find("body/div")
    return root if body is None else body


def _fill_content(article: Article, body: etree._Element, url: str) -> None:
    """Text, HTML, images and links of the body, boilerplate pruned first."""
    clean.inline_templates(body)
    clean.show_lazy_images(body, url)
    video.videos_as_links(body, url)  # before the players are pruned: a clip is content
    clean.prune_tags(body, rules.ALWAYS_DROP_TAGS)
    clean.prune_marked(body, rules.BOILERPLATE)
    article.images = clean.absolute_urls(body.xpath(".//img/@src"), url)
    article.image_urls = element_images(body, url)
    article.outlinks = clean.absolute_urls(body.xpath(".//a/@href"), url)
    article.text = text.finish(text.layout(body))
    article.html = clean.clean_html(body, url, remove=text.MARKERS)


def _apply_feed(article: Article, entry: FeedEntry) -> None:
    """The feed is the authority for every field it states (its content is weighed in
    :func:`_fill_body`)."""
    article.title = entry.title or article.title
    article.author = entry.author or article.author
    article.published = entry.published or article.published
    article.updated = entry.updated or article.updated
    article.labels = list(entry.labels) or article.labels
    article.post_id = entry.post_id or article.post_id
    article.blog_id = entry.blog_id or article.blog_id
    if entry.comment_count is not None:
        article.comment_count = entry.comment_count
