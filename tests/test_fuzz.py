"""A fuzz target: random pages, chunkings, content codings and extension messages, through
both adapters.

Hypothesis draws an HTML-ish document (real page structure, comments, scripts, SVG, Chinese
text, stray tag soup; empty documents too), encodes it (identity; gzip in one or several
members; deflate zlib-wrapped or raw, with flushes; br), may cut the compressed stream short
(at a random point, or by dropping its trailer), splits it into random chunks (empty ones
included) and sends it through the WSGI middleware (werkzeug's LintMiddleware on both sides)
and the ASGI middleware (raw messages recorded; an ``http.response.debug`` before the start,
an extension message in the middle of the body).

What is checked, on the body decoded with the response's Content-Encoding:

* a stream that ended properly: the output is a complete stream whose content is the input's
  with exactly one contiguous insertion, the snippet the policy renders (or nothing, only when
  the page already shows the number), as a single-chunk identity rewrite would make it;
* a stream that did not end properly: nothing is inserted, nothing decoded is lost, and the
  output stream does not end properly either (whether passed through or re-encoded);
* an extension message after the start (ASGI): what the app sent before it goes out before
  it, and no byte is lost or reordered. ``give_up`` abandons the rewrite there: a compressed
  body gets no insertion at all (one held back is taken back); an identity body keeps at most
  one insertion, made before the extension message (``<plaintext>`` decides it early);
* without an extension message after the start, WSGI and ASGI decode to the same content;
* a Content-Length in the response is the length of the body sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import itertools
import logging
import zlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any
from wsgiref.util import setup_testing_defaults

import brotli
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from werkzeug.middleware.lint import LintMiddleware

from codings import WBITS, unpack_stream
from icp_footer import asgi as asgi_adapter
from icp_footer import wsgi as wsgi_adapter
from icp_footer.body import BodyRewriter
from icp_footer.config import load
from icp_footer.injector import InjectionResult, Injector
from icp_footer.policy import Plan, Policy, Target
from icp_footer.render import detect_charset, encode

NUMBER = "京ICP备12345678号-1"
ENV = {"ICP_FOOTER_NUMBER": NUMBER}
HOST = "example.cn"

Message = MutableMapping[str, Any]
Headers = list[tuple[str, str]]

# Every test here runs once with each tag scanner (compiled and pure Python): see conftest.
pytestmark = pytest.mark.usefixtures("scanner")

# -- the documents -------------------------------------------------------------------------

FRAGMENTS = [
    *("<!DOCTYPE html>", "<html lang=zh-CN>", "<head>", "<meta charset=utf-8>", "</head>"),
    *(
        '<meta charset="gbk">',
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
    ),
    *("<title>示例 </footer></title>", "<body>", "</body>", "</html>", "<body class=x>"),
    *("<footer>", "</footer>", "<footer class=site>", "<footer class='a>b'>", "</footer >"),
    *("<section>", "</section>", "<article>", "</article>", "<main>", "</main>", "<nav>"),
    *("<div>", "</div>", "<p>", "</p>", "<br/>", '<a href="/x">链接</a>', "<span>", "</span>"),
    *("<!-- 注释 </footer> -->", "<!--", "-->", "<!---->", "<!x>", "<?php ?>", "</ x>"),
    *("<script>", "</script>", "<script>var s = '</body>';</script>", "<script><!--<script>"),
    *("<style>p{}</style>", "<textarea></footer>", "</textarea>", "<template>", "</template>"),
    *("<svg>", "</svg>", "<svg><title>t</title><foreignObject><p>", "<svg/>", "<math>"),
    *("<![CDATA[x]]>", "<details>", "</details>", "<select>", "<plaintext>"),
    *("中文文本", "备案", "text ", "\n", "&amp;", "<", ">", "</", "<!", "'", '"', "="),
    *(NUMBER, "京ICP备 12345678号-1"),  # a page that already shows the number
    "<p>" + "长的段落，" * 80 + "</p>",  # past the first kilobyte, where a charset may hide
]
SOUP = st.text(st.sampled_from(list("<>/!-=\"' abdefiloprstv示例\n")), max_size=12)

CONTENT_TYPES = ["text/html; charset=utf-8", "text/html", "text/html;charset=GBK"]
CODINGS = ["identity", "gzip", "deflate", "raw-deflate", "br"]
TRAILER = {"gzip": 8, "deflate": 4, "raw-deflate": 1, "br": 1}
EXTENSIONS: list[Message] = [
    {"type": "http.response.zerocopy", "file": 7, "more_body": True},
    {"type": "http.response.x-made-up", "note": "an extension nobody knows"},
]
DEBUG: Message = {"type": "http.response.debug", "info": {"template": "index.html"}}


@dataclasses.dataclass(frozen=True)
class Case:
    page: bytes  # the document, before any coding
    coding: str  # one of CODINGS
    encoding_header: str | None  # the Content-Encoding the app sends
    body: bytes  # what the app sends (encoded, perhaps cut short)
    chunks: tuple[bytes, ...]  # ``body``, as the app sends it
    content_type: str
    content_length: bool  # the app sends Content-Length
    debug: bool  # ASGI: an http.response.debug message before the start
    extension: Message | None  # ASGI: sent after ``at`` body messages
    at: int

    def headers(self) -> Headers:
        headers = [("Content-Type", self.content_type)]
        if self.encoding_header is not None:
            headers.append(("Content-Encoding", self.encoding_header))
        if self.content_length:
            headers.append(("Content-Length", str(len(self.body))))
        return headers


def members(data: bytes, cuts: Iterable[int], level: int = 9) -> bytes:
    """``data`` as concatenated gzip members split at ``cuts`` (a repeat: an empty member)."""
    edges = [0, *sorted(cuts), len(data)]
    return b"".join(gzip.compress(data[a:b], level) for a, b in itertools.pairwise(edges))


def squeeze(coding: str, data: bytes, flushes: Iterable[int] = (), level: int = 6) -> bytes:
    """``data`` in one deflate (zlib-wrapped or raw) or br stream, flushed at ``flushes``."""
    edges = [0, *sorted(flushes), len(data)]
    pieces = [data[a:b] for a, b in itertools.pairwise(edges)]
    if coding == "br":
        br = brotli.Compressor(quality=level)
        out = [bytes(br.process(p)) + bytes(br.flush()) for p in pieces[:-1]]
        return b"".join(out) + bytes(br.process(pieces[-1])) + bytes(br.finish())
    z = zlib.compressobj(level, zlib.DEFLATED, WBITS[coding])
    out = [z.compress(p) + z.flush(zlib.Z_SYNC_FLUSH) for p in pieces[:-1]]
    return b"".join(out) + z.compress(pieces[-1]) + z.flush()


def split(data: bytes, sizes: Iterable[int]) -> tuple[bytes, ...]:
    parts, pos = [], 0
    for size in sizes:
        parts.append(data[pos : pos + size])
        pos += size
    return (*parts, data[pos:])


def make_case(
    page: bytes,
    *,
    coding: str = "identity",
    body: bytes | None = None,
    chunks: Iterable[bytes] | None = None,
    content_type: str = "text/html; charset=utf-8",
    content_length: bool = False,
    debug: bool = False,
    extension: Message | None = None,
    at: int = 0,
    encoding_header: str | None = None,
) -> Case:
    if body is None:
        body = page if coding == "identity" else squeeze(coding, page)
    parts = (body,) if chunks is None else tuple(chunks)
    assert b"".join(parts) == body
    if encoding_header is None and coding != "identity":
        encoding_header = {"raw-deflate": "deflate"}.get(coding, coding)
    return Case(
        page, coding, encoding_header, body, parts, content_type, content_length, debug,
        extension, at,
    )  # fmt: skip


@st.composite
def cases(draw: st.DrawFn, pieces_at_most: int = 40) -> Case:
    pieces = draw(st.lists(st.sampled_from(FRAGMENTS) | SOUP, max_size=pieces_at_most))
    page = "".join(pieces).encode()
    coding = draw(st.sampled_from(CODINGS))
    cuts = st.lists(st.integers(0, len(page)), max_size=3)
    if coding == "identity":
        body = page
    elif coding == "gzip":
        body = members(page, draw(cuts), draw(st.sampled_from([1, 6, 9])))
    else:
        levels = [0, 5, 11] if coding == "br" else [0, 1, 6, 9]
        body = squeeze(coding, page, draw(cuts), draw(st.sampled_from(levels)))
    if coding != "identity" and draw(st.integers(0, 40)) == 0:
        body = b""  # no byte at all, Content-Encoding notwithstanding
    elif coding != "identity" and len(body) > 1 and draw(st.booleans()):  # cut it short
        if draw(st.booleans()) and len(body) > TRAILER[coding]:
            body = body[: -TRAILER[coding]]
        else:
            body = body[: draw(st.integers(1, len(body) - 1))]
    if draw(st.booleans()):
        chunks = split(body, draw(st.lists(st.integers(0, 96), max_size=24)))
    else:
        chunks = split(body, draw(st.lists(st.integers(0, 8), max_size=12)))
    header = None
    if coding == "gzip":
        header = draw(st.sampled_from(["gzip", "x-gzip"]))
    extension = draw(st.none() | st.sampled_from(EXTENSIONS))
    return make_case(
        page,
        coding=coding,
        body=body,
        chunks=chunks,
        content_type=draw(st.sampled_from(CONTENT_TYPES)),
        content_length=draw(st.booleans()),
        debug=draw(st.booleans()),
        extension=extension,
        at=draw(st.integers(0, len(chunks) - 1)),
        encoding_header=header,
    )


# -- decoding --------------------------------------------------------------------------------


def unpack(coding: str, data: bytes) -> tuple[bytes, bool, bytes]:
    """:func:`codings.unpack_stream`, with an empty body counted as an ended (empty) stream,
    as it is for the rewriter."""
    if not data:
        return data, True, b""
    return unpack_stream(coding, data)


def output_coding(case: Case) -> str:
    """How the response body is decoded: as the input, but an empty deflate body says
    nothing of its wrapping, and a new stream is zlib-wrapped."""
    return "deflate" if case.coding == "raw-deflate" and not case.body else case.coding


def strict(coding: str, data: bytes) -> bytes:
    """``data`` decoded by a client that wants a whole stream and nothing after it."""
    decoded, ended, rest = unpack(coding, data)
    assert ended, "the output stream does not end"
    assert rest == b"", "bytes after the end of the output stream"
    return decoded


# -- the oracle ------------------------------------------------------------------------------

POLICY = Policy(load(ENV))
_target = POLICY.request("GET", "/", HOST)
assert isinstance(_target, Target)
TARGET: Target = _target


def plan_of(case: Case) -> Plan:
    plan = POLICY.response(200, case.headers())
    assert plan is not None
    return plan


def reference(case: Case, document: bytes) -> tuple[bytes, InjectionResult | None]:
    """The whole decoded document rewritten in one piece, without a content coding."""
    rewriter = BodyRewriter(POLICY, TARGET, dataclasses.replace(plan_of(case), encoding="identity"))
    return rewriter.feed(document) + rewriter.finish(), rewriter.result


def common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def one_insertion(before: bytes, after: bytes) -> bytes:
    """The one contiguous run of bytes ``after`` has in addition to ``before``."""
    p = common_prefix(before, after)
    s = common_prefix(before[p:][::-1], after[p:][::-1])
    assert p + s == len(before), "not one contiguous insertion (a byte lost or changed)"
    return after[p : len(after) - s]


def snippet_for(case: Case, document: bytes) -> tuple[bytes, tuple[bytes, ...], bytes]:
    """The snippet the policy renders for this page, the "already shown" patterns, and the
    number as the page's charset writes it."""
    charset = detect_charset(case.content_type, document[:1024])
    assert charset is not None
    snippet, patterns = POLICY.snippet(TARGET, plan_of(case), charset, document[:1024])
    return snippet, patterns, encode(NUMBER, charset)


