"""goahead's settings with the crawl's worker process started after N posts (N from
GOAHEAD_TEST_WORKER_FROM): for tests/test_crawl_worker.py, whose crawls run as
subprocesses (``SCRAPY_SETTINGS_MODULE=tests.worker_settings``)."""

import os

from goahead_crawler.settings import *

GOAHEAD_INDEX_WORKER_FROM = int(os.environ["GOAHEAD_TEST_WORKER_FROM"])
