"""Scrapy spiders: request routing only."""
