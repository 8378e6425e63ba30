"""Pure Blogger knowledge: URLs, feeds, sitemaps (bytes in, dataclasses out)."""
