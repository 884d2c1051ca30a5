"""WSGI middleware: ``app.wsgi_app = ICPFooterMiddleware(app.wsgi_app)``.

Responses that cannot be rewritten are decided from the request alone where possible and
then never wrapped: the app's own iterable (a ``wsgi.file_wrapper`` included) goes to the
server untouched.

HEAD is handled as GET, so its headers are the ones GET gets: a body the app sends with it
(the server drops it) is rewritten and its Content-Length is GET's. A HEAD answered without a
body gets the other edits, and loses its Content-Length: GET's length is unknown without the page.

What the rewriter holds goes out, unchanged and with nothing inserted, before the data of the
legacy ``write()`` callable and before an exception from the app's iterable. Nothing is yielded
while everything is held (servers send the headers with the first item, even an empty one), so
an error page started with ``exc_info`` can still replace the page; once bytes went out, the
server re-raises, as it would without the middleware.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

from icp_footer.body import BodyRewriter
from icp_footer.policy import Policy, Target, edit_headers, load_settings

__all__ = ["ICPFooterMiddleware"]

_METHODS = frozenset({"GET", "HEAD"})

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ICPFooterMiddleware:
    """Show the site's ICP (and PSB) number in the footer of its home page.

    ``app`` is any WSGI application. Settings come from the ``ICP_FOOTER_*`` environment
    variables (or the ``environ`` mapping given), overridden by keyword arguments named as
    in :func:`icp_footer.config.load` (:data:`icp_footer.policy.KEYWORDS`): ``number``,
    ``psb``, ``domains``, ``domains_file``, ``paths``, ``missing``, ``strict``, ``owner``,
    ``icp_url``, ``psb_url``, ``lookbehind_limit``, ``trust_forwarded_host``,
    ``reload_interval``, ``clock``. A bad setting raises
    :class:`icp_footer.config.ConfigError` here, at startup, naming the keyword or the
    variable it came from; an unknown keyword raises ``TypeError``.
    """

    def __init__(
        self, app: WSGIApp, *, environ: Mapping[str, str] | None = None, **settings: Any
    ) -> None:
        self.app = app
        self.settings = load_settings(type(self).__name__, environ, settings)
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
        if exc_info is not None and self.rewriter is not None:
            # An error page replaces the page being rewritten, and what we hold of it, and
            # passes through. A server whose headers already went out re-raises here instead;
            # what we hold then still goes out (see _Body).
            self.real_write = self.real_start_response(status, headers, exc_info)
            self.rewriter = None
            self.passthrough = self.started = True
            return self.real_write
        if self.started or self.passthrough:
            # Headers already handed on: the server decides (and re-raises exc_info if it
            # already sent them), exactly as without the middleware.
            self.real_write = self.real_start_response(status, headers, exc_info)
            return self.real_write
        self.status, self.headers, self.exc_info = status, headers, exc_info
        code = int(status[:3]) if status[:3].isdigit() else 0
        plan = self.policy.response(code, headers)
        if plan is None:
            self.passthrough = True
            self.started = True
            self.real_write = self.real_start_response(status, headers, exc_info)
            return self.real_write
        self.rewriter = BodyRewriter(self.policy, self.target, plan)
        return self.write

    def write(self, data: bytes) -> None:
        # The legacy write() callable: the rest of this response passes through, after
        # what we hold.
        held = self.give_up()
        assert self.real_write is not None
        if held:
            self.real_write(held)
        self.real_write(data)

    def start(self, length: int | None) -> None:
        assert self.status is not None
        self.started = True
        self.real_write = self.real_start_response(
            self.status, edit_headers(self.headers, length), self.exc_info
        )

    def give_up(self) -> bytes:
        """Stop rewriting; return what is held, unchanged, to send before anything else.

        Before any byte went out that is the body as the app sent it, under its own headers.
        """
        rewriter, self.rewriter = self.rewriter, None
        held = rewriter.abandon() if rewriter is not None else b""
        if not self.started and self.status is not None:
            self.started = True
            self.real_write = self.real_start_response(self.status, self.headers, self.exc_info)
        self.passthrough = True
        return held


class _Body:
    """The rewritten body; the app's iterable is always closed, whatever happens."""

    def __init__(self, exchange: _Exchange, result: Iterable[bytes]) -> None:
        self._exchange = exchange
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._rewrite()
        except Exception:
            # The body is cut short: what we hold goes out first, as it would have without us.
            held = self._exchange.give_up()
            if held:
                yield held
            raise

    def _rewrite(self) -> Iterator[bytes]:
        # Nothing is yielded while everything is held: servers send the headers with the
        # first item, even an empty one, and an error page could no longer replace them.
        exchange = self._exchange
        seen = False  # a non-empty chunk came
        for chunk in self._result:
            rewriter = exchange.rewriter
            if exchange.passthrough or rewriter is None:
                yield chunk
                continue
            if not seen:
                if not chunk:  # the app sends its headers early: let them go
                    if not exchange.started:
                        exchange.start(None)
                    yield b""
                    continue
                seen = True
                if _content_length(exchange.headers) == len(chunk) and not exchange.started:
                    # The whole body in one piece: finish now and send an exact length.
                    out = rewriter.finish(chunk)
                    exchange.rewriter = None
                    exchange.passthrough = True
                    exchange.start(len(out))
                    yield out
                    continue
            out = rewriter.feed(chunk)
            if out:
                if not exchange.started:
                    exchange.start(None)
                yield out
        rewriter = exchange.rewriter
        if exchange.passthrough or rewriter is None:
            return
        if not seen and exchange.target.head:
            # HEAD without a body, as HEAD may be answered: no page to put the number in, so
            # the length GET sends is unknown; its other header edits are known.
            exchange.rewriter = None
            exchange.passthrough = True
            if not exchange.started:
                exchange.start(None)
            return
        # An empty page gets the number too: a visitor sees a blank page with it.
        tail = rewriter.finish()
        if not exchange.started:  # all of it was held: its length is known
            exchange.start(len(tail))
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
