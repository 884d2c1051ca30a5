"""The icp-footer command, run as a user runs it."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from icp_footer import cli


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "icp_footer.cli", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_inject_reads_standard_input() -> None:
    done = run("inject", "-", "--snippet", "<p>京ICP备12345678号</p>", stdin=b"<p>x</p></body>")
    assert done.returncode == 0
    assert done.stdout == "<p>x</p><p>京ICP备12345678号</p></body>".encode()
    assert b"body: before </body>" in done.stderr


def test_inject_reads_a_file(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_bytes(b"<footer>f</footer><script>'</body>'</script></body>")
    done = run("inject", str(page), "--snippet", "<b>N</b>")
    assert done.stdout == b"<footer>f<b>N</b></footer><script>'</body>'</script></body>"
    assert b"footer:" in done.stderr


def test_version_and_usage() -> None:
    assert run("--version").stdout.startswith(b"icp-footer ")
    assert run().returncode == 2


def run_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ICP_FOOTER_")}
    return subprocess.run(
        [sys.executable, "-m", "icp_footer.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


DOMAINS = "example.cn=京ICP备12345678号-1|京公网安备 11010502030143号; example.com=none"


def test_config_prints_the_resolved_table() -> None:
    done = run_env({"ICP_FOOTER_DOMAINS": DOMAINS, "ICP_FOOTER_NUMBER": "粤B2-20090059"}, "config")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["domain", "ICP", "PSB"]
    assert any(line.split()[:2] == ["(any", "other"] and "粤B2-20090059" in line for line in lines)
    assert any(
        line.startswith("example.cn ") and "京公网安备 11010502030143号" in line for line in lines
    )
    assert any(line.startswith("example.com ") and "none" in line for line in lines)
    assert "ICP link:       https://beian.miit.gov.cn/" in done.stdout
    assert "home paths:     /, /index.htm, /index.html" in done.stdout
    assert "missing number: banner" in done.stdout
    # CJK cells are padded by display width, so the PSB column lines up
    psb_columns = {
        len(line[: line.index("京公网安备")].encode("gbk"))
        for line in lines
        if "京公网安备" in line
    }
    assert len(psb_columns) == 1


def test_config_host_shows_the_entry_and_with_snippet_the_exact_snippet() -> None:
    done = run_env({"ICP_FOOTER_DOMAINS": DOMAINS}, "config", "--host", "WWW.Example.CN:8080")
    assert done.returncode == 0
    assert "host 'WWW.Example.CN:8080' -> www.example.cn: the entry for example.cn" in done.stdout
    assert "<div" not in done.stdout  # the snippet only with --snippet
    done = run_env(
        {"ICP_FOOTER_DOMAINS": DOMAINS}, "config", "--host", "WWW.Example.CN:8080", "--snippet"
    )
    snippet = done.stdout.split("as UTF-8 text):\n", 1)[1]
    assert snippet.startswith("<div")
    assert "\n  <a " in snippet  # indented, one element a line
    assert "\n    京ICP备12345678号-1\n  </a>" in snippet
    assert "code=11010502030143" in snippet
    silent = run_env(
        {"ICP_FOOTER_DOMAINS": DOMAINS}, "config", "--host", "example.com", "--snippet"
    )
    assert "snippet: (nothing is inserted)" in silent.stdout
    banner = run_env({}, "config", "--host", "new.example.org", "--snippet")
    assert "no entry and no ICP_FOOTER_NUMBER" in banner.stdout
    assert "ICP_FOOTER_DOMAINS" in banner.stdout.split("snippet", 1)[1]


def test_config_exits_2_with_every_error() -> None:
    done = run_env(
        {"ICP_FOOTER_DOMAINS": "example.cn=京ICP备123号", "ICP_FOOTER_MISSING": "loud"}, "config"
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert 'ICP_FOOTER_DOMAINS entry "example.cn=京ICP备123号"' in done.stderr
    assert "ICP_FOOTER_MISSING" in done.stderr
    assert done.stderr.count("Example: ") == 2


CHECK_SITE = """
from flask import Flask
from icp_footer.wsgi import ICPFooterMiddleware

