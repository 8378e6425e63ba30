"""sites.toml: parsing, one-line errors, and ``goahead crawl --sites`` over two sample blogs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from goahead_crawler.sites import SitesError, load_sites, parse_sites
from sampleblog import content
from sampleblog.server import start
from tests.conftest import paced_settings

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = """
[defaults]
delay = 1.5
comments = false

[[site]]
name = "goahead"
url = "https://goaheadnews.blogspot.com/2024/01/x.html"

[[site]]
url = "http://example.com"
delay = 0
assets = false
requisites = true
static_origins = ["https://cdn.example.com", "http://127.0.0.1:9000"]
enabled = false
"""


def test_sites_file_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(SAMPLE, encoding="utf-8")
    first, second = load_sites(path)
    assert (first.name, first.url, first.enabled) == (
        "goahead", "https://goaheadnews.blogspot.com/", True)
    assert first.settings == {"DOWNLOAD_DELAY": 1.5, "GOAHEAD_COMMENTS_ENABLED": False}
    assert (second.name, second.enabled) == ("example.com", False)
    assert second.settings["DOWNLOAD_DELAY"] == 0
    assert second.settings["GOAHEAD_IMAGES_ENABLED"] is False  # assets: images' old name
    assert second.settings["GOAHEAD_REQUISITES_ENABLED"] is True
    assert second.settings["GOAHEAD_STATIC_ORIGINS"] == [
        "https://cdn.example.com", "http://127.0.0.1:9000"]


def test_concurrency_in_sites_toml_is_what_the_flag_is() -> None:
    """``--concurrency 4`` also sets AutoThrottle's target to 4; ``concurrency = 4`` in
    sites.toml left it at 1.0, so AutoThrottle kept about one request in flight: the same
    400-post crawl took 15.6 s, against 7.2 s with the flag."""
    from goahead_crawler.cli.crawl import crawl_overrides

    (site,) = parse_sites({"site": [{"url": "http://a.com/", "concurrency": 4}]})
    flag = paced_settings(crawl_overrides("a.db", "warcs", None, 4, 0, 0))
    from_file = paced_settings({}, site.settings)
    for settings in (flag, from_file):
        assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 4
        assert settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 4.0


def throttled_delay(values: dict) -> float:
    """The delay after one quick answer (0.2 s), under the AutoThrottle the project enables
    with ``values`` at "cmdline" priority (as goahead crawl, scrapy -s and Scrapyd set them),
    as the spider leaves the settings."""
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.extensions.throttle import AutoThrottle
    from scrapy.http import Response
    from scrapy.spiders import Spider
    from scrapy.utils.misc import load_object

    settings = paced_settings(values)
    enabled = [load_object(path) for path, order in
               settings.getwithbase("EXTENSIONS").items() if order is not None]
    (kind,) = [e for e in enabled if isinstance(e, type) and issubclass(e, AutoThrottle)]
    throttle = kind(Crawler(Spider, settings))
    throttle.mindelay, throttle.maxdelay = throttle._min_delay(), throttle._max_delay()
    slot = Slot(concurrency=1, delay=throttle._start_delay(), jitter=0)
    throttle._adjust_delay(slot, 0.2, Response("http://a.com/", status=200))
    return slot.delay


@pytest.mark.parametrize("delay", [60.0, 3600.0])
def test_a_delay_past_autothrottles_ceiling_is_kept(delay: float) -> None:
    """--delay 60 (or delay = 60) is "at least 60 seconds between requests": Scrapy's
    AutoThrottle, which the crawl runs, brought it down to AUTOTHROTTLE_MAX_DELAY (30 s)
    at the first quick answer."""
    from goahead_crawler.cli.crawl import crawl_overrides

    (site,) = parse_sites({"site": [{"url": "http://a.com/", "delay": delay}]})
    for values in (crawl_overrides("a.db", "warcs", delay, None, 0, 0), site.settings):
        assert throttled_delay(values) == delay


@pytest.mark.parametrize("delay", [60.0, 3600.0])
def test_a_scrapyd_job_or_scrapy_crawl_s_keeps_a_delay_past_autothrottles_ceiling(
        delay: float) -> None:
    """A Scrapyd job (``setting=DOWNLOAD_DELAY=60``) or ``scrapy crawl -s DOWNLOAD_DELAY=60``
    sets the delay without ``--delay`` or sites.toml, so without config.pace: Scrapy's
    AutoThrottle brought it down to AUTOTHROTTLE_MAX_DELAY (30 s) at the first quick
    answer; a short delay is still a floor AutoThrottle adapts above."""
    assert throttled_delay({"DOWNLOAD_DELAY": delay}) == delay
    assert 0.5 <= throttled_delay({"DOWNLOAD_DELAY": 0.5}) < 1.0  # from its 1 s start


@pytest.mark.parametrize(("data", "message"), [
    ({"site": [{"url": "http://a.com/", "dealy": 1}]}, "site #1: unknown key 'dealy'"),
    ({"site": [{"url": "http://a.com/", "name": " "}]},
     "site #1: name is empty (leave it out for the blog's host, a.com)"),
    ({"site": [{"url": "http://a.com/", "delay": 1e300}]}, "at most 3,600, not 1e+300"),
    ({"site": [{"url": "http://a.com/", "concurrency": 500}]}, "from 1 to 100, not 500"),
    ({"site": [{"name": "x"}]}, "site #1: missing url"),
    ({"site": [{"url": "http://a.com/", "delay": "fast"}]}, "delay must be int or float"),
    ({"site": [{"url": "http://a.com/", "delay": True}]}, "delay must be int or float"),
    ({"site": [{"url": "http://a.com/", "comments": 1}]}, "comments must be bool"),
    ({"site": [{"url": "http://a.com/", "delay": -1}]}, "delay must be a finite number"),
    ({"site": [{"url": "http://a.com/", "delay": float("inf")}]}, "delay must be a finite"),
    ({"site": [{"url": "http://a.com/", "delay": float("nan")}]}, "delay must be a finite"),
    ({"site": [{"url": "http://a.com/", "concurrency": 0}]}, "concurrency must be a whole"),
    ({"defaults": {"max_posts": -1}, "site": [{"url": "http://a.com/"}]}, "max_posts must be"),
    ({"site": [{"url": "http://a.com/"}, {"url": "http://a.com"}]}, "listed twice"),
    # one blog (one archive site, one crawl lock): two crawls of it at once in one process
    ({"site": [{"url": "http://a.com/"}, {"url": "https://a.com/", "name": "again"}]},
     "'a.com' is listed twice (sites #1 and #2)"),
    ({"sites": []}, "unknown table 'sites'"),
    ({"defaults": {"url": "http://a.com/"}, "site": [{}]}, "[defaults]: unknown key 'url'"),
    ({}, "no [[site]] tables"),
    ({"site": [{"url": "ftp://a.com/"}]}, "bad url"),
    ({"site": [{"url": "http://a.com/", "images": "yes"}]}, "images must be bool"),
    ({"site": [{"url": "http://a.com/", "images": True, "assets": True}]},
     "assets is the old name of images"),
    ({"site": [{"url": "http://a.com/", "static_origins": "http://cdn"}]},
     "static_origins must be list"),
    ({"site": [{"url": "http://a.com/", "static_origins": ["cdn.example.com"]}]},
     "static_origins must be a list of origins"),
])
def test_bad_sites_are_one_line_errors(data: dict, message: str) -> None:
    with pytest.raises(SitesError, match=None) as info:
        parse_sites(data, "s.toml")
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("s.toml")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SitesError, match="no such file"):
        load_sites(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[site]\nurl=", encoding="utf-8")
    with pytest.raises(SitesError, match="not valid TOML"):
        load_sites(bad)


def _goahead(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "goahead_crawler", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.crawl
def test_crawl_sites_crawls_every_enabled_blog(sample_site, tmp_path: Path) -> None:
    urls = sample_site.urls
    sites = tmp_path / "sites.toml"
    sites.write_text(
        "[defaults]\ndelay = 0\nconcurrency = 8\n\n"
        f'[[site]]\nname = "goahead"\nurl = "{urls["goahead"]}"\n\n'
        f'[[site]]\nname = "contempo"\nurl = "{urls["contempo"]}"\nmax_posts = 2\n\n'
        '[[site]]\nurl = "http://127.0.0.1:9/"\nenabled = false\n', encoding="utf-8")
    db = tmp_path / "archive.db"
    result = _goahead("crawl", "--sites", str(sites), "--db", str(db),
                      "--warc-dir", str(tmp_path / "warcs"))
    assert result.returncode == 0, result.stderr[-3000:]
    blog = content.load_blog("goahead")
    with sqlite3.connect(db) as conn:
        per_site = dict(conn.execute(
            "select site, count(*) from posts where kind = 'post' group by site"))
        runs = conn.execute("select count(*) from runs").fetchone()[0]
    assert per_site[urls["goahead"].split("/")[2]] == len(blog.posts)
    assert per_site[urls["contempo"].split("/")[2]] == 2  # its own max_posts
    assert runs == 2  # the disabled site is not crawled


def test_a_flag_given_wins_over_the_sites_file_and_the_pace_follows_both() -> None:
    """--delay 5 with delay = 1 in the file crawled at 1 (site values were set above the
    command line's priority); the file's concurrency still counts with the flag's delay."""
    (site,) = parse_sites({"defaults": {"delay": 1, "max_posts": 3},
                           "site": [{"url": "http://a.com/", "concurrency": 4}]})
    values = site.settings_with({"DOWNLOAD_DELAY": 5.0, "GOAHEAD_IMAGES_ENABLED": True})
    assert values["DOWNLOAD_DELAY"] == 5.0
    assert values["CONCURRENT_REQUESTS_PER_DOMAIN"] == 4  # from the file, not given
    assert values["GOAHEAD_MAX_POSTS"] == 3
    assert values["GOAHEAD_IMAGES_ENABLED"] is True
    paced = paced_settings({"DOWNLOAD_DELAY": 5.0}, values)
    assert paced.getfloat("AUTOTHROTTLE_START_DELAY") == 5.0
    assert paced.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 4.0


@pytest.mark.crawl
def test_crawl_sites_command_line_wins_over_the_file(sample_site, tmp_path: Path) -> None:
    """--max-posts 1 over max_posts = 3 (it crawled 3); without the flag its default (0,
    all) does not undo the file's value."""
    sites = tmp_path / "sites.toml"
    sites.write_text("[defaults]\ndelay = 0\nconcurrency = 8\nmax_posts = 3\n\n"
                     f'[[site]]\nurl = "{sample_site.urls["goahead"]}"\n', encoding="utf-8")
    counts = []
    for name, flags in (("flag", ["--max-posts", "1"]), ("file", [])):
        db = tmp_path / f"{name}.db"
        result = _goahead("crawl", "--sites", str(sites), "--db", str(db), "--no-images",
                          "--warc-dir", str(tmp_path / name), *flags)
        assert result.returncode == 0, result.stderr[-3000:]
        with sqlite3.connect(db) as conn:
            counts.append(conn.execute(
                "select count(*) from posts where kind = 'post'").fetchone()[0])
    assert counts == [1, 3]


@pytest.mark.crawl
def test_crawl_refuses_bad_sites_file_and_url_with_sites(tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nurl = "http://a.blogspot.com/"\ndelay = "x"\n', encoding="utf-8")
    bad = _goahead("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"))
    assert bad.returncode == 2  # bad input, as click's usage errors
    assert bad.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "delay must be int or float" in bad.stderr
    both = _goahead("crawl", "http://a.blogspot.com/", "--sites", str(sites))
    assert both.returncode == 2
    assert "cannot be used together" in both.stderr
    sites.write_text('[[site]]\nurl = "http://a.blogspot.com/"\nenabled = false\n',
                     encoding="utf-8")
    idle = _goahead("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"))
    assert idle.returncode == 2  # nothing it could do: a setting that cannot work
    assert idle.stderr.strip() == f"Error: {sites}: every site is disabled (enabled = false)"


