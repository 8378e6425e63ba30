"""The web view as a person sees it: headless Chromium on ``goahead serve`` over a crawled
Thai sample blog, searching a Thai word and opening a post, with screenshots.

The screenshots go to the folder the test prints: ``$GOAHEAD_SCREENSHOTS`` when set (e.g.
``GOAHEAD_SCREENSHOTS=/tmp/goahead-screens``), else a pytest temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="the serve extra is not installed")

from archive.connection import open_archive, open_read_only
from archive.search import count
from sampleblog.server import start
from tests.conftest import serve_on_a_free_port
from tests.replay_browser import chromium_driver, crawl_blog

pytestmark = pytest.mark.crawl

ROOT = Path(__file__).resolve().parents[1]
QUERY = "นา"
SAMPLE_POSTS = 45  # the hand-written posts padded with synthetic ones: more than a page of นา


@dataclass
class Served:
    base: str
    db: Path
    post: tuple[str, str]  # (blog_id, post_id) of the post with the most images
    captured_image: str  # its first image, given a WARC capture (the others are not)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2):
            return True
    except OSError:
        return False


def _post_with_images(db_path: Path) -> tuple[tuple[str, str], str]:
    """The post with the most images the crawl captured, and its first image."""
    db = open_archive(db_path)
    try:
        row = next(iter(db.query("SELECT blog_id, post_id, images FROM posts"
                                 " ORDER BY json_array_length(images) DESC, id LIMIT 1")))
    finally:
        db.close()
    return (row["blog_id"], row["post_id"]), json.loads(row["images"])[0]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    out = tmp_path_factory.mktemp("crawl")
    with start(["goahead"], n_posts=SAMPLE_POSTS) as site:
        # the images come from the sample CDN, named as a static origin (issue 14)
        crawled = crawl_blog(site.urls["goahead"], out, "--static-origin", site.cdn_url)
        post, image = _post_with_images(crawled.db)
    log = out / "serve.log"
    with log.open("wb") as sink:
        def launch(port: int) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "goahead_crawler", "serve", "--db", str(crawled.db),
                 "--warc-dir", str(crawled.warcs), "--port", str(port)],
                cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)

        proc, port = serve_on_a_free_port(launch, _answers, 30)
        try:
            yield Served(f"http://127.0.0.1:{port}", crawled.db, post, image)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("GOAHEAD_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nweb view screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    driver = chromium_driver(profile)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _read(path: Path, read: Any) -> Any:
    db = open_read_only(path)
    try:
        return read(db)
    finally:
        db.close()


def screenshot(driver: Any, path: Path) -> None:
    """What a person sees first (the 1280x900 window, ``path``) and the whole page
    (``NAME-full.png``)."""
    driver.save_screenshot(str(path))
    chrome = driver.execute_script("return window.outerHeight - window.innerHeight")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height + chrome, 600), 8000))
    driver.save_screenshot(str(path.with_name(f"{path.stem}-full.png")))
    driver.set_window_size(1280, 900)


def test_search_page_with_a_thai_word(served: Served, browser: Any, screens: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{served.base}/archive/search")
    box = browser.find_element(By.NAME, "q")
    box.send_keys(QUERY)
    box.submit()
    total_line = browser.find_element(By.CSS_SELECTOR, ".goahead-total").text
    screenshot(browser, screens / "search-na.png")
    expected = _read(served.db, lambda db: count(db, QUERY))
    assert expected > 20
    assert total_line.startswith(f"{expected} posts match")
    hits = browser.find_elements(By.CSS_SELECTOR, ".goahead-hit")
    assert len(hits) == 20
    marks = {mark.text for mark in browser.find_elements(By.CSS_SELECTOR, ".goahead-hit mark")}
    assert marks == {QUERY}
    assert browser.find_element(By.CSS_SELECTOR, ".goahead-pager a[rel=next]")
    source = browser.page_source
    assert "char(57344)" not in source
    assert "SELECT" not in source
    snippets = [s.text for s in browser.find_elements(By.CSS_SELECTOR, ".goahead-snippet")]
    assert all("\n" not in text for text in snippets)


def test_second_page_and_states(served: Served, browser: Any, screens: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{served.base}/archive/search?q={QUERY}")
    browser.find_element(By.CSS_SELECTOR, ".goahead-pager a[rel=next]").click()
    assert "page=2" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, ".goahead-total").text.split("; ")[1] \
        .startswith("showing 21–")
    screenshot(browser, screens / "search-na-page2.png")
    browser.get(f"{served.base}/archive/search?q=%22ผ้า")
    error = browser.find_element(By.CSS_SELECTOR, ".goahead-error").text
    assert "This search cannot run" in error
    screenshot(browser, screens / "search-error.png")
    browser.get(f"{served.base}/archive/search?q=ผ้าไหมแพรวา&site=nowhere.example")
    assert "No post matches" in browser.find_element(By.CSS_SELECTOR, ".goahead-empty").text
    screenshot(browser, screens / "search-empty.png")
    browser.get(f"{served.base}/archive/search")
    screenshot(browser, screens / "search-start.png")


def _answer(url: str) -> str:
    """``URL: STATUS TYPE LENGTH`` (or the error), to tell a failed image from a slow one."""
    try:
        with urllib.request.urlopen(url, timeout=10) as got:  # 127.0.0.1 only
            body = got.read()
            return f"{url}: {got.status} {got.headers.get('Content-Type')} {len(body)} bytes"
    except OSError as exc:
        return f"{url}: {exc!r} {getattr(exc, 'read', lambda: b'')()[:300]!r}"


def test_post_view(served: Served, browser: Any, screens: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{served.base}/archive/search?q={QUERY}")
    first = browser.find_element(By.CSS_SELECTOR, ".goahead-title")
    title = first.text
    first.click()
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    screenshot(browser, screens / "post-first-hit.png")
    blog_id, post_id = served.post
    browser.get(f"{served.base}/archive/post/{blog_id}/{post_id}")
    # ChromeDriver's get() may return at readyState "interactive", images still on their
    # way (1 visit in 40 here): wait until each has loaded or failed, then look
    WebDriverWait(browser, 15).until(lambda b: b.execute_script(
        "return document.readyState === 'complete'"
        " && Array.from(document.images).every(i => i.complete)"))
    shown = browser.execute_script(
        "return Array.from(document.images).map(i => [i.src, i.naturalWidth])")
    archived = [width for src, width in shown if "/archive/-/warc?" in src]
    assert archived
    broken = [src for src, width in shown if "/archive/-/warc?" in src and not width]
    assert not broken, [_answer(src) for src in broken]  # what the server said, if it failed
    assert not [src for src, _ in shown if "/archive/-/warc?" not in src]  # no live image
    # the crawl captured every image of the post (issue 14): none is shown as missing
    assert browser.find_elements(By.CSS_SELECTOR, ".goahead-missing-image") == []
    screenshot(browser, screens / "post-with-images.png")


# Every violation of a page's Content-Security-Policy, recorded from the document's start
# (the listener is the browser's, outside the page's policy).
CSP_LISTENER = ("window.cspViolations = []; document.addEventListener("
                "'securitypolicyviolation', e => window.cspViolations.push("
                "e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sample))")


@pytest.fixture
def csp_watch(browser: Any) -> Iterator[Any]:
    added = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": CSP_LISTENER})
    try:
        yield lambda: browser.execute_script("return window.cspViolations")
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                {"identifier": added["identifier"]})


def test_every_page_runs_under_its_policy(served: Served, browser: Any, screens: Path,
                                          csp_watch: Any) -> None:
    """Datasette's pages now carry a Content-Security-Policy: they still load their styles
    and run their own scripts (table.js's column menus, the SQL editor), refused nothing;
    goahead's pages run base.html's menu script, once refused on every page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    for page in (f"/archive/search?q={QUERY}", "/archive/post/{}/{}".format(*served.post)):
        browser.get(served.base + page)
        assert browser.find_element(By.TAG_NAME, "h1").text
        assert csp_watch() == [], page

    browser.get(f"{served.base}/archive/posts")
    assert "posts" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td")
    assert browser.find_elements(By.CSS_SELECTOR, "th svg.dropdown-menu-icon")  # table.js
    assert browser.execute_script("return DATASETTE_ALLOW_FACET") is True  # inline, by hash
    styled = browser.execute_script(  # app.css applied: the header is not the default
        "return getComputedStyle(document.querySelector('header')).backgroundColor")
    assert styled not in ("rgba(0, 0, 0, 0)", "transparent")
    assert csp_watch() == []
    screenshot(browser, screens / "datasette-table.png")
    browser.get(f"{served.base}/archive/posts/1")
    assert browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td")
    assert csp_watch() == []
    browser.get(f"{served.base}/archive?sql=select+id,+title,+html+from+posts+limit+3")
    # the editor's inline set-up: Datasette builds it from a module script that may run
    # after the page's load event (find_elements at once failed 1 run in 3)
    WebDriverWait(browser, 15).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".CodeMirror, .cm-editor"))
    assert csp_watch() == []
    screenshot(browser, screens / "datasette-query.png")


