"""The Django integration, in a real minimal project (``tests/django_project``).

Django is configured once for this module, through ``override_settings`` with the project's
settings module, and put back as it was afterwards, so other test files (the README's Django
snippets) still configure it their own way. Per-test settings use ``override_settings``.
"""

from __future__ import annotations

import asyncio
import gzip
import importlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from io import StringIO
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import django
import httpx
import pytest
from django.conf import settings
from django.core import checks
from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.template import Context, Template
from django.test import AsyncClient, Client, RequestFactory, override_settings
from django.utils.functional import empty

from icp_footer.body import BodyRewriter
from icp_footer.config import ConfigError, Settings, load
from icp_footer.django import middleware as middleware_module
from icp_footer.django.conf import EXAMPLE
from icp_footer.policy import Plan, Policy, Target
from icp_footer.templating import footer_markup

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Path(__file__).resolve().parent / "django_project"
NUMBER = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"
OTHER = "沪ICP备2021012345号-2"
HOST = "example.cn"
BANNER = "此网站未显示 ICP 备案号"
GZIP = "django.middleware.gzip.GZipMiddleware"
CONDITIONAL = "django.middleware.http.ConditionalGetMiddleware"
OURS = "icp_footer.django.ICPFooterMiddleware"
SERVER_TIMEOUT = 30.0

views: Any = None  # icp_site.views, imported with the project


@pytest.fixture(scope="module", autouse=True)
def project() -> Iterator[None]:
    """The test project's settings for this module; Django's state put back afterwards."""
    global views  # noqa: PLW0603 - the project's module, importable only from here
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(PROJECT))
        module = importlib.import_module("icp_site.settings")
        views = importlib.import_module("icp_site.views")
        values = {name: getattr(module, name) for name in dir(module) if name.isupper()}
        configured_here = not settings.configured
        if configured_here:
            # Django's defaults; the project comes as an override. Leaving it reads every
            # setting back, and an empty SECRET_KEY cannot be read.
            settings.configure(SECRET_KEY=values["SECRET_KEY"])
        django.setup()
        try:
            with override_settings(**values):  # INSTALLED_APPS too: the registry follows
                yield
        finally:
            if configured_here:
                settings._wrapped = empty
            for name in [name for name in sys.modules if name.split(".")[0] == "icp_site"]:
                del sys.modules[name]


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("ICP_FOOTER_")]:
        monkeypatch.delenv(name)
    views.produced.clear()


def get(path: str, *, mode: str = "sync", host: str = HOST, **headers: str) -> Any:
    """A GET through the Django test client, sync or async."""
    sent = {"host": host, **headers}
    if mode == "async":
        return asyncio.run(AsyncClient().get(path, headers=sent))
    return Client().get(path, headers=sent)


def without_us() -> override_settings:
    """The project's middleware without icp-footer's: what the page would be without it."""
    return override_settings(MIDDLEWARE=[name for name in settings.MIDDLEWARE if name != OURS])


def text(response: Any) -> str:
    return bytes(response.content).decode()


def the_settings(**options: Any) -> Settings:
    """What the middleware should be using: settings.ICP_FOOTER over the environment."""
    return load(os.environ, **{**settings.ICP_FOOTER, **options})


def insertion(original: bytes, page: bytes) -> bytes:
    """The one contiguous insertion that turns ``original`` into ``page`` (it must be one)."""
    start = 0
    while start < len(original) and original[start] == page[start]:
        start += 1
    inserted = page[start : start + len(page) - len(original)]
    assert page[:start] + page[start + len(inserted) :] == original
    return inserted


# -- the middleware, sync and async ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("path", ["/", "/async/"])
def test_the_home_page_gets_the_number_in_its_footer(mode: str, path: str) -> None:
    response = get(path, mode=mode)
    page = text(response)
    assert response.status_code == 200
    assert page.count(NUMBER) == 1
    assert PSB in page
    # The site footer's last child.
    assert page.index("© 2026 示例公司") < page.index(NUMBER) < page.index("</footer>")


def test_the_page_is_the_original_plus_one_insertion() -> None:
    with without_us():
        original = Client().get("/", headers={"host": HOST}).content
    page = Client().get("/", headers={"host": HOST}).content
    inserted = insertion(original, page).decode()
    assert NUMBER in inserted
    assert PSB in inserted


