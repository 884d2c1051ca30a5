"""Judge what a visitor actually sees: each home page rendered in headless Chromium.

``icp-footer check`` reads a page's markup; this module opens it in a browser (Playwright
driving a Chromium that is already installed) at two viewports, a desktop and a phone, and
measures each ICP and PSB number as it is drawn:

visible
    a non-zero box; neither it nor an ancestor ``display:none``, ``visibility:hidden`` or
    ``opacity:0``; not clipped away by an ``overflow:hidden`` ancestor; not covered by
    another element at its centre (``elementFromPoint``, with the number scrolled as far
    into the middle of the window as the page scrolls);
readable
    a font of at least 12 px, and a WCAG contrast ratio of at least 3:1 between the text
    colour and the background behind it (the ancestors' backgrounds and opacities,
    composited over the canvas);
where it sits
    its line centred on the page (within 2 % of the width, at least 8 px), and nothing
    visible below it (fixed boxes aside), with the distances;
linked
    a click at its centre follows a link to ``https://beian.miit.gov.cn/`` (PSB numbers: the
    MPS search page with their own code), judged as ``icp-footer check`` judges links;
the badge
    for a PSB number, the image beside it has loaded (``naturalWidth > 0``).

Not visible, or a missing or wrong link, makes a page not compliant; a small font, low
contrast, a line off centre, content below the number and a badge that did not load are
warnings. The markup findings of :func:`icp_footer.audit.audit_html`, run on the DOM the
browser built, are kept for what the browser does not measure (a malformed number, an
expected number missing, the missing-number banner).

Entry points: :func:`render_check` (async, URLs), :func:`check_app_rendered` (sync, an
in-process WSGI or ASGI app served on 127.0.0.1 for the browser), :func:`check_command`
(what ``icp-footer check --render`` runs), :func:`format_render_report` and
:func:`render_report_json`.

Needs the ``render`` extra (``pip install "icp-footer[render]"``: Playwright, and the
``audit`` extra) and a Chromium: ``ICP_FOOTER_CHROMIUM``, else the system's (``chromium``,
``chromium-browser``, ``google-chrome``), else Playwright's own if it was downloaded.
"""

from __future__ import annotations

import asyncio
import bisect
import concurrent.futures
import contextlib
import dataclasses
import functools
import importlib.resources
import ipaddress
import json
import math
import os
import re
import shutil
import string
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from icp_footer._i18n import N_, _
from icp_footer.audit import (
    Finding,
    _icp_link_problem,
    _psb_link_problem,
    audit_html,
    is_asgi,
)
from icp_footer.numbers import Kind, normalise, parse_psb, recognise_icp, recognise_psb

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Playwright

__all__ = [
    "DESKTOP",
    "MIN_CONTRAST",
    "MIN_FONT_PX",
    "PHONE",
    "VIEWPORTS",
    "Badge",
    "RenderReport",
    "RenderUnavailableError",
    "Sighting",
    "Viewport",
    "ViewportReport",
    "check_app_rendered",
    "check_command",
    "contrast_ratio",
    "find_chromium",
    "format_render_report",
    "render_check",
    "render_report_json",
    "serve_app",
]

MIN_FONT_PX = 12.0
"""Smaller text is a warning."""
MIN_CONTRAST = 3.0
"""A lower WCAG contrast ratio is a warning."""
CENTRE_SHARE = 0.02
"""A line whose centre is further than this share of the page width from the page's
centre (and at least :data:`CENTRE_MIN_PX`) is not centred."""
CENTRE_MIN_PX = 8.0
BOTTOM_TOLERANCE_PX = 4.0
"""Visible content reaching less than this far below a number does not count."""
NAVIGATION_TIMEOUT_S = 30.0
LOAD_WAIT_S = 10.0
"""How long to wait for the ``load`` event after the document arrived; a page that has not
loaded by then (a hung third-party script) is judged as it is, with a note."""
JUDGE_TIMEOUT_S = 60.0
"""How long finding, measuring and photographing the numbers of one loaded page may take."""

_INSTALL_RENDER = 'pip install "icp-footer[render]"'
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_OUTLINE = "#e8110f"
_SHOT_PAD = 16.0


class RenderUnavailableError(RuntimeError):
    """Playwright or a Chromium is missing; the message says how to get it."""


# -- viewports ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Viewport:
    """A window size the pages are rendered at."""

    name: str
    width: int
    height: int
    mobile: bool = False
    """``is_mobile``: the meta viewport is honoured; with :attr:`touch`, a phone."""
    touch: bool = False
    scale: float = 1.0
    """Device pixels per CSS pixel (screenshots are taken in device pixels)."""
    user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{major}.0.0.0 Safari/537.36"
    )
    """``{major}`` becomes the browser's major version."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return _fields(self)


DESKTOP = Viewport("desktop", 1280, 800)
PHONE = Viewport(
    "phone",
    375,
    812,
    mobile=True,
    touch=True,
    scale=2.0,
    user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/{major}.0.0.0 Mobile Safari/537.36",
)
VIEWPORTS = (DESKTOP, PHONE)


# -- reports --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Badge:
    """The PSB badge next to a PSB number, as the browser drew it."""

    found: bool
    kind: Literal["img", "svg", "css"] | None = None
    """An ``<img>``, an inline ``<svg>``, or a CSS background image."""
    src: str | None = None
    """Its address (a long ``data:`` URI cut short)."""
    loaded: bool | None = None
    """``naturalWidth > 0`` (an inline SVG is always loaded)."""
    natural_width: int | None = None
    width: float | None = None
    height: float | None = None
    element: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return _fields(self)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One number at one viewport (the best of its occurrences), with every figure."""

    text: str
    """Verbatim, as on the page."""
    kind: Literal["ICP", "PSB"]
    visible: bool
    hidden_by: str | None
    """Why it is not visible, when it is not."""
    box: Mapping[str, float] | None
    """``left``, ``top`` (document coordinates), ``width``, ``height`` in CSS px."""
    covered_by: str | None
    clipped_by: str | None
    shown_fraction: float
    """The share of its box that the window and its ancestors let show."""
    font_size: float | None
    colour: str | None
    """The text colour, ``#rrggbb`` after compositing."""
    background: str | None
    """The effective background behind it, ``#rrggbb``."""
    contrast: float | None
    background_image: bool
    """A background image lies behind it: the ratio counts the background colours only."""
    centre_offset: float | None
    """Its line's centre minus the page's centre, px (negative: left of centre)."""
    centred: bool | None
    below: float
    """How far other visible content reaches below its bottom edge, px (0: at the bottom)."""
    below_what: str | None
    to_end: float | None
    """From its bottom edge to the end of the page, px."""
    at_bottom: bool | None
    link: str | None
    """What a click at its centre follows (for a number that is not visible: its own link)."""
    linked: bool
    """Whether :attr:`link` is the right address."""
    badge: Badge | None
    occurrences: int
    findings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        """No error finding."""
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return _fields(self)


