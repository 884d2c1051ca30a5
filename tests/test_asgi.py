"""The ASGI middleware, checked on the raw messages it sends.

httpx's ASGITransport buffers whole bodies, so these tests drive the ASGI protocol by hand
and record every message, with its timing relative to the app. One runs uvicorn, on
127.0.0.1, to see a bad setting stop it.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import re
import subprocess
import sys
import traceback
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from icp_footer import ConfigError, ICPFooterASGIMiddleware
from icp_footer.asgi import ICPFooterMiddleware
from icp_footer.policy import Policy

NUMBER = "京ICP备12345678号-1"
ENV = {"ICP_FOOTER_NUMBER": NUMBER, "ICP_FOOTER_PSB": "京公网安备 11010502030143号"}
PAGE = (
    "<!DOCTYPE html><html><head><meta charset=utf-8></head><body>"
    "<article><footer>文章</footer></article><footer class=site><p>© 2026</p></footer>"
    "<script>var s = '</body>';</script></body></html>"
).encode()

Message = MutableMapping[str, Any]
App = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


def scope(
    path: str = "/", *, method: str = "GET", host: str | None = "example.cn", **extra: Any
) -> dict[str, Any]:
    headers = [(b"host", host.encode())] if host is not None else []
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "server": ("srv", 8000),
        **extra,
    }


async def run(app: App, sc: MutableMapping[str, Any]) -> list[Message]:
    sent: list[Message] = []
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(sc, receive, send)
    return sent


def raw_app(
    chunks: list[bytes] | None = None,
    *,
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> App:
    body = [PAGE] if chunks is None else chunks
    head = headers
    if head is None:
        head = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(sum(map(len, body))).encode()),
        ]

    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": list(head)})
        for i, chunk in enumerate(body):
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": i < len(body) - 1}
            )
        if not body:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


def wrap(app: App, **settings: Any) -> ICPFooterMiddleware:
    env = {**ENV, **settings.pop("env", {})}
    return ICPFooterMiddleware(app, environ=env, **settings)


def body_of(messages: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def headers_of(messages: list[Message]) -> dict[bytes, list[bytes]]:
    found: dict[bytes, list[bytes]] = {}
    for name, value in messages[0]["headers"]:
        found.setdefault(name.lower(), []).append(value)
    return found


def check_protocol(messages: list[Message]) -> None:
    """Exactly one start, first; body messages after it; the last one ends the body."""
    assert [m["type"] for m in messages[:1]] == ["http.response.start"]
    assert sum(m["type"] == "http.response.start" for m in messages) == 1
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    assert bodies
    assert all(m.get("more_body", False) for m in bodies[:-1])
    assert not bodies[-1].get("more_body", False)


def in_site_footer(body: bytes) -> str:
    tree = LexborHTMLParser(body.decode())
    marks = tree.css(".icp-footer")
    assert len(marks) == 1
    assert marks[0].parent is not None
    assert marks[0].parent.attributes.get("class") == "site"
    link = marks[0].css_first("a")
    assert link is not None
    return link.text()


def test_rewrites_the_home_page_with_an_exact_length() -> None:
    messages = asyncio.run(run(wrap(raw_app()), scope()))
    check_protocol(messages)
    body = body_of(messages)
    assert in_site_footer(body) == NUMBER
    assert headers_of(messages)[b"content-length"] == [str(len(body)).encode()]


def test_the_top_level_name_is_the_same_class() -> None:
    assert ICPFooterASGIMiddleware is ICPFooterMiddleware


def test_root_path_is_taken_off() -> None:
    messages = asyncio.run(run(wrap(raw_app()), scope("/blog/", root_path="/blog")))
    assert NUMBER.encode() in body_of(messages)
    messages = asyncio.run(run(wrap(raw_app()), scope("/", root_path="/blog")))
    assert NUMBER.encode() in body_of(messages)  # servers that leave root_path out of path


PASSTHROUGH = [
    ("post", {"method": "POST"}, {}),
    ("not home", {"path": "/about"}, {}),
    ("204", {}, {"status": 204, "chunks": [], "headers": []}),
    (
        "206",
        {},
        {
            "status": 206,
            "headers": [(b"content-type", b"text/html"), (b"content-range", b"bytes 0-9/99")],
        },
    ),
    ("304", {}, {"status": 304, "chunks": [], "headers": []}),
    (
        "302",
        {},
        {"status": 302, "headers": [(b"location", b"/x"), (b"content-type", b"text/html")]},
    ),
    ("404", {}, {"status": 404}),
    ("503", {}, {"status": 503}),
    (
        "json",
        {},
        {"headers": [(b"content-type", b"application/json")], "chunks": [b'{"a":"</body>"}']},
    ),
    ("css", {}, {"headers": [(b"content-type", b"text/css")], "chunks": [b"a{}"]}),
    ("image", {}, {"headers": [(b"content-type", b"image/png")], "chunks": [b"\x89PNG"]}),
    (
        "sse",
        {},
        {
            "headers": [(b"content-type", b"text/event-stream")],
            "chunks": [b"data: x\n\n", b"data: y\n\n"],
        },
    ),
    (
        "attachment",
        {},
        {"headers": [(b"content-type", b"text/html"), (b"content-disposition", b"attachment")]},
    ),
    (
        "unknown coding",
        {},
        {"headers": [(b"content-type", b"text/html"), (b"content-encoding", b"zstd")]},
    ),
]


@pytest.mark.parametrize(
    ("request_kw", "app_kw"),
    [(r, a) for _, r, a in PASSTHROUGH],
    ids=[n for n, _, _ in PASSTHROUGH],
)
def test_passes_through_the_same_messages(
    request_kw: dict[str, Any], app_kw: dict[str, Any]
) -> None:
    app = raw_app(
        app_kw.get("chunks"), status=app_kw.get("status", 200), headers=app_kw.get("headers")
    )
    sc = scope(request_kw.get("path", "/"), method=request_kw.get("method", "GET"))
    assert asyncio.run(run(wrap(app), sc)) == asyncio.run(run(app, dict(sc)))


# -- HEAD: the headers GET gets ----------------------------------------------------------------

RawHeaders = list[tuple[bytes, bytes]]
HEAD_CASES: list[tuple[str, str, RawHeaders, list[bytes], bool]] = [
    # (id, path, headers, body messages, rewritten by GET)
    ("plain", "/", [(b"content-type", b"text/html; charset=utf-8")], [PAGE], True),
    (
        "etag, md5, cookies, vary, csp",
        "/",
        [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"etag", b'"v1"'),
            (b"set-cookie", b"a=1"),
            (b"content-md5", b"Q2hlY2sgSW50ZWdyaXR5IQ=="),
            (b"vary", b"Accept-Language"),
            (b"set-cookie", b"b=2"),
            (b"content-security-policy", b"style-src 'nonce-abc123'"),
        ],
        [PAGE],
        True,
    ),
    (
        "gzip",
        "/",
        [
            (b"content-type", b"text/html"),
            (b"content-encoding", b"gzip"),
            (b"vary", b"Accept-Encoding"),
        ],
        [gzip.compress(PAGE)],
        True,
    ),
    ("streamed", "/", [(b"content-type", b"text/html")], [PAGE[:100], PAGE[100:]], True),
    ("json", "/", [(b"content-type", b"application/json"), (b"etag", b'"j"')], [b"{}"], False),
    (
        "not the home page",
        "/about",
        [(b"content-type", b"text/html"), (b"etag", b'"a"')],
        [PAGE],
        False,
    ),
]
HEAD_IDS = [case[0] for case in HEAD_CASES]


def with_length(headers: RawHeaders, chunks: list[bytes]) -> RawHeaders:
    return [*headers, (b"content-length", str(sum(map(len, chunks))).encode())]


@pytest.mark.parametrize(
    ("path", "headers", "chunks", "rewritten"), [c[1:] for c in HEAD_CASES], ids=HEAD_IDS
)
@pytest.mark.parametrize("length", [True, False], ids=["with length", "without"])
def test_head_with_a_body_gets_exactly_what_get_gets(
    path: str, headers: RawHeaders, chunks: list[bytes], rewritten: bool, length: bool
) -> None:
    """Starlette's responses send HEAD the body too (the server drops it): GET's twin."""
    sent = with_length(headers, chunks) if length else headers
    get = asyncio.run(run(wrap(raw_app(chunks, headers=sent)), scope(path)))
    head = asyncio.run(run(wrap(raw_app(chunks, headers=sent)), scope(path, method="HEAD")))
    check_protocol(head)
    assert head == get
    untouched = asyncio.run(run(raw_app(chunks, headers=sent), scope(path)))
    assert (get != untouched) is rewritten


@pytest.mark.parametrize(
    ("path", "headers", "chunks", "rewritten"), [c[1:] for c in HEAD_CASES], ids=HEAD_IDS
)
@pytest.mark.parametrize("bodies", [[b""], [b"", b""]], ids=["one empty message", "two"])
def test_head_without_a_body_gets_what_get_gets_but_its_length(
    path: str, headers: RawHeaders, chunks: list[bytes], rewritten: bool, bodies: list[bytes]
) -> None:
    """An app that answers HEAD with the headers alone: GET's length is not known."""
    sent = with_length(headers, chunks)
    get = asyncio.run(run(wrap(raw_app(chunks, headers=sent)), scope(path)))
    head = asyncio.run(run(wrap(raw_app(bodies, headers=sent)), scope(path, method="HEAD")))
    check_protocol(head)
    assert body_of(head) == b""
    expected = get[0]["headers"]
    if rewritten:
        expected = [(n, v) for n, v in expected if n != b"content-length"]
        assert headers_of(get).get(b"content-length") in (None, [str(len(body_of(get))).encode()])
    assert head[0] == {**get[0], "headers": expected}


