"""The SQL of a search, built from a parsed query: pure functions, no database.

A query becomes a :class:`Plan`: the expressions that find every hit, the hits in titles,
and the whole-word uses (``search_words``, see :mod:`archive.tokens`). Ranking puts hits in
tiers, best first:

0. a whole word in the title, 1. a whole word in the text, 2. inside a longer word in the
title, 3. inside a longer word in the text (a query without Thai: 0. title, 1. text);

and inside a tier by relevance, or newest first when the tier holds more than :data:`CAP`
posts. Relevance is bm25-shaped: how often each term occurs in the title (weighted ten
times) and in the text, saturating, the text count scaled by the text's length against the
tier's average (:func:`relevance`, and :func:`score_sql`, the same in SQL). It is computed
from the posts of one tier: FTS5's own bm25 would walk every post that has the clusters of
a word to score twenty of them, which for a common word costs more than a whole search
may. Ties go to the newer post id.

:func:`ranked_sql` is that order as one statement (what ``--sql`` can print and export
runs); :mod:`archive.ranking` reaches the same order tier by tier, and stops as soon as
the page is full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .filters import Filters
from .folding import (
    MAI_YAMOK,
    NUMBER_PADDING,
    e_prefix_forms,
    fold_matching,
    join_thai_runs,
    thai_space_forms,
)
from .migrations import SEARCH_FTS, SEARCH_STALE, SEARCH_WORDS
from .query import And, Node, Not, Or, Term, in_title, positive_terms, to_fts
from .tokens import DOT, HAS_BODY, HAS_TITLE, WORD_BODY, WORD_TITLE, term_tokens
from .vocabulary import Vocabulary

TEXT_WEIGHT, TITLE_WEIGHT = 1.0, 10.0  # a title occurrence counts ten text ones
CAP = 200  # posts in a tier beyond which it is ordered newest first (not scored)
BY_DATE = "idx_posts_published_utc"  # posts(published_utc), from migration m001


@dataclass(frozen=True)
class Source:
    """Post ids from one FTS5 table: ``SELECT rowid FROM table WHERE table MATCH :param``."""

    table: str
    param: str

    def sql(self, keep: str) -> str:
        return (f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH :{self.param}"
                f" AND {keep}")


@dataclass(frozen=True)
class Plan:
    """What to ask the two FTS5 tables for one query (expressions only, no user text)."""

    match: str  # search_fts: every hit (any query)
    title_match: str  # search_fts: hits in the title
    words: str | None  # search_words: whole-word uses; None: every hit is one
    title_words: str | None  # search_words: whole-word uses in the title
    contained: str | None  # search_words: every hit, when it records the query whole
    title_contained: str | None
    subsets: bool  # whole-word and title sets are inside the hits (no need to intersect)
    needles: tuple[tuple[str, ...], ...]  # each positive term as text, lower case, in each
    # way its digits may be written (2567, ๒๕๖๗): what is scored

    @property
    def hits(self) -> Source:
        return (Source(SEARCH_WORDS, "contained") if self.contained
                else Source(SEARCH_FTS, "match"))

    @property
    def titles(self) -> Source:
        return (Source(SEARCH_WORDS, "title_contained") if self.contained
                else Source(SEARCH_FTS, "title_match"))

    def params(self) -> dict[str, str]:
        values = {"match": self.match, "title_match": self.title_match,
                  "words": self.words, "title_words": self.title_words,
                  "contained": self.contained, "title_contained": self.title_contained}
        values |= {f"needle{i}_{j}": variant for i, needle in enumerate(self.needles)
                   for j, variant in enumerate(needle)}
        return {name: value for name, value in values.items() if value is not None}


WORDS = Source(SEARCH_WORDS, "words")
_THAI = re.compile("[\u0e01-\u0e4e]")
TITLE_WORDS = Source(SEARCH_WORDS, "title_words")


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _words_expr(node: Node, title_only: bool) -> str | None:
    """search_words expression for whole-word uses of the positive terms (None: any hit)."""
    if isinstance(node, Not):
        return _words_expr(node.keep, title_only)
    if isinstance(node, Term):
        words = term_tokens(node.text, node.prefix).words
        if not words:
            return None
        marks = (WORD_TITLE,) if title_only or node.title else (WORD_BODY, WORD_TITLE)
        star = "*" if node.prefix else ""
        parts = [" OR ".join(_quote(mark + word) + (star if i == len(words) - 1 else "")
                             for mark in marks) for i, word in enumerate(words)]
        return " AND ".join(f"({part})" for part in parts)
    items = [_words_expr(item, title_only) for item in node.items]
    if isinstance(node, Or) and None in items:
        return None
    kept = [f"({item})" for item in items if item is not None]
    return (" AND " if isinstance(node, And) else " OR ").join(kept) or None


def _subsets(node: Node) -> bool:
    """Whether every whole-word use and title hit is a hit: no NOT, one word per term,
    and no Latin or digits beside it (``OTOPผ้า``: a whole-word ผ้า alone is no hit) nor a
    full stop after it (``จ.``: a whole-word จ alone is no hit)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, Term):
        found = term_tokens(node.text, node.prefix)
        return len(found.words) <= 1 and all(_THAI.search(token) and DOT not in token
                                             for token in found.tokens)
    return all(_subsets(item) for item in node.items)


