"""End to end: crawl the sample blogs in a subprocess, then check archive, WARC, export, search."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from sampleblog import content
from tests.conftest import ROOT, SHARED, run_goahead

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

WIDGET_STRINGS = ["Home Top Ad", "Post Top Ad", "Post Bottom Ad", "Breaking", "Popular Posts",
                  "No comments:", "Post a Comment", "Share to", "Subscribe to:"]


CONTACT = "mailto:archivist@example.org"


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def crawled(sample_site, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("crawl")
    db, warcs = out / "archive.db", out / "warcs"
    results = {}
    for name, url in sample_site.urls.items():
        results[name] = run_goahead("crawl", url, "--db", str(db), "--warc-dir", str(warcs),
                                    "--delay", "0", "--concurrency", "8", "--contact", CONTACT)
    return {"db": db, "warcs": warcs, "results": results, "site": sample_site,
            "files": sorted(warcs.glob("*.warc.gz"))}  # later tests crawl into warcs again


def test_crawl_exits_zero_and_prints_a_summary(crawled) -> None:
    for name, result in crawled["results"].items():
        assert result.returncode == 0, (name, result.stdout, result.stderr[-3000:])
        assert "Crawl summary" in result.stdout
        assert "WARC files:" in result.stdout


def test_one_row_per_post_and_page(crawled) -> None:
    with sqlite3.connect(crawled["db"]) as conn:
        rows = conn.execute("select blog_id, post_id, kind, url from posts").fetchall()
    expected = set()
    for name in crawled["site"].urls:
        blog = content.load_blog(name)
        expected |= {(blog.blog_id, p.post_id) for p in blog.posts + blog.pages}
    assert len(rows) == len({(b, p) for b, p, _, _ in rows}), "duplicate rows"
    assert {(b, p) for b, p, _, _ in rows} == expected
    assert {kind for *_, kind, _ in rows} == {"post", "page"}


def test_static_pages_have_the_pages_feeds_dates_and_author(crawled) -> None:
    """A static page's markup shows no date or author; the pages feed
    (``/feeds/pages/default``, paged once per full crawl) does. Before: published None,
    author '' for every page (updated only from the sitemap's lastmod)."""
    with sqlite3.connect(crawled["db"]) as conn:
        rows = conn.execute("select blog_id, post_id, published, updated, author from posts"
                            " where kind = 'page'").fetchall()
    expected = set()
    for name in crawled["site"].urls:
        blog = content.load_blog(name)
        expected |= {(blog.blog_id, p.post_id, p.published, p.updated, p.author)
                     for p in blog.pages}
    assert rows
    assert set(rows) == expected


def test_every_warc_passes_warcio_check(crawled) -> None:
    files = sorted(crawled["warcs"].glob("*.warc.gz"))
    assert files, "no WARC written"
    assert not list(crawled["warcs"].glob("*.open")), "a WARC was left open"
    for path in files:
        check = subprocess.run(
            [sys.executable, "-c", "from warcio.cli import main; main()", "check", "-v", str(path)],
            capture_output=True, text=True, check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.skipif(not (SHARED / "seed-article").is_dir(),
                    reason=f"the reference article is not at {SHARED}/seed-article")
def test_export_text_is_clean_and_matches_the_reference_article(crawled) -> None:
    result = run_goahead("export", "--db", str(crawled["db"]), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    reference = (SHARED / "seed-article" / "article.txt").read_text(encoding="utf-8")
    expected_meta = json.loads((SHARED / "seed-article" / "expected.json").read_text())
    (seed,) = [r for r in rows if r["title"] == expected_meta["title"]]
    assert normalise(seed["text"]) == normalise(reference)
    assert seed["published"].startswith(expected_meta["published_date"])
    for row in rows:
        for widget in WIDGET_STRINGS:
            assert widget not in row["text"], (row["url"], widget)
        for key in ("url", "post_id", "blog_id", "site", "title", "author", "published",
                    "updated", "labels", "text", "html", "images", "warc_file", "warc_offset",
                    "fetched_at"):
            assert key in row, key
        assert row["warc_file"]
        assert row["warc_offset"] is not None
        assert re.search(r"[+-]\d\d:\d\d$|Z$", row["published"] or "Z"), row["published"]


def test_search_finds_thai_inside_longer_runs_and_english(crawled) -> None:
    result = run_goahead("search", "ชุมชน", "--db", str(crawled["db"]), "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits
    assert all("url" in h and "snippet" in h for h in hits)
    english = run_goahead("search", "community", "--db", str(crawled["db"]), "--json")
    assert english.returncode == 0, english.stderr
    assert json.loads(english.stdout)


def test_exact_title_match_ranks_first(crawled) -> None:
    with sqlite3.connect(crawled["db"]) as conn:
        title = conn.execute(
            "select title from posts where kind = 'post' and language = 'en' limit 1"
        ).fetchone()[0]
    result = run_goahead("search", f'"{title}"', "--db", str(crawled["db"]), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["title"] == title


def test_second_crawl_updates_and_never_duplicates(crawled, tmp_path) -> None:
    url = crawled["site"].urls["goahead"]
    with sqlite3.connect(crawled["db"]) as conn:
        before = conn.execute("select count(*) from posts").fetchone()[0]
    again = run_goahead("crawl", url, "--db", str(crawled["db"]), "--warc-dir",
                        str(crawled["warcs"]), "--delay", "0")
    assert again.returncode == 0, again.stderr[-3000:]
    with sqlite3.connect(crawled["db"]) as conn:
        after = conn.execute("select count(*) from posts").fetchone()[0]
        runs = conn.execute("select count(*) from runs").fetchone()[0]
    assert after == before
    assert runs == 3


def scrapy_crawl(url: str, db: Path, tmp_path: Path, *settings: str, timeout: int = 300
                 ) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl blogger`` of ``url`` into ``db``, with ``NAME=VALUE`` ``settings``."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a", f"url={url}",
         "-s", f"GOAHEAD_ARCHIVE_DB={db}", "-s", f"GOAHEAD_WARC_DIR={tmp_path / 'w'}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
         *(arg for setting in settings for arg in ("-s", setting))],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=timeout,
    )


def test_scrapy_crawl_runs_the_same_spider(sample_site, tmp_path: Path) -> None:
    db = tmp_path / "scrapy.db"
    result = scrapy_crawl(sample_site.urls["contempo"], db, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    blog = content.load_blog("contempo")
    with sqlite3.connect(db) as conn:
        count = conn.execute("select count(*) from posts").fetchone()[0]
    assert count == len(blog.posts) + len(blog.pages)


def test_a_scrapyd_job_given_only_the_archive_writes_its_warcs_where_goahead_reads_them(
        sample_site, tmp_path: Path) -> None:
    """Scrapyd runs a job in its own folder with ``setting=GOAHEAD_ARCHIVE_DB=/srv/a.db``:
    its WARC files went to that folder's warcs/ (GOAHEAD_WARC_DIR's "warcs"), while
    ``goahead reindex/serve/warc-get --db /srv/a.db`` look beside the archive (one rule,
    cli2): "WARC folder /srv/warcs does not exist", the archive not rebuildable from
    them. Now the job follows the same rule (warcs/ beside the archive)."""
    data, job, other = tmp_path / "srv", tmp_path / "scrapyd-job", tmp_path / "elsewhere"
    for folder in (data, job, other):
        folder.mkdir()
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "goahead_crawler.settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    crawled = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a",
         f"url={sample_site.urls['contempo']}", "-s", f"GOAHEAD_ARCHIVE_DB={data / 'a.db'}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, cwd=job, env=env, check=False, timeout=300)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    assert not (job / "warcs").exists()
    rebuilt = subprocess.run(
        [sys.executable, "-m", "goahead_crawler", "reindex", "--db", str(data / "b.db")],
        capture_output=True, text=True, cwd=other, env=env, check=False, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    with sqlite3.connect(data / "a.db") as a, sqlite3.connect(data / "b.db") as b:
        query = "select count(*) from posts"
        assert b.execute(query).fetchone()[0] == a.execute(query).fetchone()[0] > 0


def test_a_crawl_ends_when_its_work_is_done_not_when_its_commit_window_closes(
        sample_site, tmp_path: Path) -> None:
    """Writes are committed in groups, at the latest GOAHEAD_ARCHIVE_GROUP_SECONDS after the
    first; a group with no download left to wait for commits at once. With an hour's
    window the crawl still ends (it held its last items for the whole window before)."""
    db = tmp_path / "window.db"
    result = scrapy_crawl(sample_site.urls["contempo"], db, tmp_path,
                          "GOAHEAD_ARCHIVE_GROUP_SECONDS=3600",
                          "GOAHEAD_ARCHIVE_GROUP_WRITES=100000", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    blog = content.load_blog("contempo")
    with sqlite3.connect(db) as conn:
        count = conn.execute("select count(*) from posts").fetchone()[0]
        status = conn.execute("select status from runs").fetchone()[0]
    assert count == len(blog.posts) + len(blog.pages)
    assert status == "finished"


def test_contact_goes_into_the_user_agent_of_every_request_and_the_warcinfo(crawled) -> None:
    expected = f"goahead/{version('goahead')} (web archiver; +{CONTACT})"
    agents, infos = set(), set()
    for path in crawled["files"]:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request":
                    agents.add(record.http_headers.get_header("User-Agent"))
                elif record.rec_type == "warcinfo":
                    fields = record.content_stream().read().decode()
                    infos |= {line.split(": ", 1)[1] for line in fields.splitlines()
                              if line.startswith("http-header-user-agent: ")}
    assert agents == infos == {expected}


def test_a_max_posts_spider_argument_is_the_crawls_limit_for_its_rebuild_too(
        sample_site, tmp_path: Path) -> None:
    """``scrapy crawl blogger -a max_posts=2`` (a Scrapyd job's ``-d max_posts=2``) stored 2
    posts and finished, but its warcinfo said ``goahead-max-posts: 0`` (the setting's), so
    ``goahead reindex`` of its WARC files counted what it listed past 2 as failures: exit 1."""
    db = tmp_path / "a.db"
    crawled = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a",
         f"url={sample_site.urls['goahead']}", "-a", "max_posts=2",
         "-s", f"GOAHEAD_ARCHIVE_DB={db}", "-s", f"GOAHEAD_WARC_DIR={tmp_path / 'w'}",
         "-s", "GOAHEAD_IMAGES_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
         "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=300)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from posts where url like '%.html'"
                            " and url not like '%/p/%'").fetchone()[0] == 2
    rebuilt = run_goahead("reindex", "--warc-dir", str(tmp_path / "w"),
                          "--db", str(tmp_path / "b.db"))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "of them over --max-posts)" in rebuilt.stdout
