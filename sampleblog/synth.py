"""Deterministic synthetic posts, so a sample blog can hold 500-1,000 posts for benchmarks.

Posts are assembled from the phrase pools in ``data/synth.json`` with a seeded RNG: Thai and
English, bodies of 1-8 KB in varied paragraph markup, some with images and 1-5 comments.
They are dated backwards from the oldest hand-written post. Fast: ~1,000 posts in well under
a second.

Images come from a pool of ``image_pool`` distinct photos (:func:`pool_image`), so a big blog
shows the same image in several posts, as news blogs reuse file photos and logos; the pool
mixes Blogger's three URL shapes (classic ``/s640/``, newer ``=w640-h426``, old
``N.bp.blogspot.com``).
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from functools import cache

from sampleblog import markup
from sampleblog.records import DATA, Comment, Post, format_ts, parse_ts

_THAI_SHARE = {"goahead": 0.85, "contempo": 0.4}
IMAGE_POOL = 100  # distinct images the synthetic posts of a blog draw from


@cache
def _pools() -> dict:
    return json.loads((DATA / "synth.json").read_text(encoding="utf-8"))


def synthetic_posts(
    meta: dict, existing: list[Post], count: int, image_pool: int = IMAGE_POOL
) -> list[Post]:
    """``count`` posts older than every post in ``existing``, newest first."""
    if image_pool < 1:
        raise ValueError(f"image_pool must be at least 1, not {image_pool}")
    rng = random.Random(f"{meta['blog_id']}:{count}")
    oldest = min((p.published_dt for p in existing), default=None)
    moment = oldest or parse_ts(f"2024-01-01T12:00:00.000{meta['utc_offset']}")
    used = {p.post_id for p in existing}
    posts = []
    for _ in range(count):
        moment -= timedelta(minutes=rng.randint(300, 3600))
        lang = "th" if rng.random() < _THAI_SHARE.get(meta["name"], 0.5) else "en"
        post_id = _new_id(rng, used)
        posts.append(_post(rng, meta["blog_id"], lang, moment, post_id, image_pool))
    return posts


def _new_id(rng: random.Random, used: set[str]) -> str:
    while True:
        candidate = str(rng.randrange(10**18, 10**19))
        if candidate not in used:
            used.add(candidate)
            return candidate


def _sentence(rng: random.Random, pool: dict) -> str:
    return rng.choice(pool["sentences"]).replace("{n}", str(rng.randint(3, 480)))


def _title(rng: random.Random, pool: dict, lang: str) -> str:
    subject, place, action = (rng.choice(pool[k]) for k in ("subjects", "places", "actions"))
    if lang == "th":
        return f"{subject}{place} {action}"
    return f"{subject} in {place} {action}"


def pool_image(index: int) -> str:
    """Image ``index`` of the pool, as the editor's thumbnail URL (one of three shapes)."""
    if index % 5 == 3:
        return f"https://blogger.googleusercontent.com/img/a/AVvXsEsyna{index:04d}=w640-h426"
    if index % 5 == 4:
        host = f"{1 + index % 4}.bp.blogspot.com"
        return (
            f"https://{host}/-syn{index:04d}Qe/XyZ{index:04d}/AAAAAAAAAAA/sample/s640/p{index}.jpg"
        )
    return f"https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEsyn{index:04d}/s640/p{index}.jpg"


def _blocks(rng: random.Random, pool: dict, image_pool: int) -> list[markup.Block]:
    target = rng.randint(900, 6800)  # bytes of body text; the last paragraph overshoots
    blocks: list[markup.Block] = []
    size = 0
    while size < target:
        sentences = [_sentence(rng, pool) for _ in range(rng.randint(2, 5))]
        paragraph = " ".join(sentences)
        blocks.append(paragraph)
        size += len(paragraph.encode())
    if rng.random() < 0.3:
        src = pool_image(rng.randint(1, 9999) % image_pool)  # the same draws as before pools
        caption = _sentence(rng, pool) if rng.random() < 0.5 else ""
        blocks.insert(1, {"img": src, "caption": caption})
    if rng.random() < 0.15:
        items = [_sentence(rng, pool) for _ in range(rng.randint(2, 5))]
        blocks.insert(len(blocks) - 1, {"list": items})
    return blocks


def _comments(rng: random.Random, pool: dict, published: str, used: set[str]) -> list[Comment]:
    if rng.random() > 0.2:
        return []
    moment = parse_ts(published)
    comments = []
    for _ in range(rng.randint(1, 5)):
        moment += timedelta(minutes=rng.randint(20, 2000))
        author, text = rng.choice(pool["commenters"]), rng.choice(pool["comments"])
        comments.append(Comment(_new_id(rng, used), author, format_ts(moment), text))
    return comments


def _post(
    rng: random.Random, blog_id: str, lang: str, moment, post_id: str, image_pool: int
) -> Post:
    pool = _pools()[lang]
    blocks = _blocks(rng, pool, image_pool)
    published = format_ts(moment)
    comments = _comments(rng, pool, published, {post_id})
    edited = moment + timedelta(minutes=rng.randint(0, 90), milliseconds=rng.randint(0, 999))
    last = max([edited] + [parse_ts(c.published) for c in comments])
    return Post(
        post_id=post_id,
        blog_id=blog_id,
        title=_title(rng, pool, lang),
        published=published,
        updated=format_ts(last),
        author=rng.choice(pool["authors"]),
        path="",
        body_html=markup.render_blocks(blocks, rng.choice(_pools()["styles"])),
        expected_text=markup.blocks_text(blocks),
        labels=rng.sample(pool["labels"], rng.randint(1, 3)),
        images=markup.block_images(blocks),
        comments=comments,
        synthetic=True,
    )