def test_head_under_starlette_gets_what_get_gets() -> None:
    """A real Starlette app, its HEAD answered by the GET route with the body."""

    def home(request: Any) -> HTMLResponse:
        return HTMLResponse(PAGE.decode(), headers={"ETag": '"v"', "Set-Cookie": "a=1"})

    app = ICPFooterMiddleware(Starlette(routes=[Route("/", home)]), environ=ENV)
    get = asyncio.run(run(app, scope()))
    head = asyncio.run(run(app, scope(method="HEAD")))
    assert head[0] == get[0]
    assert headers_of(get)[b"etag"] == [b'W/"v"']
    assert headers_of(get)[b"content-length"] == [str(len(body_of(get))).encode()]
    assert NUMBER.encode() in body_of(get)


def test_requests_that_cannot_be_rewritten_reach_the_app_with_the_servers_send() -> None:
    seen: list[Any] = []

    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        seen.append(send)

    async def send(message: Message) -> None:
        pass

    async def receive() -> Message:
        return {"type": "http.request"}

    middleware = wrap(app)
    for sc in (
        scope("/about"),
        scope(method="POST"),
        {"type": "websocket", "path": "/"},
        {"type": "lifespan"},
    ):
        asyncio.run(middleware(sc, receive, send))
    assert all(s is send for s in seen)
    assert len(seen) == 4