@dataclass(frozen=True, slots=True)
class ViewportReport:
    """One page at one viewport."""

    viewport: Viewport
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    """Why the page could not be judged (unreachable, not 2xx, not HTML)."""
    numbers: tuple[Sighting, ...] = ()
    findings: tuple[Finding, ...] = ()
    """Findings about the page at this viewport that concern no measured number."""
    page_width: float | None = None
    page_height: float | None = None
    screenshot: str | None = None
    screenshot_area: Mapping[str, float] | None = None
    """What the screenshot shows: ``left``, ``top``, ``width``, ``height`` in page CSS px."""

    @property
    def ok(self) -> bool:
        """Judged, and no error finding."""
        return (
            self.error is None
            and all(n.ok for n in self.numbers)
            and not any(f.severity == "error" for f in self.findings)
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return _fields(self)


@dataclass(frozen=True, slots=True)
class RenderReport:
    """One page at every viewport; :attr:`ok` when it is compliant at all of them."""

    url: str
    viewports: tuple[ViewportReport, ...] = ()
    findings: tuple[Finding, ...] = ()
    """Findings every viewport shares (about the markup, mostly)."""

    @property
    def error(self) -> str | None:
        """Why the page could not be judged at some viewport, if it could not."""
        errors = list(dict.fromkeys(v.error for v in self.viewports if v.error is not None))
        return "; ".join(errors) if errors else None

    @property
    def ok(self) -> bool:
        """Judged at every viewport, with no error finding."""
        return all(v.ok for v in self.viewports) and not any(
            f.severity == "error" for f in self.findings
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``icp-footer check --render --json`` prints)."""
        return _fields(self)


def _fields(report: Any) -> dict[str, Any]:
    """A report dataclass as JSON-ready values: its ``ok`` and ``error``, then its fields."""
    plain = {
        name: getattr(report, name)
        for name in ("ok", "error")
        if isinstance(getattr(type(report), name, None), property)
    }
    for item in dataclasses.fields(report):
        plain[item.name] = _plain(getattr(report, item.name))
    return plain


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _short(src: str | None, limit: int = 200) -> str | None:
    """A ``data:`` URI cut short: the JSON is for reading."""
    if src is None or len(src) <= limit:
        return src
    return src[:limit] + f"... ({len(src)} characters)"


# -- colours --------------------------------------------------------------------------------

RGBA = tuple[float, float, float, float]


def _premultiply(colour: Sequence[float], factor: float = 1.0) -> RGBA:
    a = float(colour[3]) * factor
    return float(colour[0]) * a, float(colour[1]) * a, float(colour[2]) * a, a


def _over(top: RGBA, below: RGBA) -> RGBA:
    """Source-over compositing of premultiplied colours."""
    rest = 1.0 - top[3]
    return (
        top[0] + below[0] * rest,
        top[1] + below[1] * rest,
        top[2] + below[2] * rest,
        top[3] + below[3] * rest,
    )


def _luminance(rgb: Sequence[float]) -> float:
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: Sequence[float], background: Sequence[float]) -> float:
    """The WCAG 2 contrast ratio of two opaque sRGB colours (``r, g, b`` in 0-255)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _composite(
    text: Sequence[float] | None, layers: Sequence[Mapping[str, Any]], canvas: Sequence[float]
) -> RGBA:
    """The opaque colour of a pixel of ``text`` (or, with None, beside it).

    ``layers`` go from the text's element outwards: each element's content (what is inside
    so far) is drawn over its own background, then faded by its opacity.
    """
    pixel: RGBA = _premultiply(text) if text is not None else (0.0, 0.0, 0.0, 0.0)
    for layer in layers:
        pixel = _over(pixel, _premultiply(layer["background"]))
        opacity = float(layer["opacity"])
        pixel = (pixel[0] * opacity, pixel[1] * opacity, pixel[2] * opacity, pixel[3] * opacity)
    base = _over(_premultiply(canvas), (255.0, 255.0, 255.0, 1.0))  # the window is white
    return _over(pixel, base)


def _hex(colour: Sequence[float]) -> str:
    return "#" + "".join(f"{round(min(max(float(c), 0), 255)):02x}" for c in colour[:3])


# -- Chromium -------------------------------------------------------------------------------


def find_chromium(playwright: Playwright | None = None) -> str:
    """The Chromium to drive: ``ICP_FOOTER_CHROMIUM``, the system's, else Playwright's own.

    Raises :class:`RenderUnavailableError` saying how to get one when none is found.
    """
    named = os.environ.get("ICP_FOOTER_CHROMIUM")
    if named:
        path = shutil.which(named)
        if path is None:
            raise RenderUnavailableError(
                _(
                    "ICP_FOOTER_CHROMIUM={named} is not an executable; point it at a Chromium "
                    "or Chrome binary, e.g. ICP_FOOTER_CHROMIUM=/usr/bin/chromium"
                ).format(named=repr(named))
            )
        return path
    for name in _CHROMIUM_NAMES:
        path = shutil.which(name)
        if path is not None:
            return path
    if playwright is not None:
        own = playwright.chromium.executable_path
        if own and os.path.isfile(own):
            return own
    raise RenderUnavailableError(
        _(
            "no Chromium found (looked for ICP_FOOTER_CHROMIUM, {names} on PATH, and "
            "Playwright's own). Install one: apt-get install chromium (Debian, Ubuntu), or "
            "python -m playwright install chromium; or set ICP_FOOTER_CHROMIUM=/path/to/chrome"
        ).format(names=", ".join(_CHROMIUM_NAMES))
    )


def _playwright() -> Any:
    try:
        from playwright.async_api import async_playwright  # noqa: PLC0415 - the render extra
    except ImportError as error:
        raise RenderUnavailableError(
            _("Playwright is not installed ({error}): {install}").format(
                error=error, install=_INSTALL_RENDER
            )
        ) from None
    return async_playwright


@contextlib.asynccontextmanager
async def _browser(extra_args: Sequence[str] = ()) -> Any:
    async with _playwright()() as playwright:
        path = find_chromium(playwright)
        args = [*_CHROMIUM_ARGS, *extra_args]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        browser = await playwright.chromium.launch(executable_path=path, headless=True, args=args)
        try:
            yield browser
        finally:
            await browser.close()


# -- the page's text, and the numbers in it -------------------------------------------------


@functools.cache
def _script() -> str:
    """The in-page half (``visual.js``, package data)."""
    return importlib.resources.files("icp_footer").joinpath("visual.js").read_text("utf-8")


@dataclass(frozen=True, slots=True)
class _Target:
    text: str
    kind: Literal["ICP", "PSB"]
    form: Kind
    """``filing``, ``licence``, ``telecom`` or ``psb`` (what the link must be)."""
    standard: str
    """The number as on the filing record: occurrences are grouped by it."""
    start: tuple[int, int]
    """(text node index, UTF-16 offset): where the browser's Range starts."""
    end: tuple[int, int]

    @property
    def node(self) -> int:
        return self.start[0]


class _Text:
    """The page's text nodes joined as the browser lays them out (blocks on new lines)."""

    def __init__(self, texts: Sequence[str], separators: Sequence[str]) -> None:
        parts: list[str] = []
        self.starts: list[int] = []
        self.texts = list(texts)
        length = 0
        for text, separator in zip(texts, separators, strict=True):
            parts.append(separator)
            length += len(separator)
            self.starts.append(length)
            parts.append(text)
            length += len(text)
        self.text = "".join(parts)

    def _point(self, offset: int, *, end: bool) -> tuple[int, int]:
        index = max(bisect.bisect_right(self.starts, offset - 1 if end else offset) - 1, 0)
        local = min(max(offset - self.starts[index], 0), len(self.texts[index]))
        # JavaScript counts UTF-16 code units; an emoji before the number is two of them.
        return index, len(self.texts[index][:local].encode("utf-16-le")) // 2

    def targets(self) -> list[_Target]:
        """Every occurrence of every well-formed ICP and PSB number, found as the markup
        audit finds them (:func:`~icp_footer.numbers.recognise_icp`); malformed ones are
        the audit's to report."""
        found: list[_Target] = []
        for kind, recognise in (("ICP", recognise_icp), ("PSB", recognise_psb)):
            for number in recognise(self.text):
                if number.kind is None or number.standard is None:
                    continue
                found.append(
                    _Target(
                        number.text,
                        kind,  # type: ignore[arg-type]
                        number.kind,
                        number.standard,
                        self._point(number.start, end=False),
                        self._point(number.end, end=True),
                    )
                )
        return found


# -- judging one number ---------------------------------------------------------------------


def _tolerance(width: float) -> float:
    return max(CENTRE_MIN_PX, CENTRE_SHARE * width)


def _hiding(seen: Mapping[str, Any]) -> str | None:
    if seen["hidden_by"]:
        return str(seen["hidden_by"])
    if seen["box"] is None:
        return _("it has no size on the page (an empty box, font-size 0, or not laid out)")
    if seen["clipped_by"]:
        shown = round(100 * float(seen["shown_fraction"]))
        return _("clipped by {element} (overflow hidden): {shown}% of it shows").format(
            element=seen["clipped_by"], shown=shown
        )
    if seen["off_screen"]:
        return _("it lies outside the page, where no scrolling reaches")
    if seen["covered_by"]:
        return _("covered by {element} at its centre").format(element=seen["covered_by"])
    return None


def _hiding_fix(seen: Mapping[str, Any], text: str) -> str:
    hidden = str(seen["hidden_by"] or "")
    if hidden.startswith("display:none"):
        where = hidden.removeprefix("display:none on ")
        return _("show {element} at this width too (look for a media query that hides it)").format(
            element=where
        )
    if hidden:
        return _("remove {rule}").format(rule=hidden)
    if seen["box"] is None:
        return _("give {number} a visible size").format(number=text)
    if seen["clipped_by"]:
        return _("let {element} grow with its content (or drop overflow:hidden)").format(
            element=seen["clipped_by"]
        )
    if seen["covered_by"]:
        return _(
            "keep {element} off the number: leave room for it below the footer "
            "(padding-bottom as tall as it) or let visitors close it"
        ).format(element=seen["covered_by"])
    return _("move {number} onto the page").format(number=text)


def _link_problem(target: _Target, link: str | None) -> Finding | None:
    """The markup audit's judgement of a link target, applied to what a click follows."""
    if target.kind == "ICP":
        return _icp_link_problem(target.text, link, target.form)
    return _psb_link_problem(target.text, parse_psb(target.standard).code, link)


def _badge(data: Mapping[str, Any] | None) -> Badge | None:
    if data is None:
        return None
    if not data.get("found"):
        return Badge(found=False)
    return Badge(
        found=True,
        kind=data["kind"],
        src=_short(data.get("src")),
        loaded=data.get("loaded"),
        natural_width=data.get("natural_width"),
        width=data.get("width"),
        height=data.get("height"),
        element=data.get("element"),
    )


def _colours(seen: Mapping[str, Any]) -> tuple[str | None, str | None, float | None, bool]:
    """The text colour and the background as drawn, their contrast ratio, and whether a
    background image lies behind."""
    if seen["layers"] is None or seen["colour"] is None:
        return None, None, None, False
    layers = seen["layers"]
    front = _composite(seen["colour"], layers["layers"], layers["canvas"])
    behind = _composite(None, layers["layers"], layers["canvas"])
    image = bool(layers["canvasImage"]) or any(layer["image"] for layer in layers["layers"])
    return _hex(front), _hex(behind), round(contrast_ratio(front, behind), 2), image


def _badge_findings(text: str, badge: Badge) -> list[Finding]:
    if not badge.found:
        return [
            Finding(
                "warning",
                _("no badge image next to {number}").format(number=text),
                _("put the PSB badge <img> just before {number}, inside its link").format(
                    number=text
                ),
                text,
            )
        ]
    if not badge.loaded:
        return [
            Finding(
                "warning",
                _("the badge next to {number} did not load ({src})").format(
                    number=text, src=_short(badge.src, 80)
                ),
                _("serve the badge image from your own site (or inline it as a data: URI)"),
                text,
            )
        ]
    if badge.kind != "css" and not (badge.width and badge.height):
        return [
            Finding(
                "warning",
                _("the badge next to {number} is not shown (it has no size)").format(number=text),
                _("give the badge image a size, e.g. 16px by 16px"),
                text,
            )
        ]
    return []


def _judge(target: _Target, seen: Mapping[str, Any], page_width: float) -> Sighting:
    """Figures and findings for one occurrence of a number."""
    text = target.text
    findings: list[Finding] = []
    hiding = _hiding(seen)
    visible = hiding is None
    if not visible:
        findings.append(
            Finding(
                "error",
                _("{number} is not visible: {why}").format(number=text, why=hiding),
                _hiding_fix(seen, text),
                text,
            )
        )
    link = seen["link"] if visible else seen["own_link"]
    problem = _link_problem(target, link)
    if problem is not None:
        if visible and link != seen["own_link"]:
            problem = replace(
                problem,
                message=_("{message} (what a click at its centre meets)").format(
                    message=problem.message
                ),
            )
        findings.append(problem)

    font = seen["font_size"]
    if visible and font is not None and font < MIN_FONT_PX:
        findings.append(
            Finding(
                "warning",
                _("{number} is set in {size:g}px type, smaller than {minimum:g}px").format(
                    number=text, size=font, minimum=MIN_FONT_PX
                ),
                _("give {number} font-size: {minimum:g}px or more").format(
                    number=text, minimum=MIN_FONT_PX
                ),
                text,
            )
        )

    colour, background, ratio, image = _colours(seen)
    if visible and ratio is not None and ratio < MIN_CONTRAST:
        message = _(
            "{number} has a contrast ratio of {ratio:.2f}:1 ({colour} on {background}), "
            "below {minimum:g}:1"
        ).format(
            number=text, ratio=ratio, colour=colour, background=background, minimum=MIN_CONTRAST
        )
        if image:
            message = _(
                "{message} (a background image is behind it; its colours are not counted)"
            ).format(message=message)
        findings.append(
            Finding(
                "warning",
                message,
                _(
                    "darken the text of {number} or lighten what is behind it "
                    "(or the other way round) to at least {minimum:g}:1"
                ).format(number=text, minimum=MIN_CONTRAST),
                text,
            )
        )

    offset = centred = None
    if seen["line"] is not None:
        offset = round(float(seen["line"]["centre_offset"]), 1)
        tolerance = _tolerance(page_width)
        centred = abs(offset) <= tolerance
        if visible and not centred:
            side = (
                _(
                    "{number} is not centred: its line's centre is {offset:.0f}px left of "
                    "the page's centre (tolerance {tolerance:.0f}px)"
                )
                if offset < 0
                else _(
                    "{number} is not centred: its line's centre is {offset:.0f}px right of "
                    "the page's centre (tolerance {tolerance:.0f}px)"
                )
            )
            findings.append(
                Finding(
                    "warning",
                    side.format(number=text, offset=abs(offset), tolerance=tolerance),
                    _(
                        "centre the line that holds {number} "
                        "(text-align: center on the page footer)"
                    ).format(number=text),
                    text,
                )
            )
    below = round(float(seen["below"]), 1)
    at_bottom = below <= BOTTOM_TOLERANCE_PX if seen["box"] is not None else None
    if visible and at_bottom is False:
        findings.append(
            Finding(
                "warning",
                _("{number} is not at the bottom: {element} reaches {below:.0f}px below it").format(
                    number=text, element=repr(seen["below_what"]), below=below
                ),
                _("make {number} the last line of the page (the bottom of the page footer)").format(
                    number=text
                ),
                text,
            )
        )

    badge = _badge(seen["badge"]) if target.kind == "PSB" else None
    if badge is not None and visible:
        findings += _badge_findings(text, badge)

    box = seen["box"]
    to_end = seen["to_end"]
    return Sighting(
        text=text,
        kind=target.kind,
        visible=visible,
        hidden_by=hiding,
        box={k: round(float(v), 1) for k, v in box.items()} if box is not None else None,
        covered_by=seen["covered_by"],
        clipped_by=seen["clipped_by"],
        shown_fraction=round(float(seen["shown_fraction"]), 3),
        font_size=font,
        colour=colour,
        background=background,
        contrast=ratio,
        background_image=image,
        centre_offset=offset,
        centred=centred,
        below=below,
        below_what=seen["below_what"],
        to_end=round(float(to_end), 1) if to_end is not None else None,
        at_bottom=at_bottom,
        link=link,
        linked=link is not None and problem is None,
        badge=badge,
        occurrences=1,
        findings=tuple(findings),
    )


def _rank(sighting: Sighting) -> tuple[bool, bool, int, bool, bool]:
    errors = sum(f.severity == "error" for f in sighting.findings)
    return (
        sighting.visible,
        sighting.linked,
        -errors,
        bool(sighting.at_bottom),
        bool(sighting.centred),
    )


def _best(judged: Sequence[tuple[_Target, Sighting]]) -> list[tuple[_Target, Sighting]]:
    """One sighting per distinct number (by its standard form): its best occurrence."""
    groups: dict[str, list[tuple[_Target, Sighting]]] = {}
    for pair in judged:
        groups.setdefault(normalise(pair[0].standard), []).append(pair)
    best = []
    for group in groups.values():
        target, sighting = max(group, key=lambda pair: _rank(pair[1]))
        best.append((target, replace(sighting, occurrences=len(group))))
    return best


# -- one page at one viewport ---------------------------------------------------------------


# What the browser measures instead of the markup audit: the audit's findings about a number's
# link, its place in the page and its badge (the link ones come from the same functions that
# judge the browser's links). These are the audit's own messages (``audit.py``), recognised
# in the reader's language: its findings are translated when they are made.
_MEASURED = (
    N_("{number} is not a link to the MIIT filing system"),
    N_("{number} links to {link}: {host} has been dead since 2020 (no redirect)"),
    N_(
        "{number} links to {link} ({why}), not {url}: it works for a visitor, but hosting "
        "providers' checks look for that address"
    ),
    N_("{number} links to {link}, not to the MIIT filing system"),
    N_("{number} is not a link to the MPS filing system"),
    N_("{number} links to the old portal {host}, reported unreachable since 2025"),
    N_("{number} links to {link}, not to the MPS filing system"),
    N_("{number} links to {link}; the filing system is https"),
    N_("{number} links to the MPS site without its code="),
    N_("{number} links to code={linked}, not to its own code {code}"),
    N_("{number} is not inside the site footer, but at the end of the page"),
    N_("{number} is not at the bottom of the page"),
    N_("no badge image next to {number} (a CSS background is not seen here)"),
)
_NO_ICP_IN_TEXT = (
    N_("no ICP number in the page's visible text"),
    N_(
        "no ICP number in the page's visible text; {number} appears only outside the visible "
        "text (a script, a comment, an attribute or a hidden element): visitors and checkers "
        "without JavaScript do not see it"
    ),
)


def _pattern(template: str) -> re.Pattern[str]:
    """``template`` in the reader's language, each ``{field}`` standing for any text."""
    parts = [
        re.escape(literal) + ("(?s:.*?)" if field is not None else "")
        for literal, field, _spec, _conversion in string.Formatter().parse(_(template))
    ]
    return re.compile("".join(parts))


def _says(message: str, templates: Sequence[str]) -> bool:
    """Whether ``message`` is one of ``templates``, filled in and translated."""
    return any(_pattern(template).fullmatch(message) for template in templates)


def _markup_findings(
    findings: Sequence[Finding], best: Sequence[tuple[_Target, Sighting]]
) -> tuple[Finding, ...]:
    """The markup audit's findings, less those the browser measured better.

    For a number the browser measured, its link, placement and badge findings give way to
    the browser's (a standard-form warning, say, stays); "no ICP number in the visible
    text" goes when the browser sees one (an element that CSS shows although its markup
    hides it).
    """
    measured = {normalise(t.text) for t, s in best} | {normalise(t.standard) for t, s in best}
    icp_seen = any(t.kind == "ICP" and s.visible for t, s in best)

    def replaced(f: Finding) -> bool:
        if f.number is None:
            return icp_seen and _says(f.message, _NO_ICP_IN_TEXT)
        return normalise(f.number) in measured and _says(f.message, _MEASURED)

    return tuple(f for f in findings if not replaced(f))


async def _screenshot(
    page: Page, viewport: Viewport, best: Sequence[tuple[_Target, Sighting]], path: Path
) -> dict[str, float]:
    """The footer area, each number outlined, saved as PNG; returns the area (page px)."""
    boxes = [
        {**sighting.box, "target": target.node}
        for target, sighting in best
        if sighting.box is not None
    ]
    area = await page.evaluate(_script(), ["outline", {"boxes": boxes, "colour": _OUTLINE}])
    try:
        width = min(float(viewport.width), float(area["doc_width"]))
        left = max(float(area["left"]) - _SHOT_PAD, 0.0)
        right = min(float(area["right"]) + _SHOT_PAD, float(area["doc_width"]))
        top = max(float(area["top"]) - _SHOT_PAD, 0.0)
        bottom = min(float(area["bottom"]) + _SHOT_PAD, float(area["doc_height"]))
        if right - left > width:  # keep the numbers in the picture
            centre = sum(b["left"] + b["width"] / 2 for b in boxes) / len(boxes) if boxes else 0
            left = min(max(centre - width / 2, left), right - width)
            right = left + width
        if bottom - top > viewport.height:
            lowest = max((b["top"] + b["height"] for b in boxes), default=bottom)
            bottom = min(bottom, lowest + viewport.height / 2)
            top = max(top, bottom - viewport.height)
        # Whole CSS pixels: the picture is then exactly this area.
        left, top = math.floor(left), math.floor(top)
        right = min(math.ceil(right), math.floor(float(area["doc_width"])))
        bottom = min(math.ceil(bottom), math.floor(float(area["doc_height"])))
        # Scroll the area into the window: fixed bars then show where a visitor sees them.
        scrolled = await page.evaluate(
            "([x, y]) => { window.scrollTo({left: x, top: y, behavior: 'instant'});"
            " return [scrollX, scrollY]; }",
            [left, top],
        )
        await page.screenshot(
            path=str(path),
            clip={
                "x": left - float(scrolled[0]),
                "y": top - float(scrolled[1]),
                "width": right - left,
                "height": bottom - top,
            },
            animations="disabled",
            caret="hide",
        )
    finally:
        await page.evaluate(_script(), ["clear", None])
    return {
        "left": round(left, 1),
        "top": round(top, 1),
        "width": round(right - left, 1),
        "height": round(bottom - top, 1),
    }


def _reason(message: str) -> str:
    """Chromium's network error (``net::ERR_...``), else the message's first line."""
    found = re.search(r"net::ERR_[A-Z0-9_]+", message)
    return found[0] if found else (message.splitlines() or ["unknown error"])[0]


async def _open(page: Page, url: str, report: ViewportReport) -> ViewportReport:
    """Load ``url``; the report gets the final URL and status, or why it did not load, and a
    note when the page had not finished loading in time."""
    from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415
    from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415

    try:
        response = await page.goto(
            url, wait_until="domcontentloaded", timeout=NAVIGATION_TIMEOUT_S * 1000
        )
    except PlaywrightTimeout:
        timeout = _("timed out after {seconds:g} s").format(seconds=NAVIGATION_TIMEOUT_S)
        return replace(report, error=timeout)
    except PlaywrightError as error:
        unreachable = _("unreachable: {reason}").format(reason=_reason(error.message))
        return replace(report, error=unreachable)
    if response is None:
        return replace(report, error=_("no response"))
    report = replace(report, final_url=page.url, status=response.status)
    if not 200 <= response.status < 300:
        reason = f" {response.status_text}" if response.status_text else ""
        return replace(report, error=f"HTTP {response.status}{reason}")
    media = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media and media not in _HTML_TYPES:
        return replace(report, error=_("not an HTML page ({media})").format(media=media))
    try:
        await page.wait_for_load_state("load", timeout=LOAD_WAIT_S * 1000)
    except PlaywrightTimeout:
        late = Finding(
            "info",
            _(
                "the page had not finished loading after {seconds:g} s; "
                "it was judged as it was then"
            ).format(seconds=LOAD_WAIT_S),
        )
        report = replace(report, findings=(late,))
    return report


async def _measure(
    page: Page, report: ViewportReport, expect: Sequence[str], shot: Path | None
) -> ViewportReport:
    """Find the numbers in the loaded page, measure and judge them, take the screenshot."""
    collected = await page.evaluate(_script(), ["collect", None])
    markup = audit_html(collected["html"], page.url, expect)
    targets = _Text(collected["texts"], collected["separators"]).targets()
    request = [{"start": t.start, "end": t.end, "psb": t.kind == "PSB"} for t in targets]
    measured = await page.evaluate(_script(), ["measure", {"targets": request}])
    width = float(measured["width"])
    best = _best(
        [
            (target, _judge(target, seen, width))
            for target, seen in zip(targets, measured["results"], strict=True)
        ]
    )
    report = replace(
        report,
        numbers=tuple(sighting for target, sighting in best),
        findings=(*_markup_findings(markup.findings, best), *report.findings),
        page_width=round(float(measured["doc_width"]), 1),
        page_height=round(float(measured["doc_height"]), 1),
    )
    if shot is not None:
        area = await _screenshot(page, report.viewport, best, shot)
        report = replace(report, screenshot=str(shot), screenshot_area=area)
    return report


async def _visit(
    browser: Browser, url: str, viewport: Viewport, expect: Sequence[str], shot: Path | None
) -> ViewportReport:
    """One page at one viewport, in a fresh browser context: a first-time visitor."""
    from playwright.async_api import Error as PlaywrightError  # noqa: PLC0415

    context = await browser.new_context(
        viewport={"width": viewport.width, "height": viewport.height},
        screen={"width": viewport.width, "height": viewport.height},
        device_scale_factor=viewport.scale,
        is_mobile=viewport.mobile,
        has_touch=viewport.touch,
        user_agent=viewport.user_agent.format(major=browser.version.split(".")[0]),
        locale="zh-CN",
    )
    report = ViewportReport(viewport)
    try:
        page = await context.new_page()
        report = await _open(page, url, report)
        if report.error is not None:
            return report
        # A page script that never yields would hold evaluate() for ever.
        async with asyncio.timeout(JUDGE_TIMEOUT_S):
            return await _measure(page, report, expect, shot)
    except TimeoutError:
        late = _("the page did not answer within {seconds:g} s").format(seconds=JUDGE_TIMEOUT_S)
        return replace(report, error=late)
    except PlaywrightError as error:
        failed = _("the browser failed on this page: {reason}").format(
            reason=_reason(error.message)
        )
        return replace(report, error=failed)
    finally:
        await context.close()


# -- many pages -----------------------------------------------------------------------------


def _slug(url: str) -> str:
    parts = urlsplit(url)
    raw = f"{parts.netloc}{parts.path}" + (f"_{parts.query}" if parts.query else "")
    return re.sub(r"[^A-Za-z0-9.-]+", "_", raw).strip("_.")[:80] or "page"


def _shot_names(urls: Sequence[str]) -> list[str]:
    names: list[str] = []
    for url in urls:
        base = name = _slug(url)
        count = 1
        while name in names:
            count += 1
            name = f"{base}-{count}"
        names.append(name)
    return names


def _merge(url: str, views: Sequence[ViewportReport]) -> RenderReport:
    """Findings every judged viewport has go to the page; the rest stay with their viewport."""
    judged = [v for v in views if v.error is None]
    shared = (
        [f for f in judged[0].findings if all(f in v.findings for v in judged[1:])]
        if judged
        else []
    )
    views = [replace(v, findings=tuple(f for f in v.findings if f not in shared)) for v in views]
    return RenderReport(url, tuple(views), tuple(shared))


async def _render(
    urls: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    expect: Sequence[str],
    viewports: Sequence[Viewport],
    screenshot_dir: str | os.PathLike[str] | None,
    concurrency: int,
    progress: Callable[[int, int, RenderReport], None] | None,
    browser_args: Sequence[str] = (),
) -> list[RenderReport]:
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if not viewports:
        raise ValueError("give at least one viewport")
    labels = list(labels) if labels is not None else list(urls)
    names = _shot_names(labels)
    shots = Path(screenshot_dir) if screenshot_dir is not None else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)  # fails here, before any page, if it must
    limit = asyncio.Semaphore(concurrency)
    done = 0
    async with _browser(browser_args) as browser:

        async def one(index: int, viewport: Viewport) -> ViewportReport:
            shot = shots / f"{names[index]}-{viewport.name}.png" if shots is not None else None
            async with limit:
                return await _visit(browser, urls[index], viewport, expect, shot)

        async def page(index: int) -> RenderReport:
            nonlocal done
            views = await asyncio.gather(*(one(index, v) for v in viewports))
            report = _merge(labels[index], views)
            done += 1
            if progress is not None:
                progress(done, len(urls), report)
            return report

        return list(await asyncio.gather(*(page(i) for i in range(len(urls)))))


