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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser


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
