"""The archive's schema, as sqlite-utils migrations (recorded in ``_sqlite_migrations``).

Never edit a migration that has shipped: add a new ``@migrations()`` function instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from urllib.parse import quote

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .timestamps import to_utc

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
def m002_listed_and_run_tracking(db: Database) -> None:
    """What the blog lists, which run wrote each post, and who runs each crawl.

    ``listed``: every post and page URL a crawl found in the blog's feed, sitemaps or
    HTML navigation, with the runs that first and last listed it; a listed URL with no
    post row (and not gone) is missing, and the next crawl fetches it first.
    ``posts.run_id`` / ``first_run_id``: the run that last changed / first stored the row,
    so a killed run's counts come from what it stored. ``runs.pid`` / ``host`` tell a live
    run from a dead one, ``command`` says how to resume it, ``updated_at`` is the time
    of its last live update.
    """
    _table(db, "listed").create(
        {"site": str, "url": str, "kind": str, "source": str, "lastmod": str,
         "first_run": int, "last_run": int, "listed_at": str, "gone_at": str,
         "post_url": str},
        pk=("site", "url"), not_null={"site", "url", "kind"},
    )
    posts = _table(db, "posts")
    posts.add_column("run_id", int)
    posts.add_column("first_run_id", int)
    posts.create_index(["run_id"])
    runs = _table(db, "runs")
    for name, kind in (("pid", int), ("host", str), ("command", str), ("updated_at", str)):
        runs.add_column(name, kind)


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


# -- m004: the character-cluster search index (issue 11) ---------------------------------

SEARCH_FTS = "search_fts"  # clusters and Latin words, positional: what matches
SEARCH_WORDS = "search_words"  # dictionary words and clusters per post: ranking, one-cluster terms
SEARCH_STALE = "search_stale"  # title and text a post had when it was indexed, until removed
SEARCH_META = "search_meta"  # 'vocabulary' (+ '_sha1'): archive.vocabulary's list;
# 'tokenizer': thai.fingerprint() of what the index was built with;
# 'rebuild_from': the bulk (re)build has not reached this post id yet
WORDS_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"


@migrations()
def m004_search_clusters(db: Database) -> None:
    """Replace the syllable index (a stored segmented copy, 1.5x the posts) by two
    contentless FTS5 tables fed with Thai character clusters and words (:mod:`archive.tokens`).

    The new index is filled by :func:`archive.search_index.rebuild`, from the posts table:
    here it is only marked to be built, so that opening a large archive stays quick and the
    build can report its progress.
    """
    db.execute("DROP TRIGGER IF EXISTS posts_search_drop")
    db.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}_fts")
    db.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
    # text before title: FTS5 spends two bytes on each posting outside the first column.
    db.execute(f"CREATE VIRTUAL TABLE {SEARCH_FTS} USING fts5(text, title, content='',"
               f" tokenize=\"{FTS_TOKENIZE}\")")
    db.execute(f"CREATE VIRTUAL TABLE {SEARCH_WORDS} USING fts5(tokens, content='',"
               f" detail=none, columnsize=0, tokenize=\"{WORDS_TOKENIZE}\")")
    _table(db, SEARCH_STALE).create({"id": int, "title": str, "text": str}, pk="id")
    _table(db, SEARCH_META).create({"key": str, "value": str}, pk="key")
    # FTS5 can only drop a contentless row given the values it indexed: keep the old ones.
    keep_old = (f"INSERT OR IGNORE INTO {SEARCH_STALE} (id, title, text)"
                f" VALUES (old.id, old.title, old.text)")
    db.execute(f"CREATE TRIGGER search_stale_update AFTER UPDATE OF title, text ON posts"
               f" WHEN old.title IS NOT new.title OR old.text IS NOT new.text"
               f" BEGIN {keep_old}; END")
    db.execute(f"CREATE TRIGGER search_stale_delete AFTER DELETE ON posts BEGIN {keep_old}; END")
    # Deleted posts are left out of every search: find them without reading post rows.
    db.execute("CREATE INDEX posts_deleted ON posts (id) WHERE deleted_at IS NOT NULL")
    from .thai import fingerprint as tokenizer
    from .vocabulary import fingerprint, shipped  # copied into the archive: read back as is

    words = shipped()
    db.execute(f"INSERT INTO {SEARCH_META} (key, value) VALUES ('vocabulary', ?),"
               f" ('vocabulary_sha1', ?), ('tokenizer', ?)", [words, fingerprint(words),
                                                               tokenizer()])
    if db.execute("SELECT EXISTS (SELECT 1 FROM posts)").fetchone()[0]:
        db.execute(f"INSERT INTO {SEARCH_META} (key, value) VALUES ('rebuild_from', '0')")


# RFC 3986's reserved and unreserved characters, and "%": a URL path keeps them as they
# are; anything else (non-ASCII, a space) is percent-encoded from its UTF-8 bytes, as
# w3lib's safe_url_string writes it (the spelling Scrapy requests and WARC records use).
_URL_KEPT = "!#$&'()*+,/:;=?@[]%~"


def _as_fetched(url: str | None) -> str | None:
    """``url`` with its path as Scrapy sends it: a version before m005 stored a feed's
    raw ``/2024/03/ข่าว.html`` as it was written. Frozen here, as the migration is: the
    crawl's rule is ``goahead_crawler.blogger.urls.canonical_url``."""
    if not url or (url.isascii() and " " not in url):
        return url
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return scheme + sep + host + slash + quote(path, safe=_URL_KEPT)


