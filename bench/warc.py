"""WARC write throughput: goahead's writer against warcio's own WARCWriter.

Both write the same exchanges (request + response records, gzip per record) to a file in
the same run. Throughput is MB/s of captured payload (response bodies). Run:

    python bench/warc.py [--pages 400] [--size 150000]
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from goahead_crawler.warc import records as rec
from goahead_crawler.warc.writer import RotatingWarcWriter

WORDS = [
    "ข่าว",
    "ชุมชน",
    "news",
    "community",
    "blogger",
    "post",
    "label",
    "archive",
    "วันนี้",
    "ประชาชน",
]


def page(rng: random.Random, size: int) -> bytes:
    text = " ".join(rng.choice(WORDS) for _ in range(size // 6))
    return f"<html><body><p>{text}</p></body></html>".encode()[:size]


def exchanges(n: int, size: int, encoding: str | None) -> list[rec.Exchange]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        body = page(rng, size)
        headers = [("Content-Type", "text/html; charset=UTF-8"), ("Server", "GSE")]
        if encoding == "gzip":
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        out.append(
            rec.Exchange(
                url=f"https://goahead.blogspot.com/2024/01/post-{i}.html",
                method="GET",
                target=f"/2024/01/post-{i}.html",
                request_headers=[
                    ("User-Agent", "goahead"),
                    ("Accept-Encoding", "gzip, deflate"),
                    ("Host", "goahead.blogspot.com"),
                ],
                request_body=b"",
                status=200,
                reason="OK",
                protocol="HTTP/1.1",
                response_headers=[*headers, ("Content-Length", str(len(body)))],
                body=body,
            )
        )
    return out


def ours(items: list[rec.Exchange], directory: Path) -> None:
    w = RotatingWarcWriter(directory, "bench", host="bench")
    for ex in items:
        date = w.builder.curr_warc_date()
        resp = rec.build_response(w.builder, ex, date)
        w.write([resp, rec.build_request(w.builder, ex, date, rec.record_id(resp))])
    w.close()


def warcio_writer(items: list[rec.Exchange], directory: Path) -> None:
    with (directory / "warcio.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for ex in items:
            http = StatusAndHeaders(
                f"{ex.status} {ex.reason}", ex.response_headers, protocol=ex.protocol
            )
            resp = writer.create_warc_record(
                ex.url,
                "response",
                payload=io.BytesIO(ex.body),
                length=len(ex.body),
                http_headers=http,
            )
            req_http = StatusAndHeaders(
                f"{ex.method} {ex.target} HTTP/1.1", ex.request_headers, is_http_request=True
            )
            req = writer.create_warc_record(
                ex.url, "request", payload=io.BytesIO(b""), length=0, http_headers=req_http
            )
            writer.write_request_response_pair(req, resp)


def measure(
    fn: Callable[[list[rec.Exchange], Path], None], items: list[rec.Exchange], rounds: int
) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            fn(items, Path(tmp))
            best = min(best, time.perf_counter() - start)
            size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    return best, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--size", type=int, default=150_000, help="HTML bytes per page")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for encoding in ("gzip", None):
        items = exchanges(args.pages, args.size, encoding)
        payload_mb = sum(len(e.body) for e in items) / 1e6
        (t_ours, s_ours), (t_wio, s_wio) = (
            measure(f, items, args.rounds) for f in (ours, warcio_writer)
        )
        print(f"{encoding or 'identity'} bodies: {args.pages} pages, {payload_mb:.1f} MB payload")
        print(f"  goahead writer: {payload_mb / t_ours:8.1f} MB/s  file {s_ours / 1e6:.1f} MB")
        print(f"  warcio writer : {payload_mb / t_wio:8.1f} MB/s  file {s_wio / 1e6:.1f} MB")
        print(f"  ratio (goahead / warcio): {t_wio / t_ours:.2f}x")


if __name__ == "__main__":
    main()
