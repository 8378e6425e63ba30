"""The sample blog's CDN: Blogger's image and static hosts on a second local origin, with
real image bytes in every Blogger size form, the page requisites, and the ads and trackers
left on their real (unreachable) hosts."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html

from goahead_crawler.blogger.images import shown_sources
from goahead_crawler.extract import extract_article
from sampleblog import cdn, content, imageurls, server, statics, synth
from tests.test_sampleblog import fetch, get_json

SEED_ID = "6402417935110832581"


@pytest.fixture(scope="module")
def site():
    with server.start() as running:
        yield running


def image_size(body: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or baseline JPEG, read from its header."""
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return struct.unpack(">II", body[16:24])
    assert body.startswith(b"\xff\xd8"), body[:8]
    sof = body.index(b"\xff\xc0")
    height, width = struct.unpack(">HH", body[sof + 5 : sof + 9])
    return width, height


def page(site, blog: str, post) -> tuple[str, lxml_html.HtmlElement]:
    url = site.urls[blog].rstrip("/") + post.path
    status, _, body = fetch(url)
    assert status == 200, url
    return url, lxml_html.fromstring(body.decode("utf-8"))


def test_cdn_is_a_distinct_origin_on_the_same_host(site) -> None:
    cdn_url, blogs = urlsplit(site.cdn_url), [urlsplit(u) for u in site.urls.values()]
    assert cdn_url.hostname == "127.0.0.1"
    assert cdn_url.port not in {b.port for b in blogs}
    assert site.cdn_url.endswith("/")


@pytest.mark.parametrize("blog", ["goahead", "contempo"])
def test_post_images_are_served_by_the_cdn_and_extract_as_served(site, blog) -> None:
    """Thumbnails link to their full-size image; the ground truth's Blogger URLs, moved to
    the CDN by ``served_url``, are exactly what the served page shows and the extractor keeps."""
    posts = [p for p in site.blog(blog).posts if p.images]
    assert posts
    for post in posts:
        url, tree = page(site, blog, post)
        served = [site.served_url(u) for u in post.images]
        assert all(u.startswith(site.cdn_url) for u in served)
        body = tree.xpath("//div[contains(@class, 'post-body')]")[0]
        # what each image shows, lazy-loaded or not (its <noscript> copy aside)
        shown = body.xpath(".//img[not(ancestor::noscript)]")
        assert [shown_sources(img)[0] for img in shown] == served
        links = body.xpath(".//a[img]/@href")
        assert links == [imageurls.full_size(u) for u in served]
        article = extract_article(lxml_html.tostring(tree), url)
        assert article.images == served


def test_every_blogger_size_form_is_a_real_image(site) -> None:
    cases = {
        "img/b/R29vZ2xl/AVvXsEhnongbua01/s1600/weaving.jpg": (1600, 900),
        "img/b/R29vZ2xl/AVvXsEhnongbua01/s640/weaving.jpg": (640, 360),
        "img/b/R29vZ2xl/AVvXsEhnongbua01/s72-c/weaving.jpg": (72, 72),
        "img/b/R29vZ2xl/AVvXsEhnongbua01/w640-h426/weaving.jpg": (640, 426),
        "img/a/AVvXsEhmarket01=w640-h426": (640, 426),
        "img/a/AVvXsEhmarket01=s1600": (1600, 900),
        "-Qm3chiangkhan/XyZ0001/AAAAAAAAAAA/sample/s640/morning-market.jpg": (640, 360),
        "img/b/R29vZ2xl/AVvXsEgoaheadlogo01/s1600/goahead-logo.png": (400, 80),
    }
    bodies = set()
    for path, size in cases.items():
        status, headers, body = fetch(site.cdn_url + path, {"Accept-Encoding": "gzip"})
        assert status == 200, path
        kind = "image/png" if path.endswith(".png") else "image/jpeg"
        assert (headers["Content-Type"], headers.get("Content-Encoding")) == (kind, None)
        assert image_size(body) == size, path
        assert body.endswith((b"\xff\xd9", b"IEND\xaeB`\x82"))
        bodies.add(body)
    assert len(bodies) == len(cases)
    again = fetch(site.cdn_url + "img/a/AVvXsEhmarket01=s1600")[2]
    assert again in bodies  # deterministic


def test_cdn_validators_head_and_304(site) -> None:
    url = site.cdn_url + "img/b/R29vZ2xl/AVvXsEhnan02/s640/nam-lai.jpg"
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert fetch(url, {"If-None-Match": headers["ETag"]})[:3:2] == (304, b"")
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    status, head, nothing = fetch(url, method="HEAD")
    assert (status, nothing, int(head["Content-Length"])) == (200, b"", len(body))


