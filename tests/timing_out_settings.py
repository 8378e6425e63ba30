"""tests/failing_server_settings.py with a 1 s ``DOWNLOAD_TIMEOUT`` and one retry, for
tests/test_hostile.py's server whose post pages take 2 s: every post request times out,
as on a server that went down (at the default 60 s and 4 tries, 4 minutes a post)."""

from tests.failing_server_settings import *

DOWNLOAD_TIMEOUT = 1
RETRY_TIMES = 1
