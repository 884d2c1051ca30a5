"""Django middleware: ``"icp_footer.django.ICPFooterMiddleware"`` in ``settings.MIDDLEWARE``.

The same decisions as the WSGI and ASGI adapters (:class:`icp_footer.policy.Policy`), the same
rewriting (:class:`icp_footer.body.BodyRewriter`); only the glue is Django's. A response is a
whole object here, so its headers are edited before any byte goes out: a ``HttpResponse`` is
rewritten in one go (a Content-Length the view set is recomputed), a ``StreamingHttpResponse``
gets its ``streaming_content`` wrapped in a generator (an async one for an async iterator), so
it still streams, and loses its Content-Length. ``FileResponse`` is never touched.

HEAD is handled as GET: Django's views render the page for HEAD too (the server drops it), so
HEAD gets exactly GET's headers, Content-Length included. A HEAD response with an empty
``content`` gets the other edits and loses its Content-Length: GET's length is unknown.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import FileResponse, HttpRequest, HttpResponseBase

from icp_footer.body import BodyRewriter
from icp_footer.config import ConfigError, Settings
from icp_footer.django.conf import SETTING, current_settings
from icp_footer.policy import Policy, Target, edit_headers

__all__ = ["ICPFooterMiddleware", "request_host"]

_METHODS = frozenset({"GET", "HEAD"})


class ICPFooterMiddleware:
    """Show the site's ICP (and PSB) number in the footer of its home page.

    Settings come from ``settings.ICP_FOOTER`` and the ``ICP_FOOTER_*`` environment variables
    (see :mod:`icp_footer.django.conf`); they are read again when ``settings.ICP_FOOTER``
    changes (``override_settings``). A bad setting raises ``ImproperlyConfigured`` here, when
    Django loads its middleware at startup, with every problem and an example of each.
    Sync and async: it takes the mode of the handler it sits in.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        self._policy = _policy()
        self._stale = False
        setting_changed.connect(self._setting_changed)  # weakly: it goes with the handler

    @property
    def policy(self) -> Policy:
        """The decisions for the current settings; raises ``ImproperlyConfigured``."""
        if self._stale:
            # Built again on the next request, not in the signal: a bad value then fails
            # that request, not the override_settings that set it.
            self._policy = _policy()
            self._stale = False
        return self._policy

    def _setting_changed(self, *, setting: str, **kwargs: Any) -> None:
        if setting == SETTING:
            self._stale = True

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        policy = self.policy
        target = _target(policy, request)
        response = self.get_response(request)
        return response if target is None else _rewrite(policy, target, response)

    async def __acall__(self, request: HttpRequest) -> Any:
        """The async mode of :meth:`__call__`."""
        policy = self.policy
        target = _target(policy, request)
        response = await self.get_response(request)
        return response if target is None else _rewrite(policy, target, response)


def _target(policy: Policy, request: HttpRequest) -> Target | None:
    method = request.method
    path = request.path_info  # without SCRIPT_NAME, as the adapters see it
    if method not in _METHODS or not policy.settings.is_home(path):
        return None  # decided from the request alone, before any header is read
    return policy.request(method, path, request_host(request, policy.settings))


def _rewrite(policy: Policy, target: Target, response: HttpResponseBase) -> HttpResponseBase:
    if isinstance(response, FileResponse):
        return response
    headers = list(response.items())
    plan = policy.response(response.status_code, headers)
    if plan is None:
        return response
    if target.head and not response.streaming and not response.content:
        # HEAD without a body: no page to put the number in, so the length GET sends is
        # unknown; its other header edits are known.
        _set_headers(response, edit_headers(headers, None))
        return response
    rewriter = BodyRewriter(policy, target, plan)
    if not response.streaming:
        body = rewriter.feed(response.content) + rewriter.finish()
        response.content = body
        _set_headers(response, edit_headers(headers, len(body)))
    elif response.is_async:
        _set_headers(response, edit_headers(headers, None))
        response.streaming_content = _rewritten_async(
            rewriter, response.streaming_content, target.head
        )
    else:
        _set_headers(response, edit_headers(headers, None))
        response.streaming_content = _rewritten(rewriter, response.streaming_content, target.head)
    return response


def request_host(request: HttpRequest, settings: Settings) -> str | None:
    """The host as Django sees it (``ALLOWED_HOSTS``, ``USE_X_FORWARDED_HOST``).

    A host ``ALLOWED_HOSTS`` refuses counts as no host. ``trust_forwarded_host`` takes
    ``X-Forwarded-Host`` first, as the adapters do.
    """
    if settings.trust_forwarded_host:
        forwarded = request.META.get("HTTP_X_FORWARDED_HOST")
        if forwarded:
            return str(forwarded).split(",", 1)[0].strip()
    try:
        return str(request.get_host())
    except DisallowedHost:
        return None


def _policy() -> Policy:
    try:
        return Policy(current_settings())
    except ConfigError as error:
        raise ImproperlyConfigured(
            f"icp-footer: settings.{SETTING} or the ICP_FOOTER_* environment variables:\n{error}"
        ) from error


def _set_headers(response: HttpResponseBase, headers: list[tuple[str, str]]) -> None:
    """Make the response's headers ``headers``; a header that stays keeps its place."""
    kept = {name.lower() for name, _ in headers}
    for name, _ in list(response.items()):
        if name.lower() not in kept:
            del response.headers[name]
    for name, value in headers:
        response.headers[name] = value


def _rewritten(rewriter: BodyRewriter, chunks: Iterable[bytes], head: bool) -> Iterator[bytes]:
    """The rewritten stream; for HEAD (``head``), an empty one stays empty."""
    empty = True
    try:
        for chunk in chunks:
            empty = empty and not chunk
            out = rewriter.feed(chunk)
            if out or not chunk:  # an empty chunk the app sends goes on: it paces the stream
                yield out
    except Exception:
        # The body is cut short: what we hold goes out first, as it would have without us.
        held = rewriter.abandon()
        if held:
            yield held
        raise
    tail = b"" if head and empty else rewriter.finish()
    if tail:
        yield tail


async def _rewritten_async(
    rewriter: BodyRewriter, chunks: AsyncIterable[bytes], head: bool
) -> AsyncIterator[bytes]:
    """:func:`_rewritten` for an async iterator."""
    empty = True
    try:
        async for chunk in chunks:
            empty = empty and not chunk
            out = rewriter.feed(chunk)
            if out or not chunk:
                yield out
    except Exception:
        held = rewriter.abandon()
        if held:
            yield held
        raise
    tail = b"" if head and empty else rewriter.finish()
    if tail:
        yield tail
