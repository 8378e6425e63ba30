"""Markup shared by both sample templates: head links, Blogger's widget scripts, comments.

Everything here is what Blogger itself injects whatever the template: ``<link rel=canonical>``,
og: meta, feed links, ``_WidgetManager._Init`` / ``_SetDataContext`` scripts, share links,
``abbr.published`` timestamps and the classic comment block.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from sampleblog import statics
from sampleblog.content import Blog, Comment, Post, parse_ts
from sampleblog.markup import snippet

Widget = tuple[str, str, str, str]  # (id, type, title, section id)


@dataclass
class Ctx:
    """What a page render needs besides its own posts."""

    blog: Blog
    base: str  # "http://127.0.0.1:PORT" (no trailing slash), from the Host header
    url: str  # this page's canonical URL
    page_type: str  # item | static_page | index | archive | error
    mobile: bool = False
    popular: list[Post] = field(default_factory=list)
    labels: list[tuple[str, int]] = field(default_factory=list)
    months: list[tuple[str, int]] = field(default_factory=list)  # ("2024/01", count)
    noisy_links: bool = False  # post links carry ?m=1 / #comment-form, as some templates do
    comments_shown: int | None = None  # show at most this many comments (None: all)


_NOISE = ("?m=1", "#comment-form", "?m=1#comments")


def shown_comments(ctx: Ctx, post: Post) -> list[Comment]:
    """The comments the page renders: Blogger pages long threads ("Load more...")."""
    return post.comments if ctx.comments_shown is None else post.comments[: ctx.comments_shown]


def esc(text: str) -> str:
    return escape(text, quote=True)


def post_url(ctx: Ctx, post: Post) -> str:
    """A post's URL as linked from this page (mobile pages keep ``?m=1`` on their links)."""
    if ctx.mobile:
        return ctx.base + post.path + "?m=1"
    noise = _NOISE[zlib.crc32(post.post_id.encode()) % len(_NOISE)] if ctx.noisy_links else ""
    return ctx.base + post.path + noise


def month_label(month: str) -> str:
    """``2024/03`` -> ``March 2024`` (archive widget)."""
    return f"{datetime.strptime(month, '%Y/%m'):%B %Y}"


def date_header(post: Post) -> str:
    """``Sunday, January 21, 2024``: localised, date only (Blogger's h2.date-header)."""
    moment = post.published_dt
    return f"{moment:%A, %B} {moment.day}, {moment.year}"


def short_time(iso: str) -> str:
    moment = parse_ts(iso)
    return f"{moment.hour % 12 or 12}:{moment:%M %p}"


def iso_seconds(iso: str) -> str:
    """``abbr.published@title`` / ``time@datetime``: seconds precision, with offset."""
    return parse_ts(iso).isoformat(timespec="seconds")


def comment_ms(comment: Comment) -> int:
    return int(parse_ts(comment.published).timestamp() * 1000)


def comment_display_time(comment: Comment) -> str:
    moment = parse_ts(comment.published)
    return f"{moment:%B} {moment.day}, {moment.year} at {short_time(comment.published)}"


def head_links(ctx: Ctx, title: str, description: str, image: str | None) -> str:
    blog, base = ctx.blog, ctx.base
    feeds = f"https://www.blogger.com/feeds/{blog.blog_id}/posts/default"
    tags = [
        '<meta content="blogger" name="generator"/>',
        f'<link href="{base}/favicon.ico" rel="icon" type="image/x-icon"/>',
        f'<link href="{esc(ctx.url)}" rel="canonical"/>',
        (
            f'<link rel="alternate" type="application/atom+xml" title="{esc(blog.title)} - Atom" '
            f'href="{base}/feeds/posts/default" />'
        ),
        (
            f'<link rel="alternate" type="application/rss+xml" title="{esc(blog.title)} - RSS" '
            f'href="{base}/feeds/posts/default?alt=rss" />'
        ),
        (
            f'<link rel="service.post" type="application/atom+xml" title="{esc(blog.title)} - Atom" '
            f'href="{feeds}" />'
        ),
        f'<link rel="me" href="https://www.blogger.com/profile/{blog.profile_id}" />',
        f'<meta content="{esc(ctx.url)}" property="og:url"/>',
        f'<meta content="{esc(title)}" property="og:title"/>',
        f'<meta content="{esc(description)}" property="og:description"/>',
    ]
    if image:
        tags.append(f'<meta content="{esc(image)}" property="og:image"/>')
    return "\n".join(tags)


