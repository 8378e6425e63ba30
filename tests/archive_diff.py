"""Compare two archives table by table, leaving out only what is per-database by
definition (row ids, the captures' and listings' run ids): the rebuild, merge and crawl tests' yardstick."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# table -> (its key, the columns that are per-database by definition: row ids, run ids)
TABLES = {
    "posts": ("blog_id, post_id", {"id", "run_id", "first_run_id"}),
    "post_versions": ("blog_id, post_id, id", {"id"}),  # versions in the order they came
    "comments": ("blog_id, post_id, comment_id", {"id"}),
    "captures": ("warc_file, warc_offset", {"id", "run_id"}),
    "sites": ("site", set()),
    # what each blog listed (feed, sitemaps, HTML navigation), missing posts with it
    "listed": ("site, url", {"first_run", "last_run"}),
}
RUNS = ("runs", ("uid", {"id"}))


def rows(db: Path, table: str, key: str, ignored: set[str]) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [{k: v for k, v in dict(r).items() if k not in ignored}
                for r in conn.execute(f"SELECT * FROM {table} ORDER BY {key}")]


def differences(a: Path, b: Path, tables: dict) -> dict[str, list]:
    """Per table, the first few rows that are in one archive and not the other."""
    found = {}
    for table, (key, ignored) in tables.items():
        left, right = rows(a, table, key, ignored), rows(b, table, key, ignored)
        if left != right:
            only_left = [r for r in left if r not in right][:3]
            only_right = [r for r in right if r not in left][:3]
            found[table] = [len(left), len(right), only_left, only_right]
    return found