def test_content_length_is_exact_a_strong_etag_weakened_content_md5_gone() -> None:
    response = get("/exact/")
    assert NUMBER in text(response)
    assert response["Content-Length"] == str(len(response.content))
    assert response["ETag"] == 'W/"v1"'
    assert not response.has_header("Content-MD5")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "path", ["/", "/exact/", "/stream/", "/stream-async/", "/json/", "/about/"]
)
def test_head_gets_exactly_the_headers_its_get_gets(mode: str, path: str) -> None:
    """Django renders the page for HEAD too; the test client, like a server, drops it.

    Without ConditionalGetMiddleware, which gives GET alone an ETag.
    """

    def fetch(method: str) -> Any:
        client = Client() if mode == "sync" else AsyncClient()
        call = getattr(client, method)(path, headers={"host": HOST})
        return asyncio.run(call) if mode == "async" else call

    stack = [name for name in settings.MIDDLEWARE if name != CONDITIONAL]
    with override_settings(MIDDLEWARE=stack):
        get, head = fetch("get"), fetch("head")
    assert head.status_code == get.status_code == 200
    assert head.items() == get.items()
    assert b"".join(head) == b""
    if path == "/exact/":
        assert head["Content-Length"] == str(len(get.content))
        assert head["ETag"] == 'W/"v1"'
        assert not head.has_header("Content-MD5")


@pytest.mark.parametrize("streaming", [False, True], ids=["content", "streaming"])
@pytest.mark.parametrize("view_sends", [b"", None], ids=["no body", "the body"])
def test_head_without_a_body_gets_the_headers_of_get_but_its_length(
    streaming: bool, view_sends: bytes | None
) -> None:
    """A view that answers HEAD with the headers alone: GET's length is not known."""
    page = (ROOT / "tests" / "django_project" / "icp_site" / "static" / "page.html").read_bytes()

    def view(request: Any) -> HttpResponseBase:
        body = page if view_sends is None or request.method == "GET" else view_sends
        response: HttpResponseBase = (
            StreamingHttpResponse([body]) if streaming else HttpResponse(body)
        )
        response["Content-Length"] = str(len(page))
        response["ETag"] = '"v1"'
        return response

    middleware = middleware_module.ICPFooterMiddleware(view)
    factory = RequestFactory(headers={"host": HOST})
    get, head = middleware(factory.get("/")), middleware(factory.head("/"))
    get_body = b"".join(get) if streaming else get.content
    head_body = b"".join(head) if streaming else head.content
    assert NUMBER.encode() in get_body
    assert head["ETag"] == get["ETag"] == 'W/"v1"'
    if view_sends is None:
        assert head.items() == get.items()
        assert head_body == get_body
    else:
        expected = [(n, v) for n, v in get.items() if n != "Content-Length"]
        assert list(head.items()) == expected
        assert head_body == b""


def test_the_setting_changed_signal_reloads_the_settings() -> None:
    client = Client()  # one handler, one middleware instance for both requests
    assert NUMBER in text(client.get("/", headers={"host": HOST}))
    with override_settings(ICP_FOOTER={"number": OTHER}):
        page = text(client.get("/", headers={"host": HOST}))
    assert page.count(OTHER) == 1
    assert NUMBER not in page


# -- what it leaves alone --------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_file_response_is_untouched(mode: str) -> None:
    original = views.PAGE_FILE.read_bytes()
    response = get("/file/", mode=mode)
    body = b"".join(response.streaming_content)  # a file is a sync iterator, in both modes
    response.close()
    assert response["Content-Type"].startswith("text/html")
    assert body == original
    assert response["Content-Length"] == str(len(original))


@pytest.mark.parametrize(
    ("path", "status"), [("/about/", 200), ("/json/", 200), ("/missing/", 404)]
)
def test_non_home_non_html_and_error_pages_are_untouched(path: str, status: int) -> None:
    with without_us():
        original = Client().get(path, headers={"host": HOST})
    response = get(path)
    assert response.status_code == status
    assert response.content == original.content
    assert NUMBER not in text(response)
    assert dict(response.items()) == dict(original.items())


def test_other_methods_are_untouched() -> None:
    response = Client().post("/", headers={"host": HOST})
    assert response.status_code == 200
    assert NUMBER not in text(response)


# -- streaming -------------------------------------------------------------------------------


