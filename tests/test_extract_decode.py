"""One decoder for the crawl and the rebuild: ``extract.clean.decode(body, content_type)``
gives what Scrapy's ``response.text`` gives for the same header and body."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from goahead_crawler.extract import clean

THAI = "<html><head>{meta}</head><body><p>ข่าวเช้า ฝนตกหนักทั่วกรุงเทพ</p></body></html>"


def scrapy_text(body: bytes, content_type: str | None) -> str:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return HtmlResponse(url="http://x.blogspot.com/a.html", headers=headers, body=body).text


CASES = [
    (THAI.format(meta="").encode("utf-8"), "text/html; charset=UTF-8"),
    (THAI.format(meta="").encode("utf-8"), None),  # undeclared: valid UTF-8
    (THAI.format(meta="<meta charset='tis-620'>").encode("tis-620"), "text/html"),
    (THAI.format(meta="").encode("tis-620"), "text/html; charset=tis-620"),
    (THAI.format(meta="<meta charset='utf-8'>").encode("cp874"), "text/html; charset=cp874"),
    (THAI.format(meta="").encode("cp874"), None),  # undeclared, not UTF-8: sniffed
    (b"\xef\xbb\xbf" + THAI.format(meta="").encode("utf-8"), "text/html; charset=latin-1"),
    (THAI.format(meta="").encode("utf-16"), None),  # a BOM says it all
    (b"<html><body>caf\xe9</body></html>", "text/html; charset=x-no-such-charset"),
    (b"", "text/html"),
]


@pytest.mark.parametrize(("body", "content_type"), CASES)
def test_decode_is_scrapys_response_text(body: bytes, content_type: str | None) -> None:
    assert clean.decode(body, content_type) == scrapy_text(body, content_type)


def test_the_header_charset_comes_before_the_page_meta() -> None:
    body = THAI.format(meta="<meta charset='utf-8'>").encode("tis-620")
    assert "ข่าวเช้า" in clean.decode(body, "text/html; charset=tis-620")


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=300) | st.text(max_size=100).map(lambda t: t.encode("utf-8")),
       content_type=st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                     "text/html; charset=tis-620", "text/html; charset=latin-1",
                                     "text/html;charset=\"windows-874\""]))
def test_any_body_and_header_decode_as_scrapy_does(body: bytes, content_type: str | None) -> None:
    """As Scrapy does, unless its text is garbled; then by detection, every byte decoded."""
    page = clean.decode_page(body, content_type)
    assert clean.decode(body, content_type) == page.text
    if page.declared is None:
        assert page.text == scrapy_text(body, content_type)
    else:
        assert scrapy_text(body, content_type).count("\ufffd") >= 8
        assert page.text == body.decode(page.encoding)


MISLABELLED = THAI.format(meta="<meta charset='utf-8'>").replace(
    "<p>", "<p>" + "ผู้ใหญ่บ้านกล่าวว่าชุมชนริมคลองร่วมกันพัฒนา " * 20)


@pytest.mark.parametrize("content_type", ["text/html; charset=UTF-8", "text/html", None])
def test_thai_labelled_utf8_is_decoded_by_detection_and_says_so(content_type: str | None) -> None:
    """TIS-620/windows-874 bytes under a UTF-8 label (header or meta): Scrapy's text is
    replacement characters; ours is the Thai, flagged."""
    body = MISLABELLED.encode("cp874")
    assert "ข่าวเช้า" not in scrapy_text(body, content_type)
    page = clean.decode_page(body, content_type)
    assert page.text == MISLABELLED
    assert (page.encoding, page.declared) == ("cp874", "utf-8")


def test_a_few_stray_bytes_keep_the_declared_charset() -> None:
    """A UTF-8 page with a broken byte or two is still UTF-8 (not a wrong charset)."""
    body = MISLABELLED.encode("utf-8").replace(b"</p>", b"\xff\xfe</p>")
    page = clean.decode_page(body, "text/html; charset=UTF-8")
    assert page.declared is None
    assert page.text == scrapy_text(body, "text/html; charset=UTF-8")
