"""Indexes and packages of finished WARC files: CDXJ (cdxj-indexer) and WACZ (py-wacz).

Both tools are optional dependencies; each function raises ``ImportError`` with the
package to install when its tool is missing.
"""

from __future__ import annotations

import contextlib
import gc
import json
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO

#: Record types in a CDXJ index, named because importing py-wacz adds "warcinfo" to
#: cdxj-indexer's defaults for the whole process. Our metadata records
#: (application/warc-fields) are left out, as cdxj-indexer's defaults do.
INDEXED = "response,revisit,resource"
class WaczError(RuntimeError):
    """py-wacz could not package the WARC files."""


#: ``pages.jsonl`` header: the page list ReplayWeb.page shows for a WACZ.
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Archived posts and pages"}


@contextlib.contextmanager
def _reclaiming_spools() -> Iterator[None]:
    """cdxj-indexer (also inside py-wacz) buffers record bodies in SpooledTemporaryFiles it
    never closes. They are reclaimed (and warn) as the indexer drops them, or later at a
    garbage collection: silence that one warning here and collect before leaving, so it
    never surfaces at some later, unrelated moment."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


def write_cdxj(warc_paths: Iterable[str | Path], out: str | Path | IO[str]) -> None:
    """Write a sorted CDXJ index of ``warc_paths`` to ``out`` (a path or text stream).

    The ``filename`` field is each WARC's base name, as stored in captures.
    """
    try:
        from cdxj_indexer.main import CDXJIndexer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("write_cdxj needs cdxj-indexer: pip install cdxj-indexer") from exc
    paths = [str(p) for p in warc_paths]
    if not paths:
        raise ValueError("no WARC files to index")
    roots = {str(Path(p).resolve().parent) for p in paths}
    root = roots.pop() if len(roots) == 1 else None
    target = str(out) if isinstance(out, str | Path) else out
    with _reclaiming_spools():
        CDXJIndexer(target, paths, sort=True, dir_root=root, records=INDEXED).process_all()


def make_wacz(
    warc_paths: Iterable[str | Path],
    out: str | Path,
    pages: Iterable[Mapping[str, str]] | None = None,
) -> Path:
    """Package ``warc_paths`` as a WACZ file at ``out`` (index and datapackage built by
    py-wacz). ``pages`` (``url``, ``ts``, ``title``; see :func:`archive.captures.page_captures`) become
    ``pages/pages.jsonl``; without them py-wacz guesses pages from the records.
    Returns ``out``. Raises :class:`WaczError` when py-wacz fails."""
    try:
        from wacz.main import main as wacz_main
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("make_wacz needs py-wacz: pip install wacz") from exc
    paths = [str(p) for p in warc_paths]
    if not paths:
        raise ValueError("no WARC files to package")
    with tempfile.TemporaryDirectory(prefix="goahead-wacz-") as tmp, _reclaiming_spools():
        args = ["create", "-o", str(out)]
        if pages is None:
            args.append("--detect-pages")
        else:
            listing = Path(tmp) / "pages.jsonl"
            lines = [PAGES_HEADER, *(dict(page) for page in pages)]
            listing.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                               encoding="utf-8")
            args += ["--pages", str(listing)]
        code = wacz_main([*args, *paths])
    if code:
        raise WaczError(f"wacz create failed with exit status {code}")
    return Path(out)
