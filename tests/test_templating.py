"""Template helpers: ``footer_markup``, the charset, the host, and the Jinja global for Starlette.

Starlette and FastAPI pages render ``{{ icp_footer() }}`` from ``Jinja2Templates`` behind the
ASGI middleware, under Starlette's TestClient and under uvicorn: the footer and the banner
appear exactly once, a domain set to ``none`` shows nothing.
"""

from __future__ import annotations

import asyncio
import html
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import jinja2
import pytest
import uvicorn
from fastapi import FastAPI
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from icp_footer.asgi import ICPFooterMiddleware
from icp_footer.config import Settings, load
from icp_footer.policy import Policy
from icp_footer.templating import (
    charset_safe,
    footer_markup,
    install_jinja,
    jinja_global,
    request_host,
)

NUMBER = "京ICP备12345678号-1"
SHOP = "京ICP备12345678号-2"
PSB = "京公网安备 11010502030143号"
OWNER = "© 2026 示例公司 版权所有"
ENV = {
    "ICP_FOOTER_DOMAINS": f"example.cn={NUMBER}|{PSB}; shop.example.cn={SHOP}; example.com=none",
    "ICP_FOOTER_OWNER": OWNER,
}
SETTINGS = load(ENV)
FOOTER = b'<div class="icp-footer"'
BANNER = b'<div class="icp-footer-banner"'

PAGE = (
    "<!doctype html><html><head><title>示例</title></head><body><main>内容</main>"
    '<footer class="site-footer"><p>关于我们</p>{{ icp_footer() }}</footer></body></html>'
)
GBK_PAGE = (
    '<!doctype html><html><head><meta charset="gbk"><title>示例</title></head><body>'
    '<main>内容</main><footer><p>关于我们</p>{{ icp_footer(charset="gbk") }}</footer>'
    "</body></html>"
)


def snippet(settings: Settings, host: str, charset: str = "utf-8") -> bytes:
    """What the middleware inserts on a home page for ``host``."""
    policy = Policy(settings)
    target = policy.request("GET", "/", host)
    plan = policy.response(200, [("content-type", f"text/html; charset={charset}")])
    assert target is not None
    assert plan is not None
    return policy.snippet(target, plan, charset, b"")[0]


# -- footer_markup ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["example.cn", "WWW.Example.CN:8080", "shop.example.cn"])
def test_the_footer_is_what_the_middleware_inserts(host: str) -> None:
    made = footer_markup(host, SETTINGS)  # the signature the Django tag builds on
    assert isinstance(made, str)
    assert made.encode() == snippet(SETTINGS, host)
    assert made.startswith(FOOTER.decode())
    assert (SHOP if "shop" in host else NUMBER) in made


@pytest.mark.parametrize("host", ["other.org", "例子.中国", "xn--fsqu00a.xn--fiqs8s:80"])
def test_the_banner_is_what_the_middleware_inserts(host: str) -> None:
    made = footer_markup(host, SETTINGS)
    assert made.encode() == snippet(SETTINGS, host)
    assert made.startswith(BANNER.decode())
    assert "例子.中国" in made or "other.org" in made


def test_a_host_that_is_not_one_gets_the_banner_naming_no_host() -> None:
    made = footer_markup("<script>alert(1)</script>", SETTINGS)
    assert made.startswith(BANNER.decode())
    assert "script" not in made
    assert made == footer_markup(None, SETTINGS)


def test_a_domain_set_to_none_and_missing_off_show_nothing() -> None:
    assert footer_markup("www.example.com", SETTINGS) == ""
    assert footer_markup("other.org", load({**ENV, "ICP_FOOTER_MISSING": "off"})) == ""


def test_each_host_gets_its_own_banner_from_the_cache() -> None:
    first = footer_markup("a.example", SETTINGS)
    assert "a.example" in first
    assert "b.example" in footer_markup("b.example", SETTINGS)
    assert footer_markup("a.example", SETTINGS) == first
    assert "a.example" not in footer_markup("b.example", SETTINGS)


def test_other_settings_give_other_markup() -> None:
    other = load({**ENV, "ICP_FOOTER_OWNER": "© 2026 另一家公司"})
    assert "另一家公司" in footer_markup("example.cn", other)
    assert "另一家公司" not in footer_markup("example.cn", SETTINGS)
    moved = load({**ENV, "ICP_FOOTER_ICP_URL": "https://beian.example.org/"})
    assert 'href="https://beian.example.org/"' in footer_markup("example.cn", moved)


