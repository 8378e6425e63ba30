"""``RobotsTxt``: Scrapy's ``RobotsTxtMiddleware``, with every request that waits for a
host's robots.txt getting its rules.

Since Scrapy 2.13 (scrapy/scrapy#6802) the requests that reach a host while its robots.txt
is being fetched all await one Deferred, each through ``maybe_deferred_to_future``. A
Deferred passes its result down one chain: the first waiter gets the parser, and the
callback that hands it over returns None, which every later waiter then gets, and Scrapy
reads None as "no robots.txt: everything allowed". A crawl asking a CDN for several images
at once fetched a robots.txt-disallowed one (tests/test_images_crawl.py, about one run in
five on a busy machine). Here each waiter chains a Deferred of its own that passes the
parser on and returns it, as Scrapy's own code did before 2.13.

A robots.txt is read to its first :data:`MAX_ROBOTS_BYTES` (RFC 9309 section 2.5 lets a
crawler stop at 500 KiB, as Google does): Protego scans every rule for every request, and a
10 MB file took 4 s to parse and 0.11 s a request to check (64 MB: half a minute, then most
of a second a request, the reactor blocked throughout).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)
MAX_ROBOTS_BYTES = 500 * 1024


def robots_head(body: bytes, limit: int = MAX_ROBOTS_BYTES) -> bytes:
    """The part of a robots.txt read: up to ``limit`` bytes, cut after the last whole line
    (a rule cut in two would read as another rule). A line ends in ``\n``, ``\r\n`` or
    a lone ``\r`` (RFC 9309 section 2.2: old Mac files end every line in ``\r``; cut at
    ``\n`` only, such a file would read as empty, everything allowed)."""
    if len(body) <= limit:
        return body
    head = body[:limit]
    return head[:max(head.rfind(b"\n"), head.rfind(b"\r")) + 1]


class RobotsTxt(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        fetching = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(fetching, Deferred):
            return await super().robot_parser(request)
        mine: Deferred[RobotParser | None] = Deferred()

        def pass_on(parser: RobotParser | None) -> RobotParser | None:
            mine.callback(parser)
            return parser  # for the next waiter

        fetching.addCallback(pass_on)
        return await maybe_deferred_to_future(mine)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        head = robots_head(response.body)
        if len(head) < len(response.body):
            self._stats.inc_value("goahead/robots/truncated")
            logger.warning("%s is %d bytes: its first %d are read, the rest ignored (RFC 9309"
                           " lets a crawler stop at 500 KiB)", response.url,
                           len(response.body), len(head))
            response = response.replace(body=head)
        await super()._parse_robots(response, netloc, request)
