"""The sample blogs' records (posts, comments, blogs) and Blogger's timestamp form.

Plain dataclasses shared by :mod:`sampleblog.content` (hand-written posts) and
:mod:`sampleblog.synth` (generated ones), so neither imports the other's module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

DATA = Path(str(resources.files("sampleblog") / "data"))


@dataclass
class Comment:
    comment_id: str
    author: str
    published: str
    text: str


@dataclass(eq=False)  # identity: posts are mutable records, compared by post_id when needed
class Post:
    """One post (or static page, ``kind="page"``) and what a perfect crawler should keep."""

    post_id: str
    blog_id: str
    title: str
    published: str
    updated: str
    author: str
    path: str  # URL path on the blog: /2024/01/slug.html or /p/slug.html
    body_html: str
    expected_text: str
    labels: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    kind: str = "post"
    synthetic: bool = False

    @property
    def url_path(self) -> str:
        return self.path

    @property
    def published_dt(self) -> datetime:
        return parse_ts(self.published)

    @property
    def updated_dt(self) -> datetime:
        return parse_ts(self.updated)


@dataclass
class Blog:
    name: str
    blog_id: str
    title: str
    tagline: str
    template: str  # "sora" (third-party news template) or "contempo"
    language: str
    utc_offset: str
    profile_id: str
    posts: list[Post]  # newest published first
    pages: list[Post]

    def post(self, post_id: str) -> Post:
        for post in self.posts:
            if post.post_id == post_id:
                return post
        raise KeyError(post_id)


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def format_ts(moment: datetime) -> str:
    """Blogger's feed timestamp: milliseconds and a ``+HH:MM`` offset."""
    return moment.isoformat(timespec="milliseconds")