def check_content(case: Case, document: bytes, out: bytes) -> None:
    """``out`` is the complete ``document`` rewritten: exactly one insertion, the snippet."""
    snippet, patterns, number = snippet_for(case, document)
    assert snippet.startswith(b"<div")
    assert snippet.count(number) == 1
    assert b"beian.miit.gov.cn" in snippet
    expected, result = reference(case, document)
    assert result is not None
    if out == document:
        assert result.offset is None
        assert any(p in document for p in patterns), "nothing inserted into a page without it"
        assert expected == document
        return
    middle = one_insertion(document, out)  # (rotated, when the bytes around it repeat it)
    check_snippet(document, out, snippet, number)
    assert result.offset is not None
    assert result.inserted.endswith(snippet)
    assert len(middle) == len(result.inserted)
    assert out == expected, "not what the page rewritten in one piece gets"
    assert out == document[: result.offset] + result.inserted + document[result.offset :], (
        "InjectionResult.offset is not where the insertion went"
    )


def check_snippet(before: bytes, after: bytes, snippet: bytes, number: bytes) -> None:
    """``after`` has the snippet ``before`` did not have, and the number once more."""
    assert after.count(snippet) == before.count(snippet) + 1
    assert after.count(number) == before.count(number) + 1


def check_response(case: Case, headers: Headers, out: bytes) -> tuple[bytes, bool]:
    """The invariants of a response without a mid-body extension message; its content."""
    assert [v for n, v in headers if n.lower() == "content-encoding"] == (
        [case.encoding_header] if case.encoding_header else []
    )
    for value in (v for n, v in headers if n.lower() == "content-length"):
        assert int(value) == len(out)
    document, ended, _ = unpack(case.coding, case.body)
    if not ended:  # cut short: passed through, or re-encoded; never completed, nothing inserted
        decoded, out_ended, _ = unpack(output_coding(case), out)
        assert not out_ended, "a truncated stream came out complete"
        assert decoded == document
        return decoded, False
    decoded = strict(output_coding(case), out)
    check_content(case, document, decoded)
    return decoded, True


