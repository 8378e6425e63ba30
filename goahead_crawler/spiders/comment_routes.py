"""Reader comments: the ``blogger`` spider's side.

Mixed into ``BloggerSpider``. A post's comments come from its page when the page shows as
many as the feed (or the page) counts, else from the post's comments feed, paged until it
brings no comment not seen before (:func:`~goahead_crawler.blogger.comment_feed.comments_source`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from goahead_crawler.blogger.comment_feed import (
    comments_feed_url,
    comments_from_feed,
    comments_source,
    feed_blog_id,
)
from goahead_crawler.blogger.feed import FeedEntry, FeedError, next_start_index, parse_feed
from goahead_crawler.blogger.urls import names_order
from goahead_crawler.extract.article import Article
from goahead_crawler.items import PostComments


class CommentRoutes:
    """Everything here reads the spider's ``root``, ``discovery`` and stall checks."""

    def _comments(self: Any, article: Article, entry: FeedEntry | None, blog_id: str,
                  post_id: str) -> Iterator[Any]:
        expected = entry.comment_count if entry else article.comment_count
        source = comments_source(expected, len(article.comments),
                                 feed_on=self.discovery.feed_state != "off")
        if source == "feed":
            self._stat("comments/feed_requests")
            yield self._comments_request(blog_id, post_id, 1, frozenset())
        elif source == "page":
            self._stat("comments/from_page", len(article.comments))
            yield PostComments(blog_id, post_id, list(article.comments), source="page")

    def _comments_request(self: Any, blog_id: str | None, post_id: str, start: int,
                          seen: frozenset[str], source: str = "comments") -> scrapy.Request:
        """A page of the post's comments feed; ``blog_id`` None: the feed's own (a post
        whose page this run did not fetch, ``source`` :data:`NEW_COMMENTS`)."""
        return scrapy.Request(
            comments_feed_url(self.root, post_id, start), callback=self.parse_comments_feed,
            errback=self.comments_failed, meta={"goahead_source": source},
            cb_kwargs={"blog_id": blog_id, "post_id": post_id, "start": start, "seen": seen},
        )

    def parse_comments_feed(self: Any, response: Response, blog_id: str | None, post_id: str,
                            start: int = 1, seen: frozenset[str] = frozenset()
                            ) -> Iterator[Any]:
        try:
            page = parse_feed(response.body)
        except FeedError as exc:
            self._stat("comments/errors")
            self.logger.warning("Unusable comments feed %s: %s", response.url, exc)
            return
        comments = comments_from_feed(page)
        self._stat("comments/from_feed", len(comments))
        self._stat("comments/entries_skipped", len(page.skipped))
        owner = blog_id or feed_blog_id(page) or self.discovery.blog_id
        if owner is None:
            self._stat("comments/errors")
            self.logger.warning("Comments feed %s names no blog id: its %d comments are not"
                                " stored", response.url, len(comments))
            return
        yield PostComments(owner, post_id, comments, source="feed")
        ids = frozenset(c["comment_id"] for c in comments)
        following = self._unless_stalled("comments", next_start_index(page, start),
                                         len(ids - seen), response.url)
        if following is not None and len(seen | ids) >= self.max_post_comments:
            self._stalled("comments", f"{response.url}: {len(seen | ids):,} comments read,"
                                      f" the most one post's are"
                                      f" ({self.max_post_comments:,}, GOAHEAD_MAX_POST_COMMENTS);"
                                      f" its total says {page.total}")
            following = None
        if following is not None and not names_order(response.url):
            # asked without orderby (queued by a version before, --resume): its pages
            # and the ordered ones that would follow do not tile; read it again in order
            following, ids, seen = 1, frozenset(), frozenset()
        if following is not None:
            yield self._comments_request(blog_id, post_id, following, seen | ids,
                                         response.meta.get("goahead_source", "comments"))

    def comments_failed(self: Any, failure: Failure) -> None:
        self._stat("comments/errors")
        self.logger.warning("Comments feed %s failed: %s", failure.request.url, failure.value)
