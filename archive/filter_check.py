"""Which filter matched nothing, said in words: a search or export that comes back empty
because ``--site`` names a blog the archive does not hold is a mistake to point out, not
an answer.

:func:`explain_empty` is asked only when a result is empty (a few small queries then).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database

from .filters import Filters

SHOWN = 8  # values listed in a message


@dataclass(frozen=True)
class Miss:
    """Why filters select nothing. ``unknown``: a value (site, label, author, language)
    no post in the archive has, which is a mistake (the CLI exits 2); otherwise the filters
    are each fine but select nothing (a date range with no posts, or together)."""

    message: str
    unknown: bool


def _count(db: Database, filters: Filters) -> int:
    clauses, params = filters.where("posts")
    where = " AND ".join(clauses) or "1"
    return db.execute(f"SELECT count(*) FROM posts WHERE {where}", params).fetchone()[0]


def _values(db: Database, name: str, include_deleted: bool) -> list[str]:
    live = "" if include_deleted else " AND deleted_at IS NULL"
    sql = {
        "site": f"SELECT DISTINCT site FROM posts WHERE site IS NOT NULL{live}",
        "label": ("SELECT DISTINCT value FROM posts, json_each(posts.labels)"
                  f" WHERE TRUE{live}"),
        "author": f"SELECT DISTINCT author FROM posts WHERE author != ''{live}",
        "lang": f"SELECT DISTINCT language FROM posts WHERE language IS NOT NULL{live}",
        "kind": f"SELECT DISTINCT kind FROM posts WHERE TRUE{live}",
    }[name]
    return sorted((str(row[0]) for row in db.execute(sql)), key=str.casefold)


def _listing(values: list[str], near: str) -> str:
    close = difflib.get_close_matches(near, values, n=SHOWN, cutoff=0.5)
    shown = close or values[:SHOWN]
    more = "" if close or len(values) <= SHOWN else f" (and {len(values) - SHOWN} more)"
    return ", ".join(shown) + more if shown else "none"


_NOUN = {"site": ("no posts from site {}", "sites in this archive"),
         "label": ("no posts labelled {}", "labels in this archive"),
         "author": ("no posts by {}", "authors in this archive"),
         "lang": ("no posts in language {}", "languages in this archive"),
         "kind": ("no {}s", "kinds in this archive")}


def _unknown(db: Database, filters: Filters, name: str) -> Miss | None:
    """The first value of filter ``name`` that alone selects nothing (for labels asked
    with ``any_label``: all of them together)."""
    value: Any = getattr(filters, name)
    values = value if isinstance(value, tuple) else (value,)
    groups = [values] if name == "label" and filters.any_label else [(v,) for v in values]
    for group in groups:
        shape = group if isinstance(value, tuple) else group[0]
        alone = Filters(include_deleted=filters.include_deleted, any_label=filters.any_label,
                        **{name: shape})
        if _count(db, alone) == 0:
            known = _values(db, name, filters.include_deleted)
            missing, listed = _NOUN[name]
            shown = " or ".join(repr(v) for v in group)
            return Miss(f"{missing.format(shown)}; {listed}: {_listing(known, group[0])}",
                        unknown=True)
    return None


def unknown_value(db: Database, filters: Filters) -> Miss | None:
    """A value no post in the archive has among several that select any of them (sites;
    labels with ``any_label``). The others may still select posts, so
    :func:`explain_empty` never sees it, and a typo among them would be dropped without a
    word (``--site a --site typo`` exporting one blog)."""
    each = replace(filters, any_label=False)  # each label alone, as each site
    for name in ("site", "label"):
        if len(getattr(filters, name) or ()) > 1 and (miss := _unknown(db, each, name)):
            return miss
    return None


def _span(db: Database, include_deleted: bool) -> str:
    live = "" if include_deleted else " WHERE deleted_at IS NULL"
    low, high = db.execute(
        f"SELECT min(substr(published, 1, 10)), max(substr(published, 1, 10)) FROM posts{live}"
    ).fetchone()
    return f"the archive's posts run from {low} to {high}" if low else "no post has a date"


def explain_empty(db: Database, filters: Filters) -> Miss | None:
    """Why ``filters`` select no post of the archive, or None when they select some."""
    if _count(db, filters) > 0:
        return None
    given = filters.given()
    for name in ("site", "label", "author", "lang", "kind"):
        if name in given and (miss := _unknown(db, filters, name)):
            return miss
    dates = {name: getattr(filters, name) for name in ("since", "until") if name in given}
    if dates and _count(db, Filters(since=filters.since, until=filters.until,
                                    include_deleted=filters.include_deleted)) == 0:
        period = (f"between {dates['since']} and {dates['until']}" if len(dates) == 2
                  else " ".join(f"{name} {value}" for name, value in dates.items()))
        return Miss(f"no posts published {period}; "
                    f"{_span(db, filters.include_deleted)}", unknown=False)
    if not given:
        return Miss("the archive has no posts" + ("" if filters.include_deleted
                    else " (deleted ones left out: --include-deleted)"), unknown=False)
    options = " with ".join(filters.given_options())
    return Miss(f"no posts match {options} together", unknown=False)
