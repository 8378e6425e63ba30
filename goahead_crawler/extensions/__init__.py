"""Scrapy extensions: live progress, and the resume job's close marker."""
