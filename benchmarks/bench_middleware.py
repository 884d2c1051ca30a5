"""Benchmark icp-footer's WSGI and ASGI middlewares against the bare app and lol-html.

Each figure is measured against the bare application in the same run:

1. In process, WSGI: a raw WSGI app (no framework) serving ``/`` (the ~240 KB portal page,
   ``text/html``, ``Content-Length``, one bytes item), ``/api`` (small JSON) and ``/page``
   (small HTML, not the home page), called directly with a copied environ and a no-op
   ``start_response``, the iterable consumed and closed. Best of several rounds of N calls.
2. In process, ASGI: the same routes as a raw ASGI app, driven by a minimal harness (one
   ``asyncio.run`` per round; ``receive`` returns ``http.request``, ``send`` collects).
3. On loopback: requests per second through uvicorn (ASGI, 1 worker) and gunicorn (WSGI, 1
   ``gthread`` worker), bare vs icp-footer vs lol-html, for ``/api`` and ``/``, loaded by
   ``wrk`` when installed, else by a bounded keep-alive Python client. A server that is not
   installed (they are not among the project's dependencies) is reported and skipped.

The anchor (``benchmarks/lolhtml_middleware.py``) does the same job with lol-html: same
request and response conditions, same snippet bytes, appended to ``<body>``.

Targets (reported, never asserted): non-home and non-HTML requests cost at most +2 µs in
process and keep at least 0.95x the bare requests per second; on the home page the
wrapped/bare ratio is at least as good as lol-html's.

Run ``python -m benchmarks.bench_middleware`` from the repository root. ``--quick`` uses
short rounds and 1 s loopback runs (``--no-loopback`` skips them); ``--json PATH`` writes
every figure. Nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import http.client
import importlib
import importlib.util
import io
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import documents
from benchmarks.lolhtml_middleware import (
    ASGIApp,
    Environ,
    LolHtmlASGIMiddleware,
    LolHtmlWSGIMiddleware,
    Message,
    Scope,
    StartResponse,
    WSGIApp,
    footer_snippet,
)

ROOT = Path(__file__).resolve().parents[1]

NUMBER = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"
HOST = "www.example.cn"

BARE = "bare"
ICP = "icp-footer"
LOL = "lol-html"
VARIANTS = (BARE, ICP, LOL)
ROUTES = ("/api", "/page", "/")
ROUTE_NAMES = {"/api": "non-HTML", "/page": "non-home HTML", "/": "home (portal)"}
LOOPBACK_ROUTES = ("/api", "/")

ADDED_US_TARGET = 2.0
RPS_RATIO_TARGET = 0.95

WRK_THREADS = min(2, max(1, (os.cpu_count() or 2) - 1))
"""wrk threads: leave a core to the (single-process) server; wrk needs little CPU per thread."""
PY_CONNECTIONS = 4
"""Keep-alive connections of the Python load generator (one thread each)."""

VARIANT_ENV = "ICP_BENCH_VARIANT"
"""Environment variable telling a server subprocess which app to build."""

# --------------------------------------------------------------------------------------------
# The application: three routes, raw WSGI and raw ASGI

PORTAL = documents.portal()
API = json.dumps(
    {"ok": True, "items": [{"id": i, "title": f"条目 {i}"} for i in range(5)]},
    ensure_ascii=False,
).encode()
PAGE = (
    '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>关于我们</title>'
    "</head>\n<body><header><h1>关于我们</h1></header>\n<main><p>"
    + "示例网络技术有限公司成立于二〇〇八年，专注于新闻资讯服务。"
    * 20
    + "</p></main>\n<footer><p>Copyright © 2024 示例网络技术有限公司</p></footer>\n"
    "</body></html>\n"
).encode()
NOT_FOUND = b"not found\n"

HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json"

_ROUTES: dict[str, tuple[str, bytes]] = {
    "/": (HTML_TYPE, PORTAL),
    "/api": (JSON_TYPE, API),
    "/page": (HTML_TYPE, PAGE),
}
_WSGI_RESPONSES: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {
    path: ("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))], body)
    for path, (ctype, body) in _ROUTES.items()
}
_WSGI_404 = (
    "404 Not Found",
    [("Content-Type", "text/plain"), ("Content-Length", str(len(NOT_FOUND)))],
    NOT_FOUND,
)
_ASGI_RESPONSES: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {
    path: (
        200,
        [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())],
        body,
    )
    for path, (ctype, body) in _ROUTES.items()
}
_ASGI_404 = (
    404,
    [(b"content-type", b"text/plain"), (b"content-length", str(len(NOT_FOUND)).encode())],
    NOT_FOUND,
)


def bare_wsgi_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """The raw WSGI application: one dict lookup, ``start_response``, one bytes item."""
    status, headers, body = _WSGI_RESPONSES.get(environ.get("PATH_INFO", "/"), _WSGI_404)
    start_response(status, list(headers))
    return [body]


async def bare_asgi_app(scope: Scope, receive: Any, send: Any) -> None:
    """The raw ASGI application: start and body messages, the body as one message."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    status, headers, body = _ASGI_RESPONSES.get(scope["path"], _ASGI_404)
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _load(kind: str) -> Callable[..., Any]:
    """``icp_footer.<kind>.ICPFooterMiddleware``, or exit with a clear message."""
    try:
        module = importlib.import_module(f"icp_footer.{kind}")
    except ImportError as exc:
        sys.exit(f"bench_middleware: cannot import icp_footer.{kind} ({exc}); nothing to benchmark")
    factory: Callable[..., Any] = module.ICPFooterMiddleware
    return factory


