"""The ``goahead`` command: a thin click group; each command family is one module here."""

from __future__ import annotations

import click

from goahead_crawler.cli import crawl, ops, replay, research, serve
from goahead_crawler.cli.hints import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="goahead")
def cli() -> None:
    """Crawl, capture (WARC), clean and search news blogs hosted on Blogger."""


for family in (crawl, research, replay, ops, serve):
    for command in family.COMMANDS:
        cli.add_command(command)
