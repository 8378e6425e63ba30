"""Blogger's own 2017 Contempo theme: ``article.post-outer-container``, ``time.published``,
labels in ``span.byline.post-labels``, threaded comments, and no ``meta[itemprop=postId]``
(the post id is only in ``<a name>``, ``#post-body-ID``, share links and the widget data).
"""

from __future__ import annotations

from sampleblog import render_common as rc
from sampleblog import statics
from sampleblog.content import Comment, Post
from sampleblog.render_common import Ctx, esc

WIDGETS: list[rc.Widget] = [
    ("Header1", "Header", "Slow Road Notes (Header)", "header"),
    ("PageList2", "PageList", "Pages", "page_list_top"),
    ("Blog1", "Blog", "", "page_body"),
    ("Profile1", "Profile", "About me", "sidebar"),
    ("PopularPosts1", "PopularPosts", "Popular posts", "sidebar"),
    ("BlogArchive1", "BlogArchive", "Archive", "sidebar"),
    ("Label1", "Label", "Labels", "sidebar"),
    ("ReportAbuse1", "ReportAbuse", "", "sidebar"),
]

STYLE = f"""<style id="page-skin-1" type="text/css"><!--
{statics.font_face("Roboto", statics.ROBOTO_TTF)}
body{{background-color:#eeeeee;font:15px Roboto,sans-serif;color:#757575}}
.centered-top-container{{background:#fff url({statics.HEADER_TILE}) repeat-x}}
.post-outer-container{{background:#fff;padding:40px 48px;margin-bottom:24px}}
.post-title{{font:400 36px Roboto,sans-serif;color:#212121}}
--></style>"""


def _document(ctx: Ctx, title: str, head: str, main: str, post: Post | None) -> str:
    blog = ctx.blog
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="en">
<head>
<meta content="width=device-width, initial-scale=1" name="viewport"/>
<title>{esc(title)}</title>
<meta content="text/html; charset=UTF-8" http-equiv="Content-Type"/>
{head}
{statics.stylesheet_link()}
{STYLE}
<script async="async" src="{statics.CLIPBOARD_JS}"></script>
{statics.trackers(ads=False)}
</head>
<body class="version-1-3-3 variant-indie_light {ctx.page_type}-view{" mobile" if ctx.mobile else ""}">
<div class="page">
<header class="centered-top-container" role="banner"><div class="centered-top"><div class="blog-name container"><div class="container section" id="header"><div class="widget Header" data-version="2" id="Header1"><div class="header-widget"><div><h1><a href="{ctx.base}/">{esc(blog.title)}</a></h1></div><p>{esc(blog.tagline)}</p></div></div></div></div>
<nav role="navigation"><div class="centered-top-secondline section" id="page_list_top"><div class="widget PageList" data-version="2" id="PageList2"><div class="widget-content"><ul><li><a href="{ctx.base}/">Home</a></li>{"".join(f'<li><a href="{ctx.base}{p.path}">{esc(p.title)}</a></li>' for p in blog.pages)}</ul></div></div></div></nav></div></header>
<div class="page_body"><div class="centered">
<main class="centered-bottom" id="main" role="main" tabindex="-1">
<div class="main section" id="page_body" name="Page body">{main}</div>
</main>
</div></div>
{"" if ctx.mobile else _sidebar(ctx)}
</div>
{rc.widget_scripts(ctx, WIDGETS, post, post.title if post else blog.title)}
</body>
</html>
"""


def _sidebar(ctx: Ctx) -> str:
    popular = "".join(
        f'<div class="post"><div class="post-content"><h3 class="post-title"><a href="{rc.post_url(ctx, p)}">'
        f'{esc(p.title)}</a></h3><div class="item-content"><p class="snippet-item r-snippetized">'
        f"{esc(rc.post_snippet(p))}</p></div></div></div>"
        for p in ctx.popular[:3]
    )
    months = "".join(
        f'<li class="archivedate"><div class="hierarchy-title"><a class="post-count-link" '
        f'href="{ctx.base}/{m}/">{rc.month_label(m)}</a><span class="post-count">{n}</span></div></li>'
        for m, n in ctx.months
    )
    labels = "".join(
        f'<li><a class="label-name" href="{ctx.base}/search/label/{esc(name)}">{esc(name)}'
        f'<span class="label-count">{n}</span></a></li>'
        for name, n in ctx.labels
    )
    return f"""<aside class="sidebar-container container sidebar-invisible" role="complementary"><div class="sidebar_top_wrapper"><div class="sidebar_top section" id="sidebar_top">
