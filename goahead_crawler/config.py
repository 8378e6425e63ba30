"""Crawl settings that must make sense before a crawl starts, checked in one place.

``--concurrency 0`` or ``delay = inf`` used to be accepted and made a crawl that sent no
request and ignored the first Ctrl-C; ``--max-posts -1`` stored nothing and said ok. Every
route a value takes in is checked here: the CLI's option types (``cli/options.py``), the
sites file (``sites.py``), and the spider, for ``scrapy crawl -s NAME=VALUE`` and Scrapyd.
:func:`problem` is the rule; its message is one line for the user. Pure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any


class ConfigError(ValueError):
    """A setting value that cannot work; the message is one line for the user."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except OverflowError:  # an int past a float's range (10**400): too large for any rule
        return math.inf
    except (TypeError, ValueError):
        return None


def _whole(value: Any, least: int, most: int) -> bool:
    number = _number(value)
    return number is not None and number.is_integer() and least <= number <= most


def _seconds(value: Any, most: float, positive: bool = False) -> bool:
    number = _number(value)
    return number is not None and math.isfinite(number) and (
        number > 0 if positive else number >= 0) and number <= most


def _boolean(value: Any) -> bool:
    """What Scrapy's ``getbool`` accepts."""
    return value in (True, False, 0, 1) or (isinstance(value, str) and value.strip().lower()
                                            in ("0", "1", "true", "false"))


def _origins(value: Any) -> bool:
    """A list of origins (``scheme://host[:port]``), or Scrapy's comma-separated form."""
    from goahead_crawler.blogger.scope import NotInScope, origin_of

    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        return False
    try:
        for item in items:
            if not isinstance(item, str):
                return False
            if item.strip():
                origin_of(item.strip())
    except NotInScope:
        return False
    return True


# An http(s) URL or an e-mail address (mailto: or not), nothing else: it goes into the
# User-Agent of every request and the warcinfo of every WARC file, where a space ends it
# and a CR or LF starts a header line of its own
_CONTACT = re.compile(r"https?://[^\s/@]+[^\s]*|(mailto:)?[^\s@:/]+@[^\s@]+\.[^\s@]+",
                      re.IGNORECASE)


def _contact(value: Any) -> bool:
    return (isinstance(value, str) and value.isprintable()
            and _CONTACT.fullmatch(value) is not None)


Rule = tuple[Callable[[Any], bool], str]

# Upper bounds: ``--delay 1e300`` was accepted and the crawl hung, waiting out the delay
# before its first request (and a timeout or margin that large overflows a timedelta or a
# timer). Each bound is far above any use of the setting, and below where it breaks.
HOUR = 3600.0
YEAR = 366 * 24 * HOUR
CONCURRENCY_MAX = 100  # requests in flight to one blog: Blogger answers 429 long before
COUNT_MAX = 1_000_000_000  # posts: no blog holds a billion; past 2**63 SQLite overflows


def whole(least: int, most: int) -> Rule:
    return (lambda v: _whole(v, least, most), f"a whole number from {least} to {most:,}")


def seconds(most: float, positive: bool = False, unit: str = "seconds", scale: float = 1.0
            ) -> Rule:
    """A finite number of ``unit`` (each ``scale`` seconds), at most ``most`` seconds."""
    bound = f"{most / scale:,g}"
    low = "more than 0" if positive else "0 or more"
    return (lambda v: _seconds(v, most / scale, positive),
            f"a finite number of {unit}, {low}, at most {bound}")


BOOLEAN: Rule = (_boolean, "true or false")
CONCURRENCY = whole(1, CONCURRENCY_MAX)
RULES: dict[str, Rule] = {
    "CONCURRENT_REQUESTS": CONCURRENCY,
    "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
    "DOWNLOAD_DELAY": seconds(HOUR),
    "DOWNLOAD_TIMEOUT": seconds(HOUR, positive=True),
    "AUTOTHROTTLE_START_DELAY": seconds(HOUR),
    "AUTOTHROTTLE_MAX_DELAY": seconds(HOUR),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (
        lambda v: _seconds(v, CONCURRENCY_MAX, positive=True),
        f"a finite number more than 0, at most {CONCURRENCY_MAX}"),
    "RETRY_TIMES": whole(0, 100),
    "GOAHEAD_MAX_POSTS": whole(0, COUNT_MAX),
    "GOAHEAD_MAX_FAILING_IN_ROW": whole(0, COUNT_MAX),
    "GOAHEAD_FEED_PAGE_SIZE": whole(1, 10_000),
    "GOAHEAD_RETRY_AFTER_MAX": seconds(24 * HOUR),
    "GOAHEAD_INCREMENTAL_MARGIN": seconds(YEAR),
    "GOAHEAD_UNLISTED_RECHECK_DAYS": seconds(10 * YEAR, unit="days", scale=24 * HOUR),
    "GOAHEAD_INDEX_WORKERS_MAX": whole(0, 1_000),
    "GOAHEAD_IMAGES_ENABLED": BOOLEAN,
    "GOAHEAD_REQUISITES_ENABLED": BOOLEAN,
    "GOAHEAD_LISTINGS_ENABLED": BOOLEAN,
    "GOAHEAD_STATIC_ORIGINS": (_origins, "a list of origins (scheme://host[:port])"),
    "GOAHEAD_CONTACT": (_contact, ("an http(s) URL or an e-mail address, with no space or"
                                   " control character")),
}