def comments_feed_link(ctx: Ctx, post: Post) -> str:
    return (
        f'<link rel="alternate" type="application/atom+xml" title="{esc(ctx.blog.title)} - '
        f'{esc(post.title)} - Atom" href="{ctx.base}/feeds/{post.post_id}/comments/default" />'
    )


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def widget_scripts(ctx: Ctx, widgets: list[Widget], post: Post | None, title: str) -> str:
    """``_WidgetManager`` bootstrap as Blogger appends it before ``</body>``."""
    blog = ctx.blog
    data = {
        "blogId": blog.blog_id,
        "title": blog.title,
        "url": ctx.url,
        "canonicalUrl": ctx.url,
        "homepageUrl": ctx.base + "/",
        "searchUrl": ctx.base + "/search",
        "pageType": ctx.page_type,
        "pageName": title,
        "pageTitle": f"{blog.title}: {title}" if post else blog.title,
        "isMobile": ctx.mobile,
    }
    if post is not None:
        data["postId"] = post.post_id
    described = [{"id": w[0], "type": w[1], "title": w[2], "sectionId": w[3]} for w in widgets]
    context = [
        {"name": "blog", "data": data},
        {"name": "features", "data": {}},
        {"name": "messages", "data": {"edit": "Edit", "linkCopiedToClipboard": "Link copied"}},
        {"name": "widgets", "data": described},
    ]
    registers = "\n".join(
        f"_WidgetManager._RegisterWidget('_{w[1]}View', new _WidgetInfo('{w[0]}', '{w[3]}', "
        f"document.getElementById('{w[0]}'), {{}}, 'displayModeFull'));"
        for w in widgets
    )
    return (
        f'<script type="text/javascript" src="{statics.WIDGETS_JS}"></script>\n'
        '<script type="text/javascript">\n'
        "window['__wavt'] = 'AOuZoY5sample';"
        f"_WidgetManager._Init('//www.blogger.com/rearrange?blogID={blog.blog_id}',"
        f"'//{ctx.url.split('://', 1)[-1]}','{blog.blog_id}');\n"
        f"_WidgetManager._SetDataContext({_js(context)});\n{registers}\n</script>"
    )


def share_buttons(ctx: Ctx, post: Post) -> str:
    share = (
        f"https://www.blogger.com/share-post.g?blogID={ctx.blog.blog_id}&amp;postID={post.post_id}"
    )
    targets = [
        ("email", "Email This"),
        ("blog", "BlogThis!"),
        ("twitter", "Share to X"),
        ("facebook", "Share to Facebook"),
        ("pinterest", "Share to Pinterest"),
    ]
    links = "".join(
        f'<a class="goog-inline-block share-button sb-{t}" href="{share}&amp;target={t}" '
        f'target="_blank" title="{label}"><span class="share-button-link-text">{label}'
        "</span></a>"
        for t, label in targets
    )
    return f'<div class="post-share-buttons goog-inline-block">{links}</div>'


def labels_html(ctx: Ctx, post: Post, prefix: str = "Labels: ") -> str:
    links = ", ".join(
        f'<a href="{ctx.base}/search/label/{esc(label)}" rel="tag">{esc(label)}</a>'
        for label in post.labels
    )
    return f"{prefix}{links}" if post.labels else ""