def test_a_sync_streaming_response_still_streams_under_wsgi() -> None:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD="GET", PATH_INFO="/stream/", HTTP_HOST=HOST)
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers))
        return lambda data: None

    result = WSGIHandler()(environ, start_response)
    try:
        items = iter(result)
        first = next(item for item in items if item)
        produced_at_first = list(views.produced)
        rest = b"".join(items)
    finally:
        result.close()
    chunks = views.stream_chunks()
    # The first bytes went out when only the first chunk had been produced.
    assert produced_at_first == [0]
    assert chunks[0].startswith(first)
    assert views.produced == list(range(len(chunks)))
    assert NUMBER in insertion(b"".join(chunks), first + rest).decode()
    status, headers = started[0]
    assert status == "200 OK"
    assert "content-length" not in {name.lower() for name, _ in headers}


def asgi_request(path: str, host: str = HOST) -> list[tuple[dict[str, Any], list[int]]]:
    """Drive Django's ASGI application by hand: each message sent, with what the view had
    produced when it was sent."""
    application = get_asgi_application()
    sent: list[tuple[dict[str, Any], list[int]]] = []

    async def run() -> None:
        done = asyncio.Event()
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append((message, list(views.produced)))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", host.encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        await application(scope, receive, send)
        done.set()

    asyncio.run(run())
    return sent


def test_an_async_streaming_response_still_streams_under_asgi() -> None:
    sent = asgi_request("/stream-async/")
    start = sent[0][0]
    assert start["type"] == "http.response.start"
    assert start["status"] == 200
    assert b"content-length" not in {name.lower() for name, _ in start["headers"]}
    bodies = [(message, produced) for message, produced in sent[1:] if message.get("body")]
    chunks = views.stream_chunks()
    # The first bytes went out when only the first chunk had been produced.
    assert bodies[0][1] == [0]
    assert chunks[0].startswith(bodies[0][0]["body"])
    assert sent[-1][0] == {"type": "http.response.body"}  # Django's closing message
    page = b"".join(message["body"] for message, _ in bodies)
    assert NUMBER in insertion(b"".join(chunks), page).decode()


@pytest.mark.parametrize("path", ["/async/", "/exact/"])
def test_a_page_through_asgi(path: str) -> None:
    sent = asgi_request(path)
    start = {name.lower(): value for name, value in sent[0][0]["headers"]}
    page = b"".join(message.get("body", b"") for message, _ in sent[1:])
    assert page.decode().count(NUMBER) == 1
    # Recomputed where the view set one (Django itself sets none).
    assert start.get(b"content-length", b"absent") == (
        str(len(page)).encode() if path == "/exact/" else b"absent"
    )


# -- settings --------------------------------------------------------------------------------


def test_domains_as_a_dict_choose_the_number_by_host() -> None:
    domains = {"example.cn": f"{NUMBER}|{PSB}", "shop.example.cn": OTHER, "example.com": "none"}
    with override_settings(ICP_FOOTER={"domains": domains}):
        assert text(get("/")).count(NUMBER) == 1
        shop = text(get("/", host="shop.example.cn"))
        com = get("/", host="example.com")
        with without_us():
            bare = Client().get("/", headers={"host": "example.com"})
    assert shop.count(OTHER) == 1
    assert NUMBER not in shop
    assert com.content == bare.content  # none: nothing, not even the banner


def test_what_settings_do_not_set_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ICP_FOOTER_NUMBER", OTHER)  # settings.ICP_FOOTER["number"] wins
    monkeypatch.setenv("ICP_FOOTER_OWNER", "© 2026 环境变量公司 版权所有")
    page = text(get("/"))
    assert page.count(NUMBER) == 1
    assert OTHER not in page
    assert "© 2026 环境变量公司 版权所有" in page


def test_a_disallowed_host_counts_as_no_host() -> None:
    page = text(get("/", host="evil.example.org"))  # not in ALLOWED_HOSTS
    assert page.count(NUMBER) == 1  # the default number: it covers any host
    with override_settings(ICP_FOOTER={"domains": {"example.cn": NUMBER}}):
        banner = text(get("/", host="evil.example.org"))
    assert BANNER in banner
    assert "evil" not in banner


def test_use_x_forwarded_host_is_honoured() -> None:
    with override_settings(
        ICP_FOOTER={"domains": {"example.cn": NUMBER, "shop.example.cn": OTHER}},
        USE_X_FORWARDED_HOST=True,
    ):
        page = text(get("/", **{"x-forwarded-host": "shop.example.cn"}))
    assert page.count(OTHER) == 1