# What m005 does not copy when a newer raw row's columns go into the kept row: its keys.
_POST_KEYS = ("id", "blog_id", "post_id")


def _rekey_made(db: Database, blog_id: str, old_id: str, new_id: str) -> bool:
    """Re-key the post made from a raw URL (``old_id``) to the id its fetched spelling
    makes, with its versions and comments. When a version before also stored the page
    under that id (fetched once from each spelling), the two rows are one post: the newer
    (by updated, then fetched) is kept under ``new_id``, the other kept as a version
    unless it is the same text, and the comments of both are the post's (one per id).
    True when two rows were made one (their search index is then stale)."""
    keys = {"blog_id": blog_id, "old": old_id, "new": new_id}
    rows = {r["post_id"]: r for r in db.query(
        "SELECT * FROM posts WHERE blog_id = :blog_id AND post_id IN (:old, :new)", keys)}
    if new_id in rows:
        raw, kept = rows[old_id], rows[new_id]
        newer, older = ((raw, kept) if _rank(raw) > _rank(kept) else (kept, raw))
        if newer is raw:
            columns = [c for c in raw if c not in _POST_KEYS]
            first = [r["first_run_id"] for r in (raw, kept) if r.get("first_run_id")]
            db.execute(f"UPDATE posts SET {', '.join(f'{c} = :{c}' for c in columns)}"
                       " WHERE id = :kept_id", {**{c: raw[c] for c in columns},
                                                "first_run_id": min(first, default=None),
                                                "kept_id": kept["id"]})
        if (older["title"], older["text"]) != (newer["title"], newer["text"]):
            db.execute("INSERT INTO post_versions (blog_id, post_id, updated, title, text,"
                       " html, fetched_at) VALUES (:blog_id, :new, :updated, :title, :text,"
                       " :html, :fetched_at)", {**{c: older[c] for c in (
                           "updated", "title", "text", "html", "fetched_at")}, **keys})
        db.execute("DELETE FROM posts WHERE id = ?", [raw["id"]])
    for table in ("posts", "post_versions", "comments"):  # a comment there already: kept
        db.execute(f"UPDATE OR IGNORE {table} SET post_id = :new WHERE blog_id = :blog_id"
                   " AND post_id = :old", keys)
    db.execute("DELETE FROM comments WHERE blog_id = :blog_id AND post_id = :old", keys)
    return new_id in rows


def _made_post_id(url: str) -> str:
    """The id a version before m005 made for a page whose markup names none, frozen here
    as the migration is (the live rule is ``archive.posts.url_post_id``)."""
    return "u" + hashlib.sha1(url.encode()).hexdigest()[:16]


def _rank(row: dict[str, str | None]) -> tuple[str, str]:
    return (to_utc(row["updated"]) or "", to_utc(row["fetched_at"]) or "")


@migrations()
def m005_urls_as_fetched(db: Database) -> None:
    """Post and listed URLs in the one spelling the crawl, the rebuild and the captures
    share (percent-encoded), so that a post stored under a feed's raw non-ASCII URL is
    not listed twice, counted missing, fetched again as new, or stored a second time
    under another id (a page whose id was made from its URL is re-keyed with it)."""
    _respell(db, _as_fetched)


def _respell(db: Database, rule: Callable[[str | None], str | None]) -> None:
    """Every post and listed URL spelled by ``rule``: a page whose id was made from its
    URL is re-keyed with it, two rows of one URL made one (:func:`_rekey_made`), two
    listings of one URL one row (the earliest and latest runs of both)."""
    db.conn.create_function("goahead_as_fetched", 1, rule, deterministic=True)
    raw = "url != goahead_as_fetched(url)"
    for row in list(db.query(f"SELECT blog_id, post_id, url FROM posts WHERE {raw}")):
        new_id = _made_post_id(rule(row["url"]) or "")
        if row["post_id"] == _made_post_id(row["url"]) and _rekey_made(
                db, row["blog_id"], row["post_id"], new_id):
            # a post's text changed and another went under SQL: built again from the
            # posts before the next search (archive.search_index, as m004 marks it)
            db.execute(f"INSERT OR REPLACE INTO {SEARCH_META} (key, value)"
                       " VALUES ('rebuild_from', '0')")
    db.execute(f"UPDATE posts SET url = goahead_as_fetched(url) WHERE {raw}")
    # a URL listed under two or more spellings: one row, the earliest and latest runs of
    # all. One raw row at a time: an UPDATE ... FROM that matched two raw rows to one row
    # took one of them (SQLite picks), and the other's first or last run was lost.
    for row in list(db.query(f"SELECT rowid, site, url FROM listed WHERE {raw} ORDER BY rowid")):
        target = rule(row["url"])
        kept = db.execute("SELECT rowid FROM listed WHERE site = ? AND url = ?",
                          [row["site"], target]).fetchone()
        if kept is None:
            db.execute("UPDATE listed SET url = ? WHERE rowid = ?", [target, row["rowid"]])
            continue
        _merge_listed(db, f"r.rowid = {int(row['rowid'])} AND l.rowid = {int(kept[0])}")
        db.execute("DELETE FROM listed WHERE rowid = ?", [row["rowid"]])
    db.execute("UPDATE listed SET post_url = goahead_as_fetched(post_url)"
               " WHERE post_url != goahead_as_fetched(post_url)")


