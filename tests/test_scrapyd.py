"""Deploy the project to a real Scrapyd on 127.0.0.1 and schedule a crawl of the sample blog.

The egg is built by scrapyd-client (``scrapyd-deploy --build-egg``) from a copy of the
project, so the checkout is left as it is (scrapyd-deploy writes a setup.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import serve_on_a_free_port

pytestmark = pytest.mark.crawl  # whole crawls in subprocesses

requests = pytest.importorskip("requests")
pytest.importorskip("scrapyd")
pytest.importorskip("scrapyd_client")

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINT = '\n[project.entry-points.scrapy]\nsettings = "goahead_crawler.settings"\n'


def _build_egg(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("goahead_crawler", "archive"):
        shutil.copytree(ROOT / name, project / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("scrapy.cfg", "README.md"):
        shutil.copy(ROOT / name, project / name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if "[project.entry-points.scrapy]" not in pyproject:
        # Scrapyd finds the settings module through this entry point; setuptools ignores the
        # one scrapyd-deploy's generated setup.py passes when pyproject has a [project].
        pyproject += ENTRY_POINT
    (project / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    egg = tmp_path / "goahead.egg"
    build = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "--build-egg",
                            str(egg)], cwd=project, capture_output=True, text=True,
                           timeout=180, check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    return egg


@pytest.fixture
def scrapyd(tmp_path: Path):
    home = tmp_path / "scrapyd"
    home.mkdir()

    def launch(port: int) -> subprocess.Popen:
        (home / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
            f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
            "items_dir =\nmax_proc = 2\npoll_interval = 0.2\n", encoding="utf-8")
        return subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers(port: int) -> bool:
        try:
            requests.get(f"http://127.0.0.1:{port}/daemonstatus.json", timeout=1)
        except requests.ConnectionError:
            return False
        return True

    proc, port = serve_on_a_free_port(launch, answers, timeout=30)
    url = f"http://127.0.0.1:{port}/"
    yield url, home
    proc.terminate()
    proc.wait(timeout=30)


def _wait_finished(url: str, job: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = requests.get(url + "listjobs.json", params={"project": "goahead"},
                            timeout=5).json()
        if any(j["id"] == job for j in jobs["finished"]):
            return
        time.sleep(0.5)
    raise AssertionError(f"job {job} did not finish in {timeout}s: {jobs}")


def test_deploy_and_schedule_a_crawl(scrapyd, sample_site, tmp_path: Path) -> None:
    url, home = scrapyd
    egg = _build_egg(tmp_path)
    names = set(zipfile.ZipFile(egg).namelist())
    for needed in ("goahead_crawler/settings.py", "goahead_crawler/spiders/blogger.py",
                   "archive/posts.py", "goahead_crawler/extract/rules.py"):
        assert needed in names, needed
    with egg.open("rb") as fh:
        added = requests.post(url + "addversion.json", data={"project": "goahead",
                              "version": "1"}, files={"egg": fh}, timeout=60).json()
    assert added["status"] == "ok", added
    assert added["spiders"] == 1
    db, warcs = tmp_path / "archive.db", tmp_path / "warcs"
    scheduled = requests.post(url + "schedule.json", data=[
        ("project", "goahead"), ("spider", "blogger"), ("url", sample_site.urls["contempo"]),
        ("setting", f"GOAHEAD_ARCHIVE_DB={db}"), ("setting", f"GOAHEAD_WARC_DIR={warcs}"),
        ("setting", "DOWNLOAD_DELAY=0"),
    ], timeout=10).json()
    assert scheduled["status"] == "ok", scheduled
    _wait_finished(url, scheduled["jobid"])
    log = next((home / "logs").rglob(f"{scheduled['jobid']}.log")).read_text()
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    blog = sample_site.blog("contempo")
    with sqlite3.connect(db) as conn:
        keys = set(conn.execute("select blog_id, post_id from posts"))
        runs = conn.execute("select status from runs").fetchall()
    assert keys == {(blog.blog_id, p.post_id) for p in blog.posts + blog.pages}
    assert runs == [("finished",)]
    assert list(warcs.glob("*.warc.gz"))