_ARABIC, _THAI_DIGITS = "0123456789", "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans(_ARABIC, _THAI_DIGITS)


_YAMOK_AFTER_WORD = re.compile(f"(?<=[\u0e01-\u0e45\u0e47-\u0e4e]){MAI_YAMOK}")
_GROUPS = re.compile(r"(?<![\d,])\d{4,}(?!\d)")


def _with_commas(needle: str) -> str:
    """Numbers of four digits or more written with thousands commas (3480000: 3,480,000)."""
    return _GROUPS.sub(lambda m: f"{int(m.group()):,}" if m.group()[0] != "0" else m.group(),
                       needle)


# A digit the index's rule would have taken a zero from (archive.folding._PADDING_ZERO):
# alone, or the month of a dotted date.
_PADDABLE = re.compile(r"(?<![\d.,:])\d(?!\d)|(?<=(?<![\d.,:])\d\.)\d(?=\.\d\d)"
                       r"|(?<=(?<![\d.,:])\d\d\.)\d(?=\.\d\d)")


def _with_zeros(needle: str) -> str:
    """Days, months and hours padded to two digits (1.5.2567: 01.05.2567), as posts write
    them; added only where the unpadded needle is not inside it (6.00 is in 06.00)."""
    return _PADDABLE.sub(lambda m: "0" + m.group(), needle)


def needle_variants(needle: str) -> tuple[str, ...]:
    """``needle`` in each way a term matches it (:func:`archive.folding.match_form` and the
    index's own rules), so relevance counts them all: Thai or Arabic digits (``2567``,
    ``๒๕๖๗``), with or without thousands commas (``3480000``, ``3,480,000``), accented or
    not and full-width as ASCII (``café`` counts ``cafe``; the other way cannot be listed),
    a hyphen inside Thai (``ข่าว-ด่วน`` counts ``ข่าวด่วน``), a space before ๆ or not
    (``เด็กๆ``, ``เด็ก ๆ``), Thai words a phrase spaces written joined or hyphenated
    (``"ข่าว ด่วน"`` counts ``ข่าวด่วน`` and ``ข่าว-ด่วน``), an e-prefix joined or not
    (``email``, ``e-mail``), Thai typed tone mark first (``น้ำ`` counts ``นำ้``, ``แม่``
    counts ``เเม่``). A padding zero is dropped, and added back only where the needle
    without it is not inside the padded one (``1.5.2567`` counts ``01.05.2567``; ``6.00`` is
    inside ``06.00``: counted once)."""
    base = NUMBER_PADDING.sub(lambda m: m.group() if m.group() == "," else "", needle)
    forms = dict.fromkeys((base, join_thai_runs(fold_matching(base))))
    forms |= dict.fromkeys(variant for form in list(forms) for variant in e_prefix_forms(form))
    forms |= dict.fromkeys(spaced for form in list(forms)
                           for spaced in thai_space_forms(form, ("", "-")))
    forms |= dict.fromkeys(_YAMOK_AFTER_WORD.sub(" " + MAI_YAMOK, form) for form in list(forms))
    forms |= dict.fromkeys(NUMBER_PADDING.sub("", form) for form in list(forms))
    forms |= dict.fromkeys(padded for form in list(forms) if (padded := _with_zeros(form))
                           and not any(kept in padded for kept in forms))
    forms |= dict.fromkeys(_with_commas(form) for form in list(forms))
    forms |= dict.fromkeys(form.translate(_TO_THAI) for form in list(forms))
    forms |= dict.fromkeys(_tone_first(form) for form in list(forms))
    return tuple(forms)


