"""Incremental re-crawl cost on a 1,000-post sample blog: full crawl against re-crawls.

    python bench/incremental.py [--posts 1000] [--json]

Crawls the local sample blog in full with ``goahead crawl``, re-crawls it unchanged, then
publishes one post, edits one and deletes one and re-crawls again. Requests are counted on
the server side (the sample blog logs every request it answers). Issue 6's target: an
unchanged 1,000-post blog costs at most 5 requests to re-crawl, and one more since the
blog-wide comments feed is read for new comments on old posts.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sampleblog.content import new_post
from sampleblog.server import SampleSite, start


def crawl(site: SampleSite, out: Path, *flags: str) -> dict[str, object]:
    """One ``goahead crawl``; requests the blog saw, seconds, and the run's counters."""
    site.clear_requests()
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "goahead_crawler", "crawl", site.urls["goahead"],
         "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs"), "--delay", "0",
         "--concurrency", "16", "--no-progress", *flags],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        raise SystemExit(f"goahead crawl failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    with sqlite3.connect(out / "archive.db") as conn:
        conn.row_factory = sqlite3.Row
        run = dict(conn.execute("select * from runs order by id desc").fetchone())
    deleted = json.loads(run["stats"]).get("goahead/posts/marked_deleted", 0)
    return {"requests": len(site.requests("goahead")), "seconds": round(seconds, 2),
            "new": run["posts_new"], "updated": run["posts_updated"],
            "unchanged": run["posts_unchanged"], "deleted": deleted}


def mutate(site: SampleSite) -> None:
    blog = site.blog("goahead")
    posts = blog.posts
    site.edit("goahead", posts[10].post_id, "Corrected text.\n\nA second paragraph.")
    site.delete("goahead", posts[500 % len(posts)].post_id)
    site.publish("goahead", new_post(blog, "Bench news", "Fresh.\n\nPost.",
                                     "2025-06-01T09:00:00+07:00"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures: dict[str, object] = {"posts": args.posts}
    with tempfile.TemporaryDirectory() as tmp, start(["goahead"], n_posts=args.posts) as site:
        out = Path(tmp)
        figures["full"] = crawl(site, out)
        figures["unchanged"] = crawl(site, out)
        mutate(site)
        figures["publish+edit+delete"] = crawl(site, out)
        figures["full again (--full)"] = crawl(site, out, "--full")
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.posts}-post sample blog")
    print(f"{'run':24} {'requests':>8} {'seconds':>8}  new/updated/unchanged/deleted")
    for name, f in figures.items():
        if isinstance(f, dict):
            counts = f"{f['new']}/{f['updated']}/{f['unchanged']}/{f['deleted']}"
            print(f"{name:24} {f['requests']:>8} {f['seconds']:>8}  {counts}")


if __name__ == "__main__":
    main()