def wsgi_variants() -> dict[str, WSGIApp]:
    """The bare WSGI app, wrapped by icp-footer, and wrapped by the lol-html anchor."""
    middleware = _load("wsgi")
    wrapped: WSGIApp = middleware(bare_wsgi_app, number=NUMBER, psb=PSB)
    return {
        BARE: bare_wsgi_app,
        ICP: wrapped,
        LOL: LolHtmlWSGIMiddleware(bare_wsgi_app, number=NUMBER, psb=PSB),
    }


def asgi_variants() -> dict[str, ASGIApp]:
    """The bare ASGI app, wrapped by icp-footer, and wrapped by the lol-html anchor."""
    middleware = _load("asgi")
    wrapped: ASGIApp = middleware(bare_asgi_app, number=NUMBER, psb=PSB)
    return {
        BARE: bare_asgi_app,
        ICP: wrapped,
        LOL: LolHtmlASGIMiddleware(bare_asgi_app, number=NUMBER, psb=PSB),
    }


def wsgi_app_factory() -> WSGIApp:
    """Server entry point (gunicorn): the variant named by ``$ICP_BENCH_VARIANT``."""
    return wsgi_variants()[os.environ.get(VARIANT_ENV, BARE)]


def asgi_app_factory() -> ASGIApp:
    """Server entry point (uvicorn ``--factory``): the variant named by ``$ICP_BENCH_VARIANT``."""
    return asgi_variants()[os.environ.get(VARIANT_ENV, BARE)]


# --------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class Config:
    """Time budgets of one benchmark run."""

    quick: bool
    rounds: int
    round_seconds: float
    """Target duration of one round of one (route, variant) cell."""
    min_calls: int
    loopback_seconds: float
    """Duration of one load run (whole seconds with wrk)."""
    loopback_rounds: int
    warmup_seconds: float
    connections: int
    threads: int


FULL = Config(False, 15, 0.05, 20, 2.0, 3, 1.0, 16, WRK_THREADS)
QUICK = Config(True, 5, 0.01, 5, 1.0, 1, 0.0, 16, WRK_THREADS)


# --------------------------------------------------------------------------------------------
# In process


def _environ(path: str) -> Environ:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": HOST,
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8",
        "HTTP_USER_AGENT": "bench_middleware",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", HOST.encode()),
            (b"accept", b"text/html,application/xhtml+xml,*/*;q=0.8"),
            (b"user-agent", b"bench_middleware"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }


