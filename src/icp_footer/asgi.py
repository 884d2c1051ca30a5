"""ASGI middleware: ``app.add_middleware(ICPFooterMiddleware)`` for FastAPI and Starlette.

Pure ASGI: websocket and lifespan scopes, and HTTP requests that cannot be rewritten,
go straight to the app. For the rest, ``http.response.start`` is held only until the
response's first body message; the rewriter holds body bytes only while it decides.

What is held goes out, unchanged and with nothing inserted, before anything that would
overtake it: an extension message sent after the start (``http.response.zerocopy``,
``pathsend`` and the like; the rest of the body then passes through), an exception from the
app, or the app returning without finishing the body. Extension messages sent before the
start (Starlette's TestClient sends ``http.response.debug``) pass on and change nothing.
``http.response.trailers`` come after the last body message, so after the rewritten body has
ended; they get the header edits the start got (no Content-MD5, a weakened ETag).

HEAD is handled as GET, so its headers are the ones GET gets: a body the app sends with it
(Starlette's HTMLResponse does; the server drops it) is rewritten; its Content-Length is GET's.
A HEAD answered without a body gets the other edits, and loses its Content-Length: GET's length
is unknown without the page.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

from icp_footer.body import BodyRewriter
from icp_footer.config import ConfigError, Settings
from icp_footer.policy import Policy, Target, edit_headers, load_settings

__all__ = ["ICPFooterMiddleware"]

_METHODS = frozenset({"GET", "HEAD"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ICPFooterMiddleware:
    """Show the site's ICP (and PSB) number in the footer of its home page.

    ``app`` is any ASGI application. Settings come from the ``ICP_FOOTER_*`` environment
    variables (or the ``environ`` mapping given), overridden by keyword arguments named as
    in :func:`icp_footer.config.load` (:data:`icp_footer.policy.KEYWORDS`).

    A bad setting raises :class:`icp_footer.config.ConfigError` here, at startup, naming the
    keyword or the variable it came from (an unknown keyword: ``TypeError``), when the
    middleware is built outside a running event loop (wrapping the app at import time).
    Starlette and FastAPI build it inside their first ASGI call, the lifespan one, where an
    exception would only make the server skip the lifespan and answer every request with
    500. Built while an asyncio event loop runs in this thread, the middleware keeps the
    error instead: it answers ``lifespan.startup`` with ``lifespan.startup.failed`` carrying
    the error's message, so that uvicorn and hypercorn exit, and raises the error on every
    HTTP and websocket request (servers that skip the lifespan log it). Its ``settings`` and
    ``policy`` are then not set.
    """

    settings: Settings
    policy: Policy

    def __init__(
        self, app: ASGIApp, /, *, environ: Mapping[str, str] | None = None, **settings: Any
    ) -> None:
        self.app = app
        self._error: ConfigError | TypeError | None = None
        try:
            self.settings = load_settings(type(self).__name__, environ, settings)
        except (ConfigError, TypeError) as error:
            if not _in_event_loop():
                raise
            self._error = error
            return
        self.policy = Policy(self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._error is not None:
            await self._refuse(scope, receive, send, self._error)
            return
        if scope["type"] != "http" or scope["method"] not in _METHODS:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        root = scope.get("root_path")
        if root and path.startswith(root):
            path = path[len(root) :]
        if not self.settings.is_home(path):  # the common case, before any header is read
            await self.app(scope, receive, send)
            return
        target = self.policy.request(scope["method"], path, self._host(scope))
        if target is None:
            await self.app(scope, receive, send)
            return
        responder = _Responder(self.policy, target, send)
        try:
            await self.app(scope, receive, responder.send)
        except Exception:
            # What we held goes out first, as it would have without us; the app's exception
            # is the one to report, whatever sending does.
            with contextlib.suppress(Exception):
                await responder.give_up()
            raise
        with contextlib.suppress(OSError):  # ASGI 2.4: sending after the client left raises
            await responder.give_up()  # the app left its body unfinished

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, error: ConfigError | TypeError
    ) -> None:
        if scope["type"] == "lifespan":
            if (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": str(error)})
            return
        # A new exception each time: raising one object again and again grows its traceback.
        if isinstance(error, ConfigError):
            raise ConfigError(error.problems)
        raise TypeError(str(error))

    def _host(self, scope: Scope) -> str | None:
        host = forwarded = None
        for name, value in scope.get("headers", ()):
            if name == b"host" and host is None:
                host = value.decode("latin-1")
            elif name == b"x-forwarded-host" and forwarded is None:
                forwarded = value.decode("latin-1")
        if forwarded and self.settings.trust_forwarded_host:
            return str(forwarded).split(",", 1)[0].strip()
        if host:
            return str(host)
        server = scope.get("server")
        if server:
            name, port = server[0], server[1]
            return f"{name}:{port}" if port is not None else str(name)
        return None


class _Responder:
    """The ``send`` the app sees for one request that may be rewritten."""

    def __init__(self, policy: Policy, target: Target, send: Send) -> None:
        self._policy = policy
        self._target = target
        self._send = send
        self._start: Message | None = None  # held while deciding
        self._rewriter: BodyRewriter | None = None
        self._passthrough = False
        self._started = False
        self._edited = False  # the start went out with edited headers
        self._seen = False  # a non-empty body message came

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.trailers" and self._edited:
            message = {**message, "headers": _edit(message.get("headers", ()), None)}
        if self._passthrough:
            await self._send(message)
            return
        if kind == "http.response.start":
            status = int(message.get("status", 0))
            headers = [
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in message.get("headers", ())
            ]
            plan = self._policy.response(status, headers)
            if plan is None:
                self._passthrough = True
                await self._send(message)
                return
            self._start = message
            self._rewriter = BodyRewriter(self._policy, self._target, plan)
            return
        rewriter = self._rewriter
        if rewriter is None:  # before the start: it says nothing about this body
            await self._send(message)
            return
        if kind != "http.response.body":
            # http.response.zerocopy, pathsend...: it must not overtake what we hold.
            await self.give_up()
            await self._send(message)
            return
        body = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        if body:
            self._seen = True
        elif not more and not self._seen and self._target.head:
            # HEAD without a body, as HEAD may be answered: no page to put the number in, so
            # the length GET sends is unknown; its other header edits are known.
            if not self._started:
                await self._send_start(None)
            self._passthrough = True
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if not self._started:
            if not more:
                # The whole body in one message: send an exact Content-Length.
                out = rewriter.finish(body)  # an empty page gets it too
                await self._send_start(len(out))
                self._passthrough = True
                await self._send({"type": "http.response.body", "body": out, "more_body": False})
                return
            await self._send_start(None)
        if more:
            out = rewriter.feed(body)
        else:
            out = rewriter.finish(body)
            self._passthrough = True
        if out or not more:
            await self._send({"type": "http.response.body", "body": out, "more_body": more})

    async def give_up(self) -> None:
        """Send what is held, unchanged, and insert nothing from now on.

        Before the first body message, the start goes out as the app sent it and so does the
        rest of the response. After it, later body messages still go through the rewriter,
        which passes them on (re-encoded when compressed, so that the body stays one stream).
        """
        if self._passthrough or self._start is None:
            return
        if not self._started:
            self._passthrough = self._started = True
            await self._send(self._start)
            return
        assert self._rewriter is not None
        held = self._rewriter.abandon()
        if held:
            await self._send({"type": "http.response.body", "body": held, "more_body": True})

    async def _send_start(self, length: int | None) -> None:
        assert self._start is not None
        start = dict(self._start)
        start["headers"] = _edit(self._start.get("headers", ()), length)
        self._started = self._edited = True
        await self._send(start)


def _edit(raw: Iterable[tuple[bytes, bytes]], length: int | None) -> list[tuple[bytes, bytes]]:
    """:func:`edit_headers` on ASGI's byte pairs."""
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
    return [(n.encode("latin-1"), v.encode("latin-1")) for n, v in edit_headers(headers, length)]


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
