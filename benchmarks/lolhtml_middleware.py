"""The benchmark anchor: WSGI and ASGI middlewares doing icp-footer's job with lol-html.

Both rewrite only what icp-footer's middlewares rewrite: a ``GET`` of the home page ``/``
answered ``200`` with a ``text/html`` body that is not content-encoded. The body streams
through ``lolhtml.HTMLRewriter`` (each chunk written as it comes, whatever the rewriter has
produced forwarded at once) with one element handler on ``body`` appending the footer
snippet, so the snippet lands just before ``</body>``. ``Content-Length`` is dropped from a
rewritten response; everything else (other methods, paths, statuses, types) passes through
untouched, without any per-chunk work.

The snippet is the one icp-footer inserts: :func:`footer_snippet` renders it with
``icp_footer.render.footer_html`` for a UTF-8 page without a Content-Security-Policy, which
is what the benchmark serves. lol-html here assumes UTF-8 input, as the benchmark pages are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import Any, cast

import lolhtml

from icp_footer.numbers import parse_icp, parse_psb
from icp_footer.render import FooterStyle, encode, footer_html

__all__ = [
    "LolHtmlASGIMiddleware",
    "LolHtmlWSGIMiddleware",
    "footer_snippet",
]

Environ = dict[str, Any]
WriteCallable = Callable[[bytes], object]
StartResponse = Callable[..., WriteCallable]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HOME = "/"

_UTF8_NO_CSP = FooterStyle(charset="utf-8", style_nonce=None, inline_style=True, xhtml=False)


def footer_snippet(number: str, psb: str | None = None) -> bytes:
    """The footer icp-footer inserts into a UTF-8 page without a CSP, as bytes."""
    icp = parse_icp(number)
    psb_number = parse_psb(psb) if psb else None
    return encode(footer_html(icp, psb_number, style=_UTF8_NO_CSP), "utf-8")


def _is_html(content_type: str) -> bool:
    """Is ``content_type`` (a header value) ``text/html``, whatever its parameters?"""
    return content_type.partition(";")[0].strip().lower() == "text/html"


def _identity(content_encoding: str | None) -> bool:
    """Is the body not content-encoded (no header, or ``identity``)?"""
    return content_encoding is None or content_encoding.strip().lower() in ("", "identity")


class _AppendToBody:
    """lol-html element handler appending the snippet as the last child of ``<body>``."""

    def __init__(self, snippet: str) -> None:
        self.snippet = snippet

    def element(self, e: lolhtml.Element) -> None:
        """Append the snippet to the matched ``<body>`` element."""
        e.append(self.snippet, lolhtml.ContentType.HTML)


class _Rewriter:
    """One response's lol-html rewriter and the output it produced since the last take."""

    __slots__ = ("_out", "_rw")

    def __init__(self, handler: _AppendToBody) -> None:
        self._out: list[bytes] = []
        self._rw = lolhtml.HTMLRewriter(cast(Any, self._out.append))
        self._rw.on("body", handler)

    def write(self, chunk: bytes) -> bytes:
        """Feed ``chunk``; return the output it released (maybe ``b""``)."""
        self._rw.write(chunk)
        return self._take()

    def end(self, chunk: bytes = b"") -> bytes:
        """Feed a last ``chunk`` and end the document; return the rest of the output."""
        if chunk:
            self._rw.write(chunk)
        self._rw.end()
        return self._take()

    def _take(self) -> bytes:
        out = self._out
        if not out:
            return b""
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        return data


# --------------------------------------------------------------------------------------------
# WSGI


def _wsgi_rewritable(status: str, headers: list[tuple[str, str]]) -> bool:
    """A ``200`` ``text/html`` response with an identity body?"""
    if not status.startswith("200"):
        return False
    content_type: str | None = None
    content_encoding: str | None = None
    for name, value in headers:
        low = name.lower()
        if low == "content-type":
            content_type = value
        elif low == "content-encoding":
            content_encoding = value
    return content_type is not None and _is_html(content_type) and _identity(content_encoding)


