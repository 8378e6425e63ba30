"""Crawl settings that must make sense before a crawl starts, checked in one place.

``--concurrency 0`` or ``delay = inf`` used to be accepted and made a crawl that sent no
request and ignored the first Ctrl-C; ``--max-posts -1`` stored nothing and said ok. Every
route a value takes in is checked here: the CLI's option types (``cli/options.py``), the
sites file (``sites.py``), and the spider, for ``scrapy crawl -s NAME=VALUE`` and Scrapyd.
:func:`problem` is the rule; its message is one line for the user. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


class ConfigError(ValueError):
    """A setting value that cannot work; the message is one line for the user."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _whole(value: Any, least: int) -> bool:
    number = _number(value)
    return number is not None and number.is_integer() and number >= least


def _seconds(value: Any, positive: bool = False) -> bool:
    number = _number(value)
    return number is not None and math.isfinite(number) and (number > 0 if positive
                                                               else number >= 0)


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


Rule = tuple[Callable[[Any], bool], str]
BOOLEAN: Rule = (_boolean, "true or false")
AT_LEAST_ONE: Rule = (lambda v: _whole(v, 1), "a whole number of at least 1")
ZERO_OR_MORE: Rule = (lambda v: _whole(v, 0), "a whole number, 0 or more")
SECONDS: Rule = (_seconds, "a finite number of seconds, 0 or more")
POSITIVE_SECONDS: Rule = (lambda v: _seconds(v, positive=True),
                          "a finite number of seconds, more than 0")
RULES: dict[str, Rule] = {
    "CONCURRENT_REQUESTS": AT_LEAST_ONE,
    "CONCURRENT_REQUESTS_PER_DOMAIN": AT_LEAST_ONE,
    "DOWNLOAD_DELAY": SECONDS,
    "DOWNLOAD_TIMEOUT": POSITIVE_SECONDS,
    "AUTOTHROTTLE_START_DELAY": SECONDS,
    "AUTOTHROTTLE_MAX_DELAY": SECONDS,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (lambda v: _seconds(v, positive=True),
                                        "a finite number more than 0"),
    "RETRY_TIMES": ZERO_OR_MORE,
    "GOAHEAD_MAX_POSTS": ZERO_OR_MORE,
    "GOAHEAD_MAX_FAILING_IN_ROW": ZERO_OR_MORE,
    "GOAHEAD_FEED_PAGE_SIZE": AT_LEAST_ONE,
    "GOAHEAD_RETRY_AFTER_MAX": SECONDS,
    "GOAHEAD_INCREMENTAL_MARGIN": SECONDS,
    "GOAHEAD_UNLISTED_RECHECK_DAYS": (_seconds, "a finite number of days, 0 or more"),
    "GOAHEAD_INDEX_WORKERS_MAX": ZERO_OR_MORE,
    "GOAHEAD_IMAGES_ENABLED": BOOLEAN,
    "GOAHEAD_REQUISITES_ENABLED": BOOLEAN,
    "GOAHEAD_LISTINGS_ENABLED": BOOLEAN,
    "GOAHEAD_STATIC_ORIGINS": (_origins, "a list of origins (scheme://host[:port])"),
}


def problem(setting: str, value: Any, label: str | None = None) -> str | None:
    """Why ``value`` cannot be ``setting`` (named ``label`` for the user), or None."""
    rule = RULES.get(setting)
    if rule is None or rule[0](value):
        return None
    return f"{label or setting} must be {rule[1]}, not {value!r}"


def validate(settings: Any) -> None:
    """Raise :class:`ConfigError` for the first setting in ``settings`` (a mapping or
    Scrapy ``Settings``) that breaks its rule."""
    for setting in RULES:
        value = settings.get(setting)
        found = problem(setting, value) if value is not None else None
        if found:
            raise ConfigError(found)
