"""``python -m goahead_crawler`` is the ``goahead`` command."""

from goahead_crawler.cli import cli

cli()
