"""goahead's settings with no incremental margin (``GOAHEAD_INCREMENTAL_MARGIN = 0``),
for tests/test_incremental.py's stopped-and-resumed job, run as a subprocess
(``SCRAPY_SETTINGS_MODULE=tests.no_margin_settings``): the next run's comments-feed cut-off
is then the job's start itself, where the default's ten minutes would let a comment made
seconds before the job be named again by the next run and hide what the job lost.

And two requests in the downloader at most (``CONCURRENT_REQUESTS``, 16): Scrapy hands
it that many from the queue, SIGTERM makes it fetch them all at once, so a job stopped
after 3 of its 20 edited posts fetched 17 to 19 of them, and all 20 when the test's
SIGTERM came half a second late (a loaded worker): nothing left to resume."""

from goahead_crawler.settings import *

GOAHEAD_INCREMENTAL_MARGIN = 0.0
CONCURRENT_REQUESTS = 2
