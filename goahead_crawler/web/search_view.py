"""The web view's search: the form a researcher fills in, and what a results page shows.

Every search goes through :func:`archive.search.search` and :func:`archive.search.count`
with the form's filters passed as typed (so the web finds what ``goahead search`` finds);
a query or filter the archive refuses is its message and hint, never "0 results". A site
or label may be repeated (``?site=a&site=b``: any of the sites; labels: all of them), and
one of several that no post has is named on the page though the others match
(:func:`archive.filter_check.unknown_value`, as ``goahead search`` refuses it). Text
that came from a blog is HTML-escaped; only the match markers become ``<mark>``.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import quote, urlencode

from sqlite_utils import Database

from archive import search as archive_search
from archive.errors import ArchiveError
from archive.filter_check import unknown_value
from archive.filters import Filters
from archive.query import operator_note
from archive.snippets import ELLIPSIS, clip

PAGE_SIZE = 20
MAX_PAGE = 5_000  # deep enough for 100k hits; an absurd ?page= is one line, not a scan
TITLE_SHOWN = 200  # characters of a title in a list of posts (Datasette's cells: 200 too)
MARKERS = ("\ue000", "\ue001")  # private-use characters: no blog text is mistaken for one
FILTERS = ("site", "label", "author", "since", "until", "lang")
SEVERAL = ("site", "label")  # repeatable, as --site and --label: any site, every label
SORTS = archive_search.SORTS


def clipped(text: str, limit: int = TITLE_SHOWN) -> str:
    """A title as a list of posts shows it: about ``limit`` characters, cut where no
    character cluster is split (:func:`archive.snippets.clip`), a match cut short still
    closed; the post's page shows it whole."""
    shown = clip(text, limit)
    if shown.count(MARKERS[0]) > shown.count(MARKERS[1]):  # cut inside a match
        shown = shown.removesuffix(ELLIPSIS) + MARKERS[1] + ELLIPSIS
    return shown


def marked_html(text: str) -> str:
    """``text`` HTML-escaped, with the search's match markers turned into ``<mark>``."""
    escaped = html.escape(text, quote=False)
    return escaped.replace(MARKERS[0], "<mark>").replace(MARKERS[1], "</mark>")


def post_path(database: str, blog_id: str, post_id: str) -> str:
    """Where the archive's reading view of a post lives."""
    return f"/{quote(database)}/post/{quote(blog_id, safe='')}/{quote(post_id, safe='')}"


def post_path_by_id(database: str, post_pk: int | str) -> str:
    """The reading view of the post with ``posts.id`` ``post_pk`` (tables and queries)."""
    return f"/{quote(database)}/post/{int(post_pk)}"


def _page_number(value: str) -> int:
    """A page number from the address: ASCII digits only (``²`` is a digit to ``isdigit``
    and not to ``int``), 1 for anything else, at most :data:`MAX_PAGE`."""
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return 1 if not (value.isascii() and value.isdigit()) else MAX_PAGE
    return min(max(int(value), 1), MAX_PAGE)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes")


def _all(args: Any, name: str) -> tuple[str, ...]:
    """Every value of a repeatable argument (``?site=a&site=b``), stripped, each once."""
    given = args.getlist(name) if hasattr(args, "getlist") else args.get(name)
    values = [given] if isinstance(given, str) else list(given or ())
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


@dataclass
class SearchForm:
    """What a search page was asked for (its URL's query string)."""

    q: str = ""
    site: tuple[str, ...] = ()
    label: tuple[str, ...] = ()
    author: str = ""
    since: str = ""
    until: str = ""
    lang: str = ""
    whole_word: bool = False
    include_deleted: bool = False
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> SearchForm:
        """From a request's arguments (anything with ``.get``); unknown ones are ignored."""
        text: dict[str, Any] = {name: _all(args, name) if name in SEVERAL
                                else (args.get(name) or "").strip() for name in ("q", *FILTERS)}
        sort = args.get("sort") or "relevance"
        page = args.get("page") or "1"
        return cls(**text, whole_word=_flag(args.get("whole_word")),
                   include_deleted=_flag(args.get("include_deleted")),
                   sort=sort if sort in SORTS else "relevance",
                   page=_page_number(page))

    def filters(self) -> dict[str, str | tuple[str, ...]]:
        """The filters the researcher set, as typed (the archive reads them)."""
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}

    def query_string(self, **changes: Any) -> str:
        """This form as a URL query string, with ``changes``; defaults and empty values
        left out, a repeated filter repeated."""
        values = asdict(self) | changes
        defaults = {f.name: f.default for f in fields(self)}
        kept = {name: ("1" if value is True else value) for name, value in values.items()
                if value != defaults[name] and value not in ("", ())}
        return urlencode(kept, doseq=True)


