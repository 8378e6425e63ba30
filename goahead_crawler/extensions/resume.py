"""Resumable crawls: one Scrapy JOBDIR per blog, beside the archive, that survives kill -9.

Scrapy's JOBDIR keeps the request queue, the seen-requests filter and ``spider.state``,
but writes the queue's bookkeeping only on a clean close. After Ctrl-C or SIGTERM the job
resumes from its queue. After SIGKILL (or a power cut) the queue is unreadable and the
seen-filter holds requests that were never answered, so reusing it would lose posts.

So each job dir carries a marker, ``goahead-job.json`` (``started_at``, ``pid``,
``state``). :func:`prepare_job` reads it before the crawl:

- no job, or the last one finished (or found no blog there): start a fresh job;
- closed early (shutdown, CloseSpider): keep Scrapy's queue and resume from it;
- still "running" with a dead pid (killed): drop Scrapy's files, rediscover from the
  feed, and let ``SkipArchived`` (:mod:`goahead_crawler.middleware.skip_archived`) drop
  the post pages this job already archived.

Either way no post is lost (discovery re-runs or the queue is intact) and none is
stored twice (posts are upserted on (blog_id, post_id); archived pages are skipped).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.timestamps import now_utc

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

JOBS_DIR = ".goahead-jobs"
MARKER = "goahead-job.json"


class JobBusy(RuntimeError):
    """Another live process is crawling with this job dir."""


@dataclass(frozen=True)
class Job:
    path: Path
    started_at: str  # when the job (its first run) began, ISO 8601 UTC
    mode: str  # "fresh", "queue" (resume from Scrapy's queue) or "killed"
    # the same in each process that resumed from its predecessor's queue (their warcinfo's
    # goahead-job): one frontier, one limit, one list of what was asked for
    job_id: str = ""


def job_dir(db_path: str | Path, root: str) -> Path:
    """``<archive dir>/.goahead-jobs/<host>[_port].<archive name>/`` for the blog at
    ``root``: one per archive, as its crawl lock is (two archives in one folder would
    otherwise resume each other's jobs)."""
    host = urlsplit(root).netloc.replace(":", "_")
    db = Path(db_path).resolve()
    return db.parent / JOBS_DIR / f"{host}.{db.name}"


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def _write_marker(path: Path, **values: Any) -> None:
    tmp = path / (MARKER + ".tmp")
    tmp.write_text(json.dumps(values), encoding="utf-8")
    tmp.replace(path / MARKER)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_job(path: Path) -> Job:
    """Decide how the crawl with job dir ``path`` starts, and mark it running."""
    marker = _read_marker(path)
    if marker and marker.get("state") == "running" and _alive(int(marker.get("pid", 0))):
        raise JobBusy(f"a crawl is already running with {path} (pid {marker['pid']})")
    job_id = uuid.uuid4().hex  # a new frontier: what the spider claims starts anew
    if not marker or marker.get("reason") == "finished":
        mode, started = "fresh", now_utc()
        shutil.rmtree(path, ignore_errors=True)
    elif marker.get("state") == "running":
        mode, started = "killed", marker["started_at"]
        shutil.rmtree(path, ignore_errors=True)  # the queue and seen-filter cannot be trusted
    else:  # the spider's state (what it claimed, its --max-posts count) carries on
        mode, started = "queue", marker["started_at"]
        job_id = str(marker.get("job_id") or started)  # a marker from before job ids
    path.mkdir(parents=True, exist_ok=True)
    _write_marker(path, started_at=started, pid=os.getpid(), state="running", job_id=job_id)
    return Job(path, started, mode, job_id)


def adopt_job(job: Job, started_at: str) -> Job:
    """Turn a fresh job into the resumption of a crawl that began at ``started_at``
    without a job dir and stopped early: resumed as a killed job (rediscovery, and
    what it archived is skipped; its spider claims anew: the fresh job's id)."""
    _write_marker(job.path, started_at=started_at, pid=os.getpid(), state="running",
                  job_id=job.job_id)
    return Job(job.path, started_at, "killed", job.job_id)


def finish_job(path: Path, reason: str) -> None:
    """Mark the job closed; the dir of a job that finished, or found no blog to archive
    (``blog_unreachable``, ``blog_private``...: its queue is empty and its seen-filter
    would turn the next job's first requests away), is removed: nothing to resume."""
    if reason == "finished" or reason.startswith("blog_"):
        shutil.rmtree(path, ignore_errors=True)
        return
    marker = _read_marker(path) or {}
    _write_marker(path, started_at=marker.get("started_at"), pid=0, state="closed",
                  reason=reason, job_id=marker.get("job_id"))


def job_settings(job: Job) -> dict[str, Any]:
    """The settings overrides a crawl in ``job`` needs."""
    overrides: dict[str, Any] = {"JOBDIR": str(job.path), "GOAHEAD_RESUME_JOB": str(job.path),
                                 "GOAHEAD_JOB_ID": job.job_id}
    if job.mode != "fresh":
        overrides["GOAHEAD_RESUME_SINCE"] = job.started_at
    return overrides


class ResumeJob:
    """Extension: mark the job closed (with its reason) when the spider closes cleanly."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResumeJob:
        path = crawler.settings.get("GOAHEAD_RESUME_JOB")
        if not path:
            raise NotConfigured  # not a --resume crawl: off, silently
        ext = cls(crawler, Path(path))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, reason: str) -> None:
        finish_job(self.path, reason)
