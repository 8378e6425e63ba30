"""Scrapy settings for goahead: polite defaults first, then goahead's own GOAHEAD_* knobs.

Every knob is read only in a component's ``from_crawler``, and each ``GOAHEAD_*`` default
is declared here once: components read ``settings.getint(NAME)`` with no default of
their own (a test checks it). The CLI turns its flags into overrides at "cmdline"
priority, so ``goahead crawl`` and ``scrapy crawl blogger`` run the same code with the
same defaults.
"""

from __future__ import annotations

BOT_NAME = "goahead"
SPIDER_MODULES = ["goahead_crawler.spiders"]
NEWSPIDER_MODULE = "goahead_crawler.spiders"

# --- Politeness -------------------------------------------------------------------------
# Where site owners can reach whoever runs the crawl (`goahead crawl --contact`). The
# User-Agent is built from it and the installed version by the goahead add-on (below):
# goahead/VERSION (web archiver; +CONTACT). An explicit USER_AGENT still wins.
GOAHEAD_CONTACT = "https://github.com/goahead-archive/goahead"
# Blogger's robots.txt disallows /search; we obey it and report what it kept out.
ROBOTSTXT_OBEY = True
# Start slowly and let AutoThrottle adapt to how fast the blog answers.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# A floor under AutoThrottle: one request per half second per blog at most.
DOWNLOAD_DELAY = 0.5
# Politeness is per host (below, and GOAHEAD_STATIC_CONCURRENCY for image hosts); this is
# the crawler's own total. Image requests waiting for their host's slot count in it, so it
# leaves room for the blog's pages meanwhile.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items and requests one callback yields, processed in parallel: Scrapy starts this many
# tasks for every response that yields anything (100 by default, i.e. ~100 asyncio tasks a
# page); our callbacks yield a handful and the archive pipeline is synchronous.
CONCURRENT_ITEMS = 8
# Transient errors (5xx, 429, timeouts) are retried; Blogger's 429 means "slow down".
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 60
# A full 150-entry feed page is a few MB; anything past 64 MB is not a blog page.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
# No listening ports from a crawler: no telnet console, and none of Scrapy 2.19's remote
# control (an HTTP server that runs any Python code sent with the token it writes to a job
# file in the user's profile; it also imports aiohttp, about 0.15 s of every crawl's start).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Pages are cleaned as UTF-8 text downstream; feeds are written by our own code.
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# Scrapy's check for generators that return a value re-reads a callback's source (inspect
# + ast) whenever its weak cache lost the bound method: about 2 s per 1,000 responses in
# bench/crawl.py's profile. Our callbacks are linted and tested instead.
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- Components -------------------------------------------------------------------------
# The User-Agent (from GOAHEAD_CONTACT), and goahead's defaults for projects that only
# enable the add-on.
ADDONS = {"goahead_crawler.addon.Goahead": 0}
EXTENSIONS = {
    # AutoThrottle, its ceiling raised to DOWNLOAD_DELAY (Scrapy's lowered a 60 s delay to 30)
    "scrapy.extensions.throttle.AutoThrottle": None,
    "goahead_crawler.extensions.throttle.DelayFloorThrottle": 0,
    # Capture every exchange as WARC, from the raw (still content-encoded) response.
    "goahead_crawler.warc.extension.WarcCapture": 100,
}
ITEM_PIPELINES = {
    # Store cleaned posts and capture rows in the SQLite archive.
    "goahead_crawler.pipelines.ArchivePipeline": 300,
}

# --- goahead: archive -------------------------------------------------------------------
# Store posts, captures and crawl runs in this SQLite file.
GOAHEAD_ARCHIVE_ENABLED = True
GOAHEAD_ARCHIVE_DB = "archive.db"

# --- goahead: WARC ----------------------------------------------------------------------
# Write WARC files; the archive can be rebuilt from them.
GOAHEAD_WARC_ENABLED = True
GOAHEAD_WARC_DIR = "warcs"
# File names: PREFIX-YYYYMMDDhhmmss-SERIAL-HOST.warc.gz
GOAHEAD_WARC_PREFIX = "goahead"
# Rotate to a new file past this many bytes (1 GB, the usual archive practice).
GOAHEAD_WARC_MAX_SIZE = 1_000_000_000
# Who runs the crawl, written into each file's warcinfo record.
GOAHEAD_WARC_OPERATOR = ""
# zlib level per record: 6 is nearly as small as 9 and twice as fast (already-compressed
# payloads are stored at level 0 whatever this says).
GOAHEAD_WARC_GZIP_LEVEL = 6
# Where earlier captures are looked up by payload digest, so that an unchanged response is
# written as a revisit record instead of its body again: the archive's captures table.
GOAHEAD_WARC_DIGEST_LOOKUP = "goahead_crawler.warc.lookup.ArchiveDigestLookup"