def _noop_write(_: bytes) -> None:
    """The ``write`` callable ``start_response`` returns; unused by the apps."""


def _noop_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return _noop_write


_REQUEST: Message = {"type": "http.request", "body": b"", "more_body": False}


async def _receive() -> Message:
    return _REQUEST


def time_wsgi(app: WSGIApp, environ: Environ, n: int) -> int:
    """Nanoseconds for ``n`` calls of ``app``, each iterable consumed and closed."""
    start_response = _noop_start_response
    copy = environ.copy
    t0 = time.perf_counter_ns()
    for _ in range(n):
        result = app(copy(), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return time.perf_counter_ns() - t0


async def time_asgi(app: ASGIApp, scope: dict[str, Any], n: int) -> int:
    """Nanoseconds for ``n`` calls of ``app`` (messages collected, then dropped)."""
    sent: list[Message] = []
    append = sent.append

    async def send(message: Message) -> None:
        append(message)

    receive = _receive
    copy = scope.copy
    t0 = time.perf_counter_ns()
    for _ in range(n):
        await app(copy(), receive, send)
        sent.clear()
    return time.perf_counter_ns() - t0


@dataclass
class Response:
    """One response, as the in-process harness saw it."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes


def call_wsgi(app: WSGIApp, path: str) -> Response:
    """One request through ``app``, response collected."""
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, list(headers)))
        return _noop_write

    result = app(_environ(path), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = seen[-1]
    return Response(status, [(k.lower(), v) for k, v in headers], body)


def call_asgi(app: ASGIApp, path: str) -> Response:
    """One request through ``app``, response collected."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def request() -> None:
        await app(_scope(path), _receive, send)

    asyncio.run(request())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = [
        (bytes(k).decode("latin-1").lower(), bytes(v).decode("latin-1"))
        for k, v in start["headers"]
    ]
    return Response(str(start["status"]), headers, body)


def describe_output(resp: Response, bare: Response, snippet: bytes) -> str:
    """``snippet`` (inserted), ``unchanged`` (same as bare), ``changed`` or ``no snippet``."""
    if snippet in resp.body and snippet not in bare.body:
        return "snippet"
    if resp.body == bare.body and resp.headers == bare.headers and resp.status == bare.status:
        return "unchanged"
    if resp.body == bare.body:
        return "headers changed"
    return "changed, no snippet"


@dataclass
class Cell:
    """Per-request time of one variant on one route."""

    us: float
    calls: int
    rounds: int
    output: str
    added_us: float | None = None
    ratio: float | None = None


def _calls_for(seconds_per_call: float, config: Config) -> int:
    return max(
        config.min_calls, min(500_000, int(config.round_seconds / max(seconds_per_call, 1e-9)))
    )


def _cells(with_lol: bool) -> list[tuple[str, str]]:
    """The (route, variant) pairs measured: lol-html only on the home page."""
    pairs = [(route, v) for route in ROUTES for v in (BARE, ICP)]
    if with_lol:
        pairs.append(("/", LOL))
    return pairs


def _finish(
    best: dict[tuple[str, str], float],
    calls: dict[tuple[str, str], int],
    outputs: dict[tuple[str, str], str],
    rounds: int,
) -> dict[str, dict[str, Cell]]:
    table: dict[str, dict[str, Cell]] = {}
    for (route, variant), ns in best.items():
        us = ns / calls[route, variant] / 1000
        table.setdefault(route, {})[variant] = Cell(
            us, calls[route, variant], rounds, outputs[route, variant]
        )
    for per in table.values():
        base = per[BARE].us
        for variant, cell in per.items():
            if variant != BARE:
                cell.added_us = cell.us - base
                cell.ratio = cell.us / base if base > 0 else None
    return table


def bench_wsgi(config: Config, snippet: bytes) -> dict[str, dict[str, Cell]]:
    """In-process per-request times of the WSGI variants."""
    apps = wsgi_variants()
    pairs = _cells(True)
    environs = {route: _environ(route) for route in ROUTES}
    outputs: dict[tuple[str, str], str] = {}
    bare = {route: call_wsgi(apps[BARE], route) for route in ROUTES}
    calls: dict[tuple[str, str], int] = {}
    for route, variant in pairs:
        outputs[route, variant] = describe_output(
            call_wsgi(apps[variant], route), bare[route], snippet
        )
        time_wsgi(apps[variant], environs[route], 3)  # warm up
        one = time_wsgi(apps[variant], environs[route], 3) / 3 / 1e9
        calls[route, variant] = _calls_for(one, config)
    best: dict[tuple[str, str], float] = {}
    for _ in range(config.rounds):
        gc.collect()
        for route, variant in pairs:
            ns = time_wsgi(apps[variant], environs[route], calls[route, variant])
            best[route, variant] = min(best.get((route, variant), float("inf")), ns)
    return _finish(best, calls, outputs, config.rounds)


def bench_asgi(config: Config, snippet: bytes) -> dict[str, dict[str, Cell]]:
    """In-process per-request times of the ASGI variants."""
    apps = asgi_variants()
    pairs = _cells(True)
    scopes = {route: _scope(route) for route in ROUTES}
    outputs: dict[tuple[str, str], str] = {}
    bare = {route: call_asgi(apps[BARE], route) for route in ROUTES}
    calls: dict[tuple[str, str], int] = {}

    async def calibrate() -> None:
        for route, variant in pairs:
            await time_asgi(apps[variant], scopes[route], 3)
            one = await time_asgi(apps[variant], scopes[route], 3) / 3 / 1e9
            calls[route, variant] = _calls_for(one, config)

    for route, variant in pairs:
        outputs[route, variant] = describe_output(
            call_asgi(apps[variant], route), bare[route], snippet
        )
    asyncio.run(calibrate())
    best: dict[tuple[str, str], float] = {}

    async def one_round() -> None:
        for route, variant in pairs:
            ns = await time_asgi(apps[variant], scopes[route], calls[route, variant])
            best[route, variant] = min(best.get((route, variant), float("inf")), ns)

    for _ in range(config.rounds):
        gc.collect()
        asyncio.run(one_round())
    return _finish(best, calls, outputs, config.rounds)


# --------------------------------------------------------------------------------------------
# Loopback


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_command(server: str, port: int) -> list[str]:
    """The command line starting ``server`` (``uvicorn`` or ``gunicorn``) on ``port``."""
    if server == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "benchmarks.bench_middleware:asgi_app_factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "2",
        ]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--graceful-timeout",
        "2",
        "benchmarks.bench_middleware:wsgi_app_factory()",
    ]


