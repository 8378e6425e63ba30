"""The goahead add-on (Scrapy's ``ADDONS``): the User-Agent, and goahead's defaults.

- ``USER_AGENT`` is built here and only here (:func:`user_agent`), from the installed
  package's version and ``GOAHEAD_CONTACT``, so ``goahead crawl --contact``, ``scrapy
  crawl -s GOAHEAD_CONTACT=...`` and Scrapyd all send the same honest header. A
  ``USER_AGENT`` set explicitly (project or command line) is left alone.
- Every ``GOAHEAD_*`` default is declared once, in :mod:`goahead_crawler.settings`;
  components read ``settings.getint(NAME)`` with no default of their own. Outside
  goahead's own project (another Scrapy project enabling this add-on to use goahead's
  components), the add-on fills in those defaults.
- Response headers are bounded (:mod:`goahead_crawler.header_limit`).
- A ``JOBDIR`` given as a setting (``scrapy crawl -s JOBDIR=...``, Scrapyd) becomes a
  resume job as ``goahead crawl --resume`` makes one (:func:`adopt_jobdir`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from goahead_crawler import header_limit

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

PRIORITY = "addon"


def package_version(dist: str = "goahead") -> str:
    """The installed version of ``dist`` (``unknown`` when it is not installed)."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def user_agent(contact: str) -> str:
    """An archiving bot that says who it is and how to reach whoever runs it."""
    return f"goahead/{package_version()} (web archiver; +{contact})"


def goahead_defaults() -> dict[str, object]:
    """The ``GOAHEAD_*`` settings as :mod:`goahead_crawler.settings` declares them."""
    from goahead_crawler import settings

    return {name: value for name, value in vars(settings).items() if name.startswith("GOAHEAD_")}


class Goahead:
    """``ADDONS = {"goahead_crawler.addon.Goahead": 0}``."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in goahead_defaults().items():
            settings.setdefault(name, value, priority=PRIORITY)
        settings.set("USER_AGENT", user_agent(settings.get("GOAHEAD_CONTACT")),
                     priority=PRIORITY)  # a no-op when USER_AGENT was set above "addon"
        adopt_jobdir(settings)
        header_limit.install()  # every crawl process, scrapy crawl and Scrapyd's too


def adopt_jobdir(settings: BaseSettings) -> None:
    """Give a ``JOBDIR`` set by hand the job marker of ``--resume``
    (:mod:`goahead_crawler.extensions.resume`): after a kill, Scrapy's seen-filter holds
    requests that were never answered, and reused as it is it makes every later job skip
    them for good; with the marker the killed job's files are dropped, discovery starts
    again and what it archived is skipped. ``goahead crawl --resume`` prepares its own."""
    path = settings.get("JOBDIR")
    if not path or settings.get("GOAHEAD_RESUME_JOB"):
        return
    from goahead_crawler.extensions.resume import job_settings, prepare_job

    settings.setdict(job_settings(prepare_job(Path(path))), priority="cmdline")