async def render_check(
    urls: Sequence[str],
    *,
    expect: Sequence[str] = (),
    viewports: Sequence[Viewport] = VIEWPORTS,
    screenshot_dir: str | os.PathLike[str] | None = None,
    concurrency: int = 4,
    progress: Callable[[int, int, RenderReport], None] | None = None,
) -> list[RenderReport]:
    """Render each URL at each viewport and judge its numbers; reports in the order of ``urls``.

    One browser; at most ``concurrency`` pages (a page at one viewport each) open at once;
    ``progress(done, total, report)`` is called as each page finishes at every viewport.
    ``expect`` lists numbers every page must show. With ``screenshot_dir``, one PNG per page
    and viewport (``HOST_PATH-VIEWPORT.png``) of the footer area, numbers outlined.
    Raises :class:`RenderUnavailableError` without Playwright or a Chromium.
    """
    return await _render(
        urls,
        expect=expect,
        viewports=viewports,
        screenshot_dir=screenshot_dir,
        concurrency=concurrency,
        progress=progress,
    )


# -- an in-process app on a real server -----------------------------------------------------

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding"}
    | {"upgrade", "content-length"}
)


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True  # Chromium keeps idle connections open

    def __init__(self, app: Any) -> None:
        super().__init__(("127.0.0.1", 0), _Bridge)
        self.loop: asyncio.AbstractEventLoop | None = None
        if is_asgi(app):
            self.asgi: httpx.ASGITransport | None = httpx.ASGITransport(
                app=app, raise_app_exceptions=False
            )
            self.wsgi: httpx.WSGITransport | None = None
        else:
            self.asgi = None
            self.wsgi = httpx.WSGITransport(app=app, raise_app_exceptions=False)

    def call(self, request: httpx.Request) -> tuple[int, list[tuple[str, str]], bytes]:
        """The app's response to ``request``: status, headers, the body as sent (encoded)."""
        if self.wsgi is not None:
            response = self.wsgi.handle_request(request)
            try:
                body = b"".join(response.iter_raw())
            finally:
                response.close()
            return response.status_code, response.headers.multi_items(), body
        assert self.asgi is not None
        assert self.loop is not None
        asgi = self.asgi

        async def call() -> tuple[int, list[tuple[str, str]], bytes]:
            response = await asgi.handle_async_request(request)
            try:
                body = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
            return response.status_code, response.headers.multi_items(), body

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(NAVIGATION_TIMEOUT_S)


