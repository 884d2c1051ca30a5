"""The WSGI middleware, run under werkzeug's LintMiddleware and wsgiref.validate.

Both oracles wrap the app and the middleware, so a PEP 3333 slip on either side of the
middleware fails the test (pytest turns their warnings into errors).
"""

from __future__ import annotations

import gzip
import io
import logging
import sys
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar
from wsgiref.handlers import SimpleHandler
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
from selectolax.lexbor import LexborHTMLParser
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.wrappers import Response

from icp_footer import ConfigError, ICPFooterWSGIMiddleware
from icp_footer import body as body_module
from icp_footer.policy import Policy
from icp_footer.wsgi import ICPFooterMiddleware

NUMBER = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"
ENV = {"ICP_FOOTER_NUMBER": NUMBER, "ICP_FOOTER_PSB": PSB}
PAGE = (
    "<!DOCTYPE html><html><head><meta charset=utf-8><title>t</title></head><body>"
    "<main><article><p>新闻</p><footer>文章页脚</footer></article></main>"
    "<footer class=site><p>© 2026 示例</p></footer>"
    "<script>var s = '</body>';</script></body></html>"
).encode()

Headers = list[tuple[str, str]]


def make_app(
    body: Iterable[bytes] | None = None,
    *,
    status: str = "200 OK",
    headers: Headers | None = None,
) -> Callable[..., Iterable[bytes]]:
    chunks = [PAGE] if body is None else list(body)
    head = headers
    if head is None:
        head = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(sum(map(len, chunks)))),
        ]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(status, list(head))
        return list(chunks)

    return app


ORACLES: dict[str, Callable[[Any], Any]] = {"lint": LintMiddleware, "validate": validator}
CURRENT: dict[str, Callable[[Any], Any]] = {"oracle": LintMiddleware}


def oracle(app: Any) -> Any:
    return CURRENT["oracle"](app)


