"""Benchmark the archive's Thai-aware search, against LIKE scans and a trigram index.

    python bench/search.py --posts 20000

Builds a synthetic archive (Thai news-like text sampled from the Thai National Corpus word
frequencies that ship with pythainlp, plus English posts), then prints: build time and
size, p50/p95 query times (search top-20 and count) against a ``LIKE '%term%'`` scan,
recall/precision of the syllable index against a trigram index on Thai words with known
answers, and JSONL export throughput with peak memory.
"""

from __future__ import annotations

import argparse
import io
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from bisect import bisect
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import export, search
from archive.connection import open_archive
from archive.models import Post
from archive.posts import upsert_post
from archive.query import to_fts
from archive.segment import engine_name

ENGLISH_WORDS = (
    "the a of to and in for on with at by from news report city council school road "
    "market farmer farmers farming rice water river flood floods flooding election "
    "minister ministers government budget archive archives archived archiving library "
    "libraries museum history local community communities health hospital police "
    "festival temple province village villages weather storm rain price prices trade "
    "tourism tourist tourists travel train bus airport students teacher teachers "
    "reading room rooms opened opens opening new old public officials said says "
    "announced plan plans project projects development developing developed"
)
ENGLISH = ENGLISH_WORDS.split()


class Corpus:
    """Posts regenerated on demand from a per-post seed (constant memory at any size), as
    word lists, so each query's true answers are known."""

    def __init__(self, n: int, seed: int = 7) -> None:
        from pythainlp.corpus import tnc

        self.n, self.seed = n, seed
        pairs = [(w, f) for w, f in tnc.word_freqs()
                 if w and all("\u0e01" <= ch <= "\u0e7f" for ch in w)]
        self.thai = [w for w, _ in pairs]
        self.cum = list(accumulate(f for _, f in pairs))

    def words(self, i: int) -> tuple[list[str], list[str], bool]:
        rng = random.Random(self.seed * 1_000_003 + i)
        if i % 5 == 4:
            return (rng.choices(ENGLISH, k=rng.randint(4, 9)),
                    rng.choices(ENGLISH, k=rng.randint(150, 700)), True)
        total = self.cum[-1]
        pick = [self.thai[bisect(self.cum, rng.random() * total)]
                for _ in range(rng.randint(303, 1208))]
        cut = rng.randint(3, 8)
        return pick[:cut], pick[cut:], False

    @staticmethod
    def render(words: list[str], english: bool) -> str:
        if english:
            return " ".join(words)
        # Thai: no spaces inside phrases, a space between phrases, paragraphs of ~60 words.
        out = []
        for n, word in enumerate(words, start=1):
            out.append(word)
            out.append("\n\n" if n % 60 == 0 else " " if n % 7 == 0 else "")
        return "".join(out).strip()

    def post(self, i: int) -> Post:
        title, body, english = self.words(i)
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00+07:00"
        return Post(blog_id="1", post_id=str(i), site=f"s{i % 3}.blogspot.com",
                    url=f"https://s{i % 3}.blogspot.com/2024/01/p{i}.html",
                    title=self.render(title, english), text=self.render(body, english),
                    labels=["ข่าว"] if i % 2 else ["news"], published=day,
                    language="en" if english else "th", author="bench")

    def batches(self, size: int = 1000):
        for first in range(0, self.n, size):
            yield [self.post(i) for i in range(first, min(first + size, self.n))]


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def build_archive(corpus: Corpus, path: Path) -> tuple[float, int]:
    """Insert every post through upsert_post; time the inserts only."""
    db = open_archive(path)
    elapsed, chars = 0.0, 0
    for batch in corpus.batches():
        chars += sum(len(p.title) + len(p.text) for p in batch)
        start = time.perf_counter()
        with db.atomic():  # nested atomic() = savepoints: one commit per batch
            for post in batch:
                upsert_post(db, post)
        elapsed += time.perf_counter() - start
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return elapsed, chars


def build_trigram(corpus: Corpus, path: Path) -> float:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, post_id TEXT, title TEXT, "
                 "text TEXT)")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, text, content=posts, "
                 "content_rowid=id, tokenize='trigram')")
    conn.execute("CREATE TRIGGER t_ai AFTER INSERT ON posts BEGIN INSERT INTO t "
                 "(rowid, title, text) VALUES (new.id, new.title, new.text); END")
    elapsed = 0.0
    for batch in corpus.batches():
        start = time.perf_counter()
        conn.executemany("INSERT INTO posts (post_id, title, text) VALUES (?, ?, ?)",
                         [(p.post_id, p.title, p.text) for p in batch])
        conn.commit()
        elapsed += time.perf_counter() - start
    conn.close()
    return elapsed


def truth(corpus: Corpus, queries: list[str]) -> dict[str, set[str]]:
    """For each query word, the posts it was generated into."""
    wanted = set(queries)
    answers: dict[str, set[str]] = {w: set() for w in queries}
    for i in range(corpus.n):
        title, body, english = corpus.words(i)
        if not english:
            for word in wanted.intersection(title).union(wanted.intersection(body)):
                answers[word].add(str(i))
    return answers