def test_the_first_bytes_go_out_before_the_app_finishes() -> None:
    release = asyncio.Event()
    parts = [PAGE[:200], PAGE[200:]]

    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(PAGE)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": parts[0], "more_body": True})
        await release.wait()
        await send({"type": "http.response.body", "body": parts[1], "more_body": False})

    async def scenario() -> list[Message]:
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        task = asyncio.create_task(wrap(app)(scope(), receive, send))
        for _ in range(20):
            await asyncio.sleep(0)
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert parts[0].startswith(sent[1]["body"][:100])
        assert b"content-length" not in dict(sent[0]["headers"])
        release.set()
        await task
        return sent

    messages = asyncio.run(scenario())
    check_protocol(messages)
    assert body_of(messages).count(NUMBER.encode()) == 1


def test_pathsend_and_other_extensions_pass_through() -> None:
    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html")],
            }
        )
        await send({"type": "http.response.pathsend", "path": "/srv/index.html"})

    messages = asyncio.run(run(wrap(app), scope()))
    assert messages == [
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/html")],
        },
        {"type": "http.response.pathsend", "path": "/srv/index.html"},
    ]


def test_app_exceptions_and_disconnects_propagate() -> None:
    async def failing(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html")],
            }
        )
        raise RuntimeError("app failed")

    with pytest.raises(RuntimeError, match="app failed"):
        asyncio.run(run(wrap(failing), scope()))

    async def disconnecting(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html")],
            }
        )
        await send({"type": "http.response.body", "body": b"<p>x", "more_body": True})
        raise OSError("client went away")

    with pytest.raises(OSError, match="went away"):
        asyncio.run(run(wrap(disconnecting), scope()))


