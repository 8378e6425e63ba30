"""``goahead runs``, ``status``, ``merge`` and the crawl progress display."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.exceptions import NotConfigured

from archive.connection import open_archive
from archive.models import Post
from archive.posts import get_post, upsert_post
from archive.runs import finish_run, start_run
from goahead_crawler.cli import ops as cli_ops
from goahead_crawler.extensions.progress import CrawlProgress, Snapshot, progress_line, rates
from sampleblog import content
from tests.conftest import goahead_crawler

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def crawled(sample_site, tmp_path_factory) -> Path:
    """The contempo blog crawled the Scrapy way, with plain progress lines on."""
    out = tmp_path_factory.mktemp("ops")
    db = out / "archive.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a",
         f"url={sample_site.urls['contempo']}", "-s", f"GOAHEAD_ARCHIVE_DB={db}",
         "-s", f"GOAHEAD_WARC_DIR={out / 'warcs'}", "-s", "DOWNLOAD_DELAY=0.05",
         "-s", "GOAHEAD_PROGRESS_ENABLED=1", "-s", "GOAHEAD_PROGRESS_INTERVAL=0.1",
         "-s", "GOAHEAD_PROGRESS_MODE=lines", "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (out / "stderr.txt").write_text(result.stderr, encoding="utf-8")
    return db


@pytest.mark.crawl
def test_progress_lines_when_not_on_a_terminal(crawled: Path) -> None:
    lines = [line for line in (crawled.parent / "stderr.txt").read_text().splitlines()
             if "posts archived" in line]
    assert lines, "no progress line"
    assert all(line.startswith("127.0.0.1:") for line in lines)
    assert "failed" in lines[-1]
    assert "requests (" in lines[-1]


@pytest.mark.crawl
def test_runs_lists_the_crawl(crawled: Path) -> None:
    result = CliRunner().invoke(cli_ops.runs, ["--db", str(crawled), "--json"])
    assert result.exit_code == 0, result.output
    (run,) = json.loads(result.output)
    blog = content.load_blog("contempo")
    assert run["status"] == "finished"
    assert run["new"] == len(blog.posts) + len(blog.pages)
    assert run["requests"] > run["new"]
    assert run["bytes"] > 0
    assert (run["failed"], run["deleted"], run["errors"]) == (0, 0, 0)
    assert run["failures"] == []
    table = CliRunner().invoke(cli_ops.runs, ["--db", str(crawled)])
    assert table.exit_code == 0
    header, line, legend = table.output.splitlines()
    assert header.split() == ["id", "site", "started", "status", "posts", "requests", "MB",
                              "errors"]
    assert line.split()[4:6] == ["finished", f"{run['new']}/0/0/0/0"]
    assert legend == "posts: new/updated/unchanged/deleted/failed"


@pytest.mark.crawl
def test_status_shows_sites_posts_and_warc_bytes(crawled: Path) -> None:
    result = CliRunner().invoke(cli_ops.status, ["--db", str(crawled), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    blog = content.load_blog("contempo")
    assert summary["posts"] == len(blog.posts) + len(blog.pages)
    (site,) = summary["sites"]
    assert site["posts"] == summary["posts"]
    assert site["last_status"] == "finished"
    assert summary["warc_files"] == 1
    assert summary["warc_bytes"] > 10_000
    text = CliRunner().invoke(cli_ops.status, ["--db", str(crawled)])
    assert text.exit_code == 0
    assert text.output.splitlines()[2].split()[1] == str(summary["posts"])


def test_runs_reports_failures_from_the_stats(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "x.blogspot.com", "https://x.blogspot.com/", {})
    failures = [{"url": "https://x.blogspot.com/2024/01/a.html", "error": "HTTP 503",
                 "retries": 3}]
    finish_run(db, run, status="finished", counters={"posts_new": 1, "errors": 1},
                     stats={"goahead/failures": json.dumps(failures),
                            "goahead/posts/failed": 1})
    killed = start_run(db, "x.blogspot.com", "https://x.blogspot.com/", {})
    result = CliRunner().invoke(cli_ops.runs, ["--db", str(tmp_path / "a.db"), "--failures"])
    assert result.exit_code == 0, result.output
    assert "HTTP 503 (3 retries)" in result.output
    rows = list(cli_ops.run_rows(db))
    assert [r["id"] for r in rows] == [killed, run]
    assert rows[0]["status"] == "running"
    assert rows[0]["ended"] is None
    assert rows[1]["failed"] == 1


def test_runs_site_takes_a_url_or_a_sites_toml_name_and_refuses_a_blog_with_no_runs(
        tmp_path: Path) -> None:
    """``--site`` as search and export take it; given the blog's URL (or its name in
    sites.toml) it used to list nothing, exit status 0, as if the blog had never run."""
    db = open_archive(tmp_path / "a.db")
    for site in ("x.blogspot.com", "127.0.0.1:8080"):
        finish_run(db, start_run(db, site, f"http://{site}/", {}), "finished", {}, {})
    db.close()
    (tmp_path / "sites.toml").write_text('[[site]]\nname = "local"\n'
                                         'url = "http://127.0.0.1:8080/"\n')
    for given, site in [("https://x.blogspot.com/", "x.blogspot.com"),
                        ("X.blogspot.com", "x.blogspot.com"), ("local", "127.0.0.1:8080"),
                        ("http://127.0.0.1:8080", "127.0.0.1:8080")]:
        result = CliRunner().invoke(cli_ops.runs, ["--db", str(tmp_path / "a.db"), "--json",
                                                   "--site", given])
        assert result.exit_code == 0, result.output
        assert [r["site"] for r in json.loads(result.output)] == [site], given
    result = CliRunner().invoke(cli_ops.runs, ["--db", str(tmp_path / "a.db"),
                                               "--site", "y.blogspot.com"])
    assert result.exit_code == 2
    assert result.output == ("Error: no runs of site 'y.blogspot.com'; sites with runs in"
                             " this archive: 127.0.0.1:8080, x.blogspot.com\n")


def test_status_shows_a_blog_that_has_runs_and_no_post(tmp_path: Path) -> None:
    """A blog of sites.toml that was down from its first night (or private, or failing)
    has runs and no post: status counted its runs and listed only the other blogs, as if
    it were not in the archive at all."""
    db = open_archive(tmp_path / "a.db")
    finish_run(db, start_run(db, "down.example.com", "https://down.example.com/", {}),
               "blog_unreachable", {}, {})
    db.close()
    result = CliRunner().invoke(cli_ops.status, ["--db", str(tmp_path / "a.db"), "--json"])
    assert result.exit_code == 0, result.output
    (site,) = json.loads(result.output)["sites"]
    assert (site["site"], site["url"], site["posts"], site["last_status"]) == (
        "down.example.com", "https://down.example.com/", 0, "blog_unreachable")


@pytest.mark.parametrize(("stats", "over"), [
    ({"goahead/listed/limited": 2}, 2), ({"goahead/listed/limited": 9}, 3),  # at most missing
    ({"goahead/listed/limited": "many"}, 0), ({"goahead/listed/limited": -5}, 0),
    ({"goahead/listed/limited": None}, 0), ({}, 0), (None, 0), ("{not json", 0)])
def test_status_reads_any_last_run_s_stats(tmp_path: Path, stats: object, over: int) -> None:
    """``over_max_posts`` comes from the last run's stats JSON: a text there was a
    traceback (int('many')), one that is no JSON made the whole archive "damaged", exit 2,
    and a negative count was shown as "(-5 over --max-posts)". A stat that is no count
    excuses nothing: the posts are shown as plainly missing."""
    from archive.listed import Listing, record_listings

    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "x.blogspot.com", "https://x.blogspot.com/", {})
    record_listings(db, "x.blogspot.com", run, [
        Listing(f"https://x.blogspot.com/2024/01/{n}.html", "post", "feed") for n in "abc"])
    finish_run(db, run, "finished", {}, {})
    db.execute("UPDATE runs SET stats = ? WHERE id = ?",
               [stats if stats is None or isinstance(stats, str) else json.dumps(stats), run])
    db.conn.commit()
    db.close()
    result = CliRunner().invoke(cli_ops.status, ["--db", str(tmp_path / "a.db"), "--json"])
    assert result.exit_code == 0, result.output
    (site,) = json.loads(result.stdout)["sites"]
    assert (site["missing"], site["over_max_posts"]) == (3, over)
    shown = CliRunner().invoke(cli_ops.status, ["--db", str(tmp_path / "a.db")])
    assert shown.exit_code == 0, shown.output
    assert ("over --max-posts" in shown.stdout) == bool(over), shown.stdout


def test_missing_archive_is_one_line(tmp_path: Path) -> None:
    for command in (cli_ops.runs, cli_ops.status):
        result = CliRunner().invoke(command, ["--db", str(tmp_path / "none.db")])
        assert result.exit_code == 1
        assert result.output.startswith("Error: no archive at")


def _shard(path: Path, text: str, updated: str) -> Path:
    db = open_archive(path)
    upsert_post(db, Post(blog_id="1", post_id="p", url="https://x.blogspot.com/p.html",
                               site="x.blogspot.com", title="t", text=text, updated=updated,
                               fetched_at=updated))
    db.close()
    return path


def test_merge_command(tmp_path: Path) -> None:
    one = _shard(tmp_path / "one.db", "old text", "2024-01-01T00:00:00Z")
    two = _shard(tmp_path / "two.db", "new text", "2024-02-01T00:00:00Z")
    into = tmp_path / "all.db"
    first = CliRunner().invoke(cli_ops.merge, [str(one), str(two), "--into", str(into)])
    assert first.exit_code == 0, first.output
    assert "posts new/updated/unchanged 1 / 1 / 0" in first.output
    again = CliRunner().invoke(cli_ops.merge, [str(two), str(one), "--into", str(into)])
    assert "posts new/updated/unchanged 0 / 0 / 2, 0 older versions kept" in again.output
    assert get_post(open_archive(into), "1", "p").text == "new text"
    bad = CliRunner().invoke(cli_ops.merge, [str(into), "--into", str(into)])
    assert bad.exit_code == 1
    assert "being merged into" in bad.output


def test_merge_with_a_missing_shard_creates_nothing(tmp_path: Path) -> None:
    one = _shard(tmp_path / "one.db", "old text", "2024-01-01T00:00:00Z")
    into = tmp_path / "all.db"
    result = CliRunner().invoke(cli_ops.merge, [str(one), str(tmp_path / "two.db"),
                                                "--into", str(into)])
    assert result.exit_code == 1
    assert result.output == f"Error: no archive at {tmp_path / 'two.db'} (check the shard's path)\n"
    assert not into.exists()


def test_progress_figures() -> None:
    start = Snapshot(found=0, archived=0, failed=0, requests=0, at=0.0)
    now = Snapshot.of({"goahead/scheduled/feed": 90, "goahead/scheduled/sitemap": 10,
                       "goahead/scheduled/feed/extra": 999, "goahead/found/sitemap": 100, "goahead/archived/posts": 38,
                       "goahead/archived/pages": 2, "goahead/posts/failed": 1,
                       "downloader/request_count": 50}, at=10.0)
    assert (now.found, now.archived, now.failed, now.requests) == (100, 40, 1, 50)
    rps, eta = rates(start, now)
    assert rps == 5.0
    assert eta == pytest.approx(59 / 4)
    assert progress_line("blog", start, now) == (
        "blog: 40/100 posts archived, 1 failed, 50 requests (5.0/s), ETA 15s")
    assert rates(now, now)[1] is None


def test_progress_is_off_unless_asked() -> None:
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(goahead_crawler())
    with pytest.raises(NotConfigured, match="GOAHEAD_PROGRESS_MODE"):
        CrawlProgress.from_crawler(goahead_crawler(GOAHEAD_PROGRESS_ENABLED=True,
                                                   GOAHEAD_PROGRESS_MODE="fancy"))
    ext = CrawlProgress.from_crawler(goahead_crawler(GOAHEAD_PROGRESS_ENABLED=True,
                                                     GOAHEAD_PROGRESS_MODE="lines"))
    assert (ext.rich, ext.interval) == (False, 10.0)


def test_a_crawl_forced_to_stop_reads_as_killed_and_says_how_to_resume(tmp_path: Path,
                                                                       monkeypatch) -> None:
    """A second Ctrl-C stops Scrapy without closing the spider (no finish_reason): its
    summary said "not started" after hundreds of posts, and no line said how to resume."""
    from goahead_crawler import runner
    from goahead_crawler.cli.crawl import crawl

    ran = {"start_time": "2026-12-03 08:21:15", "goahead/posts/new": 170}
    monkeypatch.setattr(runner, "run_jobs",
                        lambda jobs, settings: [runner.CrawlResult(jobs[0].url, ran)])
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(crawl, ["http://127.0.0.1:9/", "--db", str(db), "--warc-dir",
                                        str(tmp_path / "warcs"), "--no-progress"])
    assert result.exit_code == 1, result.output
    assert runner.CrawlResult("http://b/", ran).status == "killed"
    assert runner.CrawlResult("http://b/", {}).status == "not started"
    assert "not started" not in result.output
    assert "The crawl stopped before its end; resume it with: goahead crawl" in result.output


def test_the_summary_counts_a_stopped_crawls_open_warc_file(tmp_path: Path,
                                                            monkeypatch) -> None:
    """A crawl stopped at once leaves its WARC file .open: the summary said 'WARC files:
    0' beside hundreds of archived posts."""
    from goahead_crawler import runner
    from goahead_crawler.cli.crawl import crawl

    warcs = tmp_path / "warcs"
    warcs.mkdir()
    (warcs / "goahead-1.warc.gz").write_bytes(b"x" * 1000)
    (warcs / "goahead-2.warc.gz.open").write_bytes(b"x" * 2000)
    ran = {"start_time": "2026-12-03 08:21:15", "goahead/posts/new": 170}
    monkeypatch.setattr(runner, "run_jobs",
                        lambda jobs, settings: [runner.CrawlResult(jobs[0].url, ran)])
    result = CliRunner().invoke(crawl, ["http://127.0.0.1:9/", "--db", str(tmp_path / "a.db"),
                                        "--warc-dir", str(warcs), "--no-progress"])
    assert (f"WARC files: 2 in {warcs} (0.00 MB), 1 of them still .open (the next crawl"
            " closes them)") in " ".join(result.output.split())