def test_cdn_robots_and_not_found(site) -> None:
    status, headers, body = fetch(site.cdn_url + "robots.txt")
    assert (status, headers["Content-Type"]) == (200, "text/plain")
    assert body == b"User-agent: *\nDisallow: /img/proxy/\nAllow: /\n"
    missing = [
        "img/b/R29vZ2xl/AVvXsEnotuploaded/s640/x.jpg",  # well formed, never uploaded
        "img/b/R29vZ2xl/AVvXsEhnan02/w9000-h9000/nam-lai.jpg",  # beyond the size bound
        "img/b/R29vZ2xl/AVvXsEhnan02/huge/nam-lai.jpg",
        "2024/01/blog-post.html",  # the blog's paths are not the CDN's
        "favicon.ico",
    ]
    for path in missing:
        assert fetch(site.cdn_url + path)[0] == 404, path
    logged = site.cdn_requests()
    assert ("GET", "/robots.txt", 200) in logged
    assert ("GET", "/favicon.ico", 404) in logged


def requisites(tree, page_url: str) -> dict[str, list[str]]:
    """What the page loads besides itself, by kind, as absolute URLs."""
    css = "\n".join(tree.xpath("//style/text()"))
    found = {
        "stylesheet": tree.xpath("//link[@rel='stylesheet']/@href"),
        "script": tree.xpath("//script/@src"),
        "css url": re.findall(r"url\(([^)]+)\)", css),
        "img": tree.xpath("//img/@src"),
        "icon": tree.xpath("//link[@rel='icon']/@href"),
    }
    return {kind: [urljoin(page_url, u) for u in urls] for kind, urls in found.items()}


@pytest.mark.parametrize("blog", ["goahead", "contempo"])
def test_post_page_requisites_load_from_the_cdn_and_the_blog(site, blog) -> None:
    post = site.blog(blog).posts[0]
    url, tree = page(site, blog, post)
    found = requisites(tree, url)
    cdn_origin, blog_origin = site.cdn_url.rstrip("/"), site.urls[blog].rstrip("/")
    hosts = {urlsplit(u).netloc for urls in found.values() for u in urls}
    assert hosts - set(statics.AD_TRACKER_HOSTS) == {
        urlsplit(cdn_origin).netloc, urlsplit(blog_origin).netloc}
    assert found["icon"] == [f"{blog_origin}/favicon.ico"]
    font = next(u for u in found["css url"] if u.endswith(".ttf"))
    kinds = {}
    for requisite in [*found["stylesheet"], *found["css url"], *found["img"], *found["icon"],
                      *(u for u in found["script"] if u.startswith(cdn_origin))]:
        status, headers, _ = fetch(requisite)
        assert status == 200, requisite
        kinds[requisite] = headers["Content-Type"]
    assert kinds[found["stylesheet"][0]] == "text/css"
    assert kinds[font] == "font/ttf"
    assert kinds[found["icon"][0]] == "image/x-icon"
    assert f"{cdn_origin}/static/v1/widgets/2975350028-widgets.js" in found["script"]
    sheet = fetch(found["stylesheet"][0])[2].decode()
    sprite = urljoin(found["stylesheet"][0], re.search(r"url\(([^)]+)\)", sheet)[1])
    assert sprite == f"{cdn_origin}/img/share_buttons_20_3.png"
    assert fetch(sprite)[0] == 200


@pytest.mark.parametrize("blog", ["goahead", "contempo"])
def test_ads_and_trackers_keep_their_real_hosts(site, blog) -> None:
    post = site.blog(blog).posts[0]
    _, tree = page(site, blog, post)
    scripts = tree.xpath("//script/@src")
    wanted = [u for u in statics.AD_TRACKER_URLS
              if blog == "goahead" or not ("googlesyndication" in u or "facebook" in u)]
    assert set(wanted) <= set(scripts)
    for url in scripts:
        if urlsplit(url).hostname in statics.AD_TRACKER_HOSTS:
            assert not cdn.is_blogger_static(url)


def test_feeds_point_at_the_cdn(site) -> None:
    base = site.urls["goahead"]
    entries = get_json(base + "feeds/posts/default?alt=json&max-results=50")["feed"]["entry"]
    with_images = [e for e in entries if "media$thumbnail" in e]
    assert with_images
    for entry in with_images:
        assert entry["media$thumbnail"]["url"].startswith(site.cdn_url)
        assert "blogger.googleusercontent.com" not in entry["content"]["$t"]
    avatar = entries[0]["author"][0]["gd$image"]["src"]
    assert avatar == site.cdn_url + "img/b16-rounded.gif"
    assert fetch(avatar)[0] == 200