@pytest.mark.parametrize("handler", [WSGIHandler, ASGIHandler])
def test_a_bad_number_stops_startup_with_the_config_error(handler: type) -> None:
    bad: dict[str, Any] = {
        "number": "京ICP备123号",
        "domains": {"example.com": "萌ICP备12345678号"},
    }
    with pytest.raises(ConfigError) as expected:
        load({}, **bad)
    with override_settings(ICP_FOOTER=bad), pytest.raises(ImproperlyConfigured) as raised:
        handler()  # loads the middleware, as a server does at startup
    assert str(expected.value) in str(raised.value)
    assert "ICP_FOOTER_NUMBER" in str(raised.value)
    assert "Example: ICP_FOOTER_DOMAINS=" in str(raised.value)


@pytest.mark.parametrize(
    ("options", "needles"),
    [
        ({"nubmer": NUMBER}, ["'nubmer' is not a setting", 'did you mean "number"', EXAMPLE]),
        ({"lookbehind": 4096}, ['did you mean "lookbehind_limit"', EXAMPLE]),
        ({"paths": 5}, ["settings.ICP_FOOTER['paths'] is int 5", "a list of str", EXAMPLE]),
    ],
)
def test_an_unknown_key_or_a_wrong_type_is_a_configuration_error(
    options: dict[str, Any], needles: list[str]
) -> None:
    with override_settings(ICP_FOOTER=options), pytest.raises(ImproperlyConfigured) as raised:
        WSGIHandler()
    for needle in needles:
        assert needle in str(raised.value)


def test_settings_icp_footer_must_be_a_dict() -> None:
    with override_settings(ICP_FOOTER=NUMBER), pytest.raises(ImproperlyConfigured) as raised:
        WSGIHandler()
    assert "settings.ICP_FOOTER must be a dict, not str" in str(raised.value)


# -- manage.py check -------------------------------------------------------------------------


def our_checks(**overrides: Any) -> list[checks.CheckMessage]:
    with override_settings(**overrides):
        return [m for m in checks.run_checks() if str(m.id).startswith("icp_footer.")]


def test_check_is_quiet_when_all_is_well() -> None:
    assert our_checks() == []


def test_check_reports_each_bad_value_as_e001_with_the_example_as_hint() -> None:
    bad: dict[str, Any] = {"number": "京ICP备123号", "paths": "home"}
    with pytest.raises(ConfigError) as expected:
        load({}, **bad)
    found = our_checks(ICP_FOOTER=bad)
    assert [m.id for m in found] == ["icp_footer.E001", "icp_footer.E001"]
    assert all(m.level == checks.ERROR for m in found)
    for message, problem in zip(found, expected.value.problems, strict=True):
        text, _, example = problem.rpartition(". Example: ")
        assert message.msg == f"{text}."
        assert example in message.hint
    assert found[0].hint == (
        'ICP_FOOTER = {"number": "京ICP备12345678号-1"} '
        '(or the environment: ICP_FOOTER_NUMBER="京ICP备12345678号-1")'
    )
    assert found[1].hint.startswith('ICP_FOOTER = {"paths": "/,/index.html"}')


def test_check_reports_a_wrong_icp_footer_setting_as_e002() -> None:
    found = our_checks(ICP_FOOTER={"number": NUMBER, "nubmer": NUMBER})
    assert [m.id for m in found] == ["icp_footer.E002"]
    assert 'did you mean "number"' in found[0].msg
    assert found[0].hint == EXAMPLE


def test_check_warns_w001_when_no_number_is_set() -> None:
    found = our_checks(ICP_FOOTER={})
    assert [(m.id, m.level) for m in found] == [("icp_footer.W001", checks.WARNING)]
    assert "red warning banner" in found[0].msg
    off = our_checks(ICP_FOOTER={"missing": "off"})
    assert [m.id for m in off] == ["icp_footer.W001"]
    assert "no number" in off[0].msg
    assert our_checks(ICP_FOOTER={"domains": {"example.cn": NUMBER}}) == []


def test_check_warns_w002_when_the_middleware_sits_above_gzip_or_conditional_get() -> None:
    found = our_checks(MIDDLEWARE=[OURS, GZIP, CONDITIONAL])
    assert [m.id for m in found] == ["icp_footer.W002", "icp_footer.W002"]
    assert "GZipMiddleware" in found[0].msg
    assert "ConditionalGetMiddleware" in found[1].msg
    between = our_checks(MIDDLEWARE=[GZIP, OURS, CONDITIONAL])
    assert [m.hint for m in between] == [f"Move it below {CONDITIONAL}."]


