"""WARC capture."""