# --- goahead: discovery -----------------------------------------------------------------
# Entries asked per feed page; Blogger caps it silently, we page by what came back.
GOAHEAD_FEED_PAGE_SIZE = 150
# Stop scheduling post pages after this many (0 = no limit); handy for samples.
GOAHEAD_MAX_POSTS = 0
# The most comments read from one post's comments feed: a feed that names new comments at
# every start-index, behind a total of a billion, stores "progress" at every page for ever.
# Far past any Blogger post's thread (a popular one has a few thousand).
GOAHEAD_MAX_POST_COMMENTS = 50_000
# The most comments read from the blog-wide comments feed in one incremental run (the
# comments made since the last run): a feed inventing new ids on every page is progress at
# every page. Far past a blog's comments between two runs.
GOAHEAD_MAX_BLOG_COMMENTS = 200_000
# Stop the run (status "server_failing", resumable) after this many post page requests in
# a row failed (5xx or 429, timeouts, refused connections; each retry counts, a 404 does
# not): a server that went down costs up to DOWNLOAD_TIMEOUT x (RETRY_TIMES + 1) per post,
# for every post left. Any other answer resets the count, so a wave that passes does not
# stop the run. 40: ten posts' four tries. 0: never stop.
GOAHEAD_MAX_FAILING_IN_ROW = 40
# Archive static pages (/p/*.html) listed in /sitemap-pages.xml.
GOAHEAD_PAGES_ENABLED = True
# Read /sitemap.xml: it cross-checks the feed and finds posts the feed lacks (or when off).
GOAHEAD_SITEMAP_ENABLED = True
# Walk older-post links and /YYYY/MM/ archives, only when both feed and sitemap are gone.
GOAHEAD_PAGER_ENABLED = True
# Store reader comments; from the post page, the comments feed only when the page has fewer.
GOAHEAD_COMMENTS_ENABLED = True

# --- goahead: images, page requisites, listing pages (replay) ---------------------------
# Capture every image a post shows or links to (src, srcset, the full-size photo), each URL
# once per crawl: in news posts the photos are often the story (`--no-images` turns it off).
GOAHEAD_IMAGES_ENABLED = True
# Also capture the stylesheets, scripts, fonts, icons and template images a page loads, so
# that it replays as it looked (`--requisites`); off by default: the template, not the news.
GOAHEAD_REQUISITES_ENABLED = False
# Capture the home page and the /YYYY/MM/ archive page of each month with a post fetched,
# so a replay can start at the front page (a few requests per crawl).
GOAHEAD_LISTINGS_ENABLED = True
# Origins (scheme://host[:port]) that count as Blogger static hosts besides Blogger's own
# (blogger/scope.py): a custom domain's CDN, or a local stand-in for Blogger's image hosts.
# Images and page requisites may come from them; the blog's pages never.
GOAHEAD_STATIC_ORIGINS = []
# Concurrent requests per image/static host other than the blog's (its own download slot,
# under the same DOWNLOAD_DELAY floor and AutoThrottle); the blog's own images share the
# blog's slot and limits.
GOAHEAD_STATIC_CONCURRENCY = 2

# --- goahead: incremental re-crawls ---------------------------------------------------
# Re-runs fetch only what changed since the last finished full run of the blog (feed
# updated-min, sitemap lastmod, conditional GETs); a blog's first crawl is always full.
# `goahead crawl --full` turns it off for one run.
GOAHEAD_INCREMENTAL = True
# Seconds subtracted from the last run's start for updated-min: covers clock skew between
# us and Blogger (a post edited just before the last run must not fall in the gap).
GOAHEAD_INCREMENTAL_MARGIN = 600.0
# Posts the feed does not list (the sitemap does) are left out of the deletion check's
# count; the count cannot see one of them joining the feed while a feed post goes. Days
# after which a re-run reads the summary feed whole anyway and learns them again.
GOAHEAD_UNLISTED_RECHECK_DAYS = 7.0

