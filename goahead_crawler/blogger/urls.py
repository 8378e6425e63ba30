"""Blogger URL knowledge: feed page URLs, canonical post URLs, which path is what. Pure."""

from __future__ import annotations

import functools
import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

FEED_PATH = "/feeds/posts/default"
# The static pages' feed: the same Atom/JSON entries (ids ``blog-ID.page-ID``), each with
# the page's published and updated dates and author, which its markup does not show.
PAGES_FEED_PATH = "/feeds/pages/default"
# Feeds whose entries are what the crawl extracts a page with (rebuild.context reads both).
ENTRY_FEED_PATHS = frozenset({FEED_PATH, PAGES_FEED_PATH})
# Blogger silently caps max-results (500, then 150, then sometimes 100): ask for 150 and page by
# what actually comes back.
DEFAULT_PAGE_SIZE = 150

# Query parameters that only select a view of the same resource.
_VIEW_PARAMS = {"m", "showComment", "showcomment", "spref", "fbclid", "gclid", "amp"}
_POST_PATH = re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$")
_PAGE_PATH = re.compile(r"^/p/[^/]+\.html$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # javascript:, mailto:, data:, ...
_HOST_PORT = re.compile(r"^[^/:]+:\d+(?:/|$)")  # localhost:8080/ (a host, not a scheme)
# Blogger's country-code domains, which redirect to .blogspot.com (BLOGGER.md): Google's
# entries in the Public Suffix List, and .co.th, which BLOGGER.md names. A list, not a
# pattern: "1.bp.blogspot.evil.example" is somebody else's host.
BLOGSPOT_COUNTRY_DOMAINS = frozenset("blogspot." + suffix for suffix in (
    "ae", "al", "am", "ba", "be", "bg", "bj", "ca", "cf", "ch", "cl", "co.at", "co.id",
    "co.il", "co.ke", "co.nz", "co.th", "co.uk", "co.za", "com.ar", "com.au", "com.br",
    "com.by", "com.co", "com.cy", "com.ee", "com.eg", "com.es", "com.mt", "com.ng",
    "com.tr", "com.uy", "cv", "cz", "de", "dk", "fi", "fr", "gr", "hk", "hr", "hu", "ie",
    "in", "is", "it", "jp", "kr", "li", "lt", "lu", "md", "mk", "mr", "mx", "my", "nl",
    "no", "pe", "pt", "qa", "re", "ro", "rs", "ru", "se", "sg", "si", "sk", "sn", "td",
    "tw", "ug", "vn",
))
DEFAULT_PORTS = {"http": 80, "https": 443}


class BlogUrlError(ValueError):
    """The user gave something that is not an http(s) URL of a blog."""


def blog_root(url: str) -> str:
    """The blog's home URL for any URL on it: scheme + host + "/"; adds https:// if missing.

    Raises :class:`BlogUrlError` (one line) for anything that is not the public http(s)
    address of a site: another scheme (``javascript:``, ``ftp://``), a broken host or
    port, credentials."""
    url = url.strip()
    if "://" not in url:
        if _SCHEME.match(url) and not _HOST_PORT.match(url):
            raise BlogUrlError(f"not an http(s) blog URL: {url[:200]!r}")
        url = "https://" + url
    parts = split_http(url, "blog URL")
    # the host as Scrapy asks for its pages and canonical_url keys them (an IDN host in
    # IDNA, no default port, no trailing dot): a blog's own URLs must be on its root
    return canonical_url(urlunsplit((parts.scheme, parts.netloc, "/", "", "")))


def split_http(url: str, what: str = "URL") -> SplitResult:
    """``urlsplit`` for a URL that may be fetched: http(s), a host, a possible port, no
    credentials; else :class:`BlogUrlError` saying which (the scope's rule too)."""
    try:
        parts = urlsplit(url.strip())
        if parts.port == 0:  # raises for a port that cannot be; 0 is one nothing listens on
            raise ValueError("port 0")
    except ValueError as exc:
        raise BlogUrlError(f"impossible port or host in {_masked(url)!r} ({exc})") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise BlogUrlError(f"not an http(s) {what}: {_masked(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise BlogUrlError(f"credentials in the {what} ({_masked(url)!r}) are never sent;"
                           " give its public address")
    if not parts.hostname:
        raise BlogUrlError(f"no host in {_masked(url)!r}")
    return parts


def _masked(url: str) -> str:
    """The URL for a message: at most 200 characters, any user:password@ hidden."""
    return re.sub(r"(//)[^/@]*@", r"\1***@", url)[:200]


def normalise_host(netloc: str) -> str:
    """Lower-case host; ``x.blogspot.co.th`` -> ``x.blogspot.com`` (Blogger's country
    domains only: :data:`BLOGSPOT_COUNTRY_DOMAINS`)."""
    netloc = netloc.lower()
    host, sep, port = netloc.partition(":")
    cut = host.rfind(".blogspot.")
    if cut > 0 and host[cut + 1:] in BLOGSPOT_COUNTRY_DOMAINS:
        host = host[:cut] + ".blogspot.com"
    return host + sep + port


def request_url(url: str) -> str | None:
    """``url`` in the one form it is fetched, recorded and looked up by: as Scrapy sends it
    (w3lib's ``safe_url_string``: percent-encoded path, IDNA host), the scheme and host in
    lower case, percent-escapes in upper case, no trailing dot after the host, no default
    port, no fragment. Spellings of one URL (``5.BP.blogspot.com``, ``:80``, ``%e0``,
    ``café photo.jpg``) are one image, fetched once and found in the archive under the
    name its ``images`` field gives. None for what is not an http(s) URL Scrapy can
    request."""
    try:
        parts = urlsplit(safe_url_string(url.strip()))
        port = parts.port
    except ValueError:  # a host that is not one (NFKC tricks, a broken IPv6 literal)
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    if parts.username is not None or parts.password is not None:  # the scope refuses it
        return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, upper_escapes(parts.path) or "/",
                       upper_escapes(parts.query), ""))