@pytest.fixture(autouse=True, params=sorted(ORACLES))
def _oracle(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs under werkzeug's LintMiddleware, then under wsgiref.validate.

    The two cannot nest (validate rejects Lint's input wrapper), so each runs on its own,
    on both sides of the middleware.
    """
    CURRENT["oracle"] = ORACLES[request.param]
    yield
    CURRENT["oracle"] = LintMiddleware


def linted(app: Callable[..., Iterable[bytes]], **settings: Any) -> Any:
    """app -> oracle -> middleware -> oracle: a slip on either side fails the test."""
    env = {**ENV, **settings.pop("env", {})}
    return oracle(ICPFooterMiddleware(oracle(app), environ=env, **settings))


def call(
    app: Any,
    path: str = "/",
    *,
    method: str = "GET",
    host: str | None = "example.cn",
    extra: dict[str, str] | None = None,
    close_after: int | None = None,
) -> tuple[str, Headers, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "srv",
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
    }
    if "?" in path:
        environ["PATH_INFO"], environ["QUERY_STRING"] = path.split("?", 1)
    if host is not None:
        environ["HTTP_HOST"] = host
    environ.update(extra or {})
    setup_testing_defaults(environ)
    if host is None:
        environ.pop("HTTP_HOST", None)
    seen: dict[str, Any] = {}
    out: list[bytes] = []  # write() calls and the iterable's items, in the order they came

    def start_response(
        status: str, headers: Headers, exc_info: Any = None
    ) -> Callable[[bytes], None]:
        seen["status"], seen["headers"] = status, headers
        return out.append

    result = app(environ, start_response)
    try:
        for i, chunk in enumerate(result):
            out.append(chunk)
            if close_after is not None and i + 1 >= close_after:
                break
    finally:
        close = getattr(result, "close", None)
        if close:
            close()
    return seen["status"], seen["headers"], b"".join(out)


def bare(
    app: Callable[..., Iterable[bytes]], path: str = "/", **kw: Any
) -> tuple[str, Headers, bytes]:
    return call(oracle(oracle(app)), path, **kw)


def header(headers: Headers, name: str) -> list[str]:
    return [v for n, v in headers if n.lower() == name.lower()]


def site_footer_number(body: bytes) -> str:
    tree = LexborHTMLParser(body.decode())
    marks = tree.css(".icp-footer")
    assert len(marks) == 1
    assert marks[0].parent is not None
    assert marks[0].parent.attributes.get("class") == "site"
    link = marks[0].css_first("a[href='https://beian.miit.gov.cn/']")
    assert link is not None
    return link.text()


def ignore_start(*args: Any) -> Callable[[bytes], object]:
    return lambda data: None


# -- what it rewrites ---------------------------------------------------------------------------


def test_rewrites_the_home_page_into_the_site_footer() -> None:
    status, headers, body = call(linted(make_app()))
    assert status == "200 OK"
    assert site_footer_number(body) == NUMBER
    assert body.count(NUMBER.encode()) == 1
    assert header(headers, "Content-Length") == [str(len(body))]
    assert (
        body.replace(body[body.index(b"<div class") : body.index(b"</footer><script")], b"") == PAGE
    )


@pytest.mark.parametrize("path", ["/", "/index.html", "/index.htm", "/?utm=1&x=%3C"])
def test_every_home_path_and_any_query_string(path: str) -> None:
    assert NUMBER.encode() in call(linted(make_app()), path)[2]


def test_script_name_is_taken_off() -> None:
    body = call(linted(make_app()), "/", extra={"SCRIPT_NAME": "/blog"})[2]
    assert NUMBER.encode() in body
    other = call(linted(make_app()), "/blog/", extra={"SCRIPT_NAME": ""})[2]
    assert other == PAGE


def test_the_top_level_name_is_the_same_class() -> None:
    assert ICPFooterWSGIMiddleware is ICPFooterMiddleware


# -- what it leaves alone -------------------------------------------------------------------------

PASSTHROUGH = [
    ("post", {"method": "POST"}, {}),
    ("not home", {"path": "/about"}, {}),
    ("204", {}, {"status": "204 No Content", "body": [], "headers": [("Content-Length", "0")]}),
    (
        "206",
        {},
        {
            "status": "206 Partial Content",
            "headers": [("Content-Type", "text/html"), ("Content-Range", "bytes 0-9/100")],
        },
    ),
    ("304", {}, {"status": "304 Not Modified", "body": [], "headers": [("ETag", '"v1"')]}),
    (
        "301",
        {},
        {
            "status": "301 Moved Permanently",
            "headers": [("Location", "http://example.cn/x"), ("Content-Type", "text/html")],
        },
    ),
    ("404", {}, {"status": "404 Not Found"}),
    ("500", {}, {"status": "500 Internal Server Error"}),
    (
        "json",
        {},
        {"headers": [("Content-Type", "application/json")], "body": [b'{"a": "</body>"}']},
    ),
    ("css", {}, {"headers": [("Content-Type", "text/css")], "body": [b"body{}"]}),
    ("png", {}, {"headers": [("Content-Type", "image/png")], "body": [b"\x89PNG\r\n"]}),
    (
        "sse",
        {},
        {"headers": [("Content-Type", "text/event-stream")], "body": [b"data: </body>\n\n"]},
    ),
    (
        "attachment",
        {},
        {
            "headers": [
                ("Content-Type", "text/html"),
                ("Content-Disposition", "attachment; filename=a.html"),
            ]
        },
    ),
    (
        "zstd",
        {},
        {
            "headers": [("Content-Type", "text/html"), ("Content-Encoding", "zstd")],
            "body": [b"\x28\xb5\x2f\xfd"],
        },
    ),
    ("silenced host", {"host": "example.com"}, {}),
]


@pytest.mark.parametrize(
    ("request_kw", "app_kw"),
    [(r, a) for _, r, a in PASSTHROUGH],
    ids=[n for n, _, _ in PASSTHROUGH],
)
def test_passes_through_byte_identical(request_kw: dict[str, Any], app_kw: dict[str, Any]) -> None:
    app = make_app(
        app_kw.get("body"), status=app_kw.get("status", "200 OK"), headers=app_kw.get("headers")
    )
    kw = {k: v for k, v in request_kw.items() if k != "path"}
    path = request_kw.get("path", "/")
    wrapped = linted(app, env={"ICP_FOOTER_DOMAINS": "example.com=none"})
    assert call(wrapped, path, **kw) == bare(app, path, **kw)


# -- HEAD: the headers GET gets ----------------------------------------------------------------

GZIPPED = gzip.compress(PAGE)
HEAD_CASES = [
    # (id, path, headers, chunks, rewritten by GET)
    ("plain", "/", [("Content-Type", "text/html; charset=utf-8")], [PAGE], True),
    (
        "etag, md5, cookies, vary, csp",
        "/",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("ETag", '"v1"'),
            ("Set-Cookie", "a=1"),
            ("Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ=="),
            ("Vary", "Accept-Language"),
            ("Set-Cookie", "b=2"),
            ("Content-Security-Policy", "style-src 'nonce-abc123'"),
        ],
        [PAGE],
        True,
    ),
    (
        "gzip",
        "/",
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")],
        [GZIPPED],
        True,
    ),
    ("streamed", "/", [("Content-Type", "text/html")], [PAGE[:100], PAGE[100:]], True),
    ("json", "/", [("Content-Type", "application/json"), ("ETag", '"j"')], [b"{}"], False),
    (
        "not the home page",
        "/about",
        [("Content-Type", "text/html"), ("ETag", '"a"')],
        [PAGE],
        False,
    ),
]


def head_linted(app: Callable[..., Iterable[bytes]], *, outside: bool = True) -> Any:
    """:func:`linted` for an app that answers HEAD without a body but with GET's length.

    LintMiddleware does not know HEAD, and would count that length as a lie: it checks only
    what it can, the middleware's output where that has no Content-Length (``outside``).
    """
    lint = CURRENT["oracle"] is LintMiddleware
    wrapped = ICPFooterMiddleware(app if lint else oracle(app), environ=ENV)
    return oracle(wrapped) if outside or not lint else wrapped


def with_length(headers: Headers, chunks: list[bytes]) -> Headers:
    return [*headers, ("Content-Length", str(sum(map(len, chunks))))]


@pytest.mark.parametrize(
    ("path", "headers", "chunks", "rewritten"),
    [case[1:] for case in HEAD_CASES],
    ids=[case[0] for case in HEAD_CASES],
)
@pytest.mark.parametrize("length", [True, False], ids=["with length", "without"])
def test_head_with_a_body_gets_exactly_the_headers_get_gets(
    path: str, headers: Headers, chunks: list[bytes], rewritten: bool, length: bool
) -> None:
    """A plain WSGI app sends HEAD the body too (the server drops it): HEAD is GET's twin."""
    sent = with_length(headers, chunks) if length else headers
    get = call(linted(make_app(chunks, headers=sent)), path)
    head = call(linted(make_app(chunks, headers=sent)), path, method="HEAD")
    assert head == get
    untouched = bare(make_app(chunks, headers=sent), path)
    assert (get != untouched) is rewritten


@pytest.mark.parametrize(
    ("path", "headers", "chunks", "rewritten"),
    [case[1:] for case in HEAD_CASES],
    ids=[case[0] for case in HEAD_CASES],
)
def test_head_without_a_body_gets_the_headers_get_gets_but_its_length(
    path: str, headers: Headers, chunks: list[bytes], rewritten: bool
) -> None:
    """Werkzeug (Flask) answers HEAD with the headers alone: GET's length is not known."""
    sent = with_length(headers, chunks)
    page = Response(b"".join(chunks), headers=sent)
    get = call(linted(page), path)
    status, head_headers, body = call(head_linted(page, outside=rewritten), path, method="HEAD")
    assert (status, body) == ("200 OK", b"")
    if rewritten:
        assert head_headers == [(n, v) for n, v in get[1] if n.lower() != "content-length"]
        assert header(get[1], "content-length") == [str(len(get[2]))]
    else:
        assert head_headers == get[1] == call(page, path, method="HEAD")[1]


def test_head_with_empty_chunks_only_gets_no_number_and_no_length() -> None:
    headers = [("Content-Type", "text/html"), ("ETag", '"v"'), ("Content-Length", "0")]
    for chunks in ([], [b""], [b"", b""]):
        status, head_headers, body = call(linted(make_app(chunks, headers=headers)), method="HEAD")
        assert (status, head_headers, body) == (
            "200 OK",
            [("Content-Type", "text/html"), ("ETag", 'W/"v"')],
            b"",
        )
    # GET's empty page gets the footer, with its exact length.
    _, get_headers, get_body = call(linted(make_app([], headers=headers)))
    assert get_body.startswith(b'<div class="icp-footer"')
    assert header(get_headers, "content-length") == [str(len(get_body))]


def test_head_served_by_a_real_server_sends_headers_alone() -> None:
    """wsgiref's server loop, with werkzeug's HEAD: headers only, edited as GET's are."""
    page = Response(PAGE, headers=[("Content-Type", "text/html"), ("ETag", '"v"')])
    environ: dict[str, Any] = {"HTTP_HOST": "example.cn", "REQUEST_METHOD": "HEAD"}
    environ["QUERY_STRING"] = ""
    setup_testing_defaults(environ)
    out, errors = io.BytesIO(), io.StringIO()
    Server(io.BytesIO(), out, errors, environ, multithread=False).run(head_linted(page))
    head, _, body = out.getvalue().partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert (lines[0], body, errors.getvalue()) == (b"HTTP/1.0 200 OK", b"", "")
    assert b'ETag: W/"v"' in lines
    # Not the app's length, which GET no longer sends; wsgiref writes "0" where none is given.
    assert f"Content-Length: {len(PAGE)}".encode() not in lines


def test_untouched_responses_are_not_even_wrapped() -> None:
    sentinel = [PAGE]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return sentinel

    middleware = ICPFooterMiddleware(app, environ=ENV)
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["QUERY_STRING"] = ""
    assert middleware(environ, ignore_start) is sentinel  # decided at start_response
    environ["PATH_INFO"] = "/about"
    assert middleware(environ, ignore_start) is sentinel  # decided from the request alone


def test_file_wrapper_passes_through_untouched() -> None:
    class FileWrapper:
        def __init__(self, f: io.BytesIO, size: int = 8192) -> None:
            self.f = f

        def __iter__(self) -> Iterator[bytes]:
            return iter([self.f.read()])

        def close(self) -> None:
            self.f.close()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "image/png")])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"png"))

    environ: dict[str, Any] = {"wsgi.file_wrapper": FileWrapper}
    setup_testing_defaults(environ)
    environ.update({"wsgi.file_wrapper": FileWrapper, "QUERY_STRING": ""})
    result = ICPFooterMiddleware(app, environ=ENV)(environ, ignore_start)
    assert isinstance(result, FileWrapper)