def _get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": HOST})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


class Server:
    """One server subprocess serving one variant on a free port of 127.0.0.1."""

    def __init__(self, server: str, variant: str, log: Path) -> None:
        self.name = server
        self.variant = variant
        self.log = log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Launch the subprocess (returns at once; see :meth:`wait_ready`)."""
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                server_command(self.name, self.port),
                cwd=ROOT,
                env={**os.environ, VARIANT_ENV: self.variant},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Wait until the server answers ``GET /api``; raise :class:`RuntimeError` if never."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace").strip().splitlines()[-3:]
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}: {' | '.join(tail)}"
                )
            try:
                _get(self.port, "/api", timeout=1.0)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not answer within {timeout:g} s") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Terminate the subprocess (SIGTERM, then SIGKILL after 10 s) and reap it."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running_servers(server: str, log_dir: Path) -> Iterator[dict[str, Server]]:
    """Start ``server`` once per variant, all at once; yield them ready; always stop them."""
    servers = {v: Server(server, v, log_dir / f"{server}-{v}.log") for v in VARIANTS}
    try:
        for s in servers.values():
            s.start()
        for s in servers.values():
            s.wait_ready()
        yield servers
    finally:
        for s in servers.values():
            s.stop()


_WRK_RPS = re.compile(r"Requests/sec:\s+([0-9.]+)")
_WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_WRK_ERRORS = re.compile(r"Socket errors:\s+(.*)")


def load_wrk(wrk: str, port: int, path: str, seconds: float, config: Config) -> dict[str, Any]:
    """Requests per second from one ``wrk`` run."""
    duration = f"{max(1, round(seconds))}s"
    cmd = [
        wrk,
        f"-t{config.threads}",
        f"-c{config.connections}",
        f"-d{duration}",
        f"http://127.0.0.1:{port}{path}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=False)
    m = _WRK_RPS.search(proc.stdout)
    if proc.returncode != 0 or m is None:
        return {"rps": None, "error": (proc.stderr or proc.stdout).strip()[-300:]}
    non2xx = _WRK_NON2XX.search(proc.stdout)
    errors = _WRK_ERRORS.search(proc.stdout)
    return {
        "rps": float(m.group(1)),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def load_python(port: int, path: str, seconds: float) -> dict[str, Any]:
    """Requests per second from keep-alive ``http.client`` threads for ``seconds``."""
    connections = PY_CONNECTIONS
    counts = [0] * connections
    errors = [0] * connections
    non2xx = [0] * connections
    start = threading.Barrier(connections + 1)
    stop = threading.Event()

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start.wait()
        try:
            while not stop.is_set():
                try:
                    conn.request("GET", path, headers={"Host": HOST})
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 200:
                        non2xx[i] += 1
                    counts[i] += 1
                    if resp.will_close:
                        conn.close()
                except (OSError, http.client.HTTPException):
                    errors[i] += 1
                    conn.close()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - t0
    for t in threads:
        t.join(timeout=15)
    return {"rps": sum(counts) / elapsed, "non_2xx": sum(non2xx), "socket_errors": str(sum(errors))}


def bench_loopback(config: Config, client: str, snippet: bytes) -> dict[str, Any]:
    """Requests per second through uvicorn and gunicorn.

    The three variants of one server run side by side (one subprocess each) and are loaded in
    turn, round after round, so slow drifts of the machine hit them alike; each figure is the
    best round.
    """
    wrk = shutil.which("wrk") if client in ("auto", "wrk") else None
    if client == "wrk" and wrk is None:
        return {"skipped": "wrk requested but not installed"}
    servers = [s for s in ("uvicorn", "gunicorn") if importlib.util.find_spec(s) is not None]
    missing = sorted({"uvicorn", "gunicorn"} - set(servers))
    out: dict[str, Any] = {
        "client": (
            f"wrk -t{config.threads} -c{config.connections}"
            if wrk
            else f"python http.client threads, {PY_CONNECTIONS} keep-alive connections"
        ),
        "seconds": config.loopback_seconds,
        "rounds": config.loopback_rounds,
        "uvicorn_stack": "http "
        + ("httptools" if importlib.util.find_spec("httptools") else "h11")
        + ", loop "
        + ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio"),
        "servers": {},
        "missing": missing,
    }

    def load(port: int, path: str, seconds: float) -> dict[str, Any]:
        if wrk is not None:
            return load_wrk(wrk, port, path, seconds, config)
        return load_python(port, path, seconds)

    with tempfile.TemporaryDirectory(prefix="icp-bench-mw-") as tmp:
        for server in servers:
            per: dict[str, dict[str, Any]] = {route: {} for route in LOOPBACK_ROUTES}
            out["servers"][server] = per
            _log(f"  loopback: {server}")
            try:
                with running_servers(server, Path(tmp)) as running:
                    for route in LOOPBACK_ROUTES:
                        for variant, srv in running.items():
                            status, headers, body = _get(srv.port, route)
                            per[route][variant] = {
                                "rps": None,
                                "runs": [],
                                "status": status,
                                "snippet": snippet in body,
                                "content_length": "content-length" in headers,
                                "bytes": len(body),
                            }
                            if config.warmup_seconds > 0:
                                load(srv.port, route, config.warmup_seconds)
                    for _ in range(config.loopback_rounds):
                        for route in LOOPBACK_ROUTES:
                            for variant, srv in running.items():
                                fig = per[route][variant]
                                run = load(srv.port, route, config.loopback_seconds)
                                fig["runs"].append(run)
                                rps = run.get("rps")
                                if rps is not None and (fig["rps"] is None or rps > fig["rps"]):
                                    fig["rps"] = rps
                                for key in ("non_2xx", "socket_errors", "error"):
                                    if run.get(key):
                                        fig[key] = run[key]
            except (RuntimeError, OSError) as exc:
                for route in LOOPBACK_ROUTES:
                    for variant in VARIANTS:
                        per[route][variant] = {"rps": None, "error": str(exc)}
            for route in LOOPBACK_ROUTES:
                base = per[route][BARE].get("rps")
                for variant in (ICP, LOL):
                    fig = per[route][variant]
                    rps = fig.get("rps")
                    fig["ratio"] = rps / base if rps and base else None
    return out


# --------------------------------------------------------------------------------------------
# Report


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _figures(fig: dict[str, Any]) -> str:
    """A target's figures, e.g. ``added_us +1.12, ...`` or ``icp_ratio 0.061, lol_ratio 0.23``."""
    parts = []
    for key, value in fig.items():
        if key != "met":
            parts.append(f"{key} {_fmt(value, '+.2f' if key == 'added_us' else '.3f')}")
    return ", ".join(parts)