def test_images_repeat_across_posts() -> None:
    """The small blog shares a photo between two posts; the synthetic posts draw from a pool
    of distinct images (three URL shapes), so a crawler's one-fetch-per-image can be
    measured."""
    small = content.load_blog("goahead")
    refs = [u for p in small.posts for u in p.images]
    assert len(set(refs)) < len(refs)
    big = content.load_blog("goahead", 1000, image_pool=20)
    synthetic = {u for p in big.posts if p.synthetic for u in p.images}
    assert len(synthetic) <= 20
    assert sum(len(p.images) for p in big.posts if p.synthetic) > 3 * len(synthetic)
    assert {"/s640/" in u for u in synthetic} == {True, False}
    assert any(".bp.blogspot.com" in u for u in synthetic)
    assert any("=w640-h426" in u for u in synthetic)
    default = content.load_blog("goahead", 1000)
    assert len({u for p in default.posts if p.synthetic for u in p.images}) <= synth.IMAGE_POOL
    with pytest.raises(ValueError, match="image_pool"):
        content.load_blog("goahead", 50, image_pool=0)


def test_big_blog_images_are_all_served():
    with server.start(["contempo"], n_posts=300, image_pool=7) as running:
        blog = running.blog("contempo")
        urls = {u for p in blog.posts for u in p.images}
        assert 3 <= len(urls) <= 9
        for url in urls:
            for variant in (url, imageurls.full_size(url), imageurls.resized(url, "s72-c")):
                status, headers, _ = fetch(running.served_url(variant))
                assert (status, headers["Content-Type"]) == (200, "image/jpeg"), variant


def test_published_post_images_are_known_to_the_cdn():
    with server.start(["contempo"]) as running:
        blog = running.blog("contempo")
        post = content.new_post(blog, "Ferry", "Text.", "2024-04-01T09:00:00.000+01:00")
        src = "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEferry01/s640/ferry.jpg"
        post.body_html += content.markup.image_html(src)
        assert fetch(running.served_url(src))[0] == 404
        running.publish("contempo", post)
        assert fetch(running.served_url(src))[0] == 200
        running.clear_requests()
        assert running.cdn_requests() == []


def test_localise_moves_only_blogger_static_hosts() -> None:
    text = json.dumps([
        "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEx/s640/a.jpg",
        "//resources.blogblog.com/img/blank.gif",
        "https://3.bp.blogspot.com/-a/b/c/d/s1600/x.jpg",
        "https://www.blogger.com/static/v1/widgets/1-widgets.js",
        "https://www.blogger.com/feeds/1/posts/default",
        "https://www.blogger.com/profile/1",
        "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js",
        "https://example.blogspot.com/2024/01/post.html",
    ])
    moved = json.loads(cdn.localise(text, "http://127.0.0.1:8000"))
    assert moved == [
        "http://127.0.0.1:8000/img/b/R29vZ2xl/AVvXsEx/s640/a.jpg",
        "//127.0.0.1:8000/img/blank.gif",
        "http://127.0.0.1:8000/-a/b/c/d/s1600/x.jpg",
        "http://127.0.0.1:8000/static/v1/widgets/1-widgets.js",
        "https://www.blogger.com/feeds/1/posts/default",
        "https://www.blogger.com/profile/1",
        "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js",
        "https://example.blogspot.com/2024/01/post.html",
    ]
    assert cdn.localise_bytes(text.encode(), "http://127.0.0.1:8000") == json.dumps(moved).encode()


@pytest.mark.parametrize(("spec", "size"), [
    ("s1600", (1600, 900)), ("s16000", (1600, 900)), ("s0", (1600, 900)), ("s640", (640, 360)),
    ("s72-c", (72, 72)), ("w640-h426", (640, 426)), ("w320", (320, 180)), ("h90", (160, 90)),
])
def test_image_dimensions(spec, size) -> None:
    assert imageurls.dimensions(spec) == size


def test_seed_post_shows_its_four_photos(site) -> None:
    post = site.blog("goahead").post(SEED_ID)
    _, tree = page(site, "goahead", post)
    assert tree.xpath("//div[contains(@class,'post-body')]//img/@src") == [
        site.served_url(u) for u in post.images
    ]


def test_command_line_prints_the_cdn_url():
    command = [sys.executable, "-m", "sampleblog", "--blog", "contempo", "--posts", "30",
               "--image-pool", "2"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().split()[0] == "contempo"
            name, url = proc.stdout.readline().split()
            assert name == "cdn"
            assert fetch(url + "robots.txt")[0] == 200
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0
