"""What Datasette shows for a goahead archive: titles, facets, hidden tables, canned queries.

Pure data built from the archive's schema constants. Searching is not a canned query: the
plugin's search page (:mod:`goahead_crawler.web.search_view`) runs
:func:`archive.search.search`, which ranks and makes snippets in Python.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from archive.escaping import SPREADSHEET_CELL_MAX
from archive.folding import COLLATION
from archive.migrations import SEARCH_FTS, SEARCH_META, SEARCH_STALE, SEARCH_WORDS

LATEST_LIMIT = 100
SEARCH_TITLE = "Search posts (Thai and English)"

# Columns the posts table page leaves out unless ?_col= / ?_nocol= says otherwise: long
# or machine-only values (the row page and the JSON API still have every column).
HIDDEN_POST_COLUMNS = (
    "blog_id", "post_id", "text", "html", "images", "outlinks", "warc_offset", "warc_length",
    "extractor",
)

# Descriptions for the columns whose meaning is not plain from the name (shown above
# the table; Datasette lists every described column, so the list stays short).
POST_COLUMNS = {
    "kind": "post, or page for a static /p/ page",
    "published_utc": "publication time in UTC (sorting, months)",
    "labels": "JSON array; facet with _facet_array=labels",
    "word_count": "words in the text (Thai counted after segmentation)",
    "deleted_at": "when the post disappeared from the blog (UTC)",
}

# Datasette's CSV streams (and may be every row, ``_stream``): which cell is too long is
# known only once its headers are sent, so the warning ``goahead export --format csv``
# gives (archive.escaping.SPREADSHEET_CELL_MAX) is said where the CSV links are.
CSV_NOTE = (f"A spreadsheet cuts a cell longer than {SPREADSHEET_CELL_MAX:,} characters when"
            " it opens a CSV download (a post's text can be longer; the file holds it"
            " whole): the JSON download, or goahead export, which names such posts, has it"
            " whole.")

_LIVE = "posts.deleted_at IS NULL"

LATEST_SQL = f"""
SELECT published, title, site, author, labels, url, id
FROM posts WHERE kind = 'post' AND {_LIVE}
ORDER BY published_utc DESC, id DESC
LIMIT {LATEST_LIMIT}
""".strip()

# A label compares as in goahead search --label: without case in any script (the folding
# collation every web view connection has; archive.folding).
BY_LABEL_SQL = f"""
SELECT published, title, site, author, url, id
FROM posts
WHERE EXISTS (SELECT 1 FROM json_each(posts.labels)
              WHERE value COLLATE {COLLATION} = trim(:label)) AND {_LIVE}
ORDER BY published_utc DESC, id DESC
""".strip()

PER_MONTH_SQL = f"""
SELECT substr(published_utc, 1, 7) AS month, site, count(*) AS posts
FROM posts
WHERE kind = 'post' AND published_utc IS NOT NULL AND {_LIVE}
GROUP BY month, site
ORDER BY month DESC, site
""".strip()

QUERIES: dict[str, dict[str, Any]] = {
    "latest": {"title": "Latest posts", "sql": LATEST_SQL, "hide_sql": True,
               "description": CSV_NOTE},
    "by_label": {"title": "Posts with a label", "sql": BY_LABEL_SQL, "hide_sql": True,
                 "description": CSV_NOTE},
    "per_month": {"title": "Posts per month, by blog", "sql": PER_MONTH_SQL, "hide_sql": True},
}


def metadata(database: str, title: str = "goahead archive") -> dict[str, Any]:
    """Datasette metadata for the archive served under the name ``database``."""
    hidden = {"hidden": True}
    pages = {"search": SEARCH_TITLE} | {name: query["title"] for name, query in QUERIES.items()}
    links = ", ".join(f'<a href="/{quote(database)}/{name}">{html.escape(title)}</a>'
                      for name, title in pages.items())
    return {
        "title": title,
        "description_html": (
            "Blogger news posts crawled, captured (WARC) and cleaned by goahead. "
            f"Start with: {links}, or the <a href=\"/{quote(database)}/posts\">posts</a> "
            "table (facets on site, label and author)."
        ),
        "databases": {database: {
            "description": "Start with the search page, or browse posts by site and label. "
                           + CSV_NOTE,
            "queries": QUERIES,
            "tables": {
                "posts": {
                    "description": CSV_NOTE,
                    "label_column": "title",
                    "sort_desc": "published_utc",
                    "facets": ["site", {"array": "labels"}, "author"],
                    "fts_table": SEARCH_FTS,
                    "fts_pk": "id",
                    "columns": POST_COLUMNS,
                },
                **dict.fromkeys((SEARCH_FTS, SEARCH_WORDS, SEARCH_STALE, SEARCH_META), hidden),
                "_sqlite_migrations": hidden,
            },
        }},
    }
