"""``sites.toml``: the list of blogs one ``goahead crawl --sites`` run archives.

A ``[defaults]`` table (optional) and one ``[[site]]`` table per blog. Keys and their
types are data (:data:`SITE_KEYS`); every problem is one line naming the file, the site
and the key, so a typo never silently crawls with the wrong options.

.. code-block:: toml

    [defaults]
    delay = 1.0

    [[site]]
    name = "goahead"
    url = "https://goaheadnews.blogspot.com/"
    comments = true
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from goahead_crawler import config
from goahead_crawler.blogger.urls import BlogUrlError, blog_root

# key -> (accepted types, the GOAHEAD_*/Scrapy setting it becomes, or None)
SITE_KEYS: dict[str, tuple[tuple[type, ...], str | None]] = {
    "url": ((str,), None),
    "name": ((str,), None),
    "enabled": ((bool,), None),
    "delay": ((int, float), "DOWNLOAD_DELAY"),
    "concurrency": ((int,), "CONCURRENT_REQUESTS_PER_DOMAIN"),
    "max_posts": ((int,), "GOAHEAD_MAX_POSTS"),
    "pages": ((bool,), "GOAHEAD_PAGES_ENABLED"),
    "comments": ((bool,), "GOAHEAD_COMMENTS_ENABLED"),
    "images": ((bool,), "GOAHEAD_IMAGES_ENABLED"),
    "assets": ((bool,), "GOAHEAD_IMAGES_ENABLED"),  # deprecated name of `images`
    "requisites": ((bool,), "GOAHEAD_REQUISITES_ENABLED"),
    "static_origins": ((list,), "GOAHEAD_STATIC_ORIGINS"),
}
TOP_KEYS = frozenset({"defaults", "site"})


class SitesError(ValueError):
    """A sites file that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Site:
    """One blog to crawl: its root URL, a short name and its settings overrides."""

    url: str
    name: str
    enabled: bool = True
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def settings(self) -> dict[str, Any]:
        return self.settings_with({})

    def settings_with(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """This blog's settings under ``given``, the ones typed on the command line: a
        flag given for this run wins over the file (``--delay 5`` over ``delay = 1``). The
        pace they make together (the file's concurrency, the flag's delay) is worked out
        by the spider from the crawl's settings (``config.pace_given``), as for every path."""
        return {**dict(self.overrides), **given}


def load_sites(path: str | Path) -> list[Site]:
    """Every site in ``path`` (disabled ones included, with ``enabled=False``)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SitesError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SitesError(f"{path}: not valid TOML ({exc})") from None
    return parse_sites(data, str(path))


def parse_sites(data: dict[str, Any], source: str = "sites.toml") -> list[Site]:
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise SitesError(f"{source}: unknown table {unknown[0]!r} (expected [defaults], [[site]])")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise SitesError(f"{source}: [defaults] must be a table")
    _check_keys(defaults, f"{source} [defaults]", allow=set(SITE_KEYS) - {"url", "name"})
    raw_sites = data.get("site", [])
    if not isinstance(raw_sites, list) or not raw_sites:
        raise SitesError(f"{source}: no [[site]] tables (each needs at least url = \"...\")")
    sites = [_site({**defaults, **raw}, f"{source} site #{i}")
             for i, raw in enumerate(raw_sites, 1)]
    _check_unique(sites, source)
    return sites


def _site(raw: Any, where: str) -> Site:
    if not isinstance(raw, dict):
        raise SitesError(f"{where}: must be a table")
    if "url" not in raw:
        raise SitesError(f"{where}: missing url")
    _check_keys(raw, where, allow=set(SITE_KEYS))
    if "assets" in raw and "images" in raw:
        raise SitesError(f"{where}: assets is the old name of images: give images only")
    try:
        url = blog_root(raw["url"])
    except BlogUrlError as exc:
        raise SitesError(f"{where}: bad url {raw['url']!r}: {exc}") from None
    if "name" in raw and not raw["name"].strip():  # --site NAME could never select it
        raise SitesError(f"{where}: name is empty (leave it out for the blog's host,"
                         f" {urlsplit(url).netloc})")
    name = raw.get("name") or urlsplit(url).netloc
    overrides = tuple(sorted(
        (setting, raw[key]) for key, (_types, setting) in SITE_KEYS.items()
        if setting and key in raw
    ))
    return Site(url=url, name=name, enabled=raw.get("enabled", True), overrides=overrides)


def _check_keys(raw: dict[str, Any], where: str, allow: set[str]) -> None:
    for key, value in raw.items():
        if key not in allow:
            raise SitesError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(allow))})")
        types = SITE_KEYS[key][0]
        # bool is an int subclass: `delay = true` must not pass as a number
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join(t.__name__ for t in types)
            raise SitesError(f"{where}: {key} must be {expected}, not {value!r}")
        setting = SITE_KEYS[key][1]
        found = config.problem(setting, value, key) if setting else None
        if found:  # concurrency = 0, delay = inf, nan or negative, ...
            raise SitesError(f"{where}: {found}")


def _check_unique(sites: list[Site], source: str) -> None:
    """Each name once, and each blog once: by its host (and port), as the archive, the
    crawl lock and the job dir know it, so ``http://`` and ``https://`` of one blog are
    not two crawls of it at once."""
    seen: dict[str, int] = {}
    for number, site in enumerate(sites, 1):
        for key in dict.fromkeys((urlsplit(site.url).netloc, site.name)):
            if key in seen:
                raise SitesError(f"{source}: {key!r} is listed twice"
                                 f" (sites #{seen[key]} and #{number})")
            seen[key] = number