app = Flask(__name__)

@app.get("/")
def home():
    return "<html><body><main><p>正文</p></main><footer>© 2026</footer></body></html>"

app.wsgi_app = ICPFooterMiddleware(app.wsgi_app, domains={
    "example.cn": "京ICP备12345678号-1|京公网安备 11010502030143号", "example.com": "none"
})
"""


def test_check_help_documents_the_exit_statuses() -> None:
    done = run_env({}, "check", "--help")
    assert done.returncode == 0
    assert "exit status: 0 every page is compliant; 1 some page is not" in done.stdout
    assert "errors win" in done.stdout
    assert "--app MODULE:APP" in done.stdout


def test_check_needs_a_url() -> None:
    done = run_env({}, "check")
    assert done.returncode == 2
    assert "give at least one URL" in done.stderr


def test_check_an_app_as_a_user_runs_it(tmp_path: Path) -> None:
    site = tmp_path / "check_site.py"
    site.write_text(CHECK_SITE, encoding="utf-8")
    app = f"{site}:app"
    good = run_env({"NO_COLOR": ""}, "check", "--app", app, "http://example.cn/")
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith(
        "checked against the app's configuration (icp_footer.wsgi.ICPFooterMiddleware)\n\n"
        "✓ http://example.cn/: compliant\n"
    )
    assert "✓ ICP 京ICP备12345678号-1: valid, linked to https://beian.miit.gov.cn/" in good.stdout
    assert "\x1b[" not in good.stdout  # a pipe is not a terminal
    assert good.stderr == ""  # one URL: no progress lines

    urls = ("http://example.cn/", "http://example.com/", "http://localhost/")
    both = run_env({}, "check", "--json", "--app", app, *urls)
    assert both.returncode == 1
    reports = json.loads(both.stdout)["reports"]
    assert [r["ok"] for r in reports] == [True, True, False]  # example.com is none
    assert reports[2]["findings"][0]["fix"] == (
        "show the ICP number in the page footer, linked to https://beian.miit.gov.cn/"
    )
    # the app's own log (the banner for localhost) goes to stderr too, as under a server
    progress = [line for line in both.stderr.splitlines() if line.startswith("[")]
    assert sorted(line.split()[0] for line in progress) == [
        "[1/3]",
        "[2/3]",
        "[3/3]",
    ]

    expected = run_env({}, "check", "--app", app, "http://example.cn/", "--expect", "京ICP备1号")
    assert expected.returncode == 2
    assert "--expect" in expected.stderr


# -- in process: cli.main, as the command runs it ------------------------------------------

NUMBER = "京ICP备12345678号-1"
SHOP = "京ICP备12345678号-2"
PSB = "京公网安备 11010502030143号"
THREE = f"example.cn={NUMBER}|{PSB}; shop.example.cn={SHOP}; example.com=none"
BARE_PAGE = "<html><body><main><p>正文</p></main><footer>© 2026</footer></body></html>"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("ICP_FOOTER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """--app puts directories on sys.path and modules in sys.modules: undo that."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def cli_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


WSGI_SITE = f"""
from flask import Flask
from icp_footer.wsgi import ICPFooterMiddleware

app = Flask(__name__)

@app.get("/")
def home():
    return {BARE_PAGE!r}

@app.get("/about")
def about():
    return "<html><body><p>about</p></body></html>"

app.wsgi_app = ICPFooterMiddleware(app.wsgi_app, domains={THREE!r})
"""

# Starlette builds its middleware stack on the first request: --app builds it to find it.
ASGI_SITE = f"""
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.routing import Route

from icp_footer.asgi import ICPFooterMiddleware


async def home(request):
    return HTMLResponse({BARE_PAGE!r})


app = Starlette(
    routes=[Route("/", home)],
    middleware=[Middleware(ICPFooterMiddleware, domains={THREE!r})],
)
"""