@pytest.mark.crawl
def test_a_blog_another_crawl_holds_is_skipped_and_the_others_are_crawled(
        sample_site, tmp_path: Path) -> None:
    """One blog still being crawled (last night's crawl running late) refused the whole
    list, exit 2, and no other blog was crawled. It is skipped, saying so twice (before
    and after the summary), the others are crawled, and the exit status is 1."""
    from goahead_crawler import crawl_lock

    urls = sample_site.urls
    sites = tmp_path / "sites.toml"
    sites.write_text(
        "[defaults]\ndelay = 0\n\n"
        f'[[site]]\nname = "goahead"\nurl = "{urls["goahead"]}"\n\n'
        f'[[site]]\nname = "contempo"\nurl = "{urls["contempo"]}"\n', encoding="utf-8")
    db = tmp_path / "archive.db"
    held = crawl_lock.acquire(db, urls["goahead"], "goahead crawl (last night's)")
    try:
        result = _goahead("crawl", "--sites", str(sites), "--db", str(db), "--no-images",
                          "--warc-dir", str(tmp_path / "warcs"), "--no-progress")
        both = _goahead("crawl", urls["goahead"], "--db", str(db), "--no-progress",
                        "--warc-dir", str(tmp_path / "warcs"))
    finally:
        held.release()
    assert result.returncode == 1, result.stderr[-3000:]
    host = urls["goahead"].split("/")[2]
    assert f"Skipped: {host} is already being crawled into" in result.stderr
    assert f"Not crawled, another crawl was crawling them: {urls['goahead']}" in result.stderr
    with sqlite3.connect(db) as conn:
        sites_crawled = [r[0] for r in conn.execute("select distinct site from runs")]
    assert sites_crawled == [urls["contempo"].split("/")[2]]
    assert both.returncode == 2  # the one blog asked for, busy: nothing to do