# The other typing order :func:`archive.folding.search_form` reads as the one it keeps
# (its _TONE_FIRST and sara e twice): a needle is in that kept order (the query's search
# form), a post's stored text as it was typed (นำ้ for น้ำ, ส่ิง for สิ่ง, เเม่ for แม่).
_VOWEL_TONE = re.compile("([\u0e31\u0e34-\u0e37])([\u0e48-\u0e4b])|([\u0e48-\u0e4b])\u0e33")


def _tone_first(needle: str) -> str:
    """``needle`` as typed tone mark first and sara ae as two sara e."""
    typed = _VOWEL_TONE.sub(lambda m: m[2] + m[1] if m[1] else "\u0e33" + m[3], needle)
    return typed.replace("\u0e41", "\u0e40\u0e40")


def plan(node: Node, common: Vocabulary | None) -> Plan:
    """The plan for a parsed query, given the archive's vocabulary of common words."""
    contained = title_contained = None
    if isinstance(node, Term) and (whole := term_tokens(node.text, node.prefix).contained(common)):
        title_contained = _quote(HAS_TITLE + whole)
        contained = (title_contained if node.title
                     else f"{_quote(HAS_BODY + whole)} OR {title_contained}")
    words = _words_expr(node, False)
    typed = dict.fromkeys(" ".join(t.text.split()).lower() for t in positive_terms(node))
    needles = tuple(needle_variants(needle) for needle in typed)
    return Plan(to_fts(node), to_fts(in_title(node)), words,
                _words_expr(node, True) if words else None, contained, title_contained,
                _subsets(node), needles)


@dataclass(frozen=True)
class Gone:
    """Whether the archive has posts a search must leave out (checked once per search)."""

    stale: bool = True  # rows changed or deleted since they were indexed (search_stale)
    deleted: bool = True  # posts marked deleted


def exclusions(filters: Filters, gone: Gone = Gone()) -> tuple[str, dict[str, Any]]:
    """SQL that keeps a post id (``rowid``) to live posts passing ``filters``."""
    clauses = ["TRUE"]
    if gone.stale:
        clauses.append(f"rowid NOT IN (SELECT id FROM {SEARCH_STALE})")
    if gone.deleted and not filters.include_deleted:
        clauses.append("rowid NOT IN (SELECT id FROM posts WHERE deleted_at IS NOT NULL)")
    where, params = replace(filters, include_deleted=True).where("posts")
    if where:
        clauses.append(f"rowid IN (SELECT id FROM posts WHERE {' AND '.join(where)})")
    return " AND ".join(clauses[1:] or clauses), params


def tiers(p: Plan, whole_word: bool = False) -> list[int]:
    if p.words is None:
        return [0, 1]
    return [0, 1] if whole_word else [0, 1, 2, 3]


def members(p: Plan, tier: int, keep: str) -> str:
    """SQL for the post ids in one tier."""
    hits = p.hits.sql(keep)
    if p.words is None:
        base, outside = ((p.titles, []) if tier == 0 else (p.hits, [p.titles]))
    else:
        base, outside = {0: (TITLE_WORDS, []), 1: (WORDS, [TITLE_WORDS]),
                         2: (p.titles, [WORDS]), 3: (p.hits, [WORDS, p.titles])}[tier]
    sql = base.sql(keep)
    if base is not p.hits and not p.subsets:
        sql += f" AND +rowid IN ({hits})"
    for source in outside:
        sql += f" AND rowid NOT IN ({source.sql('TRUE')})"
    return sql


def _count(needle: str, haystack: str) -> str:
    return f"((length({haystack}) - length(replace({haystack}, {needle}, ''))) / length({needle}))"


