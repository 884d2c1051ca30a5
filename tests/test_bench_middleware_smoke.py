"""The middleware benchmark runs end to end, and its lol-html anchor does the real job.

No timing assertions: only that ``--quick`` exits cleanly with every in-process figure, and
that the anchor middlewares rewrite the home page and pass everything else through.
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` rather than `python -m pytest`
    sys.path.insert(0, str(ROOT))

from benchmarks import documents  # noqa: E402
from benchmarks.lolhtml_middleware import (  # noqa: E402
    LolHtmlASGIMiddleware,
    LolHtmlWSGIMiddleware,
    footer_snippet,
)

NUMBER = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"
SNIPPET = footer_snippet(NUMBER, PSB)
HOME = documents.home_20k()
API = b'{"ok": true}'

Message = dict[str, Any]


def _expected(doc: bytes) -> bytes:
    """``doc`` with the snippet as the last child of ``<body>``."""
    i = doc.rfind(b"</body>")
    return doc[:i] + SNIPPET + doc[i:]


def test_bench_middleware_quick(tmp_path: Path) -> None:
    """``python -m benchmarks.bench_middleware --quick --json`` exits 0 with every figure."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_middleware", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    for kind in ("wsgi", "asgi"):
        table = results["in_process"][kind]
        assert set(table) == {"/", "/api", "/page"}, kind
        for route, per in table.items():
            variants = (
                {"bare", "icp-footer", "lol-html"} if route == "/" else {"bare", "icp-footer"}
            )
            assert set(per) == variants, (kind, route)
            for variant, cell in per.items():
                assert isinstance(cell["us"], float), (kind, route, variant)
                assert cell["calls"] >= 1, (kind, route, variant)
                if variant != "bare":
                    assert isinstance(cell["added_us"], float), (kind, route, variant)
        assert table["/"]["lol-html"]["output"] == "snippet", kind
    assert "loopback" in results
    assert "targets" in results


# --------------------------------------------------------------------------------------------
# WSGI anchor


class _Body:
    """A WSGI body that starts the response lazily, in chunks, and records ``close()``."""

    def __init__(self, start_response: Any, status: str, headers: list[tuple[str, str]]) -> None:
        self.start_response = start_response
        self.status = status
        self.headers = headers
        self.body = b""
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        self.start_response(self.status, self.headers)
        for i in range(0, len(self.body), 4096):
            yield self.body[i : i + 4096]

    def close(self) -> None:
        self.closed = True


class _WSGIApp:
    """``/`` the home page (lazily started, 4 KiB chunks), ``/api`` JSON, else 404 HTML."""

    def __init__(self) -> None:
        self.bodies: list[_Body] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/api":
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(API)))]
            )
            return [API]
        status, body = ("200 OK", HOME) if path == "/" else ("404 Not Found", b"<p>nope</p>")
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        result = _Body(start_response, status, headers)
        result.body = body
        self.bodies.append(result)
        return result


def _call_wsgi(app: Any, path: str, method: str = "GET") -> tuple[str, dict[str, str], bytes, Any]:
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, headers))
        return lambda data: None

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO()}
    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    status, headers = seen[-1]
    return status, {k.lower(): v for k, v in headers}, body, result


def test_wsgi_anchor_rewrites_home_page() -> None:
    """The home page gets the snippet at the end of ``<body>`` and loses Content-Length."""
    inner = _WSGIApp()
    status, headers, body, _ = _call_wsgi(LolHtmlWSGIMiddleware(inner, number=NUMBER, psb=PSB), "/")
    assert status == "200 OK"
    assert "content-length" not in headers
    assert body == _expected(HOME)
    assert inner.bodies[-1].closed


@pytest.mark.parametrize(("path", "method"), [("/api", "GET"), ("/", "POST"), ("/missing", "GET")])
def test_wsgi_anchor_passes_through(path: str, method: str) -> None:
    """Non-HTML, non-GET and non-home responses are the app's own, Content-Length kept."""
    inner = _WSGIApp()
    wrapped = LolHtmlWSGIMiddleware(inner, number=NUMBER, psb=PSB)
    got = _call_wsgi(wrapped, path, method)
    bare = _call_wsgi(_WSGIApp(), path, method)
    assert got[:3] == bare[:3]
    assert "content-length" in got[1]
    assert SNIPPET not in got[2]


def test_wsgi_anchor_passes_404_home_through() -> None:
    """A 404 HTML answer on ``/`` is not rewritten (the decision waits for start_response)."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/html"), ("Content-Length", "3")])
        return [b"404"]

    status, headers, body, _ = _call_wsgi(LolHtmlWSGIMiddleware(app), "/")
    assert (status, headers["content-length"], body) == ("404 Not Found", "3", b"404")


def test_snippet_is_icp_footers() -> None:
    """icp-footer's WSGI middleware inserts exactly the anchor's snippet bytes."""
    wsgi = pytest.importorskip("icp_footer.wsgi")
    app = wsgi.ICPFooterMiddleware(_WSGIApp(), number=NUMBER, psb=PSB)
    _, _, body, _ = _call_wsgi(app, "/")
    assert SNIPPET in body


# --------------------------------------------------------------------------------------------
# ASGI anchor


async def _asgi_app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    """``/`` the home page in 4 KiB ``more_body`` messages, ``/api`` JSON."""
    if scope["path"] == "/api":
        headers = [(b"content-type", b"application/json"), (b"content-length", b"12")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": API})
        return
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(HOME)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for i in range(0, len(HOME), 4096):
        await send({"type": "http.response.body", "body": HOME[i : i + 4096], "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _call_asgi(app: Any, path: str, method: str = "GET") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent


def test_asgi_anchor_rewrites_home_page() -> None:
    """Streamed home page: snippet at the end of ``<body>``, no Content-Length, last message."""
    sent = _call_asgi(LolHtmlASGIMiddleware(_asgi_app, number=NUMBER, psb=PSB), "/")
    start, bodies = sent[0], sent[1:]
    assert start["type"] == "http.response.start"
    assert start["status"] == 200
    assert b"content-length" not in {k for k, _ in start["headers"]}
    assert b"".join(m["body"] for m in bodies) == _expected(HOME)
    assert all(m["more_body"] for m in bodies[:-1])
    assert not bodies[-1]["more_body"]
    assert len(bodies) > 2  # streamed, not buffered


@pytest.mark.parametrize(("path", "method"), [("/api", "GET"), ("/", "POST")])
def test_asgi_anchor_passes_through(path: str, method: str) -> None:
    """Non-HTML and non-GET exchanges are exactly the app's messages."""
    wrapped = _call_asgi(LolHtmlASGIMiddleware(_asgi_app, number=NUMBER, psb=PSB), path, method)
    assert wrapped == _call_asgi(_asgi_app, path, method)
