"""What a run row means now: is its process alive, and how is a stopped run resumed.

A row marked ``running`` whose process is gone (same host, no such pid) was killed; its
figures are what it stored (:func:`archive.runs.stored_counts`). A run that stopped
before its end (killed, Ctrl-C / SIGTERM, a failed write) is resumed by its own command
plus ``--resume``.
"""

from __future__ import annotations

import os
import shlex
import socket
from collections.abc import Mapping
from typing import Any

# Runs that stopped before their end; the next --resume of the blog picks them up.
INTERRUPTED = frozenset({"killed", "shutdown", "failed", "server_failing"})
_WHAT = {"killed": "was killed before its end", "shutdown": "was stopped before its end",
         "failed": "stopped after a failed write",
         "server_failing": "stopped early: the server was failing"}


def process_alive(pid: int | None, host: str | None) -> bool:
    """Whether ``pid`` still runs; a process on another host, or a row that names no
    process (written by an older goahead), is taken to be alive: it cannot be told."""
    if not pid:
        return True
    if host and host != socket.gethostname():
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status_now(row: Mapping[str, Any]) -> str:
    """The row's status, ``killed`` for a ``running`` row whose process is gone."""
    status = row.get("status") or ""
    if status == "running" and not process_alive(row.get("pid"), row.get("host")):
        return "killed"
    return status


def resume_command(command: str | None) -> str | None:
    """``goahead crawl ... --resume`` from a run's command, or None when it was not
    started by ``goahead crawl`` (Scrapy, Scrapyd: see docs/OPERATIONS.md)."""
    if not command:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if words[:2] != ["goahead", "crawl"]:
        return None
    if "--resume" not in words:
        words.append("--resume")
    return shlex.join(words)


def resume_hint(row: Mapping[str, Any]) -> str | None:
    """One line for a run that stopped before its end, or None."""
    status = status_now(row)
    if status not in INTERRUPTED:
        return None
    how = resume_command(row.get("command"))
    what = _WHAT[status]
    site = row.get("site") or "?"
    if how is None:
        return f"run {row['id']} ({site}) {what}"
    return f"run {row['id']} ({site}) {what}; resume it with: {how}"