class _Bridge(BaseHTTPRequestHandler):
    """HTTP/1.1 from the browser to the app through httpx's WSGI and ASGI transports."""

    protocol_version = "HTTP/1.1"
    server: _AppServer

    def _forward(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, explain="icp-footer: a Content-Length that is not a number")
            return
        body = self.rfile.read(length) if length > 0 else b""
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        try:
            request = httpx.Request(
                self.command, f"http://{host}{self.path}", headers=headers, content=body
            )
            status, answer, content = self.server.call(request)
        except Exception as error:  # the app's failure must not hang the browser
            self.send_error(502, explain=f"icp-footer: the app failed: {error!r}")
            return
        self.send_response(status)
        for name, value in answer:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _forward  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve an in-process WSGI or ASGI app on 127.0.0.1, a free port, while the block runs.

    Yields the base URL (``http://127.0.0.1:PORT``). The ``Host`` the browser sends reaches
    the app unchanged. ASGI apps run on one event loop in a thread of their own; lifespan
    events are not sent (as with :func:`icp_footer.audit.check_app`). Stops the server, and
    the loop, when the block ends.
    """
    server = _AppServer(app)
    threads: list[threading.Thread] = []
    if server.asgi is not None:
        loop = asyncio.new_event_loop()
        server.loop = loop
        threads.append(threading.Thread(target=loop.run_forever, name="icp-footer-app-loop"))
    threads.append(threading.Thread(target=server.serve_forever, name="icp-footer-app-server"))
    for thread in threads:
        thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        if server.loop is not None:
            server.loop.call_soon_threadsafe(server.loop.stop)
        for thread in threads:
            thread.join(timeout=10)
        if server.loop is not None:
            server.loop.close()


_T = TypeVar("_T")


def _run(make: Callable[[], Awaitable[_T]]) -> _T:
    """Run a coroutine to completion, also from inside a running event loop."""

    async def main() -> _T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _ascii_host(host: str) -> str | None:
    """The host name as Chromium's resolver sees it (IDN in ``xn--`` form); None for an IP
    address or a name no resolver rule can carry."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    try:
        name = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return name if re.fullmatch(r"[a-z0-9._-]+", name.lower()) else None


def check_app_rendered(
    app: Any,
    urls: Sequence[str] = ("/",),
    host: str = "localhost",
    expect: Sequence[str] = (),
    *,
    viewports: Sequence[Viewport] = VIEWPORTS,
    screenshot_dir: str | os.PathLike[str] | None = None,
    concurrency: int = 4,
    progress: Callable[[int, int, RenderReport], None] | None = None,
) -> list[RenderReport]:
    """Render pages of an in-process WSGI or ASGI app in Chromium and judge them (sync).

    The app is served on 127.0.0.1 (:func:`serve_app`) while the check runs. ``urls`` are
    paths (sent to ``host``) or full URLs: the browser is told that their host names live on
    that server, so it sends the URL's host as ``Host`` and the app answers as it would
    answer that domain's visitors (``https`` URLs are fetched over plain http). The reports
    keep the URLs as given. The rest is as for :func:`render_check`.
    """
    wanted = [urljoin(f"http://{host}/", url) for url in urls]
    with serve_app(app) as base:
        port = urlsplit(base).port
        rules: dict[str, str] = {}
        visited: list[str] = []
        for url in wanted:
            parts = urlsplit(url)
            name = _ascii_host(parts.hostname or host)
            if name is None:  # an address: the resolver is not asked, so go there directly
                visited.append(urlunsplit(("http", f"127.0.0.1:{port}", *parts[2:])))
                continue
            rules[name] = f"MAP {name} 127.0.0.1:{port}"
            visited.append(urlunsplit(("http", *parts[1:])))
        args = [f"--host-resolver-rules={', '.join(rules.values())}"] if rules else []
        return _run(
            lambda: _render(
                visited,
                labels=wanted,
                expect=expect,
                viewports=viewports,
                screenshot_dir=screenshot_dir,
                concurrency=concurrency,
                progress=progress,
                browser_args=args,
            )
        )


# -- output ---------------------------------------------------------------------------------

_MARKS = {"error": ("✗", "31"), "warning": ("!", "33"), "info": ("i", "2")}


def _paint(enabled: bool) -> Callable[[str, str], str]:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if enabled else text

    return paint


def _facts(sighting: Sighting) -> str:
    if not sighting.visible:
        facts = [_("not visible")]  # why: in its finding
    else:
        facts = [_("visible")]
        if sighting.font_size is not None:
            facts.append(f"{sighting.font_size:g}px")
        if sighting.contrast is not None:
            facts.append(_("contrast {ratio:.2f}:1").format(ratio=sighting.contrast))
        if sighting.centre_offset is not None:
            state = (
                _("centred ({offset:+.0f}px)")
                if sighting.centred
                else _("off centre ({offset:+.0f}px)")
            )
            facts.append(state.format(offset=sighting.centre_offset))
        if sighting.at_bottom and sighting.to_end is not None:
            facts.append(
                _("at the bottom, {distance:.0f}px from the end").format(distance=sighting.to_end)
            )
        elif sighting.at_bottom:
            facts.append(_("at the bottom"))
        else:
            facts.append(_("{distance:.0f}px of content below it").format(distance=sighting.below))
    facts.append(
        _("linked to {link}").format(link=sighting.link) if sighting.link else _("not linked")
    )
    if sighting.badge is not None:
        badge = sighting.badge
        facts.append(
            _("no badge")
            if not badge.found
            else _("badge loaded")
            if badge.loaded
            else _("badge not loaded")
        )
    return _(", ").join(facts)


def _finding_lines(finding: Finding, paint: Callable[[str, str], str], indent: str) -> list[str]:
    symbol, colour = _MARKS[finding.severity]
    lines = [f"{indent}{paint(colour, symbol)} {finding.message}"]
    if finding.fix:
        lines.append(f"{indent}  " + _("fix: {fix}").format(fix=finding.fix))
    return lines


def format_render_report(report: RenderReport, *, colour: bool = False) -> str:
    """One page's block of human-readable output (ANSI colours with ``colour``)."""
    paint = _paint(colour)
    if report.ok:
        lines = [f"{paint('32', '✓')} {report.url}: {paint('32', _('compliant'))}"]
    elif report.error is not None and all(v.error is not None for v in report.viewports):
        error = _("error: {error}").format(error=report.error)
        return f"{paint('31', '✗')} {report.url}: {error}"
    else:
        lines = [f"{paint('31', '✗')} {report.url}: {paint('31', _('not compliant'))}"]
    for finding in report.findings:
        lines += _finding_lines(finding, paint, "  ")
    for view in report.viewports:
        v = view.viewport
        head = f"  {v.name} {v.width}×{v.height}"
        if view.error is not None:
            lines.append(f"{head}: {paint('31', _('error'))}: {view.error}")
            continue
        saved = _(": saved {path}").format(path=view.screenshot) if view.screenshot else ""
        lines.append(head + saved)
        for sighting in view.numbers:
            mark = paint("32", "✓") if sighting.ok else paint("31", "✗")
            facts = _("{number}: {details}").format(number=sighting.text, details=_facts(sighting))
            lines.append(f"    {mark} {sighting.kind} {facts}")
            for finding in sighting.findings:
                lines += _finding_lines(finding, paint, "        ")
        for finding in view.findings:
            lines += _finding_lines(finding, paint, "    ")
    return "\n".join(lines)


def render_report_json(reports: Sequence[RenderReport]) -> str:
    """The reports as a JSON array, every figure included."""
    return json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2)


