"""Scoring extraction against ground truth: character F1 and the corpus beside the repo.

The corpus (``../shared/corpus`` from the repository root, see its README) is read in place
and never copied. Used by ``bench/extract.py`` and the golden tests.

Score: bag-of-characters F1 over the non-whitespace characters of the NFC-normalised texts
(order-free, so it is linear-time; it cannot see paragraphs in the wrong order).
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DRAGNET_SEPARATOR = "!@#$%^&*()  COMMENTS"
# The reference material beside the checkout (``../shared``), or where GOAHEAD_SHARED says.
SHARED = Path(os.environ.get("GOAHEAD_SHARED") or Path(__file__).resolve().parents[3] / "shared")
DEFAULT_CORPUS = SHARED / "corpus"


def char_counts(text: str) -> Counter[str]:
    return Counter(c for c in unicodedata.normalize("NFC", text) if not c.isspace())


def char_f1(predicted: str, expected: str) -> float:
    """F1 of the multiset of non-whitespace characters (1.0 when both are empty)."""
    pred, gold = char_counts(predicted), char_counts(expected)
    if not pred and not gold:
        return 1.0
    overlap = sum((pred & gold).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class Page:
    """One corpus page with whatever ground truth it has."""

    name: str
    path: Path
    url: str
    expected: str | None = None  # the full article text, when known
    with_snippets: list[str] = field(default_factory=list)
    without_snippets: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # title, date, tags when known

    def read(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.suffix == ".gz" else data


def _manifest_urls(corpus: Path) -> dict[str, str]:
    urls: dict[str, str] = {}
    lines = (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) > 4:
            urls[cells[0]] = cells[4].split(" ")[0]
    return urls


def dragnet_pages(corpus: Path = DEFAULT_CORPUS) -> list[Page]:
    """The 77 Dragnet pages; ``expected`` is the article part of the corrected text."""
    urls = _manifest_urls(corpus)
    pages = []
    for html in sorted((corpus / "dragnet" / "HTML").glob("*.html")):
        gold = corpus / "dragnet" / "Corrected" / f"{html.name}.corrected.txt"
        text = gold.read_text(encoding="utf-8", errors="replace")
        article = text.split(DRAGNET_SEPARATOR, 1)[0]
        local = f"dragnet/HTML/{html.name}"
        pages.append(Page(html.stem, html, urls.get(local, "http://example.com/"), article))
    return pages


def trafilatura_pages(corpus: Path = DEFAULT_CORPUS) -> list[Page]:
    """The 12 trafilatura pages: with/without snippets and, for some, title/date/tags."""
    base = corpus / "trafilatura"
    data = json.loads((base / "evaldata.blogger-subset.json").read_text(encoding="utf-8"))
    pages = []
    for key, entry in data.items():
        path = next(
            p for p in (base / "cache" / entry["file"], base / "eval" / entry["file"]) if p.exists()
        )
        url = key if key.startswith("http") else "http://blog.python.org/"
        meta = {k: entry[k] for k in ("title", "date", "tags", "author") if k in entry}
        pages.append(Page(entry["file"], path, url, None, entry["with"], entry["without"], meta))
    return pages


def scrapinghub_pages(corpus: Path = DEFAULT_CORPUS) -> list[Page]:
    base = corpus / "scrapinghub"
    data = json.loads((base / "ground-truth.blogger-subset.json").read_text(encoding="utf-8"))
    return [
        Page(key[:12], base / "html" / f"{key}.html.gz", entry["url"], entry["articleBody"])
        for key, entry in data.items()
    ]


def reader_view(title: str, date_shown: str, text: str) -> str:
    """What Dragnet's annotators kept: the headline, the date line, then the article."""
    return "\n".join(x for x in (title, date_shown, text) if x)


def gate_figures(extract: Callable[[bytes, str], Any], corpus: Path = DEFAULT_CORPUS) -> dict:
    """The quality figures the gate pins (floors in tests/data/extract/gate.json). The
    ``unstructured_*`` figures run the whole extractor with Blogger's structure finder
    switched off (:func:`extract_unstructured`): how the fallback fares on an unfamiliar
    template."""
    from goahead_crawler.extract import extract_unstructured

    reader, body, bare_body, bare_reader = {}, {}, [], []
    for page in dragnet_pages(corpus):
        expected, html = page.expected or "", page.read()
        article = extract(html, page.url)
        reader[page.name] = char_f1(article_view(article), expected)
        body[page.name] = char_f1(article.text, expected)
        unstructured = extract_unstructured(html, page.url)
        bare_body.append(char_f1(unstructured.text, expected))
        bare_reader.append(char_f1(article_view(unstructured), expected))
    hub = [
        char_f1(extract(p.read(), p.url).text, p.expected or "") for p in scrapinghub_pages(corpus)
    ]
    found = absent = 0
    for page in trafilatura_pages(corpus):
        text = extract(page.read(), page.url).text
        found += sum(s in text for s in page.with_snippets)
        absent += sum(s not in text for s in page.without_snippets)
    return {
        "dragnet_reader_f1_mean": statistics.mean(reader.values()),
        "dragnet_reader_f1_min": min(reader.values()),
        "dragnet_body_f1_mean": statistics.mean(body.values()),
        "unstructured_body_f1_mean": statistics.mean(bare_body),
        "unstructured_reader_f1_mean": statistics.mean(bare_reader),
        "unstructured_reader_f1_min": min(bare_reader),
        "scrapinghub_f1_min": min(hub),
        "snippets_with_found": found,
        "snippets_without_absent": absent,
        "page_reader_f1": reader,
    }


def article_view(article: Any) -> str:
    """An extracted article's reader view (title, date as shown, text)."""
    return reader_view(article.title, article.date_header, article.text)