_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def upper_escapes(text: str) -> str:
    """``text`` with its percent-escapes in upper case: ``%e0`` and ``%E0`` are one octet
    (RFC 3986 2.1), and Scrapy's duplicate filter fetches the two spellings once, so the
    crawl must store, list and look them up as one."""
    if "%" not in text:
        return text
    return _ESCAPE.sub(lambda m: m.group().upper(), text)


def lower_escapes(text: str) -> str:
    """``text`` with its percent-escapes in lower case: how a crawl before
    :func:`upper_escapes` fetched (and its captures row keeps) a URL a page linked so,
    ``%e0%b8%82``: where the crawl looks for it when the upper-case spelling has none."""
    if "%" not in text:
        return text
    return _ESCAPE.sub(lambda m: m.group().lower(), text)


def feed_page_url(root: str, start_index: int, max_results: int = DEFAULT_PAGE_SIZE,
                  alt: str = "json", path: str = FEED_PATH, **extra: str) -> str:
    """A posts-feed (or, with ``path``, pages-feed) page on the blog's own host (Blogger's
    rel=next points off-host)."""
    query = {"alt": alt, "start-index": str(start_index), "max-results": str(max_results)}
    query.update(extra)
    if alt == "atom":
        del query["alt"]
    return root.rstrip("/") + path + "?" + urlencode(query)


POSTS_ORDER = "published"  # the order paging on by ``published-max`` relies on


def posts_feed_url(root: str, start_index: int, max_results: int = DEFAULT_PAGE_SIZE,
                   alt: str = "json", path: str = FEED_PATH, **extra: str) -> str:
    """A posts-feed page that names its order: ``orderby=published`` unless ``extra`` names
    another (an incremental run's ``updated``). Blogger's default order is not documented
    (BLOGGER.md): the ``published-max`` cursor taken from the pages read by start-index
    (:func:`goahead_crawler.blogger.feed.date_cursor`) skips posts unless those pages were
    by publication too."""
    return feed_page_url(root, start_index, max_results, alt, path,
                         **{"orderby": POSTS_ORDER, **extra})


def names_order(url: str) -> bool:
    """A feed page URL that says its order (``orderby``). One that does not was asked by
    a version before (a request left in a ``--resume`` job's queue): its entries may be
    in any order, so their dates are no ``published-max`` cursor."""
    parts = readable(url)
    return bool(parts) and any(k == "orderby" for k, _ in parse_qsl(parts.query))


@functools.lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """One URL per resource, the identity posts are fetched, stored, listed and rebuilt
    by: :func:`request_url`'s spelling (percent-encoded as Scrapy sends it and the WARC
    records it, so a feed's raw ``/2024/03/ข่าว.html`` and a sitemap's ``%E0%B8%82...``
    are one post; no default port, no fragment), without view-only parameters, on the
    normalised host. (A crawl asks about each URL a dozen times: remembered.) A URL
    ``urlsplit`` cannot read (``http://[oops``) is returned as given: it is on no blog, and
    one such link in a feed or a sitemap must not stop the others being read."""
    parts = readable(request_url(url) or url.strip())
    if parts is None:
        return url.strip()
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in _VIEW_PARAMS and not k.startswith("utm_")]
    return urlunsplit((parts.scheme.lower(), normalise_host(parts.netloc),
                       parts.path or "/", urlencode(query), ""))


def readable(url: str) -> SplitResult | None:
    """``urlsplit`` of a URL a server wrote, or None for one it cannot read (a broken IPv6
    literal, ``http://[oops``): such a link is on no blog and has no path of one, and must
    not take the other links of its page with it."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _path(url: str) -> str:
    parts = readable(url)
    return parts.path if parts else ""


def is_post_path(url: str) -> bool:
    return bool(_POST_PATH.match(_path(url)))


def is_static_page_path(url: str) -> bool:
    return bool(_PAGE_PATH.match(_path(url)))


def month_archive_url(post_url: str) -> str:
    """The ``/YYYY/MM/`` archive page listing a post (``/2024/01/slug.html``)."""
    parts = urlsplit(post_url)
    month = _POST_PATH.match(parts.path)
    if not month:
        raise ValueError(f"not a post URL: {post_url!r}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path[:len("/YYYY/MM/")], "", ""))


def joined(base: str, href: str) -> str | None:
    """``urljoin`` for a link a server wrote: None for one it cannot read (``http://[oops``
    raises), which must not take the other links of its page with it."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def same_blog(url: str, root: str) -> bool:
    """In scope: the URL is on the blog's host (after country-domain normalisation)."""
    parts, home = readable(url), readable(root)
    return bool(parts and home) and normalise_host(parts.netloc) == normalise_host(home.netloc)


# Where Blogger serves post images from (how a link to a full-size photo is recognised).
_IMAGE_HOSTS = re.compile(
    r"(^|\.)(blogger\.googleusercontent\.com|bp\.blogspot\.com|googleusercontent\.com)$"
)


def is_blogger_image(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(_IMAGE_HOSTS.search(parts.hostname or ""))