def test_a_concurrency_set_as_a_setting_is_paced_as_the_flag_is() -> None:
    """``scrapy crawl -s CONCURRENT_REQUESTS_PER_DOMAIN=8`` (a Scrapyd job's ``setting=``)
    did not pass through config.pace as --concurrency 8 does: AutoThrottle kept aiming at
    one request in flight (target 1.0), so the job crawled about one at a time."""
    from goahead_crawler.cli.crawl import crawl_overrides

    flag = crawl_overrides("a.db", "warcs", None, 8, 0, 0)
    for given in ({"CONCURRENT_REQUESTS_PER_DOMAIN": 8}, flag):
        assert paced_settings(given).getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 8.0
    default = paced_settings({})
    assert default.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 1.0  # as set
    assert default.getfloat("AUTOTHROTTLE_START_DELAY") == 1.0
    typed = paced_settings({"CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                            "AUTOTHROTTLE_TARGET_CONCURRENCY": 3.0})
    assert typed.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 3.0  # typed: kept


def test_a_settings_module_is_paced_as_the_flag_is(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A settings module importing goahead's and setting ``CONCURRENT_REQUESTS_PER_DOMAIN
    = 40`` and ``DOWNLOAD_DELAY = 5`` (``SCRAPY_SETTINGS_MODULE``): its values and
    goahead's share one priority, so the derived ones were kept as goahead set them:
    AutoThrottle aimed at one request in flight and started at 1 s, the crawl's limit
    stayed 16, capping the 40. One it sets itself is kept."""
    (tmp_path / "paced_module.py").write_text(
        "from goahead_crawler.settings import *\n"
        "CONCURRENT_REQUESTS_PER_DOMAIN = 40\nDOWNLOAD_DELAY = 5.0\n", encoding="utf-8")
    (tmp_path / "typed_module.py").write_text(
        "from goahead_crawler.settings import *\nCONCURRENT_REQUESTS_PER_DOMAIN = 40\n"
        "AUTOTHROTTLE_TARGET_CONCURRENCY = 3.0\nCONCURRENT_REQUESTS = 64\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "paced_module")
    paced = paced_settings({})
    assert paced.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 40.0
    assert paced.getint("CONCURRENT_REQUESTS") == 40
    assert paced.getfloat("AUTOTHROTTLE_START_DELAY") == 5.0
    flag = paced_settings({"CONCURRENT_REQUESTS_PER_DOMAIN": 4})  # over the module
    assert flag.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 4.0
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "typed_module")
    typed = paced_settings({})
    assert typed.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 3.0  # its own: kept
    assert typed.getint("CONCURRENT_REQUESTS") == 64
    assert typed.getfloat("AUTOTHROTTLE_START_DELAY") == 1.0  # goahead's, as before


def test_a_concurrency_given_never_lowers_the_crawls_own_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A settings module's ``CONCURRENT_REQUESTS = 64`` (one blog's own images and
    requisites share it) with ``--concurrency 8`` or a sites.toml ``concurrency = 8``:
    the rule that raises the crawl's limit to the blog's set it to goahead's 16, under
    the module's 64. A limit under the blog's still rises to it."""
    (tmp_path / "limit_module.py").write_text(
        "from goahead_crawler.settings import *\nCONCURRENT_REQUESTS = 64\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "limit_module")
    given = {"CONCURRENT_REQUESTS_PER_DOMAIN": 8}
    assert paced_settings(given).getint("CONCURRENT_REQUESTS") == 64  # --concurrency 8
    assert paced_settings({}, given).getint("CONCURRENT_REQUESTS") == 64  # sites.toml
    assert paced_settings({"CONCURRENT_REQUESTS_PER_DOMAIN": 80}).getint(
        "CONCURRENT_REQUESTS") == 80


SCRAPY_CRAWL = [sys.executable, "-m", "scrapy.cmdline", "crawl", "blogger"]


@pytest.mark.crawl
@pytest.mark.parametrize("way", ["goahead crawl", "sites.toml", "scrapy crawl -s"])
def test_the_pace_reaches_the_downloader_however_it_is_given(way: str, tmp_path: Path
                                                             ) -> None:
    """A concurrency of 40 is 40 requests in flight at the blog, past the crawl's own
    limit (CONCURRENT_REQUESTS, 16) and AutoThrottle's default aim (one), whether it comes
    from ``--concurrency``, sites.toml, or ``scrapy crawl -s`` (a Scrapyd job's
    ``setting=`` becomes ``-s``): the rule is applied once, by the spider, before Scrapy
    builds the downloader and AutoThrottle. Counted by the blog (1 s an answer: 0.5 s
    left a crawl slowed by a loaded machine short of 16 in flight once)."""
    db, warcs = str(tmp_path / "archive.db"), str(tmp_path / "warcs")
    with start(["goahead"], n_posts=40, latency=1.0) as site:
        url = site.urls["goahead"]
        if way == "scrapy crawl -s":
            args = [*SCRAPY_CRAWL, "-a", f"url={url}", *(f"-s{k}={v}" for k, v in {
                "CONCURRENT_REQUESTS_PER_DOMAIN": 40, "DOWNLOAD_DELAY": 0,
                "GOAHEAD_IMAGES_ENABLED": False, "GOAHEAD_ARCHIVE_DB": db,
                "GOAHEAD_WARC_DIR": warcs}.items())]
        else:
            args = [sys.executable, "-m", "goahead_crawler", "crawl", "--db", db,
                    "--warc-dir", warcs, "--no-images", "--no-progress"]
            if way == "sites.toml":
                sites = tmp_path / "sites.toml"
                sites.write_text(f'[[site]]\nurl = "{url}"\nconcurrency = 40\ndelay = 0\n',
                                 encoding="utf-8")
                args += ["--sites", str(sites)]
            else:
                args += [url, "--concurrency", "40", "--delay", "0"]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        most = site.most_in_flight("goahead")
    assert most > 16, most  # about one at a time (two at most) when the rule is not applied