LONG_URL = "https://example.org/" + "a1b2c3d4" * 60  # one unbroken word, 500 characters


@pytest.fixture(scope="module")
def long_words(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over an archive whose post has a long link written out in its text, a
    long label and a long author name: words no line can break by itself."""
    from archive.models import Post
    from archive.posts import upsert_comments, upsert_post

    folder = tmp_path_factory.mktemp("long-words")
    db = open_archive(folder / "archive.db")
    upsert_post(db, Post(
        blog_id="1", post_id="1", url="http://blog.example/2024/01/link.html",
        site="blog.example", title=f"ลิงก์ยาว {LONG_URL}", author="x" * 300,
        published="2024-01-05T08:00:00+07:00", labels=["L" * 300], language="th",
        text=f"ดูที่ {LONG_URL} ครับ", html=f"<p>ดูที่ {LONG_URL} ครับ</p>"))
    upsert_comments(db, "1", "1", [{"author": "c" * 300, "text": LONG_URL}])
    db.close()
    with (folder / "serve.log").open("wb") as sink:
        proc, port = serve_on_a_free_port(lambda port: subprocess.Popen(
            [sys.executable, "-m", "goahead_crawler", "serve", "--db",
             str(folder / "archive.db"), "--warc-dir", str(folder), "--port", str(port)],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT), _answers, 30)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.parametrize("path", ["/archive/post/1/1", "/archive/search?q=ลิงก์"])
def test_a_long_unbroken_word_wraps_inside_the_page(long_words: str, browser: Any,
                                                     screens: Path, path: str) -> None:
    """A link written out in a post's text (common in news posts), a long label or author:
    the line breaks inside it, as the text column is; the page does not grow sideways
    (a reader would scroll right across an empty page to read it)."""
    browser.get(f"{long_words}{path}")
    screenshot(browser, screens / f"long-words-{path.split('/')[2]}.png")
    wide, window = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide <= window, f"{path} is {wide} px wide in a {window} px window"


def test_a_posts_own_lists_keep_their_markers(served: Served, browser: Any) -> None:
    """A post's bulleted list reads as one: Datasette's app.css takes the markers off
    every list, so the reading view gives the post's own back."""
    from selenium.webdriver.common.by import By

    blog_id, post_id = _read(served.db, lambda db: db.execute(
        "SELECT blog_id, post_id FROM posts WHERE html LIKE '%<ul>%' LIMIT 1").fetchone())
    browser.get(f"{served.base}/archive/post/{blog_id}/{post_id}")
    item = browser.find_element(By.CSS_SELECTOR, ".goahead-body ul > li")
    assert item.value_of_css_property("list-style-type") == "disc"
