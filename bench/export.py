"""Export speed per format, on a synthetic archive of sample-blog posts (in-sample figures).

    python bench/export.py --posts 1200                 # this checkout
    python bench/export.py --posts 1200 --code ../main  # the same run on another checkout

Posts come from ``sampleblog`` (the goahead blog, made up to ``--posts`` with its
deterministic synthetic posts: Thai news text, headings, lists, captioned images, with
comments), stored through ``archive.posts.upsert_post`` as a crawl stores them, with the
post body as ``html``. Each format is exported ``--repeat`` times with the same call on
both checkouts (``archive.export.export(db, fmt, out)``: jsonl and csv to a file, txt and
md to a directory of files); the best run is printed, in seconds and posts per second,
with the size written. Run both checkouts one after the other on the same machine: the
figures are comparable like for like, and only on this machine and this sample.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path


def load(code: Path) -> None:
    sys.path.insert(0, str(code.resolve()))


def build(path: Path, n: int) -> int:
    from archive.connection import open_archive
    from archive.models import Post
    from archive.posts import upsert_comments, upsert_post
    from sampleblog.content import load_blog

    blog = load_blog("goahead", n)
    db = open_archive(path)
    with db.atomic():
        for post in blog.posts:
            upsert_post(db, Post(
                blog_id=blog.blog_id, post_id=post.post_id, url="http://goahead.test" + post.path,
                site="goahead.test", kind=post.kind, title=post.title, author=post.author,
                published=post.published, updated=post.updated, labels=post.labels,
                text=post.expected_text, html=post.body_html, images=post.images,
                language="th", warc_file="a.warc.gz", warc_offset=1))
            upsert_comments(db, blog.blog_id, post.post_id,
                            [c.__dict__ for c in post.comments])
    db.close()
    return len(blog.posts)


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(db_path: Path, fmt: str, out: Path, repeat: int) -> tuple[int, float, int]:
    from archive import export
    from archive.connection import open_archive

    best = float("inf")
    count = 0
    for _ in range(repeat):
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        db = open_archive(db_path)
        start = time.perf_counter()
        count = export.export(db, fmt, out)
        best = min(best, time.perf_counter() - start)
        db.close()
    return count, best, size(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout whose archive/ to measure")
    args = parser.parse_args(argv)
    load(args.code)
    import archive

    with tempfile.TemporaryDirectory(prefix="goahead-export-bench-") as tmp:
        work = Path(tmp)
        n = build(work / "archive.db", args.posts)
        print(f"{archive.__file__.rsplit('/archive/', 1)[0]}: {n} posts (in-sample: "
              f"sampleblog goahead posts; best of {args.repeat})")
        print(f"{'format':8} {'posts':>6} {'seconds':>8} {'posts/s':>9} {'MB written':>11}")
        for fmt, target in (("jsonl", "posts.jsonl"), ("csv", "posts.csv"),
                            ("txt", "txt"), ("md", "md")):
            count, seconds, written = run(work / "archive.db", fmt, work / target, args.repeat)
            print(f"{fmt:8} {count:6d} {seconds:8.2f} {count / seconds:9,.0f}"
                  f" {written / 1e6:11.2f}")


if __name__ == "__main__":
    main()
