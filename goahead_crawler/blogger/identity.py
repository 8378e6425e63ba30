"""Is there a Blogger blog to archive at all? What its answers say when there is not. Pure.

Blogger answers for a blog that is not there in recognisable ways:

- a **private** blog ("open to invited readers only") sends every anonymous request to the
  sign-in page: a redirect to ``www.blogger.com/blogin.g?blogspotURL=...`` (or to Google's
  accounts), or a page that says so;
- a **removed** (deleted, or never created) blog answers 404 with Blogger's own "Blog not
  found" page ("Sorry, the blog at NAME.blogspot.com has been removed", "... does not
  exist"), not the blog's themed 404 for a missing post;
- a blog that **moved** (a blogspot address whose blog now lives on a custom domain)
  redirects every URL to the same path at its new address, which is not this crawl's;
- a site that is **not a Blogger blog** has no posts feed, no sitemap of Blogger post URLs
  and none of the markup every Blogger template carries (the ``generator`` meta, the widget
  manager, Blogger's static scripts).

A site whose home page, feed and sitemap all fail (5xx, 429, timeouts, after the retries)
says none of this: it is **failing** (down, or refusing the crawler), whatever it is; nor
does one whose **robots.txt** forbids them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

PRIVATE = "private"
REMOVED = "removed"
MOVED = "moved"
NOT_BLOGGER = "not_blogger"
UNREACHABLE = "unreachable"
FAILING = "failing"
ROBOTS = "robots"
VANISHED = "vanished"
# What the user reads (one line, after the blog's URL), per verdict.
MESSAGES = {
    PRIVATE: "the blog is private (Blogger asks readers to sign in); nothing was archived",
    REMOVED: "Blogger says this blog was removed or does not exist; nothing was archived",
    NOT_BLOGGER: "not a Blogger blog: no posts feed, no sitemap of posts and no Blogger"
                 " markup on its home page; nothing was archived",
    VANISHED: "the blog was archived before, but no posts feed, no sitemap of posts and no"
              " Blogger markup answered now (gone, or its address serves something else);"
              " nothing was archived this run, and the archive keeps what it had",
    UNREACHABLE: "cannot reach the blog ({error}); nothing was archived",
    FAILING: "the blog answers errors, not pages: its home page failed ({error}) after the"
             " retries, and no feed or sitemap came; nothing was archived (try again later)",
    ROBOTS: "the blog's robots.txt forbids this crawler its feed, sitemap or home page"
            " ({count} requests refused); nothing was archived",
    MOVED: "the blog redirects to {address} (another address, out of this crawl's scope);"
           " crawl that address instead; nothing was archived",
}

_LOGIN = (("www.blogger.com", "/blogin.g"), ("draft.blogger.com", "/blogin.g"),
          ("accounts.google.com", "/servicelogin"), ("accounts.google.com", "/v3/signin"))
_PRIVATE_TEXT = re.compile(rb"this blog is open to invited readers only|this blog is private",
                           re.IGNORECASE)
_REMOVED_TEXT = re.compile(
    rb"<title>\s*blog not found\s*</title>|the blog at [^<]{1,200} has been removed"
    rb"|the blog you were looking for does not exist|this blog has been removed",
    re.IGNORECASE)
_BLOGGER_MARKUP = re.compile(
    rb"""<meta[^>]+content=["']blogger["'][^>]+name=["']generator["']"""
    rb"""|<meta[^>]+name=["']generator["'][^>]+content=["']blogger["']"""
    rb"|_WidgetManager\._Init|www\.blogger\.com/static/v1/|blogger\.com/feeds/\d+/posts",
    re.IGNORECASE)
SNIFF_BYTES = 512 * 1024  # markers sit in <head> or near </body> of a page this size or less


def is_login_redirect(location: str) -> bool:
    """A redirect to Blogger's or Google's sign-in page: the blog is private."""
    parts = urlsplit(location.strip())
    host, path = (parts.hostname or "").lower(), parts.path.lower()
    return any(host == h and path.startswith(p) for h, p in _LOGIN)


def moved_to(url: str, target: str) -> str | None:
    """The new address (scheme://host/) when ``url`` redirects to the same path on another
    host or port, as a blogspot address does to the blog's custom domain; else None."""
    old, new = urlsplit(url), urlsplit(target)
    if (old.netloc.lower(), old.path) == (new.netloc.lower(), new.path) or \
            (old.path, old.query) != (new.path, new.query) or not new.hostname:
        return None
    return f"{new.scheme}://{new.netloc}/"


def says_private(body: bytes) -> bool:
    return bool(_PRIVATE_TEXT.search(body[:SNIFF_BYTES]))


def says_removed(status: int, body: bytes) -> bool:
    """Blogger's own "Blog not found" page (404/410), not a themed 404 for a missing post."""
    return status in (404, 410) and bool(_REMOVED_TEXT.search(body[:SNIFF_BYTES]))


def has_blogger_markup(body: bytes) -> bool:
    """Markup every Blogger template carries; the tail is searched too (scripts at the end)."""
    return bool(_BLOGGER_MARKUP.search(body[:SNIFF_BYTES])
                or _BLOGGER_MARKUP.search(body[-SNIFF_BYTES:]))


def message(verdict: str, **details: str) -> str:
    return MESSAGES[verdict].format(**details)