def test_runs_failures_show_a_thai_url_as_it_reads_and_json_keeps_it_exact(
        tmp_path: Path) -> None:
    """A Thai permalink that failed read ``/2024/03/%E0%B8%82...`` in ``runs --failures``:
    shown in Thai, a bidi override or a control still escaped (it would make the line read
    as it is not); ``--json`` keeps the URL as stored."""
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "x.blogspot.com", "https://x.blogspot.com/", {})
    thai = "https://x.blogspot.com/2024/03/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7.html"
    tricky = "https://x.blogspot.com/2024/03/%E2%80%AEa%0A%1B.html"
    failures = [{"url": url, "error": "HTTP 503"} for url in (thai, tricky)]
    finish_run(db, run, status="finished", counters={"errors": 2},
               stats={"goahead/failures": json.dumps(failures)})
    result = CliRunner().invoke(cli_ops.runs, ["--db", str(tmp_path / "a.db"), "--failures"])
    assert result.exit_code == 0, result.output
    assert f"run {run}: https://x.blogspot.com/2024/03/ข่าว.html  HTTP 503" in result.output
    assert f"run {run}: {tricky}  HTTP 503" in result.output
    as_json = CliRunner().invoke(cli_ops.runs, ["--db", str(tmp_path / "a.db"), "--json"])
    assert [f["url"] for f in json.loads(as_json.output)[0]["failures"]] == [thai, tricky]


def test_runs_failures_print_no_terminal_control_a_failure_holds(tmp_path: Path) -> None:
    """``runs --failures`` wrote the stored URL and error as they were: a raw ESC in either
    (a crafted or damaged archive, an error quoting what a server said) retitled the
    terminal or set its clipboard. Written as ``\\x1b`` now, visible and inert."""
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "x.blogspot.com", "https://x.blogspot.com/", {})
    failures = [{"url": "https://x.blogspot.com/\x1b]52;c;ZWNobyBoaQ==\x07.html",
                 "error": "HTTP 500 \x1b]0;owned\x07\u202e"}]
    finish_run(db, run, status="finished", counters={"errors": 1},
               stats={"goahead/failures": json.dumps(failures)})
    result = CliRunner().invoke(cli_ops.runs, ["--db", str(tmp_path / "a.db"), "--failures"])
    assert result.exit_code == 0, result.output
    assert not {"\x1b", "\x07", "\u202e"} & set(result.output)
    assert f"run {run}: https://x.blogspot.com/\\x1b]52;c;ZWNobyBoaQ==\\x07.html" in result.output
