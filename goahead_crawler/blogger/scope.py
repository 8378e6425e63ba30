"""What a crawl may fetch: an allow-list of origins (scheme, host, port), never host names alone.

A host name is not a boundary: ``127.0.0.1:8080`` and ``127.0.0.1:9090`` are different
services, and a blog's redirect to the second must not make its page "the post". So scope is
decided per origin, for one of two purposes:

- ``"blog"``: the blog's own pages, feeds and sitemaps. Its origin, and the same host under
  the other scheme when the port is that scheme's default (Blogger moves blogs from http to
  https, and a redirect between the two is the blog's own).
- ``"static"``: images and page requisites. The blog's origins, Blogger's static hosts
  (:data:`BLOGGER_STATIC`, some only under given paths) on their default ports, and origins
  an operator names (a CDN of a custom domain, or the test suite's local stand-in for
  Blogger's image hosts). Ads and trackers (:data:`DENIED`) are refused first, whatever host
  list they might also be on, and so are ad and tracker scripts by path
  (:data:`DENIED_PATHS`) wherever they are served from.

A URL that is not http(s), has no host, an impossible port, or carries credentials
(``user:pass@``) is in no scope. Pure: URLs in, a refusal reason (or None) out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from goahead_crawler.blogger.urls import (
    DEFAULT_PORTS,
    BlogUrlError,
    normalise_host,
    request_url,
    split_http,
)

PURPOSES = ("blog", "static")


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}"

    def twin(self) -> Origin | None:
        """The same host under the other scheme, when both ports are the defaults."""
        if DEFAULT_PORTS[self.scheme] != self.port:
            return None
        other = "https" if self.scheme == "http" else "http"
        return Origin(other, self.host, DEFAULT_PORTS[other])


class NotInScope(ValueError):
    """A URL that can be in no scope (not http(s), no host, bad port, credentials)."""


def origin_of(url: str) -> Origin:
    """The origin of ``url``; raises :class:`NotInScope` when it can have none we fetch."""
    try:
        parts = split_http(url)
    except BlogUrlError as exc:
        raise NotInScope(str(exc)) from None
    scheme = parts.scheme.lower()
    fetched = request_url(url)  # the host as it is asked for: IDNA, no trailing dot
    host = urlsplit(fetched).hostname if fetched else parts.hostname
    return Origin(scheme, normalise_host(host or ""), parts.port or DEFAULT_PORTS[scheme])


@dataclass(frozen=True)
class HostRule:
    """A host (``*.`` matches any subdomain, not the bare domain; ``#`` in a label any
    digits), optionally only under some path prefixes."""

    host: str
    paths: tuple[str, ...] = ()

    def matches(self, host: str, path: str) -> bool:
        if self.host.startswith("*."):
            found = host.endswith(self.host[1:])
        elif "#" in self.host:
            found = _digits_pattern(self.host).fullmatch(host) is not None
        else:
            found = host == self.host
        return found and (not self.paths or _resolved(path).startswith(self.paths))


@functools.cache
def _digits_pattern(host: str) -> re.Pattern[str]:
    return re.compile(re.escape(host).replace(r"\#", "[0-9]+"))


def _resolved(path: str) -> str:
    """``path`` with its dot segments resolved (RFC 3986, ``%2E`` read as the dot it
    stands for), as a server may read it: ``/static/../comment.g`` is ``/comment.g``, not
    under ``/static/``."""
    path = re.sub("%2e", ".", path, flags=re.IGNORECASE)
    return urljoin("http://h/", path)[len("http://h"):] if "." in path else path


# Where Blogger serves post images, template images, stylesheets, scripts and fonts.
BLOGGER_STATIC = (
    HostRule("blogger.googleusercontent.com"),
    # lh3-lh6: older uploads and profile photos; lh7-us, lh7-rt: images pasted from Google
    # Docs. Not every googleusercontent.com host: Apps Script serves anyone's pages there.
    HostRule("lh#.googleusercontent.com"),
    HostRule("lh#-us.googleusercontent.com"),
    HostRule("lh#-rt.googleusercontent.com"),
    HostRule("themes.googleusercontent.com"),  # template background images
    HostRule("*.bp.blogspot.com"),
    HostRule("*.blogblog.com"),  # resources., img1., img2.: template images and scripts
    HostRule("www.gstatic.com"),
    HostRule("fonts.gstatic.com"),
    HostRule("fonts.googleapis.com"),  # the @font-face stylesheets templates link
    HostRule("www.blogger.com", ("/static/", "/img/", "/dyn-css/")),
)
# Ads, analytics, trackers and share widgets: never fetched, for any purpose.
DENIED = (
    HostRule("*.googlesyndication.com"),
    HostRule("*.doubleclick.net"),
    HostRule("*.googleadservices.com"),
    HostRule("*.google-analytics.com"),
    HostRule("*.googletagmanager.com"),
    HostRule("*.googletagservices.com"),
    HostRule("apis.google.com"),
    HostRule("*.facebook.net"),
    HostRule("*.facebook.com"),
    HostRule("platform.twitter.com"),
    HostRule("*.addthis.com"),
    HostRule("*.sharethis.com"),
    HostRule("*.scorecardresearch.com"),
    HostRule("*.histats.com"),
    HostRule("*.statcounter.com"),
    HostRule("*.disqus.com"),  # comment widgets: third-party pages, not the post's
    HostRule("*.quantserve.com"),
    HostRule("*.amazon-adsystem.com"),
    HostRule("*.adnxs.com"),
    HostRule("*.taboola.com"),
    HostRule("*.outbrain.com"),
)
# Ad and tracker scripts by path, on any host (a blog or CDN may serve its own copy).
DENIED_PATHS = re.compile(
    r"^/pagead/|/adsbygoogle(?:\.js)?$|^/gtag/js|/gtm\.js$|/(?:analytics|ga|urchin)\.js$"
    r"|/fbevents\.js$|/show_ads(?:_impl)?\.js$",
    re.IGNORECASE,
)


def _rule_matches(rules: Iterable[HostRule], host: str, path: str) -> bool:
    return any(rule.matches(host, path) for rule in rules)


class Scope:
    """The origins one blog's crawl may fetch from (see the module docstring)."""

    def __init__(self, root: str, static_origins: Iterable[str] = ()) -> None:
        self.blog: set[Origin] = set()
        self.adopt(root)
        self.static_origins = frozenset(origin_of(o) for o in static_origins)

    def adopt(self, url: str) -> None:
        """Count ``url``'s origin (and its scheme twin) as the blog's own."""
        found = origin_of(url)
        self.blog |= {o for o in (found, found.twin()) if o is not None}

    def refusal(self, url: str, purpose: str = "blog") -> str | None:
        """None when ``url`` may be fetched for ``purpose``; otherwise why not (one line,
        for the run's failures)."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown scope purpose {purpose!r}; known: {PURPOSES}")
        try:
            origin = origin_of(url)
        except NotInScope as exc:
            return str(exc)
        path = urlsplit(url).path or "/"
        denial = _denial(origin, path)
        if denial:
            return denial
        if origin in self.blog:
            return None
        if purpose == "static" and self._static(origin, path):
            return None
        blog = ", ".join(sorted(str(o) for o in self.blog))
        if purpose == "static":
            return f"{origin} is neither the blog's ({blog}) nor a Blogger static host"
        return f"{origin} is not the blog's ({blog})"

    def _static(self, origin: Origin, path: str) -> bool:
        if origin in self.static_origins:
            return True
        return origin.port == DEFAULT_PORTS[origin.scheme] and _rule_matches(
            BLOGGER_STATIC, origin.host, path)


def _denial(origin: Origin, path: str) -> str | None:
    """Why an ad or tracker (a host or script path of the deny list) is never fetched,
    whatever the scope; None for anything else."""
    if _rule_matches(DENIED, origin.host, path):
        return f"{origin.host} serves ads or trackers: never fetched"
    if DENIED_PATHS.search(path):
        return f"{path[:100]} is an ad or tracker script: never fetched"
    return None


def denied(url: str) -> bool:
    """True for an ad or tracker URL: left out of any crawl, so never worth a hint that
    another option would capture it."""
    try:
        origin = origin_of(url)
    except NotInScope:
        return False
    return _denial(origin, urlsplit(url).path or "/") is not None


#: What to give the Scrapy way (``scrapy crawl``, a Scrapyd job) for the images of another
#: origin: the origin, and a full crawl, as the CLI's ``--full --static-origin`` does
SETTINGS_ADVICE = ("-s GOAHEAD_STATIC_ORIGINS={origin} -s GOAHEAD_INCREMENTAL=False (a Scrapyd"
                   " job: -d setting=GOAHEAD_STATIC_ORIGINS={origin} -d"
                   " setting=GOAHEAD_INCREMENTAL=False; without a full crawl only the posts"
                   " that changed are fetched again, and only their images)")


def other_host_note(stats: Mapping[str, Any], advice: Callable[[str], str]) -> str | None:
    """The note on the images the posts show from hosts outside the crawl's scope (not
    fetched, by design: other sites' images), or None when there were none: said, because
    a blog's own image host on a custom domain looks just the same until it is named.
    ``advice(origin)`` is how to name it, which differs between the CLI and the Scrapy
    way; both share this text."""
    first = stats.get("goahead/images/other_host_first")
    if not first:
        return None
    parts = urlsplit(first)
    origin = f"{parts.scheme}://{parts.netloc}"
    count = int(stats.get("goahead/images/other_host", 0))
    at_least = "at least " if stats.get("goahead/images/other_host_more") else ""
    return (f"{at_least}{count:,} image{'s' if count != 1 else ''} its posts show are on"
            f" other hosts and were not captured (first: {first}); if {origin} serves the"
            f" blog's own images, crawl again with {advice(origin)}")