# -- the charset -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("charset", "browser", "host", "owner", "references"),
    [
        # GBK has no ©, and no ⚠ for the banner; the WHATWG gbk decoder is gb18030.
        ("gbk", "gb18030", "example.cn", OWNER, ["&#169;"]),
        ("gbk", "gb18030", "other.org", OWNER, ["&#9888;"]),
        ("gb2312", "gb18030", "example.cn", "© 2026 示例公司 ～", ["&#169;"]),
        # Latin-1 holds © but no Chinese at all.
        ("latin-1", "cp1252", "example.cn", OWNER, ["&#20140;", "&#31034;"]),
        # Python's shift_jis writes U+301C as 0x8160, which browsers read as U+FF5E.
        ("shift_jis", "cp932", "example.cn", "示例 〜", ["&#12316;", "&#22791;"]),
        ("big5", "big5", "例子.中国", OWNER, ["&#9888;"]),
    ],
)
def test_what_the_charset_cannot_hold_is_written_as_references(
    charset: str, browser: str, host: str, owner: str, references: list[str]
) -> None:
    settings = load({**ENV, "ICP_FOOTER_OWNER": owner})
    plain = footer_markup(host, settings)
    safe = footer_markup(host, settings, charset=charset)
    with pytest.raises(UnicodeEncodeError):
        plain.encode(charset, "strict")  # what the template engine would do with it
    for reference in references:
        assert reference in safe
    assert "&#" not in plain
    page = safe.encode(charset)  # no error: every character is carried
    assert html.unescape(page.decode(browser)) == html.unescape(plain)  # what a browser shows


def test_a_charset_that_holds_everything_changes_nothing() -> None:
    plain = footer_markup("example.cn", SETTINGS)
    for charset in ("utf-8", "UTF-8", "utf8", "utf-16"):
        assert footer_markup("example.cn", SETTINGS, charset=charset) == plain
    assert charset_safe("<p>京ICP备</p>", "gbk") == "<p>京ICP备</p>"


def test_the_middleware_sees_the_number_in_references() -> None:
    """A Latin-1 page shows the number as references: the middleware must still see it."""
    safe = footer_markup("example.cn", SETTINGS, charset="latin-1")
    policy = Policy(SETTINGS)
    target = policy.request("GET", "/", "example.cn")
    plan = policy.response(200, [("content-type", "text/html; charset=iso-8859-1")])
    assert target is not None
    assert plan is not None
    _, patterns = policy.snippet(target, plan, "cp1252", b"")
    page = f"<html><body><footer>{safe}</footer></body></html>".encode("latin-1")
    assert any(pattern in page for pattern in patterns)


@pytest.mark.parametrize("charset", ["gbkk", "base64"])
def test_an_unknown_charset_is_a_clear_error(charset: str) -> None:
    with pytest.raises(LookupError, match=rf'unknown charset .{charset}.*charset="gbk"'):
        footer_markup("example.cn", SETTINGS, charset=charset)


# -- what the middleware looks for -----------------------------------------------------------


@pytest.mark.parametrize("host", ["other.org", "not a host"])
@pytest.mark.parametrize(
    ("content_type", "csp"),
    [
        ("text/html", None),
        ("text/html", "style-src 'self'"),  # unstyled
        ("text/html", "style-src 'nonce-abc123'"),  # a <style nonce> block
        ("application/xhtml+xml", None),
    ],
)
@pytest.mark.parametrize("charset", ["utf-8", "gbk", "shift_jis"])
def test_every_banner_starts_with_what_the_middleware_looks_for(
    host: str, content_type: str, csp: str | None, charset: str
) -> None:
    policy = Policy(SETTINGS)
    target = policy.request("GET", "/", host)
    headers = [("content-type", f"{content_type}; charset={charset}")]
    if csp:
        headers.append(("content-security-policy", csp))
    plan = policy.response(200, headers)
    assert target is not None
    assert plan is not None
    for _ in range(2):  # rendered, then from the cache
        made, patterns = policy.snippet(target, plan, charset, b"")
        assert patterns == (BANNER,)
        assert made.startswith(BANNER)
    helper = footer_markup(host, SETTINGS, charset=charset).encode(charset)
    assert helper.startswith(BANNER)