def classic_comments(ctx: Ctx, post: Post) -> str:
    """``div#comments`` with ``dl#comments-block`` and the comment form (classic layouts)."""
    count = len(post.comments)
    heading = "No comments:" if not count else f"{count} comment{'s' if count > 1 else ''}:"
    items = "".join(_classic_comment(ctx, post, c) for c in shown_comments(ctx, post))
    form = (
        '<div class="comment-form"><a name="comment-form"></a>'
        '<h4 id="comment-post-message">Post a Comment</h4><p></p>'
        f'<a href="https://www.blogger.com/comment/frame/{ctx.blog.blog_id}?po={post.post_id}'
        f'&amp;hl=en&amp;origin={ctx.base}" id="comment-editor-src"></a>'
        '<iframe allowtransparency="true" class="blogger-iframe-colorize '
        'blogger-comment-from-post" frameborder="0" height="410px" id="comment-editor" '
        'name="comment-editor" src="" width="100%"></iframe>'
        '<script type="text/javascript">BLOG_CMT_createIframe(\'https://www.blogger.com/'
        "rpc_relay.html');</script></div>"
    )
    return (
        '<div class="comments" id="comments"><a name="comments"></a>'
        f'<h4>{heading}</h4><div id="Blog1_comments-block-wrapper">'
        f'<dl class="avatar-comment-indent" id="comments-block">{items}</dl></div>'
        f'<p class="comment-footer">{form}</p></div>'
    )


def _classic_comment(ctx: Ctx, post: Post, comment: Comment) -> str:
    link = f"{ctx.base}{post.path}?showComment={comment_ms(comment)}#c{comment.comment_id}"
    return (
        f'<dt class="comment-author" id="c{comment.comment_id}">'
        f'<a name="c{comment.comment_id}"></a>{esc(comment.author)} said...</dt>'
        f'<dd class="comment-body" id="Blog1_cmt-{comment.comment_id}"><p>{esc(comment.text)}'
        '</p></dd><dd class="comment-footer"><span class="comment-timestamp">'
        f'<a href="{esc(link)}" title="comment permalink">{comment_display_time(comment)}</a>'
        "</span></dd>"
    )


def post_feeds(ctx: Ctx, post: Post) -> str:
    return (
        '<div class="post-feeds"><div class="feed-links">Subscribe to: <a class="feed-link" '
        f'href="{ctx.base}/feeds/{post.post_id}/comments/default" target="_blank" '
        'type="application/atom+xml">Post Comments (Atom)</a></div></div>'
    )


def blog_pager(ctx: Ctx, newer: str | None, older: str | None, item: bool) -> str:
    newer_label, older_label = (
        ("Newer Post", "Older Post") if item else ("Newer Posts", "Older Posts")
    )
    parts = ['<div class="blog-pager" id="blog-pager">']
    if newer:
        parts.append(
            f'<span id="blog-pager-newer-link"><a class="blog-pager-newer-link" '
            f'href="{esc(newer)}" id="Blog1_blog-pager-newer-link" title="{newer_label}">'
            f"{newer_label}</a></span>"
        )
    if older:
        parts.append(
            f'<span id="blog-pager-older-link"><a class="blog-pager-older-link" '
            f'href="{esc(older)}" id="Blog1_blog-pager-older-link" title="{older_label}">'
            f"{older_label}</a></span>"
        )
    parts.append(f'<a class="home-link" href="{ctx.base}/">Home</a></div>')
    return "".join(parts)


def adsense(slot: str) -> str:
    return (
        '<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-3940256099942544" '
        f'data-ad-slot="{slot}" data-ad-format="auto" data-full-width-responsive="true"></ins>'
        "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script>"
    )


def html_widget(widget: Widget, content: str) -> str:
    wid, _type, title, _section = widget
    return (
        f'<div class="widget HTML" data-version="1" id="{wid}"><h2 class="title">{esc(title)}'
        f'</h2><div class="widget-content">{content}</div><div class="clear"></div></div>'
    )


def not_found_message() -> str:
    return (
        '<div class="status-msg-wrap"><div class="status-msg-body">Sorry, the page you were '
        "looking for in this blog does not exist.</div>"
        '<div class="status-msg-border"><div class="status-msg-bg"><div class="status-msg-hidden">'
        "Sorry, the page you were looking for in this blog does not exist.</div></div></div></div>"
    )


def post_snippet(post: Post, limit: int = 150) -> str:
    return snippet(post.expected_text, limit)
