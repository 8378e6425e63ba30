"""Turn a user's search text into an FTS5 MATCH expression over the segmented index.

Supported: words, "phrases", AND / OR / NOT (upper case), ``term*`` prefixes and
parentheses. Every word or phrase is segmented like the indexed text and emitted as a
quoted FTS5 phrase, so user text never reaches FTS5's own syntax, and the whole
expression is passed to SQLite as a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QueryError
from .segment import segment

OPERATORS = frozenset({"AND", "OR", "NOT"})
_TOKEN = re.compile(r'\s*(?:(?P<phrase>"[^"]*"\*?)|(?P<paren>[()])|(?P<word>[^\s"()]+))')
_SEARCHABLE = re.compile(r"[^\W_]", re.UNICODE)  # a letter, digit or mark
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
HINT = 'use words, "a phrase", AND / OR / NOT between terms, and term* for prefixes'


@dataclass(frozen=True)
class Token:
    kind: str  # "term", "op", "(", ")"
    text: str
    prefix: bool = False


def tokenize(query: str) -> list[Token]:
    query = _CONTROL.sub(" ", query)  # FTS5 stops reading a query at NUL
    tokens: list[Token] = []
    pos, end = 0, len(query.rstrip())
    while pos < end:
        match = _TOKEN.match(query, pos)
        if not match:  # only an unclosed quote is left
            raise QueryError(f"unbalanced quote in search: {query!r}", hint=HINT)
        pos = match.end()
        if match["paren"]:
            tokens.append(Token(match["paren"], match["paren"]))
        elif match["phrase"]:
            text = match["phrase"]
            prefix = text.endswith("*")
            tokens.append(Token("term", text.rstrip("*")[1:-1], prefix))
        elif match["word"] in OPERATORS:
            tokens.append(Token("op", match["word"]))
        else:
            word = match["word"]
            tokens.append(Token("term", word.rstrip("*"), word.endswith("*")))
    return [t for t in tokens if t.kind != "term" or _SEARCHABLE.search(t.text)]


def _fold_and_not(tokens: list[Token]) -> list[Token]:
    """``a AND NOT b`` means ``a NOT b``: FTS5's NOT is binary and takes no AND."""
    out: list[Token] = []
    for token in tokens:
        if token.text == "NOT" and out and out[-1].kind == "op" and out[-1].text == "AND":
            out[-1] = token
        else:
            out.append(token)
    return out


def _explicit_and(tokens: list[Token]) -> list[Token]:
    """``a (b)`` and ``(a) b`` mean AND, but FTS5 only joins two phrases implicitly."""
    out: list[Token] = []
    for token in tokens:
        if out and ((out[-1].kind == ")" and token.kind in ("term", "("))
                    or (out[-1].kind == "term" and token.kind == "(")):
            out.append(Token("op", "AND"))
        out.append(token)
    return out


def _check(tokens: list[Token], query: str) -> None:
    if not any(t.kind == "term" for t in tokens):
        raise QueryError(f"nothing to search for in {query!r}", hint=HINT)
    depth = 0
    previous: Token | None = None
    for token in tokens:
        operand_before = previous is not None and previous.kind in ("term", ")")
        if token.kind == "op" and not operand_before:
            where = "at the start" if previous is None else f"after {previous.text!r}"
            raise QueryError(f"{token.text} {where} of the search has nothing before it",
                             hint=f'put a term on both sides, as in "a {token.text} b"')
        if token.kind == ")":
            depth -= 1
            if depth < 0 or (previous is not None and previous.kind in ("(", "op")):
                raise QueryError(f"misplaced ')' in search: {query!r}", hint=HINT)
        depth += token.kind == "("
        previous = token
    if previous is not None and previous.kind in ("op", "("):
        raise QueryError(f"search ends with {previous.text!r}: {query!r}", hint=HINT)
    if depth:
        raise QueryError(f"unbalanced parentheses in search: {query!r}", hint=HINT)


def _phrase(token: Token) -> str:
    body = segment(token.text).replace('"', '""')
    return f'"{body}"' + ("*" if token.prefix else "")


def to_fts(query: str) -> str:
    """The FTS5 MATCH expression for ``query``; raises QueryError when malformed."""
    tokens = _fold_and_not(tokenize(query))
    _check(tokens, query)
    tokens = _explicit_and(tokens)
    return " ".join(_phrase(t) if t.kind == "term" else t.text for t in tokens)


def plain_text(query: str) -> str | None:
    """The query as plain words when it has no operators (for the exact-title boost)."""
    tokens = tokenize(query)
    if any(t.kind != "term" or t.prefix for t in tokens):
        return None
    return " ".join(t.text for t in tokens)
