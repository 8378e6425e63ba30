"""New comments on posts an incremental run does not fetch: the ``blogger`` spider's side.

A new comment leaves its post's ``updated`` as it was, so the incremental posts feed never
names the post again. Mixed into ``BloggerSpider``; inert unless the run is incremental
and stores comments:

1. at the start, the blog-wide comments feed since the run's base time
   (``/feeds/comments/default?orderby=updated&updated-min=SINCE``), paged like the posts
   feed and stopped the same way when a page brings no comment not seen before; an
   unchanged blog costs this one request;
2. once discovery is over (the spider idle, every post request answered), each archived
   live post it named whose page this run did not fetch gets its own comments feed
   fetched (``goahead-source: comments-new``), stored as a fetched post's would be. The
   WARC holds that capture, so the rebuild stores it too (``rebuild/history.py``).

A blog whose comments feed is off (404/410) or forbidden by robots.txt is said in the log
and skipped; the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from goahead_crawler.blogger.comment_feed import (
    NEW_COMMENTS,
    blog_comments_url,
    commented_posts,
)
from goahead_crawler.blogger.feed import FeedError, next_start_index, parse_feed

GONE = (404, 410)


class NewCommentRoutes:
    """State: ``commented`` (post id -> page URL, from the blog-wide feed), the comment
    ids it named, and ``comments_read`` (the posts whose page this run fetched)."""

    blog_comments_state = "off"  # off | running | done
    new_comments_asked = False
    commented: dict[str, str | None]
    blog_comment_ids: set[str]
    comments_read: set[str]

    def _new_comments_start(self: Any) -> Iterator[scrapy.Request]:
        if not self.comments_enabled or self.previous is None:
            return
        self.blog_comments_state = "running"
        yield self._blog_comments_request(1)

    def _blog_comments_request(self: Any, start: int) -> scrapy.Request:
        self._stat("comments/blog_feed_pages")
        return scrapy.Request(
            blog_comments_url(self.root, self.previous.since, start, self.page_size),
            callback=self.parse_blog_comments, errback=self.blog_comments_failed,
            meta={"goahead_source": "blog-comments", "goahead_start": start})

    def parse_blog_comments(self: Any, response: Response) -> Iterator[scrapy.Request]:
        start = response.meta.get("goahead_start", 1)
        try:
            page = parse_feed(response.body)
        except FeedError as exc:
            self._blog_comments_lost(f"unusable page {response.url}: {exc}")
            return
        posts, unnamed = commented_posts(page)
        unnamed += len(page.skipped)
        if unnamed:
            self._stat("comments/blog_feed_unnamed", unnamed)
            self.logger.warning("%d entries of the blog's comments feed page %s name no"
                                " post: their comments are not looked for", unnamed,
                                response.url)
        for post_id, url in posts.items():
            if self.commented.get(post_id) is None:
                self.commented[post_id] = url
        ids = {e.post_id for e in page.entries} | {s.name for s in page.skipped}
        new, self.blog_comment_ids = ids - self.blog_comment_ids, self.blog_comment_ids | ids
        self._stat("comments/blog_feed_entries", len(page.entries))
        following = self._unless_stalled("blog-comments", next_start_index(page, start),
                                         len(new), response.url)
        if following is not None and self.previous is None:  # a resumed job: see idle
            following = None
        if following is not None and len(self.blog_comment_ids) >= self.max_blog_comments:
            self._blog_comments_lost(
                f"{len(self.blog_comment_ids):,} comments read since the last run, the most"
                f" a run reads ({self.max_blog_comments:,}, GOAHEAD_MAX_BLOG_COMMENTS); its"
                f" total says {page.total}")
            return
        if following is None:
            self.blog_comments_state = "done"
            return
        yield self._blog_comments_request(following)

    def blog_comments_failed(self: Any, failure: Failure) -> None:
        status = failure.value.response.status if failure.check(HttpError) else None
        self.blog_comments_state = "done"
        if status in GONE:
            self._stat("comments/blog_feed_off")
            self.logger.info("The blog's comments feed answers %s (switched off): new"
                             " comments on posts this run does not fetch are not looked"
                             " for", status)
        elif failure.check(IgnoreRequest) and status is None:
            self.logger.info("The blog's comments feed was not fetched (%s): new comments"
                             " on posts this run does not fetch are not looked for",
                             failure.value or "robots.txt")
        else:
            self._blog_comments_lost(f"{failure.request.url} failed: {failure.value}")

    def _blog_comments_lost(self: Any, why: str) -> None:
        self._stat("comments/errors")
        self.blog_comments_state = "done"
        self.logger.warning("The blog's comments feed: %s; new comments on posts this run"
                            " does not fetch may be missed", why)

    def _new_comments_not_resumed(self: Any) -> list[scrapy.Request]:
        """Said, not fetched: which old posts had new comments is not kept across
        ``--resume`` (nor the archived posts to check them against); the next
        incremental run's blog-wide comments feed names them again."""
        if self.commented:
            self._stat("comments/new_not_resumed", len(self.commented))
            self.logger.warning(
                "New comments on %d posts named by the blog's comments feed are not fetched"
                " by a resumed job; the next incremental run looks for them again",
                len(self.commented))
        return []

    def _new_comments_idle(self: Any) -> list[scrapy.Request]:
        """Once discovery is over: each archived live post the blog-wide feed named, its
        page not fetched by this run, gets its comments feed asked for (once a run)."""
        if self.blog_comments_state == "off" or self.new_comments_asked:
            return []  # (idle: nothing in flight, what the feed named is all it will)
        self.new_comments_asked = True
        if self.previous is None:  # a resumed job answering a page its queue kept: the
            return self._new_comments_not_resumed()  # archive it compares with is not read

        requests = []
        for post_id, url in sorted(self.commented.items()):
            key = self.frontier.key(url) if url else None
            if key in self.comments_read:
                self._stat("comments/new_on_fetched")
            elif key is None or key not in self.previous.live_posts or key in self.ledger.gone:
                self._stat("comments/new_not_archived")
                self.logger.info("New comments on post %s (%s), which the archive does not"
                                 " hold: not fetched", post_id, url or "no link")
            else:
                self._stat("comments/new_posts")
                requests.append(self._comments_request(None, post_id, 1, frozenset(),
                                                       source=NEW_COMMENTS))
        return requests
