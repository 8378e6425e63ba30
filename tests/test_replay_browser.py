"""An archived post in a real browser, offline: crawl the sample blog, stop the blog and its
CDN, replay the post through pywb in headless Chromium (harness: tests/replay_browser.py).

Today's crawl captures the post's HTML but not its images or page requisites (issue 14,
phase 2), so the complete-offline test is an expected failure; the rest pins what already
holds: the page comes from the archive and nothing reaches the dead blog or the live web.
Screenshots (the live post, its replay, wget's replay) go to the folder the ``screenshots``
fixture prints (``GOAHEAD_REPLAY_SCREENSHOTS=DIR`` picks it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sampleblog.server import start
from sampleblog.statics import AD_TRACKER_HOSTS
from tests.replay_browser import (
    Browser,
    Crawled,
    Image,
    PageLoad,
    Replay,
    Request,
    archived_urls,
    crawl_blog,
    origin,
    pywb_collection,
    pywb_server,
    pywb_unwrapper,
    requests_from_log,
    wget_mirror,
)

SEED_ID = "6402417935110832581"  # the reference article: four photos, Thai text
# Phase 2 of issue 14 adds here what makes the crawler capture images and requisites from
# the sample CDN (the local origin standing in for Blogger's static hosts).
CRAWL_ARGS = ("--assets",)


# -- the harness's own logic, without a browser ------------------------------------------------
def _event(method: str, **params: object) -> dict:
    return {"method": method, "params": params}


def test_requests_from_log_follows_redirects_and_failures() -> None:
    unwrap = pywb_unwrapper("http://127.0.0.1:9/")
    events = [
        _event("Network.requestWillBeSent", requestId="1", type="Document",
               request={"url": "http://127.0.0.1:9/goahead/http://blog/post.html"}),
        _event("Network.requestWillBeSent", requestId="1", type="Document",
               request={"url": "http://127.0.0.1:9/goahead/2024mp_/http://blog/post.html"}),
        _event("Network.responseReceived", requestId="1", type="Document",
               response={"status": 200}),
        _event("Network.requestWillBeSent", requestId="2", type="Image",
               request={"url": "http://127.0.0.1:9/goahead/2024im_/http://cdn/a.jpg"}),
        _event("Network.responseReceived", requestId="2", response={"status": 404}),
        _event("Network.requestWillBeSent", requestId="3", type="Script",
               request={"url": "http://blog/x.js"}),
        _event("Network.loadingFailed", requestId="3", errorText="net::ERR_CONNECTION_REFUSED"),
        _event("Network.requestWillBeSent", requestId="4", type="Image",
               request={"url": "data:image/gif;base64,R0lGOD"}),
        _event("Network.requestWillBeSent", requestId="5", type="Script",
               request={"url": "http://127.0.0.1:9/static/wombat.js"}),
    ]
    requests = requests_from_log(events, unwrap)
    assert [(r.original, r.status, r.error) for r in requests] == [
        ("http://blog/post.html", 200, ""),
        ("http://cdn/a.jpg", 404, ""),
        ("http://blog/x.js", None, "net::ERR_CONNECTION_REFUSED"),
        (None, None, ""),  # pywb's own file: not the page's
    ]


def test_offline_problems_name_each_gap(tmp_path: Path) -> None:
    pywb = "http://127.0.0.1:9"
    requests = [
        Request(f"{pywb}/goahead/2024mp_/http://blog/p.html", "http://blog/p.html", "Document", 200),
        Request(f"{pywb}/goahead/2024im_/http://cdn/a.jpg", "http://cdn/a.jpg", "Image", 404),
        Request(f"{pywb}/goahead/2024js_/https://ads.example/a.js", "https://ads.example/a.js",
                "Script", 404),
        Request("http://cdn/b.css", "http://cdn/b.css", "Stylesheet", None, "refused"),
        Request("https://live.example/t.js", "https://live.example/t.js", "Script", 200),
    ]
    page = PageLoad("u", "t", "", requests, [], [], tmp_path / "s.png",
                    stopped=("http://cdn",), ignore_hosts=("ads.example",), served_by=pywb)
    page.images = [Image("http://cdn/a.jpg", 0), Image("http://blog/logo.png", 400)]
    assert page.offline_problems() == [
        "image not shown: http://cdn/a.jpg",
        "Image 404: http://cdn/a.jpg",
        "Stylesheet refused: http://cdn/b.css",
        "reached a stopped origin: http://cdn/b.css",
        "left the archive: https://live.example/t.js",
    ]
    page.requests, page.images = requests[:1], page.images[1:]
    assert page.offline_problems() == []


# -- whole replays in Chromium ------------------------------------------------------------------
@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: $GOAHEAD_REPLAY_SCREENSHOTS, else a fresh temporary folder
    (pytest keeps only its last few)."""
    chosen = os.environ.get("GOAHEAD_REPLAY_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("replay-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nreplay screenshots in {path}")
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    pytest.importorskip("pywb", reason="replay needs pywb (pip install pywb)")
    chromium = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    yield chromium
    chromium.close()


@dataclass
class Stopped:
    """The seed post seen live, the blog crawled by goahead (and mirrored by wget, the
    peer, when installed), then the blog and its CDN stopped."""

    live: PageLoad
    crawled: Crawled
    mirrored: Crawled | None
    origins: tuple[str, ...]  # the stopped blog and CDN
    images: list[str]  # the post's images as served


@pytest.fixture(scope="module")
def stopped(tmp_path_factory, browser, screenshots) -> Stopped:
    with start(["goahead"]) as site:
        post = site.blog("goahead").post(SEED_ID)
        live = browser.visit(site.urls["goahead"].rstrip("/") + post.path,
                             screenshots / "live-post.png", ignore_hosts=AD_TRACKER_HOSTS)
        crawled = crawl_blog(site.urls["goahead"], tmp_path_factory.mktemp("crawl"), *CRAWL_ARGS)
        mirrored = (wget_mirror(site.urls["goahead"], tmp_path_factory.mktemp("wget"))
                    if shutil.which("wget") else None)
        origins = (origin(site.urls["goahead"]), origin(site.cdn_url))
        images = [site.served_url(url) for url in post.images]
    return Stopped(live, crawled, mirrored, origins, images)


@pytest.fixture(scope="module")
def pywb(stopped, tmp_path_factory) -> Iterator[str]:
    """pywb with two collections: our crawl (``goahead``) and wget's mirror (``wget``)."""
    root = tmp_path_factory.mktemp("pywb")
    pywb_collection(root, stopped.crawled.warcs, stopped.crawled.index)
    if stopped.mirrored:
        pywb_collection(root, stopped.mirrored.warcs, stopped.mirrored.index, name="wget")
    with pywb_server(root) as base:
        yield base


@pytest.fixture(scope="module")
def replayed_post(stopped, pywb, browser, screenshots) -> PageLoad:
    replay = Replay(stopped.crawled, pywb, stopped.origins, AD_TRACKER_HOSTS)
    page = replay.open(browser, stopped.live.url, screenshots / "replayed-post.png")
    print(page.summary())
    return page


def test_the_live_post_loads_every_image_and_requisite(stopped) -> None:
    """The control: served live, the post page loads everything but the ads and trackers
    (unreachable here, as after a blog's deletion), from the blog and the CDN."""
    live, images = stopped.live, stopped.images
    print(live.summary())
    assert live.offline_problems() == []
    shown = [i.src for i in live.images]
    assert set(images) <= set(shown)
    kinds = {(r.kind, origin(r.url)) for r in live.loaded()}
    cdn = stopped.origins[1]
    assert {("Stylesheet", cdn), ("Script", cdn), ("Font", cdn), ("Image", cdn)} <= kinds
    assert ("Sarabun", "loaded") in live.fonts
    tried = {urlsplit(r.url).netloc for r in live.requests} & set(AD_TRACKER_HOSTS)
    assert tried  # the template really embeds them; they fail, as they must offline


def test_replay_comes_from_the_archive_and_reaches_no_live_origin(replayed_post) -> None:
    page = replayed_post
    document = next(r for r in page.requests if r.kind == "Document")
    assert document.status == 200
    assert "อธิบดีกรมการพัฒนาชุมชน" in page.title
    assert "พัฒนาชุมชน" in page.text
    assert page.reached_stopped() == []
    assert page.escaped() == []


@pytest.mark.xfail(strict=True, reason="issue 14 phase 2: images and page requisites are not"
                   " captured yet, so the replayed post shows no photo and no stylesheet")
def test_replayed_post_is_complete_offline(replayed_post) -> None:
    assert replayed_post.offline_problems() == []


def test_the_harness_passes_a_complete_archive(stopped, pywb, browser, screenshots) -> None:
    """wget's mirror of the same blog (page requisites, both origins) replays with no
    problem: the expected failure above can pass, and does once our crawl captures as much."""
    if stopped.mirrored is None:
        pytest.skip("wget is not installed (Debian package wget)")
    replay = Replay(stopped.mirrored, pywb, stopped.origins, AD_TRACKER_HOSTS, "wget")
    page = replay.open(browser, stopped.live.url, screenshots / "wget-replayed-post.png")
    print(page.summary())
    assert page.offline_problems() == []
    assert {i.src for i in page.images} >= set(stopped.images)
    assert ("Sarabun", "loaded") in page.fonts


def test_no_ad_or_tracker_is_archived(stopped) -> None:
    hosts = {urlsplit(url).netloc for url in archived_urls(stopped.crawled.index)}
    assert len(hosts) >= 1
    assert hosts.isdisjoint(AD_TRACKER_HOSTS)
