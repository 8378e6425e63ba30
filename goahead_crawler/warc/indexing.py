"""Indexes and packages of finished WARC files: CDXJ (cdxj-indexer) and WACZ (py-wacz).

Both tools are optional dependencies; each function raises ``ImportError`` with the
package to install when its tool is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO


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
    CDXJIndexer(target, paths, sort=True, dir_root=root).process_all()


def make_wacz(warc_paths: Iterable[str | Path], out: str | Path) -> Path:
    """Package ``warc_paths`` as a WACZ file at ``out`` (index, pages and datapackage
    built by py-wacz). Returns ``out``. Raises ``RuntimeError`` when py-wacz fails."""
    try:
        from wacz.main import main as wacz_main
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("make_wacz needs py-wacz: pip install wacz") from exc
    paths = [str(p) for p in warc_paths]
    if not paths:
        raise ValueError("no WARC files to package")
    code = wacz_main(["create", "-o", str(out), "--detect-pages", *paths])
    if code:
        raise RuntimeError(f"wacz create failed with exit status {code}")
    return Path(out)
