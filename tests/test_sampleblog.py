"""The bundled sample Blogger site behaves like blogspot, and its ground truth is consistent."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

from sampleblog import content, server
from sampleblog.markup import VIDEO_TEXT, normalise_text
from sampleblog.site import SiteOptions
from tests.conftest import SHARED

SEED_ID = "6402417935110832581"
SEED_DIR = SHARED / "seed-article"
BOILERPLATE = [
    "Go Ahead News",
    "ก้าวไปข้างหน้ากับเรา",
    "Breaking",
    "Home Top Ad",
    "Post Top Ad",
    "No comments:",
    "Post a Comment",
    "Post Bottom Ad",
]
ATOM = "{http://www.w3.org/2005/Atom}"
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)
BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "td", "tr", "table", "ul", "ol", "br"}


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, target, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, resp.headers, body


def get_json(url: str) -> dict:
    status, _, body = fetch(url)
    assert status == 200, url
    return json.loads(body)


def body_text(page: bytes) -> str:
    """Reference rendering of a page's post body: blocks become blank-line separated paragraphs."""
    tree = lxml_html.fromstring(page.decode("utf-8"))  # the HTTP charset, as a crawler must
    (body,) = tree.xpath("//div[contains(concat(' ', @class, ' '), ' post-body ')]")
    pieces: list[str] = []

    def walk(el) -> None:
        if el.tag == "iframe":  # an embedded video: the archive keeps a link, its text
            pieces.append(f"\n{VIDEO_TEXT}\n")
            return
        block = el.tag in BLOCKS
        pieces.append("\n" if block else "")
        pieces.append(el.text or "")
        for child in el:
            walk(child)
            pieces.append(child.tail or "")
        pieces.append("\n" if block else "")

    walk(body)
    lines = (normalise_text(line) for line in "".join(pieces).split("\n"))
    return "\n\n".join(line for line in lines if line)


def entry_ids(feed: dict) -> list[str]:
    return [e["id"]["$t"].rsplit("-", 1)[1] for e in feed["feed"].get("entry", [])]


@pytest.fixture(scope="module")
def site():
    with server.start() as running:
        yield running


@pytest.fixture(scope="module")
def big():
    with server.start(n_posts=400) as running:
        yield running


def test_robots_txt_is_blogspots(site):
    base = site.urls["goahead"]
    status, headers, body = fetch(base + "robots.txt")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert body.decode() == (
        "User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\nDisallow: /search\n"
        f"Allow: /\n\nSitemap: {base}sitemap.xml\n"
    )


def test_json_feed_caps_max_results_and_links_next_off_host(big):
    base = big.urls["goahead"]
    feed = get_json(base + "feeds/posts/default?alt=json&max-results=500")["feed"]
    assert feed["openSearch$totalResults"]["$t"] == "400"
    assert feed["openSearch$itemsPerPage"]["$t"] == "150"
    assert len(feed["entry"]) == 150
    nxt = next(link["href"] for link in feed["link"] if link["rel"] == "next")
    blog_id = big.blog("goahead").blog_id
    assert nxt == (
        f"https://www.blogger.com/feeds/{blog_id}/posts/default"
        "?start-index=151&max-results=150&alt=json"
    )
    first = feed["entry"][0]
    assert first["id"]["$t"].startswith(f"tag:blogger.com,1999:blog-{blog_id}.post-")
    assert {"published", "updated", "title", "content", "link", "author", "thr$total"} <= set(first)
    rels = {link["rel"] for link in first["link"]}
    assert {"alternate", "replies", "self", "edit"} <= rels


def test_paging_by_start_index_returns_every_post_once(big):
    base, seen, start = big.urls["goahead"], [], 1
    while True:
        page = get_json(f"{base}feeds/posts/default?alt=json&max-results=150&start-index={start}")
        if "entry" not in page["feed"]:  # Blogger omits the key on an empty page
            break
        seen += entry_ids(page)
        start += len(page["feed"]["entry"])
    assert len(seen) == len(set(seen)) == 400
    assert set(seen) == {p.post_id for p in big.blog("goahead").posts}


def test_atom_feed_parses_and_matches_json(site):
    base = site.urls["goahead"]
    _status, headers, body = fetch(base + "feeds/posts/default?max-results=5")
    assert headers["Content-Type"] == "application/atom+xml; charset=UTF-8"
    root = etree.fromstring(body, SAFE_XML)
    total = root.findtext("{http://a9.com/-/spec/opensearchrss/1.0/}totalResults")
    assert total == str(len(site.blog("goahead").posts)) == "12"
    atom_ids = [e.findtext(f"{ATOM}id").rsplit("-", 1)[1] for e in root.iter(f"{ATOM}entry")]
    assert atom_ids == entry_ids(get_json(base + "feeds/posts/default?alt=json&max-results=5"))


