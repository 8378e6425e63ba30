"""Images and listing pages end to end: whole crawls of the sample blog and its CDN (the local
stand-in for Blogger's image hosts), counted on the servers' side (issue 14).

Each image URL is fetched once per crawl whatever number of posts show it; a post's
``images`` lists the archived URLs and ``goahead warc-get`` returns their bytes; a re-crawl
asks conditionally and writes revisits; the CDN's robots.txt is honoured; ads and trackers
are never requested; ``--no-images`` fetches no article image; the home page and the month
archives are captured, ``/search`` never.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from warcio.archiveiterator import ArchiveIterator

from sampleblog import imageurls, markup
from sampleblog.content import new_post
from sampleblog.server import SampleSite, start
from sampleblog.statics import AD_TRACKER_HOSTS
from tests.conftest import CrawlFolder, run_goahead, run_row

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

N_POSTS = 40
IMAGE_POOL = 6  # few distinct photos: most are shown by several posts
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
REUSED = "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEhnongbua01/s640/weaving.jpg"
FRESH = "https://blogger.googleusercontent.com/img/a/AVvXsEfreshphoto01=w640-h426"
PROXIED = "https://blogger.googleusercontent.com/img/proxy/AVvXsEproxied01=s640"


@dataclass
class Blog(CrawlFolder):
    """The sample blog and its CDN, crawled into one archive; each crawl returns what the
    blog and the CDN were asked."""

    site: SampleSite
    out: Path
    crawls: list[tuple[list, list]] = field(default_factory=list)

    def crawl(self, *flags: str) -> tuple[list, list]:
        self.site.clear_requests()
        done = run_goahead("crawl", self.site.urls["goahead"], "--db", str(self.db),
                           "--warc-dir", str(self.warcs), "--delay", "0", "--concurrency", "8",
                           "--no-progress", "--static-origin", self.site.cdn_url, *flags)
        assert done.returncode == 0, (done.stdout, done.stderr[-3000:])
        self.crawls.append((self.site.requests("goahead"), self.site.cdn_requests()))
        return self.crawls[-1]

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def stats(self) -> dict:
        (stats,) = self.rows("select stats from runs order by id desc limit 1")[0]
        return json.loads(stats)

    def images(self) -> dict[str, list[str]]:
        return {url: json.loads(images) for url, images in self.rows(
            "select url, images from posts where kind = 'post'")}

    def served(self, path: str) -> bytes:
        with urlopen(self.site.cdn_url.rstrip("/") + path) as response:
            return response.read()


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Blog]:
    with start(["goahead"], n_posts=N_POSTS, image_pool=IMAGE_POOL) as site:
        crawled = Blog(site, tmp_path_factory.mktemp("images"))
        crawled.crawl()
        yield crawled


def paths(log: list[tuple[str, str, int]]) -> Counter[str]:
    return Counter(path for method, path, _ in log if method == "GET")


def records(warcs: Path) -> list[tuple[str, str, str | None]]:
    """(type, target URI, revisit profile) of every record."""
    found = []
    for path in sorted(warcs.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                h = record.rec_headers
                found.append((record.rec_type, h.get_header("WARC-Target-URI"),
                              h.get_header("WARC-Profile")))
    return found


def test_each_image_is_fetched_once_and_listed_as_archived(blog: Blog) -> None:
    _, cdn = blog.crawls[0]
    fetched = paths(cdn)
    assert fetched.pop("/robots.txt") == 1  # the CDN's own robots.txt, asked once
    assert set(fetched.values()) == {1}  # every image URL once, whatever number of posts
    assert all(status == 200 for _, _, status in cdn)
    served = blog.site.blog("goahead").posts
    shown = [blog.site.served_url(u) for p in served for u in p.images]
    assert len(shown) > len(set(shown))  # photos repeat across posts
    rows = blog.images()
    for post in served:
        thumbs = [blog.site.served_url(u) for u in post.images]
        full = [blog.site.served_url(imageurls.full_size(u)) for u in post.images]
        expected = [u for pair in zip(thumbs, full, strict=True) for u in pair]
        assert rows[blog.site.urls["goahead"].rstrip("/") + post.path] == expected
    archived = {u for images in rows.values() for u in images}
    assert {urlsplit(u).path for u in archived} == set(fetched)
    stats = blog.stats()
    assert stats["goahead/images/captured"] == len(fetched)
    assert "goahead/images/failed" not in stats


def test_warc_get_returns_an_image(blog: Blog, tmp_path: Path) -> None:
    url = next(u for images in blog.images().values() for u in images)
    done = subprocess.run([sys.executable, "-m", "goahead_crawler", "warc-get", url, "--db",
                           str(blog.db), "--warc-dir", str(blog.warcs)],
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == blog.served(urlsplit(url).path)
    assert done.stdout.startswith(b"\xff\xd8")  # a JPEG


def test_listing_pages_are_captured_and_search_pages_never(blog: Blog) -> None:
    requests, _ = blog.crawls[0]
    fetched = paths(requests)
    months = {p.path[:len("/YYYY/MM/")] for p in blog.site.blog("goahead").posts}
    assert fetched["/"] == 1
    assert all(fetched[m] == 1 for m in months)
    assert not [p for p in fetched if p.startswith("/search")]
    assert blog.stats()["goahead/listings/captured"] == 1 + len(months)


def test_no_ad_or_tracker_is_requested_or_archived(blog: Blog) -> None:
    stats = blog.stats()
    assert "goahead/failed/requests" not in stats  # no DNS failure: nothing was tried
    assert "goahead/scope/refused" not in stats  # refused before any request was made
    hosts = {urlsplit(uri).hostname for _, uri, _ in records(blog.warcs) if uri}
    assert hosts == {"127.0.0.1"}
    assert hosts.isdisjoint(AD_TRACKER_HOSTS)


def test_a_post_stored_after_its_images_keeps_its_own_page_metadata(blog: Blog) -> None:
    """Posts held for their images are stored from an image's callback: their page
    metadata record (kind, outlinks) still names the post page, never the image."""
    kinds = []
    for path in sorted(blog.warcs.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                body = record.content_stream().read() if record.rec_type == "metadata" else b""
                if b"goahead-kind:" in body:
                    kinds.append(record.rec_headers.get_header("WARC-Target-URI"))
    assert len(kinds) == len(blog.rows("select url from posts"))
    assert all(urlsplit(uri).path.endswith(".html") for uri in kinds)


def test_every_warc_file_passes_warcio_check(blog: Blog) -> None:
    files = [str(p) for p in sorted(blog.warcs.glob("*.warc.gz"))]
    check = subprocess.run([sys.executable, "-c", "from warcio.cli import main; main()",
                            "check", "-v", *files], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_recrawl_asks_conditionally_and_writes_revisits(blog: Blog) -> None:
    """A new post shows a photo captured before, a new photo and one under the CDN's
    robots.txt-disallowed /img/proxy/: the first answers 304 (a server-not-modified
    revisit), the second is fetched, the third never."""
    site = blog.site
    post = new_post(site.blog("goahead"), "Photos again", "Three photos.",
                    "2025-06-01T09:00:00+07:00")
    post.body_html += "".join(markup.image_html(u) for u in (REUSED, FRESH, PROXIED))
    site.publish("goahead", post)
    _, cdn = blog.crawl()
    asked = {path: status for _, path, status in cdn}
    reused, fresh = (urlsplit(site.served_url(u)).path for u in (REUSED, FRESH))
    assert asked[reused] == 304
    assert asked[fresh] == 200
    assert not [p for p in asked if p.startswith("/img/proxy/")]
    assert blog.stats()["goahead/images/robots_forbidden"] == 2  # thumbnail and full size
    revisits = {uri for kind, uri, profile in records(blog.warcs)
                if kind == "revisit" and profile == NOT_MODIFIED}
    assert site.served_url(REUSED) in revisits
    url = site.urls["goahead"].rstrip("/") + post.path
    assert blog.images()[url] == [site.served_url(u) for u in (
        REUSED, imageurls.full_size(REUSED), FRESH, imageurls.full_size(FRESH))]


def test_a_full_recrawl_writes_identical_payload_revisits(blog: Blog) -> None:
    _, cdn = blog.crawl("--full")
    fetched = paths(cdn)
    fetched.pop("/robots.txt")
    assert set(fetched.values()) == {1}  # once per crawl again
    revisits = {uri for kind, uri, profile in records(blog.warcs)
                if kind == "revisit" and profile.endswith("/identical-payload-digest")}
    images = {u for images in blog.images().values() for u in images}
    assert images <= revisits


def test_no_images_fetches_no_article_image(tmp_path: Path) -> None:
    """--no-images --requisites: the template's files only, every one once."""
    with start(["goahead"]) as site:
        crawled = Blog(site, tmp_path)
        _, cdn = crawled.crawl("--no-images", "--requisites")
        fetched = paths(cdn)
        article = {urlsplit(site.served_url(u)).path for p in site.blog("goahead").posts
                   for u in (*p.images, *map(imageurls.full_size, p.images))}
        assert set(fetched.values()) == {1}
        assert "/static/v1/widgets/2437439463-css_bundle_v2.css" in fetched
        assert "/img/share_buttons_20_3.png" in fetched  # named inside the stylesheet
        assert article.isdisjoint(fetched)
        assert all(images == [] for images in crawled.images().values())