def test_state_is_per_request() -> None:
    middleware = wrap(raw_app([PAGE[:100], PAGE[100:]]))

    async def both() -> list[list[Message]]:
        return list(await asyncio.gather(run(middleware, scope()), run(middleware, scope())))

    first, second = asyncio.run(both())
    assert body_of(first) == body_of(second)
    assert body_of(first).count(NUMBER.encode()) == 1


def test_headers_are_edited_and_kept() -> None:
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"set-cookie", b"a=1"),
        (b"etag", b'"v1"'),
        (b"Content-MD5", b"x"),
        (b"set-cookie", b"b=2"),
        (b"content-length", str(len(PAGE)).encode()),
    ]
    messages = asyncio.run(run(wrap(raw_app(headers=headers)), scope()))
    assert messages[0]["headers"] == [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"set-cookie", b"a=1"),
        (b"etag", b'W/"v1"'),
        (b"set-cookie", b"b=2"),
        (b"content-length", str(len(body_of(messages))).encode()),
    ]


def test_behind_starlettes_gzip_middleware() -> None:
    async def home(request: Any) -> HTMLResponse:
        return HTMLResponse(PAGE.decode() + " " * 1000)

    async def api(request: Any) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/", home), Route("/api", api)])
    app.add_middleware(GZipMiddleware, minimum_size=10)
    app.add_middleware(ICPFooterMiddleware, environ=ENV)  # outermost: sees gzip
    sc = scope()
    sc["headers"].append((b"accept-encoding", b"gzip"))
    messages = asyncio.run(run(app, sc))
    check_protocol(messages)
    assert headers_of(messages)[b"content-encoding"] == [b"gzip"]
    assert in_site_footer(gzip.decompress(body_of(messages))) == NUMBER


def test_a_failure_while_rewriting_sends_the_original(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("snippet failed")

    monkeypatch.setattr(Policy, "snippet", broken)
    with caplog.at_level(logging.ERROR, logger="icp_footer"):
        messages = asyncio.run(run(wrap(raw_app([PAGE[:300], PAGE[300:]])), scope()))
    check_protocol(messages)
    assert body_of(messages) == PAGE
    assert "rewriting failed" in caplog.text


def test_hosts() -> None:
    env = {
        "ICP_FOOTER_NUMBER": "",
        "ICP_FOOTER_PSB": "",
        "ICP_FOOTER_DOMAINS": f"example.cn={NUMBER}; srv={NUMBER}",
    }
    app = raw_app()
    assert NUMBER.encode() in body_of(
        asyncio.run(run(wrap(app, env=env), scope(host="Example.CN:443")))
    )
    assert NUMBER.encode() in body_of(asyncio.run(run(wrap(app, env=env), scope(host=None))))
    forwarded = scope(host="other.org")
    forwarded["headers"].append((b"x-forwarded-host", b"example.cn"))
    assert NUMBER.encode() not in body_of(asyncio.run(run(wrap(app, env=env), forwarded)))
    trusted = wrap(app, env=env, trust_forwarded_host=True)
    assert NUMBER.encode() in body_of(asyncio.run(run(trusted, forwarded)))


def test_startup_errors_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="ICP_FOOTER_DOMAINS"):
        ICPFooterMiddleware(raw_app(), environ={"ICP_FOOTER_DOMAINS": "example.cn=京ICP备1号"})


def test_startup_errors_name_the_keyword() -> None:
    with pytest.raises(ConfigError) as caught:
        ICPFooterMiddleware(raw_app(), environ={}, number="京ICP备1号")
    assert str(caught.value).startswith('ICPFooterMiddleware(number=...): "京ICP备1号": ')
    assert str(caught.value).endswith('. Example: number="京ICP备12345678号-1"')
    with pytest.raises(TypeError, match=re.escape("'numbr'. Did you mean 'number'?")):
        ICPFooterMiddleware(raw_app(), environ={}, numbr=NUMBER)


# -- extension messages, and bodies that end early ------------------------------------------

SPLIT_PAGE = [b"<!DOCTYPE html><html><body><main>x</main><footer>f<", b"/footer></body></html>"]


def interrupted_app(
    extension: Message,
    chunks: list[bytes],
    content_type: bytes = b"text/html; charset=utf-8",
    encoding: bytes | None = None,
) -> App:
    """Sends ``chunks[0]``, then ``extension``, then the rest of the body."""
    headers = [(b"content-type", content_type)]
    if encoding is not None:
        headers.append((b"content-encoding", encoding))

    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": chunks[0], "more_body": True})
        await send(dict(extension))
        for i, chunk in enumerate(chunks[1:], 2):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks)})

    return app


