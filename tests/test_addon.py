"""The goahead add-on: one User-Agent (installed version + GOAHEAD_CONTACT), and defaults."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from goahead_crawler import settings as project_settings
from goahead_crawler.addon import goahead_defaults, user_agent
from goahead_crawler.runner import project_settings as load_project_settings
from tests.conftest import goahead_crawler


def test_user_agent_has_the_installed_version_and_the_contact() -> None:
    crawler = goahead_crawler(GOAHEAD_CONTACT="mailto:archive@example.org")
    assert crawler.settings["USER_AGENT"] == (
        f"goahead/{version('goahead')} (web archiver; +mailto:archive@example.org)")
    assert user_agent("x") == f"goahead/{version('goahead')} (web archiver; +x)"


def test_the_default_contact_is_settings_py_s() -> None:
    crawler = goahead_crawler()
    assert crawler.settings["USER_AGENT"].endswith(f"+{project_settings.GOAHEAD_CONTACT})")


def test_an_explicit_user_agent_wins() -> None:
    assert goahead_crawler(USER_AGENT="mine/1.0").settings["USER_AGENT"] == "mine/1.0"


def test_the_project_settings_enable_the_add_on(monkeypatch) -> None:
    # project_settings() sets SCRAPY_SETTINGS_MODULE for the process; keep it to this test
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "goahead_crawler.settings")
    settings = load_project_settings({"GOAHEAD_CONTACT": "https://example.org/contact"})
    assert "goahead_crawler.addon.Goahead" in settings.getdict("ADDONS")
    assert "USER_AGENT" not in vars(project_settings)  # built in one place: the add-on


@pytest.mark.parametrize(("extension", "setting", "reactor"), [
    ("scrapy.extensions.telnet.TelnetConsole", "TELNETCONSOLE_ENABLED", True),
    # without asyncio's reactor installed, only its absence tells Scrapy to skip the check
    ("scrapy.extensions.remote_control.RemoteControl", "REMOTE_CONTROL_ENABLED", False),
])
def test_a_crawl_with_the_project_settings_listens_on_no_port(monkeypatch, extension,
                                                             setting, reactor) -> None:
    """Scrapy enables a telnet console and (2.19+) a remote-control HTTP server that runs
    code sent to it: a crawler of goahead's project builds neither (with the setting on,
    each is built: nothing else turns it off here)."""
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "goahead_crawler.settings")
    settings = {**load_project_settings({}), "TWISTED_REACTOR_ENABLED": reactor}
    with pytest.raises(NotConfigured):
        build_from_crawler(load_object(extension), Crawler(Spider, settings))
    assert build_from_crawler(load_object(extension), Crawler(Spider, {**settings, setting: True}))


def test_the_add_on_brings_every_default_to_a_project_without_them() -> None:
    crawler = get_crawler(settings_dict={"ADDONS": {"goahead_crawler.addon.Goahead": 0}})
    for name, value in goahead_defaults().items():
        assert crawler.settings[name] == value, name
    assert "GOAHEAD_WARC_DIR" in goahead_defaults()