def test_json_escapes_like_blogger_and_content_is_html(site):
    _, _, raw = fetch(site.urls["goahead"] + "feeds/posts/default?alt=json&max-results=1")
    assert b"\\u003c" in raw
    assert b"<" not in raw
    entry = json.loads(raw)["feed"]["entry"][0]
    assert "<br />" in entry["content"]["$t"]


def test_feed_filters(site):
    base, posts = site.urls["goahead"], site.blog("goahead").posts
    cut = posts[3].published  # exclusive upper bound
    page = get_json(f"{base}feeds/posts/default?alt=json&published-max={quote(cut)}")
    assert entry_ids(page) == [p.post_id for p in posts[4:]]
    newest_edit = max(posts, key=lambda p: p.updated_dt)
    bound = quote(newest_edit.updated)
    ignored = get_json(f"{base}feeds/posts/default?alt=json&updated-min={bound}")
    assert len(entry_ids(ignored)) == 12  # updated-min needs orderby=updated
    honoured = get_json(f"{base}feeds/posts/default?alt=json&orderby=updated&updated-min={bound}")
    assert entry_ids(honoured) == [newest_edit.post_id]
    status, _, _ = fetch(f"{base}feeds/posts/default?start-index=0")
    assert status == 400


def test_feed_order_is_the_field_named_by_orderby():
    """As on Blogger: ``orderby=updated`` lists the last edited first, ``published`` (and
    no orderby) the last published first; the crawl's ``published-max`` cursor and an
    incremental run's ``updated-min`` rely on it. The oldest post, edited last, shows it."""
    from sampleblog import routes
    from sampleblog.site import BlogSite

    blog = BlogSite(content.load_blog("goahead", 6))
    oldest = blog.posts[-1]
    blog.edit(oldest.post_id, "Edited after every other post.")

    def ids(**params: str) -> list[str]:
        got = routes.dispatch(routes.Request(blog, "http://127.0.0.1", "/feeds/posts/default",
                                             {"alt": "json", **params}))
        return entry_ids(json.loads(got.body))

    by_date = [p.post_id for p in blog.posts]
    assert ids(orderby="published") == ids() == by_date
    assert ids(orderby="updated") == [oldest.post_id, *by_date[:-1]]
    assert ids(orderby="updated", **{"max-results": "2", "start-index": "2"}) == by_date[:2]


def test_summary_feed_and_comments_feed(site):
    base = site.urls["goahead"]
    summary = get_json(base + "feeds/posts/summary?alt=json&max-results=3")["feed"]["entry"]
    assert all("summary" in e and "content" not in e for e in summary)
    commented = next(p for p in site.blog("goahead").posts if len(p.comments) == 3)
    comments = get_json(f"{base}feeds/{commented.post_id}/comments/default?alt=json")["feed"]
    assert comments["openSearch$totalResults"]["$t"] == "3"
    texts = {e["content"]["$t"] for e in comments["entry"]}
    assert texts == {c.text for c in commented.comments}
    listed = get_json(base + "feeds/posts/default?alt=json")["feed"]["entry"]
    entry = next(e for e in listed if e["id"]["$t"].endswith(commented.post_id))
    assert entry["thr$total"]["$t"] == "3"


