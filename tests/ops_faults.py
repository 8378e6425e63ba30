"""A fault for whole-crawl tests: chosen pages answer 503 (Retry-After-less) every time.

Loaded by a crawl subprocess as ``tests.ops_faults.Always503`` (the project root is on
``sys.path`` under ``python -m``); ``GOAHEAD_TEST_503_PATHS`` lists the URL paths.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse


class Always503:
    def __init__(self, paths: list[str]) -> None:
        self.paths = set(paths)

    @classmethod
    def from_crawler(cls, crawler: Any) -> Always503:
        return cls(crawler.settings.getlist("GOAHEAD_TEST_503_PATHS"))

    def process_request(self, request: Any) -> HtmlResponse | None:
        if urlsplit(request.url).path in self.paths:
            return HtmlResponse(request.url, status=503, body=b"down", request=request)
        return None
