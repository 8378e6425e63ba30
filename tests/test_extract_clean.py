"""What the cleaned HTML may hold: http, https and mailto links, http(s) images, absolute;
no scripts, styles, embedded documents, form controls, event handlers or other URL
attributes. Checked with the standard library's tokeniser (which decodes entities as a
browser does), not with lxml, so the cleaner is not its own judge."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goahead_crawler.blogger.feed import FeedEntry
from goahead_crawler.extract import extract_article
from goahead_crawler.extract.clean import safe_url

URL = "https://safe.blogspot.com/2024/01/post.html"
KEPT_ATTRIBUTES = {"href", "src", "alt", "title"}
ALLOWED_SCHEMES = {("a", "href"): {"http", "https", "mailto"}, ("img", "src"): {"http", "https"}}
NEVER_TAGS = {
    "script", "style", "iframe", "object", "embed", "applet", "frame", "frameset", "form",
    "input", "button", "select", "textarea", "noscript", "noembed", "noframes", "template",
    "svg", "math", "base", "link", "meta", "xmp", "plaintext", "title", "video", "audio",
    "source",
}  # fmt: skip
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def browser_scheme(url: str) -> str | None:
    """The scheme a browser would see: tabs and newlines dropped, edges stripped."""
    url = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    match = SCHEME.match(url)
    return match.group(1).lower() if match else None


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def problems(cleaned: str) -> list[str]:
    """Everything in the cleaned HTML that breaks the rules (empty when it is safe)."""
    parser = _Tags()
    parser.feed(cleaned)
    parser.close()
    found = []
    for tag, attrs in parser.found:
        if tag in NEVER_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name not in KEPT_ATTRIBUTES:
                found.append(f"<{tag} {name}>")
            elif name in ("href", "src"):
                allowed = ALLOWED_SCHEMES.get((tag, name), set())
                if browser_scheme(value or "") not in allowed:
                    found.append(f"<{tag} {name}={value!r}>")
    return found


def post_page(body: str) -> bytes:
    return (
        "<html><body><div class='post hentry'><h3 class='post-title'>Safe</h3>"
        f"<div class='post-body'>{body} Text.</div></div></body></html>"
    ).encode()


def assert_safe(article) -> None:
    assert problems(article.html) == []
    assert all(browser_scheme(u) in {"http", "https"} for u in article.images + article.outlinks)


HOSTILE = {
    "href javascript": "<a href=\"javascript:alert('href')\">x</a>",
    "href mixed case": '<a href="JaVaScRiPt:alert(2)">x</a>',
    "href leading space": '<a href=" javascript:alert(3)">x</a>',
    "href leading newline": '<a href="\njavascript:alert(3)">x</a>',
    "href tab entity": '<a href="jav&#x09;ascript:alert(4)">x</a>',
    "href newline entity": '<a href="jav&#x0A;ascript:alert(4)">x</a>',
    "href char refs": '<a href="&#106;&#97;vascript:alert(5)">x</a>',
    "href control char": '<a href="&#14;javascript:alert(6)">x</a>',
    "href nul": '<a href="java&#0;script:alert(6)">x</a>',
    "href html5 colon": '<a href="javascript&colon;alert(7)">x</a>',
    "href unquoted": "<a href=javascript:alert(8)>x</a>",
    "href vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "href data": '<a href="data:text/html,<script>alert(9)</script>">x</a>',
    "href file": '<a href="file:///etc/passwd">x</a>',
    "img src data": '<img src="data:text/html,<script>alert(10)</script>">',
    "img src javascript": '<img src="javascript:alert(11)">',
    "img srcset javascript": '<img srcset="javascript:alert(12) 1x, https://x.example/a.jpg 2x">',
    "img onerror": '<img src="x.jpg" onerror="alert(13)">',
    "img bad ipv6": '<img src="http://[::1/a.jpg">',
    "href on a paragraph": '<p href="javascript:alert(14)" src="javascript:1">x</p>',
    "style url": '<p style="background:url(javascript:alert(15))">x</p>',
    "onclick": '<p onclick="alert(16)" onmouseover="alert(16)">x</p>',
    "script": "<script>alert(17)</script><script src='https://evil.example/x.js'></script>",
    "style": "<style>body{background:url(javascript:alert(18))}</style>",
    "iframe": "<iframe src='javascript:alert(19)'></iframe><iframe srcdoc='<script>1</script>'>",
    "object embed": "<object data='javascript:alert(20)'></object><embed src='data:x'>",
    "form": "<form action='javascript:alert(21)'><input formaction='javascript:1'>"
    "<button formaction='javascript:2'>b</button><textarea>t</textarea></form>",
    "svg": "<svg><a xlink:href='javascript:alert(22)'><text>x</text></a></svg>",
    "math": "<math><mi xlink:href='javascript:alert(23)' href='javascript:1'>x</mi></math>",
    "base": "<base href='javascript:alert(24)//'><a href='/rel'>x</a>",
    "meta refresh": "<meta http-equiv='refresh' content='0;url=javascript:alert(25)'>",
    "blockquote cite": "<blockquote cite='javascript:alert(26)'>q</blockquote>",
    "video poster": "<video poster='javascript:1'><source src='javascript:2'></video>",
    "noscript mxss": '<noscript><p title="</noscript><img src=x onerror=alert(27)>"></noscript>',
    "area": "<map><area href='javascript:alert(28)'></map>",
    "frameset": "<frameset><frame src='javascript:alert(29)'></frameset>",
    "xmp": "<xmp><img src=x onerror=alert(30)></xmp>",
}


@pytest.mark.parametrize("markup", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markup_never_survives_cleaning(markup):
    article = extract_article(post_page(markup), URL)
    assert article.method == "blogger:classic"
    assert_safe(article)


@pytest.mark.parametrize("markup", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_feed_content_never_survives_cleaning(markup):
    page = b"<html><body><div class='post hentry'><div class='post-body'></div></div></body></html>"
    entry = FeedEntry(blog_id="1", post_id="2", url=URL, content_html=f"{markup} Text.")
    article = extract_article(page, URL, feed_entry=entry)
    assert article.method == "feed" or not article.text  # some swallow the text: no content
    assert_safe(article)


def test_hostile_markup_on_an_unfamiliar_template_never_survives():
    prose = "".join(f"<p>Paragraph {n} of the article, long enough to be prose. {m}</p>"
                    for n, m in enumerate(HOSTILE.values()))  # fmt: skip
    html = f"<html><body><article><h1>Post</h1>{prose}</article></body></html>"
    article = extract_article(html.encode(), URL)
    assert article.method == "fallback"
    assert "Paragraph 3 of the article" in article.text
    assert_safe(article)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<a href="/2024/02/next.html">n</a>', '<a href="https://safe.blogspot.com/2024/02/next.html">n</a>'),
        ('<a href="mailto:ed@example.org">mail</a>', '<a href="mailto:ed@example.org">mail</a>'),
        ('<a href="HTTPS://Other.example/x">o</a>', '<a href="https://Other.example/x">o</a>'),
        ('<img src="//cdn.example/a.jpg" alt="A">', '<img src="https://cdn.example/a.jpg" alt="A">'),
        ('<img src=" pic.jpg ">', '<img src="https://safe.blogspot.com/2024/01/pic.jpg">'),
        ('<a href="javascript:alert(1)" title="t">kept text</a>', '<a title="t">kept text</a>'),
        ('<img src="data:image/png;base64,AAAA" alt="gone">x', "<div>x Text.</div>"),
        # an image with a srcset only shows its first candidate (what a reader sees)
        ('<img srcset="https://x.example/a.jpg 2x" alt="A">x', '<img alt="A" src="https://x.example/a.jpg">x'),
    ],
)  # fmt: skip
def test_safe_urls_are_resolved_and_kept(markup, expected):
    article = extract_article(post_page(markup), URL)
    assert expected in article.html


def test_images_and_outlinks_obey_the_same_rule():
    markup = (
        "<a href='/a.html'>a</a><a href='javascript:x'>b</a><a href='mailto:m@x.org'>m</a>"
        "<img src='/i.jpg'><img src='data:image/gif;base64,R0lG'><img src='file:///i.jpg'>"
    )
    article = extract_article(post_page(markup), URL)
    assert article.outlinks == ["https://safe.blogspot.com/a.html"]
    assert article.images == ["https://safe.blogspot.com/i.jpg"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" https://a.example/x ", "https://a.example/x"),
        ("\tjava\nscript:alert(1)", None),
        ("mailto:a@b.org", None),  # not an image or web URL
        ("/x", "https://safe.blogspot.com/x"),
        ("http://[::1", None),
        ("http://", None),
    ],
)
def test_safe_url(value, expected):
    assert safe_url(value, URL) == expected


def test_relative_urls_without_a_web_base_are_dropped():
    assert safe_url("/x", "file:///home/me/page.html") is None
    assert safe_url("/x", "") is None


TAGS = ["a", "img", "p", "div", "span", "iframe", "form", "input", "object", "td", "blockquote"]
ATTRIBUTES = [
    "href", "src", "srcset", "action", "formaction", "data", "poster", "cite", "background",
    "longdesc", "style", "onclick", "onerror", "xlink:href", "ping", "title", "alt", "lowsrc",
]  # fmt: skip
PREFIXES = ["", "javascript:", "JaVaScRiPt:", " javascript:", "jav\tascript:", "data:",
            "vbscript:", "file:", "mailto:", "http://", "https://", "//", "/", "\x01"]  # fmt: skip


@given(
    st.lists(
        st.tuples(
            st.sampled_from(TAGS),
            st.sampled_from(ATTRIBUTES),
            st.sampled_from(PREFIXES),
            st.text(st.characters(codec="utf-8"), max_size=30),
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=150, deadline=None)
def test_arbitrary_attribute_values_never_give_an_unsafe_url(elements):
    markup = "".join(
        f'<{tag} {name}="{html_lib.escape(prefix + value, quote=True)}">x</{tag}>'
        for tag, name, prefix, value in elements
    )
    assert_safe(extract_article(post_page(markup), URL))


class _Nesting(HTMLParser):
    """Paragraphs opened inside an open paragraph (a browser would close the first)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = self.nested = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "p":
            self.nested += self.depth > 0
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.depth -= 1


@pytest.mark.parametrize(
    "body",
    [
        "<div>Intro<div>Inner one.</div><div>Inner two.</div>Outro</div>",
        "<div><p>A paragraph.</p><div><div>Deep.</div></div></div>",
        "<div dir='rtl'>مرحبا<div>عالم</div></div>",
        "<div><section><p>In a section.</p></section></div>",
        "<div><span>Inline <div>block in a span</div></span> after</div>",  # R824
    ],
)
def test_divs_holding_blocks_make_no_paragraph_in_a_paragraph(body):
    """``div`` -> ``p`` made ``<p>Intro<p>Inner one.</p>...</p>`` (a browser splits that
    differently); every paragraph's words are still there, each once, in order."""
    page = f"<html><body><div class='post-body'>{body}</div></body></html>".encode()
    article = extract_article(page, URL)
    checker = _Nesting()
    checker.feed(article.html)
    assert checker.nested == 0
    words = re.findall(r"\w+", re.sub(r"<[^>]+>", " ", body))
    assert re.findall(r"\w+", re.sub(r"<[^>]+>", " ", article.html)) == words
    assert ("dir=\"rtl\"" in article.html) is ("rtl" in body)
