"""Row filters shared by search, listing and export: one place builds their SQL.

Values always travel as parameters; only fixed SQL fragments are produced here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from .errors import QueryError
from .timestamps import to_utc


def _bound(value: str, name: str, *, upper: bool) -> tuple[str, str]:
    """A user's --since/--until value -> (SQL operator, UTC bound)."""
    text = value.strip()
    try:
        if len(text) == 10:  # a bare date: whole days, in UTC
            day = date.fromisoformat(text)
            if upper:
                return "<", (day + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
            return ">=", day.strftime("%Y-%m-%dT00:00:00Z")
        datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(
            f"{name}: not a date: {value!r}", hint="use YYYY-MM-DD or a full ISO 8601 time"
        ) from None
    return ("<=" if upper else ">="), to_utc(text) or ""


@dataclass(frozen=True)
class Filters:
    """What to keep. Every field is optional; ``None`` means "any"."""

    site: str | None = None
    label: str | None = None
    author: str | None = None
    since: str | None = None  # inclusive; YYYY-MM-DD or ISO 8601
    until: str | None = None  # inclusive (a bare date covers the whole day, UTC)
    lang: str | None = None
    kind: str | None = None  # "post" or "page"
    include_deleted: bool = False

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def where(self, table: str = "posts") -> tuple[list[str], dict[str, object]]:
        """SQL conditions (to AND together) and their named parameters."""
        clauses: list[str] = []
        params: dict[str, object] = {}
        for column in ("site", "author", "kind"):
            value = getattr(self, column)
            if value is not None:
                clauses.append(f"{table}.{column} = :f_{column}")
                params[f"f_{column}"] = value
        if self.lang is not None:
            clauses.append(f"{table}.language = :f_lang")
            params["f_lang"] = self.lang
        if self.label is not None:
            clauses.append(
                f"EXISTS (SELECT 1 FROM json_each({table}.labels) WHERE value = :f_label)"
            )
            params["f_label"] = self.label
        for name, upper in (("since", False), ("until", True)):
            value = getattr(self, name)
            if value:
                op, bound = _bound(value, f"--{name}", upper=upper)
                clauses.append(f"{table}.published_utc {op} :f_{name}")
                params[f"f_{name}"] = bound
        if not self.include_deleted:
            clauses.append(f"{table}.deleted_at IS NULL")
        return clauses, params
