"""Downloader and spider middlewares: conditional requests, Retry-After, the failure log,
skipping what a resumed job archived already."""