<div class="widget Profile" data-version="2" id="Profile1"><div class="wrapper"><h3 class="title">About me</h3><div class="widget-content individual"><a href="https://www.blogger.com/profile/{ctx.blog.profile_id}"><img alt="My photo" class="profile-img" height="113" src="{statics.PROFILE_PHOTO}" width="113"/></a><dl class="profile-datablock"><dt class="profile-data"><a class="profile-link g-profile" href="https://www.blogger.com/profile/{ctx.blog.profile_id}" rel="author">Naree W.</a></dt></dl></div></div></div>
<div class="widget PopularPosts" data-version="2" id="PopularPosts1"><h3 class="title">Popular posts</h3><div class="widget-content">{popular}</div></div>
<div class="widget BlogArchive" data-version="2" id="BlogArchive1"><details class="collapsible extendable"><summary><div class="collapsible-title"><h3 class="title">Archive</h3></div></summary><div class="widget-content"><ul class="hierarchy">{months}</ul></div></details></div>
<div class="widget Label" data-version="2" id="Label1"><details class="collapsible extendable"><summary><div class="collapsible-title"><h3 class="title">Labels</h3></div></summary><div class="widget-content list-label-widget-content"><ul>{labels}</ul></div></details></div>
<div class="widget ReportAbuse" data-version="2" id="ReportAbuse1"><h3 class="title"><a class="report_abuse" href="https://www.blogger.com/go/report-abuse" rel="noopener nofollow" target="_blank">Report Abuse</a></h3></div>
</div></div></aside>"""


def _comment(ctx: Ctx, post: Post, comment: Comment) -> str:
    link = f"{ctx.base}{post.path}?showComment={rc.comment_ms(comment)}#c{comment.comment_id}"
    return (
        f'<li class="comment" id="c{comment.comment_id}"><div class="avatar-image-container">'
        '<img class="author-avatar" height="35" src="//resources.blogblog.com/img/blank.gif" width="35"/>'
        '</div><div class="comment-block"><div class="comment-header">'
        f'<cite class="user">{esc(comment.author)}</cite><span class="icon user"></span>'
        f'<span class="datetime secondary-text"><a rel="nofollow" href="{esc(link)}">'
        f"{rc.comment_display_time(comment)}</a></span></div>"
        f'<p class="comment-content">{esc(comment.text)}</p><span class="comment-actions secondary-text">'
        f'<a class="comment-reply" data-comment-id="{comment.comment_id}" target="_self">Reply</a>'
        "</span></div></li>"
    )


def _comments(ctx: Ctx, post: Post) -> str:
    items = "".join(_comment(ctx, post, c) for c in rc.shown_comments(ctx, post))
    count = len(post.comments)
    return f"""<section class="comments threaded" data-embed="true" data-num-comments="{count}" id="comments">
<a name="comments"></a><h3 class="title">Comments</h3>
<div class="comments-content"><div class="comment-thread toplevel-thread"><ol id="top-ra">{items}</ol></div></div>
<p class="comment-footer"><div class="comment-form"><a name="comment-form"></a><h4 id="comment-post-message">Post a Comment</h4><iframe class="blogger-iframe-colorize blogger-comment-from-post" frameborder="0" height="410px" id="comment-editor" name="comment-editor" src="" width="100%"></iframe><a href="https://www.blogger.com/comment/frame/{ctx.blog.blog_id}?po={post.post_id}&amp;hl=en&amp;origin={ctx.base}" id="comment-editor-src"></a></div></p>
</section>"""


def _article(ctx: Ctx, post: Post, full: bool) -> str:
    url = rc.post_url(ctx, post)
    title = esc(post.title) if full else f'<a href="{url}">{esc(post.title)}</a>'
    if full:
        body = f'<div class="post-body entry-content float-container" id="post-body-{post.post_id}">\n{post.body_html}</div>'
    else:
        body = (
            f'<div class="container post-body entry-content" id="post-snippet-{post.post_id}">'
            f'<div class="post-snippet snippet-container r-snippet-container"><div class="snippet-item r-snippetized">'
            f'{esc(rc.post_snippet(post, 300))}</div></div></div><div class="jump-link flat-button">'
            f'<a class="snippet-fade r-snippet-fade hidden" href="{url}"></a><a href="{url}" title="{esc(post.title)}">Read more</a></div>'
        )
    stamp = (
        f'<span class="byline post-timestamp"><meta content="{url}"/><a class="timestamp-link" href="{url}" '
        f'rel="bookmark" title="permanent link"><time class="published" datetime="{rc.iso_seconds(post.published)}" '
        f'title="{rc.iso_seconds(post.published)}">{post.published_dt:%B} {post.published_dt.day}, '
        f"{post.published_dt.year}</time></a></span>"
    )
    author = (
        '<span class="byline post-author vcard"><span class="post-author-label">By</span><span class="fn">'
        f'<meta content="https://www.blogger.com/profile/{ctx.blog.profile_id}"/><a class="g-profile" '
        f'href="https://www.blogger.com/profile/{ctx.blog.profile_id}" rel="author" title="author profile">'
        f"<span>{esc(post.author)}</span></a></span></span>"
    )
    labels = rc.labels_html(ctx, post, prefix='<span class="byline-label">Labels:</span>')
    return f"""<article class="post-outer-container"><div class="post-outer"><div class="post">