def table_sizes(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    conn.close()
    return dict(rows)


def pick_queries(corpus: Corpus, k: int) -> list[str]:
    """Thai words that occur, weighted towards short ones (the hard case)."""
    rng = random.Random(11)
    seen: set[str] = set()
    for i in range(min(corpus.n, 2000)):
        title, body, english = corpus.words(i)
        if not english:
            seen.update(title, body)
    short = sorted(w for w in seen if len(w) == 2)
    rest = sorted(w for w in seen if len(w) > 2)
    return rng.sample(short, min(len(short), k // 4)) + rng.sample(rest, k - k // 4)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def quality(name: str, found: dict[str, set[str]], answers: dict[str, set[str]]) -> str:
    precisions, recalls, short_found = [], [], 0
    for word, truth in answers.items():
        got = found[word]
        if got:
            precisions.append(len(got & truth) / len(got))
        recalls.append(len(got & truth) / len(truth) if truth else 1.0)
        short_found += len(word) == 2 and bool(got & truth)
    p, r = statistics.mean(precisions or [0]), statistics.mean(recalls)
    f1 = 2 * p * r / (p + r) if p + r else 0
    n_short = sum(len(w) == 2 for w in answers)
    return (f"{name:<10} precision {p:.2f}  recall {r:.2f}  F1 {f1:.2f}  "
            f"2-code-point words found {short_found}/{n_short}")


def compare(corpus: Corpus, archive: Path, trigram: Path, queries: list[str]) -> None:
    db = open_archive(archive)
    tri = sqlite3.connect(trigram)
    syl_sql = ("SELECT posts.post_id FROM posts_search_fts JOIN posts ON posts.id = "
               "posts_search_fts.rowid WHERE posts_search_fts MATCH ?")
    tri_sql = "SELECT posts.post_id FROM t JOIN posts ON posts.id = t.rowid WHERE t MATCH ?"
    like_sql = "SELECT post_id FROM posts WHERE title LIKE ? OR text LIKE ?"
    results: dict[str, dict[str, set[str]]] = {"syllables": {}, "trigram": {}, "LIKE": {}}
    for word in queries:
        results["syllables"][word] = {r[0] for r in db.execute(syl_sql, [to_fts(word)])}
        phrase = '"' + word + '"'
        results["trigram"][word] = {r[0] for r in tri.execute(tri_sql, [phrase])}
        like = f"%{word}%"
        results["LIKE"][word] = {r[0] for r in tri.execute(like_sql, [like, like])}
    print(f"\nRecall/precision on {len(queries)} Thai words with known answers "
          f"(a post is relevant when the word was generated into it):")
    answers = truth(corpus, queries)
    for name, found in results.items():
        print("  " + quality(name, found, answers))
    db.close()
    tri.close()


def query_times(archive: Path, thai: list[str], english: list[str]) -> None:
    db = open_archive(archive)
    print("\nQuery times, ms (p50 / p95):")
    for label, words in (("Thai", thai), ("English", english)):
        top = [timed(search.search, db, w)[1] for w in words]
        cnt = [timed(search.count, db, w)[1] for w in words]
        like_words = words[:25]
        like = [timed(lambda w: db.execute(
            "SELECT count(*) FROM posts WHERE title LIKE ? OR text LIKE ?",
            [f"%{w}%", f"%{w}%"]).fetchone(), w)[1] for w in like_words]
        print(f"  {label:<8} search top-20 {pct(top, .5):7.1f} / {pct(top, .95):7.1f}   "
              f"count {pct(cnt, .5):7.1f} / {pct(cnt, .95):7.1f}   "
              f"LIKE count scan {pct(like, .5):7.1f} / {pct(like, .95):7.1f}")
    db.close()


class NullSink(io.StringIO):
    def write(self, text: str) -> int:  # keep nothing: measure the export, not the sink
        return len(text)


def export_throughput(archive: Path) -> None:
    db = open_archive(archive)
    sink = NullSink()
    count, elapsed = timed(export.export, db, "jsonl", sink)
    tracemalloc.start()
    export.export(db, "jsonl", sink, site="s0.blogspot.com")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\nJSONL export: {count} posts in {elapsed:.1f} s = {count / elapsed:,.0f} posts/s; "
          f"peak Python heap during a filtered export {peak / 1e6:.1f} MB")
    db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=120)
    parser.add_argument("--dir", type=Path, help="where to build (default: a temp dir)")
    args = parser.parse_args(argv)
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="goahead-bench-"))
    archive, trigram = workdir / "archive.db", workdir / "trigram.db"
    for path in (archive, trigram):
        path.unlink(missing_ok=True)

    corpus = Corpus(args.posts)
    syl_time, chars = build_archive(corpus, archive)
    print(f"{args.posts:,} synthetic posts, {chars / 1e6:.0f}M characters; "
          f"segmenter: {engine_name()}; SQLite {sqlite3.sqlite_version}")
    tri_time = build_trigram(corpus, trigram)
    sizes, tri_sizes = table_sizes(archive), table_sizes(trigram)
    fts = sum(v for k, v in sizes.items() if k.startswith("posts_search_fts"))
    tri_fts = sum(v for k, v in tri_sizes.items() if k.startswith("t_"))
    print(f"Archive (posts + segmented copy + FTS): build {syl_time:.1f} s, "
          f"file {archive.stat().st_size / 1e6:.0f} MB: posts {sizes.get('posts', 0) / 1e6:.0f}"
          f" MB, segmented copy {sizes.get('posts_search', 0) / 1e6:.0f} MB, "
          f"FTS index {fts / 1e6:.0f} MB")
    print(f"Trigram (posts + FTS): build {tri_time:.1f} s, index {tri_fts / 1e6:.0f} MB")

    thai = pick_queries(corpus, args.queries)
    english = random.Random(3).sample(ENGLISH, 40)
    query_times(archive, thai, english)
    compare(corpus, archive, trigram, thai)
    export_throughput(archive)
    print(f"\n(files kept in {workdir})")


if __name__ == "__main__":
    main()
