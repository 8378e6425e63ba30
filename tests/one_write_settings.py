"""goahead's settings with every archive write committed on its own (no group commit):
for tests/test_writers.py's full-disk crawl, run as a subprocess
(``SCRAPY_SETTINGS_MODULE=tests.one_write_settings``). Grouped, the crawl's first commit
could hold more posts than the tiny disk's room, and no post was stored at all (the test
failed 1 run in 3)."""

from goahead_crawler.settings import *

GOAHEAD_ARCHIVE_GROUP_WRITES = 1
