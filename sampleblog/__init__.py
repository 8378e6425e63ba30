"""A realistic local Blogger site for the demo and the tests.

- :mod:`sampleblog.server`: ``start(blogs, n_posts, options, image_pool) -> SampleSite``
  serves each blog on its own 127.0.0.1 port, and the CDN standing in for Blogger's image
  and static hosts on one more (``site.cdn_url``); ``python -m sampleblog`` does the same
  from a shell.
- :mod:`sampleblog.cdn`: what the CDN serves (images in every Blogger size form, the template
  requisites of :mod:`sampleblog.statics`); pages name Blogger's real hosts, the server moves
  them to the CDN as it sends them (``site.served_url(url)`` gives a URL as served).
- :mod:`sampleblog.content`: the posts as dataclasses, with each post's ground truth
  (``expected_text``, title, author, dates, labels, ids, URL path, images, comments).
- :mod:`sampleblog.site`: ``SiteOptions`` (feed mode, max-results cap, sitemap faults...).

Blogs live in ``sampleblog/data/<name>/blog.json``; routes in :mod:`sampleblog.routes`.
"""
