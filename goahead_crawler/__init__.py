"""goahead: the Scrapy side (crawl, capture, clean). Kept import-free on purpose."""
