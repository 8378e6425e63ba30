"""Reader comments: when a post's comments feed is needed, the feeds' URLs, and their
entries as comment rows. Pure.

Most templates render a post's comments on the post page, so they cost no request. The
per-post comments feed (``/feeds/POSTID/comments/default``) is fetched only when the page
shows fewer comments than the posts feed counted (``thr$total``): Blogger pages long threads
("Load more...") and some templates render none.

A new comment does not change its post's ``updated``, so an incremental run (which fetches
only changed posts) reads the blog-wide comments feed (``/feeds/comments/default``) since
its base time to learn which posts have new comments (:func:`commented_posts`), then
fetches those posts' own comments feeds, marked :data:`NEW_COMMENTS` in the WARC: the
rebuild stores such a capture as it is, with no page capture to hang it on.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree, html

from goahead_crawler.blogger.feed import FeedPage
from goahead_crawler.blogger.urls import feed_page_url

# Blogger's per-request cap on comment feeds is the posts feed's; ask for the most.
COMMENTS_PAGE_SIZE = 150
# The most comments read from one post's comments feed: a feed that names new comments at
# every start-index, behind a total of a billion, stores "progress" at every page for ever.
# Far past any Blogger post's thread (a popular one has a few thousand).
MAX_POST_COMMENTS = 50_000
BLOG_COMMENTS_PATH = "/feeds/comments/default"
# goahead-source of a post's comments feed fetched because the blog-wide feed named a new
# comment on it, its page not fetched in that run (crawl and rebuild share the name)
NEW_COMMENTS = "comments-new"
_COMMENTS_FEED = re.compile(r"^/feeds/(\d+)/comments/default$")


def needs_comments_feed(expected: int | None, on_page: int) -> bool:
    """Fetch the comments feed only when the feed counted more comments than the page shows."""
    return expected is not None and expected > on_page


def comments_source(expected: int | None, on_page: int, feed_on: bool) -> str | None:
    """Where a fetched post's comments are taken from: ``"feed"`` (its comments feed, when
    the page shows fewer than counted and the blog has a feed), ``"page"``, or None (no
    comments to store). The crawl decides with this, and the rebuild from WARC with it."""
    if needs_comments_feed(expected, on_page) and feed_on:
        return "feed"
    return "page" if on_page else None


def comments_feed_post_id(url: str) -> str | None:
    """The post id of a comments-feed URL (``/feeds/POSTID/comments/default``), or None."""
    match = _COMMENTS_FEED.match(urlsplit(url).path)
    return match.group(1) if match else None


def comments_feed_url(root: str, post_id: str, start_index: int = 1,
                      max_results: int = COMMENTS_PAGE_SIZE) -> str:
    """The post's comments feed on the blog's own host, as JSON."""
    return feed_page_url(root, start_index, max_results,
                         path=f"/feeds/{post_id}/comments/default")


def blog_comments_url(root: str, since: str, start_index: int = 1,
                      max_results: int = COMMENTS_PAGE_SIZE) -> str:
    """A page of the blog-wide comments feed, the comments updated since ``since`` (RFC
    3339; ``updated-min`` works only with ``orderby=updated``)."""
    return feed_page_url(root, start_index, max_results, path=BLOG_COMMENTS_PATH,
                         orderby="updated", **{"updated-min": since})


def commented_posts(page: FeedPage) -> tuple[dict[str, str | None], int]:
    """The posts a page of the blog-wide comments feed names (post id -> its page URL: the
    reply's ``href``, else the comment's own link, ``POST?showComment=...#c...``; None when
    it has neither), and how many entries named no post (their ``thr:in-reply-to`` missing
    or not a Blogger post id)."""
    posts: dict[str, str | None] = {}
    unnamed = 0
    for entry in page.entries:
        if entry.reply_to is None:
            unnamed += 1
        elif posts.get(entry.reply_to) is None:
            posts[entry.reply_to] = entry.reply_url or entry.url or None
    return posts, unnamed


def feed_blog_id(page: FeedPage) -> str | None:
    """The blog id of a comments feed page: its own id, else its first entry's."""
    return page.blog_id or next((e.blog_id for e in page.entries if e.blog_id), None)


def html_to_text(fragment: str) -> str:
    """Comment bodies are small HTML fragments (``<br />``, links): keep their text lines."""
    if not fragment.strip():
        return ""
    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return fragment.strip()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def comments_from_feed(page: FeedPage) -> list[dict]:
    """``[{"comment_id", "author", "published", "text"}]`` from a parsed comments feed page."""
    return [
        {
            "comment_id": entry.post_id,
            "author": entry.author,
            "published": entry.published,
            "text": html_to_text(entry.content_html or entry.summary or ""),
        }
        for entry in page.entries
    ]
