"""goahead's archive: SQLite schema, storage, search and export. Never imports Scrapy."""
