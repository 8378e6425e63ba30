"""Posts whose redirect went nowhere: a loop, or a hop to a URL that never answered. Pure.

Scrapy's scheduler drops a redirect hop to a URL already requested (its duplicate filter),
silently. Usually that is right: an old post URL redirecting to the current one, which the
feed named too, is fetched once. But two posts redirecting to each other are then both lost
without a word. The spider notes each dropped hop here, and each URL that answered with a
page; once the crawl has run dry, every post whose hop led to a URL that never answered is
reported, a loop as a loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RedirectLedger:
    hops: dict[str, list[str]] = field(default_factory=dict)  # origin -> chain incl. target
    answered: set[str] = field(default_factory=set)  # URLs that answered with a page
    reported: set[str] = field(default_factory=set)

    def dropped(self, chain: list[str], target: str) -> None:
        """A request that started at ``chain[0]`` and went through ``chain`` was sent on to
        ``target``, a URL already requested."""
        if chain:
            self.hops.setdefault(chain[0], [*chain, target])

    def answer(self, url: str) -> None:
        self.answered.add(url)

    def unresolved(self) -> list[tuple[str, str]]:
        """(post URL, why it was lost) for each dropped hop whose target never answered;
        each once."""
        lost = []
        for origin, chain in self.hops.items():
            target = chain[-1]
            if origin in self.reported or origin in self.answered or target in self.answered:
                continue
            self.reported.add(origin)
            lost.append((origin, self._why(chain)))
        return lost

    def _why(self, chain: list[str]) -> str:
        path = list(chain)
        while path[-1] in self.hops and path[-1] not in path[:-1]:
            path += self.hops[path[-1]][1:]  # the target's own dropped hop, and so on
        if path[-1] in path[:-1]:
            return "redirect loop: " + " -> ".join(path)
        return f"redirected to {chain[-1]}, which never answered with a page"
