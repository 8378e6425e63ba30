"""Every request that waits for a host's robots.txt gets its rules
(goahead_crawler/middleware/robots.py), where Scrapy's own middleware hands all but the
first of them None, which it reads as "everything allowed"."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares import robotstxt
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from goahead_crawler.middleware import robots
from goahead_crawler.middleware.robots import RobotsTxt


def _waiters(middleware_class, monkeypatch) -> list:
    """Three requests reach a host whose robots.txt is being fetched; then it is parsed."""
    for module in (robots, robotstxt):  # await the Deferreds as such, no reactor needed
        monkeypatch.setattr(module, "maybe_deferred_to_future", lambda d: d)
    middleware = middleware_class(get_crawler(settings_dict={"ROBOTSTXT_OBEY": True}))
    fetching: Deferred = Deferred()
    middleware._parsers["blog.example:8080"] = fetching
    waiting = [Deferred.fromCoroutine(middleware.robot_parser(
        Request(f"http://blog.example:8080/img/{n}.jpg"))) for n in range(3)]
    parser = object()
    fetching.callback(parser)
    got = [d.result for d in waiting]
    return [g is parser for g in got]


def test_every_request_waiting_for_robots_txt_gets_its_rules(monkeypatch):
    assert _waiters(RobotsTxt, monkeypatch) == [True, True, True]


def test_scrapys_own_middleware_still_lets_later_waiters_through(monkeypatch):
    """The workaround's reason: when this fails, Scrapy is fixed and robots.py can go."""
    if _waiters(robotstxt.RobotsTxtMiddleware, monkeypatch) == [True, True, True]:
        pytest.fail("Scrapy's RobotsTxtMiddleware is fixed: drop goahead's RobotsTxt")
    assert _waiters(robotstxt.RobotsTxtMiddleware, monkeypatch) == [True, False, False]


def test_the_crawl_uses_it():
    from goahead_crawler import settings

    middlewares = settings.DOWNLOADER_MIDDLEWARES
    assert middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert middlewares["goahead_crawler.middleware.robots.RobotsTxt"] == 100


def test_a_robots_txt_past_500_kib_is_cut_after_its_last_whole_line():
    from goahead_crawler.middleware.robots import robots_head

    body = b"User-agent: *\nDisallow: /search\n" + b"Disallow: /x/\n" * 10
    assert robots_head(body, limit=len(body)) == body
    assert robots_head(body, limit=40) == b"User-agent: *\nDisallow: /search\n"
    assert robots_head(body, limit=len(body) - 1) == body[:-len(b"Disallow: /x/\n")]


def test_a_robots_txt_whose_lines_end_in_cr_only_is_cut_at_its_last_cr():
    """Old Mac line endings: cut at the last ``\\n`` only, the head was empty (everything
    allowed); a ``\\r\\n`` cut between its two bytes leaves a whole line too."""
    from protego import Protego

    from goahead_crawler.middleware.robots import robots_head

    body = b"User-agent: *\rDisallow: /search\r" + b"Disallow: /x/\r" * 10
    head = robots_head(body, limit=40)
    assert head == b"User-agent: *\rDisallow: /search\r"
    assert not Protego.parse(head.decode()).can_fetch("http://b/search", "goahead")
    crlf = body.replace(b"\r", b"\r\n")
    assert robots_head(crlf, limit=len(b"User-agent: *\r\nDisallow: /search\r")) == (
        b"User-agent: *\r\nDisallow: /search\r")
