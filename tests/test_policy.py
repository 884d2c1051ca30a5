"""The two decisions, and the header edits, independent of WSGI and ASGI."""

from __future__ import annotations

import ast
import logging
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from icp_footer import policy as policy_module
from icp_footer.config import _OVERRIDES, ConfigError, Settings, load
from icp_footer.policy import KEYWORDS, Plan, Policy, Target, edit_headers, load_settings

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
    assert banner.request("GET", "/", None) == Target("", None)


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("xn--fsqu00a.xn--fiqs8s:443", "例子.中国"),
        ("SITE SUSPENDED - verify your account at http://evil.example/login", ""),
        ("x" * 8000, ""),
        ("evil\n.example", ""),
    ],
)
def test_the_target_names_only_a_valid_host(host: str, shown: str) -> None:
    assert Policy(load({})).request("GET", "/", host) == Target(shown, None)
    default = policy().request("GET", "/", host)  # the host reaches logs here too
    assert default is not None
    assert default.host == shown


PAGE = Plan("text/html", None, "identity", False)


def page_snippet(decisions: Policy, host: str | None) -> bytes:
    target = decisions.request("GET", "/", host)
    assert target is not None
    return decisions.snippet(target, PAGE, "utf-8", b"")[0]


def test_hosts_not_shown_share_one_banner() -> None:
    decisions = Policy(load({}))
    first = page_snippet(decisions, "not a host 0")
    for i in range(1, 600):
        assert page_snippet(decisions, f"not a host {i}" + "x" * i) is first
    assert page_snippet(decisions, None) is first


def test_a_flood_of_hosts_neither_grows_the_cache_nor_evicts_the_footers() -> None:
    decisions = Policy(load({"ICP_FOOTER_DOMAINS": f"example.cn={NUMBER}; example.net={NUMBER}"}))
    footers = [page_snippet(decisions, host) for host in ("example.cn", "example.net")]
    for i in range(3000):
        assert f"for r{i}.example.".encode() in page_snippet(decisions, f"r{i}.example")
    assert page_snippet(decisions, "example.cn") is footers[0]
    assert page_snippet(decisions, "example.net") is footers[1]
    assert len(decisions._snippets) == 3  # the two footers and the banner


def test_the_banner_warning_is_once_per_host_and_bounded(caplog: pytest.LogCaptureFixture) -> None:
    banner = Policy(load({}))
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        for _ in range(3):
            banner.request("GET", "/", "a.example")
        for i in range(3000):
            banner.request("GET", "/", f"h{i}.example")
    assert caplog.text.count("'a.example'") == 1
    assert len(banner._warned) <= 1024


def test_a_warning_is_one_line_naming_the_host_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        Policy(load({})).request("GET", "/", "XN--FSQU00A.xn--fiqs8s:8080")
    (record,) = caplog.records
    message = record.getMessage()
    assert message.count("例子.中国") == 1
    assert "xn--" not in message
    assert "\n" not in message
    assert "ICP_FOOTER_DOMAINS" in message
    assert "ICP_FOOTER_NUMBER" in message