@dataclass
class HitView:
    """One hit as the page and the JSON show it."""

    hit: archive_search.Hit
    view: str  # the archive's reading view of the post

    @property
    def title_html(self) -> str:
        return marked_html(clipped(self.hit.title_highlight))

    @property
    def snippet_html(self) -> str:
        return marked_html(self.hit.snippet)

    def to_dict(self) -> dict[str, Any]:
        data = self.hit.to_dict()
        data.update(title_html=self.title_html, snippet=self.snippet_html, view=self.view)
        del data["title_highlight"]
        return data


@dataclass
class Results:
    """A results page: the hits, the total, or what was wrong with the query."""

    form: SearchForm
    total: int = 0
    hits: list[HitView] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None
    unfiltered: int | None = None  # with no hit: how many posts match without the filters
    unknown: str | None = None  # of several sites or labels, one no post has (said always)
    note: str | None = None  # with no hit: an "or" searched as a word (archive.query)

    @property
    def pages(self) -> int:
        """The pages this search can show: past :data:`MAX_PAGE` a ``?page=`` is read as
        that page, so the pager never links further (:attr:`beyond` says what is left)."""
        return min(max(1, -(-self.total // PAGE_SIZE)), MAX_PAGE)

    @property
    def beyond(self) -> int:
        """The hits after the last page shown (past :data:`MAX_PAGE` pages)."""
        return max(0, self.total - MAX_PAGE * PAGE_SIZE)

    @property
    def first(self) -> int:
        return (self.form.page - 1) * PAGE_SIZE + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0

    def page_links(self) -> list[tuple[int, str]]:
        """(page number, query string) for the pages around this one, first and last."""
        here, last = self.form.page, self.pages
        numbers = sorted({1, last, *range(max(1, here - 3), min(last, here + 3) + 1)})
        return [(n, self.form.query_string(page=n)) for n in numbers]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": self.error is None, "query": asdict(self.form),
                                "total": self.total, "page": self.form.page,
                                "pages": self.pages, "page_size": PAGE_SIZE,
                                "hits": [hit.to_dict() for hit in self.hits]}
        if self.error is not None:
            data.update(error=self.error, hint=self.hint)
        if self.unfiltered is not None:
            data["unfiltered"] = self.unfiltered
        if self.unknown is not None:
            data["unknown"] = self.unknown
        if self.note is not None:
            data["note"] = self.note
        if self.beyond:
            data["beyond_last_page"] = self.beyond
        return data


def run_search(db: Database, form: SearchForm, database: str) -> Results:
    """The page ``form`` asks for, read from ``db`` (a read-only connection)."""
    results = Results(form)
    if not form.q and not form.filters():
        return results  # the start page; filters alone are the archive's "nothing to search"
    options = {"whole_word": form.whole_word, "include_deleted": form.include_deleted,
               **form.filters()}
    try:
        results.total = archive_search.count(db, form.q, **options)
        hits = archive_search.search(db, form.q, sort=form.sort, limit=PAGE_SIZE,
                                     offset=(form.page - 1) * PAGE_SIZE, markers=MARKERS,
                                     **options)
    except ArchiveError as err:
        results.error, results.hint = str(err), err.hint
        return results
    results.hits = [HitView(hit, post_path(database, hit.blog_id, hit.post_id))
                    for hit in hits]
    miss = unknown_value(db, Filters(site=form.site, label=form.label,
                                     include_deleted=form.include_deleted))
    results.unknown = miss.message if miss else None
    if not results.total:
        results.note = operator_note(form.q)
    if not results.total and (form.filters() or form.whole_word):
        results.unfiltered = archive_search.count(db, form.q,
                                                  include_deleted=form.include_deleted)
    return results
