"""What a post page loads besides itself, as on the real platform: Blogger's static files
(page requisites) and the third-party ads and trackers a template embeds.

Templates reference the requisites by their real URLs (``www.blogger.com/static/...``,
``resources.blogblog.com``, ``fonts.gstatic.com``, ``blogger.googleusercontent.com``); when
served, those hosts are rewritten to the local CDN (:mod:`sampleblog.cdn`), which serves
:data:`FILES` at the same paths. The ads and trackers (:data:`AD_TRACKER_HOSTS`) keep their
real, unreachable hosts: an archiver must never fetch them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sampleblog import font, media

UPLOADED = datetime(2024, 1, 1, tzinfo=UTC)  # Last-Modified of static files and uploads
CSS_BUNDLE = "https://www.blogger.com/static/v1/widgets/2437439463-css_bundle_v2.css"
WIDGETS_JS = "https://www.blogger.com/static/v1/widgets/2975350028-widgets.js"
SHARE_SPRITE = "https://www.blogger.com/img/share_buttons_20_3.png"  # from the CSS bundle
HEADER_TILE = "https://resources.blogblog.com/blogblog/data/1kt/simple/body_gradient_tile_light.png"
BLANK_GIF = "//resources.blogblog.com/img/blank.gif"  # protocol-relative, as Blogger writes it
AVATAR_GIF = "https://img1.blogblog.com/img/b16-rounded.gif"  # feed authors' gd:image
CLIPBOARD_JS = "https://www.gstatic.com/external_hosted/clipboardjs/clipboard.min.js"
SARABUN_TTF = "https://fonts.gstatic.com/s/sarabun/v13/DtVjJx26TKEr37c9aAFJn2QN.ttf"
ROBOTO_TTF = "//fonts.gstatic.com/s/roboto/v18/KFOmCnqEu92Fr1Mu4mxP.ttf"
# Template images uploaded to Blogger: the Go Ahead News logo, the Contempo profile photo.
GOAHEAD_LOGO = "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEgoaheadlogo01/s1600/goahead-logo.png"
PROFILE_PHOTO = (
    "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEslowprofile01/s113-c/naree.jpg"
)
TEMPLATE_IMAGES = (GOAHEAD_LOGO, PROFILE_PHOTO)

ADSENSE_JS = "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js"
GTAG_JS = "https://www.googletagmanager.com/gtag/js?id=G-SAMPLE0001"
ANALYTICS_JS = "https://www.google-analytics.com/analytics.js"
PLATFORM_JS = "https://apis.google.com/js/platform.js"
FACEBOOK_SDK = "https://connect.facebook.net/th_TH/sdk.js#xfbml=1&version=v18.0"
AD_TRACKER_URLS = (ADSENSE_JS, GTAG_JS, ANALYTICS_JS, PLATFORM_JS, FACEBOOK_SDK)
AD_TRACKER_HOSTS = (
    "pagead2.googlesyndication.com",
    "www.googletagmanager.com",
    "www.google-analytics.com",
    "apis.google.com",
    "connect.facebook.net",
)

_CSS = """/* Blogger widget styles (sample CDN stand-in for css_bundle_v2.css) */
.post-share-buttons{margin:.5em 0;display:inline-block}
.share-button{display:inline-block;width:20px;height:20px;margin-left:-1px;overflow:hidden;
background:url(/img/share_buttons_20_3.png) no-repeat left!important}
.sb-blog{background-position:-20px 0!important}.sb-twitter{background-position:-40px 0!important}
.sb-facebook{background-position:-60px 0!important}.sb-pinterest{background-position:-80px 0!important}
.share-button-link-text{display:block;text-indent:-9999px}
.separator img,.tr-caption-container img{max-width:100%;height:auto}
.tr-caption-container{padding:4px;margin-bottom:.5em}.tr-caption{font-size:85%}
.status-msg-wrap{margin:1em 0;padding:.5em;border:1px solid #ddd}
"""

_WIDGETS_JS = """/* Blogger widget runtime (sample CDN stand-in for widgets.js) */
(function (w) {
  var registered = [];
  w._WidgetInfo = function (id, section, el, data, mode) {
    this.id = id; this.section = section; this.element = el; this.mode = mode;
  };
  w._WidgetManager = {
    _Init: function (rearrange, url, blogId) { this.blogId = blogId; },
    _SetDataContext: function (context) { this.context = context; },
    _RegisterWidget: function (type, info) { registered.push([type, info]); },
    _GetAllData: function () { return this.context; }
  };
  w.BLOG_CMT_createIframe = function () {};
  document.documentElement.setAttribute("data-blogger-widgets", "loaded");
})(window);
"""

_CLIPBOARD_JS = "/* clipboard.js (sample CDN stand-in) */\nwindow.ClipboardJS=function(){};\n"

# path on the CDN -> (Content-Type, bytes)
FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "/static/v1/widgets/2437439463-css_bundle_v2.css": ("text/css", _CSS.encode),
    "/static/v1/widgets/2975350028-widgets.js": ("text/javascript", _WIDGETS_JS.encode),
    "/external_hosted/clipboardjs/clipboard.min.js": ("text/javascript", _CLIPBOARD_JS.encode),
    "/img/share_buttons_20_3.png": ("image/png", lambda: media.banner_png(20, 100, 20)),
    "/blogblog/data/1kt/simple/body_gradient_tile_light.png": (
        "image/png",
        lambda: media.banner_png(200, 16, 160),
    ),
    "/img/blank.gif": ("image/gif", lambda: media.BLANK_GIF),
    "/img/b16-rounded.gif": ("image/gif", lambda: media.BLANK_GIF),
    "/s/sarabun/v13/DtVjJx26TKEr37c9aAFJn2QN.ttf": ("font/ttf", font.sample_font),
    "/s/roboto/v18/KFOmCnqEu92Fr1Mu4mxP.ttf": ("font/ttf", font.sample_font),
}


def stylesheet_link() -> str:
    return f'<link href="{CSS_BUNDLE}" rel="stylesheet" type="text/css"/>'


def font_face(family: str, url: str) -> str:
    """An ``@font-face`` rule as Blogger's skins inline it (no ``local()``: always fetched)."""
    return (
        f"@font-face{{font-family:'{family}';font-style:normal;font-weight:400;"
        f"src:url({url}) format('truetype')}}"
    )


def trackers(ads: bool) -> str:
    """Analytics (gtag.js, analytics.js), the +1/share script and, with ``ads``, AdSense."""
    tags = [
        f'<script async="async" src="{GTAG_JS}"></script>',
        (
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
            "arguments);}gtag('js',new Date());gtag('config','G-SAMPLE0001');</script>"
        ),
        f'<script async="async" src="{ANALYTICS_JS}"></script>',
        f'<script async="async" defer="defer" src="{PLATFORM_JS}"></script>',
    ]
    if ads:
        tags.insert(0, f'<script async="async" src="{ADSENSE_JS}"></script>')
    return "\n".join(tags)
