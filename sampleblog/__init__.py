"""A realistic local Blogger site for the demo and the tests.

- :mod:`sampleblog.server`: ``start(blogs, n_posts, options) -> SampleSite`` serves each blog
  on its own 127.0.0.1 port (``python -m sampleblog`` does the same from a shell).
- :mod:`sampleblog.content`: the posts as dataclasses, with each post's ground truth
  (``expected_text``, title, author, dates, labels, ids, URL path, images, comments).
- :mod:`sampleblog.site`: ``SiteOptions`` (feed mode, max-results cap, sitemap faults...).

Blogs live in ``sampleblog/data/<name>/blog.json``; routes in :mod:`sampleblog.routes`.
"""
