"""How labels and author names compare without case, in every language.

SQLite's ``NOCASE`` folds the 26 ASCII letters only: ``--label économie`` would not find
posts labelled ``Économie``, nor ``--label новости`` those labelled ``Новости``. Blogger
blogs are written in every script, so labels and authors compare by Unicode case folding
of their NFC form (:func:`fold`), through the collation :data:`COLLATION` that every
archive connection has (:func:`register`: :mod:`archive.connection` and the web view's
connections). NFC matters in scripts without case too: ``ガイド`` and ``한국`` may be stored
decomposed (NFD), and Thai marks typed in either order (``กุ้ง`` as ก ้ ุ ง), which NFC puts
in one. ASCII values keep ``NOCASE``, which SQLite runs in C and any SQLite tool understands
(:func:`collation_for`); any other value costs a label filter over 100,000 posts 0.18 s
against 0.04 s. So an ASCII value compares as ``NOCASE`` does, even with a stored value
that folds to it from outside ASCII (``STRASSE`` does not find ``Straße``).

Search text has a form of its own (:func:`search_form`), which the index, the query parser
and the snippets all go through: see there.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from itertools import product

COLLATION = "goahead_fold"

# Unicode's format characters (category Cf, Unicode 14, Python 3.11's unicodedata; a test
# compares): invisible, and to FTS5's unicode61 a word break. Text pasted from Word or the
# web carries them inside words: the zero-width space, (non-)joiners, word joiner, BOM,
# soft hyphen, direction marks.
FORMAT_BMP = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
              "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb")
FORMAT = FORMAT_BMP + ("\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
                       "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
# The private-use areas: the index's own markers (archive.tokens) and the match markers
# callers ask search for (the web view's, the CLI's) are private-use characters.
PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
PRIVATE_STANDIN = "\ufffd"  # what a private-use character of a text becomes
SEARCH_NORMAL_FORM = "NFC"
# Thai as older tools typed it. Legacy Thai fonts put the shifted and lowered forms of the
# Thai marks, and ฐ and ญ without their tails, in the private-use area (Windows at
# U+F700-F71A, Mac at U+F884-F89E), and text typed with them still reaches the web; read as
# the letters they draw, it is found by what a reader types. And sara am (ำ) typed as
# nikhahit plus sara aa (ํ + า: some keyboards, OCR), a tone mark between or before them,
# reads as ำ: NFC leaves the pair apart (only the compatibility forms join it).
_TONES = "\u0e48\u0e49\u0e4a\u0e4b\u0e4c"  # mai ek, tho, tri, chattawa; thanthakhat
LEGACY_THAI = {
    **dict(zip(range(0xF705, 0xF70A), _TONES, strict=True)),  # Windows: shifted down and left
    **dict(zip(range(0xF70A, 0xF70F), _TONES, strict=True)),  # shifted down
    **dict(zip(range(0xF713, 0xF718), _TONES, strict=True)),  # shifted left
    **dict(zip(range(0xF701, 0xF705), "\u0e34\u0e35\u0e36\u0e37", strict=True)),  # ิ ี ึ ื left
    0xF700: "\u0e10", 0xF70F: "\u0e0d", 0xF710: "\u0e31", 0xF711: "\u0e4d", 0xF712: "\u0e47",
    0xF718: "\u0e38", 0xF719: "\u0e39", 0xF71A: "\u0e3a",
    **dict(zip(range(0xF88A, 0xF899, 3), _TONES, strict=True)),  # Mac: shifted left
    **dict(zip(range(0xF88B, 0xF899, 3), _TONES, strict=True)),  # shifted down
    **dict(zip(range(0xF88C, 0xF899, 3), _TONES, strict=True)),  # shifted down and left
    **dict(zip(range(0xF884, 0xF88A), "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e47", strict=True)),
    0xF899: "\u0e4d", 0xF89A: "\u0e0d", 0xF89B: "\u0e38", 0xF89C: "\u0e39", 0xF89D: "\u0e3a",
    0xF89E: "\u0e10",
}
NIKHAHIT = "\u0e4d"
_SARA_AM = re.compile(f"{NIKHAHIT}([\u0e48-\u0e4b]?)\u0e32")
# Thai typed in another order that draws the same: a tone mark before the vowel above it
# (ก้ัน for กั้น, ส่ิง for สิ่ง) or before sara am (นำ้ for น้ำ, as many texts have it), which
# NFC leaves apart (those vowels have no combining class); and sara e typed twice for
# sara ae (เเม่ for แม่: two sara e never follow each other in Thai).
_TONE_FIRST = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37])|\u0e33([\u0e48-\u0e4b])")
# Whether a text may hold one: two sets, which the regex engine skips through four times
# faster than the alternatives (a sample blog post of 640 characters: 3 us against 13).
_MAYBE_TONE_FIRST = re.compile("[\u0e33\u0e48-\u0e4b][\u0e31\u0e34-\u0e37\u0e48-\u0e4b]")
_SARA_E_TWICE, _SARA_AE = "\u0e40\u0e40", "\u0e41"
_FORMAT = re.compile(f"[{FORMAT}]+")
_PRIVATE = re.compile(f"[{PRIVATE_USE}]")
# Whether a text may hold either: one class of BMP characters and all beyond (Python's re
# tests a BMP class with a table, a class with ranges beyond it range by range): 9 us for
# a post of 3,000 characters, where the two exact ones take 75.
_MAYBE = re.compile(f"[{FORMAT_BMP}\ue000-\uf8ff\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """The form two values compare by: NFC, then Unicode case folding (``ß`` = ``ss``)."""
    return unicodedata.normalize("NFC", text).casefold()


def search_form(text: str) -> str:
    """``text`` as search sees it, on both sides: what is indexed, what a query asks for
    (:mod:`archive.tokens`, :mod:`archive.query`) and what snippets are cut from.

    - NFC, so a query typed decomposed (``café`` as e + U+0301, Thai marks in another
      order) finds the text stored composed, and the other way round;
    - format characters (:data:`FORMAT`) dropped: ``ข่าว\\u200bด่วน`` is ``ข่าวด่วน``;
    - Thai typed the old ways read as the letters they draw (:data:`LEGACY_THAI`, and
      sara am typed as two characters): ``น\uf70bำ`` and ``นํ้า`` are ``น้ำ``; and typed in
      another order that draws the same (:data:`_TONE_FIRST`): ``นำ้`` is ``น้ำ``, ``เเม่`` is
      ``แม่``;
    - every other private-use character replaced by U+FFFD (a word break to the index, as
      they were): no text then holds a character that the index or a caller uses as a
      marker, so a highlight in a snippet is always the search's own. Replaced, not
      escaped: an escape every reader of a snippet would have to undo; and such a
      character has no meaning outside the font of the one who typed it.
    """
    if _MAYBE.search(text):  # before NFC: e, U+200B, U+0301 composes once U+200B is gone
        text = _PRIVATE.sub(PRIVATE_STANDIN, _FORMAT.sub("", text.translate(LEGACY_THAI)))
    if NIKHAHIT in text:
        text = _SARA_AM.sub("\\1\u0e33", text)
    if _MAYBE_TONE_FIRST.search(text):
        text = _TONE_FIRST.sub(_tone_last, text)
    if _SARA_E_TWICE in text:
        text = text.replace(_SARA_E_TWICE, _SARA_AE)
    return unicodedata.normalize(SEARCH_NORMAL_FORM, text)


def _tone_last(match: re.Match[str]) -> str:
    """The vowel, then the tone mark (:data:`_TONE_FIRST`)."""
    if match[3]:
        return match[3] + "\u0e33"
    return match[2] + match[1]


def search_form_rule() -> str:
    """What :func:`search_form` and :func:`match_form` depend on, for the index's fingerprint
    (:func:`archive.thai.fingerprint`): a change here changes the tokens of stored posts."""
    return (f"{SEARCH_NORMAL_FORM} {unicodedata.unidata_version} {FORMAT} {PRIVATE_USE}"
            f" {PRIVATE_STANDIN} {sorted(LEGACY_THAI.items())} {_SARA_AM.pattern}"
            f" {sorted(MATCH_FOLD.items())} {LETTER_DIGIT.pattern} {NUMBER_PADDING.pattern}"
            f" {THAI_HYPHEN.pattern} {MAI_YAMOK_SPACE.pattern} {_TONE_FIRST.pattern} {_SARA_E_TWICE} {_SARA_AE}")


def _base_letter(char: str) -> str | None:
    """The ASCII letter an accented Latin letter is written on (``é``: ``e``), else None."""
    parts = unicodedata.normalize("NFD", char)
    if len(parts) > 1 and parts[0].isascii() and parts[0].isalpha() and all(
            unicodedata.category(mark)[0] == "M" for mark in parts[1:]):
        return parts[0]
    return None


# What matching reads as the same character though it is written another way, one
# character for one (so an offset in the folded text is one in the text, and snippets and
# highlights are still cut from the text as written): Thai digits as the digits they are
# (``๒๕๖๗`` is ``2567``: Thai news writes years and sums either way), full-width ASCII
# (``ＣＯＶＩＤ``, ``２０２４``, typed with an East Asian keyboard) as ASCII, and a Latin letter
# with accents as its letter (``cafe`` finds ``café``, as SQLite's own unicode61 does by
# default). Thai marks are letters' parts, not accents: untouched.
_LATIN_ACCENTED = (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00))
MATCH_FOLD = {
    **{0x0E50 + digit: str(digit) for digit in range(10)},
    **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    **{code: base for code in _LATIN_ACCENTED if (base := _base_letter(chr(code)))},
}
_MAYBE_FOLDED = re.compile("[" + "".join(map(chr, sorted(MATCH_FOLD))) + "]")


def match_form(text: str) -> str:
    """``text`` in its search form (:func:`search_form`) as matching reads it: the same
    length, with :data:`MATCH_FOLD` applied. What the index holds and a query term asks for;
    snippets find matches in it and show :func:`search_form`, offset for offset."""
    return fold_matching(search_form(text))


def fold_matching(text: str) -> str:
    """:data:`MATCH_FOLD` alone, for a text already in its search form."""
    return text.translate(MATCH_FOLD) if _MAYBE_FOLDED.search(text) else text


# Where letters and digits meet inside a word (``PM2.5``, ``COVID19``, ``5G``): a word break
# for matching, as it is between Thai and a number (``ปี2567``). So ``PM2.5`` finds
# ``PM 2.5`` and ``COVID19`` finds ``COVID-19``, both ways; a query keeps them a phrase.
LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
# Numbers as people type them either way, dropped for matching only:
# - a thousands comma (``3,480,000`` is ``3480000``, and no longer three numbers: ``480``
#   does not find it), only in a true thousands number: a first group of 1-3 digits, then
#   groups of exactly 3 (:data:`_THOUSANDS_COMMA`). A list (``8,29,510``, ``1,2,3``), an
#   Indian grouping (``12,34,567``) or a German decimal (``1,5``) keeps its commas;
# - the zero that pads a day, a month or an hour to two digits (:data:`_PADDING_ZERO`):
#   ``06.00`` is ``6.00``, ``01.05.2567`` and ``01/05/2567`` are ``1.5.2567`` (unicode61
#   drops the separators: all three are ``1 5 2567``), ``2024-01-05`` is ``2024-1-5``, and a
#   lone ``01`` is ``1``, so ``01`` still finds the date that is ``1.5.2567`` to the index.
#   Only a group of exactly two digits, and never one after a decimal point, a colon or a
#   comma (``3.05`` is not ``3.5``, the minutes of ``18.05`` keep their zero), except the
#   month in the middle of a dotted date (``01.05.2567``). ``007`` and ``0812345678`` keep
#   theirs: codes, not padded numbers.
# Each alternative starts with its character (a comma, a zero): the engine tries the
# lookbehinds only there. Python's lookbehinds are fixed-width, so the groups before a
# comma are spelled out, up to six (10^18).
_THOUSANDS_START = r"(?<![\d.,])"
_THOUSANDS_COMMA = ",(?:" + "|".join(
    f"(?<={_THOUSANDS_START}{'[0-9]' * width}{',[0-9]{3}' * groups},)"
    for width in (1, 2, 3) for groups in range(6)) + r")(?=\d{3}(?:,\d{3})*(?!\d|,\d))"
_PADDING_ZERO = (r"0(?<![\d.,:]0)(?=\d(?!\d))"
                 r"|0(?:(?<=(?<![\d.,:])\d\.0)|(?<=(?<![\d.,:])\d\d\.0))"
                 r"(?=\d\.\d\d(?:\d\d)?(?!\d))")
NUMBER_PADDING = re.compile(f"{_THOUSANDS_COMMA}|{_PADDING_ZERO}")
_TOKEN_EDIT = re.compile(f"{LETTER_DIGIT.pattern}|{NUMBER_PADDING.pattern}")
_DIGIT = re.compile(r"\d")


def latin_form(text: str) -> str:
    """Text outside Thai runs as the index reads it, on both sides (one rule for the index,
    a query and the highlights): a space where a letter and a digit meet
    (:data:`LETTER_DIGIT`), a number's padding dropped (:data:`NUMBER_PADDING`)."""
    return _TOKEN_EDIT.sub(_edit, text) if _DIGIT.search(text) else text  # each rule needs one