def _targets_in_process(table: dict[str, dict[str, Cell]]) -> dict[str, Any]:
    """Each in-process target, met or not (never asserted)."""
    targets: dict[str, Any] = {}
    for route in ("/api", "/page"):
        added = table[route][ICP].added_us
        targets[f"{route} added <= +{ADDED_US_TARGET:g} us"] = {
            "added_us": added,
            "met": added is not None and added <= ADDED_US_TARGET,
        }
    icp, lol = table["/"][ICP].ratio, table["/"][LOL].ratio
    targets["/ ratio <= lol-html ratio"] = {
        "icp_ratio": icp,
        "lol_ratio": lol,
        "met": icp is not None and lol is not None and icp <= lol,
    }
    return targets


def print_in_process(title: str, table: dict[str, dict[str, Cell]]) -> dict[str, Any]:
    """Print one in-process table and its targets; return the targets."""
    p = print
    p(f"\n== {title}: µs per request, best of {table['/'][BARE].rounds} rounds (lower is better)")
    p(f"  {'route':<22}{'variant':<12}{'µs':>11}{'added µs':>11}{'ratio':>9}{'calls':>9}   output")
    for route in ROUTES:
        for variant, cell in table[route].items():
            label = f"{route} {ROUTE_NAMES[route]}" if variant == BARE else ""
            p(
                f"  {label:<22}{variant:<12}{cell.us:>11.2f}"
                f"{_fmt(cell.added_us, '+.2f'):>11}{_fmt(cell.ratio, '.2f', 'x'):>9}"
                f"{cell.calls:>9}   {cell.output}"
            )
    targets = _targets_in_process(table)
    for name, fig in targets.items():
        p(f"  target {name}: {'met' if fig['met'] else 'MISSED'} ({_figures(fig)})")
    return targets


