"""The example sites, served by real servers: the Flask one under gunicorn, FastAPI under uvicorn.

Each example runs twice on 127.0.0.1: as shipped (middleware on, configured through
``ICP_FOOTER_*``) and with ``ICP_FOOTER_EXAMPLE_BARE=1`` (the same app without the
middleware), so that every page the middleware must leave alone can be compared byte for byte.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NUMBER = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"
MIIT = "https://beian.miit.gov.cn/"
SECTIONING = {"article", "aside", "main", "nav", "section", "footer"}
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
# Headers that legitimately differ between two runs of the same app.
VOLATILE = {"date"}

Command = Callable[[int], list[str]]


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass(frozen=True)
class Pair:
    wrapped: Server
    bare: Server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(*, bare: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICP_FOOTER_")}
    env["ICP_FOOTER_NUMBER"] = NUMBER
    env["ICP_FOOTER_PSB"] = PSB
    # /stream is not a home page; listing it shows the number arriving in a streamed page.
    env["ICP_FOOTER_PATHS"] = "/,/index.html,/index.htm,/stream"
    env["PYTHONUNBUFFERED"] = "1"
    if bare:
        env["ICP_FOOTER_EXAMPLE_BARE"] = "1"
    return env


def launch(name: str, command: Command, cwd: Path, env: dict[str, str], log: Path) -> Server:
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command(port),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: workers included in the check
        )
    return Server(name, f"http://127.0.0.1:{port}", process, log)


def wait_ready(server: Server) -> bool:
    """True once the server answers; False if it exited (e.g. its port was taken)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            if httpx.get(f"{server.base_url}/api/status", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(server, check=False)
    pytest.fail(f"{server.name} not ready after {READY_TIMEOUT} s:\n{server.output()}")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a process of another user took the id
        return False
    return True


def stop(server: Server, *, check: bool = True) -> None:
    """Stop the server with SIGTERM; with ``check``, fail unless it and its workers exit."""
    process = server.process
    problems: list[str] = []
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            problems.append(f"did not exit within {STOP_TIMEOUT} s of SIGTERM")
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
    elif check:
        problems.append(f"had already exited with {process.returncode} before being stopped")
    deadline = time.monotonic() + STOP_TIMEOUT
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if group_alive(process.pid):
        problems.append("left processes behind (its workers)")
        os.killpg(process.pid, signal.SIGKILL)
    # uvicorn re-raises the signal after a clean shutdown; gunicorn exits with 0.
    if not problems and process.returncode not in (0, -signal.SIGTERM):
        problems.append(f"exited with {process.returncode}")
    if check and problems:
        pytest.fail(f"{server.name} {'; '.join(problems)}:\n{server.output()}")


def serve(name: str, command: Command, cwd: Path, logs: Path) -> Iterator[Pair]:
    """Run the example as shipped and bare; stop both, checking they exit, whatever happens."""
    live: list[Server] = []

    def start(bare: bool, attempt: int) -> Server:
        label = f"{name} ({'bare' if bare else 'wrapped'})"
        log = logs / f"{name}-{'bare' if bare else 'wrapped'}-{attempt}.log"
        server = launch(label, command, cwd, server_env(bare=bare), log)
        live.append(server)
        return server

    try:
        ready = [start(bare, 0) for bare in (False, True)]  # both boot at once
        for index, bare in enumerate((False, True)):
            for attempt in range(1, 4):
                server = ready[index]
                if wait_ready(server):
                    break
                live.remove(server)
                stop(server, check=False)
                if "address already in use" not in server.output().lower() or attempt == 3:
                    pytest.fail(f"{server.name} exited at startup:\n{server.output()}")
                ready[index] = start(bare, attempt)
        yield Pair(wrapped=ready[0], bare=ready[1])
    finally:
        failures: list[str] = []
        for server in live:
            try:
                stop(server)
            except pytest.fail.Exception as exc:
                failures.append(str(exc))
        if failures:
            pytest.fail("\n".join(failures))


def gunicorn(port: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
        "--graceful-timeout", "5", "app:app",
    ]  # fmt: skip


def uvicorn(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port),
        "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip


SERVERS: dict[str, tuple[Command, Path]] = {
    "flask": (gunicorn, EXAMPLES / "flask_app"),
    "fastapi": (uvicorn, EXAMPLES / "fastapi_app"),
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    name: str = request.param
    command, cwd = SERVERS[name]
    yield from serve(name, command, cwd, tmp_path_factory.mktemp(f"{name}-logs"))


def fetch(method: str, url: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        return client.request(method, url)


def headers_of(
    response: httpx.Response, *, skip: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    return sorted(
        (name.lower(), value)
        for name, value in response.headers.multi_items()
        if name.lower() not in VOLATILE | skip
    )


def has_sectioning_ancestor(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in SECTIONING:
            return True
        parent = parent.parent
    return False


def check_site_footer(page: bytes) -> None:
    """The number is shown once, as the last child of the site footer, linked to the MIIT."""
    text = page.decode("utf-8")
    assert text.count(NUMBER) == 1
    assert text.count(PSB) == 1
    tree = LexborHTMLParser(text)
    snippets = tree.css(".icp-footer")
    assert len(snippets) == 1
    site_footers = [f for f in tree.css("footer") if not has_sectioning_ancestor(f)]
    assert site_footers
    site_footer = site_footers[-1]
    assert "site-footer" in (site_footer.attributes.get("class") or "")
    children = list(site_footer.iter(include_text=False))
    assert children[-1].attributes.get("class") == "icp-footer"
    links = children[-1].css(f'a[href="{MIIT}"]')
    assert [link.text() for link in links] == [NUMBER]
    for footer in tree.css("article footer"):
        assert footer.css(".icp-footer") == []
        assert NUMBER not in footer.text()


def one_insertion(wrapped: bytes, bare: bytes) -> bytes:
    """What was inserted, given that it went right before the bare page's last </footer>."""
    at = bare.rindex(b"</footer>")
    size = len(wrapped) - len(bare)
    assert size > 0
    inserted = wrapped[at : at + size]
    assert wrapped == bare[:at] + inserted + bare[at:]
    return inserted


def test_home_page_shows_the_number_in_the_site_footer(site: Pair) -> None:
    response = fetch("GET", f"{site.wrapped.base_url}/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    if "content-length" in response.headers:
        assert int(response.headers["content-length"]) == len(response.content)
    check_site_footer(response.content)


def test_home_page_is_the_bare_page_plus_one_insertion(site: Pair) -> None:
    wrapped = fetch("GET", f"{site.wrapped.base_url}/")
    bare = fetch("GET", f"{site.bare.base_url}/")
    assert bare.status_code == wrapped.status_code == 200
    assert b'class="icp-footer"' not in bare.content
    inserted = one_insertion(wrapped.content, bare.content)
    assert inserted.startswith(b'<div class="icp-footer"')
    assert inserted.endswith(b"</div>")
    skip = frozenset({"content-length"})
    assert headers_of(wrapped, skip=skip) == headers_of(bare, skip=skip)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/about"),
        ("GET", "/api/status"),
        ("GET", "/static/site.css"),
        ("GET", "/no-such-page"),
        ("HEAD", "/about"),
        ("HEAD", "/static/site.css"),
    ],
)
def test_other_responses_are_byte_identical(site: Pair, method: str, path: str) -> None:
    wrapped = fetch(method, f"{site.wrapped.base_url}{path}")
    bare = fetch(method, f"{site.bare.base_url}{path}")
    assert wrapped.status_code == bare.status_code
    assert wrapped.content == bare.content
    assert headers_of(wrapped) == headers_of(bare)
    if method == "GET" and path != "/no-such-page":
        assert wrapped.status_code == 200
        assert wrapped.content
        assert "content-type" in wrapped.headers


def test_stream_is_not_held_back(site: Pair) -> None:
    url = f"{site.wrapped.base_url}/stream"
    arrivals: list[tuple[float, bytes]] = []
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        start = time.monotonic()
        with client.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/html")
            for chunk in response.iter_raw():
                if chunk:
                    arrivals.append((time.monotonic() - start, chunk))
        total = time.monotonic() - start
    first = arrivals[0][0]
    assert first < total - 0.3, f"first bytes at {first:.2f} s of {total:.2f} s"
    assert b"<header" in arrivals[0][1]
    body = b"".join(chunk for _, chunk in arrivals)
    check_site_footer(body)
    bare = fetch("GET", f"{site.bare.base_url}/stream")
    one_insertion(body, bare.content)


def test_head_of_home_page_is_honest(site: Pair) -> None:
    head = fetch("HEAD", f"{site.wrapped.base_url}/")
    get = fetch("GET", f"{site.wrapped.base_url}/")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"].startswith("text/html")
    assert head.headers["content-type"] == get.headers["content-type"]
    assert NUMBER not in str(head.headers)
    # RFC 9110 9.3.2/8.6: a HEAD response's Content-Length, if any, is what GET would send.
    if "content-length" in head.headers:
        assert int(head.headers["content-length"]) == len(get.content)


@pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")
def test_fastapi_home_page_under_starlettes_test_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestClient sends ``http.response.debug`` before every template response."""
    from starlette.testclient import TestClient  # noqa: PLC0415 - it warns on import

    for name in [k for k in os.environ if k.startswith("ICP_FOOTER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ICP_FOOTER_NUMBER", NUMBER)
    monkeypatch.setenv("ICP_FOOTER_PSB", PSB)
    spec = importlib.util.spec_from_file_location(
        "fastapi_example_app", EXAMPLES / "fastapi_app" / "app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with TestClient(module.create_app()) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.template.name == "index.html"  # the debug message still got through
    check_site_footer(response.content)
