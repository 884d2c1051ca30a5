"""The icp-footer command, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


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


def test_config_host_shows_the_entry_and_the_exact_snippet() -> None:
    done = run_env({"ICP_FOOTER_DOMAINS": DOMAINS}, "config", "--host", "WWW.Example.CN:8080")
    assert done.returncode == 0
    assert "host 'WWW.Example.CN:8080' -> www.example.cn: the entry for example.cn" in done.stdout
    snippet = done.stdout.split("snippet:\n", 1)[1]
    assert snippet.startswith("<div")
    assert "京ICP备12345678号-1</a>" in snippet
    assert "code=11010502030143" in snippet
    silent = run_env({"ICP_FOOTER_DOMAINS": DOMAINS}, "config", "--host", "example.com")
    assert "snippet: (nothing is inserted)" in silent.stdout
    banner = run_env({}, "config", "--host", "new.example.org")
    assert "no entry and no ICP_FOOTER_NUMBER" in banner.stdout
    assert "ICP_FOOTER_DOMAINS" in banner.stdout.split("snippet:", 1)[1]


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
    assert good.stdout.startswith("✓ http://example.cn/: compliant\n")
    assert "✓ ICP 京ICP备12345678号-1: valid, linked to https://beian.miit.gov.cn/" in good.stdout
    assert "\x1b[" not in good.stdout  # a pipe is not a terminal
    assert good.stderr == ""  # one URL: no progress lines

    both = run_env({}, "check", "--json", "--app", app, "http://example.cn/", "http://example.com/")
    assert both.returncode == 1
    reports = json.loads(both.stdout)
    assert [r["ok"] for r in reports] == [True, False]
    assert reports[1]["findings"][0]["fix"] == (
        "show the ICP number in the page footer, linked to https://beian.miit.gov.cn/"
    )
    assert sorted(line.split()[0] for line in both.stderr.splitlines()) == ["[1/2]", "[2/2]"]

    expected = run_env({}, "check", "--app", app, "http://example.cn/", "--expect", "京ICP备1号")
    assert expected.returncode == 2
    assert "--expect" in expected.stderr
