"""The Go Ahead News template: a third-party news theme (Sora/Templateify style) on classic
Blogger markup, with the ad widgets, "Breaking" ticker and sidebars seen on the real site.

The rendered text of a post page reads, in order: blog title, tagline, "Breaking",
"Home Top Ad", "Post Top Ad", the date header, the title, the body, ..., "No comments:",
"Post a Comment", "Post Bottom Ad" (see shared/seed-article/page-as-text.txt).
"""

from __future__ import annotations

import itertools
import json

from sampleblog import imageurls, statics
from sampleblog import render_common as rc
from sampleblog.content import Post
from sampleblog.render_common import Ctx, esc

WIDGETS: list[rc.Widget] = [
    ("Header1", "Header", "Go Ahead News (Header)", "header"),
    ("PageList1", "PageList", "Pages", "menu"),
    ("HTML200", "HTML", "Breaking", "ticker"),
    ("HTML301", "HTML", "Home Top Ad", "home-ad-top"),
    ("HTML302", "HTML", "Post Top Ad", "post-ad-top"),
    ("Blog1", "Blog", "Blog Posts", "main"),
    ("HTML303", "HTML", "Post Bottom Ad", "post-ad-bottom"),
    ("PopularPosts1", "PopularPosts", "Popular Posts", "sidebar"),
    ("Label1", "Label", "Labels", "sidebar"),
    ("BlogArchive1", "BlogArchive", "Blog Archive", "sidebar"),
    ("HTML5", "HTML", "Facebook", "sidebar"),
    ("Attribution1", "Attribution", "", "footer"),
]
_W = {w[0]: w for w in WIDGETS}

STYLE = f"""<style type="text/css">
{statics.font_face("Sarabun", statics.SARABUN_TTF)}
body{{font:normal normal 14px 'Sarabun',sans-serif;color:#222;background:#f4f4f4}}
#header{{background:#fff url({statics.HEADER_TILE}) repeat-x}}
#outer-wrapper{{max-width:1100px;margin:0 auto;background:#fff}}
.ticker .widget-content span{{display:inline-block}}.post-title{{font-size:26px;line-height:1.4}}
.post-body{{font-size:16px;line-height:1.8}}.tr-caption{{font-size:12px;color:#666}}
#sidebar-wrapper{{float:right;width:300px}}.related-posts li{{list-style:none}}
.popular-posts .item-thumbnail{{float:left;margin-right:6px}}
</style>"""


def _document(ctx: Ctx, title: str, head: str, main: str, post: Post | None) -> str:
    blog = ctx.blog
    body_class = "mobile" if ctx.mobile else "desktop"
    viewport = '<meta content="width=device-width,initial-scale=1" name="viewport"/>'
    pages = "".join(
        f'<li><a href="{ctx.base}{p.path}">{esc(p.title)}</a></li>' for p in ctx.blog.pages
    )
    return f"""<!DOCTYPE html>
<html class="v2" dir="ltr" lang="th" xmlns="http://www.w3.org/1999/xhtml" xmlns:b="http://www.google.com/2005/gml/b" xmlns:data="http://www.google.com/2005/gml/data" xmlns:expr="http://www.google.com/2005/gml/expr">
<head>
<meta content="text/html; charset=UTF-8" http-equiv="Content-Type"/>
{viewport if ctx.mobile else '<meta content="width=1100" name="viewport"/>'}
<title>{esc(title)}</title>
{head}
{statics.stylesheet_link()}
{statics.trackers(ads=True)}
{STYLE}
</head>
<body class="{ctx.page_type}-view {body_class}">
<div id="outer-wrapper">
<div class="header section" id="header"><div class="widget Header" data-version="1" id="Header1"><div id="header-inner"><a href="{ctx.base}/" style="display: block"><img alt="{esc(blog.title)}" height="80" id="Header1_headerimg" src="{statics.GOAHEAD_LOGO}" width="400"/></a><div class="titlewrapper"><h1 class="title"><a href="{ctx.base}/">{esc(blog.title)}</a></h1></div><div class="descriptionwrapper"><p class="description"><span>{esc(blog.tagline)}</span></p></div></div></div></div>
<nav class="menu section" id="menu"><div class="widget PageList" data-version="1" id="PageList1"><div class="widget-content"><ul class="menu-list"><li><a href="{ctx.base}/"></a></li>{pages}</ul></div></div></nav>
<div class="ticker section" id="ticker">{rc.html_widget(_W["HTML200"], '<span data-label="recent" data-no="6" data-type="ticker"></span>')}</div>
<div class="home-ad section" id="home-ad-top">{rc.html_widget(_W["HTML301"], rc.adsense("1234567890"))}</div>
<div id="content-wrapper">
<div id="main-wrapper">
{main}
</div>
{"" if ctx.mobile else _sidebar(ctx)}
</div>
<div class="footer section" id="footer"><div class="widget Attribution" data-version="1" id="Attribution1"><div class="widget-content" style="text-align: center;">Powered by <a href="https://www.blogger.com" target="_blank">Blogger</a>.</div></div><p class="copyright">Copyright © {esc(blog.title)}</p></div>
{_mobile_switch(ctx) if ctx.mobile else ""}
</div>
{rc.widget_scripts(ctx, WIDGETS, post, post.title if post else blog.title)}
</body>
</html>
"""


