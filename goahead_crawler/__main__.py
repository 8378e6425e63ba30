"""``python -m goahead_crawler`` is the ``goahead`` command."""

from goahead_crawler.cli import cli

if __name__ == "__main__":  # not in a worker process (spawn imports this as __mp_main__)
    cli()