def _merge_listed(db: Database, match: str) -> None:
    """Fold each listing ``r`` into the listing ``l`` it is one URL of (``match``): the
    earliest and latest runs of both, the first source; the caller then drops ``r``."""
    db.execute(
        "UPDATE listed AS l SET"
        " first_run = min(coalesce(l.first_run, r.first_run), coalesce(r.first_run, l.first_run)),"
        " last_run = max(coalesce(l.last_run, r.last_run), coalesce(r.last_run, l.last_run)),"
        " listed_at = max(coalesce(l.listed_at, r.listed_at), coalesce(r.listed_at, l.listed_at)),"
        " gone_at = min(coalesce(l.gone_at, r.gone_at), coalesce(r.gone_at, l.gone_at)),"
        " post_url = coalesce(l.post_url, r.post_url), lastmod = coalesce(l.lastmod, r.lastmod),"
        " source = CASE WHEN r.rowid < l.rowid THEN r.source ELSE l.source END"  # the first
        f" FROM listed AS r WHERE {match}")


def _idna_host(netloc: str) -> str:
    """A non-ASCII host (and its port) in IDNA, as Scrapy asks for it; else as given."""
    if netloc.isascii():
        return netloc
    name, colon, port = netloc.lower().partition(":")
    with contextlib.suppress(UnicodeError):  # no host IDNA can spell: left as it was
        return name.rstrip(".").encode("idna").decode("ascii") + colon + port
    return netloc


_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def _escapes_and_host(url: str | None) -> str | None:
    """``url`` with its percent-escapes in upper case (``%e0`` and ``%E0`` are one octet,
    RFC 3986 2.1) and a non-ASCII host in IDNA (``ข่าว.com`` -> ``xn--22c8e6a1f.com``), as
    the crawl has fetched and keyed URLs since m006 (m005 spelled the path only). Frozen
    here: the crawl's rule is ``goahead_crawler.blogger.urls.canonical_url``."""
    url = _as_fetched(url)
    if not url or ("%" not in url and url.isascii()):
        return url
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    path = _ESCAPE.sub(lambda m: m.group().upper(), path)
    return scheme + sep + _idna_host(host) + slash + path


@migrations()
def m006_escapes_and_idn_hosts(db: Database) -> None:
    """Post and listed URLs with upper-case percent-escapes and an IDN host in IDNA, as
    the crawl keys them now: a post a version before stored or listed as ``%e0%b8%82``
    (a link in lower case) or on ``ข่าว.com`` is not listed twice, counted missing or
    stored again under another id by the next crawl. A blog on such a domain was its own
    site ``ข่าว.com`` before a920f9f and is ``xn--22c8e6a1f.com`` since: one site."""
    _respell(db, _escapes_and_host)
    db.conn.create_function("goahead_idna_site", 1, _idna_host, deterministic=True)
    moved = "site != goahead_idna_site(site)"
    for table in ("posts", "runs", "captures"):
        db.execute(f"UPDATE {table} SET site = goahead_idna_site(site) WHERE {moved}")
    for table in ("runs", "sites"):
        db.execute(f"UPDATE {table} SET url = goahead_as_fetched(url)"
                   " WHERE url != goahead_as_fetched(url)")
    db.execute(  # a blog crawled under both names: one site, its first and last crawls
        "UPDATE sites AS l SET"
        " first_crawl = min(coalesce(l.first_crawl, r.first_crawl),"
        " coalesce(r.first_crawl, l.first_crawl)),"
        " last_crawl = max(coalesce(l.last_crawl, r.last_crawl),"
        " coalesce(r.last_crawl, l.last_crawl)),"
        " blog_id = coalesce(l.blog_id, r.blog_id), title = coalesce(l.title, r.title)"
        " FROM sites AS r WHERE r.site != l.site AND goahead_idna_site(r.site) = l.site")
    _merge_listed(db, "r.url = l.url AND r.site != l.site AND goahead_idna_site(r.site) = l.site")
    for table in ("sites", "listed"):
        db.execute(f"UPDATE OR IGNORE {table} SET site = goahead_idna_site(site) WHERE {moved}")
        db.execute(f"DELETE FROM {table} WHERE {moved}")  # folded into the IDNA name's row
