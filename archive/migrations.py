"""The archive's schema, as sqlite-utils migrations (recorded in ``_sqlite_migrations``).

Never edit a migration that has shipped: add a new ``@migrations()`` function instead.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("goahead")

# Thai syllables are separated by U+200B (category Cf), so the tokenizer splits on it;
# keeping marks (M*) inside tokens stops unicode61 from cutting Thai at every vowel.
# porter stems English (archives -> archive) and passes Thai through unchanged.
FTS_TOKENIZE = "porter unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
SEARCH_TABLE = "posts_search"


def _table(db: Database, name: str):
    return db.table(name)


@migrations()
def m001_initial(db: Database) -> None:
    _table(db, "sites").create(
        {"site": str, "blog_id": str, "title": str, "url": str,
         "first_crawl": str, "last_crawl": str},
        pk="site",
    )
    _create_posts(db)
    _table(db, "comments").create(
        {"id": int, "blog_id": str, "post_id": str, "comment_id": str, "author": str,
         "published": str, "text": str},
        pk="id", not_null={"blog_id", "post_id", "comment_id"},
    )
    _table(db, "comments").create_index(["blog_id", "post_id", "comment_id"], unique=True)
    _table(db, "runs").create(
        {"id": int, "site": str, "url": str, "started_at": str, "finished_at": str,
         "status": str, "posts_new": int, "posts_updated": int, "posts_unchanged": int,
         "pages": int, "comments": int, "requests": int, "bytes": int, "errors": int,
         "settings": str, "stats": str},
        pk="id", not_null={"started_at", "status"},
    )
    _create_captures(db)
    _table(db, "post_versions").create(
        {"id": int, "blog_id": str, "post_id": str, "updated": str, "title": str,
         "text": str, "html": str, "fetched_at": str},
        pk="id", not_null={"blog_id", "post_id"},
    )
    _table(db, "post_versions").create_index(["blog_id", "post_id"])
    _create_search(db)


@migrations()
def m003_run_uid(db: Database) -> None:
    """A run's own id, the same in every shard it is merged from (row ids are per file).
    Numbered 003: issue 12's other half adds m002 (what each blog lists)."""
    _table(db, "runs").add_column("uid", str)
    _table(db, "runs").create_index(["uid"], unique=True)


def _create_posts(db: Database) -> None:
    posts = _table(db, "posts")
    posts.create(
        {"id": int, "blog_id": str, "post_id": str, "url": str, "site": str, "kind": str,
         "title": str, "author": str, "published": str, "published_utc": str,
         "updated": str, "labels": str, "text": str, "html": str, "images": str,
         "outlinks": str, "language": str, "word_count": int, "extractor": str,
         "comment_count": int, "warc_file": str, "warc_offset": int, "warc_length": int,
         "fetched_at": str, "deleted_at": str},
        # An explicit INTEGER PRIMARY KEY: VACUUM may renumber an implicit rowid, and
        # the search table is keyed on it.
        pk="id", not_null={"blog_id", "post_id", "url", "site", "kind"},
        defaults={"kind": "post", "labels": "[]", "images": "[]", "outlinks": "[]"},
    )
    posts.create_index(["blog_id", "post_id"], unique=True)
    posts.create_index(["url"])
    posts.create_index(["site", "published_utc"])
    posts.create_index(["published_utc"])


def _create_captures(db: Database) -> None:
    captures = _table(db, "captures")
    captures.create(
        {"id": int, "url": str, "status": int, "warc_file": str, "warc_offset": int,
         "warc_length": int, "digest": str, "fetched_at": str, "record_type": str,
         "content_type": str, "site": str, "run_id": int},
        pk="id", not_null={"url", "warc_file", "warc_offset", "fetched_at"},
        defaults={"record_type": "response"},
        foreign_keys=[("run_id", "runs", "id")],
    )
    captures.create_index(["warc_file", "warc_offset"], unique=True)
    captures.create_index(["url", "fetched_at"])
    captures.create_index(["digest"])


def _create_search(db: Database) -> None:
    """The segmented copy of each post's title and text, with FTS5 over it.

    ``posts_search.id`` equals ``posts.id``. The store writes the segmented copy (Python
    does the segmenting); sqlite-utils' triggers keep the FTS index in step with it, and
    a trigger here drops the copy when a post row is deleted.
    """
    search = _table(db, SEARCH_TABLE)
    search.create({"id": int, "title": str, "text": str}, pk="id")
    search.enable_fts(["title", "text"], tokenize=FTS_TOKENIZE, create_triggers=True)
    db.execute(
        f"CREATE TRIGGER posts_search_drop AFTER DELETE ON posts BEGIN "
        f"DELETE FROM {SEARCH_TABLE} WHERE id = old.id; END"
    )