@pytest.mark.parametrize(
    "host",
    [
        "evil\n2026-01-01 INFO forged line\r\x1b[31m" + "x" * 8000,
        "\u2028\u202e" + "y" * 200,
    ],
)
def test_an_invalid_host_is_warned_about_escaped_and_cut_short(
    host: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        Policy(load({})).request("GET", "/", host)
    (record,) = caplog.records
    message = record.getMessage()
    assert "not a valid host name" in message
    assert message.isprintable()
    assert len(message) < 400
    assert repr(host[:100]) in message
    assert f"({len(host)} characters)" in message


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_new_host_warnings_are_capped_per_minute_with_a_summary(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limit = policy_module._WARN_LIMIT
    clock = Clock()
    decisions = Policy(load({}), clock=clock)
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        for i in range(400):
            decisions.request("GET", "/", f"h{i}.example" if i % 2 else f"bad host {i}")
            clock.now += 0.125  # 50 s in all
        assert len(caplog.records) == limit
        decisions.request("GET", "/", "h1.example")  # already reported
        clock.now += 10.0  # the minute is over
        assert len(caplog.records) == limit
        decisions.request("GET", "/about", "h1.example")  # any request after the window
        assert len(caplog.records) == limit + 1
        assert caplog.records[-1].getMessage() == (
            f"icp-footer: {400 - limit} more hosts without a number (not logged one by one: "
            f"at most {limit} a minute)"
        )
        for i in range(limit + 5):
            decisions.request("GET", "/", f"n{i}.example")
        assert len(caplog.records) == 2 * limit + 1  # a fresh allowance, no summary yet
        clock.now += 60.0
        decisions.request("GET", "/", "n0.example")
        assert caplog.records[-1].getMessage().startswith("icp-footer: 5 more hosts")
        decisions.request("GET", "/", "n1.example")
        clock.now += 600.0
        decisions.request("GET", "/", "n1.example")
    assert len(caplog.records) == 2 * limit + 2  # nothing left to summarise


def test_threads_share_the_caches_safely(caplog: pytest.LogCaptureFixture) -> None:
    decisions = Policy(load({"ICP_FOOTER_DOMAINS": f"example.cn={NUMBER}"}))
    hosts = [f"h{i}.example" for i in range(400)] + ["example.cn"]
    # A nonce per host: more snippets than the cache holds, so entries are evicted all along.
    plans = [Plan("text/html", f"style-src 'nonce-n{i}'", "identity", False) for i in range(401)]
    failures: list[object] = []

    def work(seed: int) -> None:
        pick = random.Random(seed).randrange
        try:
            for _ in range(2500):  # without the lock, some thread fails every time
                i = pick(len(hosts))
                target = decisions.request("GET", "/", hosts[i])
                assert target is not None
                snippet = decisions.snippet(target, plans[i], "utf-8", b"")[0]
                want = NUMBER if i == 400 else f"for {hosts[i]}."
                if want.encode() not in snippet or f'nonce="n{i}"'.encode() not in snippet:
                    failures.append(hosts[i])
        except Exception as error:
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with caplog.at_level(logging.WARNING, logger="icp_footer"):
            threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert not [r for r in caplog.records if r.levelno > logging.WARNING or r.exc_info]
    assert len(decisions._warned) == len(hosts) - 1


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


def test_a_fresh_nonce_on_every_response_reuses_one_rendering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CSP nonces change per response: the snippet is rendered once and the nonce swapped in."""
    decisions = policy()
    target = decisions.request("GET", "/", "example.cn")
    assert target is not None
    rendered: list[str] = []
    original = policy_module.markup

    def counting(*args: Any, **kwargs: Any) -> str:
        html = original(*args, **kwargs)
        rendered.append(html)
        return html

    monkeypatch.setattr(policy_module, "markup", counting)
    for i in range(50):
        nonce = f"rAnd0m+/{i}=="
        csp = f"style-src 'nonce-{nonce}'"
        snippet, _ = decisions.snippet(
            target, Plan("text/html", csp, "identity", False), "gbk", b""
        )
        assert f'<style nonce="{nonce}">'.encode() in snippet
        assert b"icpFooterNonceMark" not in snippet
        assert NUMBER.encode("gbk") in snippet
    assert len(rendered) == 1


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


# -- the middleware's keyword arguments ---------------------------------------------------------

BAD_KEYWORDS: dict[str, Any] = {
    "number": "京ICP备1号",
    "psb": "京公网安备 1号",
    "domains": "example.cn",
    "domains_file": "/nonexistent/icp-footer/domains.txt",
    "paths": "index.html",
    "missing": "maybe",
    "strict": "maybe",
    "owner": 2026,
    "icp_url": "beian.miit.gov.cn",
    "psb_url": "ftp://beian.mps.gov.cn/",
    "lookbehind_limit": 100,
    "trust_forwarded_host": "maybe",
    "reload_interval": 0,
    "clock": 5,
}


def keyword_problem(key: str, value: Any) -> str:
    keywords = {key: value}
    if key == "psb":
        keywords["number"] = NUMBER
    with pytest.raises(ConfigError) as caught:
        load_settings("ICPFooterMiddleware", {}, keywords)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


def test_every_keyword_has_a_bad_value_here() -> None:
    assert set(BAD_KEYWORDS) == set(KEYWORDS)


@pytest.mark.parametrize("key", sorted(BAD_KEYWORDS))
def test_a_bad_keyword_names_the_keyword_and_shows_a_keyword_that_works(key: str) -> None:
    problem = keyword_problem(key, BAD_KEYWORDS[key])
    where, _, what = problem.partition(": ")
    assert where in (
        f"ICPFooterMiddleware({key}=...)",
        'ICPFooterMiddleware(domains=...) entry "example.cn"',
    )
    assert "ICP_FOOTER_" not in problem
    what, _, example = what.rpartition(". Example: ")
    assert what
    name, _, literal = example.partition("=")
    assert name == key
    value = time.monotonic if key == "clock" else ast.literal_eval(literal)
    if key == "domains_file":  # a path where a system keeps it: none here
        assert value == "/etc/icp-footer/domains.txt"
        return
    keywords = {key: value, "number": NUMBER} if key != "number" else {key: value}
    assert isinstance(load_settings("ICPFooterMiddleware", {}, keywords), Settings)


def test_a_value_from_the_environment_names_the_variable() -> None:
    env = {"ICP_FOOTER_NUMBER": "京ICP备1号", "ICP_FOOTER_MISSING": "maybe"}
    with pytest.raises(ConfigError) as caught:
        load_settings("ICPFooterMiddleware", env, {"number": None, "owner": "© 示例"})
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "ICP_FOOTER_NUMBER",
        "ICP_FOOTER_MISSING",
    ]
    assert caught.value.problems == load_problems(env)
    with pytest.raises(ConfigError) as caught:  # the keyword overrides the variable
        load_settings("ICPFooterASGI", env, {"missing": "often"})
    assert caught.value.problems[1].startswith('ICPFooterASGI(missing=...): "often" is ')


def load_problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(env)
    return caught.value.problems


def test_a_domains_keyword_entry_is_named_with_a_dict_example() -> None:
    problem = keyword_problem("domains", {"example.cn": "京ICP备1号", "example.com": "none"})
    assert problem.startswith(
        'ICPFooterMiddleware(domains=...) entry "example.cn=京ICP备1号": "京ICP备1号": '
    )
    assert problem.endswith(
        'Example: domains={"example.cn": "京ICP备12345678号-1|京公网安备 11010502030143号", '
        '"example.com": "none"}'
    )


def test_a_domains_file_keyword_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "domains.txt"
    path.write_text("# the shop\nexample.cn=京ICP备1号\n", encoding="utf-8")
    problem = keyword_problem("domains_file", path)
    assert problem.startswith(f"ICPFooterMiddleware(domains_file=...) {path} line 2: ")
    assert problem.endswith("Example: example.cn=京ICP备12345678号-1|京公网安备 11010502030143号")


def test_another_setting_a_problem_mentions_is_named_as_it_can_be_given() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings("M", {}, {"psb": "京公网安备 11010502030143号"})
    assert caught.value.problems == [
        "M(psb=...): it needs number= (or ICP_FOOTER_NUMBER) beside it. "
        'Example: psb="京公网安备 11010502030143号"'
    ]


@pytest.mark.parametrize(
    ("key", "value", "what"),
    [
        ("paths", 5, "int 5 given; give a str, or a list of str"),
        ("paths", ["/", 1], "int 1 in it; give a list of str"),
        ("domains", 5, "int 5 given; give a str, or a dict of domain to number"),
        ("domains_file", 5, "int 5 given; give a str or a pathlib.Path"),
        ("lookbehind_limit", True, "bool True given; give an int"),
        ("lookbehind_limit", 1e6, "float 1000000.0 given; give an int"),
        ("strict", ["no"], "list ['no'] given; give a bool"),
        ("number", 12345678, "int 12345678 given; give a str"),
        ("reload_interval", True, "bool True given; give a number of seconds"),
        ("clock", "monotonic", "'monotonic' is not callable"),
    ],
)
def test_a_keyword_of_the_wrong_type_is_a_config_error_not_a_crash(
    key: str, value: Any, what: str
) -> None:
    problem = keyword_problem(key, value)
    assert problem.startswith(f"ICPFooterMiddleware({key}=...): {what}. Example: {key}=")


def test_all_problems_are_listed_keywords_and_variables_together() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings("M", {"ICP_FOOTER_PSB_URL": "x"}, {"paths": 5, "number": "x"})
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "M(paths=...)",
        "M(number=...)",
        "ICP_FOOTER_PSB_URL",
    ]


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("numbr", " Did you mean 'number'?"),
        ("psb_number", " Did you mean 'number'?"),
        ("domain", " Did you mean 'domains'?"),
        ("enviro", " Did you mean 'environ'?"),
        ("colour", ""),
    ],
)
def test_an_unknown_keyword_is_a_type_error_naming_it_and_the_closest(key: str, hint: str) -> None:
    with pytest.raises(TypeError) as caught:
        load_settings("ICPFooterMiddleware", {}, {"number": NUMBER, key: 1})
    assert str(caught.value) == (
        f"ICPFooterMiddleware() got an unexpected keyword argument {key!r}.{hint} "
        f"Its keywords: environ, {', '.join(KEYWORDS)}"
    )


def test_the_keywords_are_everything_load_takes() -> None:
    for key in KEYWORDS:
        assert isinstance(load({"ICP_FOOTER_NUMBER": NUMBER}, **{key: None}), Settings)
    assert "environ" not in KEYWORDS  # the middleware's own, listed first in its errors


README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_table_lists_every_keyword() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Keyword arguments\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    listed = [row.split("`")[1] for row in rows]
    assert listed == ["environ", *KEYWORDS]
    for row, key in zip(rows[1:], KEYWORDS, strict=True):
        variable = _OVERRIDES.get(key)
        assert (f"`{variable}`" in row) if variable else ("| none |" in row), row


def test_the_readme_shows_the_errors_as_they_are() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Keyword arguments\n", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip().splitlines() for b in section.split("```text\n")[1:]]
    assert [block[: block.index("```")] if "```" in block else block for block in blocks] == [
        [keyword_problem("number", "京ICP备123号"), keyword_problem("paths", 5)],
        [unknown_keyword_message("numbr")],
    ]


def unknown_keyword_message(key: str) -> str:
    with pytest.raises(TypeError) as caught:
        load_settings("ICPFooterMiddleware", {}, {key: 1})
    return str(caught.value)
