"""Reader comments on a post page, classic (``dl#comments-block``) and threaded layouts."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from lxml import etree

from goahead_crawler.extract import rules
from goahead_crawler.extract.clean import prune_tags, text_of
from goahead_crawler.extract.dates import parse_visible_date
from goahead_crawler.extract.text import finish, layout

_COUNT = re.compile(r"(\d[\d,.]*)\s+\S*", re.UNICODE)
_SHOW_COMMENT = re.compile(r"showComment=(\d{10,14})")
# "NAME said..." after a classic comment's author, in the languages of Blogger's interface.
# A verb written as a word follows a space and ends in Blogger's "..." (or a colon): without
# them it is part of the name (Dedi, Nakata, Mosaid, "Edward Said" as a bare author), never
# cut; Thai, Chinese, Japanese and Korean may attach theirs to the name (匿名さんは書きました),
# and hardly a name ends in them.
_SAID = re.compile(
    r"(?:\s+(?:said|says|wrote|hat gesagt|sagte|a dit|dijo|disse|ha detto|zei|schreef|"
    r"mengatakan|kata|napisał\(a\)|napisał|написал\(а\)|написал|dedi|"
    r"قال|אמר)(?:\s*[.…]+:?|:)|\s*(?:กล่าวว่า|さんは書きました|說|说|님의 말)[.…]*:?)\s*$",
    re.IGNORECASE,
)
# The comments heading when there are none, in Blogger's interface languages (matched whole,
# without its colon). Seen in the corpus: English, German, French, Thai; the others are
# Blogger's translations of the same message.
_NO_COMMENTS = frozenset(
    {
        "no comments", "keine kommentare", "aucun commentaire", "no hay comentarios",
        "nenhum comentário", "sem comentários", "nessun commento", "geen opmerkingen",
        "geen reacties", "tidak ada komentar", "tiada ulasan", "không có nhận xét nào",
        "brak komentarzy", "комментариев нет", "нет комментариев", "немає коментарів",
        "yorum yok", "inga kommentarer", "ingen kommentarer", "ei kommentteja",
        "žádné komentáře", "nincsenek megjegyzések", "niciun comentariu",
        "δεν υπάρχουν σχόλια", "ليست هناك تعليقات", "אין תגובות", "कोई टिप्पणी नहीं",
        "没有评论", "沒有留言", "댓글 없음", "ไม่มีความคิดเห็น",
    }
)


def extract_comments(root: etree._Element) -> list[dict]:
    """``[{"author", "published", "text"}]`` in page order; ``[]`` when there are none."""
    for xpath in rules.COMMENT_BLOCKS:
        for block in (b for scope in rules.COMMENTS_ROOT(root) for b in xpath(scope)):
            # never text: a template's counter script beside each author, embeds, forms
            prune_tags(block, rules.ALWAYS_DROP_TAGS)
            found = _classic(block) if block.tag == "dl" else _threaded(block)
            if found:
                return found
    return []


def comment_count(root: etree._Element, comments: list[dict]) -> int | None:
    """Contempo's ``data-num-comments``, else the "N comments:" heading, else the number of
    comments found (``None`` when the page shows no comments section at all)."""
    for section in rules.COMMENTS_ROOT(root):
        declared = section.get("data-num-comments", "")
        if declared.isdigit():
            return int(declared)
        for xpath in rules.COMMENT_COUNT_TEXT:
            for heading in xpath(section):
                count = _heading_count(" ".join(text_of(heading).split()))
                if count is not None:
                    return count
    return len(comments) if comments else None


def _heading_count(heading: str) -> int | None:
    match = _COUNT.match(heading)
    if match:
        return int(re.sub(r"\D", "", match.group(1)))
    if heading.lower().startswith(("no comment", "0 comment", "ไม่มีความคิดเห็น")):
        return 0
    said = unicodedata.normalize("NFC", heading).rstrip(" :：").casefold()
    return 0 if said in _NO_COMMENTS else None


def _classic(block: etree._Element) -> list[dict]:
    found: list[dict] = []
    for dt in block.iterchildren("dt"):
        dd = dt.getnext()
        while dd is not None and dd.tag == "dd" and "comment-body" not in dd.get("class", ""):
            dd = dd.getnext()
        if dd is None or dd.tag != "dd":
            continue
        footer = dd.getnext()
        when = None
        if footer is not None and "comment-footer" in footer.get("class", ""):
            when = _published(footer)
        author = _SAID.sub("", " ".join(text_of(dt).split()))
        found.append({"author": author, "published": when, "text": _text(dd)})
    return found


def _threaded(block: etree._Element) -> list[dict]:
    found: list[dict] = []
    for item in rules.THREADED_COMMENT(block):
        parts: dict[str, etree._Element] = {}
        for element in rules.THREADED_PARTS(item):  # one scan; the first of each kind wins
            tokens = (element.get("class") or "").split()
            for kind in ("user", "datetime", "comment-content"):
                if kind in tokens:
                    parts.setdefault(kind, element)
        if "comment-content" not in parts:
            continue
        author, when = parts.get("user"), parts.get("datetime")
        found.append(
            {
                "author": " ".join(text_of(author).split()) if author is not None else "",
                "published": _published(when) if when is not None else None,
                "text": _text(parts["comment-content"]),
            }
        )
    return found


def _text(element: etree._Element) -> str:
    return finish(layout(element))


def _published(element: etree._Element) -> str | None:
    """The permalink's ``showComment=<epoch ms>`` is exact (UTC); the shown date is not."""
    for link in element.iter("a"):
        match = _SHOW_COMMENT.search(link.get("href") or "")
        if match:
            moment = datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
            return moment.isoformat(timespec="seconds")
    return parse_visible_date(text_of(element))
