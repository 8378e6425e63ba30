"""Browser replay harness: does an archived post show offline as its readers saw it?

The steps, each reusable on its own:

- :func:`crawl_blog` runs ``goahead crawl`` (subprocess) into WARC files and a CDXJ index
  (``goahead index``);
- :func:`pywb_server` serves them with pywb on 127.0.0.1;
- :class:`Browser` drives headless Chromium (selenium, chromedriver) with the DevTools
  performance log on, and :meth:`Browser.visit` returns a :class:`PageLoad`: every request
  the page made with its status, every ``<img>`` with its ``naturalWidth``, the fonts, the
  page text and a screenshot.

In replay, the browser asks pywb for everything (``/COLL/TSmod_/ORIGINAL-URL``); a
:class:`PageLoad` maps each request back to the original URL and tells what an offline
replay lacks: :meth:`PageLoad.offline_problems` is empty when every image shows, every
requisite came from the archive with status 200, and no request reached a stopped origin
or the live web. Ads and trackers (``ignore_hosts``) are expected to be missing.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from tests.conftest import run_goahead, serve_on_a_free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
COLLECTION = "goahead"
PYWB_STARTUP_SECONDS = 60
SETTLE_SECONDS = 1.0  # a page is loaded when the network log has been quiet this long
MAX_WAIT_SECONDS = 20.0
LOCAL_SCHEMES = ("data:", "blob:", "about:", "chrome", "devtools:")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_listening(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((parts.hostname, parts.port or 80)) == 0


# -- crawl and index ------------------------------------------------------------------------
@dataclass
class Crawled:
    """One crawl: its archive database, WARC directory and CDXJ index."""

    url: str
    db: Path
    warcs: Path
    index: Path


def crawl_blog(url: str, out: Path, *crawl_args: str) -> Crawled:
    """``goahead crawl URL CRAWL_ARGS`` into ``out``, then ``goahead index`` of its WARCs."""
    crawled = Crawled(url, out / "archive.db", out / "warcs", out / "index.cdxj")
    result = run_goahead("crawl", url, "--db", str(crawled.db), "--warc-dir", str(crawled.warcs),
                         "--delay", "0", "--concurrency", "8", "--no-progress", *crawl_args)
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_goahead("index", "--warc-dir", str(crawled.warcs), "--out", str(crawled.index))
    assert result.returncode == 0, result.stderr[-3000:]
    return crawled


def wget_mirror(url: str, out: Path, *hosts: str) -> Crawled:
    """The peer: ``wget --mirror --page-requisites`` of ``url`` into a WARC (robots.txt
    obeyed), spanning to ``hosts`` only (``--domains``: names, not ports; 127.0.0.1 covers
    the sample blog and its CDN), then ``goahead index``."""
    crawled = Crawled(url, out / "none.db", out / "warcs", out / "index.cdxj")
    crawled.warcs.mkdir(parents=True)
    domains = ",".join(hosts or (urlsplit(url).hostname,))
    result = subprocess.run(
        ["wget", "--mirror", "--page-requisites", "--span-hosts", f"--domains={domains}",
         "--no-verbose", f"--warc-file={crawled.warcs / 'wget'}",
         f"--directory-prefix={out / 'files'}", url],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_goahead("index", "--warc-dir", str(crawled.warcs), "--out", str(crawled.index))
    assert result.returncode == 0, result.stderr[-3000:]
    return crawled


def archived_urls(index: Path) -> list[str]:
    """The URL of every record in a CDXJ index (``SURT TIMESTAMP {json}`` lines)."""
    urls = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.startswith("!") or not line.strip():
            continue
        urls.append(json.loads(line.split(" ", 2)[2])["url"])
    return urls


# -- pywb -----------------------------------------------------------------------------------
def pywb_collection(root: Path, warcs: Path, index: Path, name: str = COLLECTION) -> Path:
    """Collection ``name`` in the pywb directory ``root``: ``warcs`` (symlinked) and ``index``."""
    coll = root / "collections" / name
    (coll / "archive").mkdir(parents=True)
    (coll / "indexes").mkdir()
    for path in warcs.glob("*.warc.gz"):
        (coll / "archive" / path.name).symlink_to(path)
    (coll / "indexes" / "index.cdxj").symlink_to(index)
    (root / "config.yaml").write_text("framed_replay: false\n")
    return root


@contextmanager
def pywb_server(root: Path) -> Iterator[str]:
    """Run pywb's ``wayback`` on a free 127.0.0.1 port in ``root``; yield its base URL."""
    def launch(port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", "from pywb.apps.cli import wayback; wayback()",
             "-p", str(port), "-b", "127.0.0.1"],
            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    try:
        proc, port = serve_on_a_free_port(launch, _answers, PYWB_STARTUP_SECONDS)
    except AssertionError as exc:
        pytest.fail(f"pywb did not start: {exc}")
    base = f"http://127.0.0.1:{port}/"
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def _answers(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/{COLLECTION}/", timeout=2):
            return True
    except HTTPError:
        return True  # answering
    except (URLError, OSError):
        return False


def pywb_unwrapper(base: str, collection: str = COLLECTION):
    """``original(url)`` for pywb's replay URLs (``BASE/COLL/TS[mod_]/URL``); None for
    pywb's own files (its banner, wombat.js); the URL itself for anything else."""
    stamp = r"(?:\d{1,14}(?:[a-z]{2}_)?/|[a-z]{2}_/)?"  # TS, TSmod_, mod_ (latest) or none
    prefix = re.compile(re.escape(base.rstrip("/")) + f"/{collection}/" + stamp)

    def original(url: str) -> str | None:
        match = prefix.match(url)
        if match:
            return url[match.end():]
        return None if url.startswith(base) else url

    return original


# -- the browser ----------------------------------------------------------------------------
def chromium_driver(profile: Path, performance_log: bool = False) -> object:
    """A headless Chromium driven by selenium, or a skip saying what is missing."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("headless browser test needs Debian's chromium and chromium-driver "
                    "(apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if performance_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    return webdriver.Chrome(options=options, service=service)


@dataclass
class Request:
    """One request the page made: ``url`` as sent, ``original`` the URL it stands for."""

    url: str
    original: str | None  # None: the replay tool's own file
    kind: str = ""  # DevTools resource type: Document, Stylesheet, Script, Image, Font...
    status: int | None = None  # None: no response at all (refused, blocked, DNS...)
    error: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.original or self.url).netloc


@dataclass
class Image:
    src: str  # the original URL
    natural_width: int


@dataclass
class PageLoad:
    """What the browser did for one page."""

    url: str
    title: str
    text: str
    requests: list[Request]
    images: list[Image]
    fonts: list[tuple[str, str]]  # (family, status) from document.fonts
    screenshot: Path
    stopped: tuple[str, ...] = ()  # origins that must not be reached (the dead blog, CDN)
    ignore_hosts: tuple[str, ...] = ()  # expected missing: ads and trackers
    served_by: str = ""  # the replay tool's origin ("" when visiting the live site)

    def loaded(self) -> list[Request]:
        return [r for r in self.requests if r.original and r.status == 200]

    def failed(self) -> list[Request]:
        """Requests for the page's own resources that did not come back 200 (ignored hosts
        and the replay tool's own files aside)."""
        return [r for r in self.requests
                if r.original and r.status != 200 and r.host not in self.ignore_hosts]

    def broken_images(self) -> list[Image]:
        return [i for i in self.images if i.natural_width == 0
                and urlsplit(i.src).netloc not in self.ignore_hosts]

    def reached_stopped(self) -> list[Request]:
        return [r for r in self.requests if origin(r.url) in self.stopped]

    def escaped(self) -> list[Request]:
        """Requests that went around the replay tool, to any live origin."""
        if not self.served_by:
            return []
        return [r for r in self.requests if origin(r.url) != self.served_by]

    def offline_problems(self) -> list[str]:
        """Everything that keeps this page from replaying completely offline; ``[]`` when
        every image shows, every resource came back 200 and nothing left the archive."""
        problems = [f"image not shown: {i.src}" for i in self.broken_images()]
        problems += [f"{r.kind or 'request'} {r.status or r.error}: {r.original}"
                     for r in self.failed()]
        problems += [f"reached a stopped origin: {r.url}" for r in self.reached_stopped()]
        problems += [f"left the archive: {r.url}" for r in self.escaped()
                     if origin(r.url) not in self.stopped]
        return problems

    def summary(self) -> str:
        lines = [(f"{self.url}: {len(self.loaded())} loaded, {len(self.failed())} failed,"
                  f" {len(self.broken_images())}/{len(self.images)} images not shown;"
                  f" screenshot {self.screenshot}")]
        lines += [f"  {r.status or r.error} {r.kind} {r.original}" for r in self.requests
                  if r.original]
        return "\n".join(lines)


class Browser:
    """One headless Chromium for several page visits."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.driver = chromium_driver(profile, performance_log=True)

    def close(self) -> None:
        self.driver.quit()

    def visit(self, url: str, screenshot: Path, *, unwrap=None, stopped: Iterable[str] = (),
              ignore_hosts: Iterable[str] = (), served_by: str = "") -> PageLoad:
        """Load ``url``, wait until its network is quiet, and report what it loaded."""
        driver = self.driver
        driver.get_log("performance")  # drop what earlier visits left
        driver.set_page_load_timeout(60)
        driver.get(url)
        events = self._settle()
        requests = requests_from_log(events, unwrap or (lambda u: u))
        images = [Image((unwrap or (lambda u: u))(src) or src, width)
                  for src, width in driver.execute_script(_IMAGES_JS)]
        fonts = [tuple(f) for f in driver.execute_async_script(_FONTS_JS)]
        self._screenshot(screenshot)
        return PageLoad(url, driver.title, driver.execute_script("return document.body.innerText"),
                        requests, images, fonts, screenshot, tuple(origin(o) for o in stopped),
                        tuple(ignore_hosts), served_by.rstrip("/"))

    def _settle(self) -> list[dict]:
        events: list[dict] = []
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            batch = self.driver.get_log("performance")
            if batch:
                events += [json.loads(entry["message"])["message"] for entry in batch]
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= SETTLE_SECONDS:
                break
            time.sleep(0.2)
        return events

    def _screenshot(self, path: Path) -> None:
        """The first screen at ``path``, the whole page beside it (``NAME-full.png``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        path = path.with_name(f"{path.stem}-full{path.suffix}")
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, min(max(int(height), 900), 6000))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1280, 900)