def test_images_on_another_host_are_said_not_captured(tmp_path: Path) -> None:
    """A blog whose photos come from a host of its own (a custom domain's CDN, here the
    sample CDN) crawled without --static-origin: no image is fetched, as documented, and
    the crawl says so after its summary, naming the host and the option, rather than a
    silent 'images ok/failed 0 / 0'. With the origin given, nothing is said: not even of a
    tracking pixel in a post, which no option would capture."""
    with start(["goahead"]) as site:
        pixel = new_post(site.blog("goahead"), "Pixel", "Counted.", "2025-01-01T10:00:00+07:00")
        pixel.body_html += f'<p><img src="https://{AD_TRACKER_HOSTS[2]}/collect?v=1"></p>'
        site.publish("goahead", pixel)
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(tmp_path / "a.db"),
                           "--warc-dir", str(tmp_path / "warcs"), "--delay", "0",
                           "--no-progress")
        again = run_goahead("crawl", site.urls["goahead"], "--db", str(tmp_path / "b.db"),
                            "--warc-dir", str(tmp_path / "warcs-b"), "--delay", "0",
                            "--no-progress", "--static-origin", site.cdn_url)
    assert done.returncode == 0, done.stderr
    assert "images ok/failed         │                   0 / 0" in done.stdout
    notes = [line for line in done.stderr.splitlines() if "not captured" in line]
    assert len(notes) == 1, done.stderr
    assert notes[0].startswith(f"note: {site.urls['goahead']}: ")
    cdn = site.cdn_url.rstrip("/")
    assert f"(first: {cdn}/img/" in notes[0]
    assert f"crawl again with --full --static-origin {cdn} (without --full" in notes[0]
    # each image counted once, however many posts show it: those the crawl with the
    # origin given asked for (each once) and the first did not
    asked = [json.loads(run_row(tmp_path / db)["stats"]).get("goahead/images/requested", 0)
             for db in ("a.db", "b.db")]
    assert asked[1] > asked[0]
    assert f": {asked[1] - asked[0]} images its posts show are on other hosts" in notes[0]
    assert again.returncode == 0, again.stderr
    assert "not captured" not in again.stderr


