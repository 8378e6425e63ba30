"""The web view: the archive in Datasette with Thai-aware search. Knows nothing of Scrapy."""
