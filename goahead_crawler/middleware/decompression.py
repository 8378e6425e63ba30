"""``CappedDecompression``: Scrapy's ``HttpCompressionMiddleware``, and a body that inflates
past ``DOWNLOAD_MAXSIZE`` (a gzip or deflate bomb) is a failure of the run.

Scrapy stops inflating at the cap and raises ``IgnoreRequest`` from ``process_response``,
which no middleware's ``process_exception`` sees (``FailureLog`` records failures there),
and which the spider's errbacks take for a request it chose to drop: a child sitemap of 78
KB inflating to 80 MB was a "Sitemap ... unavailable" at INFO, and the run "ok". Here it is
recorded like any request that failed for good, with Scrapy's own sizes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils._compression import _DecompressionMaxSizeExceeded

from goahead_crawler.middleware.failures import record_request_failure

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class CappedDecompression(HttpCompressionMiddleware):
    """Decompress as Scrapy does; an inflated body over the cap is recorded, then dropped."""

    def __init__(self, *args: Any, crawler: Crawler | None = None, **kwargs: Any) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        self.crawler = crawler

    def process_response(self, request: Request, response: Response  # type: ignore[override]
                         ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded) and self.crawler:
                record_request_failure(
                    self.crawler, request,
                    f"the body inflates past DOWNLOAD_MAXSIZE ({len(response.body):,} bytes"
                    f" compressed, over {exc.__cause__.decompressed_size:,} unpacked);"
                    " not read")
            raise
