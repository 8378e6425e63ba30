"""goahead's settings with a small ``GOAHEAD_MAX_FAILING_IN_ROW`` (20), for
tests/test_hostile.py's failing servers, run as a subprocess
(``SCRAPY_SETTINGS_MODULE=tests.failing_server_settings``): the default, 40, needs a blog
of more posts than the test needs to show the rule (a wave of 12 503s is under both)."""

from goahead_crawler.settings import *

GOAHEAD_MAX_FAILING_IN_ROW = 20