def _edit(match: re.Match[str]) -> str:
    return "" if match.group() else " "


def latin_form_mapped(text: str) -> tuple[str, list[tuple[int, int]]]:
    """:func:`latin_form` of ``text``, and where its offsets move: ``(position in
    the result, shift)`` pairs in order, the offset in ``text`` of a position being the
    position minus the shift of the last pair at or before it."""
    out, moves, last, shift = [], [], 0, 0
    for match in _TOKEN_EDIT.finditer(text):
        out += [text[last:match.start()], _edit(match)]
        last = match.end()
        if match.group():  # removed: what follows comes that much earlier
            shift -= len(match.group())
            moves.append((match.start() + shift + len(match.group()), shift))
        else:  # a space put in: what follows comes one later
            shift += 1
            moves.append((match.start() + shift, shift))
    out.append(text[last:])
    return "".join(out), moves


# A hyphen inside Thai (``ข่าว-ด่วน``) is read as nothing: Thai words are written joined,
# and a run matches inside longer runs anyway (archive.tokens), so ``ข่าว`` and ``ด่วน`` still
# find it; only what follows the hyphen must start a cluster (a consonant or a leading vowel).
THAI_HYPHEN = re.compile("-(?<=[\u0e01-\u0e4e]-)(?=[\u0e01-\u0e2e\u0e40-\u0e44])")  # - first: fast
# So is a space before mai yamok (ๆ, the repetition mark), which the Royal Institute writes
# (``เด็ก ๆ``) and most people do not (``เด็กๆ``): the mark belongs to the word before it.
MAI_YAMOK = "\u0e46"
MAI_YAMOK_SPACE = re.compile(f"(?<=[\u0e01-\u0e45\u0e47-\u0e4e])[ \u00a0]+(?={MAI_YAMOK})")