def test_sitemap_index_lists_every_post(big):
    base = big.urls["goahead"]
    _, _, index = fetch(base + "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = etree.fromstring(index, SAFE_XML).xpath("//s:sitemap/s:loc/text()", namespaces=ns)
    assert locs == [f"{base}sitemap.xml?page={n}" for n in (1, 2, 3)]
    urls = []
    for loc in locs:
        _, _, page = fetch(loc)
        urls += etree.fromstring(page, SAFE_XML).xpath("//s:url/s:loc/text()", namespaces=ns)
    assert sorted(urls) == sorted(base.rstrip("/") + p.path for p in big.blog("goahead").posts)
    _, _, pages = fetch(base + "sitemap-pages.xml")
    assert b"/p/about.html" in pages
    assert b"/p/contact.html" in pages


def test_post_page_gzip_etag_304_and_head(site):
    url = site.urls["goahead"] + "2024/01/blog-post.html"
    status, headers, body = fetch(url, {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Content-Type"] == "text/html; charset=UTF-8"
    page = gzip.decompress(body)
    assert f"post-body-{SEED_ID}".encode() in page
    status, _, body = fetch(url, {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    status, _, _ = fetch(url, {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    status, head_headers, body = fetch(url, method="HEAD")
    assert status == 200
    assert body == b""
    assert int(head_headers["Content-Length"]) == len(page)


def test_seed_article_page_and_ground_truth(site):
    post = site.blog("goahead").post(SEED_ID)
    assert (
        post.expected_text == (content.DATA / "goahead" / "seed-article.txt").read_text().rstrip()
    )
    assert post.published.startswith("2024-01-21T")
    assert post.published.endswith("+07:00")
    _, _, page = fetch(site.urls["goahead"].rstrip("/") + post.path)
    text = page.decode()
    for line in BOILERPLATE:
        assert line in text
    assert '<h2 class="date-header"><span>Sunday, January 21, 2024</span></h2>' in text
    assert f'<meta content="{SEED_ID}" itemprop="postId"/>' in text
    assert f"_WidgetManager._Init('//www.blogger.com/rearrange?blogID={post.blog_id}'" in text
    assert "&nbsp; &nbsp;" in text
    assert "adsbygoogle" in text
    assert body_text(page) == post.expected_text


@pytest.mark.skipif(not SEED_DIR.exists(), reason="shared/seed-article not beside the checkout")
def test_seed_copy_matches_shared_reference():
    reference = (SEED_DIR / "article.txt").read_text(encoding="utf-8").rstrip()
    expected = json.loads((SEED_DIR / "expected.json").read_text(encoding="utf-8"))
    post = content.load_blog("goahead").post(SEED_ID)
    assert post.expected_text == reference
    assert post.title == expected["title"]
    assert len(post.expected_text.split("\n\n")) == expected["paragraphs"]


@pytest.mark.parametrize("blog", ["goahead", "contempo"])
@pytest.mark.parametrize("synthetic", [False, True])
def test_every_post_body_renders_to_its_expected_text(site, big, blog, synthetic):
    runner = big if synthetic else site
    base = runner.urls[blog].rstrip("/")
    posts = runner.blog(blog).posts + runner.blog(blog).pages
    checked = [p for p in posts if p.synthetic][::9] if synthetic else posts
    assert len(checked) >= 7
    for post in checked:
        status, _, page = fetch(base + post.path)
        assert status == 200, post.path
        assert body_text(page) == post.expected_text, post.path


def test_contempo_markup(site):
    post = site.blog("contempo").posts[0]
    _, _, page = fetch(site.urls["contempo"].rstrip("/") + post.path)
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//article[contains(@class, 'post-outer-container')]")
    assert tree.xpath("//time[@class='published']/@datetime")[0] == post.published_dt.isoformat()
    labels = tree.xpath("//span[contains(@class, 'post-labels')]//a[@rel='tag']/text()")
    assert labels == post.labels
    assert not tree.xpath("//meta[@itemprop='postId']")
    assert tree.xpath(f"//a[@name='{post.post_id}']")


def test_mobile_variant_and_listings(site):
    base = site.urls["goahead"].rstrip("/")
    post = site.blog("goahead").posts[0]
    _, _, mobile = fetch(f"{base}{post.path}?m=1")
    assert body_text(mobile) == post.expected_text
    _, _, home = fetch(base + "/")
    older = lxml_html.fromstring(home).xpath("//a[@class='blog-pager-older-link']/@href")[0]
    assert re.fullmatch(
        re.escape(base) + r"/search\?updated-max=[^&]+%2B07:00&max-results=7", older
    )
    seen, url = [], f"{base}/2024/03/"
    while url:  # the archive chain reaches every post without touching /search
        tree = lxml_html.fromstring(fetch(url)[2])
        seen += tree.xpath("//div[contains(@class, 'post-body')]/@id")
        links = tree.xpath("//a[@class='blog-pager-older-link']/@href")
        url = links[0] if links else None
    assert len(seen) == 12


def test_label_feed_label_page_comment_permalink_and_atom_xml(site):
    base, posts = site.urls["goahead"], site.blog("goahead").posts
    label = "ผ้าทอ"
    tagged = [p.post_id for p in posts if label in p.labels]
    feed = get_json(f"{base}feeds/posts/default/-/{quote(label)}?alt=json")
    assert entry_ids(feed) == tagged
    _, _, page = fetch(f"{base}search/label/{quote(label)}")
    assert lxml_html.fromstring(page.decode()).xpath(
        "//h3[@class='post-title entry-title']/a/@href"
    )
    commented = next(p for p in posts if p.comments)
    status, _, page = fetch(f"{base.rstrip('/')}{commented.path}?showComment=1707700000000")
    assert status == 200
    assert body_text(page) == commented.expected_text
    assert commented.comments[0].text in page.decode()
    status, headers, _ = fetch(base + "atom.xml")
    assert (status, headers["Location"]) == (301, base + "feeds/posts/default")


def test_faults_and_not_found(site):
    base = site.urls["goahead"]
    assert fetch(base + "status/503")[0] == 503
    status, headers, _ = fetch(base + "retry-after")
    assert (status, headers["Retry-After"]) == (429, "1")
    status, _, body = fetch(base + "2020/01/no-such-post.html")
    assert status == 404
    assert b"does not exist" in body
    logged = site.requests("goahead")
    assert ("GET", "/2020/01/no-such-post.html", 404) in logged


def test_urls_follow_the_host_header(site):
    host = "goaheadnews.blogspot.com"
    _, _, body = fetch(site.urls["goahead"] + "feeds/posts/default?alt=json", {"Host": host})
    entry = json.loads(body)["feed"]["entry"][0]
    alternate = next(link["href"] for link in entry["link"] if link["rel"] == "alternate")
    assert alternate.startswith(f"http://{host}/2024/")


def test_site_options_faults():
    options = SiteOptions(
        feeds="summary", extra_sitemap_only_posts=2, deleted_in_sitemap=True, redirect_post=True
    )
    with server.start(["goahead"], options=options) as running:
        base, site = running.urls["goahead"].rstrip("/"), running.site("goahead")
        feed = get_json(base + "/feeds/posts/default?alt=json")["feed"]
        assert feed["openSearch$totalResults"]["$t"] == "10"
        assert all("content" not in e for e in feed["entry"])
        hidden = set(site.sitemap_only) - set(entry_ids({"feed": feed}))
        assert len(hidden) == 2
        _, _, sitemap = fetch(base + "/sitemap.xml?page=1")
        (deleted,) = site.deleted_paths
        assert deleted.encode() in sitemap
        assert fetch(base + deleted)[0] == 404
        ((old, new),) = site.redirects.items()
        status, headers, _ = fetch(base + old)
        assert (status, headers["Location"]) == (301, base + new)
    with server.start(["contempo"], options=SiteOptions(feeds="off")) as running:
        assert fetch(running.urls["contempo"] + "feeds/posts/default")[0] == 404


def test_publish_edit_delete_update_feeds_and_validators():
    with server.start(["contempo"]) as running:
        base, blog = running.urls["contempo"], running.blog("contempo")
        fresh = content.new_post(
            blog,
            "Ferry to Hiddensee",
            "First paragraph.\n\nSecond & last.",
            "2024-04-01T09:00:00.000+01:00",
            labels=["boats"],
        )
        running.publish("contempo", fresh)
        feed = get_json(base + "feeds/posts/default?alt=json")
        assert entry_ids(feed)[0] == fresh.post_id
        assert feed["feed"]["openSearch$totalResults"]["$t"] == "7"
        page_url = base.rstrip("/") + fresh.path
        _, headers, page = fetch(page_url)
        assert body_text(page) == "First paragraph.\n\nSecond & last."
        before = fresh.updated
        running.edit("contempo", fresh.post_id, "Rewritten text.")
        assert fresh.updated_dt > content.parse_ts(before)
        status, _, page = fetch(page_url, {"If-None-Match": headers["ETag"]})
        assert status == 200
        assert body_text(page) == "Rewritten text."
        running.delete("contempo", fresh.post_id)
        assert fetch(page_url)[0] == 404
        assert fresh.post_id not in entry_ids(get_json(base + "feeds/posts/default?alt=json"))


def test_synthetic_posts_are_deterministic():
    first = content.load_blog("goahead", 1000)
    second = content.load_blog("goahead", 1000)
    assert len(first.posts) == 1000
    assert [(p.post_id, p.path, p.expected_text) for p in first.posts] == [
        (p.post_id, p.path, p.expected_text) for p in second.posts
    ]
    sizes = [len(p.expected_text.encode()) for p in first.posts if p.synthetic]
    assert min(sizes) >= 900
    assert max(sizes) <= 8500
    assert len({p.path for p in first.posts}) == 1000
    assert any(p.comments for p in first.posts if p.synthetic)


def test_command_line_prints_urls_and_serves():
    command = [sys.executable, "-m", "sampleblog", "--blog", "contempo", "--cap", "2"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            name, url = proc.stdout.readline().split()
            assert name == "contempo"
            assert url.startswith("http://127.0.0.1:")
            feed = get_json(url + "feeds/posts/default?alt=json&max-results=50")
            assert len(feed["feed"]["entry"]) == 2
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0


def test_latency_delays_every_answer_without_queueing_them():
    """A distant host's round trip (bench/crawl.py --latency): every answer, the CDN's too,
    waits at least that long, and the waits overlap as a network's do: eight requests at
    once are not eight waits in a row (a queue would measure the server, not the network)."""
    for wrong in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="latency"):
            server.start(["goahead"], latency=wrong)
    latency = 0.4
    with server.start(["goahead"], latency=latency) as running:
        blog, cdn = running.urls["goahead"], running.cdn_url
        for url in (blog + "robots.txt", cdn + "robots.txt"):
            started = time.monotonic()
            assert fetch(url)[0] == 200
            assert time.monotonic() - started >= latency
        with ThreadPoolExecutor(8) as pool:
            started = time.monotonic()
            statuses = list(pool.map(lambda _: fetch(blog + "robots.txt")[0], range(8)))
            took = time.monotonic() - started
        assert statuses == [200] * 8
        assert latency <= took < 4 * latency  # in a row they would take 8 x latency


def test_command_line_latency():
    command = [sys.executable, "-m", "sampleblog", "--blog", "contempo", "--latency", "300"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            url = proc.stdout.readline().split()[1]
            started = time.monotonic()
            assert fetch(url + "robots.txt")[0] == 200
            assert time.monotonic() - started >= 0.3
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0


def test_a_new_comment_shows_in_the_comment_feeds_not_in_the_post_updated():
    """As on Blogger: the blog-wide comments feed (paged, ``updated-min`` with
    ``orderby=updated``) names the post a comment replies to; the post's ``updated`` (its
    feed entry, its sitemap lastmod) stays as it was."""
    with server.start(["goahead"]) as running:
        base, blog = running.urls["goahead"], running.blog("goahead")
        post = next(p for p in blog.posts if len(p.comments) == 3)
        updated = post.updated
        everything = get_json(base + "feeds/comments/default?alt=json")["feed"]
        total = sum(len(p.comments) for p in blog.posts)
        assert everything["openSearch$totalResults"]["$t"] == str(total)
        comment = running.add_comment("goahead", post.post_id, "Reader", "Late, but true.")
        assert post.updated == updated
        assert post.comments[-1] is comment
        bound = quote(comment.published)
        since = get_json(f"{base}feeds/comments/default?alt=json&orderby=updated"
                         f"&updated-min={bound}")["feed"]
        (entry,) = since["entry"]
        assert entry["id"]["$t"].endswith(f".post-{comment.comment_id}")
        assert entry["thr$in-reply-to"]["ref"].endswith(f".post-{post.post_id}")
        assert entry["thr$in-reply-to"]["href"] == base.rstrip("/") + post.path
        assert len(get_json(f"{base}feeds/comments/default?alt=json&updated-min={bound}")[
            "feed"]["entry"]) == total + 1  # updated-min needs orderby=updated
        paged = get_json(base + "feeds/comments/default?alt=json&start-index=2&max-results=2")
        now = get_json(base + "feeds/comments/default?alt=json")["feed"]["entry"]
        assert now[0]["id"]["$t"].endswith(f".post-{comment.comment_id}")  # newest first
        assert [e["id"]["$t"] for e in paged["feed"]["entry"]] == [
            e["id"]["$t"] for e in now[1:3]]
        own = get_json(f"{base}feeds/{post.post_id}/comments/default?alt=json")["feed"]
        assert own["openSearch$totalResults"]["$t"] == "4"


def test_comment_feeds_can_be_switched_off():
    options = SiteOptions(comment_feeds=False)
    with server.start(["goahead"], options=options) as running:
        base, post = running.urls["goahead"], running.blog("goahead").posts[0]
        assert fetch(base + "feeds/comments/default?alt=json")[0] == 404
        assert fetch(f"{base}feeds/{post.post_id}/comments/default")[0] == 404
        assert fetch(base + "feeds/posts/default?alt=json")[0] == 200
