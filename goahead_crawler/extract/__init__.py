"""Pure article extraction from Blogger post pages.

``extract_article(html, url, feed_entry=None, content_type=None) -> Article``: one parse, Blogger's
own structure first (template profiles in :mod:`rules`), a density-based fallback otherwise.
Only the post container, ``<head>`` and ``id('comments')`` are searched after the body is
found, which keeps the cost near one bare parse. Imports neither Scrapy nor click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from goahead_crawler.extract import clean, metadata, rules, text
from goahead_crawler.extract.article import Article
from goahead_crawler.extract.comments import comment_count, extract_comments
from goahead_crawler.extract.find import Located, locate_post

if TYPE_CHECKING:
    from lxml import etree

    from goahead_crawler.blogger.feed import FeedEntry

__all__ = ["Article", "Located", "extract_article", "locate_post"]


def extract_article(
    html: bytes,
    url: str,
    feed_entry: FeedEntry | None = None,
    content_type: str | None = None,
) -> Article:
    """The post on a Blogger page: clean text and HTML, metadata, comments.

    ``content_type`` is the HTTP ``Content-Type`` header the page came with (its charset
    decides the decoding, as in Scrapy's ``response.text``); None for a saved file."""
    page_text = clean.decode(html, content_type)
    try:
        return _extract(page_text, url, feed_entry)
    except ValueError as error:  # lxml refuses to write text holding control characters
        if "XML compatible" not in str(error):
            raise
        return _extract(clean.without_control_characters(page_text), url, feed_entry)


def _extract(page_text: str, url: str, feed_entry: FeedEntry | None) -> Article:
    root = clean.parse(page_text)
    comments = extract_comments(root)
    found = locate_post(root, page_text)
    article = _metadata(found, root, page_text)
    article.comments, article.comment_count = comments, comment_count(root, comments)
    _fill_content(article, found, url)
    if feed_entry is not None:
        _apply_feed(article, feed_entry, url)
    article.language = metadata.language(article.text, root)
    article.word_count = metadata.word_count(article.text)
    return article


def _metadata(found: Located, root: etree._Element, page_text: str) -> Article:
    """Metadata from the page: the post container (indexed once), ``<head>``, JSON-LD."""
    index = metadata.Index(found.container)
    ld = metadata.json_ld(root)
    shown = metadata.date_shown(index, found.outer, found.body)
    return Article(
        title=metadata.title(index, root, ld),
        author=metadata.author(index, root, ld),
        published=metadata.published(index, root, ld, shown),
        updated=metadata.updated(index, root, ld),
        date_header=shown,
        labels=metadata.labels(index),
        post_id=metadata.post_id([found.container, found.body]),
        blog_id=metadata.blog_id(page_text, [found.container]),
        method=found.method,
    )


def _fill_content(article: Article, found: Located, url: str) -> None:
    """Text, HTML, images and links of the body, boilerplate pruned first."""
    body = found.body
    clean.inline_templates(body)
    clean.prune_tags(body, rules.ALWAYS_DROP_TAGS)
    clean.prune_marked(body, rules.BOILERPLATE)
    article.images = clean.absolute_urls(body.xpath(".//img/@src"), url)
    article.outlinks = clean.absolute_urls(body.xpath(".//a/@href"), url)
    article.text = text.finish(text.layout(body))
    article.html = clean.clean_html(body, url, remove=text.MARKERS)


def _apply_feed(article: Article, entry: FeedEntry, url: str) -> None:
    """The feed is the authority for everything it states; its content stands in for a body
    the page renders with JavaScript (Dynamic Views: empty in the HTML)."""
    if not article.text and entry.content_html:
        root = clean.parse(f"<html><body><div>{entry.content_html}</div></body></html>")
        body = root.find("body/div")
        if body is not None:
            _fill_content(article, Located(body, body, root, "feed"), url)
            article.method = "feed"
    article.title = entry.title or article.title
    article.author = entry.author or article.author
    article.published = entry.published or article.published
    article.updated = entry.updated or article.updated
    article.labels = list(entry.labels) or article.labels
    article.post_id = entry.post_id or article.post_id
    article.blog_id = entry.blog_id or article.blog_id
    if entry.comment_count is not None:
        article.comment_count = entry.comment_count
