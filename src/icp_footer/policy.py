"""The two questions both adapters ask, answered in one place.

1. Before calling the app: may this request's response be touched, and which site is it?
2. When the response starts: may this response be rewritten, and how?

The adapters stay protocol plumbing; everything they decide comes from here, and so do their
settings (:func:`load_settings`: the keyword arguments they take, with errors that name them).
"""

from __future__ import annotations

import difflib
import inspect
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from icp_footer._i18n import _
from icp_footer.config import (
    _OVERRIDES,
    ICP_URL,
    PSB_URL,
    ConfigError,
    Settings,
    Site,
    display_name,
    load,
    normalise_host,
)
from icp_footer.numbers import ICP_EXAMPLE, PSB_EXAMPLE
from icp_footer.render import (
    FooterStyle,
    already_shown_patterns,
    banner_html,
    encode,
    footer_html,
    page_style_nonce,
    style_policy,
)

__all__ = ["KEYWORDS", "Plan", "Policy", "Target", "edit_headers", "load_settings", "markup"]

log = logging.getLogger("icp_footer")

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CACHE_SIZE = 256
_WARNED_SIZE = 1024
"""Hosts remembered as already reported; the oldest is forgotten first."""
_WARN_LIMIT = 20
"""New-host warnings per minute; the rest are counted in one summary line."""
_LOGGED_HOST_LENGTH = 100
# A valid host name standing in for the host in the banner's cached bytes: hosts come
# and go by the thousand, the banner's markup does not.
_HOST_MARK = "icp-footer-host-mark.invalid"
_NONCE_MARK = "icpFooterNonceMark0"
_NONCE = re.compile(r"[A-Za-z0-9+/=_-]+")
# The banner's root start tag, in every styling mode: a page that already shows the banner
# (through a template helper) does not get a second one.
_BANNER_SHOWN = '<div class="icp-footer-banner"'


@dataclass(frozen=True, slots=True)
class Target:
    """A request whose response may get the footer (or the banner)."""

    host: str
    """The host as pages and logs may show it (see ``display_host``); ``""`` if not valid."""
    site: Site | None
    """What the host shows; ``None`` means no number applies: the banner."""
    head: bool = False
    """A HEAD request: handled as its GET, but an empty body (HEAD's usual) gets nothing."""


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
        import brotli  # noqa: PLC0415
    except ImportError:
        pass
    else:
        # Decoding with a bound on the output per step needs brotli 1.2.
        if hasattr(brotli.Decompressor, "can_accept_more_data"):
            names.add("br")
    return frozenset(names)


