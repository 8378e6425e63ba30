"""The digest index behind revisit records."""

from __future__ import annotations

from goahead_crawler.warc.dedup import DigestIndex, as_reference


def test_own_captures_are_remembered_first_one_wins() -> None:
    index = DigestIndex()
    assert index.get("sha1:A") is None
    index.add("sha1:A", "http://x/1", "2024-01-01T00:00:00Z")
    index.add("sha1:A", "http://x/2", "2024-01-02T00:00:00Z")
    assert index.get("sha1:A") == ("http://x/1", "2024-01-01T00:00:00Z")
    assert len(index) == 1


def test_lookup_is_asked_once_per_digest_hit() -> None:
    calls: list[str] = []

    def lookup(digest: str) -> tuple[str, str] | None:
        calls.append(digest)
        return ("http://old/", "2020-01-01T00:00:00Z") if digest == "sha1:OLD" else None

    index = DigestIndex(lookup)
    assert index.get("sha1:OLD") == ("http://old/", "2020-01-01T00:00:00Z")
    assert index.get("sha1:OLD") == ("http://old/", "2020-01-01T00:00:00Z")
    assert index.get("sha1:NEW") is None
    assert calls == ["sha1:OLD", "sha1:NEW"]


def test_as_reference_accepts_pairs_and_capture_like_objects() -> None:
    class Row:
        url, fetched_at = "http://a/", "2021-05-05T00:00:00Z"

    assert as_reference(Row()) == ("http://a/", "2021-05-05T00:00:00Z")
    assert as_reference(["http://b/", "d"]) == ("http://b/", "d")
    assert as_reference(None) is None