# -- the adapters ----------------------------------------------------------------------------


def run_wsgi(case: Case) -> tuple[Headers, bytes]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", case.headers())
        return list(case.chunks)

    wrapped = LintMiddleware(wsgi_adapter.ICPFooterMiddleware(LintMiddleware(app), environ=ENV))
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "srv",
        "HTTP_HOST": HOST,
    }
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}
    out: list[bytes] = []

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, headers
        return out.append

    result = wrapped(environ, start_response)
    try:
        out.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    assert seen["status"] == "200 OK"
    return seen["headers"], b"".join(out)


def run_asgi(case: Case) -> list[Message]:
    raw = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in case.headers()]

    async def app(scope: Message, receive: Any, send: Any) -> None:
        if case.debug:
            await send(dict(DEBUG))
        await send({"type": "http.response.start", "status": 200, "headers": list(raw)})
        for i, chunk in enumerate(case.chunks):
            if case.extension is not None and i == case.at:
                await send(dict(case.extension))
            more = i < len(case.chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", HOST.encode())],
        "server": ("srv", 8000),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(asgi_adapter.ICPFooterMiddleware(app, environ=ENV)(scope, receive, send))
    return sent


def asgi_response(case: Case, messages: list[Message]) -> tuple[Headers, list[Message]]:
    """Check the message protocol; the response headers and the messages after the start."""
    if case.debug:
        assert messages[0] == DEBUG
        messages = messages[1:]
    assert messages[0]["type"] == "http.response.start"
    assert messages[0]["status"] == 200
    rest = messages[1:]
    kinds = [m["type"] for m in rest]
    assert "http.response.start" not in kinds
    bodies = [m for m in rest if m["type"] == "http.response.body"]
    assert bodies
    assert all(m.get("more_body", False) for m in bodies[:-1])
    assert not bodies[-1].get("more_body", False)
    assert rest[-1] is bodies[-1]
    if case.extension is None:
        assert kinds == ["http.response.body"] * len(kinds)
    else:
        assert [m for m in rest if m["type"] != "http.response.body"] == [case.extension]
    headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in messages[0]["headers"]]
    return headers, rest


