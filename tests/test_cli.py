"""The CLI: every command documented, user errors are one line with a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from goahead_crawler.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"goahead {name}" in README, f"README does not show `goahead {name}`"


def test_readme_quick_start_is_two_commands() -> None:
    assert "pip install -e . && goahead demo" in README
    assert "pip install -e '.[test]' && pytest" in README


def test_crawl_rejects_a_non_http_url() -> None:
    result = CliRunner().invoke(cli, ["crawl", "ftp://example.org/"])
    assert result.exit_code == 2
    assert "not an http(s) blog URL" in result.output


def test_crawl_without_url_says_how() -> None:
    result = CliRunner().invoke(cli, ["crawl"])
    assert result.exit_code == 2
    assert "goahead crawl https://" in result.output


def test_search_on_a_missing_archive_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: no archive at")


def test_search_on_a_file_that_is_not_an_archive_loses_nothing(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("my precious notes")
    result = CliRunner().invoke(cli, ["export", "--db", str(notes)])
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert notes.read_text() == "my precious notes"


def test_malformed_query_exits_2_without_traceback(tmp_path: Path) -> None:
    from archive import store

    db_path = tmp_path / "a.db"
    store.open_archive(db_path).close()
    for query in ['"unbalanced', "AND", "NOT"]:
        result = CliRunner().invoke(cli, ["search", query, "--db", str(db_path)])
        assert result.exit_code == 2, (query, result.output)
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
