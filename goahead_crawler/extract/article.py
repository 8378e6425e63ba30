"""The extractor's output record."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Article:
    """What the extractor finds in one post page. Dates are ISO 8601 with UTC offset."""

    title: str = ""
    author: str = ""
    published: str | None = None
    updated: str | None = None
    date_header: str = ""  # the date as the page shows it ("Sunday, January 21, 2024")
    labels: list[str] = field(default_factory=list)
    text: str = ""  # paragraphs separated by exactly one blank line
    html: str = ""  # clean article HTML
    images: list[str] = field(default_factory=list)  # <img src> of the body, in order
    # every image URL the body shows or links to (src, srcset, the full-size image a
    # thumbnail links to): what a crawl captures (blogger.images.element_images)
    image_urls: list[str] = field(default_factory=list)
    outlinks: list[str] = field(default_factory=list)
    language: str | None = None
    word_count: int = 0
    post_id: str | None = None
    blog_id: str | None = None
    comment_count: int | None = None
    comments: list[dict] = field(default_factory=list)  # {"author", "published", "text"}
    method: str = ""  # where the body came from: "blogger:<profile>", "feed" or "fallback"
    charset_note: str = ""  # set when the declared charset did not fit the bytes (detected)

    def holds_nothing(self) -> bool:
        """No title, no text, no image, and no post id or date: the page holds no post (an
        empty save, a page of nothing). A post of a photo or a video alone, with no title,
        is still a post, stored by the crawl: not this."""
        return not ((self.title or "").strip() or (self.text or "").strip() or self.image_urls
                    or self.post_id or self.published)