def test_call_command_check_prints_the_warning_and_raises_on_errors() -> None:
    out, err = StringIO(), StringIO()
    with override_settings(ICP_FOOTER={}):
        call_command("check", stdout=out, stderr=err)
    assert "(icp_footer.W001) No ICP number is set" in err.getvalue()
    with (
        override_settings(ICP_FOOTER={"number": "京ICP备123号"}),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("check", stdout=out, stderr=err)
    assert "(icp_footer.E001) ICP_FOOTER_NUMBER:" in str(raised.value)
    assert 'HINT: ICP_FOOTER = {"number": "京ICP备12345678号-1"}' in str(raised.value)


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ICP_FOOTER_", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "icp_site.settings"
    env["PYTHONPATH"] = str(PROJECT)
    return env


def test_manage_py_check_prints_what_the_readme_shows_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "bad_settings.py").write_text(
        "from icp_site.settings import *  # noqa: F403\n"
        'ICP_FOOTER = {**ICP_FOOTER, "number": "京ICP备123号"}  # noqa: F405\n',
        encoding="utf-8",
    )
    env = server_env()
    env["DJANGO_SETTINGS_MODULE"] = "bad_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(PROJECT)])
    done = subprocess.run(
        [sys.executable, str(PROJECT / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    readme = readme_block("console", "manage.py check")
    shown = [line for line in readme.splitlines()[1:] if line.strip()]
    assert any("(icp_footer.E001) ICP_FOOTER_NUMBER" in line for line in shown), readme
    assert any("HINT: ICP_FOOTER = {" in line for line in shown), readme
    for line in shown:
        assert line in done.stderr.splitlines(), (line, done.stderr)


# -- the template tag ------------------------------------------------------------------------


def test_the_tag_and_the_middleware_show_the_number_exactly_once() -> None:
    page = text(get("/tagged/"))
    assert page.count(NUMBER) == 1
    markup = footer_markup(HOST, the_settings())
    assert markup in page  # where the template put it: the middleware added nothing
    assert page.index("© 2026 示例公司") < page.index(markup) < page.index("</footer>")


def test_the_tag_follows_the_request_host() -> None:
    domains = {"example.cn": NUMBER, "shop.example.cn": OTHER}
    with override_settings(ICP_FOOTER={"domains": domains}):
        page = text(get("/tagged/", host="shop.example.cn"))
        markup = footer_markup("shop.example.cn", the_settings())
    assert OTHER in markup
    assert markup in page
    assert page.count(OTHER) == 1


def test_the_tag_without_a_request_renders_for_no_host() -> None:
    template = Template("{% load icp_footer %}{% icp_footer %}")
    assert template.render(Context()) == footer_markup(None, the_settings())
    assert NUMBER in template.render(Context())
    with override_settings(ICP_FOOTER={"domains": {"example.cn": NUMBER}}):
        banner = template.render(Context({"request": None}))
    assert BANNER in banner


def test_the_tag_writes_what_the_charset_cannot_hold_as_references() -> None:
    request = RequestFactory().get("/", headers={"host": HOST})
    rendered = Template('{% load icp_footer %}{% icp_footer charset="latin-1" %}').render(
        Context({"request": request})
    )
    assert rendered == footer_markup(HOST, the_settings(), charset="latin-1")
    assert "&#20140;ICP&#22791;12345678&#21495;-1" in rendered  # 京ICP备12345678号-1
    rendered.encode("latin-1")  # nothing left that the page's charset cannot hold


def test_the_tag_with_a_disallowed_host_renders_for_no_host() -> None:
    request = RequestFactory().get("/", headers={"host": "evil.example.org"})
    rendered = Template("{% load icp_footer %}{% icp_footer %}").render(
        Context({"request": request})
    )
    assert rendered == footer_markup(None, the_settings())


# -- ordering with GZipMiddleware and ConditionalGetMiddleware -------------------------------


@pytest.mark.parametrize(
    ("middleware", "seen"),
    [([GZIP, CONDITIONAL, OURS], "identity"), ([OURS, GZIP, CONDITIONAL], "gzip")],
)
def test_below_gzip_it_rewrites_the_page_before_compression(
    middleware: list[str], seen: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    encodings: list[str] = []

    class Recording(BodyRewriter):
        def __init__(self, policy: Policy, target: Target, plan: Plan) -> None:
            encodings.append(plan.encoding)
            super().__init__(policy, target, plan)

    monkeypatch.setattr(middleware_module, "BodyRewriter", Recording)
    with override_settings(MIDDLEWARE=middleware):
        response = get("/", **{"accept-encoding": "gzip"})
    assert encodings == [seen]  # above GZipMiddleware it must decode and re-encode
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Length"] == str(len(response.content))
    assert gzip.decompress(response.content).decode().count(NUMBER) == 1


@pytest.mark.parametrize(
    ("middleware", "follows"),
    [([GZIP, CONDITIONAL, OURS], True), ([GZIP, OURS, CONDITIONAL], False)],
)
def test_below_conditional_get_the_etag_follows_the_number(
    middleware: list[str], follows: bool
) -> None:
    with override_settings(MIDDLEWARE=middleware):
        first = get("/")
        etag = first["ETag"]
        assert get("/", **{"if-none-match": etag}).status_code == 304
        with override_settings(ICP_FOOTER={"number": OTHER}):
            again = get("/", **{"if-none-match": etag})
    if follows:
        assert again.status_code == 200
        assert text(again).count(OTHER) == 1
    else:  # the ETag of the page without the number: a cache keeps showing the old number
        assert again.status_code == 304


# -- the README ------------------------------------------------------------------------------


def readme_block(language: str, needle: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = [
        block
        for block in re.findall(rf"```{language}\n(.*?)```", readme, flags=re.DOTALL)
        if needle in block
    ]
    assert len(found) == 1, (language, needle, found)
    return str(found[0])


def test_the_readme_settings_work_as_written() -> None:
    names: dict[str, Any] = {}
    exec(readme_block("python", f'"{OURS}"'), names)
    installed = [app for app in names["INSTALLED_APPS"] if app is not Ellipsis]
    middleware = [name for name in names["MIDDLEWARE"] if name is not Ellipsis]
    assert middleware.index(GZIP) < middleware.index(CONDITIONAL) < middleware.index(OURS)
    configured = {
        "INSTALLED_APPS": installed,
        "MIDDLEWARE": middleware,
        "ICP_FOOTER": names["ICP_FOOTER"],
    }
    assert our_checks(**configured) == []
    with override_settings(**configured):
        page = text(get("/"))
        com = get("/", host="example.com")
        with without_us():
            bare = Client().get("/", headers={"host": "example.com"})
    assert page.count(NUMBER) == 1
    assert com.content == bare.content


def test_the_readme_template_renders_the_footer() -> None:
    source = readme_block("django", "{% icp_footer %}")
    request = RequestFactory().get("/", headers={"host": HOST})
    rendered = Template(source).render(Context({"request": request}))
    assert rendered.count(NUMBER) == 1
    assert footer_markup(HOST, the_settings()) in rendered


# -- under a real server ---------------------------------------------------------------------


def serve_command(server: str, fd: int) -> list[str]:
    if server == "gunicorn":
        # gunicorn 25.1+ opens a control socket at a fixed path in the home directory.
        release = tuple(int(part) for part in version("gunicorn").split(".")[:2])
        quiet = ["--no-control-socket"] if release >= (25, 1) else []
        return [
            sys.executable, "-m", "gunicorn", "--bind", f"fd://{fd}", "--workers", "1",
            "--graceful-timeout", "5", *quiet, "icp_site.wsgi:application",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", "--fd", str(fd), "--lifespan", "off",
        "--timeout-graceful-shutdown", "5", "icp_site.asgi:application",
    ]  # fmt: skip


@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
def test_under_a_real_server(server: str, tmp_path: Path) -> None:
    log = tmp_path / f"{server}.log"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        with log.open("wb") as sink:
            process = subprocess.Popen(
                serve_command(server, listener.fileno()),
                cwd=PROJECT,
                env=server_env(),
                pass_fds=(listener.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    try:
        # The socket listens already: the request waits in its backlog until the server is up.
        response = httpx.get(
            f"http://127.0.0.1:{port}/",
            headers={"host": HOST, "accept-encoding": "gzip"},
            timeout=SERVER_TIMEOUT,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    output = log.read_text(errors="replace")
    assert response.status_code == 200, output
    assert response.headers["content-encoding"] == "gzip"
    assert response.text.count(NUMBER) == 1, output
    assert PSB in response.text
    assert process.returncode in (0, -signal.SIGTERM), output
