"""The ``goahead`` command: a thin click group; each command family is one module here.

A command's family is imported when the command is asked for (click's lazy subcommands):
``goahead crawl`` never imports the search and export modules (Markdown, Beautiful Soup)
and ``goahead search`` never imports Scrapy's crawl machinery. ``--help`` imports them all.
"""

from __future__ import annotations

import importlib

import click

from goahead_crawler.cli.hints import Group

#: command name -> the module (here) whose ``COMMANDS`` holds it
FAMILIES = {
    "crawl": "crawl", "demo": "crawl",
    "search": "research", "export": "research", "extract": "research",
    "warc-get": "replay", "index": "replay", "wacz": "replay",
    "runs": "ops", "status": "ops", "merge": "ops", "reindex": "ops",
    "serve": "serve",
}


class LazyGroup(Group):
    """A group whose commands are added as their family is first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *FAMILIES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        family = FAMILIES.get(cmd_name)
        if family is not None and cmd_name not in self.commands:
            for command in importlib.import_module(f"goahead_crawler.cli.{family}").COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="goahead")
def cli() -> None:
    """Crawl, capture (WARC), clean and search news blogs hosted on Blogger."""