_IMAGES_JS = "return [...document.images].map(i => [i.currentSrc || i.src, i.naturalWidth]);"
_FONTS_JS = """const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => done([...document.fonts].map(f => [f.family, f.status])));"""


def requests_from_log(events: list[dict], unwrap) -> list[Request]:
    """One :class:`Request` per DevTools request id, from ``Network.*`` events, in order;
    a redirected request keeps its last URL and status."""
    by_id: dict[str, Request] = {}
    for event in events:
        method, params = event.get("method", ""), event.get("params", {})
        rid = params.get("requestId")
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES):
                by_id[rid] = Request(url, unwrap(url), params.get("type", ""))
        elif rid in by_id and method == "Network.responseReceived":
            by_id[rid].status = params["response"]["status"]
            by_id[rid].kind = params.get("type", by_id[rid].kind)
        elif rid in by_id and method == "Network.loadingFailed":
            by_id[rid].status = None  # a response cut short did not load either
            by_id[rid].error = params.get("blockedReason") or params.get("errorText", "")
    return list(by_id.values())


@dataclass
class Replay:
    """A crawl served by pywb after its blog and CDN were stopped."""

    crawled: Crawled
    pywb: str  # pywb's base URL
    stopped: tuple[str, ...]
    ignore_hosts: tuple[str, ...] = ()
    collection: str = COLLECTION
    visits: list[PageLoad] = field(default_factory=list)

    def url(self, original: str) -> str:
        return f"{self.pywb}{self.collection}/{original}"

    def open(self, browser: Browser, original: str, screenshot: Path) -> PageLoad:
        """``original`` as pywb replays it (latest capture), in ``browser``."""
        for dead in self.stopped:
            assert not is_listening(dead), f"{dead} still answers: stop it before replaying"
        unwrap = pywb_unwrapper(self.pywb, self.collection)
        page = browser.visit(self.url(original), screenshot, unwrap=unwrap,
                             stopped=self.stopped, ignore_hosts=self.ignore_hosts,
                             served_by=origin(self.pywb))
        self.visits.append(page)
        return page
