"""What the ``blogger`` spider does when a server misleads it: refuse, stop, report.

Mixed into ``BloggerSpider`` (as ``IncrementalRoutes`` is). Three duties:

- **Refusals are failures.** A URL a feed or sitemap names off the blog's origins is not
  fetched, and the post it stood for is a failure of the run, with the reason
  (``goahead runs --failures``); so is a post whose redirects went round in a loop.
- **Every discovery loop stops on no progress** (:meth:`_stalled` logs and counts each stop:
  ``goahead/stopped/<route>``).
- **Nothing is left hanging at the end.** When the crawl runs dry (``spider_idle``) with the
  feed still "running" (its last page never came back, or came back unusable), the sitemap
  posts held back for it are released; posts whose redirect was dropped as a duplicate are
  reported if the URL they were sent to never answered; and a site where nothing at all
  looked like Blogger is declared not a Blogger blog (exit status 1, one line).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import CloseSpider, DontCloseSpider

from goahead_crawler.blogger import identity
from goahead_crawler.middleware.blog_gate import declare
from goahead_crawler.middleware.failures import record_failure
from goahead_crawler.spiders.redirects import RedirectLedger

if TYPE_CHECKING:
    import scrapy


class Safeguards:
    """Needs the spider's ``frontier``, ``discovery``, ``crawler``, ``logger`` and ``_stat``."""

    redirects: RedirectLedger

    def _stalled(self: Any, route: str, why: str) -> None:
        self._stat(f"stopped/{route}")
        self.logger.warning("Stopped %s: %s", route, why)

    def _refused(self: Any, url: str, source: str, reason: str) -> None:
        """A post the ``source`` names that the crawl's scope refuses: a failure, with why."""
        self._stat("posts/failed")
        self._stat("scope/refused_discovered")
        record_failure(self.crawler.stats, url, f"named by the {source}, not fetched: {reason}")
        self.logger.error("Not fetched (named by the %s): %s: %s", source, url, reason)

    def _lost(self: Any, url: str, reason: str) -> None:
        self._stat("posts/failed")
        record_failure(self.crawler.stats, url, reason)
        self.logger.error("Could not fetch %s: %s", url, reason)

    def _charset_detected(self: Any, url: str, note: str) -> None:
        if note:
            self._stat("decode/detected")
            self.logger.warning("Charset of %s: %s", url, note)

    # -- signals ---------------------------------------------------------------------------
    def request_dropped(self: Any, request: scrapy.Request, **_: Any) -> None:
        """A redirect hop the scheduler dropped as a duplicate of a URL already requested."""
        hops = request.meta.get("redirect_urls")
        if hops and request.callback == self.parse_post:
            self.redirects.dropped([self.frontier.key(u) for u in hops],
                                   self.frontier.key(request.url))

    def spider_idle(self: Any) -> None:
        """Nothing in flight: finish what was left hanging, or say why there was no blog."""
        requests = list(self._unfinished_discovery())
        if requests:
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider
        for url, reason in self.redirects.unresolved():
            self._lost(url, reason)
        if self._nothing_like_blogger():
            problem = declare(self.crawler, identity.NOT_BLOGGER)
            self.logger.info("%s: %s", self.root, problem)
            raise CloseSpider(f"blog_{identity.NOT_BLOGGER}")

    def _unfinished_discovery(self: Any) -> Iterator[scrapy.Request]:
        if self.discovery.feed_state == "running":
            self.logger.warning("The posts feed never finished; releasing the %d sitemap posts"
                                " held back for it", len(self.frontier.held))
            self._stat("feed/unfinished")
            yield from self._feed_finished("done")
        if self.discovery.sitemap_state == "pending":  # its request was dropped or lost
            self.discovery.sitemap_state = "off"
            yield from self._maybe_start_pager()

    def _nothing_like_blogger(self: Any) -> bool:
        """No Blogger feed, no post or page found by any route, no Blogger markup seen."""
        stats = self.crawler.stats
        found = sum(v for k, v in stats.get_stats().items()
                    if k.startswith(("goahead/found/", "goahead/archived/"))
                    and isinstance(v, int))
        return not (self.discovery.blogger_seen or found
                    or stats.get_value("goahead/posts/failed"))