def print_loopback(loop: dict[str, Any]) -> dict[str, Any]:
    """Print the loopback table and its targets; return the targets."""
    p = print
    if "skipped" in loop:
        p(f"\n== Loopback: skipped ({loop['skipped']})")
        return {}
    p(
        f"\n== Loopback: requests/s (higher is better), {loop['client']}, "
        f"best of {loop['rounds']} run(s) of {loop['seconds']:g} s, variants interleaved, "
        "ratio = variant / bare"
    )
    p(f"  uvicorn: 1 worker, {loop['uvicorn_stack']}; gunicorn: 1 gthread worker, 4 threads")
    if loop["missing"]:
        p(f"  not installed, skipped: {', '.join(loop['missing'])}")
    p(f"  {'server':<10}{'route':<7}{'variant':<12}{'req/s':>10}{'ratio':>9}   response")
    targets: dict[str, Any] = {}
    for server, per in loop["servers"].items():
        for route in LOOPBACK_ROUTES:
            for variant in VARIANTS:
                fig = per[route].get(variant, {})
                if fig.get("error"):
                    p(f"  {server:<10}{route:<7}{variant:<12}{'error':>10}   {fig['error']}")
                    continue
                resp = (
                    f"{fig['status']}, {fig['bytes']:,} B, "
                    f"snippet {'yes' if fig['snippet'] else 'no'}"
                    f"{'' if fig['content_length'] else ', chunked'}"
                )
                if fig.get("non_2xx"):
                    resp += f", {fig['non_2xx']} non-2xx"
                p(
                    f"  {server:<10}{route:<7}{variant:<12}{_fmt(fig.get('rps'), ',.0f'):>10}"
                    f"{_fmt(fig.get('ratio'), '.2f', 'x'):>9}   {resp}"
                )
        ratio_api = per["/api"].get(ICP, {}).get("ratio")
        targets[f"{server} /api rps >= {RPS_RATIO_TARGET}x bare"] = {
            "ratio": ratio_api,
            "met": ratio_api is not None and ratio_api >= RPS_RATIO_TARGET,
        }
        icp, lol = per["/"].get(ICP, {}).get("ratio"), per["/"].get(LOL, {}).get("ratio")
        targets[f"{server} / ratio >= lol-html ratio"] = {
            "icp_ratio": icp,
            "lol_ratio": lol,
            "met": icp is not None and lol is not None and icp >= lol,
        }
    for name, fig in targets.items():
        p(f"  target {name}: {'met' if fig['met'] else 'MISSED'} ({_figures(fig)})")
    return targets


