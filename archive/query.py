"""The search language: parse a user's query, check it, and turn it into FTS5 expressions.

Supported: words (Thai or not), ``"phrases"``, ``AND`` / ``OR`` / ``NOT`` (upper case),
``-term`` (NOT), ``prefix*``, parentheses, and ``title:`` before a term, phrase or group.
Words next to each other must all match. Anything else raises :class:`QueryError` with a
hint: user text never reaches FTS5's own syntax (every term becomes a quoted phrase of
index tokens, see :mod:`archive.tokens`), so SQLite never sees a malformed query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .errors import QueryError
from .folding import MAI_YAMOK_SPACE, search_form, term_forms
from .tokens import term_tokens

OPERATORS = frozenset({"AND", "OR", "NOT"})
FIELDS = ("title",)
HINT = ('use words, "a phrase", AND / OR / NOT (or -word) between terms, word* for a '
        "prefix and title: for titles only")
_LEXEME = re.compile(r'\s*(?:(?P<phrase>(?P<neg>-)?(?P<field>[A-Za-z_]+:)?"[^"]*"\*?)'
                     r'|(?P<paren>-?\(|\))|(?P<word>[^\s"()]+))')
_FIELD = re.compile(r"(-?)([A-Za-z_]+):(.*)", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Double quotes as keyboards other than a programmer's type them: curly (a phone, a word
# processor, macOS), low (German), full-width (an East Asian keyboard), guillemets (French).
_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\uff02\u00ab\u00bb", '"'))
# Bounds on what one search may ask: SQLite's FTS5 parser overflows its stack on deep
# nesting, and every term costs a pass over the index. Far above what a person types.
MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
MAX_DEPTH = 8  # parentheses inside parentheses


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False
    title: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    keep: Node
    drop: Node


Node = Term | And | Or | Not


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "term", "op", "field", "(", ")"
    text: str = ""
    raw: str = ""
    prefix: bool = False
    negated: bool = False
    field: str | None = None


def _field(text: str, query: str) -> tuple[bool, str | None, str]:
    """``-title:x`` -> (negated, "title", "x"); other ``name:`` prefixes are errors."""
    negated = text.startswith("-") and len(text) > 1
    body = text[1:] if negated else text
    match = _FIELD.fullmatch(body)
    if not match or match[2].isdigit() or match[3].startswith("//"):  # 10:30, https://
        return negated, None, body
    if match[2].lower() not in FIELDS:
        raise QueryError(f"unknown field {match[2]!r}: in search {query!r}",
                         hint=f'only title: is a field; to search for "{body}" put it in quotes')
    return negated, "title", match[3]


def _word(text: str, query: str) -> _Lexeme:
    if text in OPERATORS:
        return _Lexeme("op", text)
    negated, field, body = _field(text, query)
    if field and not body:
        return _Lexeme("field", negated=negated, field=field)
    prefix = body.endswith("*")
    core = body.rstrip("*") if prefix else body
    if "*" in core:
        raise QueryError(f"'*' inside {body!r}: a prefix star goes at the end of a word",
                         hint="write the start of the word followed by *, as in ชุม*")
    return _Lexeme("term", core, text, prefix, negated, field)


def _phrase(match: re.Match[str], query: str) -> _Lexeme:
    text = match["phrase"][1:] if match["neg"] else match["phrase"]
    field = None
    if match["field"]:
        _, field, _ = _field(match["field"], query)
        text = text[len(match["field"]):]
    prefix = text.endswith("*")
    return _Lexeme("term", text.rstrip("*")[1:-1], match["phrase"], prefix,
                   bool(match["neg"]), field)


def lex(query: str) -> list[_Lexeme]:
    """The query's lexemes, its terms in the form the index holds text in (NFC, no
    invisible format characters: :func:`archive.folding.search_form`)."""
    # FTS5 would stop at NUL, nobody means them; a phone or a word processor types “ ”
    # and ๆ after a space is part of the word before it (เด็ก ๆ is one term, เด็กๆ)
    query = MAI_YAMOK_SPACE.sub("", search_form(_CONTROL.sub(" ", query)).translate(_QUOTES))
    lexemes: list[_Lexeme] = []
    position, end = 0, len(query.rstrip())
    while position < end:
        match = _LEXEME.match(query, position)
        if not match or match.end() == position:
            raise QueryError(f"unbalanced quote in search: {query!r}",
                             hint='close the phrase with a second ", as in "ผ้า ไหม"')
        position = match.end()
        if match["paren"]:
            paren = match["paren"]
            lexemes.append(_Lexeme(paren[-1], raw=paren, negated=paren.startswith("-")))
        elif match["phrase"]:
            lexemes.append(_phrase(match, query))
        else:
            lexemes.append(_word(match["word"], query))
    return lexemes


class _Parser:
    """Recursive descent: OR binds loosest, then AND (explicit or implied), then NOT."""

    def __init__(self, lexemes: list[_Lexeme], query: str) -> None:
        self.lexemes, self.query, self.at, self.depth = lexemes, query, 0, 0
        terms = sum(lexeme.kind == "term" for lexeme in lexemes)
        if terms > MAX_TERMS:
            raise self.fail(f"{terms} terms, more than the {MAX_TERMS} a search may have",
                            hint="search for fewer words at once")

    def peek(self) -> _Lexeme | None:
        return self.lexemes[self.at] if self.at < len(self.lexemes) else None

    def take(self) -> _Lexeme:
        lexeme = self.lexemes[self.at]
        self.at += 1
        return lexeme

    def fail(self, message: str, hint: str = HINT) -> QueryError:
        return QueryError(f"{message} in search {self.query!r}", hint=hint)

    def parse(self) -> Node:
        if not self.lexemes:
            raise self.fail("nothing to search for", hint="give a word or a phrase")
        node = self.or_expr()
        if self.peek() is not None:
            raise self.fail("unbalanced parentheses: a ')' has no '('",
                            hint="remove the ')' or add the '(' it closes")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (lexeme := self.peek()) is not None and lexeme.text == "OR":
            self.take()
            if self.peek() is None:
                raise self.fail("OR at the end has nothing after it",
                                hint="put a term on both sides, as in 'ผ้า OR ไหม'")
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        keep: list[Node] = []
        drop: list[Node] = []
        negate = False
        while (lexeme := self.peek()) is not None and lexeme.text != "OR" and lexeme.kind != ")":
            if lexeme.kind == "op":
                self.take()
                if lexeme.text == "AND" and not keep and not drop:
                    raise self.fail("AND has nothing before it",
                                    hint="put a term on both sides, as in 'ผ้า AND ไหม'")
                if lexeme.text == "NOT":
                    if not keep:
                        raise self.fail("NOT has nothing before it",
                                        hint="put a term before NOT, as in 'ผ้า NOT ไหม', or "
                                             "write -ไหม next to another term")
                    negate = True
                self._operand_follows(lexeme.text)
                continue
            negated, node = self.unary()
            (drop if negated or negate else keep).append(node)
            negate = False
        return self._and_node(keep, drop)

    def _operand_follows(self, operator: str) -> None:
        nxt = self.peek()
        if nxt is None or (nxt.kind in (")", "op") and not (operator == "AND" and
                                                            nxt.text == "NOT")):
            where = "at the end" if nxt is None else f"before {nxt.text or nxt.kind!r}"
            raise self.fail(f"{operator} {where} has nothing after it",
                            hint=f"put a term on both sides, as in 'ผ้า {operator} ไหม'")

    def _and_node(self, keep: list[Node], drop: list[Node]) -> Node:
        if not keep:
            if not drop:
                lexeme = self.peek()
                what = "OR" if lexeme is not None and lexeme.text == "OR" else "')'"
                raise self.fail(f"{what} has nothing before it",
                                hint="put a term on both sides, as in 'ผ้า OR ไหม'")
            raise self.fail("a search needs a term that is not excluded",
                            hint="add a word to look for, as in 'ผ้า -ไหม'")
        node = keep[0] if len(keep) == 1 else And(tuple(keep))
        if not drop:
            return node
        # a -b -c is a NOT (b OR c): one level, however many are left out
        return Not(node, drop[0] if len(drop) == 1 else Or(tuple(drop)))

    def unary(self) -> tuple[bool, Node]:
        lexeme = self.take()
        if lexeme.kind == "(":
            return lexeme.negated, self._group()
        if lexeme.kind == "field":
            nxt = self.peek()
            if nxt is None or nxt.kind != "(":
                raise self.fail(f"{lexeme.field}: has nothing after it",
                                hint='write title:word, title:"a phrase" or title:(a OR b)')
            self.take()
            return lexeme.negated, _in_title(self._group())
        if lexeme.kind == ")":  # pragma: no cover - and_expr stops before ')'
            raise self.fail("misplaced ')'")
        return lexeme.negated, self._term(lexeme)

    def _group(self) -> Node:
        if self.peek() is None:  # '(' at the end: the ')' is what is missing
            raise self.fail("unbalanced parentheses: a '(' is not closed",
                            hint="add the ')' that closes it")
        if self.peek().kind == ")":
            raise self.fail("empty parentheses", hint="put terms inside, as in (ผ้า OR ไหม)")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"parentheses nested more than {MAX_DEPTH} deep",
                            hint="take out the parentheses that group nothing")
        node = self.or_expr()
        self.depth -= 1
        if self.peek() is None:
            raise self.fail("unbalanced parentheses: a '(' is not closed",
                            hint="add the ')' that closes it")
        self.take()
        return node

    def _term(self, lexeme: _Lexeme) -> Term:
        term = Term(lexeme.text, lexeme.prefix, lexeme.field == "title")
        if not term_tokens(term.text, term.prefix).tokens:
            raise self.fail(f"{lexeme.raw!r} has no letters or digits to search for",
                            hint="emoji, symbols and punctuation are not searched: search"
                                 " for the words around them")
        return term


def _in_title(node: Node) -> Node:
    if isinstance(node, Term):
        return replace(node, title=True)
    if isinstance(node, Not):
        return Not(_in_title(node.keep), _in_title(node.drop))
    return type(node)(tuple(_in_title(item) for item in node.items))


def parse(query: str) -> Node:
    """The query as a tree of terms; raises :class:`QueryError` when it is malformed or
    asks more than a search may (:data:`MAX_QUERY_CHARS`, :data:`MAX_TERMS`,
    :data:`MAX_DEPTH`)."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"a search of {len(query)} characters, more than the"
                         f" {MAX_QUERY_CHARS} it may have", hint="search for fewer words at once")
    return _Parser(lex(query), query).parse()


