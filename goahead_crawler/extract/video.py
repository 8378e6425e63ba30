"""Embedded videos in a post body, kept as plain links.

A news post's story is often a clip (Blogger's own player, YouTube, Vimeo, ...). The
cleaned HTML holds no ``iframe``, ``object`` or ``embed`` (what we store must be safe to
render), so each video player becomes a ``<p><a href=...>`` to the video instead of
vanishing: a video-only post would otherwise be stored as an empty paragraph. Only known
video hosts count (an embedded form, map or like button is no story), never an ad or
tracker host (:func:`goahead_crawler.blogger.scope.denied`). Pure: edits the tree given.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from goahead_crawler.blogger.scope import denied
from goahead_crawler.extract import rules
from goahead_crawler.extract.clean import safe_url

#: The link text of a video, also what the post's text shows where the player was
#: (searchable, and the text export says a clip was there).
LABEL = "Video"

#: Hosts (and subdomains) whose embeds are video players (Facebook's are not here:
#: facebook.com is on the tracker deny list, and :func:`video_url` honours it first).
VIDEO_HOSTS = (
    "youtube.com", "youtube-nocookie.com", "youtu.be", "vimeo.com", "dailymotion.com",
    "dai.ly", "blogger.com",
)
_YOUTUBE_ID = re.compile(r"^/(?:embed|v)/([A-Za-z0-9_-]{6,20})")
_PLAYERS = ("iframe", "embed", "object")


def video_url(src: str, base_url: str) -> str | None:
    """The URL a reader follows to watch the video a player's ``src`` shows, or None when
    it is no video (another host, not http(s), an ad or tracker). A YouTube embed becomes
    its watch page; a Blogger one only counts when it is Blogger's video player."""
    url = safe_url(src, base_url)
    if url is None or denied(url):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not any(host == h or host.endswith("." + h) for h in VIDEO_HOSTS):
        return None
    if host.endswith("blogger.com") and not parts.path.startswith("/video"):
        return None
    if "youtube" in host:
        match = _YOUTUBE_ID.match(parts.path)
        if match:
            return f"https://www.youtube.com/watch?v={match.group(1)}"
    return url


def _source(player: etree._Element) -> str | None:
    """Where a player's video is: ``src`` (iframe, embed), ``data`` or the ``movie``
    parameter (an old ``<object>``)."""
    if player.tag == "object":
        movie = player.xpath("param[translate(@name, 'MOVIE', 'movie')='movie']/@value")
        return player.get("data") or (movie[0] if movie else None) or next(
            (e.get("src") for e in player.iter("embed") if e.get("src")), None)
    return player.get("src")


def _space_before(player: etree._Element) -> None:
    """A space between the text before ``player`` and the link put in its place."""
    previous = player.getprevious()
    if previous is not None:
        if previous.tail and not previous.tail[-1].isspace():
            previous.tail += " "
    else:
        parent = player.getparent()
        if parent.text and not parent.text[-1].isspace():
            parent.text += " "


def videos_as_links(body: etree._Element, base_url: str) -> list[str]:
    """Each video player under ``body`` replaced by a paragraph linking to the video (an
    ``<object>`` wrapping an ``<embed>`` makes one link); the video URLs, first-seen order.
    Other players are left for the pruning that removes them. Call before that pruning."""
    found: dict[str, None] = {}
    for player in list(body.iter(*_PLAYERS)):
        if player is body or any(a.tag in _PLAYERS for a in player.iterancestors()):
            continue  # inside an <object> handled as a whole
        src = _source(player)
        url = video_url(src, base_url) if src else None
        if url is None:
            continue
        found.setdefault(url, None)
        link = etree.Element("a", {"href": url, rules.VIDEO_LINK_ATTR: ""})
        link.text = LABEL
        parent = player.getparent()
        if parent is body or parent.tag == "div":  # its own paragraph, where one may go
            placed = etree.Element("p")
            placed.append(link)
        else:  # inside a paragraph or an inline element: the link alone, set apart
            placed = link
            _space_before(player)
        placed.tail = player.tail if placed is not link else " " + (player.tail or "").lstrip()
        parent.replace(player, placed)
    return list(found)