def body_of(messages: Iterable[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def check_asgi_extension(case: Case, headers: Headers, rest: list[Message]) -> None:
    """An extension message after the start: nothing lost, nothing overtaken, and no
    insertion after it (for a compressed body, none at all)."""
    out = body_of(rest)
    for value in (v for n, v in headers if n.lower() == "content-length"):
        assert int(value) == len(out)
    at = next(i for i, m in enumerate(rest) if m["type"] != "http.response.body")
    out_before, out_after = body_of(rest[:at]), body_of(rest[at + 1 :])
    in_before = b"".join(case.chunks[: case.at])
    in_after = b"".join(case.chunks[case.at :])
    if case.coding == "identity":
        assert out_after == in_after  # passed on as it came: nothing after it is touched
        if out_before != in_before:
            one_insertion(in_before, out_before)  # made before the extension message
            snippet, _, number = snippet_for(case, case.page)
            check_snippet(in_before, out_before, snippet, number)
        return
    document, ended, _ = unpack(case.coding, case.body)
    decoded, out_ended, rest_bytes = unpack(output_coding(case), out)
    assert decoded == document, "bytes lost, reordered or inserted around an extension message"
    assert out_ended == ended
    assert rest_bytes == b""
    # Everything the app sent before the extension went out before it, and nothing more.
    assert unpack(output_coding(case), out_before)[0] == unpack(case.coding, in_before)[0]


# -- the target -------------------------------------------------------------------------------

PAGE = (
    "<!DOCTYPE html><html><head><meta charset=utf-8><title>t</title></head><body>"
    "<main><article><p>新闻</p><footer>文章页脚</footer></article></main>"
    "<footer class=site><p>© 2026 示例</p></footer>"
    "<script>var s = '</body>';</script></body></html>"
).encode()
MISPLACED = b"<footer></body></footer><plaintext>x"  # see the defects at the end
_IN_FOOTER = PAGE.rindex(b"</footer>") + 4  # "</foo" | "ter>"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Truncated streams log a warning each: keep errors (a failed rewrite) only."""
    log = logging.getLogger("icp_footer")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def check(case: Case) -> None:
    with quiet():
        _check(case)


def _check(case: Case) -> None:
    headers, out = run_wsgi(case)
    wsgi_content, wsgi_ended = check_response(case, headers, out)
    messages = run_asgi(case)
    asgi_headers, rest = asgi_response(case, messages)
    if case.extension is not None:
        check_asgi_extension(case, asgi_headers, rest)
        return
    asgi_content, asgi_ended = check_response(case, asgi_headers, body_of(rest))
    assert (asgi_content, asgi_ended) == (wsgi_content, wsgi_ended)


@settings(
    max_examples=250,  # per scanner
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
@example(  # two gzip members, split inside the site footer's "</footer>", chunked there too
    make_case(
        PAGE,
        coding="gzip",
        body=members(PAGE, [_IN_FOOTER]),
        chunks=split(members(PAGE, [_IN_FOOTER]), [len(gzip.compress(PAGE[:_IN_FOOTER], 9)) - 3]),
    )
)
@example(  # the whole page, but the gzip trailer never comes: the insertion is taken back
    make_case(PAGE, coding="gzip", body=gzip.compress(PAGE)[:-8], chunks=None)
)
@example(  # the same in small chunks, and with a Content-Length
    make_case(
        PAGE,
        coding="gzip",
        body=gzip.compress(PAGE)[:-8],
        chunks=split(gzip.compress(PAGE)[:-8], [40] * 6),
        content_length=True,
    )
)
@example(  # once came out differently in two chunks (a working tree mid-edit)
    make_case(b"</body>=</<html lang=zh-CN>", chunks=[b"</body>=", b"</<html lang=zh-CN>"])
)
@example(make_case(b"", chunks=[b"", b""]))  # an empty body: the number alone
@example(make_case(b"", content_length=True, debug=True))
@example(make_case(b"", coding="gzip", body=gzip.compress(b""), content_length=True))
@example(make_case(b"", coding="deflate", body=b"", chunks=[b""], content_length=True))
@example(  # zerocopy between the two halves of "</footer>"
    make_case(
        PAGE,
        chunks=[PAGE[:_IN_FOOTER], PAGE[_IN_FOOTER:]],
        extension=EXTENSIONS[0],
        at=1,
    )
)
@example(  # the same, compressed: one stream, nothing inserted
    make_case(
        PAGE,
        coding="br",
        body=squeeze("br", PAGE, [_IN_FOOTER]),
        chunks=split(squeeze("br", PAGE, [_IN_FOOTER]), [30, 30]),
        extension=EXTENSIONS[1],
        at=1,
    )
)
def test_both_adapters_on_random_pages_codings_and_chunkings(case: Case) -> None:
    ended = unpack(case.coding, case.body)[1]
    event(f"coding: {case.coding}, {'ended' if ended else 'cut short'}")
    event(f"extension: {case.extension['type'] if case.extension else None}")
    check(case)


# -- defects the fuzz found, minimised ----------------------------------------------------------
#
# The site footer holds a "</body>" (or "</html>") end tag and closes after it. The injector
# puts the snippet before that "</body>" (offset 8 below) but reports the offset of "</footer"
# (15). BodyRewriter finds the insertion it must hold back by that offset: it misses it and
# sends it on at once. When the insertion is decided before the body ends ("<plaintext>"
# decides it), it can then no longer be taken back: it goes into a gzip stream cut short, and
# it stays in a compressed body after an ASGI extension message. (Found at d6777da.)


def test_the_injection_result_says_where_the_insertion_went() -> None:
    page = b"<footer></body></footer>"
    injector = Injector(b"<S>")
    out = injector.feed(page) + injector.finish()
    result = injector.result
    assert result is not None
    assert result.offset is not None
    assert out == page[: result.offset] + result.inserted + page[result.offset :], (
        out,
        result.offset,
    )


def test_nothing_is_inserted_into_a_gzip_stream_cut_short_before_its_trailer() -> None:
    case = make_case(MISPLACED, coding="gzip", body=gzip.compress(MISPLACED)[:-8])
    with quiet():
        wsgi_out = run_wsgi(case)[1]
        asgi_out = body_of(run_asgi(case))
    for out in (wsgi_out, asgi_out):
        decoded, ended, _ = unpack("gzip", out)
        assert not ended
        assert decoded == MISPLACED, decoded[:60]  # the number was inserted


def test_nothing_is_inserted_into_a_compressed_body_around_an_extension_message() -> None:
    body = gzip.compress(MISPLACED)
    chunks = split(body, [len(body) - 8])  # all of the page, then the trailer
    case = make_case(
        MISPLACED, coding="gzip", body=body, chunks=chunks, extension=EXTENSIONS[0], at=1
    )
    with quiet():
        headers, rest = asgi_response(case, run_asgi(case))
    assert gzip.decompress(body_of(rest)) == MISPLACED, gzip.decompress(body_of(rest))[:60]
    check_asgi_extension(case, headers, rest)