def test_the_notes_advice_captures_the_images_in_the_same_archive(tmp_path: Path) -> None:
    """The note's advice, followed to the letter into the same archive: that next crawl
    is incremental, and fetched no post again, so no image either ("images ok/failed
    0 / 0", result ok, and no note any more). The advice now says --full, and the images
    are in the archive after it."""
    with start(["goahead"]) as site:
        folder = Blog(site, tmp_path)
        args = ["--db", str(folder.db), "--warc-dir", str(folder.warcs),
                "--delay", "0", "--no-progress"]
        first = run_goahead("crawl", site.urls["goahead"], *args)
        assert first.returncode == 0, first.stderr
        note = next(line for line in first.stderr.splitlines() if "not captured" in line)
        advice = note.split("crawl again with ", 1)[1].split(" (", 1)[0].split()
        again = run_goahead("crawl", site.urls["goahead"], *args, *advice)
    assert again.returncode == 0, again.stderr
    captured = sum(len(images) for images in folder.images().values())
    assert captured > 0, (advice, again.stdout)


def test_from_a_sites_file_the_notes_full_crawl_is_of_that_blog_alone(tmp_path: Path) -> None:
    """From a sites.toml the advice was "--full and static_origins = [...] in its table":
    ``--sites sites.toml --full`` fetches every post of every blog in the file again, for
    one blog's images. It says the table's line for the crawls to come and, once, a full
    crawl of that blog alone; followed, it captures the images and asks the other blog
    for nothing."""
    with start(["goahead", "contempo"]) as site:
        folder = Blog(site, tmp_path)
        sites = tmp_path / "sites.toml"
        sites.write_text("".join(f'[[site]]\nname = "{name}"\nurl = "{site.urls[name]}"\n'
                                 for name in ("goahead", "contempo")))
        where = ["--db", str(folder.db), "--warc-dir", str(folder.warcs), "--delay", "0",
                 "--no-progress"]
        first = run_goahead("crawl", "--sites", str(sites), *where)
        assert first.returncode == 0, first.stderr
        note = next(line for line in first.stderr.splitlines()
                    if line.startswith(f"note: {site.urls['goahead']}: ")
                    and "not captured" in line)
        advice = note.split("crawl again with ", 1)[1]
        assert advice.startswith(f'static_origins = ["{site.cdn_url.rstrip("/")}"] in its'
                                 " sites.toml table"), advice
        once = advice.split("once, for this blog alone: ", 1)[1].split(" (", 1)[0].split()
        assert once[:3] == ["goahead", "crawl", site.urls["goahead"]], once
        site.clear_requests()
        again = run_goahead(*once[1:], *where)
        asked_other = site.requests("contempo")
    assert again.returncode == 0, again.stderr
    assert sum(len(images) for images in folder.images().values()) > 0, (once, again.stdout)
    assert asked_other == [], asked_other  # the other blog of the file: not crawled again


