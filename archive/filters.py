"""Row filters shared by search, listing, export and the web view: the one place where a
user's filter values are understood and turned into SQL.

What a user may write, and what it means:

- ``site``: a URL (``https://name.blogspot.com/``, a trailing slash or a path or not), a host
  (``name.blogspot.com``), ``host:port``, or a name from ``sites.toml``
  (:func:`resolve_site`); several sites mean any of them. Hosts compare without case.
- ``label``: one label or several; a post must carry all of them (``any_label``: at least
  one). Labels compare without case, in any script (:mod:`archive.folding`).
- ``since`` / ``until``: ``2024``, ``2024-03``, ``2024-03-05``, or a full ISO 8601 time;
  both ends are inclusive, and a year, month or day is the post's own calendar date as the
  blog dated it. Buddhist-era years (``2567`` = 2024, as Thai blogs write them) are
  understood.
- ``author`` (without case, as labels), ``lang``, ``kind`` (``post`` or ``page``), ``include_deleted``.

Values always travel as SQL parameters; only fixed SQL fragments are produced here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from urllib.parse import urlsplit

from .errors import QueryError
from .folding import collation_for
from .timestamps import to_utc

BUDDHIST_ERA = 543  # 2567 BE = 2024 CE
_FIRST_BE_YEAR = 2400  # a year from here on is Buddhist era (1857 CE: no blog is older)
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_DEFAULT_PORTS = {"http": 80, "https": 443}
DATE_HINT = "use 2024, 2024-03, 2024-03-05 or a full ISO 8601 time (2567 means 2024)"


def _ce_year(year: int) -> int:
    return year - BUDDHIST_ERA if year >= _FIRST_BE_YEAR else year


def _next_month(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def date_range(value: str, name: str) -> tuple[str, str] | None:
    """A year, month or day -> its [first day, day after the last) as ``YYYY-MM-DD``, or
    None for a full time (compared as a moment). Raises QueryError naming the option."""
    text = value.strip()
    match = _PARTIAL_DATE.fullmatch(text)
    if match is None:
        return None
    year = _ce_year(int(match[1]))
    try:
        if match[3]:
            start = date(year, int(match[2]), int(match[3]))
            end = date.fromordinal(start.toordinal() + 1)
        elif match[2]:
            start = date(year, int(match[2]), 1)
            end = _next_month(year, int(match[2]))
        else:
            start, end = date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError:
        raise QueryError(f"{name}: not a date: {value!r}", hint=DATE_HINT) from None
    return start.isoformat(), end.isoformat()


def _moment(value: str, name: str) -> tuple[str, bool]:
    """A full ISO 8601 time, and whether it names its offset; a Buddhist-era year in it is
    converted. With an offset, the time in UTC (``Z``), which ``published_utc`` holds;
    without one, the blog's own clock (``YYYY-MM-DDTHH:MM:SS``, as the first 19
    characters of ``published`` give it), as a day is the blog's own calendar date."""
    text = value.strip()
    if (year := text[:4]).isdigit() and int(year) >= _FIRST_BE_YEAR:
        text = f"{_ce_year(int(year)):04d}{text[4:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{name}: not a date: {value!r}", hint=DATE_HINT) from None
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds"), False
    return to_utc(text) or "", True


def site_key(value: str) -> str:
    """How the archive names a blog (its ``site``: host, or host:port) for a URL, a host
    or ``host:port``: lower case, no scheme, path, default port or trailing dot."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"//{text}")
    host = (parts.hostname or text.split("/", 1)[0]).rstrip(".").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"


def resolve_site(value: str, names: Mapping[str, str] | None = None) -> str:
    """A ``--site`` value -> the archive's site: a name from sites.toml (``names``: name
    -> blog URL) is its URL's site, anything else :func:`site_key`."""
    if names and value.strip() in names:
        return site_key(names[value.strip()])
    return site_key(value)