# No middleware: the page hard-codes its footer per host, shop.example.cn's number is wrong.
HARD_CODED_SITE = f"""
from flask import Flask, request

app = Flask(__name__)
NUMBERS = {{"example.cn": {NUMBER!r}, "shop.example.cn": "京ICP备12345678号-3"}}

@app.get("/")
def home():
    number = NUMBERS.get(request.host, "")
    link = f'<a href="https://beian.miit.gov.cn/">{{number}}</a>' if number else ""
    return f"<html><body><main>x</main><footer>{{link}}</footer></body></html>"
"""

URLS = ("http://example.cn/", "http://shop.example.cn/", "http://example.com/")


def site(tmp_path: Path, name: str, source: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return f"{path}:app"


@pytest.mark.usefixtures("isolated_imports")
@pytest.mark.parametrize(
    ("source", "middleware"),
    [(WSGI_SITE, "icp_footer.wsgi"), (ASGI_SITE, "icp_footer.asgi")],
    ids=["wsgi", "asgi"],
)
def test_check_app_checks_each_host_against_its_own_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, middleware: str
) -> None:
    app = site(tmp_path, f"three_{middleware.replace('.', '_')}", source)
    status, out, _ = cli_main(capsys, "check", "--app", app, *URLS)
    assert status == 0, out
    blocks = out.strip().split("\n\n")
    assert blocks[0] == (
        f"checked against the app's configuration ({middleware}.ICPFooterMiddleware)"
    )
    assert blocks[2].splitlines()[:2] == [
        "✓ http://shop.example.cn/: compliant",
        f"  expected: {SHOP} (shop.example.cn in the app's configuration)",
    ]
    assert blocks[3].splitlines() == [
        "✓ http://example.com/: compliant",
        "  expected: no number and no banner (example.com in the app's configuration)",
    ]
    assert blocks[-1] == "3 pages: 3 compliant, 0 not compliant, 0 errors"


@pytest.mark.usefixtures("isolated_imports")
def test_check_app_without_middleware_uses_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICP_FOOTER_DOMAINS", THREE.replace(f"|{PSB}", ""))
    app = site(tmp_path, "hard_coded", HARD_CODED_SITE)
    status, out, _ = cli_main(capsys, "check", "--app", app, *URLS)
    assert status == 1
    blocks = out.strip().split("\n\n")
    assert blocks[0] == (
        "checked against the ICP_FOOTER_* environment (no icp-footer middleware found in the app)"
    )
    assert blocks[1].startswith("✓ http://example.cn/: compliant")
    assert blocks[2].startswith("✗ http://shop.example.cn/: not compliant")
    assert f"the page does not show the expected number {SHOP}" in blocks[2]
    assert blocks[3].startswith("✓ http://example.com/: compliant")
    assert blocks[-1] == "3 pages: 2 compliant, 1 not compliant, 0 errors"
    # --expect HOST=NUMBER overrides the configuration for that host (and its subdomains)
    status, out, _ = cli_main(
        capsys, "check", "--app", app, *URLS, "--expect", "shop.example.cn=京ICP备12345678号-3"
    )
    assert status == 0, out
    assert "expected: 京ICP备12345678号-3 (--expect shop.example.cn=)" in out


@pytest.mark.usefixtures("isolated_imports")
def test_a_none_host_showing_the_banner_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The app is configured without example.com: its page gets the banner.
    app = site(tmp_path, "no_com", WSGI_SITE.replace("; example.com=none", ""))
    status, out, _ = cli_main(
        capsys, "check", "--app", app, "http://example.com/", "--expect", "example.com=none"
    )
    assert status == 1
    assert "✗ http://example.com/: not compliant" in out
    assert "icp-footer shows its missing-number banner on this page" in out


@pytest.mark.usefixtures("isolated_imports")
def test_a_page_that_is_not_a_home_page_is_reported_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = site(tmp_path, "about_site", WSGI_SITE)
    status, out, err = cli_main(
        capsys, "check", "--json", "--app", app, "http://example.cn/about", "http://example.cn/"
    )
    assert status == 0
    document = json.loads(out)
    about, home = document["reports"]
    assert (about["verdict"], about["home"], about["status"]) == ("not a home page", False, None)
    assert "add /about to ICP_FOOTER_PATHS" in about["findings"][0]["message"]
    assert home["expected"] == [NUMBER, PSB]
    assert document["summary"] == {
        "pages": 2,
        "compliant": 1,
        "not_compliant": 0,
        "errors": 0,
        "not_home": 1,
    }
    assert "http://example.cn/about not a home page" in err
    status, out, _ = cli_main(capsys, "check", "--app", app, "/about")
    assert out.strip().endswith(
        "1 page: 0 compliant, 0 not compliant, 0 errors, 1 not home pages (not checked)"
    )