def join_thai_runs(text: str) -> str:
    """``text`` without the hyphens inside Thai (:data:`THAI_HYPHEN`) and the spaces before
    mai yamok (:data:`MAI_YAMOK_SPACE`): what Thai runs are cut from, in the index and in a
    query."""
    if "-" in text:
        text = THAI_HYPHEN.sub("", text)
    if " " + MAI_YAMOK in text or "\u00a0" + MAI_YAMOK in text:  # a substring: fast
        text = MAI_YAMOK_SPACE.sub("", text)
    return text


# A space between Thai words in a phrase (``"ข่าว ด่วน"``): Thai is written without one,
# joined (``ข่าวด่วน``) or hyphenated (``ข่าว-ด่วน``, which the index reads joined:
# :data:`THAI_HYPHEN`), so the phrase asks for each space there or not. Only a space after
# a letter (not ๆ or ฯ, which end a word) and before the start of a cluster.
THAI_SPACE = re.compile("(?<=[\u0e01-\u0e2e\u0e30-\u0e45\u0e47-\u0e4e])[ \u00a0]+"
                        "(?=[\u0e01-\u0e2e\u0e40-\u0e44])")
MAX_THAI_SPACES = 3  # each of up to 3 spaces kept or not (8 forms); more: all or none


def thai_space_forms(text: str, joiners: tuple[str, ...] = ("",)) -> tuple[str, ...]:
    """``text``, and ``text`` with the spaces between its Thai words (:data:`THAI_SPACE`)
    each kept or replaced by one of ``joiners`` (bounded by :data:`MAX_THAI_SPACES`: past
    it, all kept or all replaced by the same). The search asks for these forms, and
    relevance counts them (with ``-`` as a joiner too: the text as written), one rule."""
    if " " not in text and "\u00a0" not in text:
        return (text,)
    spaces = list(THAI_SPACE.finditer(text))
    if not spaces:
        return (text,)
    options = (None, *joiners)  # None: the space as written
    choices = (product(options, repeat=len(spaces)) if len(spaces) <= MAX_THAI_SPACES
               else [(option,) * len(spaces) for option in options])
    forms = []
    for chosen in choices:
        out, last = [], 0
        for space, joiner in zip(spaces, chosen, strict=True):
            out += [text[last:space.start()], space.group() if joiner is None else joiner]
            last = space.end()
        forms.append("".join(out) + text[last:])
    return tuple(forms)


