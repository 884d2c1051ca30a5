"""The Flask extension: settings from app.config, one wrapper, and ``{{ icp_footer() }}``.

Every WSGI exchange goes through Werkzeug's ``LintMiddleware`` (its warnings are errors here),
under Werkzeug's test client and under a real server on 127.0.0.1.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from flask import Flask, Response, render_template_string
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.serving import make_server
from werkzeug.test import Client

from icp_footer import ConfigError, ICPFooterWSGIMiddleware
from icp_footer._i18n import set_language
from icp_footer.config import VARIABLES
from icp_footer.flask import ICPFooter
from icp_footer.templating import footer_markup

NUMBER = "京ICP备12345678号-1"
SHOP = "京ICP备12345678号-2"
OTHER = "沪ICP备2024012345号-3"
PSB = "京公网安备 11010502030143号"
OWNER = "© 2026 示例公司 版权所有"
DOMAINS = f"example.cn={NUMBER}|{PSB}; shop.example.cn={SHOP}; example.com=none"
FOOTER = '<div class="icp-footer"'
BANNER = '<div class="icp-footer-banner"'
BANNER_TITLE = "⚠ 此网站未显示 ICP 备案号"

PLAIN = "<!doctype html><html><body><main>内容</main><footer><p>关于我们</p></footer></body></html>"
HELPER = (
    "<!doctype html><html><body><main>内容</main>"
    "<footer><p>关于我们</p>{{ icp_footer() }}</footer></body></html>"
)
GBK = (
    '<!doctype html><html><head><meta charset="gbk"></head><body><main>内容</main>'
    '<footer><p>关于我们</p>{{ icp_footer(charset="gbk") }}</footer></body></html>'
)


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def make_app(**config: Any) -> Flask:
    """A site: ``/`` calls the helper, ``/plain`` does not, ``/gbk`` is a GBK page."""
    app = Flask(__name__)
    app.config.update(config)

    @app.get("/")
    def home() -> str:
        return render_template_string(HELPER)

    @app.get("/plain")
    def plain() -> str:
        return PLAIN

    @app.get("/about")
    def about() -> str:
        return render_template_string(HELPER)

    @app.get("/gbk")
    def gbk() -> Response:
        page = render_template_string(GBK).encode("gbk")  # strict: any unheld character fails
        return Response(page, content_type="text/html; charset=gbk")

    return app


def set_up(**config: Any) -> Flask:
    """:func:`make_app` with the extension."""
    app = make_app(**config)
    ICPFooter(app)
    return app


def get(app: Flask, path: str = "/", host: str = "example.cn") -> str:
    response = Client(LintMiddleware(app)).get(path, headers={"Host": host})
    assert response.status_code == 200
    charset = "gbk" if path == "/gbk" else "utf-8"
    return response.get_data().decode(charset)


def counts(page: str) -> tuple[int, int]:
    """How many footers and banners the page shows."""
    return page.count(FOOTER), page.count(BANNER)


# -- setting up ------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["ICPFooter(app)", "init_app"])
def test_both_ways_of_setting_up(style: str) -> None:
    app = make_app(ICP_FOOTER_NUMBER=NUMBER, ICP_FOOTER_PATHS="/,/plain")
    inner = app.wsgi_app
    if style == "init_app":
        ext = ICPFooter()
        assert app.wsgi_app == inner  # nothing happens before init_app
        ext.init_app(app)
    else:
        ext = ICPFooter(app)
    assert app.extensions["icp_footer"] is ext
    assert isinstance(app.wsgi_app, ICPFooterWSGIMiddleware)
    assert app.wsgi_app.app == inner
    assert "icp_footer" in app.jinja_env.globals
    assert ext.settings_for(app) is app.wsgi_app.settings
    with app.app_context():
        assert ext.settings_for() is app.wsgi_app.settings
    plain = get(app, "/plain")  # the middleware inserts it
    assert counts(plain) == (1, 0)
    assert plain.count(NUMBER) == 1


def test_settings_for_an_app_it_does_not_know() -> None:
    with pytest.raises(RuntimeError, match="init_app"):
        ICPFooter().settings_for(make_app())


def test_one_extension_serves_several_apps() -> None:
    ext = ICPFooter()
    first, second = make_app(ICP_FOOTER_NUMBER=NUMBER), make_app(ICP_FOOTER_NUMBER=OTHER)
    ext.init_app(first)
    ext.init_app(second)
    assert NUMBER in get(first)
    assert OTHER not in get(first)
    assert OTHER in get(second)
    assert NUMBER not in get(second)
    assert ext.settings_for(first) is not ext.settings_for(second)


def test_init_app_twice_wraps_once_and_rereads_the_settings() -> None:
    app = make_app(ICP_FOOTER_NUMBER=NUMBER, ICP_FOOTER_PATHS="/,/plain")
    inner = app.wsgi_app
    ext = ICPFooter(app)
    wrapper = app.wsgi_app
    ext.init_app(app)
    app.config["ICP_FOOTER_NUMBER"] = OTHER
    ICPFooter().init_app(app)  # another instance on the same app: still one wrapper
    assert app.wsgi_app is wrapper
    assert isinstance(wrapper, ICPFooterWSGIMiddleware)
    assert wrapper.app == inner
    plain = get(app, "/plain")
    assert counts(plain) == (1, 0)
    assert plain.count(OTHER) == 1
    assert NUMBER not in plain
    assert get(app).count(OTHER) == 1  # the template global follows too

    app.config["ICP_FOOTER_NUMBER"] = "京ICP备123号"
    with pytest.raises(ConfigError):
        ext.init_app(app)
    assert get(app, "/plain").count(OTHER) == 1  # a failed re-read changes nothing


# -- where the settings come from ------------------------------------------------------------


def test_app_config_beats_the_environment_key_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_FOOTER_NUMBER", NUMBER)
    monkeypatch.setenv("ICP_FOOTER_PSB", PSB)
    monkeypatch.setenv("ICP_FOOTER_OWNER", OWNER)
    from_environment = get(set_up(ICP_FOOTER_OWNER=None))  # None: not set in app.config
    assert NUMBER in from_environment
    assert PSB in from_environment
    assert OWNER in from_environment

    page = get(set_up(ICP_FOOTER_NUMBER=OTHER, ICP_FOOTER_OWNER=""))
    assert OTHER in page
    assert NUMBER not in page
    assert PSB in page  # not in app.config: from the environment
    assert "示例公司" not in page  # set to "" in app.config: no owner line


def test_app_config_takes_python_values() -> None:
    app = set_up(
        ICP_FOOTER_DOMAINS={"example.cn": f"{NUMBER}|{PSB}", "example.com": "none"},
        ICP_FOOTER_PATHS=["/", "/plain"],
        ICP_FOOTER_TRUST_FORWARDED_HOST=True,
        ICP_FOOTER_LOOKBEHIND=4096,
    )
    assert counts(get(app, "/plain")) == (1, 0)
    assert counts(get(app, "/plain", "example.com")) == (0, 0)
    assert counts(get(app, "/plain", "internal")) == (0, 1)
    for path in ("/", "/plain"):  # the template global and the middleware agree on the host
        forwarded = Client(LintMiddleware(app)).get(
            path, headers={"Host": "internal", "X-Forwarded-Host": "example.com"}
        )
        assert counts(forwarded.get_data(as_text=True)) == (0, 0)
    assert app.wsgi_app.settings.lookbehind_limit == 4096  # type: ignore[attr-defined]


def test_a_bad_number_in_app_config_names_the_key() -> None:
    app = make_app(ICP_FOOTER_NUMBER="京ICP备123号")
    inner = app.wsgi_app
    with pytest.raises(ConfigError) as caught:
        ICPFooter(app)
    message = str(caught.value)
    assert message.startswith('app.config["ICP_FOOTER_NUMBER"]: "京ICP备123号": ')
    assert "8 or 10 digits" in message
    assert message.endswith(f'Example: app.config["ICP_FOOTER_NUMBER"] = "{NUMBER}"')
    assert app.wsgi_app == inner
    assert "icp_footer" not in app.extensions
    assert "icp_footer" not in app.jinja_env.globals


def test_problems_in_chinese_name_the_key_or_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ICP_FOOTER_PSB", "京公网安备 110105号")
    app = make_app(ICP_FOOTER_NUMBER="京ICP备123号", ICP_FOOTER_NUMBRE=NUMBER)
    set_language("zh")
    try:
        with pytest.raises(ConfigError) as caught:
            ICPFooter(app)
    finally:
        set_language(None)
    unknown, number, psb = caught.value.problems
    assert unknown == (
        'app.config["ICP_FOOTER_NUMBRE"]：不是 icp-footer 的设置项；您是想写 ICP_FOOTER_NUMBER 吗？'
        f'示例：app.config["ICP_FOOTER_NUMBER"] = "{NUMBER}"'
    )
    assert number == (
        'app.config["ICP_FOOTER_NUMBER"]：“京ICP备123号”：备案编号必须是 8 或 10 位数字，'
        f'而不是 3 位（例如：{NUMBER}）。示例：app.config["ICP_FOOTER_NUMBER"] = "{NUMBER}"'
    )
    assert psb.startswith("环境变量 ICP_FOOTER_PSB：“京公网安备 110105号”")
    assert psb.endswith(f'示例：ICP_FOOTER_PSB="{PSB}"')


def test_a_bad_number_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ICP_FOOTER_PSB", "京公网安备 110105号")
    with pytest.raises(ConfigError) as caught:
        ICPFooter(make_app(ICP_FOOTER_NUMBER=NUMBER))
    message = str(caught.value)
    assert message.startswith('environment variable ICP_FOOTER_PSB: "京公网安备 110105号"')
    assert message.endswith(f'Example: ICP_FOOTER_PSB="{PSB}"')


def test_every_problem_is_listed_with_an_example() -> None:
    app = make_app(
        ICP_FOOTER_NUMBRE=NUMBER,
        ICP_FOOTER_DOMAINS="example.cn=萌ICP备12345678号",
        ICP_FOOTER_MISSING="hide",
    )
    with pytest.raises(ConfigError) as caught:
        ICPFooter(app)
    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0] == (
        'app.config["ICP_FOOTER_NUMBRE"]: not an icp-footer setting; did you mean '
        f'ICP_FOOTER_NUMBER? Example: app.config["ICP_FOOTER_NUMBER"] = "{NUMBER}"'
    )
    assert problems[1].startswith('app.config["ICP_FOOTER_DOMAINS"] entry "example.cn=萌ICP')
    assert 'Example: app.config["ICP_FOOTER_DOMAINS"] = "example.cn=' in problems[1]
    assert problems[2].startswith('app.config["ICP_FOOTER_MISSING"]: "hide"')
    assert problems[2].endswith('Example: app.config["ICP_FOOTER_MISSING"] = "banner"')


def test_a_key_unlike_any_setting_lists_them() -> None:
    with pytest.raises(ConfigError, match=r"\(they are ICP_FOOTER_NUMBER, .*ICP_FOOTER_PSB"):
        ICPFooter(make_app(ICP_FOOTER_X=1))


# -- which number a host gets ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "number"),
    [
        ("example.cn", NUMBER),
        ("WWW.Example.CN:8080", NUMBER),
        ("shop.example.cn", SHOP),
        ("a.shop.example.cn.", SHOP),
        ("notexample.cn", OTHER),
        ("example.com", None),
        ("www.example.com", None),
    ],
)
@pytest.mark.parametrize("path", ["/", "/plain"])
def test_each_host_gets_its_number(host: str, number: str | None, path: str) -> None:
    app = set_up(ICP_FOOTER_NUMBER=OTHER, ICP_FOOTER_DOMAINS=DOMAINS, ICP_FOOTER_PATHS="/,/plain")
    page = get(app, path, host)
    if number is None:
        assert "icp-footer" not in page
        assert "ICP" not in page
    else:
        assert counts(page) == (1, 0)
        assert page.count(number) == 1
        assert all(other not in page for other in {NUMBER, SHOP, OTHER} - {number})


# -- the template global ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("example.cn", (1, 0)),
        ("shop.example.cn", (1, 0)),
        ("other.org", (0, 1)),
        ("example.com", (0, 0)),
    ],
)
def test_the_helper_and_the_middleware_show_it_once(host: str, expected: tuple[int, int]) -> None:
    app = set_up(ICP_FOOTER_DOMAINS=DOMAINS)
    page = get(app, "/", host)
    assert counts(page) == expected
    # Exactly the template's output: the middleware inserted nothing.
    with app.test_request_context("/", headers={"Host": host}):
        assert page == render_template_string(HELPER)
    if expected == (0, 1):
        assert page.count(BANNER_TITLE) == 1
        assert "other.org" in page


def test_the_helper_renders_on_pages_the_middleware_leaves_alone() -> None:
    app = set_up(ICP_FOOTER_DOMAINS=DOMAINS)
    assert counts(get(app, "/about")) == (1, 0)
    assert counts(get(app, "/about", "other.org")) == (0, 1)


def test_the_helper_outside_a_request() -> None:
    """An e-mail or a page rendered ahead of time: the default number, or a banner naming no
    host."""
    ext = ICPFooter()
    numbered, bare = make_app(ICP_FOOTER_NUMBER=NUMBER), make_app()
    ext.init_app(numbered)
    ext.init_app(bare)
    with numbered.app_context():
        shown = render_template_string("{{ icp_footer() }}")
    assert shown == footer_markup(None, ext.settings_for(numbered))
    assert counts(shown) == (1, 0)
    with bare.app_context():
        shown = render_template_string("{{ icp_footer() }}")
    assert counts(shown) == (0, 1)
    assert "example.cn" in shown  # the banner's example, naming no host


@pytest.mark.parametrize("host", ["example.cn", "other.org"])
def test_a_gbk_page(host: str) -> None:
    """``charset="gbk"``: the page encodes (strictly) and shows what it should, once."""
    app = set_up(ICP_FOOTER_DOMAINS=DOMAINS, ICP_FOOTER_OWNER=OWNER, ICP_FOOTER_PATHS="/,/gbk")
    page = get(app, "/gbk", host)
    if host == "example.cn":
        assert counts(page) == (1, 0)
        assert page.count(NUMBER) == 1
        assert "&#169; 2026 示例公司" in page  # GBK has no ©
        assert html.unescape(page).count(OWNER) == 1
    else:
        assert counts(page) == (0, 1)
        assert "&#9888;" in page  # nor ⚠
        assert html.unescape(page).count(BANNER_TITLE) == 1


def test_without_the_charset_a_gbk_page_cannot_be_encoded() -> None:
    """What ``charset=`` is for: the same page without it fails to encode."""
    app = set_up(ICP_FOOTER_NUMBER=NUMBER, ICP_FOOTER_OWNER=OWNER)
    with app.test_request_context("/", headers={"Host": "example.cn"}):
        page = render_template_string(GBK.replace('charset="gbk"', ""))
    with pytest.raises(UnicodeEncodeError):
        page.encode("gbk")


# -- under a real server ---------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """Serve Flask apps (behind LintMiddleware) on 127.0.0.1, port 0; stop them after."""
    servers: list[tuple[Any, threading.Thread]] = []

    def start(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, LintMiddleware(app))
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(10)
        assert not thread.is_alive()


def test_under_a_real_server(serve: Callable[[Flask], str]) -> None:
    app = set_up(
        ICP_FOOTER_DOMAINS=DOMAINS, ICP_FOOTER_OWNER=OWNER, ICP_FOOTER_PATHS="/,/gbk,/plain"
    )
    base = serve(app)
    expected = {"example.cn": (1, 0), "other.org": (0, 1), "example.com": (0, 0)}
    with httpx.Client(base_url=base, trust_env=False, timeout=10) as client:
        for host, shown in expected.items():
            for path in ("/", "/gbk", "/plain"):
                response = client.get(path, headers={"Host": host})
                assert response.status_code == 200
                page = response.content.decode("gbk" if path == "/gbk" else "utf-8")
                assert counts(page) == shown, (host, path)
                if shown == (1, 0):
                    assert page.count(NUMBER) == 1
                    assert html.unescape(page).count(OWNER) == 1


def test_init_app_after_a_request_changes_nothing() -> None:
    """Flask refuses setup once the app has served a request; the app is left as it was."""
    app = make_app(ICP_FOOTER_NUMBER=NUMBER)
    inner = app.wsgi_app
    assert app.test_client().get("/plain").status_code == 200
    with pytest.raises(AssertionError, match="add_template_global"):
        ICPFooter(app)
    assert app.wsgi_app == inner
    assert "icp_footer" not in app.extensions
