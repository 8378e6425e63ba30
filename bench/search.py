"""Benchmark the archive's search against a LIKE scan and the index it replaced.

    python bench/search.py --posts 10000 30000 100000 --dir /tmp/goahead-bench

For each size: a synthetic archive (Thai news-like text sampled from the Thai National Corpus
word frequencies that ship with pythainlp, 80% Thai, plus English posts) is built through
``upsert_post`` (posts and search index, as a big crawl writes them: tokens cut in one
worker process), and the same posts into the syllable index goahead had before issue 11
(``bench/legacy_index.py``, one process, as its crawl wrote it). Then, in one run: build
time (wall clock, and CPU of every process) and size; p50/p95 of top-20 search (with snippets) and count, for
common, rare and one-cluster Thai words and common and rare English words, beside the old
index and a ``LIKE '%q%'`` scan; recall against LIKE (and precision) of the result sets,
with words the old index lost to context-dependent segmentation; precision@10 of the
ranking (a hit is relevant when the word was generated into the post as a word).

With ``--dir`` the archives are kept and reused by later runs of the same size (their
build figures are read back from ``build-N.json``); ``--rebuild`` builds them again.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
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

from sqlite_utils import Database

from archive import export, search, snippets, thai
from archive.connection import open_archive
from archive.migrations import SEARCH_FTS, SEARCH_META, SEARCH_STALE, SEARCH_WORDS
from archive.posts import post_row, upsert_post
from bench import legacy_index
from bench.legacy_index import ZWSP

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
# Words an English post carries a few of, so that English has rare words too.
ENGLISH_RARE = ["monsoon", "irrigation", "cooperative", "orchid", "silk", "weaving", "indigo", "cassava", "rubber", "tapioca", "mangrove", "reservoir", "embankment", "drought", "seedling", "fertiliser", "compost", "harvester", "tractor", "granary", "pagoda", "monastery", "novice", "abbot", "pilgrimage", "lantern", "procession", "parade", "ceremony", "handicraft", "pottery", "basketry", "lacquer", "embroidery", "tapestry", "loom", "spindle", "dye", "cotton", "hemp", "bamboo", "rattan", "teak", "mahogany", "sapling", "orchard", "durian", "mangosteen", "rambutan", "longan", "lychee", "tamarind", "coconut", "sugarcane", "pineapple", "watermelon", "cucumber", "eggplant", "chili", "lemongrass", "galangal", "turmeric", "ginger", "basil", "coriander", "shallot", "garlic", "peppercorn", "vinegar", "molasses", "honey", "beeswax", "apiary", "hatchery", "fishery", "aquaculture", "shrimp", "catfish", "tilapia", "mussel", "oyster", "seaweed", "estuary", "lagoon", "wetland", "peatland", "savanna", "plateau", "escarpment", "gorge", "waterfall", "rapids", "ferry", "pontoon", "jetty", "wharf", "lighthouse", "tugboat", "sampan", "longtail", "tuktuk", "songthaew", "minivan", "motorcade", "checkpoint", "tollbooth", "flyover", "underpass", "roundabout", "crosswalk", "sidewalk", "gazebo", "pavilion", "amphitheatre", "auditorium", "gymnasium", "dormitory", "canteen", "infirmary", "dispensary", "pharmacy", "vaccination", "quarantine", "epidemic", "dengue", "malaria", "cholera", "tuberculosis", "leprosy", "midwife", "paramedic", "ambulance"]


class Corpus:
    """Posts regenerated on demand from a per-post seed (constant memory at any size), as
    word lists, so each query's true answers are known."""

    def __init__(self, n: int, seed: int = 7) -> None:
        from pythainlp.corpus import tnc

        self.n, self.seed = n, seed
        # sorted: word_freqs() comes in set order, which changes with the hash seed, and
        # a reused archive must be regenerated post for post in a later process
        pairs = sorted((w, f) for w, f in tnc.word_freqs()
                       if w and all("\u0e01" <= ch <= "\u0e7f" for ch in w))
        self.thai = [w for w, _ in pairs]
        self.cum = list(accumulate(f for _, f in pairs))

    def words(self, i: int) -> tuple[list[str], list[str], bool]:
        rng = random.Random(self.seed * 1_000_003 + i)
        if i % 5 == 4:
            body = rng.choices(ENGLISH, k=rng.randint(150, 700))
            for word in rng.choices(ENGLISH_RARE, k=rng.randint(0, 3)):
                body.insert(rng.randrange(len(body)), word)
            return rng.choices(ENGLISH, k=rng.randint(4, 9)), body, True
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

    def post(self, i: int):
        from archive.models import Post

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


