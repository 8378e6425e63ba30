"""Dependencies point one way: the archive and the pure parsers never import Scrapy or click."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pure_packages_import_no_scrapy_or_twisted() -> None:
    code = (
        "import archive, archive.store, archive.search, archive.export, "
        "goahead_crawler.extract, goahead_crawler.blogger.feed, goahead_crawler.blogger.urls, "
        "goahead_crawler.items, sys; "
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted'}); "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr


FORBIDDEN = {
    "archive": {"goahead_crawler", "scrapy", "twisted", "click"},
    "goahead_crawler": {"scrapy", "twisted", "click"},
}
PURE = ("archive", "goahead_crawler/extract", "goahead_crawler/blogger")


def test_pure_code_never_imports_the_crawler_scrapy_or_click() -> None:
    """Our own imports, read from the source: sqlite-utils itself imports click, we must not."""
    for path in (p for folder in PURE for p in (ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN.get(path.parts[len(ROOT.parts)], set()), path


def test_every_goahead_setting_read_is_declared() -> None:
    declared = set(re.findall(r"^(GOAHEAD_\w+)\s*=",
                              (ROOT / "goahead_crawler/settings.py").read_text(), re.MULTILINE))
    used: set[str] = set()
    for path in (ROOT / "goahead_crawler").rglob("*.py"):
        used |= set(re.findall(r"[\"'](GOAHEAD_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    assert used - declared == set()
