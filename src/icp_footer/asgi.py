"""ASGI middleware: ``app.add_middleware(ICPFooterMiddleware)`` for FastAPI and Starlette.

Pure ASGI: websocket and lifespan scopes, and HTTP requests that cannot be rewritten,
go straight to the app. For the rest, ``http.response.start`` is held only until the
response's headers show whether it is rewritable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from icp_footer.body import BodyRewriter
from icp_footer.config import load
from icp_footer.policy import Policy, Target, edit_headers

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
    in :func:`icp_footer.config.load`. A bad setting raises
    :class:`icp_footer.config.ConfigError` here, at startup.
    """

    def __init__(
        self, app: ASGIApp, /, *, environ: Mapping[str, str] | None = None, **settings: Any
    ) -> None:
        self.app = app
        self.settings = load(environ, **settings)
        self.policy = Policy(self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        await self.app(scope, receive, _Responder(self.policy, target, send).send)

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

    async def send(self, message: Message) -> None:
        kind = message["type"]
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
            if self._target.head:
                # HEAD gets the headers its GET would get, so they stay honest.
                self._passthrough = True
                await self._send_start(None)
                return
            self._rewriter = BodyRewriter(self._policy, self._target, plan)
            return
        if kind != "http.response.body" or self._rewriter is None:
            # http.response.pathsend, trailers, zero-copy...: we step aside.
            self._passthrough = True
            if self._start is not None and not self._started:
                self._started = True
                await self._send(self._start)
            await self._send(message)
            return
        body = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        rewriter = self._rewriter
        if not self._started:
            if not more:
                # The whole body in one message: send an exact Content-Length.
                out = rewriter.feed(body) + rewriter.finish() if body else b""
                await self._send_start(len(out))
                await self._send({"type": "http.response.body", "body": out, "more_body": False})
                return
            await self._send_start(None)
        out = rewriter.feed(body)
        if not more:
            out += rewriter.finish()
        if out or not more:
            await self._send({"type": "http.response.body", "body": out, "more_body": more})

    async def _send_start(self, length: int | None) -> None:
        assert self._start is not None
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in self._start.get("headers", ())
        ]
        if length is None or any(n.lower() == "content-length" for n, _ in headers):
            edited = edit_headers(headers, length)
        else:
            edited = edit_headers(headers, None)
        start = dict(self._start)
        start["headers"] = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in edited]
        self._started = True
        await self._send(start)
