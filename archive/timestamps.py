"""The archive's one timestamp format, and the one parser every comparison goes through.

Every time goahead writes (``fetched_at``, ``started_at``, ``deleted_at``, ...) is UTC in
``YYYY-MM-DDTHH:MM:SSZ``, the form of a WARC-Date. Archives written before this rule may
hold ``+00:00`` instead of ``Z``, and the web hands us any ISO 8601 offset, so times are
never compared as strings unless both went through :func:`to_utc`.
"""

from __future__ import annotations

from datetime import UTC, datetime

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_utc(moment: datetime) -> str:
    """``moment`` (naive means UTC) as ``YYYY-MM-DDTHH:MM:SSZ``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(UTC_FORMAT)


def now_utc() -> str:
    return format_utc(datetime.now(UTC))


def parse_utc(value: str | None) -> datetime | None:
    """ISO 8601 / RFC 3339 (``Z``, an offset, or naive meaning UTC) -> an aware datetime.

    None for missing or unparseable values: stored dates come from the web.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_utc(value: str | None) -> str | None:
    """Any ISO 8601 time -> ``YYYY-MM-DDTHH:MM:SSZ`` (None when it cannot be read)."""
    moment = parse_utc(value)
    return format_utc(moment) if moment else None