# -- headers --------------------------------------------------------------------------------------


def test_header_edits_keep_everything_else() -> None:
    headers = [
        ("content-type", "text/html; charset=utf-8"),
        ("Set-Cookie", "a=1"),
        ("ETag", '"v1"'),
        ("Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ=="),
        ("set-cookie", "b=2"),
        ("CONTENT-LENGTH", str(len(PAGE))),
        ("X-Frame-Options", "DENY"),
    ]
    _, out, body = call(linted(make_app(headers=headers)))
    assert out == [
        ("content-type", "text/html; charset=utf-8"),
        ("Set-Cookie", "a=1"),
        ("ETag", 'W/"v1"'),
        ("set-cookie", "b=2"),
        ("CONTENT-LENGTH", str(len(body))),
        ("X-Frame-Options", "DENY"),
    ]


def test_a_weak_etag_stays() -> None:
    headers = [("Content-Type", "text/html"), ("ETag", 'W/"v1"')]
    assert header(call(linted(make_app(headers=headers)))[1], "etag") == ['W/"v1"']


def test_streamed_bodies_lose_content_length_and_stream() -> None:
    produced: list[int] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))],
        )
        for i in range(0, len(PAGE), 50):
            produced.append(i)
            yield PAGE[i : i + 50]

    middleware = linted(app)
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(HTTP_HOST="example.cn", QUERY_STRING="", SCRIPT_NAME="")
    seen: dict[str, Any] = {}
    result = middleware(environ, lambda s, h, e=None: seen.update(headers=h))
    iterator = iter(result)
    first = next(iterator)
    assert first
    assert PAGE.startswith(first)
    assert len(produced) == 1  # the first bytes went out before the app produced the rest
    body = first + b"".join(iterator)
    result.close()
    assert header(seen["headers"], "content-length") == []
    assert body.count(NUMBER.encode()) == 1