def _mobile_switch(ctx: Ctx) -> str:
    return f'<div class="mobile-desktop-link"><a class="home-link" href="{esc(ctx.url)}?m=0">View web version</a></div>'


def _sidebar(ctx: Ctx) -> str:
    popular = "".join(
        f'<li><div class="item-content">{_thumbnail(ctx, p)}<div class="item-title"><a href="{rc.post_url(ctx, p)}">'
        f'{esc(p.title)}</a></div><div class="item-snippet">{esc(rc.post_snippet(p))}</div>'
        "</div></li>"
        for p in ctx.popular
    )
    labels = "".join(
        f'<li><a dir="ltr" href="{ctx.base}/search/label/{esc(name)}">{esc(name)}</a>'
        f'<span dir="ltr">({count})</span></li>'
        for name, count in ctx.labels
    )
    months = "".join(
        f'<li class="archivedate"><a class="post-count-link" href="{ctx.base}/{month}/">{rc.month_label(month)}'
        f'</a> <span class="post-count" dir="ltr">({count})</span></li>'
        for month, count in ctx.months
    )
    facebook = (
        '<div class="fb-page" data-href="https://www.facebook.com/goaheadnews"></div>'
        f'<script async="async" crossorigin="anonymous" defer="defer" src="{esc(statics.FACEBOOK_SDK)}">'
        "</script>"
    )
    return f"""<div id="sidebar-wrapper"><div class="sidebar section" id="sidebar">
<div class="widget PopularPosts" data-version="1" id="PopularPosts1"><h2>Popular Posts</h2><div class="widget-content popular-posts"><ul>{popular}</ul></div></div>
<div class="widget Label" data-version="1" id="Label1"><h2>Labels</h2><div class="widget-content list-label-widget-content"><ul>{labels}</ul></div></div>
<div class="widget BlogArchive" data-version="1" id="BlogArchive1"><h2>Blog Archive</h2><div class="widget-content"><div id="ArchiveList"><ul class="flat">{months}</ul></div></div></div>
{rc.html_widget(_W["HTML5"], facebook)}
</div></div>"""


def _thumbnail(ctx: Ctx, post: Post) -> str:
    """Popular Posts show each post's first image, cropped to 72 px (``s72-c``)."""
    if not post.images:
        return ""
    src = imageurls.resized(post.images[0], "s72-c")
    return (
        f'<div class="item-thumbnail"><a href="{rc.post_url(ctx, post)}" target="_blank">'
        f'<img alt="" border="0" height="72" src="{esc(src)}" width="72"/></a></div>'
    )


def _json_ld(ctx: Ctx, post: Post) -> str:
    data = {
        "@context": "http://schema.org",
        "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": rc.post_url(ctx, post)},
        "headline": post.title,
        "datePublished": rc.iso_seconds(post.published),
        "dateModified": rc.iso_seconds(post.updated),
        "author": {"@type": "Person", "name": post.author},
        "publisher": {"@type": "Organization", "name": ctx.blog.title},
    }
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{payload}</script>'


def _post_div(ctx: Ctx, post: Post, full: bool) -> str:
    url = rc.post_url(ctx, post)
    image = f'<meta content="{esc(post.images[0])}" itemprop="image_url"/>' if post.images else ""
    if full:
        title = f'<h1 class="post-title entry-title" itemprop="name">{esc(post.title)}</h1>'
        body = post.body_html
    else:
        title = f'<h3 class="post-title entry-title" itemprop="name"><a href="{url}">{esc(post.title)}</a></h3>'
        body = (
            f'<div class="post-snippet">{esc(rc.post_snippet(post, 220))}</div>'
            f'<div class="jump-link"><a href="{url}#more" title="{esc(post.title)}">Read more »</a></div>'
        )
    author = (
        '<span class="post-author vcard">Posted by <span class="fn" itemprop="author" itemscope="itemscope" '
        f'itemtype="http://schema.org/Person"><a class="g-profile" href="https://www.blogger.com/profile/'
        f'{ctx.blog.profile_id}" rel="author" title="author profile"><span itemprop="name">{esc(post.author)}'
        "</span></a></span></span>"
    )
    stamp = (
        f'<span class="post-timestamp"> at <meta content="{url}" itemprop="url"/><a class="timestamp-link" '
        f'href="{url}" rel="bookmark" title="permanent link"><abbr class="published" itemprop="datePublished" '
        f'title="{rc.iso_seconds(post.published)}">{rc.short_time(post.published)}</abbr></a></span>'
    )
    return f"""<div class="post-outer"><div class="post hentry uncustomized-post-template" itemprop="blogPost" itemscope="itemscope" itemtype="http://schema.org/BlogPosting">
{image}<meta content="{ctx.blog.blog_id}" itemprop="blogId"/><meta content="{post.post_id}" itemprop="postId"/>
<a name="{post.post_id}"></a>
{title}
<div class="post-header"><div class="post-header-line-1"></div></div>
<div class="post-body entry-content" id="post-body-{post.post_id}" itemprop="articleBody">
{body}<div style="clear: both;"></div>
</div>
<div class="post-footer"><div class="post-footer-line post-footer-line-1">{author}{stamp}</div>
<div class="post-footer-line post-footer-line-2"><span class="post-labels">{rc.labels_html(ctx, post)}</span></div>
<div class="post-footer-line post-footer-line-3">{rc.share_buttons(ctx, post)}</div></div>
</div></div>"""