def check_command(
    urls: Sequence[str],
    *,
    app: Any | None = None,
    expect: Sequence[str] = (),
    concurrency: int = 4,
    screenshot_dir: str | os.PathLike[str] | None = None,
    as_json: bool = False,
    colour: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``icp-footer check --render``: judge the pages, print the reports, return the status.

    ``urls`` are full URLs (with ``app``, their host is what the app is asked for). The
    status is 0 when every page is compliant at every viewport, 1 when one is not, 2 when
    one could not be judged or the browser cannot run (Playwright or Chromium missing).
    Progress goes to ``err`` when there is more than one page.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    total = len(urls)

    def progress(done: int, _total: int, report: RenderReport) -> None:
        if total > 1:
            state = _("error") if report.error else _("ok") if report.ok else _("not compliant")
            print(f"[{done}/{total}] {report.url} {state}", file=err, flush=True)

    try:
        if app is not None:
            reports = check_app_rendered(
                app,
                urls,
                expect=expect,
                screenshot_dir=screenshot_dir,
                concurrency=concurrency,
                progress=progress,
            )
        else:
            reports = _run(
                lambda: render_check(
                    urls,
                    expect=expect,
                    screenshot_dir=screenshot_dir,
                    concurrency=concurrency,
                    progress=progress,
                )
            )
    except RenderUnavailableError as error:
        print(f"icp-footer check --render: {error}", file=err)
        return 2
    except OSError as error:
        print(f"icp-footer check --render: --screenshot: {error}", file=err)
        return 2
    if as_json:
        print(render_report_json(reports), file=out)
    else:
        print("\n\n".join(format_render_report(r, colour=colour) for r in reports), file=out)
    if any(r.error is not None for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1