# -- PEP 3333 -------------------------------------------------------------------------------------


class Tracked:
    def __init__(self, chunks: list[bytes], fail_at: int | None = None) -> None:
        self.chunks, self.fail_at, self.closed = chunks, fail_at, 0

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(self.chunks):
            if i == self.fail_at:
                raise RuntimeError("app failed mid-body")
            yield chunk

    def close(self) -> None:
        self.closed += 1


def tracked_app(result: Tracked) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return result

    return app


def test_close_is_called_on_success_disconnect_and_error() -> None:
    done = Tracked([PAGE[:100], PAGE[100:]])
    call(linted(tracked_app(done)))
    assert done.closed == 1
    early = Tracked([PAGE[:100], PAGE[100:]])
    call(linted(tracked_app(early)), close_after=1)
    assert early.closed == 1
    broken = Tracked([PAGE[:100], PAGE[100:]], fail_at=1)
    with pytest.raises(RuntimeError, match="mid-body"):
        call(ICPFooterMiddleware(tracked_app(broken), environ=ENV))
    assert broken.closed == 1


def test_start_response_again_with_exc_info() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html")])
        try:
            raise ValueError("template failed")
        except ValueError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        return [b"error page"]

    assert call(linted(app)) == (
        "500 Internal Server Error",
        [("Content-Type", "text/plain")],
        b"error page",
    )