def test_a_scrapy_way_crawl_logs_the_note_with_the_settings_to_give(tmp_path: Path) -> None:
    """``scrapy crawl`` and a Scrapyd job print no summary and no note: their images on
    another host were only a stat (images ok/failed 0 / 0 in the dump, not a word). The
    note is in their log now, with the settings to give, and those settings, given to the
    same archive, capture the images."""
    root = Path(__file__).resolve().parents[1]
    with start(["goahead"]) as site:
        folder = Blog(site, tmp_path)
        crawl = [sys.executable, "-m", "scrapy", "crawl", "blogger", "-a",
                 f"url={site.urls['goahead']}", "-s", f"GOAHEAD_ARCHIVE_DB={folder.db}",
                 "-s", f"GOAHEAD_WARC_DIR={folder.warcs}", "-s", "DOWNLOAD_DELAY=0"]
        first = subprocess.run(crawl, capture_output=True, text=True, cwd=root, timeout=300,
                               check=False)
        assert first.returncode == 0, first.stderr[-3000:]
        note = next((line for line in first.stderr.splitlines() if "not captured" in line),
                    None)
        assert note is not None, first.stderr[-3000:]
        assert f"(first: {site.cdn_url.rstrip('/')}/img/" in note
        advice = note.split("crawl again with ", 1)[1].split(" (", 1)[0].split()
        again = subprocess.run([*crawl, *advice], capture_output=True, text=True, cwd=root,
                               timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    assert not any("not captured" in line for line in again.stderr.splitlines())
    assert sum(len(images) for images in folder.images().values()) > 0, advice


def test_a_broken_image_is_left_out_and_a_lost_one_makes_the_run_incomplete(
        tmp_path: Path) -> None:
    """An image its host answers 404 for is what the blog's readers saw too: left out of
    the post's ``images``, counted, no failure. One still answering 503 after the retries
    is a failure of the run (incomplete, exit status 1, listed with its URL), but not of
    its post, which is stored with the images that were archived."""
    with start(["goahead"]) as site:
        post = site.blog("goahead").post("6402417935110832581")  # four photos
        thumbs = [site.served_url(u) for u in post.images]
        gone, lost = thumbs[0], thumbs[1]
        site.fail("cdn", urlsplit(gone).path, 404)
        site.fail("cdn", urlsplit(lost).path, 503)
        market = site.blog("goahead").post("8847720169320046117")  # one photo: both its
        for url in (*market.images, *map(imageurls.full_size, market.images)):  # URLs 404,
            site.fail("cdn", urlsplit(site.served_url(url)).path, 404)  # the last releases it
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(tmp_path / "a.db"),
                           "--warc-dir", str(tmp_path / "warcs"), "--delay", "0",
                           "--no-progress", "--static-origin", site.cdn_url)
    assert done.returncode == 1, done.stderr[-3000:]
    run = run_row(tmp_path / "a.db")
    assert run["status"] == "incomplete"
    stats = json.loads(run["stats"])
    failures = json.loads(stats["goahead/failures"])
    assert [(f["url"], f["error"], f["listed"]) for f in failures] == [
        (lost, "HTTP 503", False)]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        (images,) = conn.execute("select images from posts where url like ?",
                                 (f"%{post.path}",)).fetchone()
    stored = json.loads(images)
    assert gone not in stored
    assert lost not in stored
    assert set(thumbs[2:]) <= set(stored)
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("select images from posts where url like ?",
                            (f"%{market.path}",)).fetchone() == ("[]",)
    assert stats["goahead/images/failed"] == 4
    assert stats["goahead/posts/failed"] == 0