EXTENSIONS: list[Message] = [
    {"type": "http.response.zerocopy", "file": 7, "more_body": True},
    {"type": "http.response.pathsend", "path": "/srv/rest.html"},
    {"type": "http.response.trailers", "headers": [], "more_trailers": False},
    {"type": "x.vendor.flush"},
]


@pytest.mark.parametrize("extension", EXTENSIONS, ids=[e["type"] for e in EXTENSIONS])
@pytest.mark.parametrize(
    ("content_type", "first"),
    [
        (b"text/html; charset=utf-8", SPLIT_PAGE[0]),  # the injector holds "<"
        (b"text/html", b"<p>x"),  # the rewriter waits for a charset: all of it is held
    ],
    ids=["partial tag held", "all held"],
)
def test_what_is_held_goes_out_before_an_extension_message(
    extension: Message, content_type: bytes, first: bytes
) -> None:
    chunks = [first, SPLIT_PAGE[1]]
    messages = asyncio.run(run(wrap(interrupted_app(extension, chunks, content_type)), scope()))
    at = [m["type"] for m in messages].index(extension["type"])
    assert messages[at] == extension
    assert body_of(messages[:at]) == chunks[0]
    assert body_of(messages) == b"".join(chunks)  # nothing inserted after it either
    assert messages[0]["type"] == "http.response.start"
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    assert all(m["more_body"] for m in bodies[:-1])
    assert not bodies[-1]["more_body"]


def test_a_compressed_body_stays_one_stream_across_an_extension_message() -> None:
    packed = gzip.compress(PAGE)
    chunks = [packed[: len(packed) // 2], packed[len(packed) // 2 :]]
    app = interrupted_app({"type": "x.vendor.flush"}, chunks, encoding=b"gzip")
    messages = asyncio.run(run(wrap(app), scope()))
    at = [m["type"] for m in messages].index("x.vendor.flush")
    before = zlib.decompressobj(31).decompress(body_of(messages[:at]))
    assert PAGE.startswith(before)
    assert len(before) >= len(zlib.decompressobj(31).decompress(chunks[0]))  # nothing held back
    assert gzip.decompress(body_of(messages)) == PAGE


def test_extension_messages_before_the_start_pass_on_and_the_page_is_still_rewritten() -> None:
    debug = {"type": "http.response.debug", "info": {"template": "index.html"}}

    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(dict(debug))
        await raw_app()(sc, receive, send)

    messages = asyncio.run(run(wrap(app), scope()))
    assert messages[0] == debug
    check_protocol(messages[1:])
    assert in_site_footer(body_of(messages)) == NUMBER


def test_trailers_follow_the_finished_body_and_get_the_same_edits() -> None:
    trailers = [(b"content-md5", b"Q2hlY2s="), (b"x-build", b"7"), (b"etag", b'"v"')]

    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8")],
                "trailers": True,
            }
        )
        await send({"type": "http.response.body", "body": PAGE[:150], "more_body": True})
        await send({"type": "http.response.body", "body": PAGE[150:], "more_body": False})
        await send({"type": "http.response.trailers", "headers": trailers})

    messages = asyncio.run(run(wrap(app), scope()))
    check_protocol(messages[:-1])
    assert messages[0]["trailers"] is True
    assert in_site_footer(body_of(messages)) == NUMBER
    assert messages[-1] == {
        "type": "http.response.trailers",
        "headers": [(b"x-build", b"7"), (b"etag", b'W/"v"')],
    }
    untouched = asyncio.run(run(wrap(app), scope("/about")))
    assert untouched[-1]["headers"] == trailers


def test_an_app_that_fails_after_its_start_still_sends_what_was_held() -> None:
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/html; charset=utf-8")],
    }

    def failing(chunks: list[bytes]) -> App:
        async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
            await send(dict(start))
            for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            raise RuntimeError("app failed")

        return app

    sent: list[Message] = []

    async def scenario(app: App) -> None:
        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        await wrap(app)(scope(), receive, send)

    with pytest.raises(RuntimeError, match="app failed"):
        asyncio.run(scenario(failing([])))
    assert sent == [start]  # as without the middleware: the server's 500 cannot follow it
    sent.clear()
    with pytest.raises(RuntimeError, match="app failed"):
        asyncio.run(scenario(failing([SPLIT_PAGE[0]])))
    assert body_of(sent) == SPLIT_PAGE[0]
    assert all(m.get("more_body") for m in sent[1:])