def test_the_core_imports_no_template_engine_or_framework() -> None:
    code = (
        "import sys, icp_footer, icp_footer.templating, icp_footer.wsgi, icp_footer.asgi;"
        "print(sorted(m for m in ('flask', 'jinja2', 'markupsafe', 'starlette', 'django')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


# -- the host --------------------------------------------------------------------------------


def wsgi_request(**environ: str) -> SimpleNamespace:
    return SimpleNamespace(environ=environ)


def asgi_request(headers: list[tuple[bytes, bytes]], server: Any = None) -> SimpleNamespace:
    return SimpleNamespace(scope={"type": "http", "headers": headers, "server": server})


def test_the_host_is_the_one_the_middleware_decides_with() -> None:
    trusting = load({**ENV, "ICP_FOOTER_TRUST_FORWARDED_HOST": "1"})
    forwarded = {"HTTP_HOST": "internal:8000", "HTTP_X_FORWARDED_HOST": "example.cn, proxy"}
    assert request_host(wsgi_request(**forwarded), SETTINGS) == "internal:8000"
    assert request_host(wsgi_request(**forwarded), trusting) == "example.cn"
    assert request_host(wsgi_request(SERVER_NAME="a.cn", SERVER_PORT="80"), SETTINGS) == "a.cn:80"
    assert request_host(wsgi_request(), SETTINGS) is None

    headers = [(b"host", b"internal:8000"), (b"x-forwarded-host", b"example.cn")]
    assert request_host(asgi_request(headers), SETTINGS) == "internal:8000"
    assert request_host(asgi_request(headers), trusting) == "example.cn"
    assert request_host(asgi_request([], ("b.cn", 8000)), SETTINGS) == "b.cn:8000"
    assert request_host(asgi_request([], ("/tmp/sock", None)), SETTINGS) == "/tmp/sock"
    assert request_host(None, SETTINGS) is None
    with pytest.raises(TypeError, match="WSGI environ or an ASGI scope"):
        request_host(object(), SETTINGS)


# -- the Jinja global ------------------------------------------------------------------------


def test_the_global_renders_markup_for_the_requests_host() -> None:
    env = jinja2.Environment(autoescape=True)
    install_jinja(env, SETTINGS)
    template = env.from_string("<footer>{{ icp_footer() }}</footer>")
    shown = template.render(request=asgi_request([(b"host", b"shop.example.cn")]))
    assert shown == f"<footer>{footer_markup('shop.example.cn', SETTINGS)}</footer>"
    assert "&lt;div" not in shown  # markup, not text to escape
    none = template.render(request=wsgi_request(HTTP_HOST="example.com"))
    assert none == "<footer></footer>"


def test_the_global_takes_a_default_charset_and_a_template_one() -> None:
    env = jinja2.Environment(autoescape=True)
    install_jinja(env, SETTINGS, charset="gbk")
    request = asgi_request([(b"host", b"example.cn")])
    assert "&#169;" in env.from_string("{{ icp_footer() }}").render(request=request)
    latin = env.from_string('{{ icp_footer(charset="latin-1") }}').render(request=request)
    assert "&#20140;" in latin


def test_the_global_reads_the_environment_when_given_no_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ICP_FOOTER_NUMBER", SHOP)
    monkeypatch.delenv("ICP_FOOTER_DOMAINS", raising=False)
    icp_footer = jinja_global()
    env = jinja2.Environment()
    env.globals["icp_footer"] = icp_footer
    shown = env.from_string("{{ icp_footer() }}").render(request=wsgi_request(HTTP_HOST="a.cn"))
    assert SHOP in shown


def test_the_global_without_a_request_says_what_to_do() -> None:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "macros.html": "{% macro foot() %}{{ icp_footer() }}{% endmacro %}",
                "page.html": '{% import "macros.html" as m %}{{ m.foot() }}',
            }
        )
    )
    install_jinja(env, SETTINGS)
    with pytest.raises(RuntimeError, match="with context"):
        env.get_template("page.html").render(request=wsgi_request(HTTP_HOST="example.cn"))
    fixed = env.from_string('{% import "macros.html" as m with context %}{{ m.foot() }}')
    assert NUMBER in fixed.render(request=wsgi_request(HTTP_HOST="example.cn"))


