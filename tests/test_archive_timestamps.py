"""archive.timestamps: one format written, every form read, compared as times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.connection import open_archive
from archive.models import Post
from archive.posts import upsert_post, urls_fetched_since
from archive.timestamps import format_utc, now_utc, parse_utc, to_utc


def test_one_format_is_written() -> None:
    assert format_utc(datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    assert format_utc(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"  # naive: UTC
    assert parse_utc(now_utc()) is not None
    assert len(now_utc()) == len("2024-01-02T03:04:05Z")


@pytest.mark.parametrize("value", ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05+00:00",
                                   "2024-01-02T10:04:05+07:00", "2024-01-02T03:04:05",
                                   " 2024-01-02T03:04:05.000Z "])
def test_every_form_reads_as_the_same_moment(value: str) -> None:
    assert to_utc(value) == "2024-01-02T03:04:05Z"


@pytest.mark.parametrize("value", [None, "", "yesterday", "2024-13-01T00:00:00Z"])
def test_what_is_not_a_time_reads_as_none(value: str | None) -> None:
    assert parse_utc(value) is None
    assert to_utc(value) is None


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 1, 1),
                    timezones=st.sampled_from([UTC, None])))
def test_format_and_parse_round_trip(moment: datetime) -> None:
    text = format_utc(moment)
    assert format_utc(parse_utc(text)) == text
    assert to_utc(text) == text


def test_fetched_since_compares_times_not_strings(tmp_path) -> None:
    """Archives written before one format hold +00:00 where newer rows hold Z."""
    db = open_archive(tmp_path / "a.db")
    for n, fetched in enumerate(["2024-01-02T03:04:05+00:00", "2024-01-02T03:04:04Z",
                                 "2024-01-02T03:04:06Z", "2024-01-02T10:04:05+07:00"]):
        upsert_post(db, Post(blog_id="1", post_id=str(n), url=f"u{n}", site="s",
                             fetched_at=fetched))
    # as strings, "…05+00:00" < "…05Z": the row fetched at that very second was missed
    assert urls_fetched_since(db, "s", "2024-01-02T03:04:05Z") == {"u0", "u2", "u3"}