def pace(delay: float | None = None, concurrency: int | None = None,
         limit: int | None = None) -> dict[str, Any]:
    """The settings a blog's delay and concurrency become: AutoThrottle starts at the
    delay and aims at that many requests in flight (its target of 1.0 kept about one),
    never waits less than the delay (extensions.throttle raises its ceiling to it), and
    the crawl's own limit (``limit``, CONCURRENT_REQUESTS: goahead's 16 when not given)
    rises to the blog's, which it would otherwise cap silently, and is never lowered.
    Applied by :func:`pace_given` only."""
    from goahead_crawler import settings

    values: dict[str, Any] = {}
    if delay is not None:
        values["DOWNLOAD_DELAY"] = delay
        values["AUTOTHROTTLE_START_DELAY"] = max(delay, 0.01)
    if concurrency is not None:
        values["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
        values["AUTOTHROTTLE_TARGET_CONCURRENCY"] = float(concurrency)
        values["CONCURRENT_REQUESTS"] = max(
            settings.CONCURRENT_REQUESTS if limit is None else limit, concurrency)
    return values


def problem(setting: str, value: Any, label: str | None = None) -> str | None:
    """Why ``value`` cannot be ``setting`` (named ``label`` for the user), or None."""
    rule = RULES.get(setting)
    if rule is None or rule[0](value):
        return None
    return f"{label or setting} must be {rule[1]}, not {value!r}"


def pace_given(settings: Any) -> None:
    """Work :func:`pace` out from the crawl's delay and concurrency, however they were
    given (``--delay``, ``--concurrency``, sites.toml, ``scrapy crawl -s``, a Scrapyd job's
    ``setting=``, a settings module): the one place the rule is applied, by the spider's
    ``from_crawler``, before Scrapy freezes the settings and builds AutoThrottle and the
    downloader from them (``CONCURRENT_REQUESTS_PER_DOMAIN=8`` alone left AutoThrottle
    aiming at one request in flight). A derived setting given at a higher priority, or at
    the same one with a value of its own (:func:`_kept`), is kept. ``settings``: Scrapy
    ``Settings``, not yet frozen."""
    for source, derived in (
            ("DOWNLOAD_DELAY", pace(delay=settings.getfloat("DOWNLOAD_DELAY"))),
            ("CONCURRENT_REQUESTS_PER_DOMAIN",
             pace(concurrency=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
                  limit=settings.getint("CONCURRENT_REQUESTS")))):
        priority = settings.getpriority(source) or 0
        if priority == _project() and not _changed(settings, source):
            continue  # goahead's own pace, as its settings module sets it
        for name, value in derived.items():
            if name != source and not _kept(settings, name, priority):
                settings.set(name, value, priority=priority)


def _project() -> int:
    """Scrapy's "project" priority: a settings module's, goahead's own or one that imports
    it and changes a few: goahead's values and the user's are one level there. (Scrapy's
    table, read when a crawl starts: the command line does not import Scrapy.)"""
    from scrapy.settings import SETTINGS_PRIORITIES

    return SETTINGS_PRIORITIES["project"]


def _kept(settings: Any, name: str, priority: int) -> bool:
    """A derived setting ``name`` stays as given over what a source at ``priority``
    implies: given higher, or as high, but in a settings module only when changed (one
    importing goahead's, with ``CONCURRENT_REQUESTS_PER_DOMAIN = 40``, carries goahead's
    AutoThrottle aim of one request in flight and limit of 16 unchanged: they capped it)."""
    given = settings.getpriority(name) or 0
    if given != priority:
        return given > priority
    return given != _project() or _changed(settings, name)


def _changed(settings: Any, name: str) -> bool:
    """``name`` is not as goahead's settings module sets it."""
    from goahead_crawler import settings as goahead_settings

    return settings.get(name) != getattr(goahead_settings, name, None)


def validate(settings: Any) -> None:
    """Raise :class:`ConfigError` for the first setting in ``settings`` (a mapping or
    Scrapy ``Settings``) that breaks its rule."""
    for setting in RULES:
        value = settings.get(setting)
        found = problem(setting, value) if value is not None else None
        if found:
            raise ConfigError(found)
