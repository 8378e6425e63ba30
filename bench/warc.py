"""WARC write throughput: goahead's writer against warcio's own WARCWriter, like for like.

Both write the same exchanges (request + response record, one gzip member per record) to
files in the same run, best of --rounds, taken in turns. Throughput is MB/s of payload
(response bodies as received). Two comparisons, because most of the difference is a
choice of compression level, not the writer:

- "chosen levels": each as shipped. warcio gzips every record at level 9; goahead at
  GOAHEAD_WARC_GZIP_LEVEL (6), and stores an already-compressed payload (a gzip-encoded
  page, an image) in a level-0 member, since deflate cannot shrink it.
- "equal level": goahead forced to warcio's level 9 for every record, compressed
  payloads included; what is left is the writer itself (one member built in memory, digests
  computed once).

Pages are real Blogger post pages, the 91 HTML pages of ../shared/corpus (27-255 KB, median
77 KB) when it is there, else sample-blog post pages grown to 50-200 KB; each is served
gzip-encoded as Blogger serves it (level 6), and once more without Content-Encoding.

    python bench/warc.py [--corpus ../shared/corpus] [--pages 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from goahead_crawler.extract.evaluate import DEFAULT_CORPUS
from goahead_crawler.warc import records as rec
from goahead_crawler.warc.writer import RotatingWarcWriter

Writer = Callable[[list[rec.Exchange], Path], None]


def corpus_pages(corpus: Path) -> list[bytes]:
    """The corpus's HTML pages (all Blogger), as their servers sent them, decompressed."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        paths = [corpus / row["local_path"] for row in csv.DictReader(fh, delimiter="\t")]
    return [gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
            for p in paths]


def sample_pages(count: int = 60) -> list[bytes]:
    """Sample-blog post pages, each grown to 50-200 KB with further rendered pages (as a real
    page's inline CSS, scripts and widgets make it that big)."""
    import urllib.request

    from sampleblog.server import start

    rng = random.Random(7)
    with start(n_posts=count) as site:
        rendered = [urllib.request.urlopen(url.rstrip("/") + post.path).read()
                    for name, url in site.urls.items() for post in site.blog(name).posts]
    pages = []
    for _ in range(count):
        target, page = rng.randint(50_000, 200_000), b""
        while len(page) < target:
            page += rng.choice(rendered)
        pages.append(page[:target])
    return pages


def exchanges(pages: list[bytes], n: int, encoded: bool) -> list[rec.Exchange]:
    out = []
    for i in range(n):
        body = pages[i % len(pages)]
        headers = [("Content-Type", "text/html; charset=UTF-8"), ("Server", "GSE")]
        if encoded:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        out.append(rec.Exchange(
            url=f"https://goahead.blogspot.com/2024/01/post-{i}.html", method="GET",
            target=f"/2024/01/post-{i}.html",
            request_headers=[("User-Agent", "goahead"), ("Accept-Encoding", "gzip, deflate"),
                             ("Host", "goahead.blogspot.com")],
            request_body=b"", status=200, reason="OK", protocol="HTTP/1.1",
            response_headers=[*headers, ("Content-Length", str(len(body)))], body=body,
        ))
    return out


class EveryRecordAt(rec.MemberWriter):
    """goahead's writer with one zlib level for every record, compressed payloads too."""

    def member(self, record: ArcWarcRecord) -> bytes:
        self.out = io.BytesIO()
        self.write_record(record)
        comp = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return comp.compress(self.out.getvalue()) + comp.flush()


def goahead_writer(builder: rec.MemberWriter) -> Writer:
    def write(items: list[rec.Exchange], directory: Path) -> None:
        w = RotatingWarcWriter(directory, "bench", host="bench", builder=builder)
        for ex in items:
            date = w.builder.curr_warc_date()
            resp = rec.build_response(w.builder, ex, date)
            w.write([resp, rec.build_request(w.builder, ex, date, rec.record_id(resp))])
        w.close()
    return write


def warcio_writer(items: list[rec.Exchange], directory: Path) -> None:
    with (directory / "warcio.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for ex in items:
            http = StatusAndHeaders(f"{ex.status} {ex.reason}", ex.response_headers,
                                    protocol=ex.protocol)
            resp = writer.create_warc_record(ex.url, "response", payload=io.BytesIO(ex.body),
                                             length=len(ex.body), http_headers=http)
            req_http = StatusAndHeaders(f"{ex.method} {ex.target} HTTP/1.1",
                                        ex.request_headers, is_http_request=True)
            req = writer.create_warc_record(ex.url, "request", payload=io.BytesIO(b""),
                                            length=0, http_headers=req_http)
            writer.write_request_response_pair(req, resp)


def measure(writers: dict[str, Writer], items: list[rec.Exchange], rounds: int
            ) -> dict[str, tuple[float, int]]:
    """Best time and file size per writer; the writers take turns in every round."""
    best = {name: (float("inf"), 0) for name in writers}
    for _ in range(rounds):
        for name, write in writers.items():
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                write(items, Path(tmp))
                took = time.perf_counter() - start
                size = sum(p.stat().st_size for p in Path(tmp).iterdir())
            best[name] = (min(best[name][0], took), size)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, default=400, help="exchanges per file")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    real = (args.corpus / "MANIFEST.tsv").exists()
    pages = corpus_pages(args.corpus) if real else sample_pages()
    kb = sorted(round(len(p) / 1000) for p in pages)
    source = "Blogger pages of the corpus" if real else "grown sample-blog pages"
    print(f"pages: {len(pages)} {source}, {kb[0]}-{kb[-1]} KB HTML (median {kb[len(kb) // 2]} KB)")
    writers = {
        "goahead, chosen levels (6; 0 for compressed payloads)":
            goahead_writer(rec.MemberWriter()),
        "goahead, level 9 for every record": goahead_writer(EveryRecordAt(level=9)),
        "warcio, level 9 for every record (its only one)": warcio_writer,
    }
    for encoded in (True, False):
        items = exchanges(pages, args.pages, encoded)
        payload_mb = sum(len(e.body) for e in items) / 1e6
        result = measure(writers, items, args.rounds)
        kind = "gzip-encoded bodies (as Blogger serves them)" if encoded else "identity bodies"
        print(f"\n{kind}: {args.pages} exchanges, {payload_mb:.1f} MB payload")
        for name, (took, size) in result.items():
            print(f"  {name:<55} {payload_mb / took:7.1f} MB/s  file {size / 1e6:6.1f} MB")
        (chosen, _), (equal, _), (warcio, _) = result.values()
        print(f"  ratio at chosen levels (goahead / warcio): {warcio / chosen:.2f}x")
        print(f"  ratio at equal level 9 (goahead / warcio): {warcio / equal:.2f}x")


if __name__ == "__main__":
    main()