def _related(ctx: Ctx, related: list[Post]) -> str:
    items = "".join(
        f'<li class="related-item"><a class="related-title" href="{rc.post_url(ctx, p)}">{esc(p.title)}</a>'
        f'<p class="related-snippet">{esc(rc.post_snippet(p, 120))}</p></li>'
        for p in related
    )
    return f'<div class="related-posts"><h4 class="related-headline">Related Posts</h4><ul>{items}</ul></div>'


def post_page(
    ctx: Ctx, post: Post, newer: str | None, older: str | None, related: list[Post]
) -> str:
    image = post.images[0] if post.images else None
    head = "\n".join(
        [
            rc.head_links(ctx, post.title, rc.post_snippet(post), image),
            rc.comments_feed_link(ctx, post),
            _json_ld(ctx, post),
        ]
    )
    main = f"""<div class="main section" id="main">
<div class="post-ad section" id="post-ad-top">{rc.html_widget(_W["HTML302"], rc.adsense("2345678901"))}</div>
<div class="widget Blog" data-version="1" id="Blog1"><div class="blog-posts hfeed">
<div class="date-outer"><h2 class="date-header"><span>{rc.date_header(post)}</span></h2>
<div class="date-posts">
{_post_div(ctx, post, full=True)}
{_related(ctx, related)}
{rc.classic_comments(ctx, post)}
</div></div></div>
{rc.blog_pager(ctx, newer, older, item=True)}
<div class="clear"></div>
{rc.post_feeds(ctx, post)}
</div>
<div class="post-ad section" id="post-ad-bottom">{rc.html_widget(_W["HTML303"], rc.adsense("3456789012"))}</div>
</div>"""
    return _document(ctx, f"{post.title} - {ctx.blog.title}", head, main, post)


def static_page(ctx: Ctx, page: Post) -> str:
    head = rc.head_links(ctx, page.title, rc.post_snippet(page), None)
    main = f"""<div class="main section" id="main"><div class="widget Blog" data-version="1" id="Blog1"><div class="blog-posts hfeed">
<div class="post-outer"><div class="post hentry"><a name="{page.post_id}"></a>
<h1 class="post-title entry-title">{esc(page.title)}</h1>
<div class="post-body entry-content" id="post-body-{page.post_id}">
{page.body_html}</div></div></div></div></div></div>"""
    return _document(ctx, f"{page.title} - {ctx.blog.title}", head, main, None)


def index_page(
    ctx: Ctx, posts: list[Post], heading: str, newer: str | None, older: str | None
) -> str:
    head = rc.head_links(ctx, ctx.blog.title, ctx.blog.tagline, None)
    groups = [
        f'<div class="date-outer"><h2 class="date-header"><span>{header}</span></h2>'
        f'<div class="date-posts">{"".join(_post_div(ctx, p, full=False) for p in day)}</div></div>'
        for header, day in itertools.groupby(posts, key=rc.date_header)
    ]
    status = (
        f'<div class="status-msg-wrap"><div class="status-msg-body">{esc(heading)}</div></div>'
        if heading
        else ""
    )
    if not posts:
        status += '<div class="status-msg-wrap"><div class="status-msg-body">No posts.</div></div>'
    main = f"""<div class="main section" id="main"><div class="widget Blog" data-version="1" id="Blog1">
{status}<div class="blog-posts hfeed">
{"".join(groups)}
</div>
{rc.blog_pager(ctx, newer, older, item=False)}
<div class="blog-feeds"><div class="feed-links">Subscribe to: <a class="feed-link" href="{ctx.base}/feeds/posts/default" target="_blank" type="application/atom+xml">Posts (Atom)</a></div></div>
</div></div>"""
    return _document(ctx, ctx.blog.title, head, main, None)


def not_found(ctx: Ctx) -> str:
    head = rc.head_links(ctx, ctx.blog.title, ctx.blog.tagline, None)
    main = f'<div class="main section" id="main"><div class="widget Blog" data-version="1" id="Blog1">{rc.not_found_message()}</div></div>'
    return _document(ctx, ctx.blog.title, head, main, None)
