"""The footer as a template helper, for pages that place the number themselves.

``footer_markup(host, settings)`` gives the markup the middleware would insert on a home
page served for ``host``: the footer line, the red banner when the host has no number, or
``""`` for a domain set to ``none``. The framework integrations (the Jinja global, the
Django template tag) wrap it; the middleware then finds the number (or the banner) already
shown and inserts nothing, as long as the helper comes before the end of the site footer.

``install_jinja(templates)`` registers ``icp_footer()`` on a Jinja environment, such as
Starlette's ``Jinja2Templates``; the Flask extension (:mod:`icp_footer.flask`) registers its
own. Jinja is imported only when they are used.

The markup is escaped HTML. Given the page's ``charset``, characters that charset cannot
hold (``⚠`` or ``©`` on a GBK page, every Chinese character on a Latin-1 one) come out as
numeric character references, so that the template engine can encode the page without an
error or a ``?``, and the browser shows exactly the intended text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from icp_footer.config import Settings, Site, display_name, load, normalise_host
from icp_footer.policy import markup
from icp_footer.render import FooterStyle, encode

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

__all__ = ["charset_safe", "footer_markup", "install_jinja", "jinja_global", "request_host"]

_STYLE = FooterStyle(charset="utf-8", style_nonce=None, inline_style=True, xhtml=False)


def footer_markup(host: str | None, settings: Settings, *, charset: str | None = None) -> str:
    """The HTML for ``host`` (a Host header value, port allowed), escaped, as text.

    With ``charset`` (the codec the page is encoded with: ``"gbk"``, ``"shift_jis"``,
    ``"latin-1"``...), what it cannot hold is written as ``&#NNNN;`` (see
    :func:`charset_safe`). Raises :class:`LookupError` for a charset Python does not know.
    """
    name = normalise_host(host) if host else None
    site = settings.site_for_name(name)
    if site is not None:
        name = None  # only the banner names its host: one cached footer for every host
    return _render(
        site,
        name,
        missing=settings.missing,
        owner=settings.owner,
        icp_url=settings.icp_url,
        psb_url=settings.psb_url,
        charset=charset,
    )


# Keyed on what markup() reads of the settings: rendering takes a few hundred microseconds,
# a page may call the helper on every request, and a Settings object is not hashable.
@functools.lru_cache(maxsize=256)
def _render(
    site: Site | None,
    name: str | None,
    *,
    missing: Literal["banner", "off"],
    owner: str | None,
    icp_url: str,
    psb_url: str,
    charset: str | None,
) -> str:
    settings = Settings(missing=missing, owner=owner, icp_url=icp_url, psb_url=psb_url)
    html = markup(site, settings, display_name(name) if name else None, _STYLE)
    return html if charset is None else charset_safe(html, charset)


def charset_safe(html: str, charset: str) -> str:
    """``html`` with each character ``charset`` cannot carry as a numeric reference.

    A character stays when Python's ``charset`` codec writes it to the bytes
    :func:`icp_footer.render.encode` would write, that is, bytes every browser decodes back
    to it; otherwise (not in the charset, or one of the legacy CJK code points on which
    Python and the browsers disagree) it becomes ``&#NNNN;``. ``html`` must be markup, not
    raw text: a reference is only read as one outside ``<script>`` and ``<style>``.
    """
    try:
        "".encode(charset)  # also refuses codecs that are not text encodings (base64...)
    except LookupError:
        raise LookupError(
            f"unknown charset {charset!r} for the ICP footer: give the Python codec the page "
            f'is encoded with, e.g. charset="gbk"'
        ) from None
    if _carried(html, charset):
        return html
    return "".join(c if c.isascii() or _carried(c, charset) else f"&#{ord(c)};" for c in html)


def _carried(text: str, charset: str) -> bool:
    try:
        return text.encode(charset) == encode(text, charset)
    except UnicodeEncodeError:
        return False


# -- the host -------------------------------------------------------------------------------


def request_host(request: Any, settings: Settings) -> str | None:
    """The host a request's footer is for: the one the middleware decides with.

    ``request`` is a WSGI request (an object with an ``environ`` mapping: Flask's, Werkzeug's,
    Django's ``WSGIRequest``), an ASGI one (a ``scope`` mapping: Starlette's, FastAPI's,
    Django's ``ASGIRequest``), or ``None`` (no request: ``None``, which gives the default
    number, or the banner naming no host). As in the middleware, ``X-Forwarded-Host`` is
    used only with ``ICP_FOOTER_TRUST_FORWARDED_HOST=1``.
    """
    environ = getattr(request, "environ", None)
    if isinstance(environ, Mapping):
        return _wsgi_host(environ, settings)
    scope = getattr(request, "scope", None)
    if isinstance(scope, Mapping):
        return _asgi_host(scope, settings)
    if request is None:
        return None
    raise TypeError(
        f"icp_footer() cannot read the host of a {type(request).__name__}: it needs a "
        f"request with a WSGI environ or an ASGI scope (Flask, Starlette, FastAPI, Django)"
    )


# These two follow ICPFooterMiddleware._host in wsgi.py and asgi.py, so the helper and the
# middleware agree on the host even when a server leaves out the Host header.
def _wsgi_host(environ: Mapping[str, Any], settings: Settings) -> str | None:
    if settings.trust_forwarded_host:
        forwarded = environ.get("HTTP_X_FORWARDED_HOST")
        if forwarded:
            return str(forwarded).split(",", 1)[0].strip()
    host = environ.get("HTTP_HOST")
    if host:
        return str(host)
    name = environ.get("SERVER_NAME")
    return f"{name}:{environ.get('SERVER_PORT', '')}" if name else None


def _asgi_host(scope: Mapping[str, Any], settings: Settings) -> str | None:
    host = forwarded = None
    for name, value in scope.get("headers", ()):
        if name == b"host" and host is None:
            host = value.decode("latin-1")
        elif name == b"x-forwarded-host" and forwarded is None:
            forwarded = value.decode("latin-1")
    if forwarded and settings.trust_forwarded_host:
        return str(forwarded).split(",", 1)[0].strip()
    if host:
        return str(host)
    server = scope.get("server")
    if server:
        return f"{server[0]}:{server[1]}" if server[1] is not None else str(server[0])
    return None


# -- Jinja ----------------------------------------------------------------------------------


def jinja_global(
    settings: Settings | None = None, *, charset: str | None = None
) -> Callable[..., Markup]:
    """A Jinja global ``icp_footer(charset=None)`` that takes ``request`` from the context.

    ``settings`` default to :func:`icp_footer.config.load` (the ``ICP_FOOTER_*`` variables,
    read now), which is what the middleware reads too. ``charset`` is the default for the
    template's own ``charset=`` argument. In a macro, import it ``with context`` so that
    ``request`` is there.
    """
    import jinja2  # noqa: PLC0415
    from markupsafe import Markup  # noqa: PLC0415

    chosen = load() if settings is None else settings
    default_charset = charset

    @jinja2.pass_context
    def icp_footer(context: jinja2.runtime.Context, charset: str | None = None) -> Markup:
        request = context.get("request")
        if request is None:
            raise RuntimeError(
                "icp_footer() needs `request` in the template context: render with "
                "templates.TemplateResponse(request, name, context), or import the macro "
                "that calls it `with context`"
            )
        host = request_host(request, chosen)
        return Markup(footer_markup(host, chosen, charset=charset or default_charset))

    return icp_footer


def install_jinja(
    templates: Any,
    settings: Settings | None = None,
    *,
    charset: str | None = None,
    name: str = "icp_footer",
) -> None:
    """Register :func:`jinja_global` as ``name`` on ``templates``.

    ``templates`` is a ``jinja2.Environment`` or anything with one as ``.env`` (Starlette's
    and FastAPI's ``Jinja2Templates``). Templates then call ``{{ icp_footer() }}`` inside the
    site footer.
    """
    env: jinja2.Environment | None = getattr(templates, "env", templates)
    globals_ = getattr(env, "globals", None)
    if not isinstance(globals_, dict):
        raise TypeError(
            f"install_jinja() takes a jinja2.Environment or a Jinja2Templates, "
            f"not a {type(templates).__name__}"
        )
    globals_[name] = jinja_global(settings, charset=charset)
