"""Crawl benchmark: goahead's whole pipeline with images off, on (the default) and with page
requisites, each against a bare Scrapy spider downloading the same URLs in the same run;
wget as the peer.

    python bench/crawl.py [--posts 1000] [--image-pool 100] [--repeat 3] [--case on]
                          [--no-wget] [--profile DIR] [--layers] [--latency MS]

Each case starts a fresh sample blog of N posts whose photos come from a pool of
IMAGE_POOL distinct images (so images repeat across posts), with its CDN (the local
stand-in for Blogger's image and static hosts), and runs ``goahead crawl`` at zero delay
(concurrency 8, the CDN named with ``--static-origin``): discovery, capture, extraction,
storage. Then a bare Scrapy spider (no goahead settings: no WARC, no archive, no
extraction; concurrency 8) downloads exactly the URLs the crawl fetched, from the same
servers. Requests are counted by the servers; bytes are those received (compressed).
Each pair runs ``--repeat`` times, goahead and bare in turns, and the best time of each is
kept: on a shared machine the slowest runs measure the neighbours. The ratio of each pair
is printed too (median and range): the machine's speed drifts by more than 10% between
runs here, and a pair's two runs share the drift. Times: wall clock,
engine (Scrapy's spider-open-to-close, without start-up), CPU (user + system, of the
crawler's processes) and the servers' CPU (the sample blog and its CDN run in this
process's threads): both share the machine's cores, so their sum over the cores is the
least wall time the crawl can take here, printed after the table.
``--profile DIR`` runs the images-on crawl under cProfile and prints where its time goes.
``--layers`` times the images-on crawl layer by layer instead (discovery and extraction;
with WARC capture; with the archive: the whole crawl), each against the bare download of
the same URLs, in turns, best of ``--repeat``: where the time over the bare download goes.
``--latency MS`` has every server wait MS milliseconds before each answer, as a blog across
a network does (a sleep: no CPU), for every tool alike. At 0 (the default) the sample blog
answers at once and the crawlers are bound by their CPU: the hardest case for goahead,
whose extraction, capture and indexing are CPU a bare download does not spend; a real blog
answers later, and the ratio is what a crawl of it costs over a plain download.
"""

from __future__ import annotations

import argparse
import os
import pstats
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from runs import LAYERS, Run, bare, goahead, layer, wget  # bench/runs.py

from sampleblog.server import start

CASES = {"off": ("images off", ["--no-images"]), "on": ("images on (default)", []),
         "requisites": ("images + requisites", ["--requisites"])}


def latency_said(ms: float) -> str:
    return (f"every answer {ms:g} ms late (a distant host)" if ms
            else "answers at once (no network: the crawlers' CPU is the limit)")


def best(runs: list[Run]) -> Run:
    """The fastest run, with the least CPU and engine time of any (each a lower bound of
    what the machine let it do)."""
    fastest = min(runs, key=lambda r: r.seconds)
    fastest.cpu = min(r.cpu for r in runs)
    fastest.engine = min(r.engine for r in runs)
    fastest.server_cpu = min(r.server_cpu for r in runs)
    return fastest


def measure(case: str, flags: list[str], args: argparse.Namespace, profile: Path | None
            ) -> tuple[Run, Run, list[float]]:
    """The best goahead run and the best bare run, and the wall ratio of each pair (a
    goahead run and the bare run right after it: a drift of the machine's speed moves
    both)."""
    fulls, bares = [], []
    with start(["goahead"], n_posts=args.posts, image_pool=args.image_pool,
               latency=args.latency / 1000) as site, \
            tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bare").mkdir()
        for _ in range(args.repeat):
            fulls.append(goahead(site, Path(tmp), case, flags))
            bares.append(bare(site, fulls[-1].urls(site), Path(tmp) / "bare"))
            assert bares[-1].requests == fulls[-1].requests, (bares[-1].requests,
                                                              fulls[-1].requests)
        if profile:
            goahead(site, Path(tmp), case, flags, profile)
    paired = [full.seconds / bare_run.seconds for full, bare_run in zip(fulls, bares, strict=True)]
    return best(fulls), best(bares), paired


def layers(args: argparse.Namespace) -> None:
    """Each layer of the images-on crawl and the bare download, in turns; best of each."""
    runs: dict[str, list[Run]] = {}
    with start(["goahead"], n_posts=args.posts, image_pool=args.image_pool,
               latency=args.latency / 1000) as site, \
            tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bare").mkdir()
        for _ in range(args.repeat):
            for name in LAYERS:
                runs.setdefault(name, []).append(layer(site, Path(tmp), name))
            whole = runs[list(LAYERS)[-1]][-1]  # the bare download fetches what it fetched
            runs.setdefault("bare download", []).append(
                bare(site, whole.urls(site), Path(tmp) / "bare"))
    baseline = best(runs["bare download"])
    print(f"images on, layer by layer: {args.posts} posts, {latency_said(args.latency)};"
          f" best of {args.repeat}; seconds")
    print(f"{'layer':26}{'posts':>6}{'requests':>9}{'wall s':>8}{'cpu s':>7}{'srv cpu':>8}"
          f"{'x bare wall':>12}")
    for name in ("bare download", *LAYERS):
        run = best(runs[name])
        print(f"{name:26}{run.posts:>6}{run.requests:>9}{run.seconds:>8.1f}{run.cpu:>7.1f}"
              f"{run.server_cpu:>8.1f}{run.seconds / baseline.seconds:>12.2f}")