<a name="{post.post_id}"></a>
<h3 class="post-title entry-title">{title}</h3>
<div class="post-header"><div class="post-header-line-1">{stamp}</div></div>
{body}
<div class="post-footer"><div class="post-footer-line post-footer-line-1">{author}</div>
<div class="post-footer-line post-footer-line-2"><span class="byline post-labels">{labels}</span></div>
<div class="post-footer-line post-footer-line-3"><div class="byline post-share-buttons goog-inline-block">{rc.share_buttons(ctx, post)}</div></div></div>
</div></div>{_comments(ctx, post) if full else ""}</article>"""


def post_page(
    ctx: Ctx, post: Post, newer: str | None, older: str | None, related: list[Post]
) -> str:
    del related  # Contempo shows no related-posts block
    image = post.images[0] if post.images else None
    head = (
        rc.head_links(ctx, post.title, rc.post_snippet(post), image)
        + "\n"
        + rc.comments_feed_link(ctx, post)
    )
    main = f"""<div class="widget Blog" data-version="2" id="Blog1"><div class="blog-posts hfeed container">
{_article(ctx, post, full=True)}
</div>{rc.blog_pager(ctx, newer, older, item=True)}{rc.post_feeds(ctx, post)}</div>"""
    return _document(ctx, f"{ctx.blog.title}: {post.title}", head, main, post)


def static_page(ctx: Ctx, page: Post) -> str:
    head = rc.head_links(ctx, page.title, rc.post_snippet(page), None)
    main = f"""<div class="widget Blog" data-version="2" id="Blog1"><div class="blog-posts hfeed container">
<article class="post-outer-container"><div class="post-outer"><div class="post"><a name="{page.post_id}"></a>
<h3 class="post-title entry-title">{esc(page.title)}</h3>
<div class="post-body entry-content float-container" id="post-body-{page.post_id}">
{page.body_html}</div></div></div></article></div></div>"""
    return _document(ctx, f"{ctx.blog.title}: {page.title}", head, main, None)


def index_page(
    ctx: Ctx, posts: list[Post], heading: str, newer: str | None, older: str | None
) -> str:
    head = rc.head_links(ctx, ctx.blog.title, ctx.blog.tagline, None)
    status = f'<div class="post-filter-message"><div>{esc(heading)}</div></div>' if heading else ""
    articles = (
        "".join(_article(ctx, p, full=False) for p in posts)
        or '<div class="no-posts-message">No posts</div>'
    )
    main = f"""<div class="widget Blog" data-version="2" id="Blog1">{status}<div class="blog-posts hfeed container">
{articles}
</div>{rc.blog_pager(ctx, newer, older, item=False)}</div>"""
    return _document(ctx, ctx.blog.title, head, main, None)


def not_found(ctx: Ctx) -> str:
    head = rc.head_links(ctx, ctx.blog.title, ctx.blog.tagline, None)
    main = f'<div class="widget Blog" data-version="2" id="Blog1">{rc.not_found_message()}</div>'
    return _document(ctx, ctx.blog.title, head, main, None)