def test_install_jinja_takes_templates_or_an_environment_only() -> None:
    templates = Jinja2Templates(env=jinja2.Environment())
    install_jinja(templates, SETTINGS, name="beian")
    assert callable(templates.env.globals["beian"])
    with pytest.raises(TypeError, match="Jinja2Templates"):
        install_jinja(object(), SETTINGS)


# -- Starlette and FastAPI behind the middleware ---------------------------------------------


class GBKResponse(HTMLResponse):
    charset = "gbk"


def make_app(kind: str) -> Any:
    """A Starlette or FastAPI site whose pages call ``icp_footer()``, behind the middleware."""
    templates = Jinja2Templates(
        env=jinja2.Environment(
            loader=jinja2.DictLoader({"index.html": PAGE, "gbk.html": GBK_PAGE}),
            autoescape=True,
        )
    )
    install_jinja(templates, load(ENV))

    async def home(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html")

    async def gbk(request: Request) -> Response:
        return GBKResponse(templates.get_template("gbk.html").render(request=request))

    if kind == "fastapi":
        app: Any = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        app.get("/")(home)
        app.get("/gbk")(gbk)
    else:
        app = Starlette(routes=[Route("/", home), Route("/gbk", gbk)])
    # The same settings as the helper's: ICP_FOOTER_PATHS makes /gbk a home page too.
    return ICPFooterMiddleware(app, environ={**ENV, "ICP_FOOTER_PATHS": "/,/gbk"})


def check_page(page: bytes, host: str, charset: str = "utf-8") -> None:
    """The footer or the banner exactly once, or nothing; the page's charset intact."""
    text = page.decode(charset)
    name = host.partition(":")[0]
    if name.endswith("example.com"):
        assert FOOTER not in page
        assert BANNER not in page
        assert "icp-footer" not in text
    elif name.endswith("example.cn"):
        number = SHOP if "shop" in name else NUMBER
        assert page.count(FOOTER) == 1
        assert text.count(number) == 1
        assert BANNER not in page
        assert html.unescape(text).count(OWNER) == 1
    else:
        assert page.count(BANNER) == 1
        assert FOOTER not in page
        assert html.unescape(text).count("⚠ 此网站未显示 ICP 备案号") == 1


HOSTS = ["example.cn", "shop.example.cn:8000", "www.example.com", "other.org"]


@pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")
@pytest.mark.parametrize("kind", ["starlette", "fastapi"])
def test_each_once_under_the_test_client(kind: str) -> None:
    from starlette.testclient import TestClient  # noqa: PLC0415 - it warns on import

    with TestClient(make_app(kind)) as client:
        for host in HOSTS:
            response = client.get("/", headers={"host": host})
            assert response.status_code == 200
            check_page(response.content, host)
            gbk = client.get("/gbk", headers={"host": host})
            assert gbk.headers["content-type"] == "text/html; charset=gbk"
            check_page(gbk.content, host, "gbk")


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Run ASGI apps under uvicorn on 127.0.0.1 (a pre-bound port-0 socket); stop them."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, lifespan="off", ws="none", log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "uvicorn exited at startup"
            assert time.monotonic() < deadline, "uvicorn not ready after 10 s"
            time.sleep(0.01)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(10)
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.mark.parametrize("kind", ["starlette", "fastapi"])
def test_each_once_under_uvicorn(kind: str, serve: Callable[[Any], str]) -> None:
    base = serve(make_app(kind))

    async def fetch_all() -> None:
        async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10) as client:
            for host in HOSTS:
                response = await client.get("/", headers={"host": host})
                assert response.status_code == 200
                check_page(response.content, host)
                gbk = await client.get("/gbk", headers={"host": host})
                check_page(gbk.content, host, "gbk")

    asyncio.run(fetch_all())


def test_markup_is_what_the_global_returns() -> None:
    env = jinja2.Environment()
    install_jinja(env, SETTINGS)
    value = env.globals["icp_footer"]
    assert callable(value)
    result = env.from_string("{% set x = icp_footer() %}{{ x.__class__.__name__ }}").render(
        request=wsgi_request(HTTP_HOST="example.cn")
    )
    assert result == Markup.__name__