# --- goahead: operations (resume, retries, failures, progress) -------------------------
# Scrapy retries a 429/503 at once; this waits what its Retry-After asks first.
GOAHEAD_RETRY_AFTER_ENABLED = True
# ... but never longer than this many seconds per retry (a blog asking for an hour is down).
GOAHEAD_RETRY_AFTER_MAX = 60.0
# Record requests that failed after their retries in the run's stats (`goahead runs`).
GOAHEAD_FAILURES_ENABLED = True
# Stop at once, with one reason, when the blog is private, removed or cannot be reached.
GOAHEAD_BLOG_GATE_ENABLED = True
# On the first SIGTERM/Ctrl-C, fetch what the downloader holds without the politeness delay,
# so the crawl closes cleanly in seconds rather than looking stuck.
GOAHEAD_GRACEFUL_STOP_ENABLED = True
# Live progress of a crawl; the CLI turns it on, `scrapy crawl` keeps Scrapy's LogStats.
GOAHEAD_PROGRESS_ENABLED = False
# "auto" (rich bars on a terminal, plain lines otherwise), "rich" or "lines".
GOAHEAD_PROGRESS_MODE = "auto"
# Seconds between updates (0: 0.5 s for rich bars, 10 s for plain lines).
GOAHEAD_PROGRESS_INTERVAL = 0.0
# The running crawl writes its counts and the listings found so far into its run row
# every this many seconds (0: never on a timer) and every this many items: `goahead runs`
# shows a live crawl's figures, and a killed one keeps what it found.
GOAHEAD_RUN_UPDATE_INTERVAL = 5.0
GOAHEAD_RUN_UPDATE_ITEMS = 100
# The pipeline commits its writes (posts, captures, comments) in groups: at most this many
# in one transaction, committed at the latest this many seconds after the first (at once
# when nothing is downloading: a crawl's last items never wait for the window). Each
# commit costs SQLite and the search index a write of their own (archive/write_group.py);
# a crawl killed mid-group loses the group's rows, which the next crawl puts back from
# the WARC it repairs. 1: every write on its own.
GOAHEAD_ARCHIVE_GROUP_WRITES = 50
GOAHEAD_ARCHIVE_GROUP_SECONDS = 0.2
# A crawl whose posts feed lists this many posts (or, when the feed does not say, once it
# has stored this many) extracts its posts and cuts their search tokens in a worker process
# (goahead_crawler/worker.py) while the crawl goes on; 0: always in the crawl's own
# process. Small crawls do not pay the worker's second of start-up.
GOAHEAD_INDEX_WORKER_FROM = 200
# At most this many of those worker processes at once in one process (the blogs of a
# sites.toml crawl run in one): each holds some 125 MB, and all the crawls share one
# thread to feed them; past it, a crawl does its work itself. 0: one less than the CPUs
# (at least one).
GOAHEAD_INDEX_WORKERS_MAX = 0
# How the crawl was started (`goahead crawl` sets it), kept in its run row: what the
# hint to resume a stopped or killed crawl repeats. Empty: this process's command line.
GOAHEAD_COMMAND = ""
# Set by `goahead crawl --resume`: the job dir (beside JOBDIR) and when the job began; a
# resumed job skips pages it archived already.
GOAHEAD_RESUME_JOB = ""
GOAHEAD_RESUME_SINCE = ""
# Set by `goahead crawl --resume`: the job's id, the same in each process resumed from its
# predecessor's queue (warcinfo `goahead-job`), whose spider carries on with what was
# claimed and the --max-posts count: the rebuild takes those processes for one crawl
# (rebuild.limited_sites). A killed job rediscovers, its spider claims anew: a new id.
GOAHEAD_JOB_ID = ""
# Around RetryMiddleware (550): RetryAfter waits before it retries, FailureLog sees what it
# gave up on.
DOWNLOADER_MIDDLEWARES = {
    # Scope by origin (scheme, host, port) for every request and redirect hop, ahead of
    # robots.txt; Scrapy's own OffsiteMiddleware compares host names only.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "goahead_crawler.middleware.scope_guard.ScopeGuard": 40,
    # A download slot of its own for each image/static host (GOAHEAD_STATIC_CONCURRENCY).
    "goahead_crawler.middleware.static_slots.StaticSlots": 45,
    # Scrapy's robots.txt middleware, but every request that waits for a host's robots.txt
    # gets its rules (Scrapy 2.13+ gave all but the first None: everything allowed).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "goahead_crawler.middleware.robots.RobotsTxt": 100,
    "goahead_crawler.middleware.retry_after.RetryAfter": 560,
    # A server failing post page after post page stops the run (GOAHEAD_MAX_FAILING_IN_ROW):
    # outside Retry (550) and RetryAfter, it sees every attempt.
    "goahead_crawler.middleware.server_health.ServerHealth": 570,
    # Scrapy's decompression, and a body inflating past DOWNLOAD_MAXSIZE (a gzip bomb) a
    # failure of the run, not a request silently dropped (listed before ConditionalRequests,
    # at the same order, as Scrapy's own came first)
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "goahead_crawler.middleware.decompression.CappedDecompression": 590,
    "goahead_crawler.middleware.failures.FailureLog": 50,
    # A private, removed or unreachable blog stops the crawl at its first answer, with one
    # reason: inside HttpCompression (590) to read bodies, outside Retry (550).
    "goahead_crawler.middleware.blog_gate.BlogGate": 585,
    # Incremental runs: If-None-Match / If-Modified-Since from the URL's last capture.
    "goahead_crawler.middleware.conditional.ConditionalRequests": 590,
}
# A resumed job drops the requests for pages it archived before it was killed.
SPIDER_MIDDLEWARES = {"goahead_crawler.middleware.skip_archived.SkipArchived": 50}
# The progress display, and the resume job's close marker.
EXTENSIONS = {
    **EXTENSIONS,
    "goahead_crawler.extensions.progress.CrawlProgress": 500,
    "goahead_crawler.extensions.resume.ResumeJob": 500,
    "goahead_crawler.extensions.graceful_stop.GracefulStop": 500,
}