def _many(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    return tuple(item for item in items if item and item.strip())


@dataclass(frozen=True)
class Filters:
    """What to keep. Every field is optional; ``None`` (or empty) means "any".

    ``site`` and ``label`` take one value or several (a list or tuple); the values are
    normalised when the filter is made (sites by :func:`site_key`), dates when it is
    applied (a bad date is a :class:`QueryError` naming the option).
    """

    site: str | tuple[str, ...] | None = None
    label: str | tuple[str, ...] | None = None
    any_label: bool = False  # several labels: any of them (default: all of them)
    author: str | None = None
    since: str | None = None
    until: str | None = None
    lang: str | None = None
    kind: str | None = None  # "post" or "page"
    include_deleted: bool = False

    def __post_init__(self) -> None:
        sites = tuple(dict.fromkeys(site_key(s) for s in _many(self.site)))
        labels = tuple(dict.fromkeys(label.strip() for label in _many(self.label)))
        object.__setattr__(self, "site", sites or None)
        object.__setattr__(self, "label", labels or None)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def options(self) -> dict[str, object]:
        """The fields as keyword arguments (``search(db, q, **filters.options())``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def sites(self) -> tuple[str, ...]:
        return self.site or ()  # type: ignore[return-value]

    @property
    def labels(self) -> tuple[str, ...]:
        return self.label or ()  # type: ignore[return-value]

    def where(self, table: str = "posts") -> tuple[list[str], dict[str, object]]:
        """SQL conditions (to AND together) and their named parameters."""
        clauses: list[str] = []
        params: dict[str, object] = {}
        if self.sites:
            names = [f"f_site{i}" for i in range(len(self.sites))]
            clauses.append(f"{table}.site COLLATE NOCASE IN "
                           f"({', '.join(':' + n for n in names)})")
            params |= dict(zip(names, self.sites, strict=True))
        for column, value in (("author", self.author), ("kind", self.kind),
                              ("language", self.lang)):
            if value is not None:
                params[f"f_{column}"] = value.strip()
                clauses.append(f"{table}.{column} = :f_{column}"
                               f" COLLATE {collation_for([value.strip()])}")
        clauses += self._label_clauses(table, params)
        clauses += self._date_clauses(table, params)
        if not self.include_deleted:
            clauses.append(f"{table}.deleted_at IS NULL")
        return clauses, params

    def _label_clauses(self, table: str, params: dict[str, object]) -> list[str]:
        names = [f"f_label{i}" for i in range(len(self.labels))]
        params |= dict(zip(names, self.labels, strict=True))
        def has(names: list[str]) -> str:
            wanted = ", ".join(":" + n for n in names)
            collation = collation_for(str(params[n]) for n in names)
            return (f"EXISTS (SELECT 1 FROM json_each({table}.labels)"
                    f" WHERE value COLLATE {collation} IN ({wanted}))")
        if self.any_label and names:
            return [has(names)]
        return [has([n]) for n in names]

    def _date_clauses(self, table: str, params: dict[str, object]) -> list[str]:
        clauses = []
        bounds: dict[str, str] = {}
        until_inclusive = False  # a moment --until is; a day's bound (the day after) is not
        for name, upper in (("since", False), ("until", True)):
            value = getattr(self, name)
            if not value or not value.strip():
                continue
            days = date_range(value, f"--{name}")
            if days is None:  # a moment: UTC times, or the blog's clock (no offset given)
                op = "<=" if upper else ">="
                params[f"f_{name}"], aware = _moment(value, f"--{name}")
                bounds[name] = str(params[f"f_{name}"])
                column = (f"{table}.published_utc" if aware
                          else f"substr({table}.published, 1, 19)")
                clauses.append(f"{column} {op} :f_{name}")
                until_inclusive = until_inclusive or upper
            else:  # a day, month or year: the blog's own calendar date
                op = "<" if upper else ">="
                clauses.append(f"substr({table}.published, 1, 10) {op} :f_{name}")
                params[f"f_{name}"] = bounds[name] = days[1] if upper else days[0]
        if len(bounds) == 2 and (bounds["since"] > bounds["until"] or (
                bounds["since"] == bounds["until"] and not until_inclusive)):
            raise QueryError(f"--since {self.since} is after --until {self.until}",
                             hint="give the earlier date to --since")
        return clauses

    def given(self) -> list[str]:
        """The names of the filters that are set (not ``include_deleted``)."""
        return [f.name for f in fields(self)
                if f.name not in ("include_deleted", "any_label") and getattr(self, f.name)]

    def given_options(self) -> list[str]:
        """The command-line options of the filters that are set (``--since``, ...)."""
        return [f"--{name.replace('_', '-')}" for name in self.given()]
