"""The safety headers on every answer of the web view: goahead's pages and Datasette's.

Stored posts come from arbitrary blogs, and Datasette shows their columns (``html``
among them) on its table, row and query pages, so every page the server sends says what
it may run and load, not only goahead's own. :func:`guard` sets the headers on each
answer as it leaves (the plugin's ``asgi_wrapper``): the answer's own
Content-Security-Policy when it set one (goahead's pages, stricter), else
:data:`DATASETTE_CSP`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import datasette

# An archived response served back (the WARC route): shown, never run.
ARCHIVED_CSP = "default-src 'none'; img-src 'self'; style-src 'self'; sandbox"
# The same safety on every answer, whatever its policy.
SAFETY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

# Datasette's inline scripts in its templates: the menus' closing, the SQL editor's set-up,
# the table page's facet switch (``datasette_allow_facet`` is "true" or "false").
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_FACET_SWITCH = "{{ datasette_allow_facet }}"


def datasette_scripts(templates: Path | None = None) -> list[str]:
    """The inline scripts Datasette's own templates write, as the browser sees them: a
    script whose text is in a template runs by its hash; any other (one a blog's HTML
    could bring) does not run."""
    folder = templates or Path(datasette.__file__).resolve().parent / "templates"
    found: set[str] = set()
    for template in sorted(folder.glob("*.html")):
        for script in _INLINE_SCRIPT.findall(template.read_text(encoding="utf-8")):
            found.update(script.replace(_FACET_SWITCH, value) for value in ("true", "false"))
    return sorted(script for script in found if "{{" not in script and "{%" not in script)


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


#: Datasette's own inline scripts, each by its hash.
DATASETTE_SCRIPTS = " ".join(script_hash(script) for script in datasette_scripts())
# What the search and reading views may load: their own styles and the archive's images,
# nothing else; no script but Datasette's own (base.html closes its menus by one), no
# plugin, no framing by another site, forms only back to the archive.
CSP = (f"default-src 'none'; script-src {DATASETTE_SCRIPTS}; img-src 'self'; "
       "style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Datasette's pages: its scripts from /-/static/ and its inline ones by hash; its
# templates' <style> blocks and style= attributes (a column's name, a database's colour)
# and app.css's data: icons; nothing from elsewhere.
DATASETTE_CSP = (f"default-src 'none'; script-src 'self' {DATASETTE_SCRIPTS}; "
                 "style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
                 "form-action 'self'; frame-ancestors 'none'")

Send = Callable[[dict[str, Any]], Awaitable[None]]


def secured(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An answer's headers with :data:`SAFETY_HEADERS` set and a Content-Security-Policy:
    its own when it has one, else :data:`DATASETTE_CSP`."""
    fixed = {name.lower().encode("latin-1"): value.encode("latin-1")
             for name, value in SAFETY_HEADERS.items()}
    kept = [(k, v) for k, v in headers if k.lower() not in fixed]
    if not any(k.lower() == b"content-security-policy" for k, _ in kept):
        kept.append((b"content-security-policy", DATASETTE_CSP.encode("latin-1")))
    return kept + list(fixed.items())


def guard(send: Send) -> Send:
    """``send``, with every answer's headers :func:`secured`."""
    async def guarded(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = dict(message, headers=secured(message.get("headers") or []))
        await send(message)

    return guarded
