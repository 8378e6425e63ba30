"""goahead's settings with no incremental margin (``GOAHEAD_INCREMENTAL_MARGIN = 0``),
for tests/test_incremental.py's stopped-and-resumed job, run as a subprocess
(``SCRAPY_SETTINGS_MODULE=tests.no_margin_settings``): the next run's comments-feed cut-off
is then the job's start itself, where the default's ten minutes would let a comment made
seconds before the job be named again by the next run and hide what the job lost."""

from goahead_crawler.settings import *

GOAHEAD_INCREMENTAL_MARGIN = 0.0