def operator_words(query: str) -> list[str]:
    """The words of ``query`` that read as an operator but are searched as words, as the
    syntax says: ``or`` in ``ผ้า or ไหม`` (operators are upper case), and FTS5's ``NEAR``
    (not an operator here). What a search that finds nothing points out; never an error,
    since ``and``, ``or`` and ``near`` are words too."""
    return list(dict.fromkeys(
        lexeme.raw.lstrip("-") for lexeme in _typed_terms(query)
        if not lexeme.prefix and lexeme.field is None
        and (lexeme.text.upper() in OPERATORS or lexeme.text == "NEAR")))


def _typed_terms(query: str) -> list[_Lexeme]:
    """The terms of ``query`` not in quotes (none when it does not lex)."""
    try:
        lexemes = lex(query)
    except QueryError:
        return []
    return [lexeme for lexeme in lexemes
            if lexeme.kind == "term" and not lexeme.raw.lstrip("-").startswith('"')]


def operator_note(query: str) -> str | None:
    """One line saying which words of ``query`` were searched as words though they read
    as operators (:func:`operator_words`), and which terms end in another engine's boost
    or fuzziness (``ข่าว^2``, ``ข่าว~1``: the number is searched, next to the word), or
    None."""
    notes = []
    words = operator_words(query)
    if words:
        names = " and ".join(repr(word) for word in words)
        upper = [word.upper() for word in words if word != "NEAR"]
        plural = "s" if len(upper) > 1 else ""
        advice = [f"write {' / '.join(upper)} in capitals for the operator{plural}"] if upper else []
        advice += ['NEAR is no operator here: put the words in a "phrase"'] if "NEAR" in words else []
        notes.append(f"{names} searched as {'a word' if len(words) == 1 else 'words'};"
                     f" {'; '.join(advice)}")
    suffixed = _suffixed(query)
    if suffixed:
        names = " and ".join(repr(raw) for raw in suffixed)
        bare = _SUFFIX.sub("", suffixed[0])
        notes.append(f"{names}: ^ and ~ mean nothing here, the number after them is searched"
                     f" as part of the term; write {bare}")
    return "; ".join(notes) or None


