"""The sample blogs' posts as plain dataclasses, with the ground truth for each post.

The posts live in ``sampleblog/data/<blog>/blog.json`` (and, for the reference article, an
HTML body file plus its clean text). :func:`load_blog` reads them, adds deterministic
synthetic posts when asked for more (:mod:`sampleblog.synth`) and assigns Blogger-style URL
paths. Timestamps are ISO 8601 strings exactly as the feeds print them (milliseconds and the
blog's UTC offset, e.g. ``2024-01-21T18:42:00.000+07:00``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from pathlib import Path

from sampleblog import markup, synth
from sampleblog.records import DATA, Blog, Comment, Post, parse_ts

BLOG_NAMES = ("goahead", "contempo")


def slug_for(title: str) -> str:
    """Blogger's slug: ASCII words of the title up to ~40 characters, else ``blog-post``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower().replace("'", ""))
    if not any(re.search("[a-z]", w) for w in words):
        return "blog-post"
    slug = words[0][:40]
    for word in words[1:]:
        if len(slug) + 1 + len(word) > 40:
            break
        slug = f"{slug}-{word}"
    return slug


def assign_path(title: str, published: str, taken: set[str]) -> str:
    """``/YYYY/MM/slug.html``, with Blogger's ``_DD`` suffix when the slug is already taken."""
    when = parse_ts(published)
    base = f"/{when.year:04d}/{when.month:02d}/{slug_for(title)}"
    suffixed = (f"{base}_{when.day:02d}{n}" for n in range(1, 1000))
    for candidate in itertools.chain([base, f"{base}_{when.day:02d}"], suffixed):
        path = candidate + ".html"
        if path not in taken:
            taken.add(path)
            return path
    raise ValueError(f"no free URL for {title!r} in {when:%Y-%m}")


def _read_text(blog_dir: Path, name: str) -> str:
    return (blog_dir / name).read_text(encoding="utf-8")


def _comments(raw: list[dict]) -> list[Comment]:
    return [Comment(**c) for c in raw]


def _post_from_data(raw: dict, blog_id: str, blog_dir: Path, kind: str) -> Post:
    if "body_file" in raw:
        body = _read_text(blog_dir, raw["body_file"])
        text = _read_text(blog_dir, raw["text_file"]).rstrip()
    else:
        body = markup.render_blocks(raw["blocks"], raw.get("style", "p"))
        text = markup.blocks_text(raw["blocks"])
    images = raw.get("images") or markup.block_images(raw.get("blocks", []))
    return Post(
        post_id=raw.get("post_id") or raw["page_id"],
        blog_id=blog_id,
        title=raw["title"],
        published=raw["published"],
        updated=raw["updated"],
        author=raw["author"],
        path=f"/p/{raw['slug']}.html" if kind == "page" else "",
        body_html=body,
        expected_text=text,
        labels=list(raw.get("labels", [])),
        images=list(images),
        comments=_comments(raw.get("comments", [])),
        kind=kind,
    )


def load_blog(name: str, n_posts: int | None = None, image_pool: int | None = None) -> Blog:
    """Load blog ``name``; with ``n_posts``, pad with synthetic posts (or keep the newest),
    whose images come from a pool of ``image_pool`` distinct images (default
    :data:`sampleblog.synth.IMAGE_POOL`)."""
    if n_posts is not None and n_posts < 1:
        raise ValueError(f"n_posts must be at least 1, not {n_posts}")
    if name not in BLOG_NAMES:
        raise ValueError(f"unknown sample blog {name!r}; choose from {', '.join(BLOG_NAMES)}")
    blog_dir = DATA / name
    meta = json.loads(_read_text(blog_dir, "blog.json"))
    posts = [_post_from_data(p, meta["blog_id"], blog_dir, "post") for p in meta["posts"]]
    pages = [_post_from_data(p, meta["blog_id"], blog_dir, "page") for p in meta["pages"]]
    posts.sort(key=lambda p: p.published_dt, reverse=True)
    if n_posts is not None and n_posts < len(posts):
        posts = posts[:n_posts]
    elif n_posts is not None:
        pool = synth.IMAGE_POOL if image_pool is None else image_pool
        posts += synth.synthetic_posts(meta, posts, n_posts - len(posts), pool)
    taken: set[str] = set()  # hand-written posts first, so their URLs never depend on n_posts
    for post in sorted(posts, key=lambda p: (p.synthetic, p.published_dt)):
        post.path = assign_path(post.title, post.published, taken)
    fields = {k: meta[k] for k in ("name", "blog_id", "title", "tagline", "template")}
    fields |= {k: meta[k] for k in ("language", "utc_offset", "profile_id")}
    return Blog(**fields, posts=posts, pages=pages)


def load_blogs(
    names: list[str] | None = None, n_posts: int | None = None, image_pool: int | None = None
) -> dict[str, Blog]:
    return {name: load_blog(name, n_posts, image_pool) for name in names or BLOG_NAMES}


def new_post(
    blog: Blog,
    title: str,
    text: str,
    published: str,
    *,
    author: str | None = None,
    labels: list[str] | None = None,
    post_id: str | None = None,
) -> Post:
    """A post to hand to ``SampleSite.publish``: ``text`` paragraphs split on blank lines."""
    blocks = [markup.html_escape(p.strip()) for p in re.split(r"\n\s*\n", text)]
    blocks = [b for b in blocks if b]
    digest = hashlib.sha256(f"{blog.blog_id}|{title}|{published}".encode()).hexdigest()
    pid = post_id or str(10**18 + int(digest[:30], 16) % (8 * 10**18))
    default_author = blog.posts[0].author if blog.posts else blog.title
    return Post(
        post_id=pid,
        blog_id=blog.blog_id,
        title=title,
        published=published,
        updated=published,
        author=author or default_author,
        path="",
        body_html=markup.render_blocks(blocks, "p"),
        expected_text=markup.blocks_text(blocks),
        labels=list(labels or []),
    )