CLOCK = time.perf_counter  # --clock cpu: this thread's CPU time (SQLite runs in it)


def timed(fn, *args, **kwargs):
    start = CLOCK()
    result = fn(*args, **kwargs)
    return result, CLOCK() - start


def pct(values: list[float], p: float) -> float:  # ms
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


# -- building ----------------------------------------------------------------------------

def _cut_batch(pairs: list[tuple[str, str]], words: str, sha1: str) -> tuple[list, float]:
    """In the worker process: a batch of posts cut for the index, and the CPU it took."""
    start = time.process_time()
    cut = [search.tokens_with(words, sha1, title, text) for title, text in pairs]
    return cut, time.process_time() - start


def build(corpus: Corpus, archive: Path, legacy: Path | None) -> dict[str, float]:
    """Every post into goahead's archive through upsert_post (row + index) as a big crawl
    stores it: the tokens cut in one worker process (goahead_crawler/worker.py), the rows
    and the index written by this one; and into the old index as its crawl stored it (one
    process). Batch about, so both see the same machine load. Wall clock and CPU (this
    process plus the worker) for each."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    new = open_archive(archive)
    vocabulary = search.vocabulary_of(new)
    old = None if legacy is None else Database(legacy)
    if old is not None:
        legacy_index.create(old)
    figures = {"upsert_s": 0.0, "upsert_cpu": 0.0, "legacy_s": 0.0, "legacy_cpu": 0.0,
               "chars": 0}
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        pool.submit(_cut_batch, [], *vocabulary).result()  # started, as a crawl's is
        batches = corpus.batches(200)
        batch = next(batches, None)
        ahead = pool.submit(_cut_batch, [(p.title, p.text) for p in batch], *vocabulary) \
            if batch else None
        while batch:
            following = next(batches, None)
            start, cpu = time.perf_counter(), time.process_time()
            later = (pool.submit(_cut_batch, [(p.title, p.text) for p in following],
                                 *vocabulary) if following else None)
            cut, worker_cpu = ahead.result()
            with new.atomic():  # nested atomic() joins it: one commit per batch
                for post, tokens in zip(batch, cut, strict=True):
                    upsert_post(new, post, tokens=tokens)
            figures["upsert_s"] += time.perf_counter() - start
            figures["upsert_cpu"] += time.process_time() - cpu + worker_cpu
            figures["chars"] += sum(len(p.title) + len(p.text) for p in batch)
            if old is not None:
                start, cpu = time.perf_counter(), time.process_time()
                with old.conn:
                    for post in batch:
                        legacy_index.add(old, post.post_id, post.title, post.text,
                                         post.published)
                figures["legacy_s"] += time.perf_counter() - start
                figures["legacy_cpu"] += time.process_time() - cpu
            batch, ahead = following, later
    start = time.perf_counter()
    for table in (SEARCH_FTS, SEARCH_WORDS):
        new.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    figures["upsert_s"] += time.perf_counter() - start
    new.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    new.close()
    if old is None:
        del figures["legacy_s"], figures["legacy_cpu"]
    else:
        old.close()
    return figures


def bulk_build(corpus: Corpus, archive: Path) -> dict[str, float]:
    """Posts rows written straight into the posts table, then the index built from them by
    ``search.rebuild`` (what an upgraded archive runs): quicker than ``build`` at 100k
    posts, where the per-post path would not finish on a shared machine."""
    db = open_archive(archive)
    figures = {"chars": 0, "insert_s": 0.0}
    for batch in corpus.batches():
        figures["chars"] += sum(len(p.title) + len(p.text) for p in batch)
        start = time.perf_counter()
        with db.atomic():
            db["posts"].insert_all(map(post_row, batch))
        figures["insert_s"] += time.perf_counter() - start
    db.close()
    return figures | time_rebuild(archive)


def time_rebuild(path: Path) -> dict[str, float]:
    """The upgrade path: the index rebuilt from the posts table (what migration m004 asks)."""
    db = open_archive(path)
    start = time.perf_counter()  # wall clock: the rebuild runs in worker processes too
    search.rebuild(db, resume=False)
    elapsed = time.perf_counter() - start
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"rebuild_s": elapsed}


def table_sizes(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    conn.close()
    return dict(rows)


def search_size(sizes: dict[str, int]) -> int:
    names = (SEARCH_FTS, SEARCH_WORDS, SEARCH_STALE, SEARCH_META, "posts_deleted")
    return sum(v for k, v in sizes.items() if k.startswith(names))


def prepare(n: int, workdir: Path, rebuild: bool, time_rebuild_upto: int = 10_000,
            legacy_too: bool = True, bulk: bool = False) -> dict[str, float]:
    """Build (or reuse) the archive and the old index for ``n`` posts; their build figures.

    The index is also rebuilt from the posts table (the upgrade path) and timed, up to
    ``time_rebuild_upto`` posts. With ``bulk``, see :func:`bulk_build`; without
    ``legacy_too``, no old index.
    """
    archive, legacy = workdir / f"archive-{n}.db", workdir / f"legacy-{n}.db"
    record = workdir / f"build-{n}.json"
    if (record.exists() and archive.exists() and (legacy.exists() or not legacy_too)
            and not rebuild):
        return json.loads(record.read_text()) | {"reused": True}
    for path in (archive, legacy):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if bulk:
        figures = bulk_build(Corpus(n), archive)
    else:
        figures = build(Corpus(n), archive, legacy if legacy_too else None)
    if n <= time_rebuild_upto and "rebuild_s" not in figures:
        figures |= time_rebuild(archive)
    record.write_text(json.dumps(figures))
    return figures


# -- queries -----------------------------------------------------------------------------

def doc_freqs(corpus: Corpus, sample: int = 2000) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i in range(min(corpus.n, sample)):
        title, body, english = corpus.words(i)
        if not english:
            for word in set(title) | set(body):
                seen[word] = seen.get(word, 0) + 1
    return seen


def thai_buckets(corpus: Corpus, k: int = 30) -> dict[str, list[str]]:
    """Common (in 5%+ of Thai posts), rare (under 0.3%) and one-cluster Thai words."""
    rng = random.Random(11)
    freqs = doc_freqs(corpus)
    total = sum(1 for i in range(min(corpus.n, 2000)) if i % 5 != 4)
    multi = {w: f for w, f in freqs.items() if len(thai.clusters(w)) > 1}
    common = sorted(w for w, f in multi.items() if f >= 0.05 * total)
    rare = sorted(w for w, f in multi.items() if f <= 0.003 * total)
    short = sorted(w for w in freqs if len(thai.clusters(w)) == 1)
    return {"Thai common": rng.sample(common, min(k, len(common))),
            "Thai rare": rng.sample(rare, min(k, len(rare))),
            "Thai 1-cluster": rng.sample(short, min(k, len(short)))}


def english_buckets(k: int = 20) -> dict[str, list[str]]:
    rng = random.Random(3)
    return {"English common": rng.sample(ENGLISH, k), "English rare": rng.sample(ENGLISH_RARE, k)}


LIKE_COUNT = "SELECT count(*) FROM posts WHERE title LIKE :q OR text LIKE :q"
LIKE_TOP = "SELECT id FROM posts WHERE title LIKE :q OR text LIKE :q ORDER BY id LIMIT 20"


def query_times(n: int, workdir: Path, buckets: dict[str, list[str]], like_words: int = 8
                ) -> list[str]:
    db = open_archive(workdir / f"archive-{n}.db")
    old = legacy_db(workdir, n)
    search.search(db, "ไทย")  # load the dictionaries once, as a long-running process has
    if old is not None:
        legacy_index.top20(old, "ไทย")
    lines = []
    for label, words in buckets.items():
        top = [timed(search.search, db, w)[1] for w in words]
        cnt = [timed(search.count, db, w)[1] for w in words]
        old_top = [timed(legacy_index.top20, old, w)[1] for w in words] if old else []
        old_cnt = [timed(legacy_index.count, old, w)[1] for w in words] if old else []
        like = words[:like_words]
        # execute() runs the statement to its first row: time it with the fetch
        like_top = [timed(lambda w=w: db.execute(LIKE_TOP, {"q": f"%{w}%"}).fetchall())[1]
                    for w in like]
        like_cnt = [timed(lambda w=w: db.execute(LIKE_COUNT, {"q": f"%{w}%"}).fetchone())[1]
                    for w in like]
        lines.append(
            f"| {n:,} | {label} | {pct(top, .5):.1f} / {pct(top, .95):.1f} | "
            f"{pct(cnt, .5):.1f} / {pct(cnt, .95):.1f} | "
            f"{spread(old_top)} | {spread(old_cnt)} | "
            f"{spread(like_top, 0)} | {spread(like_cnt, 0)} |")
    db.close()
    if old is not None:
        old.close()
    return lines


def spread(values: list[float], digits: int = 1) -> str:
    return f"{pct(values, .5):.{digits}f} / {pct(values, .95):.{digits}f}" if values else "-"


def legacy_db(workdir: Path, n: int) -> Database | None:
    path = workdir / f"legacy-{n}.db"
    return Database(path) if path.exists() else None


# -- quality -----------------------------------------------------------------------------

def like_ids(db: Database, word: str) -> set[int]:
    return {r[0] for r in db.execute("SELECT id FROM posts WHERE title LIKE :q OR text LIKE :q",
                                     {"q": f"%{word}%"})}


def aligned(db: Database, word: str, ids: set[int]) -> set[int]:
    """Those of ``ids`` where the word starts and ends on character-cluster boundaries."""
    pattern = snippets.term_pattern(word)
    keep = set()
    for post_pk, title, text in db.execute(
            "SELECT id, title, text FROM posts WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted(ids))]):
        if any(snippets.Text(value).find(pattern, limit=1) for value in (title, text)):
            keep.add(post_pk)
    return keep


def generated(corpus: Corpus, words: list[str]) -> dict[str, set[int]]:
    """For each word, the posts (ids, 1-based as stored) it was generated into as a word."""
    wanted = set(words)
    answers: dict[str, set[int]] = {w: set() for w in words}
    for i in range(corpus.n):
        title, body, english = corpus.words(i)
        if not english:
            for word in wanted.intersection(title).union(wanted.intersection(body)):
                answers[word].add(i + 1)
    return answers


def quality(n: int, workdir: Path, words: list[str], split_words: list[str]) -> list[str]:
    db = open_archive(workdir / f"archive-{n}.db")
    old = legacy_db(workdir, n)
    corpus = Corpus(n)
    truth = generated(corpus, words + split_words)
    recall, recall_aligned, precision, lost, old_recall = [], [], [], [], []
    p10 = {"new": [], "old": [], "LIKE": []}
    for word in words + split_words:
        like = like_ids(db, word)
        got = set(search.post_ids(db, word))
        fit = (got & like) | aligned(db, word, like - got)  # the posts it should find
        recall.append(len(got & like) / len(like) if like else 1.0)
        recall_aligned.append(len(got & fit) / len(fit) if fit else 1.0)
        precision.append(len(got & like) / len(got) if got else 1.0)
        if like - got:
            lost.append(f"{word} ({len(like - got)} of {len(like)})")
        if old is not None:
            old_got = {r[0] for r in old.execute(  # the same ids: both in post order
                "SELECT rowid FROM posts_search_fts WHERE posts_search_fts MATCH ?",
                [legacy_index.to_fts(word)])}
            old_recall.append(len(old_got & like) / len(like) if like else 1.0)
        if word in words and truth[word]:
            top = [r[0] for r in search.ranked_ids(db, word, limit=10)]
            old_top = [int(p) + 1 for p in legacy_index.top20(old, word)[:10]] if old else []
            like_top = sorted(like)[:10]
            for name, ids in (("new", top), ("old", old_top), ("LIKE", like_top)):
                if ids:
                    p10[name].append(sum(i in truth[word] for i in ids) / len(ids))
    db.close()
    if old is not None:
        old.close()
    mean = statistics.mean
    out = [f"{n:,} posts, {len(words)} Thai words + {len(split_words)} split by context:",
           (f"  recall against LIKE {mean(recall):.3f} (cluster-aligned LIKE hits:"
            f" {mean(recall_aligned):.3f}); precision against LIKE {mean(precision):.3f}"
            + (f"; old index recall against LIKE {mean(old_recall):.3f}" if old_recall
               else "")),
           "  precision@10 (word generated into the post): " + ", ".join(
               f"{k} {mean(v):.2f}" for k, v in p10.items() if v)]
    if lost:
        out.append("  LIKE hits not found (not on cluster boundaries): " + "; ".join(lost[:12]))
    return out


def split_by_context(n: int, workdir: Path, candidates: list[str]) -> list[str]:
    """Words the old syllable index misses in some posts (plus the issue's two)."""
    old = legacy_db(workdir, n)
    if old is None:
        return split_in_sample(Corpus(n), candidates)
    db = open_archive(workdir / f"archive-{n}.db")
    found = ["โครงการ", "อบรม"]
    for word in candidates:
        if word not in found and legacy_index.count(old, word) < len(like_ids(db, word)):
            found.append(word)
    db.close()
    old.close()
    return found[:20]


def split_in_sample(corpus: Corpus, candidates: list[str], sample: int = 2000) -> list[str]:
    """Without an old index: the words whose syllables, in a post of the first ``sample``
    that contains them, are not a phrase of that post's syllables (what the index missed)."""
    def syllables(text: str) -> str:
        return "\0" + "\0".join(re.split(f"[\\s{ZWSP}]+", legacy_index.segment(text))) + "\0"
    found = ["โครงการ", "อบรม"]
    phrases = {w: syllables(w) for w in candidates}
    for i in range(min(corpus.n, sample)):
        _, body, english = corpus.words(i)
        if english:
            continue
        text = corpus.render(body, english)
        cut = None
        for word in candidates:
            if word not in found and word in text:
                cut = cut or syllables(text)
                if phrases[word] not in cut:
                    found.append(word)
    return found[:20]


def build_line(n: int, workdir: Path, figures: dict[str, float]) -> str:
    sizes = table_sizes(workdir / f"archive-{n}.db")
    posts, structures = sizes["posts"], search_size(sizes)
    old = "-"
    if (workdir / f"legacy-{n}.db").exists():
        old_sizes = table_sizes(workdir / f"legacy-{n}.db")
        old_size = sum(v for k, v in old_sizes.items() if k.startswith("posts_search"))
        old = f"{old_size / 1e6:.0f} MB ({old_size / old_sizes['posts']:.2f}x)"

    def secs(key: str) -> str:
        return f"{figures[key]:.0f} s" if key in figures else "-"

    def wall_cpu(key: str) -> str:
        if f"{key}_s" not in figures:
            return "-"
        return f"{figures[f'{key}_s']:.0f} s / {figures.get(f'{key}_cpu', 0):.0f} s"
    return (f"| {n:,} | {wall_cpu('upsert')} | {secs('rebuild_s')} | {wall_cpu('legacy')} |"
            f" {posts / 1e6:.0f} MB | {structures / 1e6:.0f} MB ({structures / posts:.2f}x) |"
            f" {old} |" + (" (reused)" if figures.get("reused") else ""))


class NullSink(io.StringIO):
    def write(self, text: str) -> int:  # keep nothing: measure the export, not the sink
        return len(text)


def export_throughput(path: Path) -> str:
    db = open_archive(path)
    sink = NullSink()
    count, elapsed = timed(export.export, db, "jsonl", sink)
    tracemalloc.start()
    export.export(db, "jsonl", sink, site="s0.blogspot.com")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    db.close()
    return (f"JSONL export: {count} posts in {elapsed:.1f} s = {count / elapsed:,.0f} posts/s;"
            f" peak Python heap during a filtered export {peak / 1e6:.1f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[100_000])
    parser.add_argument("--dir", type=Path, help="where to build (default: a temp dir)")
    parser.add_argument("--rebuild", action="store_true", help="build kept archives again")
    parser.add_argument("--no-quality", action="store_true", help="search timings and sizes only (no recall, precision or export figures)")
    parser.add_argument("--legacy-upto", type=int, default=10**9, metavar="N",
                        help="build the old index only for archives of up to N posts")
    parser.add_argument("--bulk-from", type=int, default=10**9, metavar="N",
                        help="from N posts, write posts rows directly and build the index"
                             " with search.rebuild (the upgrade path) instead of upsert_post")
    parser.add_argument("--like-words", type=int, default=8, metavar="K",
                        help="time the LIKE scan on the first K words of each group")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time queries by the wall clock or by this thread's CPU time"
                             " (steadier on a machine other jobs share)")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="goahead-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"SQLite {sqlite3.sqlite_version}; files in {workdir}; queries timed by the"
          f" {args.clock} clock; load average {os.getloadavg()[0]:.1f} on"
          f" {os.cpu_count()} CPUs\n")
    builds, times, notes = [], [], []
    for n in args.posts:
        figures = prepare(n, workdir, args.rebuild, legacy_too=n <= args.legacy_upto,
                          bulk=n >= args.bulk_from)
        builds.append(build_line(n, workdir, figures))
        corpus = Corpus(n)
        buckets = thai_buckets(corpus) | english_buckets()
        times += query_times(n, workdir, buckets, args.like_words)
        if not args.no_quality:
            thai_words = [w for k, v in buckets.items() if k.startswith("Thai") for w in v]
            split = split_by_context(n, workdir, thai_words)
            notes += quality(n, workdir, thai_words, split)
    print("| posts | build, wall / CPU | rebuild from posts | old index build, wall / CPU | posts table"
          " | search structures | old index |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(builds))
    print("\nms, p50 / p95 (top-20 with snippets; count):\n")
    print("| posts | words | top-20 | count | old top-20 | old count | LIKE top-20 |"
          " LIKE count |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(times))
    if notes:
        print("\n" + "\n".join(notes))
    if not args.no_quality:
        print("\n" + export_throughput(workdir / f"archive-{args.posts[-1]}.db"))


if __name__ == "__main__":
    main()