class Policy:
    """Decisions for one middleware instance; holds no per-request state.

    Safe to share between threads. ``clock`` (seconds, monotonic) times the warning cap.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.encodings = _supported_encodings()
        self._clock = clock
        self._lock = threading.Lock()  # guards the snippet cache and the warning state
        self._snippets: OrderedDict[tuple[object, ...], tuple[bytes, tuple[bytes, ...]]] = (
            OrderedDict()
        )
        self._warned: OrderedDict[str, None] = OrderedDict()
        self._window_end = float("-inf")
        self._warnings_left = _WARN_LIMIT
        self._unwarned = 0

    # -- 1. the request -------------------------------------------------------------------

    def request(self, method: str, path: str, host: str | None) -> Target | None:
        """Decide from the request alone; ``None`` means pass everything through untouched."""
        if self._unwarned and self._clock() >= self._window_end:
            self._may_warn(None)  # the summary of the window that just ended
        settings = self.settings
        if method not in ("GET", "HEAD") or not settings.is_home(path):
            return None
        head = method == "HEAD"
        name = normalise_host(host) if host else None
        site = settings.site_for_name(name)
        if site is not None and site.silenced:
            return None
        shown = display_name(name) if name else ""
        if site is None:
            if settings.missing == "off":
                return None
            if not head:
                self._warn_missing(shown, host)
        return Target(shown, site, head)

    def _warn_missing(self, shown: str, host: str | None) -> None:
        what = repr(shown) if shown else _loggable(host or "")
        if not self._may_warn(what):
            return
        if shown:
            message = _(
                "icp-footer: no ICP number for host {host}; showing the warning banner. Set "
                "ICP_FOOTER_NUMBER, or an ICP_FOOTER_DOMAINS entry (DOMAIN=NUMBER, or "
                "DOMAIN=none to show nothing)"
            )
        else:
            message = _(
                "icp-footer: no ICP number, and the Host header {host} is not a valid host "
                "name; showing the warning banner without it"
            )
        log.warning("%s", message.format(host=what))

    def _may_warn(self, key: str | None) -> bool:
        """True the first time ``key`` is seen, while the minute's allowance lasts.

        A minute starts with the first call after the last one ended; that call also logs
        how many new hosts the last one left unreported. ``None`` only does the latter.
        """
        now = self._clock()
        report = False
        with self._lock:
            unwarned = 0
            if now >= self._window_end:
                unwarned, self._unwarned = self._unwarned, 0
                self._window_end, self._warnings_left = now + 60.0, _WARN_LIMIT
            if key is not None:
                fresh = key not in self._warned
                self._warned[key] = None
                self._warned.move_to_end(key)  # a host seen again is forgotten last
                if len(self._warned) > _WARNED_SIZE:
                    self._warned.popitem(last=False)
                if fresh and self._warnings_left:
                    self._warnings_left -= 1
                    report = True
                elif fresh:
                    self._unwarned += 1
        if unwarned:
            message = _(
                "icp-footer: {count} more hosts without a number (not logged one by one: "
                "at most {limit} a minute)"
            )
            log.warning("%s", message.format(count=unwarned, limit=_WARN_LIMIT))
        return report

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
        site = target.site
        # A banner is cached with the mark for its host (or without one): never per host;
        # and a page's nonce (often new on every response) is a mark too.
        mark = _HOST_MARK if site is None and target.host else ""
        page_nonce = nonce if nonce is not None and _NONCE.fullmatch(nonce) else None
        if page_nonce is not None:
            nonce = _NONCE_MARK
        key = (site, mark, charset, inline, nonce, plan.xhtml)
        with self._lock:
            made = self._snippets.get(key)
            if made is not None:
                self._snippets.move_to_end(key)
        if made is None:  # rendered outside the lock: two threads may both render it
            style = FooterStyle(
                charset=charset, style_nonce=nonce, inline_style=inline, xhtml=plan.xhtml
            )
            html = markup(site, self.settings, mark, style)
            if site is None:
                patterns: tuple[bytes, ...] = (encode(_BANNER_SHOWN, charset),)
            elif site.icp is not None:
                patterns = tuple(already_shown_patterns(site.icp, charset))
            else:
                patterns = ()
            made = (encode(html, charset), patterns)
            with self._lock:
                self._snippets[key] = made
                if len(self._snippets) > _CACHE_SIZE:
                    self._snippets.popitem(last=False)
        if page_nonce is not None:  # base64 characters: nothing to escape, in any charset
            made = (made[0].replace(_NONCE_MARK.encode(), page_nonce.encode()), made[1])
        if mark:  # a shown host has nothing HTML escapes (see display_host)
            return made[0].replace(mark.encode(charset), encode(target.host, charset)), made[1]
        return made


def markup(site: Site | None, settings: Settings, host: str | None, style: FooterStyle) -> str:
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


def _loggable(text: str) -> str:
    """``text`` cut short and quoted, control characters escaped: it cannot forge a line."""
    cut = text[:_LOGGED_HOST_LENGTH]
    return repr(cut) if cut == text else f"{cut!r}... ({len(text)} characters)"


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


# -- the middleware's keyword arguments ---------------------------------------------------------

KEYWORDS: tuple[str, ...] = (
    *_OVERRIDES,
    *(
        name
        for name, parameter in inspect.signature(load).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ),
)
"""The settings keywords of both middlewares: those of :func:`icp_footer.config.load`."""

_KEYWORD_EXAMPLES = {
    "number": f'number="{ICP_EXAMPLE}"',
    "psb": f'psb="{PSB_EXAMPLE}"',
    "domains": f'domains={{"example.cn": "{ICP_EXAMPLE}|{PSB_EXAMPLE}", "example.com": "none"}}',
    "domains_file": 'domains_file="/etc/icp-footer/domains.txt"',
    "paths": 'paths=["/", "/index.html"]',
    "missing": 'missing="banner"',
    "strict": "strict=False",
    "owner": 'owner="© 2026 示例公司 版权所有"',
    "icp_url": f'icp_url="{ICP_URL}"',
    "psb_url": f'psb_url="{PSB_URL}"',
    "lookbehind_limit": "lookbehind_limit=1048576",
    "trust_forwarded_host": "trust_forwarded_host=True",
    "reload_interval": "reload_interval=5",
    "clock": "clock=time.monotonic",
}
_FLAG = ((bool, int, str), "a bool")
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "domains": ((str, Mapping), "a str, or a dict of domain to number"),
    "domains_file": ((str, os.PathLike), "a str or a pathlib.Path"),
    "paths": ((str, list, tuple, AbstractSet), "a str, or a list of str"),
    "strict": _FLAG,
    "trust_forwarded_host": _FLAG,
    "lookbehind_limit": ((int, str), "an int"),
    "reload_interval": ((int, float), "a number of seconds"),
}
_VARIABLE = re.compile(r"ICP_FOOTER_[A-Z_]+")
_KEY_OF = {variable: key for key, variable in _OVERRIDES.items()}
# load() names its own keywords (reload_interval) already, as "reload_interval: ...".
_OWN_KEYWORD = re.compile("|".join(key for key in KEYWORDS if key not in _OVERRIDES) + r"(?=:)")


def load_settings(
    caller: str, environ: Mapping[str, str] | None, keywords: Mapping[str, Any]
) -> Settings:
    """:func:`icp_footer.config.load` for a middleware built as ``caller(app, **keywords)``.

    An unknown keyword raises ``TypeError`` naming it and the closest valid one. A problem
    with a value given as a keyword names the keyword (``caller(number=...)``) and shows a
    keyword as its example; one with a value from the environment names the variable, as
    :func:`~icp_footer.config.load` does. Raises :class:`ConfigError` listing every problem.
    """
    for key in keywords:
        if key not in KEYWORDS:
            raise TypeError(_unknown(caller, key))
    problems: list[str] = []
    usable: dict[str, Any] = {}
    for key, value in keywords.items():
        wrong = _wrong_type(key, value)
        if wrong is None:
            usable[key] = value
        else:
            problems.append(f"{caller}({key}=...): {wrong}. Example: {_KEYWORD_EXAMPLES[key]}")
    given = {key for key, value in usable.items() if value is not None}
    try:
        settings = load(environ, **usable)
    except ConfigError as error:
        problems.extend(_reword(problem, caller, given) for problem in error.problems)
    if problems:
        raise ConfigError(problems)
    return settings


def _unknown(caller: str, key: str) -> str:
    names = ("environ", *KEYWORDS)  # environ is the middleware's own
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{caller}() got an unexpected keyword argument {key!r}.{hint} "
        f"Its keywords: {', '.join(names)}"
    )


def _wrong_type(key: str, value: object) -> str | None:
    """What is wrong with the type of ``value`` for ``key``; ``None`` if nothing."""
    if value is None:
        return None  # not given: the variable applies
    if key == "clock":
        return None if callable(value) else f"{value!r} is not callable"
    types, wanted = _TYPES.get(key, ((str,), "a str"))
    if isinstance(value, bool) and bool not in types:
        types = ()  # True is an int, but no count or number of seconds
    if not isinstance(value, types):
        return f"{type(value).__name__} {value!r} given; give {wanted}"
    if key == "paths" and isinstance(value, list | tuple | AbstractSet):
        odd = [item for item in value if not isinstance(item, str)]
        if odd:
            return f"{type(odd[0]).__name__} {odd[0]!r} in it; give a list of str"
    return None


def _reword(problem: str, caller: str, given: AbstractSet[str]) -> str:
    """``problem`` naming the keyword its value came from, if it came from one."""
    match = _VARIABLE.match(problem) or _OWN_KEYWORD.match(problem)
    if match is None:
        return problem
    key = _KEY_OF.get(match[0], match[0])
    if key not in given:
        return problem
    what, found, example = problem[match.end() :].rpartition(". Example: ")
    if not found:
        what, example = problem[match.end() :], ""

    def mention(variable: re.Match[str]) -> str:
        other = _KEY_OF.get(variable[0])
        if other is None:
            return variable[0]
        return f"{other}=" if other in given else f"{other}= (or {variable[0]})"

    text = f"{caller}({key}=...){_VARIABLE.sub(mention, what)}"
    if not found:
        return text
    if example.startswith(f"{match[0]}="):  # not a domains file line's example
        example = _KEYWORD_EXAMPLES[key]
    return f"{text}. Example: {example}"
