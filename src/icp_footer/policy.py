"""The two questions both adapters ask, answered in one place.

1. Before calling the app: may this request's response be touched, and which site is it?
2. When the response starts: may this response be rewritten, and how?

The adapters stay protocol plumbing; everything they decide comes from here.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from icp_footer.config import Settings, Site, normalise_host
from icp_footer.render import (
    FooterStyle,
    already_shown_patterns,
    banner_html,
    encode,
    footer_html,
    page_style_nonce,
    style_policy,
)

__all__ = ["Plan", "Policy", "Target", "edit_headers", "markup"]

log = logging.getLogger("icp_footer")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Target:
    """A request whose response may get the footer (or the banner)."""

    host: str
    """The host as the banner names it (normalised when it is a valid host name)."""
    site: Site | None
    """What the host shows; ``None`` means no number applies: the banner."""
    head: bool = False
    """A HEAD request: only the headers a GET would get are edited; the body is not."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A response that will be rewritten."""

    content_type: str
    csp: str | None
    encoding: str
    """``identity``, ``gzip``, ``deflate`` or ``br``."""
    xhtml: bool


def _supported_encodings() -> frozenset[str]:
    names = {"identity", "gzip", "x-gzip", "deflate"}
    try:
        import brotli  # noqa: F401, PLC0415
    except ImportError:
        pass
    else:
        names.add("br")
    return frozenset(names)


class Policy:
    """Decisions for one middleware instance; holds no per-request state."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.encodings = _supported_encodings()
        self._warned: OrderedDict[str, None] = OrderedDict()
        self._snippets: OrderedDict[tuple[object, ...], tuple[bytes, tuple[bytes, ...]]] = (
            OrderedDict()
        )

    # -- 1. the request -------------------------------------------------------------------

    def request(self, method: str, path: str, host: str | None) -> Target | None:
        """Decide from the request alone; ``None`` means pass everything through untouched."""
        settings = self.settings
        if method not in ("GET", "HEAD") or not settings.is_home(path):
            return None
        head = method == "HEAD"
        site = settings.site_for(host)
        if site is None:
            if settings.missing == "off":
                return None
            name = normalise_host(host) if host else None
            shown = name or (host or "(no host)")
            if not head:
                self._warn_once(shown)
            return Target(shown, None, head)
        if site.silenced:
            return None
        return Target(site.domain or host or "", site, head)

    def _warn_once(self, host: str) -> None:
        # Bounded: a stream of made-up Host headers must not grow memory.
        if host in self._warned:
            return
        self._warned[host] = None
        if len(self._warned) > 1024:
            self._warned.popitem(last=False)
        log.warning(
            "icp-footer: no ICP number for host %r; showing the warning banner. Set "
            'ICP_FOOTER_DOMAINS="%s=京ICP备XXXXXXXX号-1" (or ICP_FOOTER_NUMBER), '
            'or "%s=none" to show nothing.',
            host,
            host,
            host,
        )

    # -- 2. the response ------------------------------------------------------------------

    def response(self, status: int, headers: Iterable[tuple[str, str]]) -> Plan | None:
        """Decide when the response starts; ``None`` means pass it through untouched."""
        if status != 200:
            return None
        content_type = csp = None
        csp_parts: list[str] = []
        encoding = "identity"
        for name, value in headers:
            key = name.lower()
            if key == "content-type":
                content_type = value
            elif key == "content-disposition":
                if value.split(";", 1)[0].strip().lower() == "attachment":
                    return None
            elif key == "content-range":
                return None
            elif key == "content-encoding":
                encoding = value.strip().lower() or "identity"
            elif key == "content-security-policy":
                csp_parts.append(value)
        if content_type is None:
            return None
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in HTML_TYPES:
            return None
        if encoding not in self.encodings:
            return None
        if csp_parts:
            csp = ", ".join(csp_parts)
        return Plan(
            content_type=content_type,
            csp=csp,
            encoding="gzip" if encoding == "x-gzip" else encoding,
            xhtml=media == "application/xhtml+xml",
        )

    def snippet(
        self, target: Target, plan: Plan, charset: str, head: bytes
    ) -> tuple[bytes, tuple[bytes, ...]]:
        """The snippet bytes in the page's charset, and the "already shown" patterns."""
        inline, nonce = style_policy(plan.csp)
        if not inline and nonce is None and plan.csp is not None:
            nonce = page_style_nonce(head)
        key = (
            target.site,
            target.host if target.site is None else "",
            charset,
            inline,
            nonce,
            plan.xhtml,
        )
        cached = self._snippets.get(key)
        if cached is not None:
            self._snippets.move_to_end(key)
            return cached
        style = FooterStyle(
            charset=charset, style_nonce=nonce, inline_style=inline, xhtml=plan.xhtml
        )
        site = target.site
        html = markup(site, self.settings, target.host, style)
        patterns = tuple(already_shown_patterns(site.icp, charset)) if site and site.icp else ()
        made = (encode(html, charset), patterns)
        self._snippets[key] = made
        if len(self._snippets) > _CACHE_SIZE:
            self._snippets.popitem(last=False)
        return made


def markup(site: Site | None, settings: Settings, host: str, style: FooterStyle) -> str:
    """The HTML a home page on ``host`` gets: the footer, the banner, or nothing ("")."""
    if site is None:
        return banner_html(host, style=style) if settings.missing == "banner" else ""
    if site.silenced:
        return ""
    return footer_html(
        site.icp,
        site.psb,
        owner=settings.owner,
        icp_url=settings.icp_url,
        psb_url=settings.psb_url,
        style=style,
    )


def edit_headers(headers: Sequence[tuple[str, str]], length: int | None) -> list[tuple[str, str]]:
    """The response headers after a rewrite.

    Content-Length becomes ``length`` (the body came in one piece) or goes (it streams);
    a strong ETag is weakened; Content-MD5 goes. Everything else stays, duplicates such as
    Set-Cookie included, in order.
    """
    edited: list[tuple[str, str]] = []
    for name, value in headers:
        key = name.lower()
        if key == "content-length":
            if length is not None:
                edited.append((name, str(length)))
            continue
        if key == "content-md5":
            continue
        if key == "etag" and not value.lstrip().startswith("W/"):
            edited.append((name, "W/" + value.strip()))
            continue
        edited.append((name, value))
    return edited
