"""Images and requisites: each URL fetched once per crawl, and posts held until theirs settle. Pure.

Many posts show the same image (a logo, a photo reused in follow-up stories), and every
page loads the same stylesheets: one :class:`StaticFrontier` per crawl claims each URL
once, whichever page named it. A post's row lists the images that were archived
(:func:`goahead_crawler.blogger.images.archived_images`), which is known only once each of
its images was captured or failed: until then the post is held here, and released (in
the order its last image settled) to be stored once, complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PENDING, CAPTURED, FAILED = "pending", "captured", "failed"


@dataclass
class Held:
    """A post waiting for its images: ``item`` (opaque here), all its image URLs in order,
    and those still pending."""

    key: str
    item: Any
    urls: list[str]
    pending: set[str]


@dataclass
class StaticFrontier:
    state: dict[str, str] = field(default_factory=dict)  # url -> pending|captured|failed
    held: dict[str, Held] = field(default_factory=dict)  # post key -> Held
    waiting: dict[str, set[str]] = field(default_factory=dict)  # url -> post keys

    def claim(self, url: str) -> bool:
        """True the first time ``url`` is named: the caller fetches it; later, False."""
        if url in self.state:
            return False
        self.state[url] = PENDING
        return True

    def captured(self, url: str) -> bool:
        return self.state.get(url) == CAPTURED

    def pending(self) -> list[str]:
        return [url for url, state in self.state.items() if state == PENDING]

    def hold(self, key: str, item: Any, urls: list[str]) -> bool:
        """Hold ``item`` until every pending URL of ``urls`` settles; False (not held) when
        none is pending: the item is complete now."""
        self.held.pop(key, None)  # held before (a killed crawl's post, fetched again): now
        pending = {url for url in urls if self.state.get(url) == PENDING}
        if not pending:
            return False
        self.held[key] = Held(key, item, list(urls), pending)
        for url in pending:
            self.waiting.setdefault(url, set()).add(key)
        return True

    def settle(self, url: str, ok: bool) -> list[Held]:
        """``url`` was captured (``ok``) or failed for good; the posts it completes. A URL
        settles once: a second answer (a resumed job asking again) changes nothing."""
        if self.state.get(url, PENDING) != PENDING:
            return []
        self.state[url] = CAPTURED if ok else FAILED
        released = []
        for key in sorted(self.waiting.pop(url, ())):
            held = self.held.get(key)
            if held is None or url not in held.pending:  # it was held again since, or not
                continue
            held.pending.discard(url)
            if not held.pending:
                released.append(self.held.pop(key))
        return released

    def counts(self) -> dict[str, int]:
        counts = {PENDING: 0, CAPTURED: 0, FAILED: 0}
        for state in self.state.values():
            counts[state] += 1
        return counts

    def snapshot(self) -> dict[str, Any]:
        """Plain data for ``spider.state``: URL states and the held items as given."""
        return {"state": dict(self.state),
                "held": [[h.key, h.item, h.urls] for h in self.held.values()]}

    def restore(self, data: dict[str, Any]) -> None:
        self.state.update(data.get("state", {}))
        for key, item, urls in data.get("held", ()):
            self.hold(key, item, urls)