def test_a_lazy_start_response_inside_the_iterable() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        yield PAGE

    assert call(linted(app))[2].count(NUMBER.encode()) == 1


def test_write_switches_the_response_to_pass_through() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/html")])
        write(PAGE[:100])
        return [PAGE[100:]]

    assert call(ICPFooterMiddleware(app, environ=ENV))[2] == PAGE


# -- bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "x-gzip", "deflate", "raw-deflate"])
def test_compressed_html_is_decoded_injected_and_recompressed(coding: str) -> None:
    if coding in ("gzip", "x-gzip"):
        data = gzip.compress(PAGE)
    elif coding == "deflate":
        data = zlib.compress(PAGE)
    else:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = c.compress(PAGE) + c.flush()
    name = "deflate" if coding == "raw-deflate" else coding
    app = make_app(
        [data[:20], data[20:]],
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", name)],
    )
    _, headers, body = call(linted(app))
    assert header(headers, "content-encoding") == [name]
    plain = zlib.decompress(
        body, 47 if "gzip" in name else (-15 if coding == "raw-deflate" else 15)
    )
    assert site_footer_number(plain) == NUMBER


def test_the_recompression_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    body_module._logged_once.discard("recompress")
    app = make_app(
        [gzip.compress(PAGE)], headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    )
    with caplog.at_level(logging.INFO, logger="icp_footer"):
        call(linted(app))
        call(linted(app))
    assert caplog.text.count("recompressing") == 1


def test_gbk_pages_get_the_number_in_gbk() -> None:
    page = PAGE.decode().replace("utf-8", "gbk").replace("©", "(c)").encode("gbk")
    app = make_app([page], headers=[("Content-Type", "text/html; charset=GBK")])
    body = call(linted(app))[2]
    assert NUMBER.encode("gbk") in body
    assert site_footer_number(body.decode("gbk").encode()) == NUMBER


def test_a_meta_charset_alone_is_found_in_the_first_kilobyte() -> None:
    page = PAGE.decode().replace("utf-8", "gb18030").encode("gb18030")
    chunks = [page[i : i + 10] for i in range(0, len(page), 10)]
    body = call(linted(make_app(chunks, headers=[("Content-Type", "text/html")])))[2]
    assert NUMBER.encode("gb18030") in body


def test_utf16_pages_pass_through() -> None:
    page = PAGE.decode().encode("utf-16")
    app = make_app([page], headers=[("Content-Type", "text/html; charset=utf-16")])
    assert call(linted(app))[2] == page


def test_a_page_that_already_shows_the_number_is_left_alone() -> None:
    page = PAGE.replace(b"<p>\xc2\xa9 2026", ("<p>京ICP备 12345678号-1 ©").encode())
    assert call(linted(make_app([page])))[2] == page


def test_strict_csp_without_a_nonce_gets_unstyled_markup() -> None:
    headers = [("Content-Type", "text/html"), ("Content-Security-Policy", "default-src 'self'")]
    body = call(linted(make_app(headers=headers)))[2]
    snippet = body[body.index(b'<div class="icp-footer"') : body.index(b"</footer><script")]
    assert b"style=" not in snippet
    assert b"<script" not in snippet
    assert NUMBER.encode() in snippet


def test_csp_nonce_is_reused() -> None:
    headers = [
        ("Content-Type", "text/html"),
        ("Content-Security-Policy", "style-src 'nonce-abc123'"),
    ]
    body = call(linted(make_app(headers=headers)))[2]
    assert b'<style nonce="abc123">' in body