@pytest.mark.parametrize("raises", [False, True], ids=["send ignored", "send raises"])
def test_a_body_left_unfinished_sends_what_was_held(raises: bool) -> None:
    async def app(sc: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": SPLIT_PAGE[0], "more_body": True})
        assert (await receive())["type"] == "http.disconnect"  # the client left

    sent: list[Message] = []
    left = False

    async def send(message: Message) -> None:
        if left and raises:
            raise OSError("client left")  # ASGI 2.4 allows a send after a disconnect to raise
        sent.append(message)

    async def receive() -> Message:
        nonlocal left
        left = True
        return {"type": "http.disconnect"}

    asyncio.run(wrap(app)(scope(), receive, send))  # no error of ours either way
    if not raises:
        assert body_of(sent) == SPLIT_PAGE[0]
        assert sent[-1]["more_body"] is True  # unfinished, as the app left it


# -- a bad setting under Starlette's lazily built middleware stack -------------------------

BAD = {"ICP_FOOTER_NUMBER": "京ICP备123号"}
FASTAPI_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fastapi_app"


def test_a_bad_setting_fails_the_lifespan_startup_under_starlette() -> None:
    app = Starlette(routes=[Route("/", lambda request: HTMLResponse(PAGE.decode()))])
    app.add_middleware(ICPFooterMiddleware, environ=BAD)  # built on the first ASGI call
    sent: list[Message] = []
    events = iter([{"type": "lifespan.startup"}])

    async def receive() -> Message:
        return next(events)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert "ICP_FOOTER_NUMBER" in sent[0]["message"]
    assert "京ICP备123号" in sent[0]["message"]
    with pytest.raises(ConfigError, match="ICP_FOOTER_NUMBER"):
        asyncio.run(run(app, scope()))
    with pytest.raises(ConfigError, match="ICP_FOOTER_NUMBER"):
        ICPFooterMiddleware(raw_app(), environ=BAD)  # outside an event loop: at once


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [
        (
            {"number": "京ICP备123号"},
            ConfigError,
            'ICPFooterMiddleware(number=...): "京ICP备123号"',
        ),
        ({"numbr": NUMBER}, TypeError, "'numbr'. Did you mean 'number'?"),
    ],
    ids=["bad value", "unknown keyword"],
)
def test_a_bad_keyword_fails_the_lifespan_startup_under_starlette(
    keywords: dict[str, str], error: type[Exception], message: str
) -> None:
    app = Starlette(routes=[Route("/", lambda request: HTMLResponse(PAGE.decode()))])
    app.add_middleware(ICPFooterMiddleware, environ={}, **keywords)
    sent: list[Message] = []
    events = iter([{"type": "lifespan.startup"}])

    async def receive() -> Message:
        return next(events)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert message in sent[0]["message"]
    for _ in range(2):
        with pytest.raises(error) as caught:
            asyncio.run(run(app, scope()))
        assert message in str(caught.value)
        assert len(traceback.extract_tb(caught.value.__traceback__)) < 20


def test_a_bad_setting_stops_uvicorn() -> None:
    """The FastAPI example, served by uvicorn with a bad number: it exits and says why."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICP_FOOTER_")}
    env.update(BAD)
    command = [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(
        command, cwd=FASTAPI_EXAMPLE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode != 0, text
    assert "ICP_FOOTER_NUMBER" in text
    assert "京ICP备123号" in text
    assert "unsupported" not in text


@pytest.mark.parametrize(
    "bodies", [[b""], [b"", b""], [b"", b"", b""]], ids=["one", "two", "three"]
)
def test_an_empty_html_page_gets_the_number_however_it_is_sent(bodies: list[bytes]) -> None:
    """Empty more_body messages or none: the same page, with the number, every time."""
    messages = asyncio.run(run(wrap(raw_app(bodies)), scope()))
    check_protocol(messages)
    body = body_of(messages)
    assert body.count(NUMBER.encode()) == 1
    assert body.startswith(b"<div")
    assert body.endswith(b"</div>")
    length = headers_of(messages).get(b"content-length")
    assert length in (None, [str(len(body)).encode()])
