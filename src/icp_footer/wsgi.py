"""WSGI middleware: ``app.wsgi_app = ICPFooterMiddleware(app.wsgi_app)``.

Responses that cannot be rewritten are decided from the request alone where possible and
then never wrapped: the app's own iterable (a ``wsgi.file_wrapper`` included) goes to the
server untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

from icp_footer.body import BodyRewriter
from icp_footer.config import load
from icp_footer.policy import Policy, Target, edit_headers

__all__ = ["ICPFooterMiddleware"]

_METHODS = frozenset({"GET", "HEAD"})

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ICPFooterMiddleware:
    """Show the site's ICP (and PSB) number in the footer of its home page.

    ``app`` is any WSGI application. Settings come from the ``ICP_FOOTER_*`` environment
    variables (or the ``environ`` mapping given), overridden by keyword arguments named as
    in :func:`icp_footer.config.load`: ``number``, ``psb``, ``domains``, ``paths``,
    ``missing``, ``strict``, ``owner``, ``icp_url``, ``psb_url``, ``lookbehind_limit``,
    ``trust_forwarded_host``. A bad setting raises :class:`icp_footer.config.ConfigError`
    here, at startup.
    """

    def __init__(
        self, app: WSGIApp, *, environ: Mapping[str, str] | None = None, **settings: Any
    ) -> None:
        self.app = app
        self.settings = load(environ, **settings)
        self.policy = Policy(self.settings)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        if method not in _METHODS or not self.settings.is_home(path):
            return self.app(environ, start_response)  # decided from the request alone
        target = self.policy.request(method, path, self._host(environ))
        if target is None:
            return self.app(environ, start_response)
        exchange = _Exchange(self.policy, target, start_response)
        result = self.app(environ, exchange.start_response)
        if exchange.passthrough:
            return result
        return _Body(exchange, result)

    def _host(self, environ: Mapping[str, Any]) -> str | None:
        if self.settings.trust_forwarded_host:
            forwarded = environ.get("HTTP_X_FORWARDED_HOST")
            if forwarded:
                return str(forwarded).split(",", 1)[0].strip()
        host = environ.get("HTTP_HOST")
        if host:
            return str(host)
        name = environ.get("SERVER_NAME")
        return f"{name}:{environ.get('SERVER_PORT', '')}" if name else None


class _Exchange:
    """One request's state: what the app said, and whether the real headers went out."""

    def __init__(self, policy: Policy, target: Target, start_response: StartResponse) -> None:
        self.policy = policy
        self.target = target
        self.real_start_response = start_response
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.exc_info: ExcInfo | None = None
        self.rewriter: BodyRewriter | None = None
        self.passthrough = False
        self.started = False  # the server's start_response has been called
        self.real_write: Callable[[bytes], object] | None = None

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        if self.started or self.passthrough:
            # Headers already handed on: the server decides (and re-raises exc_info if it
            # already sent them), exactly as without the middleware.
            self.real_write = self.real_start_response(status, headers, exc_info)
            return self.real_write
        self.status, self.headers, self.exc_info = status, headers, exc_info
        code = int(status[:3]) if status[:3].isdigit() else 0
        plan = self.policy.response(code, headers)
        if plan is None or self.target.head:
            # HEAD gets the headers its GET would get (no Content-Length, a weak ETag),
            # so they stay honest; its body, if any, passes through.
            self.passthrough = True
            self.started = True
            if plan is not None:
                headers = edit_headers(headers, None)
            self.real_write = self.real_start_response(status, headers, exc_info)
            return self.real_write
        self.rewriter = BodyRewriter(self.policy, self.target, plan)
        return self.write

    def write(self, data: bytes) -> None:
        # The legacy write() callable: this response streams past us, untouched.
        if not self.started:
            assert self.status is not None
            self.passthrough = True
            self.started = True
            self.real_write = self.real_start_response(self.status, self.headers, self.exc_info)
        assert self.real_write is not None
        self.real_write(data)

    def start(self, length: int | None) -> None:
        assert self.status is not None
        self.started = True
        self.real_start_response(self.status, edit_headers(self.headers, length), self.exc_info)


class _Body:
    """The rewritten body; the app's iterable is always closed, whatever happens."""

    def __init__(self, exchange: _Exchange, result: Iterable[bytes]) -> None:
        self._exchange = exchange
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        exchange = self._exchange
        declared: int | None = None
        finished = False
        seen = False
        for chunk in self._result:
            rewriter = exchange.rewriter
            if exchange.passthrough or rewriter is None or finished:
                if not exchange.started and exchange.status is not None:
                    exchange.start(None)
                yield chunk
                continue
            if not exchange.started:
                declared = _content_length(exchange.headers)
                if declared is not None and declared == len(chunk) and chunk:
                    # The whole body in one piece: finish now and send an exact length.
                    out = rewriter.feed(chunk) + rewriter.finish()
                    finished = True
                    exchange.start(len(out))
                    yield out
                    continue
                if not chunk and not seen:
                    exchange.start(None)
                    yield b""
                    continue
                exchange.start(None)
            seen = seen or bool(chunk)
            yield rewriter.feed(chunk)
        rewriter = exchange.rewriter
        if exchange.passthrough or rewriter is None or finished:
            if not exchange.started and exchange.status is not None:
                exchange.start(None)
            return
        if not seen:  # an empty body stays empty
            if not exchange.started:
                exchange.start(declared)
            return
        if not exchange.started:
            exchange.start(None)
        tail = rewriter.finish()
        if tail:
            yield tail

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


def _content_length(headers: Iterable[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