def peer(posts: int, pool: int, latency: float) -> Run:
    with start(["goahead"], n_posts=posts, image_pool=pool, latency=latency) as site, \
            tempfile.TemporaryDirectory() as tmp:
        return wget(site, Path(tmp))


COLUMNS = (("case", 20), ("posts", 6), ("blog/p", 7), ("cdn/p", 7), ("KB rx/p", 8),
           ("KB warc/p", 10), ("images", 7), ("distinct", 9), ("per URL", 8), ("wall s", 7),
           ("engine", 7), ("cpu", 6), ("srv cpu", 8), ("bare wall", 10), ("engine", 7),
           ("cpu", 6), ("srv cpu", 8), ("x wall", 7), ("x eng", 6), ("x cpu", 6), ("MB", 5))


def row(run: Run, baseline: Run | None) -> str:
    fetches, distinct = run.image_fetches()
    cells = [run.case, run.posts, f"{run.per_post(len(run.blog)):.3f}",
             f"{run.per_post(len(run.cdn)):.3f}", f"{run.per_post(run.bytes_received) / 1e3:.1f}",
             f"{run.per_post(run.warc_bytes) / 1e3:.1f}", fetches, distinct,
             f"{fetches / distinct:.2f}" if distinct else "-",
             f"{run.seconds:.1f}", f"{run.engine:.1f}", f"{run.cpu:.1f}",
             f"{run.server_cpu:.1f}"]
    if baseline:
        cells += [f"{baseline.seconds:.1f}", f"{baseline.engine:.1f}", f"{baseline.cpu:.1f}",
                  f"{baseline.server_cpu:.1f}", f"{run.seconds / baseline.seconds:.2f}",
                  f"{run.engine / baseline.engine:.2f}", f"{run.cpu / baseline.cpu:.2f}"]
    else:
        cells += [""] * 7
    cells.append(f"{run.peak_mb:.0f}")
    return "".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                   for i, (c, (_, w)) in enumerate(zip(cells, COLUMNS, strict=True)))


HEADER = "".join(f"{t:<{w}}" if i == 0 else f"{t:>{w}}" for i, (t, w) in enumerate(COLUMNS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--image-pool", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", choices=sorted(CASES), action="append",
                        help="only these cases (default: all)")
    parser.add_argument("--no-wget", action="store_true")
    parser.add_argument("--profile", type=Path, help="cProfile the images-on crawl into DIR")
    parser.add_argument("--latency", type=float, default=0.0, metavar="MS",
                        help="the servers wait MS ms before each answer (default 0)")
    parser.add_argument("--layers", action="store_true",
                        help="time the images-on crawl layer by layer instead")
    args = parser.parse_args()
    if args.layers:
        layers(args)
        return
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    results = []
    for key in args.case or list(CASES):
        case, flags = CASES[key]
        profile = args.profile / "crawl.prof" if args.profile and key == "on" else None
        results.append(measure(case, flags, args, profile))
    print(f"sample blog: {args.posts} posts, photos from a pool of {args.image_pool}; "
          f"{latency_said(args.latency)}; best of {args.repeat}; seconds; ratios goahead / bare")
    print(HEADER)
    for full, baseline, _ in results:
        print(row(full, baseline))
    for full, _, paired in results:
        print(f"{full.case}: x wall of each pair (a crawl and the bare run after it):"
              f" median {statistics.median(paired):.2f}, {min(paired):.2f}-{max(paired):.2f}"
              f" over {len(paired)}: {' '.join(f'{r:.2f}' for r in paired)}")
    cores = os.cpu_count() or 1
    for full, baseline, _ in results:
        floor = (full.cpu + full.server_cpu) / cores
        print(f"{full.case}: the crawl's and the servers' CPU, {full.cpu + full.server_cpu:.1f}"
              f" s on {cores} cores, need at least {floor:.1f} s of wall clock:"
              f" {floor / baseline.seconds:.2f}x the bare download's {baseline.seconds:.1f} s")
    if not args.no_wget and shutil.which("wget"):
        print(row(peer(args.posts, args.image_pool, args.latency / 1000), None)
              + "   (wget: KBrx = files saved, uncompressed)")
    if args.profile:
        print(f"\nimages-on crawl, top 25 by own time (cProfile, {args.profile / 'crawl.prof'}):")
        pstats.Stats(str(args.profile / "crawl.prof"), stream=sys.stdout).sort_stats(
            "tottime").print_stats(25)


if __name__ == "__main__":
    main()
