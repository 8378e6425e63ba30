"""Dates as Blogger pages show them, normalised to ISO 8601.

Machine dates (``abbr@title``, ``time@datetime``, JSON-LD) keep their UTC offset. Visible
dates ("Sunday, January 21, 2024", "21 มกราคม 2567", "21.01.2024") become a bare date;
Thai Buddhist-era years (2567) become Common Era (2024).
"""

from __future__ import annotations

import re
from datetime import date, datetime

BUDDHIST_ERA_OFFSET = 543

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier มกราคม ม.ค.",
        "february feb februar février กุมภาพันธ์ ก.พ.",
        "march mar märz mars มีนาคม มี.ค.",
        "april apr avril เมษายน เม.ย.",
        "may mai พฤษภาคม พ.ค.",
        "june jun juni juin มิถุนายน มิ.ย.",
        "july jul juli juillet กรกฎาคม ก.ค.",
        "august aug august août สิงหาคม ส.ค.",
        "september sep sept septembre กันยายน ก.ย.",
        "october oct oktober octobre ตุลาคม ต.ค.",
        "november nov novembre พฤศจิกายน พ.ย.",
        "december dec dezember décembre ธันวาคม ธ.ค.",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_ERA = r"(?:พ\.\s?ศ\.|ค\.\s?ศ\.)?\s*"  # Thai "B.E." / "C.E." before the year
_DAY_MONTH_YEAR = re.compile(
    rf"(\d{{1,2}})\.?\s*({_MONTH_RE})\.?,?\s*{_ERA}(\d{{4}})", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.IGNORECASE
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMERIC = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


def normalise_machine_date(value: str | None) -> str | None:
    """An ISO-ish timestamp as ISO 8601, offset kept; ``None`` if it is not one."""
    if not value:
        return None
    value = value.strip()
    candidate = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return parse_visible_date(value)
    if len(candidate) <= 10:
        return parsed.date().isoformat()
    return parsed.isoformat()


def parse_visible_date(text: str | None) -> str | None:
    """A human-written date (English, German, French or Thai month names) as ``YYYY-MM-DD``."""
    if not text:
        return None
    text = " ".join(text.split())
    for pattern, order in (
        (_ISO_DATE, "ymd"),
        (_MONTH_DAY_YEAR, "mdy"),
        (_DAY_MONTH_YEAR, "dmy"),
        (_NUMERIC, "dmy"),
    ):
        match = pattern.search(text)
        if match:
            found = _build(dict(zip(order, match.groups(), strict=True)))
            if found:
                return found
    return None


def _build(parts: dict[str, str]) -> str | None:
    month_text = parts["m"]
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text.lower())
    year = int(parts["y"])
    if year > 2400:  # Thai Buddhist era
        year -= BUDDHIST_ERA_OFFSET
    try:
        return date(year, month or 0, int(parts["d"])).isoformat()
    except ValueError:
        return None
