"""Dependencies point one way (the archive and the pure parsers never import Scrapy or click;
the web view and the CLI never a spider), every SQL statement is the archive's, and no two
modules share a name."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


# room (a folder or module under the project root) -> what its code may never import.
# Scrapy-free rooms are checked by source, since sqlite-utils itself imports click.
SCRAPY = ("scrapy", "twisted")
CRAWLER = ("goahead_crawler",)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "archive": (*CRAWLER, *SCRAPY, "click", "sampleblog"),
    "goahead_crawler/extract": (*SCRAPY, "click", "goahead_crawler.cli",
                                "goahead_crawler.spiders", "goahead_crawler.warc"),
    "goahead_crawler/blogger": (*SCRAPY, "click", "goahead_crawler.cli",
                                "goahead_crawler.spiders", "goahead_crawler.extract"),
    "goahead_crawler/items.py": (*SCRAPY, "click", "goahead_crawler.spiders"),
    # The web view knows the archive, not the crawl: of the WARC code, only the reading
    # half (an archived response served back, as `goahead warc-get` does).
    "goahead_crawler/web": (*SCRAPY, "goahead_crawler.spiders", "goahead_crawler.cli",
                            "goahead_crawler.middleware", "goahead_crawler.extensions",
                            "goahead_crawler.pipelines", "goahead_crawler.warc.extension",
                            "goahead_crawler.warc.writer", "goahead_crawler.warc.records",
                            "goahead_crawler.warc.exchange", "goahead_crawler.warc.dedup",
                            "goahead_crawler.warc.files", "goahead_crawler.warc.indexing"),
    # The CLI runs crawls through the runner and settings, never a spider directly.
    "goahead_crawler/cli": ("goahead_crawler.spiders",),
    # Components never reach back into the CLI or the web view.
    "goahead_crawler/spiders": ("goahead_crawler.cli", "goahead_crawler.web", "click"),
    "goahead_crawler/middleware": ("goahead_crawler.cli", "goahead_crawler.web",
                                   "goahead_crawler.spiders", "click"),
    "goahead_crawler/extensions": ("goahead_crawler.cli", "goahead_crawler.web",
                                   "goahead_crawler.spiders", "click"),
    "goahead_crawler/warc": ("goahead_crawler.cli", "goahead_crawler.web",
                             "goahead_crawler.spiders", "click"),
    "goahead_crawler/pipelines.py": ("goahead_crawler.cli", "goahead_crawler.web",
                                     "goahead_crawler.spiders", "click"),
    "goahead_crawler/rebuild": ("goahead_crawler.cli", "goahead_crawler.spiders",
                                   "scrapy.crawler", "click"),
    # The sample blog is a stand-in for the web: it knows nothing of goahead.
    "sampleblog": ("goahead_crawler", "archive", *SCRAPY),
    "sampleblog/synth.py": ("sampleblog.content",),
}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, by its absolute dotted name (relative ones resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}".rstrip(".")
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


def room_files(room: str) -> list[Path]:
    path = ROOT / room
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_imports_point_one_way(room: str) -> None:
    for path in room_files(room):
        bad = {name for name in imported_modules(path)
               for prefix in FORBIDDEN[room] if name == prefix or name.startswith(prefix + ".")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_import_reader_resolves_relative_imports() -> None:
    assert "archive.posts.upsert_post" in imported_modules(ROOT / "archive" / "merge.py")
    assert "goahead_crawler.cli.output" in imported_modules(
        ROOT / "goahead_crawler" / "cli" / "crawl.py")


def test_no_two_modules_share_a_name() -> None:
    """A name says what lives there: ``rebuild`` is not ``search.reindex``, the
    conditional-GET middleware is not the spider's incremental routes."""
    seen: dict[str, list[str]] = {}
    for package in ("archive", "goahead_crawler"):
        for path in (ROOT / package).rglob("*.py"):
            if path.stem not in {"__init__", "__main__"}:
                seen.setdefault(path.stem, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def test_every_goahead_setting_read_is_declared() -> None:
    declared = set(re.findall(r"^(GOAHEAD_\w+)\s*=",
                              (ROOT / "goahead_crawler/settings.py").read_text(), re.MULTILINE))
    used: set[str] = set()
    for path in (ROOT / "goahead_crawler").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        environment = set(re.findall(r"environ\.get\([\"'](GOAHEAD_[A-Z_]+)", text))
        used |= set(re.findall(r"[\"'](GOAHEAD_[A-Z_]+)[\"']", text)) - environment
    assert used - declared == set()


# An SQL statement in a string literal: the archive owns every one of them.
SQL = re.compile(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bCREATE\s+(?:TABLE|INDEX|TRIGGER|VIEW)\b|\bPRAGMA\s+\w+",
    re.IGNORECASE | re.DOTALL,
)
# The web view hands Datasette canned queries: SQL is its job.
SQL_ALLOWED = ("goahead_crawler/web/views.py", "goahead_crawler/web/plugin.py")


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


def test_hosts_are_read_with_urlsplit() -> None:
    """``url.split("://")`` by hand gets ports, userinfo and case wrong; urlsplit does not."""
    for path in (*(ROOT / "goahead_crawler").rglob("*.py"), *(ROOT / "archive").rglob("*.py")):
        assert 'split("://"' not in path.read_text(encoding="utf-8"), path


# settings.getint("GOAHEAD_X", 150) or settings.get("GOAHEAD_X") or "warcs": a second default
REPEATED_DEFAULT = re.compile(
    r"""\.get\w*\(\s*["'](GOAHEAD_\w+)["']\s*,|\.get\w*\(\s*["'](GOAHEAD_\w+)["']\s*\)\s*or\s*["'\d]""")


def test_each_goahead_default_is_declared_once() -> None:
    """settings.py declares every GOAHEAD_* default; a component repeating one in its
    ``getint(..., default)`` would silently disagree with it the day one of them changes."""
    repeated = {
        str(path.relative_to(ROOT)): REPEATED_DEFAULT.findall(path.read_text(encoding="utf-8"))
        for path in (ROOT / "goahead_crawler").rglob("*.py")
    }
    assert {name: found for name, found in repeated.items() if found} == {}
    assert REPEATED_DEFAULT.search('s.getint("GOAHEAD_WARC_MAX_SIZE", 1_000)')
    assert REPEATED_DEFAULT.search('s.get("GOAHEAD_WARC_DIR") or "warcs"')
    assert not REPEATED_DEFAULT.search('s.getfloat("GOAHEAD_PROGRESS_INTERVAL") or (0.5)')


def test_every_tracked_file_is_text() -> None:
    """The repository holds source, docs and text data only: a binary left at the root by a
    profiling run (``python -m cProfile -o blogger scrapy crawl blogger``) is not the project's."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: no list of tracked files")
    binary = []
    for name in filter(None, listed.stdout.decode().split("\0")):
        path = ROOT / name
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            binary.append(name)
            continue
        if b"\0" in data:
            binary.append(name)
    assert binary == []