def test_xhtml_gets_well_formed_markup() -> None:
    page = (
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body><footer><p>x</p></footer></body></html>'
    )
    app = make_app([page], headers=[("Content-Type", "application/xhtml+xml")])
    body = call(linted(app))[2]
    assert NUMBER.encode() in body
    ET.fromstring(body)


def test_an_error_while_rewriting_delivers_the_original(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("snippet failed")

    monkeypatch.setattr(Policy, "snippet", broken)
    with caplog.at_level(logging.ERROR, logger="icp_footer"):
        status, _, body = call(linted(make_app([PAGE[:300], PAGE[300:]])))
    assert (status, body) == ("200 OK", PAGE)
    assert "rewriting failed" in caplog.text


@pytest.mark.parametrize("chunks", [[], [b""], [b"", b""], [b"", b"", b""]])
def test_an_empty_html_page_gets_the_number_however_it_is_sent(chunks: list[bytes]) -> None:
    """A visitor sees a blank page with the number, whatever the app's empty chunks."""
    status, headers, body = call(linted(make_app(chunks)))
    assert status == "200 OK"
    assert body.count(NUMBER.encode()) == 1
    assert body.startswith(b"<div")
    assert body.endswith(b"</div>")
    length = [v for n, v in headers if n.lower() == "content-length"]
    assert length in ([], [str(len(body))])


# -- hosts --------------------------------------------------------------------------------------


def test_host_header_then_server_name_and_forwarded_host_only_when_trusted() -> None:
    env = {
        "ICP_FOOTER_NUMBER": "",
        "ICP_FOOTER_PSB": "",
        "ICP_FOOTER_DOMAINS": f"example.cn={NUMBER}; srv={NUMBER}",
    }
    app = make_app()
    assert NUMBER.encode() in call(linted(app, env=env), host="WWW.EXAMPLE.CN:8080")[2]
    assert NUMBER.encode() in call(linted(app, env=env), host=None)[2]  # SERVER_NAME "srv"
    forwarded = {"HTTP_X_FORWARDED_HOST": "example.cn"}
    untrusted = call(linted(app, env=env), host="other.org", extra=forwarded)[2]
    assert NUMBER.encode() not in untrusted
    trusted = call(
        linted(app, env=env, trust_forwarded_host=True), host="other.org", extra=forwarded
    )[2]
    assert NUMBER.encode() in trusted


def test_the_banner_for_a_host_without_a_number_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    middleware = linted(make_app(), env={"ICP_FOOTER_NUMBER": "", "ICP_FOOTER_PSB": ""})
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        first = call(middleware, host="new.example.org")[2]
        call(middleware, host="new.example.org")
        call(middleware, host="<script>")
    assert b"new.example.org" in first
    assert b"ICP_FOOTER_DOMAINS" in first
    assert caplog.text.count("'new.example.org'") == 1
    hostile = call(middleware, host="<script>")[2]
    assert hostile.count(b"<script") == PAGE.count(b"<script")  # the host is escaped


def test_missing_off_shows_nothing() -> None:
    app = make_app()
    assert (
        call(
            linted(
                app,
                env={"ICP_FOOTER_NUMBER": "", "ICP_FOOTER_PSB": "", "ICP_FOOTER_MISSING": "off"},
            )
        )[2]
        == PAGE
    )


def test_keyword_settings_and_startup_errors() -> None:
    body = call(oracle(ICPFooterMiddleware(make_app(), environ={}, number="粤B2-20090059")))[2]
    assert "粤B2-20090059".encode() in body
    with pytest.raises(ConfigError, match="ICP_FOOTER_NUMBER"):
        ICPFooterMiddleware(make_app(), environ={"ICP_FOOTER_NUMBER": "京ICP备1号"})


def test_a_bad_keyword_value_is_named_as_the_keyword() -> None:
    with pytest.raises(ConfigError) as caught:
        ICPFooterMiddleware(make_app(), environ={}, number="京ICP备1号")
    assert str(caught.value) == (
        'ICPFooterMiddleware(number=...): "京ICP备1号": the record number must have 8 or 10 '
        'digits, not 1 (e.g. 京ICP备12345678号-1). Example: number="京ICP备12345678号-1"'
    )
    assert "ICP_FOOTER_" not in str(caught.value)
    # The same value from the environment still names the variable, even beside keywords.
    with pytest.raises(ConfigError) as caught:
        ICPFooterMiddleware(make_app(), environ={"ICP_FOOTER_NUMBER": "x"}, owner="© 示例")
    assert str(caught.value).startswith('ICP_FOOTER_NUMBER: "x": ')
    assert str(caught.value).endswith('Example: ICP_FOOTER_NUMBER="京ICP备12345678号-1"')


def test_an_unknown_keyword_is_a_type_error_naming_the_closest() -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'numbr'\. Did you mean "):
        ICPFooterMiddleware(make_app(), environ={}, numbr=NUMBER)
    with pytest.raises(TypeError, match=r"'enviro'\. Did you mean 'environ'"):
        ICPFooterMiddleware(make_app(), enviro={})


# -- a response cut short or replaced while bytes are held ---------------------------------------

HELD = [
    # the injector holds the unfinished "</footer" after the rest went out
    ("partial tag held", "text/html; charset=utf-8", PAGE[: PAGE.index(b"</footer><script") + 5]),
    # the rewriter waits for the first kilobyte to learn the charset: all of it is held
    ("all held", "text/html", PAGE[:150]),
]


class Server(SimpleHandler):
    """wsgiref's own server loop, as a test oracle.

    Like gunicorn and werkzeug, it sends the headers with the first item the body yields,
    even an empty one; once they are out, ``start_response`` re-raises ``exc_info``.
    """

    os_environ: ClassVar[dict[str, str]] = {}  # type: ignore[misc]


def served(app: Callable[..., Iterable[bytes]]) -> tuple[str, bytes, str]:
    """Run ``app`` once in :class:`Server`: the status line, the body, and what it logged."""
    environ: dict[str, Any] = {"HTTP_HOST": "example.cn", "QUERY_STRING": ""}
    setup_testing_defaults(environ)
    out, errors = io.BytesIO(), io.StringIO()
    Server(io.BytesIO(), out, errors, environ, multithread=False).run(app)
    head, _, body = out.getvalue().partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body, errors.getvalue()


def replacing_app(content_type: str, first: bytes) -> Callable[..., Iterator[bytes]]:
    """Starts a page, then replaces it with an error page, as frameworks do on an error."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", content_type)])
        yield first
        try:
            raise ValueError("template failed")
        except ValueError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        yield b"error page"

    return app


def test_an_error_page_replaces_a_page_whose_bytes_are_all_held() -> None:
    app = replacing_app("text/html", PAGE[:150])
    assert call(linted(app)) == (
        "500 Internal Server Error",
        [("Content-Type", "text/plain")],
        b"error page",
    )
    status, body, errors = served(linted(app))
    assert (status, body, errors) == ("HTTP/1.0 500 Internal Server Error", b"error page", "")


def test_an_error_page_after_bytes_went_out_is_refused_by_the_server() -> None:
    first = HELD[0][2]
    status, body, errors = served(linted(replacing_app("text/html; charset=utf-8", first)))
    assert status == "HTTP/1.0 200 OK"
    assert body == first  # the held bytes too, as without the middleware
    assert "ValueError: template failed" in errors
    assert served(oracle(oracle(replacing_app("text/html; charset=utf-8", first))))[1] == first


@pytest.mark.parametrize(("content_type", "first"), [h[1:] for h in HELD], ids=[h[0] for h in HELD])
def test_an_app_failing_mid_body_still_sends_what_was_held(content_type: str, first: bytes) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", content_type)])
        yield first
        raise RuntimeError("app failed mid-body")

    assert served(linted(app))[:2] == ("HTTP/1.0 200 OK", first)
    assert served(oracle(oracle(app)))[:2] == ("HTTP/1.0 200 OK", first)
    assert "app failed mid-body" in served(linted(app))[2]


@pytest.mark.parametrize(("content_type", "first"), [h[1:] for h in HELD], ids=[h[0] for h in HELD])
def test_write_inside_the_body_comes_after_what_was_held(content_type: str, first: bytes) -> None:
    rest = PAGE[len(first) :]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        write = start_response("200 OK", [("Content-Type", content_type)])
        yield first
        write(b"<!-- written -->")
        yield rest

    status, _, body = call(linted(app))
    assert (status, body) == ("200 OK", first + b"<!-- written -->" + rest)