def run(config: Config, *, loopback: bool, client: str) -> dict[str, Any]:
    """Run every section, print the report, and return all figures."""
    t_start = time.perf_counter()
    snippet = footer_snippet(NUMBER, PSB)
    p = print
    p(f"icp-footer middleware benchmark ({'quick' if config.quick else 'full'})")
    p(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        "in process: best of N rounds (time.perf_counter_ns); each figure against the bare app"
    )
    p(
        f"routes: / portal {len(PORTAL):,} B text/html, /api {len(API):,} B JSON, "
        f"/page {len(PAGE):,} B text/html; snippet {len(snippet):,} B"
    )
    results: dict[str, Any] = {
        "meta": {
            "quick": config.quick,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "config": asdict(config),
        },
        "payloads": {"/": len(PORTAL), "/api": len(API), "/page": len(PAGE)},
        "snippet_bytes": len(snippet),
    }

    _log("  in process: WSGI")
    wsgi = bench_wsgi(config, snippet)
    _log("  in process: ASGI")
    asgi = bench_asgi(config, snippet)
    targets = {
        "wsgi": print_in_process("In process, WSGI (raw app, direct calls)", wsgi),
        "asgi": print_in_process("In process, ASGI (raw app, minimal harness)", asgi),
    }
    results["in_process"] = {
        kind: {route: {v: asdict(c) for v, c in per.items()} for route, per in table.items()}
        for kind, table in (("wsgi", wsgi), ("asgi", asgi))
    }

    loop = bench_loopback(config, client, snippet) if loopback else {"skipped": "--no-loopback"}
    targets["loopback"] = print_loopback(loop)
    results["loopback"] = loop
    results["targets"] = targets

    elapsed = time.perf_counter() - t_start
    p(f"\n(total {elapsed:.0f} s)")
    results["elapsed_s"] = elapsed
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_middleware",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="short rounds, 1 s loopback runs")
    ap.add_argument("--json", metavar="PATH", type=Path, help="write every figure to PATH")
    ap.add_argument("--no-loopback", action="store_true", help="skip the uvicorn/gunicorn runs")
    ap.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="loopback load generator (auto: wrk if installed, else Python threads)",
    )
    args = ap.parse_args(argv)
    results = run(QUICK if args.quick else FULL, loopback=not args.no_loopback, client=args.client)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
