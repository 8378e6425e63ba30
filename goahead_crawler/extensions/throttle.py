"""``DelayFloorThrottle``: Scrapy's AutoThrottle that never waits less than the delay.

Scrapy's AutoThrottle keeps its delay between ``DOWNLOAD_DELAY`` and
``AUTOTHROTTLE_MAX_DELAY`` (30 s), the ceiling winning: a delay of 60 s became 30 s at the
first quick answer. ``DOWNLOAD_DELAY`` is "at least this long between requests" however it
is given (``--delay``, sites.toml, ``scrapy crawl -s``, a Scrapyd job's ``setting=``), so the
ceiling rises to it here, where every path passes.
"""

from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle


class DelayFloorThrottle(AutoThrottle):
    def _max_delay(self) -> float:
        return max(super()._max_delay(), self._min_delay())
