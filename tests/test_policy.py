"""The two decisions, and the header edits, independent of WSGI and ASGI."""

from __future__ import annotations

import logging

import pytest

from icp_footer.config import load
from icp_footer.policy import Plan, Policy, Target, edit_headers

NUMBER = "京ICP备12345678号-1"


def policy(**env: str) -> Policy:
    return Policy(load({"ICP_FOOTER_NUMBER": NUMBER, **env}))


@pytest.mark.parametrize(
    ("method", "path", "touched"),
    [
        ("GET", "/", True),
        ("GET", "", True),
        ("GET", "/index.html", True),
        ("GET", "/index.htm", True),
        ("HEAD", "/", True),
        ("POST", "/", False),
        ("get", "/", False),
        ("GET", "/about", False),
        ("GET", "/index.html/", False),
    ],
)
def test_the_request_decision(method: str, path: str, touched: bool) -> None:
    assert (policy().request(method, path, "example.cn") is not None) is touched


def test_head_is_marked_so_only_its_headers_are_edited() -> None:
    target = policy().request("HEAD", "/", "example.cn")
    assert target is not None
    assert target.head
    get = policy().request("GET", "/", "example.cn")
    assert get is not None
    assert not get.head


def test_silenced_hosts_and_missing_off_are_not_touched() -> None:
    assert policy(ICP_FOOTER_DOMAINS="example.com=none").request("GET", "/", "example.com") is None
    nothing = Policy(load({"ICP_FOOTER_MISSING": "off"}))
    assert nothing.request("GET", "/", "example.cn") is None
    banner = Policy(load({}))
    assert banner.request("GET", "/", "Example.CN:80") == Target("example.cn", None)
    assert banner.request("GET", "/", None) == Target("(no host)", None)


def test_the_banner_warning_is_once_per_host_and_bounded(caplog: pytest.LogCaptureFixture) -> None:
    banner = Policy(load({}))
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        for _ in range(3):
            banner.request("GET", "/", "a.example")
        for i in range(3000):
            banner.request("GET", "/", f"h{i}.example")
    assert caplog.text.count("'a.example'") == 1
    assert len(banner._warned) <= 1024


HTML = [("Content-Type", "text/html; charset=utf-8")]


@pytest.mark.parametrize(
    ("status", "headers", "rewritten"),
    [
        (200, HTML, True),
        (200, [("content-type", "TEXT/HTML")], True),
        (200, [("Content-Type", "application/xhtml+xml")], True),
        (201, HTML, False),
        (204, HTML, False),
        (206, HTML, False),
        (304, HTML, False),
        (302, HTML, False),
        (404, HTML, False),
        (500, HTML, False),
        (200, [("Content-Type", "application/json")], False),
        (200, [("Content-Type", "text/plain")], False),
        (200, [("Content-Type", "text/htmlx")], False),
        (200, [], False),
        (200, [*HTML, ("Content-Disposition", "attachment; filename=x.html")], False),
        (200, [*HTML, ("Content-Disposition", "inline")], True),
        (200, [*HTML, ("Content-Range", "bytes 0-1/2")], False),
        (200, [*HTML, ("Content-Encoding", "gzip")], True),
        (200, [*HTML, ("Content-Encoding", "deflate")], True),
        (200, [*HTML, ("Content-Encoding", "br")], True),
        (200, [*HTML, ("Content-Encoding", "compress")], False),
        (200, [*HTML, ("Content-Encoding", "gzip, br")], False),
    ],
)
def test_the_response_decision(
    status: int, headers: list[tuple[str, str]], rewritten: bool
) -> None:
    assert (policy().response(status, headers) is not None) is rewritten


def test_the_plan() -> None:
    plan = policy().response(
        200,
        [
            ("Content-Type", "application/xhtml+xml; charset=gbk"),
            ("Content-Encoding", "x-gzip"),
            ("Content-Security-Policy", "style-src 'self'"),
            ("Content-Security-Policy", "default-src 'none'"),
        ],
    )
    assert plan == Plan(
        content_type="application/xhtml+xml; charset=gbk",
        csp="style-src 'self', default-src 'none'",
        encoding="gzip",
        xhtml=True,
    )


def test_snippets_are_cached_per_charset_and_style() -> None:
    decisions = policy()
    target = decisions.request("GET", "/", "example.cn")
    assert target is not None
    plan = Plan("text/html", None, "identity", False)
    utf8 = decisions.snippet(target, plan, "utf-8", b"")
    assert decisions.snippet(target, plan, "utf-8", b"") is utf8
    gbk = decisions.snippet(target, plan, "gbk", b"")
    assert NUMBER.encode("gbk") in gbk[0]
    assert NUMBER.encode("gbk") in gbk[1]
    strict = decisions.snippet(
        target, Plan("text/html", "style-src 'self'", "identity", False), "utf-8", b""
    )
    assert b"style=" not in strict[0]


def test_edit_headers() -> None:
    headers = [
        ("Content-Length", "10"),
        ("ETag", '"a"'),
        ("etag", 'W/"b"'),
        ("Content-MD5", "x"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]
    assert edit_headers(headers, 25) == [
        ("Content-Length", "25"),
        ("ETag", 'W/"a"'),
        ("etag", 'W/"b"'),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]
    assert edit_headers(headers, None)[0] == ("ETag", 'W/"a"')
    assert edit_headers([("X", "1")], 5) == [("X", "1")]
