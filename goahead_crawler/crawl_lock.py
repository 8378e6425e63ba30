"""One crawl of a blog into an archive at a time: an exclusive lock file beside the archive.

Two crawls of the same blog into one archive (overlapping cron jobs) would fetch
everything twice and race on the same rows. The second one refuses before it makes any
request, in one line naming the first (pid, start). The lock is ``flock(2)`` on
``<archive dir>/.goahead-jobs/<host>.<archive name>.lock``, so the kernel releases it when
its process dies, however it dies: a lock left by a killed crawl is simply taken over.
The file holds who holds it (pid, host, start, command), for the refusal's message.

Crawls of different blogs into one archive take different locks and run side by side.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archive.errors import ArchiveReadOnly
from archive.timestamps import now_utc

logger = logging.getLogger(__name__)
LOCKS_DIR = ".goahead-jobs"  # beside the resume job dirs (extensions/resume.py)
# The lock file is padded to this size while the crawl runs: on the archive's filesystem,
# space held back so that after "disk full" the run's final row (status, counts, stats)
# can still be written: the pipeline frees it first (CrawlLock.free_reserve).
RESERVE_BYTES = 64 * 1024


class CrawlBusy(RuntimeError):
    """Another live process is crawling this blog into this archive."""

    exit_code = 2  # nothing was done (goahead_crawler/cli/hints.py)


@dataclass
class CrawlLock:
    path: Path
    fd: int
    site: str
    users: int = 1  # acquire() calls not yet released (the CLI's, then the pipeline's)

    def free_reserve(self) -> None:
        """Give back the space the lock file held for the run's last write."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, len(json.dumps(_read(self.fd)).encode()))

    def release(self) -> None:
        self.users -= 1
        if self.users > 0 or self.fd < 0:
            return
        _HELD.pop(self.path, None)
        self.free_reserve()  # a finished crawl leaves a few bytes, not the reserve
        os.close(self.fd)  # closing the descriptor drops the flock
        self.fd = -1


# Locks this process holds, by path: the CLI takes them before the crawl starts, and the
# crawl's pipeline finds them here (a second flock on a new descriptor would refuse).
_HELD: dict[Path, CrawlLock] = {}


def lock_path(db_path: str | Path, root: str) -> Path:
    db = Path(db_path).resolve()
    host = urlsplit(root).netloc.replace(":", "_")
    return db.parent / LOCKS_DIR / f"{host}.{db.name}.lock"


def acquire(db_path: str | Path, root: str, command: str | None = None) -> CrawlLock:
    """Lock the blog at ``root`` in the archive at ``db_path`` for this process.

    Raises :class:`CrawlBusy` when a live process holds it, and
    :class:`~archive.errors.ArchiveReadOnly` when the lock file cannot be made."""
    path = lock_path(db_path, root)
    held = _HELD.get(path)
    if held is not None:
        held.users += 1
        return held
    site = urlsplit(root).netloc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ArchiveReadOnly(f"cannot write beside the archive {db_path} ({exc})",
                              hint="make its folder writable, or use another --db") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(fd)
        os.close(fd)
        raise CrawlBusy(busy_message(site, db_path, holder)) from None
    stale = _read(fd)
    if stale.get("pid"):
        logger.info("Taking over the lock of a crawl that died: pid %s, started %s",
                    stale.get("pid"), stale.get("started_at"))
    _write(fd, {"pid": os.getpid(), "host": socket.gethostname(), "started_at": now_utc(),
                "site": site, "command": command})
    lock = _HELD[path] = CrawlLock(path, fd, site)
    return lock


def busy_message(site: str, db_path: str | Path, holder: dict) -> str:
    who = f"pid {holder['pid']}" if holder.get("pid") else "another process"
    if holder.get("host") and holder["host"] != socket.gethostname():
        who += f" on {holder['host']}"
    when = f", started {holder['started_at']}" if holder.get("started_at") else ""
    return (f"{site} is already being crawled into {db_path} by {who}{when};"
            " no request was made for it (wait for that one to finish)")


def _read(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = json.loads(os.read(fd, 65536) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(fd: int, values: dict) -> None:
    """The holder as JSON, then spaces up to RESERVE_BYTES (JSON allows trailing blanks);
    without the room for them, the JSON alone."""
    data = json.dumps(values).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
    with contextlib.suppress(OSError):  # a nearly full disk: no reserve, the lock holds
        os.pwrite(fd, b" " * max(0, RESERVE_BYTES - len(data)), len(data))
        os.fsync(fd)
