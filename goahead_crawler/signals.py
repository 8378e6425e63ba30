"""goahead's own Scrapy signals (send them with ``crawler.signals.send_catch_log``)."""

from __future__ import annotations

#: Sent by :class:`goahead_crawler.warc.extension.WarcCapture` after a response or
#: revisit record is on disk. Arguments: ``capture`` (``archive.models.Capture``) and
#: ``request`` (the ``scrapy.Request`` whose response was captured).
capture_written = object()

#: Sent by :class:`goahead_crawler.warc.extension.WarcCapture` after it repaired a WARC
#: file a killed crawl left open. Argument: ``path`` (the finished file). The archive
#: pipeline writes what that crawl captured but had no time to store.
warc_repaired = object()

#: Sent by the spider when the posts feed first says how many posts it lists. Argument:
#: ``count`` (the feed's ``openSearch:totalResults`` for the crawl's query: an incremental
#: run asks for what changed only). The archive pipeline starts the crawl's worker process
#: at once for a big crawl, rather than after its first posts.
posts_listed = object()

#: Sent by the archive pipeline after it caught up with a killed crawl's WARC file.
#: Argument: ``unfetched`` (post URL -> every image URL its article shows), the posts
#: it stored that show an image the killed crawl never asked for. The spider fetches
#: those images and stores the posts again with them, as the killed crawl would have.
posts_caught_up = object()

#: Sent by the spider when a post or page it asked for could not be fetched, for good.
#: Arguments: ``url`` (as it was asked) and ``reason`` (one line). ``WarcCapture`` writes a
#: metadata record saying so: the WARC files then hold every post the crawl asked for,
#: those that left no response record (a timeout, a refused connection) too.
fetch_failed = object()
