"""``goahead demo``: the whole product on the bundled sample blogs, offline, in one command."""

from __future__ import annotations

import json
from pathlib import Path

from rich.markup import escape

from goahead_crawler.cli import output
from goahead_crawler.runner import project_settings, run_crawls

# Local sample blogs answer instantly; politeness delays would only slow the demo down.
DEMO_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "GOAHEAD_WARC_OPERATOR": "goahead demo",
}


# The ports the sample blogs were served on: an archive keys each blog's site on its host
# and port, so a demo run again on new ports would leave the last run's blogs behind in it,
# every post of theirs "missing" in goahead status.
PORTS_FILE = "ports.json"


def _earlier_ports(out_dir: Path) -> dict[str, int]:
    """The ports an earlier demo in ``out_dir`` served on (none when it has not run, or the
    file is not what it wrote)."""
    try:
        ports = json.loads((out_dir / PORTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(ports, dict):
        return {}
    return {name: port for name, port in ports.items()
            if isinstance(port, int) and 1024 <= port <= 65535}


def run_demo(out_dir: Path, posts: int | None = None, query: str = "ชุมชน",
             verbose: int = 0) -> bool:
    from archive import search
    from archive.connection import open_read_only
    from sampleblog.server import start

    out_dir.mkdir(parents=True, exist_ok=True)
    db_path, warc_dir = out_dir / "archive.db", out_dir / "warcs"
    overrides = dict(DEMO_SETTINGS, GOAHEAD_ARCHIVE_DB=str(db_path),
                     GOAHEAD_WARC_DIR=str(warc_dir),
                     LOG_LEVEL=["WARNING", "INFO", "DEBUG"][min(verbose, 2)])
    with start(n_posts=posts, ports=_earlier_ports(out_dir)) as site:
        (out_dir / PORTS_FILE).write_text(json.dumps(site.ports) + "\n", encoding="utf-8")
        for name, url in site.urls.items():
            output.console.print(f"Serving sample blog [bold]{name}[/] at {url}")
        output.console.print(f"Serving their images and static files at {site.cdn_url}")
        # the sample CDN stands in for Blogger's image and static hosts: capture from it,
        # page requisites too, so the demo's WARC files replay complete
        overrides.update(GOAHEAD_STATIC_ORIGINS=[site.cdn_url], GOAHEAD_REQUISITES_ENABLED=True)
        results = run_crawls(list(site.urls.values()), project_settings(overrides))
    output.print_crawl_summary(results, str(db_path), warc_dir)
    db = open_read_only(db_path)
    hits = search.search(db, query, limit=3)
    total = search.count(db, query)
    output.console.print(f"\nSearch [bold]{escape(query)}[/]: {total} posts match; the top 3:\n")
    output.print_hits(hits)
    output.console.print("Next, try:")
    for command in (f"goahead search 'พัฒนา' --db {db_path}",
                    f"goahead export --db {db_path} --format md --out {out_dir / 'md'}",
                    (f"goahead wacz --db {db_path} --warc-dir {warc_dir}"
                     f" --out {out_dir / 'demo.wacz'}   (open it in ReplayWeb.page)")):
        # whole lines, taken literally: a command to copy is never folded or read as markup
        output.console.print(f"  {command}", soft_wrap=True, markup=False)
    return all(r.ok for r in results)