def score_sql(p: Plan) -> str:
    """:func:`relevance` in SQL, over columns ``title``, ``text``, ``n`` (the text's length)
    and ``avg`` (the average length over the posts scored)."""
    parts = []
    for i, needle in enumerate(p.needles):
        title = "(" + " + ".join(_count(f":needle{i}_{j}", "lower(coalesce(title, ''))")
                                 for j in range(len(needle))) + ")"
        text = "(" + " + ".join(_count(f":needle{i}_{j}", "lower(coalesce(text, ''))")
                                for j in range(len(needle))) + ")"
        parts.append(f"({TITLE_WEIGHT} * {title} / ({title} + 1.0) + {TEXT_WEIGHT} * 2.2 *"
                     f" {text} / ({text} + 1.2 * (0.25 + 0.75 * n / max(avg, 1.0))))")
    return "(0.0 + " + " + ".join(parts) + ")"


def relevance(needles: tuple[tuple[str, ...], ...], title: str | None, text: str | None,
              avg: float) -> float:
    """A post's relevance: the same float operations in the same order as
    :func:`score_sql`. Counting is on SQLite's ``lower()`` (ASCII letters only), which for
    a needle without ASCII letters changes nothing, and for one with them is bytes.lower().
    """
    title, text = title or "", text or ""
    score = 0.0
    for variants in needles:
        in_title = in_text = 0
        for needle in variants:
            if needle.isascii() or any("a" <= ch <= "z" for ch in needle):
                folded = needle.encode()
                in_title += title.encode().lower().count(folded)
                in_text += text.encode().lower().count(folded)
            else:
                in_title, in_text = in_title + title.count(needle), in_text + text.count(needle)
        score += (TITLE_WEIGHT * in_title / (in_title + 1.0) + TEXT_WEIGHT * 2.2 * in_text
                  / (in_text + 1.2 * (0.25 + 0.75 * len(text) / max(avg, 1.0))))
    return score


def texts(id_sql: str) -> str:
    """Title and text of the posts whose ids ``id_sql`` gives (to score them)."""
    return f"SELECT id, title, text FROM posts WHERE id IN ({id_sql})"


def dated_page(id_sql: str) -> str:
    """Posts newest first, one page of them (walking the date index, not the posts)."""
    return (f"SELECT id, 0.0 FROM posts INDEXED BY {BY_DATE} WHERE id IN ({id_sql})"
            f" ORDER BY published_utc DESC, id DESC LIMIT :limit OFFSET :offset")


def ranked_sql(p: Plan, filters: Filters, *, whole_word: bool = False,
               sort: str = "relevance", limit: int | None = 20, offset: int = 0,
               rows: bool = False) -> tuple[str, dict[str, Any]]:
    """(post id, score, tier) of the hits in rank order, as one statement; with ``rows``,
    each hit's whole posts row followed by its score and tier."""
    keep, params = exclusions(filters)
    params |= p.params()
    union = " UNION ALL ".join(f"SELECT rowid AS id, {t} AS tier FROM ({members(p, t, keep)})"
                               for t in tiers(p, whole_word))
    ctes = [f"tiered AS ({union})",
            "sized AS (SELECT id, tier, count(*) OVER (PARTITION BY tier) AS size FROM tiered)",
            ("m AS (SELECT sized.id, sized.tier, sized.size, posts.title, posts.text,"
             " length(coalesce(posts.text, '')) AS n, posts.published_utc"
             " FROM sized JOIN posts ON posts.id = sized.id)"),
            "a AS (SELECT m.*, avg(n) OVER (PARTITION BY tier) AS avg FROM m)",
            (f"s AS (SELECT id, tier, size, published_utc, CASE WHEN size <= {CAP}"
             f" THEN {score_sql(p)} END AS score FROM a)")]
    scored = f"s.size <= {CAP}"
    if sort == "date":
        order, score = "s.published_utc DESC, s.id DESC", "0.0"
    else:
        order = (f"s.tier, CASE WHEN {scored} THEN s.score END DESC,"
                 f" CASE WHEN NOT ({scored}) THEN s.published_utc END DESC, s.id DESC")
        score = f"CASE WHEN {scored} THEN s.score ELSE 0.0 END"
    columns, source = "s.id", "s"
    if rows:
        columns, source = "posts.*", "s JOIN posts ON posts.id = s.id"
    sql = (f"WITH {', '.join(ctes)} SELECT {columns}, {score} AS score, s.tier AS tier"
           f" FROM {source} ORDER BY {order}")
    if limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        params |= {"limit": int(limit), "offset": int(offset)}
    return sql, params
