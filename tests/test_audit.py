"""icp_footer.audit and `icp-footer check`: judging pages, fetching them, exit codes.

No network but 127.0.0.1: in-process apps through httpx's transports, and a real
``python -m http.server`` serving files from tmp_path.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import re
import socket
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from icp_footer import cli
from icp_footer.asgi import ICPFooterMiddleware as ASGIFooter
from icp_footer.audit import (
    PageReport,
    audit_html,
    check_app,
    check_urls,
    is_asgi,
)
from icp_footer.decoding import STEPS
from icp_footer.numbers import parse_icp, parse_psb, recognise_icp
from icp_footer.render import FooterStyle, footer_html
from icp_footer.wsgi import ICPFooterMiddleware as WSGIFooter

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import html5lib

NUMBER = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"
CODE = "11010502030143"
MIIT = "https://beian.miit.gov.cn/"
MPS = f"https://beian.mps.gov.cn/#/query/webSearch?code={CODE}"
URL = "https://example.cn/"
INLINE = FooterStyle(charset="utf-8", style_nonce=None, inline_style=True, xhtml=False)
MAIN = "<main><h1>示例</h1><p>" + "正文内容。" * 40 + "</p></main>"
ANSI = re.compile("\x1b\\[")


def footer(style: FooterStyle = INLINE) -> str:
    """The footer icp-footer itself writes."""
    return footer_html(parse_icp(NUMBER), parse_psb(PSB), owner="© 2026 示例公司", style=style)


def page(bottom: str, *, main: str = MAIN, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset=utf-8>{head}<title>t</title></head>"
        f"<body>{main}{bottom}</body></html>"
    )


def icp_link(text: str = NUMBER, href: str = MIIT) -> str:
    return f'<a href="{href}" target="_blank">{text}</a>'


def psb_link(text: str = PSB, href: str = MPS, badge: bool = True) -> str:
    img = '<img src="/gongan.png" alt="公安备案">' if badge else ""
    return f'<a href="{href}">{img}{text}</a>'


def errors(report: PageReport) -> list[str]:
    return [f.message for f in report.findings if f.severity == "error"]


def severities(report: PageReport, severity: str) -> list[str]:
    return [f.message for f in report.findings if f.severity == severity]


# -- audit_html: a table of pages ---------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    html: str
    ok: bool
    icp: tuple[str, ...]
    check: Callable[[PageReport], object] = lambda report: True


def _nothing_visible(r: PageReport) -> bool:
    return any("appears only outside the visible text" in m for m in errors(r))


CASES = [
    Case(
        "injected by icp-footer, inline styles",
        page(f"<footer><p>联系我们</p>{footer()}</footer>"),
        True,
        (NUMBER,),
        lambda r: (
            r.findings == ()
            and r.icp[0].in_footer
            and r.icp[0].link == MIIT
            and r.psb[0].badge is True
            and r.psb[0].link == MPS
        ),
    ),
    Case(
        "injected by icp-footer, CSP without nonce (unstyled markup)",
        page(f"<footer>{footer(FooterStyle('utf-8', None, False, False))}</footer>"),
        True,
        (NUMBER,),
        lambda r: r.findings == () and r.psb[0].badge is True,
    ),
    Case(
        "injected by icp-footer, CSP nonce block",
        page(f"<footer>{footer(FooterStyle('utf-8', 'abc', False, False))}</footer>"),
        True,
        (NUMBER,),
        lambda r: r.findings == (),
    ),
    Case(
        "only in a script, a comment, an attribute, a template, noscript and hidden elements",
        page(
            f"<footer><script>var icp = '{NUMBER}';</script><!-- {NUMBER} -->"
            f'<span title="{NUMBER}">备案</span><template>{icp_link()}</template>'
            f"<noscript>{icp_link()}</noscript><p hidden>{icp_link()}</p>"
            f'<p style="color:red; display: none">{icp_link()}</p>'
            f'<p style="visibility:hidden">{icp_link()}</p></footer>',
            head=f"<style>.x::after{{content:'{NUMBER}'}}</style>",
        ),
        False,
        (),
        _nothing_visible,
    ),
    Case(
        "no number at all",
        page("<footer>© 2026</footer>"),
        False,
        (),
        lambda r: (
            errors(r) == ["no ICP number in the page's visible text"]
            and r.findings[0].fix == f"show the ICP number in the page footer, linked to {MIIT}"
        ),
    ),
    Case(
        "unlinked number",
        page(f"<footer><p>{NUMBER}</p></footer>"),
        False,
        (NUMBER,),
        lambda r: (
            errors(r) == [f"{NUMBER} is not a link to the MIIT filing system"]
            and r.findings[0].fix == f"link {NUMBER} to {MIIT}"
            and not r.icp[0].linked
        ),
    ),
    Case(
        "link without a trailing slash",
        page(f"<footer>{icp_link(href='https://beian.miit.gov.cn')}</footer>"),
        True,
        (NUMBER,),
    ),
    Case(
        "link to a page of the filing system, scheme-relative",
        page(f"<footer>{icp_link(href='//BEIAN.miit.gov.cn/#/Integrated/index')}</footer>"),
        True,
        (NUMBER,),
        lambda r: r.icp[0].link == "https://BEIAN.miit.gov.cn/#/Integrated/index",
    ),
    Case(
        "http link: it redirects, a warning",
        page(f"<footer>{icp_link(href='http://beian.miit.gov.cn/')}</footer>"),
        True,
        (NUMBER,),
        lambda r: (
            severities(r, "warning")
            == [
                f"{NUMBER} links to http://beian.miit.gov.cn/ (http, which redirects to https), "
                f"not {MIIT}: it works for a visitor, but hosting providers' checks look for "
                "that address"
            ]
            and r.findings[0].fix == f"link {NUMBER} to {MIIT}"
        ),
    ),
    Case(
        "link to a deep page of the filing system: a warning",
        page(f"<footer>{icp_link(href=MIIT + 'state/outPortal/loginPortal.action')}</footer>"),
        True,
        (NUMBER,),
        lambda r: (
            len(r.findings) == 1
            and r.findings[0].severity == "warning"
            and "(a page inside the filing system)" in r.findings[0].message
        ),
    ),
    Case(
        "link to the record query route of the filing system: a warning",
        page(f"<footer>{icp_link(href=MIIT + '#/Integrated/recordQuery')}</footer>"),
        True,
        (NUMBER,),
        lambda r: [f.severity for f in r.findings] == ["warning"],
    ),
    Case(
        "link to a page with a query, over http: one warning that says both",
        page(f"<footer>{icp_link(href='http://beian.miit.gov.cn/?from=footer')}</footer>"),
        True,
        (NUMBER,),
        lambda r: (
            [f.severity for f in r.findings] == ["warning"]
            and "(http, which redirects to https and a page inside the filing system)"
            in r.findings[0].message
        ),
    ),
    Case(
        "relative link",
        page(f"<footer>{icp_link(href='/beian')}</footer>"),
        False,
        (NUMBER,),
        lambda r: (
            errors(r)
            == [f"{NUMBER} links to https://example.cn/beian, not to the MIIT filing system"]
        ),
    ),
    Case(
        "the link wraps more than the number, which spans inline elements",
        page(f'<footer><a href="{MIIT}">备案号：京ICP备<b>12345678</b>号-1</a></footer>'),
        True,
        (NUMBER,),
    ),
    Case(
        "the link covers the number but not its -N",
        page(f'<footer><a href="{MIIT}">京ICP备12345678号</a>-1</footer>'),
        True,
        (NUMBER,),
    ),
    Case(
        "digits in the next block are not part of the number",
        page(f"<footer>{icp_link('京ICP备12345678')}<p>2024</p></footer>"),
        True,
        ("京ICP备12345678",),
    ),
    Case(
        "malformed number",
        page(f"<footer>{icp_link('京ICP备123号')}</footer>"),
        False,
        ("京ICP备123号",),
        lambda r: (
            not r.icp[0].valid
            and "8 or 10 digits, not 3" in (r.icp[0].message or "")
            and r.icp[0].linked
            and "malformed ICP number" in errors(r)[0]
        ),
    ),
    Case(
        "lower-case icp",
        page(f"<footer>{icp_link('京icp备12345678号')}</footer>"),
        False,
        ("京icp备12345678号",),
        lambda r: "capital" in (r.icp[0].message or ""),
    ),
    Case(
        "fan badge only",
        page('<footer><a href="https://icp.gov.moe/?keyword=20240001">萌ICP备20240001号</a>'),
        False,
        (),
        lambda r: any("fan badge" in m for m in severities(r, "info")),
    ),
    Case(
        "fan badge beside a real number",
        page(f"<footer>{icp_link()} <a href='https://icp.gov.moe/'>萌ICP备20240001号</a>"),
        True,
        (NUMBER,),
        lambda r: (
            severities(r, "info")
            == ["萌ICP备20240001号 is a fan badge, not a filing number (ignored)"]
        ),
    ),
    Case(
        "number in an article's footer only",
        page(
            "<footer>© 2026 示例公司 · 关于我们 · 联系方式 · 隐私政策 · 服务条款</footer>",
            main=f"<main><article><p>{'正文。' * 10}</p><footer>{icp_link()}</footer></article>"
            f"<aside>{'相关文章。' * 30}</aside></main>",
        ),
        True,
        (NUMBER,),
        lambda r: (
            r.icp[0].placement == "elsewhere"
            and not r.icp[0].in_footer
            and severities(r, "warning") == [f"{NUMBER} is not at the bottom of the page"]
        ),
    ),
    Case(
        "no site footer: the end of the body is fine, with a note",
        page(f"<div>{icp_link()}</div>"),
        True,
        (NUMBER,),
        lambda r: (
            r.icp[0].placement == "end"
            and severities(r, "info")
            == [f"{NUMBER} is not inside the site footer, but at the end of the page"]
        ),
    ),
    Case(
        "role=contentinfo is the site footer",
        page(f'<div role="contentinfo">{icp_link()}</div><div>{"x" * 2000}</div>'),
        True,
        (NUMBER,),
        lambda r: r.icp[0].in_footer and r.findings == (),
    ),
    Case(
        "the number appears twice: the linked one in the footer counts",
        page(f"<footer>{icp_link()}</footer>", main=f"<main><p>{NUMBER}</p>{MAIN}</main>"),
        True,
        (NUMBER,),
        lambda r: r.icp[0].occurrences == 2 and r.icp[0].in_footer and r.findings == (),
    ),
    Case(
        "an ICP licence number needs no link",
        page(f"<footer>京ICP证030173号 {icp_link()}</footer>"),
        True,
        ("京ICP证030173号", NUMBER),
    ),
    Case(
        "icp-footer's missing-number banner",
        page(
            '<div class="icp-footer-banner" data-icp-footer="banner">此网站未显示 ICP 备案号</div>'
        ),
        False,
        (),
        lambda r: any("banner" in m for m in errors(r)),
    ),
    Case(
        "PSB without badge",
        page(f"<footer>{icp_link()} {psb_link(badge=False)}</footer>"),
        True,
        (NUMBER,),
        lambda r: (
            r.psb[0].badge is False
            and severities(r, "warning")[0].startswith(f"no badge image next to {PSB}")
        ),
    ),
    Case(
        "PSB badge as the link's previous sibling",
        page(f'<footer>{icp_link()} <p><img src="/b.png"> {psb_link(badge=False)}</p></footer>'),
        True,
        (NUMBER,),
        lambda r: r.psb[0].badge is True and r.findings == (),
    ),
    Case(
        "PSB with the old portal link",
        page(
            f"<footer>{icp_link()} "
            + psb_link(href=f"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={CODE}")
            + "</footer>"
        ),
        False,
        (NUMBER,),
        lambda r: (
            "old portal www.beian.gov.cn" in errors(r)[0]
            and r.findings[0].fix == f"link {PSB} to {MPS}"
        ),
    ),
    Case(
        "PSB linked to another record's code",
        page(f"<footer>{icp_link()} {psb_link(href=MPS.replace(CODE, '11010502030144'))}</footer>"),
        False,
        (NUMBER,),
        lambda r: errors(r) == [f"{PSB} links to code=11010502030144, not to its own code {CODE}"],
    ),
    Case(
        "PSB linked to the search page without its code",
        page(f"<footer>{icp_link()} {psb_link(href='https://beian.mps.gov.cn/')}</footer>"),
        True,
        (NUMBER,),
        lambda r: "without its code" in severities(r, "warning")[0],
    ),
    Case(
        "malformed PSB number",
        page(f"<footer>{icp_link()} {psb_link('京公网安备 1101050203014号')}</footer>"),
        False,
        (NUMBER,),
        lambda r: not r.psb[0].valid and "malformed PSB number" in errors(r)[0],
    ),
]

# What a page shows, and its standard form.
SLOPPY = [
    ("京ICP备 12345678号", "京ICP备12345678号"),
    ("京ICP备12345678 号-1", "京ICP备12345678号-1"),
    ("京ICP备12345678-1", "京ICP备12345678号-1"),
    ("滇ICP备09010050-5号", "滇ICP备09010050号-5"),
    ("京ICP备１２３４５６７８号－１", "京ICP备12345678号-1"),
    ("京ICP证 030367号", "京ICP证030367号"),
    ("沪ICP证：沪B2-20170116", "沪B2-20170116"),
    ("鄂ICP证:020001-5", "鄂ICP证020001号"),
    ("京｜ICP备11020872号－17", "京ICP备11020872号-17"),
    ("京ICP證030173號", "京ICP证030173号"),
    ("陕ICP备2024026116号-1A", "陕ICP备2024026116号-1A"),
    ("粤B2-20090059-5", "粤B2-20090059-5"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_audit_html(case: Case) -> None:
    report = audit_html(case.html, URL)
    assert report.ok is case.ok, report.findings
    assert tuple(n.text for n in report.icp) == case.icp
    assert case.check(report), report


@pytest.mark.parametrize(
    "host", ["www.miitbeian.gov.cn", "miitbeian.gov.cn", "www.beian.miit.gov.cn"]
)
def test_dead_legacy_link_targets(host: str) -> None:
    report = audit_html(page(f"<footer>{icp_link(href=f'http://{host}/')}</footer>"), URL)
    assert not report.ok
    [finding] = report.findings
    assert (
        finding.message
        == f"{NUMBER} links to http://{host}/: {host} has been dead since 2020 (no redirect)"
    )
    assert finding.fix == f"link {NUMBER} to {MIIT}"


@pytest.mark.parametrize("linked", [True, False], ids=["linked", "unlinked"])
@pytest.mark.parametrize(("text", "standard"), SLOPPY, ids=[t for t, _ in SLOPPY])
def test_sloppy_forms_are_found_and_flagged(text: str, standard: str, linked: bool) -> None:
    shown = icp_link(text) if linked else text
    report = audit_html(page(f"<footer>{shown}</footer>"), URL)
    assert [(n.text, n.standard, n.valid) for n in report.icp] == [(text, standard, True)]
    forms = [f for f in report.findings if f.message.startswith(f"{text} is not in the standard")]
    if text == standard:
        assert forms == []
    else:
        [finding] = forms
        assert finding.severity == "warning"
        assert finding.fix == f"write it as {standard}, as on the filing record"
        assert finding.number == text
    if linked:
        assert report.ok, report.findings
        assert all(f.severity == "warning" for f in report.findings)
    assert not any("no ICP number" in m for m in errors(report))


def test_the_standard_form_of_a_psb_number_is_given_too() -> None:
    html = page(f"<footer>{icp_link()} {psb_link('京公網安備 11010502030143號')}</footer>")
    report = audit_html(html, URL)
    assert report.ok
    assert report.psb[0].standard == PSB
    assert [f.fix for f in report.findings] == [f"write it as {PSB}, as on the filing record"]


def test_lookalikes_are_not_numbers() -> None:
    noise = (
        "<p>本站 ICP 备案正在办理中。客服热线 400-800-1234 / 010-82345678，"
        "订单号 2024031512345678，12345678号楼。粤B2 审批中；京公网安备案中。</p>"
        "<p>南京 | ICP 12345678 · TCP/ICP 协议 · 萌ICP备20240001号</p>"
    )
    report = audit_html(page(f"<footer>{noise}</footer>"), URL)
    assert report.icp == report.psb == ()
    assert errors(report) == ["no ICP number in the page's visible text"]


def test_a_number_without_its_province_is_malformed_not_missing() -> None:
    report = audit_html(page(f"<footer>南京 | {icp_link('ICP备12345678号')}</footer>"), URL)
    assert [(n.text, n.valid) for n in report.icp] == [("ICP备12345678号", False)]
    assert "province character is missing" in errors(report)[0]


def test_expect_compares_standard_forms() -> None:
    html = page(f"<footer>{icp_link('滇ICP备09010050-5号')} {psb_link('京公网安备11010502030143')}")
    assert audit_html(html, URL, expect=["滇ICP备09010050号-5", PSB]).ok
    assert not audit_html(html, URL, expect=["滇ICP备09010050号-6"]).ok


def test_expect_compares_normalised_numbers() -> None:
    html = page(f"<footer>{icp_link('京ICP备 12345678号-1')} {psb_link()}</footer>")
    assert audit_html(html, URL, expect=[NUMBER, "京公网安备11010502030143号"]).ok
    other = audit_html(html, URL, expect=["京ICP备87654321号-1"])
    assert errors(other) == [
        "the page does not show the expected number 京ICP备87654321号-1; "
        "it shows 京ICP备 12345678号-1"
    ]
    missing_psb = audit_html(page(f"<footer>{icp_link()}</footer>"), URL, expect=[PSB])
    assert errors(missing_psb) == [f"the page does not show the expected number {PSB}"]


def test_report_to_dict_is_the_json_shape() -> None:
    report = audit_html(page(f"<footer>{icp_link()} {psb_link()}</footer>"), URL)
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "url",
        "final_url",
        "status",
        "ok",
        "error",
        "encoding",
        "encoding_step",
        "verdict",
        "home",
        "expected",
        "expect_none",
        "source",
        "icp",
        "psb",
        "findings",
    }
    assert (data["verdict"], data["home"], data["expected"]) == ("compliant", True, [])
    assert (data["encoding"], data["encoding_step"]) == (None, None)  # nothing was fetched
    assert set(data["icp"][0]) >= {"text", "valid", "message", "linked", "link", "in_footer"}
    assert data["icp"][0]["standard"] == NUMBER
    assert data["psb"][0]["badge"] is True


def test_deep_pages_do_not_recurse() -> None:
    html = page("<div>" * 5000 + icp_link() + "</div>" * 5000)
    assert audit_html(html, URL).icp[0].text == NUMBER


# -- check_app: in-process WSGI and ASGI apps ---------------------------------------------

DOMAINS = {"example.cn": f"{NUMBER}|{PSB}", "example.com": "none"}
BARE = page("<footer><p>© 2026 示例公司</p></footer>")


def flask_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def home() -> str:
        return BARE

    @app.get("/gbk")
    def gbk() -> tuple[bytes, dict[str, str]]:
        body = page(f"<footer>{icp_link()}</footer>").replace("utf-8", "gbk").encode("gbk")
        return body, {"Content-Type": "text/html"}

    @app.get("/gbk-header")
    def gbk_header() -> tuple[bytes, dict[str, str]]:
        body = f"<p>{icp_link()}</p>".encode("gbk")
        return body, {"Content-Type": "text/html; charset=GBK"}

    @app.get("/json")
    def data() -> dict[str, str]:
        return {"icp": NUMBER}

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    app.wsgi_app = WSGIFooter(app.wsgi_app, domains=DOMAINS)  # type: ignore[method-assign]
    return app


def starlette_app() -> ASGIFooter:
    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(BARE)

    return ASGIFooter(Starlette(routes=[Route("/", home)]), domains=DOMAINS)


def test_check_app_as_the_readme_shows() -> None:
    app = Flask(__name__)
    app.get("/")(lambda: BARE)
    app.wsgi_app = WSGIFooter(app.wsgi_app, number=NUMBER)  # type: ignore[method-assign]
    assert all(r.ok for r in check_app(app))


@pytest.mark.parametrize("make", [flask_app, starlette_app])
def test_check_app_by_host(make: Callable[[], Any]) -> None:
    app = make()
    reports = check_app(app, ["http://example.cn/", "http://example.com/", "/"], expect=[NUMBER])
    assert [r.ok for r in reports] == [True, False, False]
    cn, com, local = reports
    assert cn.status == 200
    assert cn.final_url == "http://example.cn/"
    assert cn.icp[0].in_footer
    assert cn.psb[0].badge
    assert any("no ICP number" in m for m in errors(com))
    assert local.url == "/"
    assert local.final_url == "http://localhost/"
    assert any("banner" in m for m in errors(local))


def test_asgi_or_wsgi() -> None:
    async def asgi(scope: object, receive: object, send: object) -> None:
        return None

    assert is_asgi(asgi)
    assert is_asgi(starlette_app())
    assert is_asgi(Starlette())
    assert not is_asgi(flask_app())
    assert not is_asgi(flask_app().wsgi_app)


def test_check_app_decodes_gbk_pages() -> None:
    meta, header = check_app(flask_app(), ["/gbk", "/gbk-header"])
    assert meta.ok
    assert meta.icp[0].text == NUMBER
    assert header.ok
    assert header.icp[0].text == NUMBER


def test_check_app_errors() -> None:
    data, missing, boom = check_app(flask_app(), ["/json", "/missing", "/boom"])
    assert data.error == "not an HTML page (application/json)"
    assert missing.error == "HTTP 404 Not Found"
    assert boom.error == "HTTP 500 Internal Server Error"
    assert not any(r.ok for r in (data, missing, boom))


def test_check_app_from_inside_an_event_loop() -> None:
    async def in_a_test() -> list[PageReport]:
        return check_app(starlette_app(), ["http://example.cn/"])

    assert asyncio.run(in_a_test())[0].ok


# -- check_urls against 127.0.0.1 ---------------------------------------------------------

COMPLIANT = page(f"<footer>{footer()}</footer>")
NON_COMPLIANT = page(f"<footer><p>{NUMBER}</p></footer>")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``python -m http.server`` on a free port of 127.0.0.1, serving tmp_path."""
    (tmp_path / "index.html").write_text(COMPLIANT, encoding="utf-8")
    (tmp_path / "bad.html").write_text(NON_COMPLIANT, encoding="utf-8")
    (tmp_path / "data.json").write_text('{"icp": "京ICP备12345678号-1"}', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text(COMPLIANT, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 12345 (...) ..."
        port = re.search(r"port (\d+)", line)
        assert port is not None, line
        yield f"http://127.0.0.1:{port[1]}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections (bound, not listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_check_urls_against_a_real_server(server: str, closed_port: int) -> None:
    seen: list[tuple[int, int, str]] = []
    reports = asyncio.run(
        check_urls(
            [
                f"{server}/",
                f"{server}/bad.html",
                f"{server}/sub",
                f"http://127.0.0.1:{closed_port}/",
            ],
            concurrency=2,
            progress=lambda done, total, report: seen.append((done, total, report.url)),
        )
    )
    good, bad, redirected, unreachable = reports
    assert good.ok
    assert good.status == 200
    assert good.icp[0].text == NUMBER
    assert not bad.ok
    assert bad.error is None
    assert redirected.ok
    assert redirected.final_url == f"{server}/sub/"
    assert unreachable.error is not None
    assert unreachable.error.startswith("unreachable")
    assert sorted(done for done, _, _ in seen) == [1, 2, 3, 4]
    assert {total for _, total, _ in seen} == {4}


def test_check_urls_times_out() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()  # accepted by the kernel, never answered

        async def go() -> list[PageReport]:
            async with httpx.AsyncClient(timeout=0.3) as client:
                url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
                return await check_urls([url], client=client)

        [report] = asyncio.run(go())
    assert report.error is not None
    assert report.error.startswith("timed out")


# -- the command: exit codes, output ------------------------------------------------------


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_exit_codes_against_a_real_server(
    server: str, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(capsys, f"{server}/")[0] == 0
    assert main(capsys, f"{server}/", "--expect", NUMBER, "--expect", PSB)[0] == 0
    assert main(capsys, f"{server}/", "--expect", "京ICP备87654321号")[0] == 1
    assert main(capsys, f"{server}/", f"{server}/bad.html")[0] == 1
    assert main(capsys, f"http://127.0.0.1:{closed_port}/")[0] == 2
    assert main(capsys, f"{server}/data.json")[0] == 2
    assert main(capsys, f"{server}/missing.html")[0] == 2
    # errors win over non-compliance
    assert main(capsys, f"{server}/bad.html", f"{server}/data.json")[0] == 2


def test_human_output(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = main(capsys, f"{server}/", f"{server}/bad.html", f"{server}/data.json")
    assert status == 2
    assert not ANSI.search(out + err)
    blocks = out.strip().split("\n\n")
    assert blocks.pop() == "3 pages: 1 compliant, 1 not compliant, 1 errors"
    assert blocks[0].splitlines()[0] == f"✓ {server}/: compliant"
    assert f"  ✓ ICP {NUMBER}: valid, linked to {MIIT}, in the site footer" in blocks[0]
    assert blocks[1].splitlines() == [
        f"✗ {server}/bad.html: not compliant",
        f"  ✗ ICP {NUMBER}: valid, not linked, in the site footer",
        f"      ✗ {NUMBER} is not a link to the MIIT filing system",
        f"        fix: link {NUMBER} to {MIIT}",
    ]
    assert blocks[2] == f"✗ {server}/data.json: error: not an HTML page (application/json)"
    progress = err.splitlines()
    assert len(progress) == 3
    assert all(re.match(rf"\[[123]/3\] {re.escape(server)}/", line) for line in progress)


def test_one_url_prints_no_progress(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(capsys, f"{server}/")[2] == ""


def test_json_output(server: str, closed_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = main(
        capsys, "--json", f"{server}/", f"{server}/bad.html", f"http://127.0.0.1:{closed_port}/"
    )
    assert status == 2
    document = json.loads(out)
    assert document["configuration"] is None  # plain URLs: no configuration is read
    assert document["summary"] == {
        "pages": 3,
        "compliant": 1,
        "not_compliant": 1,
        "errors": 1,
        "not_home": 0,
    }
    good, bad, unreachable = document["reports"]
    for item in (good, bad, unreachable):
        assert set(item) == {
            "url",
            "final_url",
            "status",
            "ok",
            "error",
            "encoding",
            "encoding_step",
            "verdict",
            "home",
            "expected",
            "expect_none",
            "source",
            "icp",
            "psb",
            "findings",
        }
    assert [r["verdict"] for r in (good, bad, unreachable)] == [
        "compliant",
        "not compliant",
        "error",
    ]
    assert good["ok"] is True
    assert good["status"] == 200
    assert good["error"] is None
    assert (good["encoding"], good["encoding_step"]) == ("UTF-8", "meta")
    assert (unreachable["encoding"], unreachable["encoding_step"]) == (None, None)
    assert good["icp"] == [
        {
            "text": NUMBER,
            "standard": NUMBER,
            "valid": True,
            "message": None,
            "linked": True,
            "link": MIIT,
            "in_footer": True,
            "placement": "footer",
            "badge": None,
            "occurrences": 1,
        }
    ]
    assert good["psb"][0]["badge"] is True
    assert good["findings"] == []
    assert bad["ok"] is False
    assert bad["findings"] == [
        {
            "severity": "error",
            "message": f"{NUMBER} is not a link to the MIIT filing system",
            "fix": f"link {NUMBER} to {MIIT}",
            "number": NUMBER,
        }
    ]
    assert unreachable["ok"] is False
    assert unreachable["status"] is None
    assert unreachable["error"].startswith("unreachable")


class _Terminal:
    """A stand-in stdout that says it is a terminal."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert cli.main(["check", f"{server}/"]) == 0
    assert ANSI.search("".join(terminal.parts))
    monkeypatch.setenv("NO_COLOR", "1")
    terminal.parts.clear()
    assert cli.main(["check", f"{server}/"]) == 0
    assert not ANSI.search("".join(terminal.parts))


APP_MODULE = """
from flask import Flask
from icp_footer.wsgi import ICPFooterMiddleware

app = Flask(__name__)

@app.get("/")
def home():
    return {page!r}

app.wsgi_app = ICPFooterMiddleware(app.wsgi_app, domains={domains!r})
"""

ASGI_MODULE = """
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from icp_footer.asgi import ICPFooterMiddleware


async def home(request):
    return HTMLResponse({page!r})


def create_app():
    return ICPFooterMiddleware(Starlette(routes=[Route("/", home)]), domains={domains!r})
"""


@pytest.fixture
def isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """--app puts directories on sys.path and modules in sys.modules: undo that."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def write(tmp_path: Path, name: str, template: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(template.format(page=BARE, domains=DOMAINS)), encoding="utf-8")
    return path


@pytest.mark.usefixtures("isolated_imports")
def test_app_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "audit_site_wsgi.py", APP_MODULE)
    assert main(capsys, "--app", f"{path}:app", "http://example.cn/")[0] == 0
    assert main(capsys, "--app", f"{path}:app", "http://example.cn/", "--expect", PSB)[0] == 0
    # example.com=none in the app: no number and no banner is what it must show
    assert main(capsys, "--app", f"{path}:app", "http://example.com/")[0] == 0
    status, out, _ = main(capsys, "--app", f"{path}:app")  # default: http://localhost/
    assert status == 1
    header = "checked against the app's configuration (icp_footer.wsgi.ICPFooterMiddleware)"
    assert out.startswith(f"{header}\n\n✗ http://localhost/: not compliant")
    status, out, _ = main(capsys, "--app", f"{path}:app", "/nothing-here")
    assert status == 0  # not a home page: not fetched, not judged
    assert "- http://localhost/nothing-here: not a home page" in out
    assert main(capsys, "--app", f"{path}:app", "http://example.cn/index.html")[0] == 2  # 404


@pytest.mark.usefixtures("isolated_imports")
def test_app_from_a_module_with_a_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "audit_site_asgi.py", ASGI_MODULE)
    monkeypatch.chdir(tmp_path)
    urls = ["http://example.cn/", "http://www.example.cn/"]
    status, out, err = main(capsys, "--app", "audit_site_asgi:create_app()", *urls)
    assert status == 0, out
    assert out.count(": compliant") == 2
    assert len(err.splitlines()) == 2


@pytest.mark.usefixtures("isolated_imports")
def test_bad_command_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "audit_site_bad.py", APP_MODULE)
    assert main(capsys, "--app", f"{path}:nope")[0] == 2
    assert main(capsys, "--app", f"{tmp_path / 'missing.py'}:app")[0] == 2
    assert main(capsys, "--app", "no_such_module_here:app")[0] == 2
    assert main(capsys, "--app", "app")[0] == 2
    status, _, err = main(capsys, "--app", f"{path}:app", "--expect", "京ICP备123号")
    assert status == 2
    assert "8 or 10 digits" in err
    assert main(capsys, "--app", f"{path}:app", "--concurrency", "0")[0] == 2
    assert main(capsys)[0] == 2


# -- the corpus: saved pages served as real servers send them ------------------------------
#
# tests/audit_corpus holds saved-page-style documents (manifest.json says what each one is,
# how a browser decodes it with and without the header charset, which step decides, the
# numbers a browser shows and the severity expected). A threaded http.server on 127.0.0.1
# serves each page twice: /plain/NAME as "text/html", /declared/NAME with its header
# charset. html5lib, given the bytes decoded as the browser decodes them, is the oracle
# for what the page shows.

CORPUS = Path(__file__).parent / "audit_corpus"
MANIFEST: list[dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text("utf-8"))["pages"]
_BY_NAME = {entry["file"]: entry for entry in MANIFEST}
_MODES = ("plain", "declared")


class _CorpusHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        mode, _, name = self.path.lstrip("/").partition("/")
        entry = _BY_NAME.get(name)
        if entry is None or mode not in _MODES:
            self.send_error(404)
            return
        body = (CORPUS / name).read_bytes()
        declared = f"; charset={entry['header']}" if mode == "declared" else ""
        self.send_response(200)
        self.send_header("Content-Type", f"text/html{declared}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[str]:
    """The corpus on a free port of 127.0.0.1, served from a thread; stopped after."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CorpusHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


_NOT_SHOWN = {"head", "title", "script", "style", "template", "noscript", "iframe", "object"}
_RUNS_ON = {"a", "b", "i", "em", "strong", "small", "span", "font", "u", "sup", "sub", "label"}


def browser_text(html: str) -> str:
    """The text a browser shows, read from html5lib's tree (blocks on lines of their own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        root = html5lib.parse(html, namespaceHTMLElements=False)
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""  # comments: not shown
        style = (element.get("style") or "").replace(" ", "").lower()
        hidden = "hidden" in element.attrib or "display:none" in style
        if tag and tag not in _NOT_SHOWN and not hidden:
            block = tag not in _RUNS_ON
            parts.append("\n" if block else "")
            parts.append(element.text or "")
            for child in element:
                walk(child)
            parts.append("\n" if block else "")
        parts.append(element.tail or "")

    walk(root)
    return "".join(parts)


def severity(report: dict[str, Any]) -> str:
    found = {f["severity"] for f in report["findings"]}
    return "error" if "error" in found else "warning" if "warning" in found else "ok"


def test_the_corpus_is_what_the_manifest_says() -> None:
    pages = {path.name for path in CORPUS.iterdir()} - {"manifest.json"}
    assert pages == set(_BY_NAME)
    for name, entry in _BY_NAME.items():
        data = (CORPUS / name).read_bytes()
        if name.startswith("late-meta-"):
            start = data.index(b"<meta")
            assert start == int(name.removesuffix(".html").rsplit("-", 1)[1])
            assert data.index(b">", start) >= 1024  # the declaration ends past the prescan
            before = re.findall(rb"<([a-z]+)", data[data.index(b"<head>") + 6 : start])
            assert set(before) <= {b"script", b"link"}  # only long script and style URLs
            assert max(len(url) for url in re.findall(rb'(?:src|href)="([^"]*)"', data)) > 150
        if "undeclared" in name:
            assert b"charset" not in data.lower()
        if name.startswith("bom-"):
            assert data.startswith(codecs.BOM_UTF8)
        assert entry["plain"]["step"] in STEPS
        assert entry["declared"]["step"] in STEPS


@pytest.mark.parametrize("mode", _MODES)
def test_the_corpus_as_a_browser_reads_it(
    corpus_server: str, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [f"{corpus_server}/{mode}/{entry['file']}" for entry in MANIFEST]
    status, out, _ = main(capsys, "--json", *urls)
    assert status == 1  # some pages are not compliant; none failed to load
    reports = json.loads(out)["reports"]
    found = 0
    for entry, report in zip(MANIFEST, reports, strict=True):
        name, expected = entry["file"], entry[mode]
        numbers = entry.get(f"icp_{mode}", entry["icp"])
        where = f"{mode}/{name}"
        assert report["error"] is None, where
        assert report["encoding_step"] == expected["step"], where
        assert report["encoding"] == expected["encoding"], where
        assert severity(report) == expected["severity"], (where, report["findings"])
        shown = [n["text"] for n in report["icp"]]
        assert shown == numbers, where
        assert all(n["valid"] for n in report["icp"]), where
        found += bool(numbers) and shown == numbers
        # the oracle: what html5lib shows from the bytes decoded as a browser decodes them
        codec = entry.get(f"browser_{mode}", entry["browser"])
        text = browser_text((CORPUS / name).read_bytes().decode(codec))
        assert all(number in text for number in numbers), where
        assert [r.text for r in recognise_icp(text) if r.valid] == shown, where
        if not numbers:
            assert any(
                f["message"].startswith("no ICP number in the page's visible text")
                for f in report["findings"]
            ), where
        misread = [f for f in report["findings"] if "first 1,024 bytes" in (f["fix"] or "")]
        if expected["step"] in ("late-meta", "utf-8", "detected"):
            [finding] = misread
            assert finding["severity"] == "warning"
            assert finding["fix"].startswith(
                "declare the charset in the Content-Type header or in the first 1,024 bytes"
            )
        else:
            assert misread == [], where
    assert found == sum(bool(e.get(f"icp_{mode}", e["icp"])) for e in MANIFEST)
