"""goahead's settings with small comments caps (``GOAHEAD_MAX_POST_COMMENTS``,
``GOAHEAD_MAX_BLOG_COMMENTS``), for tests/test_hostile.py's inventing comments feeds, run
as a subprocess
(``SCRAPY_SETTINGS_MODULE=tests.small_caps_settings``): the default cap, 50,000, takes
334 feed pages and some 40 s to reach; the rule is the same at 1,500."""

from goahead_crawler.settings import *

GOAHEAD_MAX_POST_COMMENTS = 1_500
GOAHEAD_MAX_BLOG_COMMENTS = 1_500
