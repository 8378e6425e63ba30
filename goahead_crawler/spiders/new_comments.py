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

A job stopped early (SIGTERM, Ctrl-C, CloseSpider) and ``--resume``d carries on: what this
side knows (the feed's cut-off, the posts it named, those whose page the job fetched,
whether step 2 was taken) is kept in the JOBDIR with the rest of ``spider.state``
(:meth:`NewCommentRoutes._new_comments_snapshot`); the resumed job pages on from its queue
and takes step 2 against the posts the archive holds live then. Forgotten, they were lost:
the resumed run is the next run's base from when the job began, so the next blog-wide
feed starts past comments the stopped job had been told of. A killed job (SIGKILL) keeps
no queue nor state; its resumption is a full crawl: every post page is fetched again
(but those the killed process archived, their comments taken then), comments with them.
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
    """State: ``comments_since`` (the blog-wide feed's ``updated-min``), ``commented``
    (post id -> page URL, from that feed), the comment ids it named, and ``comments_read``
    (the posts whose page this run fetched); kept across ``--resume``."""

    blog_comments_state = "off"  # off | running | done
    new_comments_asked = False
    comments_since: str | None = None  # None: no blog-wide feed asked for by this job
    commented: dict[str, str | None]
    blog_comment_ids: set[str]
    comments_read: set[str]

    def _new_comments_start(self: Any) -> Iterator[scrapy.Request]:
        if not self.comments_enabled or self.previous is None:
            return
        self.blog_comments_state = "running"
        self.comments_since = self.previous.since
        yield self._blog_comments_request(1)

    def _new_comments_snapshot(self: Any) -> dict[str, Any]:
        """For ``spider.state`` (pickled in the JOBDIR): nothing when this job read no
        blog-wide comments feed (a full crawl's posts, fetched, are not kept twice)."""
        if self.blog_comments_state == "off":
            return {}
        return {"since": self.comments_since, "state": self.blog_comments_state,
                "asked": self.new_comments_asked, "commented": dict(self.commented),
                "ids": sorted(self.blog_comment_ids), "read": sorted(self.comments_read)}

    def _new_comments_restore(self: Any, saved: dict[str, Any]) -> None:
        """A resumed job's side, as the stopped job left it (:meth:`_new_comments_snapshot`)."""
        if not saved.get("since"):
            return
        self.comments_since, self.blog_comments_state = saved["since"], saved["state"]
        self.new_comments_asked = bool(saved.get("asked"))
        self.commented = dict(saved.get("commented", {}))
        self.blog_comment_ids = set(saved.get("ids", ()))
        self.comments_read = set(saved.get("read", ()))

    def _blog_comments_request(self: Any, start: int) -> scrapy.Request:
        self._stat("comments/blog_feed_pages")
        return scrapy.Request(
            blog_comments_url(self.root, self.comments_since, start, self.page_size),
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
        if following is not None and self.comments_since is None:  # resumed, unknown
            following = None  # cut-off (a job dir of an older goahead): see idle
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
        """Said, not fetched: a job dir written before this side was kept in it (no
        cut-off saved) left a page of the blog-wide feed in the queue; what it names is
        not known to be missing, and the next run's feed may start past it."""
        if self.commented:
            self._stat("comments/new_not_resumed", len(self.commented))
            self.logger.warning(
                "New comments on %d posts named by the blog's comments feed are not fetched"
                " by this resumed job (its job dir does not say since when the feed was"
                " read): crawl again with --full to be sure of them", len(self.commented))
        return []

    def _new_comments_idle(self: Any) -> list[scrapy.Request]:
        """Once discovery is over: each archived live post the blog-wide feed named, its
        page not fetched by this run, gets its comments feed asked for (once a run)."""
        if self.blog_comments_state == "off" or self.new_comments_asked:
            return []  # (idle: nothing in flight, what the feed named is all it will)
        self.new_comments_asked = True
        if self.comments_since is None:  # a resumed job answering a page its queue kept,
            return self._new_comments_not_resumed()  # its job dir from an older goahead

        requests, live = [], self._archived_live()
        for post_id, url in sorted(self.commented.items()):
            key = self.frontier.key(url) if url else None
            if key in self.comments_read:
                self._stat("comments/new_on_fetched")
            elif key is None or key not in live or key in self.ledger.gone:
                self._stat("comments/new_not_archived")
                self.logger.info("New comments on post %s (%s), which the archive does not"
                                 " hold: not fetched", post_id, url or "no link")
            else:
                self._stat("comments/new_posts")
                requests.append(self._comments_request(None, post_id, 1, frozenset(),
                                                       source=NEW_COMMENTS))
        return requests
