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
        "import archive, archive.connection, archive.posts, archive.captures, archive.runs, "
        "archive.search, archive.export, archive.merge, "
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


# An SQL statement in a string literal: the archive owns every one of them.
SQL = re.compile(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bCREATE\s+(?:TABLE|INDEX|TRIGGER|VIEW)\b|\bPRAGMA\s+\w+",
    re.IGNORECASE | re.DOTALL,
)
# The web view hands Datasette canned queries: SQL is its job.
SQL_ALLOWED = ("goahead_crawler/datasette_metadata.py", "goahead_crawler/datasette_plugin.py")


def sql_literals(path: Path) -> list[str]:
    """String literals (docstrings aside) of ``path`` that hold an SQL statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and SQL.search(node.value)]


def test_sql_lives_in_the_archive_only() -> None:
    found = {
        str(path.relative_to(ROOT)): sql_literals(path)
        for path in (ROOT / "goahead_crawler").rglob("*.py")
        if str(path.relative_to(ROOT)) not in SQL_ALLOWED
    }
    assert {name: sql for name, sql in found.items() if sql} == {}


def test_the_sql_detector_sees_sql() -> None:
    assert SQL.search("SELECT url FROM posts WHERE site = ?")
    assert SQL.search("select count(*)\n from runs")
    assert SQL.search("UPDATE runs SET status = 'killed'")
    assert SQL.search("PRAGMA foreign_keys = ON")
    assert not SQL.search("select the posts to export")
    assert sql_literals(ROOT / "archive" / "runs.py")