_SUFFIX = re.compile(r"[\^~]\d+(?:\.\d+)?$")


def _suffixed(query: str) -> list[str]:
    """The terms of ``query`` written with a boost or fuzziness suffix (``^2``, ``~1``)."""
    return list(dict.fromkeys(lexeme.raw for lexeme in _typed_terms(query)
                              if _SUFFIX.search(lexeme.text)
                              and any(ch.isalpha() for ch in _SUFFIX.sub("", lexeme.text))))


def positive_terms(node: Node) -> list[Term]:
    """The terms a match must contain (not those under NOT): what ranking and snippets use."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return positive_terms(node.keep)
    return [term for item in node.items for term in positive_terms(item)]


def _phrase_fts(term: Term) -> str:
    """The term as an FTS5 phrase; a term written more than one way (a space between Thai
    words, an e-prefixed word) as the phrases of its forms
    (:func:`archive.folding.term_forms`)."""
    phrases = []
    for form in term_forms(term.text):
        tokens = term_tokens(form, term.prefix)
        body = " ".join(tokens.tokens).replace('"', '""')
        phrase = f'"{body}"' + ("*" if tokens.prefix else "")
        phrases.append(f"{{title}} : {phrase}" if term.title else phrase)
    return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


def to_fts(query: str | Node) -> str:
    """The ``search_fts`` MATCH expression for a query (exact, for any query)."""
    node = parse(query) if isinstance(query, str) else query
    if isinstance(node, Term):
        return _phrase_fts(node)
    if isinstance(node, Not):
        return f"({to_fts(node.keep)}) NOT ({to_fts(node.drop)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(f"({to_fts(item)})" for item in node.items)


def in_title(query: str | Node) -> Node:
    """The same query, every term restricted to titles."""
    return _in_title(parse(query) if isinstance(query, str) else query)