# A term that starts with a padded group (05, 05:30): in a text, what stands before it
# decides whether its zero is padding (a lone 05, a day: dropped) or a decimal's or the
# minutes' (3.05, 18.05, 06:05: kept), so the term asks for both. A full stop before it
# keeps the zero (NUMBER_PADDING drops none after one), and the index reads it as a break.
_PADDED_START = re.compile(r"0\d(?!\d)")


def term_forms(text: str) -> tuple[str, ...]:
    """Every form a query term asks for: the spaces between its Thai words there or not
    (:func:`thai_space_forms`), an e-prefixed word joined or hyphenated
    (:func:`e_prefix_forms`), a padded number it starts with as padding or not
    (:data:`_PADDED_START`)."""
    forms = [form for spaced in thai_space_forms(text) for form in e_prefix_forms(spaced)]
    if _PADDED_START.match(fold_matching(text)):  # ๐๕ too
        forms += ["." + form for form in forms]
    return tuple(dict.fromkeys(forms))


# e-mail and email, e-book and ebook, e-commerce and ecommerce: a query for either form
# asks for both (the index keeps e-mail as e + mail, so mail still finds it). Only for
# the words written with the prefix e (:data:`E_WORDS`): any word after a lone e was too
# many, 'every' found 'Vitamin E very' (and 'estate' 'grade E state', 'emotion' 'E motion');
# a lone E before a word is an initial or a grade. In the 172 corpus files the prefix is
# on mail (485 email, 20 e-mail), book and commerce; the others are what Thai blogs write
# with it (e-learning, e-sport, e-payment, e-service, e-bidding, e-GP...). Plurals too.
E_WORDS = ("mail", "book", "commerce", "learning", "sport", "money", "payment", "banking",
           "service", "government", "ticket", "wallet", "business", "marketing", "magazine",
           "newsletter", "journal", "reader", "filing", "tax", "office", "card", "voucher",
           "passport", "visa", "bidding", "auction", "library", "document", "meeting",
           "signature", "receipt", "invoice", "waste", "shop", "shopping", "market", "gp",
           "news", "bike", "cigarette")
E_PREFIXED = re.compile(r"(?<![\w-])([eE])-?(?=(?:" + "|".join(E_WORDS) + r")s?(?![a-zA-Z]))",
                        re.IGNORECASE)


def e_prefix_forms(text: str) -> tuple[str, ...]:
    """``text``, or when it has a word in :data:`E_PREFIXED` that word joined and
    hyphenated (``email``: ``email``, ``e-mail``): what a query term asks for."""
    if not E_PREFIXED.search(text):
        return (text,)
    return tuple(dict.fromkeys((E_PREFIXED.sub(r"\1", text), E_PREFIXED.sub(r"\1-", text))))


def _compare(left: str, right: str) -> int:
    a, b = fold(left), fold(right)
    return (a > b) - (a < b)


def register(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the collation :func:`collation_for` may name."""
    conn.create_collation(COLLATION, _compare)


def collation_for(values: Iterable[str]) -> str:
    """``NOCASE`` when every one of ``values`` is ASCII, else :data:`COLLATION`. Outside
    ASCII, a value that needs no folding itself may still equal a stored one only once
    both are NFC: ``NOCASE`` compares their bytes."""
    return "NOCASE" if all(v.isascii() for v in values) else COLLATION