class _WSGIState:
    __slots__ = ("rewrite",)

    def __init__(self) -> None:
        self.rewrite: bool | None = None
        """``None`` until the application has called ``start_response``."""


class _RewrittenBody:
    """The response iterable of a home-page request: rewritten if the response qualifies.

    The decision is taken in ``start_response``, which an application may call lazily, on
    its first iteration; ``close()`` always reaches the application's iterable.
    """

    __slots__ = ("_handler", "_result", "_state")

    def __init__(self, result: Iterable[bytes], state: _WSGIState, handler: _AppendToBody) -> None:
        self._result = result
        self._state = state
        self._handler = handler

    def __iter__(self) -> Iterator[bytes]:
        state = self._state
        rewriter: _Rewriter | None = None
        for chunk in self._result:
            if not state.rewrite:
                yield chunk
                continue
            if rewriter is None:
                rewriter = _Rewriter(self._handler)
            if out := rewriter.write(chunk):
                yield out
        if state.rewrite:
            if rewriter is None:
                rewriter = _Rewriter(self._handler)
            if out := rewriter.end():
                yield out

    def close(self) -> None:
        """Close the application's iterable (PEP 3333)."""
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


class LolHtmlWSGIMiddleware:
    """WSGI middleware appending the footer to ``<body>`` of the home page with lol-html."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        number: str = "京ICP备12345678号-1",
        psb: str | None = "京公网安备 11010502030143号",
        snippet: bytes | None = None,
    ) -> None:
        self.app = app
        self.snippet = snippet if snippet is not None else footer_snippet(number, psb)
        self._handler = _AppendToBody(self.snippet.decode("utf-8"))

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        if environ.get("REQUEST_METHOD") != "GET" or (environ.get("PATH_INFO") or HOME) != HOME:
            return self.app(environ, start_response)
        state = _WSGIState()

        def _start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> WriteCallable:
            state.rewrite = _wsgi_rewritable(status, headers)
            if state.rewrite:
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        result = self.app(environ, _start_response)
        if state.rewrite is False:
            return result
        return _RewrittenBody(result, state, self._handler)


# --------------------------------------------------------------------------------------------
# ASGI


def _asgi_rewritable(message: Message) -> bool:
    """A ``200`` ``text/html`` response start with an identity body?"""
    if message.get("status") != 200:
        return False
    content_type: bytes | None = None
    content_encoding: bytes | None = None
    for name, value in message.get("headers", ()):
        low = bytes(name).lower()
        if low == b"content-type":
            content_type = bytes(value)
        elif low == b"content-encoding":
            content_encoding = bytes(value)
    if content_type is None or not _is_html(content_type.decode("latin-1")):
        return False
    return _identity(None if content_encoding is None else content_encoding.decode("latin-1"))


class LolHtmlASGIMiddleware:
    """Pure ASGI middleware appending the footer to ``<body>`` of the home page with lol-html."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        number: str = "京ICP备12345678号-1",
        psb: str | None = "京公网安备 11010502030143号",
        snippet: bytes | None = None,
    ) -> None:
        self.app = app
        self.snippet = snippet if snippet is not None else footer_snippet(number, psb)
        self._handler = _AppendToBody(self.snippet.decode("utf-8"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection scope."""
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != HOME:
            await self.app(scope, receive, send)
            return
        handler = self._handler
        rewriter: _Rewriter | None = None

        async def _send(message: Message) -> None:
            nonlocal rewriter
            kind = message["type"]
            if kind == "http.response.start":
                if _asgi_rewritable(message):
                    rewriter = _Rewriter(handler)
                    headers = [
                        (k, v)
                        for k, v in message.get("headers", ())
                        if bytes(k).lower() != b"content-length"
                    ]
                    message = {**message, "headers": headers}
                await send(message)
                return
            if kind != "http.response.body" or rewriter is None:
                await send(message)
                return
            more = bool(message.get("more_body", False))
            body = message.get("body", b"")
            if more:
                out = rewriter.write(bytes(body)) if body else b""
            else:
                out = rewriter.end(bytes(body))
            if out or not more:
                await send({"type": "http.response.body", "body": out, "more_body": more})

        await self.app(scope, receive, _send)