def test_an_image_url_scrapy_cannot_request_fails_alone_and_its_post_is_stored(
        tmp_path: Path) -> None:
    """A URL no request can be made of (a full-width backslash in its host: the scope
    takes it, w3lib refuses it) failed inside the post's callback, and the post was lost.
    Now that image fails, counted and said, like one its host refuses; the post is stored
    with its other image, and one image written two ways is fetched once."""
    hostile = "https://\uff3c.bp.blogspot.com/x.jpg"
    with start(["goahead"]) as site:
        photo = site.served_url(site.blog("goahead").post("6402417935110832581").images[0])
        post = new_post(site.blog("goahead"), "Hostile", "ข้อความ", "2025-06-01T09:00:00+07:00")
        post.body_html += (f'<p><img src="{hostile}"><img src="{photo}">'
                           f'<img src="{photo}#again"></p>')
        site.publish("goahead", post)
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(tmp_path / "a.db"),
                           "--warc-dir", str(tmp_path / "warcs"), "--delay", "0",
                           "--no-progress", "--static-origin", site.cdn_url)
        fetched = paths(site.cdn_requests())
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Spider error" not in done.stderr
    assert f"Could not capture image {hostile}" in done.stderr
    assert fetched[urlsplit(photo).path] == 1
    stats = json.loads(run_row(tmp_path / "a.db")["stats"])
    assert stats["goahead/images/failed"] == 1
    with sqlite3.connect(tmp_path / "a.db") as conn:
        (images,) = conn.execute("select images from posts where title = 'Hostile'").fetchone()
    assert json.loads(images) == [photo]


def test_a_feed_entry_nobody_can_fetch_is_a_failure_and_the_rest_is_stored(
        tmp_path: Path) -> None:
    """An entry linking to http://[oops stopped its feed page being read (every post of
    it lost, run after run), and then the run's own record failed to finish."""
    with start(["goahead"]) as site:
        server = site._servers["goahead"]
        served = server.app

        def with_a_broken_entry(base: str, path: str, params: dict[str, str]):
            response = served(base, path, params)
            if path == "/feeds/posts/default" and params.get("alt") == "json":
                feed = json.loads(response.body)
                entry = json.loads(json.dumps(feed["feed"]["entry"][0]))
                entry["id"]["$t"] = entry["id"]["$t"].rsplit("-", 1)[0] + "-999999"
                for link in entry["link"]:
                    if link["rel"] == "alternate":
                        link["href"] = "http://[oops/2024/01/x.html"
                feed["feed"]["entry"].insert(0, entry)
                response.body = json.dumps(feed).encode()
            return response

        server.app = with_a_broken_entry
        done = run_goahead("crawl", site.urls["goahead"], "--db", str(tmp_path / "a.db"),
                           "--warc-dir", str(tmp_path / "warcs"), "--delay", "0",
                           "--no-progress", "--no-images")
        posts = len(site.blog("goahead").posts)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    run = run_row(tmp_path / "a.db")
    assert run["status"] == "incomplete"
    failures = json.loads(json.loads(run["stats"])["goahead/failures"])
    assert [f["url"] for f in failures] == ["http://[oops/2024/01/x.html"]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("select count(*) from posts where kind = 'post'").fetchone() == (
            posts,)
