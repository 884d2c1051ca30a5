"""The README's Python snippets, run as written against real Flask, FastAPI and Django apps."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse as StarletteHTMLResponse
from starlette.routing import Route
from werkzeug.test import Client

from icp_footer.asgi import ICPFooterMiddleware
from icp_footer.config import load
from icp_footer.wsgi import ICPFooterMiddleware as WSGIMiddleware

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
NUMBER = "京ICP备12345678号-1"
PAGE = "<html><body><main>内容</main><footer><p>© 2026</p></footer></body></html>"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def block(*needles: str) -> str:
    """The README block that contains every needle (exactly one must)."""
    found = [b for b in python_blocks() if all(n in b for n in needles)]
    assert len(found) == 1, (needles, found)
    return found[0]


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ICP_FOOTER_DOMAINS", "ICP_FOOTER_PATHS", "ICP_FOOTER_MISSING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ICP_FOOTER_NUMBER", NUMBER)
    monkeypatch.setenv("ICP_FOOTER_PSB", "京公网安备 11010502030143号")


def test_every_python_block_is_covered_here() -> None:
    # Adding a snippet to the README means adding it to this file.
    assert len(python_blocks()) == len(COVERED)


def test_flask_quickstart() -> None:

    app = Flask(__name__)
    app.add_url_rule("/", "home", lambda: PAGE)
    exec(block("app.wsgi_app = ICPFooterMiddleware(app.wsgi_app)"), {"app": app})
    assert app.test_client().get("/").get_data(as_text=True).count(NUMBER) == 1


def asgi_get(app: Any, path: str = "/") -> str:

    async def get() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://example.cn") as client:
            return (await client.get(path, headers={"accept-encoding": "gzip"})).text

    return asyncio.run(get())


def test_fastapi_quickstart() -> None:

    app = FastAPI()
    app.get("/", response_class=HTMLResponse)(lambda: PAGE)
    exec(block("app.add_middleware(ICPFooterMiddleware)\n"), {"app": app})
    assert asgi_get(app).count(NUMBER) == 1


def test_compression_ordering_snippet() -> None:

    async def home(request: Any) -> StarletteHTMLResponse:
        return StarletteHTMLResponse(PAGE * 20)

    app = Starlette(routes=[Route("/", home)])
    names = {
        "app": app,
        "ICPFooterMiddleware": ICPFooterMiddleware,
        "GZipMiddleware": GZipMiddleware,
    }
    exec(block("app.add_middleware(GZipMiddleware)"), names)
    assert asgi_get(app).count(NUMBER) == 1


@pytest.fixture
def django_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "readme_site.py").write_text(
        "from django.http import HttpResponse\n"
        "from django.urls import path\n"
        "SECRET_KEY = 'test'\n"
        "DEBUG = False\n"
        "ALLOWED_HOSTS = ['*']\n"
        "ROOT_URLCONF = 'readme_site'\n"
        "INSTALLED_APPS = []\n"
        "MIDDLEWARE = []\n"
        f"urlpatterns = [path('', lambda request: HttpResponse({PAGE!r}))]\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "readme_site")
    for name in list(sys.modules):
        if name == "readme_site":
            del sys.modules[name]


@pytest.mark.usefixtures("django_project")
def test_django_wsgi_quickstart() -> None:

    names: dict[str, Any] = {}
    exec(block("get_wsgi_application"), names)
    response = Client(names["application"]).get("/", headers={"Host": "example.cn"})
    assert response.get_data(as_text=True).count(NUMBER) == 1


@pytest.mark.usefixtures("django_project")
def test_django_asgi_quickstart() -> None:
    names: dict[str, Any] = {}
    exec(block("get_asgi_application"), names)
    assert asgi_get(names["application"]).count(NUMBER) == 1


def test_django_settings_snippet() -> None:
    # tests/test_django.py serves a project with these settings and runs its checks.
    names: dict[str, Any] = {}
    exec(block('"icp_footer.django.ICPFooterMiddleware"'), names)
    assert "icp_footer.django" in names["INSTALLED_APPS"]
    middleware = [name for name in names["MIDDLEWARE"] if name is not Ellipsis]
    assert middleware == [
        "django.middleware.gzip.GZipMiddleware",
        "django.middleware.http.ConditionalGetMiddleware",
        "icp_footer.django.ICPFooterMiddleware",
    ]
    load({}, **names["ICP_FOOTER"])


def test_injector_snippet() -> None:
    sent: list[bytes] = []
    body_chunks = [PAGE.encode()[:30], PAGE.encode()[30:]]
    exec(
        block("Injector(b'"),
        {"body_chunks": body_chunks, "send": sent.append, "print": lambda *a: None},
    )
    assert b"".join(sent).count(b'<div class="icp">') == 1


def test_check_app_snippet() -> None:
    app = Flask(__name__)
    app.add_url_rule("/", "home", lambda: PAGE)
    app.wsgi_app = WSGIMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    names: dict[str, Any] = {"app": app}
    exec(block("from icp_footer.audit import check_app"), names)
    names["test_home_page_shows_the_icp_number"]()
    bare = Flask(__name__)
    bare.add_url_rule("/", "home", lambda: PAGE)
    names["app"] = bare
    with pytest.raises(AssertionError):
        names["test_home_page_shows_the_icp_number"]()


HELPER_PAGE = (
    "<html><body><main>内容</main><footer><p>© 2026</p>{{ icp_footer() }}</footer></body></html>"
)


def test_flask_extension_snippet() -> None:
    from flask import render_template_string  # noqa: PLC0415

    app = Flask(__name__)
    app.add_url_rule("/", "home", lambda: render_template_string(HELPER_PAGE))
    exec(block("from icp_footer.flask import ICPFooter"), {"app": app})
    client = app.test_client()
    page = client.get("/", headers={"Host": "www.example.cn"}).get_data(as_text=True)
    assert page.count(NUMBER) == 1
    assert page.count('<div class="icp-footer"') == 1
    page = client.get("/", headers={"Host": "example.com"}).get_data(as_text=True)
    assert "icp-footer" not in page


def test_install_jinja_snippet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.requests import Request  # noqa: PLC0415

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text(HELPER_PAGE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    names: dict[str, Any] = {}
    exec(block("install_jinja(templates)"), names)
    templates = names["templates"]

    async def home(request: Request) -> StarletteHTMLResponse:
        return templates.TemplateResponse(request, "index.html")  # type: ignore[no-any-return]

    app = ICPFooterMiddleware(Starlette(routes=[Route("/", home)]))
    page = asgi_get(app)
    assert page.count(NUMBER) == 1
    assert page.count('<div class="icp-footer"') == 1


COVERED = [
    test_check_app_snippet,
    test_flask_quickstart,
    test_fastapi_quickstart,
    test_django_wsgi_quickstart,
    test_django_asgi_quickstart,
    test_django_settings_snippet,
    test_compression_ordering_snippet,
    test_injector_snippet,
    test_flask_extension_snippet,
    test_install_jinja_snippet,
]