@pytest.mark.usefixtures("isolated_imports")
@pytest.mark.parametrize("example", ["flask_app", "fastapi_app"])
def test_check_the_examples(
    example: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICP_FOOTER_DOMAINS", THREE)
    app = f"{Path(__file__).parents[1] / 'examples' / example / 'app.py'}:app"
    status, out, _ = cli_main(capsys, "check", "--app", app, "--configured")
    assert status == 0, out
    assert out.strip().endswith("3 pages: 3 compliant, 0 not compliant, 0 errors")
    monkeypatch.setenv("ICP_FOOTER_DOMAINS", THREE.replace(SHOP, "京ICP备87654321号-2"))
    for name in [n for n in sys.modules if n == "app"]:
        del sys.modules[name]
    status, out, _ = cli_main(
        capsys, "check", "--app", app, "--expect", f"shop.example.cn={SHOP}", *URLS
    )
    assert status == 1
    assert "✗ http://shop.example.cn/: not compliant" in out


class _ByHost(http.server.BaseHTTPRequestHandler):
    """Each host's page: example.cn right, shop.example.cn wrong, example.com without one."""

    pages: ClassVar[dict[str, str]] = {
        "example.cn": f'<a href="https://beian.miit.gov.cn/">{NUMBER}</a>',
        "shop.example.cn": '<a href="https://beian.miit.gov.cn/">京ICP备12345678号-3</a>',
        "example.com": "",
    }

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0]
        footer = self.pages.get(host)
        if footer is None:
            self.send_error(404)
            return
        body = f"<html><body><main>x</main><footer>{footer}</footer></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def by_host() -> Iterator[str]:
    """A server on 127.0.0.1 answering for the example domains by their Host header."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ByHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_check_configured_fetches_every_domain(
    by_host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICP_FOOTER_DOMAINS", f"example.cn={NUMBER}; example.com=none")
    status, out, err = cli_main(capsys, "check", "--configured", "--server", by_host)
    assert status == 0, out + err
    assert "✓ https://example.cn/: compliant" in out
    assert "✓ https://example.com/: compliant" in out
    assert out.startswith("checked against the ICP_FOOTER_* environment\n")
    assert out.strip().endswith("2 pages: 2 compliant, 0 not compliant, 0 errors")


def test_check_configured_with_a_domains_file(
    by_host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    domains = tmp_path / "domains.txt"
    domains.write_text(f"example.cn={NUMBER}\nshop.example.cn={SHOP}\n", encoding="utf-8")
    args = ("check", "--configured", "--domains-file", str(domains), "--server", by_host)
    status, out, _ = cli_main(capsys, *args, "--json")
    assert status == 1
    document = json.loads(out)
    assert document["configuration"] == f"{domains} and the ICP_FOOTER_* environment"
    shop = next(r for r in document["reports"] if r["url"] == "https://shop.example.cn/")
    assert shop["verdict"] == "not compliant"
    assert shop["expected"] == [SHOP]
    assert shop["source"] == f"shop.example.cn in {domains}"
    assert document["summary"]["not_compliant"] == 1
    assert document["summary"]["compliant"] == 1


def test_check_configured_needs_a_domain(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli_main(capsys, "check", "--configured", "--server", "http://127.0.0.1:9")
    assert status == 2
    assert "no domain is configured" in err
    status, _, err = cli_main(capsys, "check", "https://example.cn/", "--domains-file", "x")
    assert (status, err.strip()) == (2, "icp-footer check: --domains-file goes with --configured")


def test_expect_host_number_against_a_server(
    by_host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = ("https://example.cn/", "https://www.example.com/", "https://example.com/")
    expect = ("--expect", f"example.cn={NUMBER}", "--expect", "example.com=none")
    # www.example.com is not served (404): an error, as without --expect
    status, out, _ = cli_main(capsys, "check", "--server", by_host, *urls, *expect)
    assert status == 2
    assert "expected: no number and no banner (--expect example.com=)" in out
    assert out.strip().endswith("3 pages: 2 compliant, 0 not compliant, 1 errors")
    for wrong in ("example.cn=京ICP备123号", "bad host=" + NUMBER, "a.cn=none"):
        extra = ("--expect", "a.cn=" + NUMBER) if wrong == "a.cn=none" else ()
        status, _, err = cli_main(capsys, "check", "https://a.cn/", "--expect", wrong, *extra)
        assert status == 2, wrong
        assert err.startswith("icp-footer check: --expect"), err


def test_config_warns_about_unknown_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICP_FOOTER_NUMBR", NUMBER)
    monkeypatch.setenv("ICP_FOOTER_DOMAINS", THREE)
    status, _, err = cli_main(capsys, "config")
    assert status == 0
    assert "ICP_FOOTER_NUMBR" in err
    assert "Did you mean ICP_FOOTER_NUMBER?" in err
    assert "red warning banner" not in err


def test_config_says_when_nothing_is_configured(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli_main(capsys, "config")
    assert status == 0
    assert "No number is configured: every home page will show the red warning banner" in err
    assert 'ICP_FOOTER_NUMBER="' in err


def test_config_host_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICP_FOOTER_DOMAINS", THREE)
    status, out, _ = cli_main(capsys, "config", "--host", "www.example.cn")
    assert status == 0
    summary = out.split("\n\n")[-1].splitlines()
    assert summary[:3] == [
        "host 'www.example.cn' -> www.example.cn: the entry for example.cn",
        f"  ICP number:  {NUMBER}, linked to https://beian.miit.gov.cn/",
        f"  PSB number:  {PSB}, after its badge, linked to "
        "https://beian.mps.gov.cn/#/query/webSearch?code=11010502030143",
    ]
    assert summary[3].startswith("  where:       on home pages (/, /index.htm, /index.html)")
    _, out, _ = cli_main(capsys, "config", "--host", "example.com")
    assert "  shows:       nothing: no number and no banner (DOMAIN=none)" in out
    _, out, _ = cli_main(capsys, "config", "--host", "example.org")
    assert (
        "the red warning banner: no ICP number is configured. "
        'Set one: ICP_FOOTER_DOMAINS="example.org=' in out
    )


def test_inject_a_missing_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = cli_main(capsys, "inject", str(tmp_path / "nope.html"), "--snippet", "x")
    assert (status, out) == (2, "")
    assert (
        err
        == f"icp-footer inject: cannot read {tmp_path / 'nope.html'}: No such file or directory\n"
    )
    status, _, err = cli_main(capsys, "inject", str(tmp_path), "--snippet", "x")
    assert status == 2
    assert err.count("\n") == 1


def test_inject_uses_the_configured_snippet_in_the_pages_charset(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    monkeypatch.setenv("ICP_FOOTER_DOMAINS", THREE)
    page = tmp_path / "gbk.html"
    page.write_bytes('<meta charset="gbk"><p>首页</p><footer>f</footer>'.encode("gbk"))
    assert cli.main(["inject", str(page), "--host", "shop.example.cn"]) == 0
    out, err = capsysbinary.readouterr()
    assert SHOP.encode("gbk") in out
    assert out.startswith('<meta charset="gbk"><p>首页</p><footer>f<div'.encode("gbk"))
    assert out.endswith(b"</div></footer>")
    assert b"footer:" in err
    assert cli.main(["inject", str(page), "--host", "example.com"]) == 0
    out, err = capsysbinary.readouterr()
    assert out == page.read_bytes()
    assert b"nothing is inserted" in err
    assert cli.main(["inject", str(page)]) == 0  # no host, no ICP_FOOTER_NUMBER: the banner
    out, _ = capsysbinary.readouterr()
    assert b'data-icp-footer="banner"' in out
