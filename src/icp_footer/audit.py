"""Judge whether a home page shows its ICP (and PSB) number the way the rules ask.

The judging is pure: :func:`audit_html` reads one page's HTML and returns a
:class:`PageReport`. Fetching is a thin layer on top: :func:`check_urls` (async, any
``httpx.AsyncClient``) and :func:`check_app` (sync, an in-process WSGI or ASGI app, no
server), for use in a site's own test suite::

    from icp_footer.audit import check_app

    def test_home_page_shows_the_icp_number() -> None:
        reports = check_app(app, ["http://example.cn/"], expect=["京ICP备12345678号-1"])
        assert all(r.ok for r in reports), [f.message for r in reports for f in r.findings]

What is judged (``icp-rules.md``): numbers are looked for in the *visible* text only (not
in scripts, styles, templates, ``<noscript>``, comments, attribute values, ``hidden``
elements or inline ``display:none``/``visibility:hidden``); each ICP filing number must be
a link to ``https://beian.miit.gov.cn/`` (the old ``www.miitbeian.gov.cn`` and
``www.beian.miit.gov.cn`` are dead); a PSB number should link to the MPS search page with
its own 14-digit code and have its badge image beside it; numbers belong in the site
footer, or at least at the end of the page. Errors make a page not compliant
(:attr:`PageReport.ok` is false); warnings and notes do not. A link that still brings a
visitor to the filing system (``http://beian.miit.gov.cn/``, a deeper page of it) is a
warning; a number in a form pages show but the filing record does not
(``京ICP证 030367号``, ``京｜ICP备11020872号－17``) is found, and a warning gives its standard
form (:func:`~icp_footer.numbers.recognise_icp`).

Fetched pages are decoded as a browser decodes them (:mod:`icp_footer.decoding`); the
report says which step decided the encoding, and warns when only a browser's reading
beyond the first 1,024 bytes gets it right.

Needs the ``audit`` extra (``httpx``, ``selectolax`` and ``charset-normalizer``).
"""

from __future__ import annotations

import asyncio
import bisect
import concurrent.futures
import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from selectolax.lexbor import LexborHTMLParser, LexborNode

from icp_footer import __version__
from icp_footer._i18n import _
from icp_footer.config import ICP_URL, PSB_URL, Settings, normalise_host
from icp_footer.decoding import STEPS, Step, decode_page
from icp_footer.numbers import (
    Recognised,
    normalise,
    recognise_icp,
    recognise_psb,
    standard_form,
)

__all__ = [
    "MAX_BYTES",
    "USER_AGENT",
    "Expectation",
    "Finding",
    "NumberReport",
    "PageReport",
    "app_settings",
    "audit_html",
    "check_app",
    "check_urls",
    "configured_expectation",
    "is_asgi",
    "summary",
    "summary_line",
]

USER_AGENT = f"icp-footer-check/{__version__} (+https://github.com/icp-footer/icp-footer)"
"""The User-Agent sent by :func:`check_urls` and :func:`check_app`."""
MAX_BYTES = 10 * 1024 * 1024
"""Only this much of a page is read and judged (a warning says when a page is longer)."""

Severity = Literal["error", "warning", "info"]
Placement = Literal["footer", "end", "elsewhere"]

_MIIT_HOST = "beian.miit.gov.cn"
# Fragments of the filing system's front page (its single-page app starts there).
_MIIT_FRONT = frozenset({"", "/", "/Integrated/index"})
_DEAD_MIIT_HOSTS = frozenset({"www.miitbeian.gov.cn", "miitbeian.gov.cn", "www.beian.miit.gov.cn"})
_MPS_HOST = "beian.mps.gov.cn"
_OLD_PSB_HOSTS = frozenset({"www.beian.gov.cn", "beian.gov.cn"})
_PSB_CODE = re.compile(r"[?&#]code=([0-9]+)")

# Elements whose content a browser does not show as page text.
_INVISIBLE = frozenset(
    {"head", "title", "script", "style", "template", "noscript", "iframe", "object", "embed"}
)
_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
# Inline elements: their text runs on with the text around them. Every other element
# boundary separates text (so "号</p><p>2024" does not run the digits together).
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i"}
    | {"ins", "del", "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span"}
    | {"strike", "strong", "sub", "sup", "time", "tt", "u", "var"}
)
_SECTIONING = frozenset({"article", "aside", "main", "nav", "section", "footer"})
_END_SHARE = 0.2
"""A number followed by at most this share of the page's text is "at the end of the page"."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem or remark about a page."""

    severity: Severity
    """``error`` makes the page not compliant; ``warning`` and ``info`` do not."""
    message: str
    fix: str | None = None
    """Exactly what to change, when something should change."""
    number: str | None = None
    """The number (as shown on the page) this is about, if any."""


@dataclass(frozen=True, slots=True)
class NumberReport:
    """A number shown on the page (the best-placed occurrence of it)."""

    text: str
    """Verbatim, as on the page."""
    valid: bool
    """Whether the text is a well-formed number."""
    message: str | None
    """What is wrong with the format, when not valid."""
    linked: bool
    """Whether the number is (part of) the text of a link ``<a href>``."""
    link: str | None
    """That link's target, resolved against the page's URL."""
    in_footer: bool
    """Whether it is inside the site footer (``contentinfo``)."""
    placement: Placement
    """``footer``; ``end`` (not in the footer, but at the end of the page); ``elsewhere``."""
    badge: bool | None = None
    """PSB numbers only: whether a badge ``<img>`` is next to it."""
    occurrences: int = 1
    """How many times the page shows this number."""
    standard: str | None = None
    """The number in its standard form, as on the filing record (None when malformed);
    when it differs from :attr:`text`, a warning says so."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "text": self.text,
            "standard": self.standard,
            "valid": self.valid,
            "message": self.message,
            "linked": self.linked,
            "link": self.link,
            "in_footer": self.in_footer,
            "placement": self.placement,
            "badge": self.badge,
            "occurrences": self.occurrences,
        }


@dataclass(frozen=True, slots=True)
class PageReport:
    """What was found on one page, and whether it is compliant (:attr:`ok`)."""

    url: str
    """The URL asked for."""
    final_url: str | None = None
    """The URL after redirects (None when the page could not be fetched)."""
    status: int | None = None
    """The HTTP status (None when no response, or for :func:`audit_html`)."""
    error: str | None = None
    """Why the page could not be checked (unreachable, timeout, non-2xx, not HTML)."""
    icp: tuple[NumberReport, ...] = ()
    psb: tuple[NumberReport, ...] = ()
    findings: tuple[Finding, ...] = ()
    encoding: str | None = None
    """The encoding the page was decoded with (WHATWG name: ``UTF-8``, ``GBK``...); None
    for :func:`audit_html` and pages not fetched."""
    encoding_step: str | None = None
    """Which step decided it: ``bom``, ``header``, ``meta``, ``late-meta``, ``utf-8``,
    ``detected`` or ``default`` (:data:`icp_footer.decoding.STEPS`)."""
    expected: tuple[str, ...] = ()
    """The numbers the page had to show."""
    none: bool = False
    """The page had to show no number and no banner (its host is ``DOMAIN=none``)."""
    home: bool = True
    """False: not a home page, so not fetched nor judged (:attr:`ok` stays true)."""
    source: str | None = None
    """Where :attr:`expected` (or :attr:`none`) came from, e.g. a domain entry."""

    @property
    def ok(self) -> bool:
        """True when the page was checked and has no error finding."""
        return self.error is None and not any(f.severity == "error" for f in self.findings)

    @property
    def verdict(self) -> Literal["compliant", "not compliant", "error", "not a home page"]:
        """The page's line in a summary."""
        if not self.home:
            return "not a home page"
        if self.error is not None:
            return "error"
        return "compliant" if self.ok else "not compliant"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape ``icp-footer check --json`` prints)."""
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "ok": self.ok,
            "error": self.error,
            "encoding": self.encoding,
            "encoding_step": self.encoding_step,
            "verdict": self.verdict,
            "home": self.home,
            "expected": list(self.expected),
            "expect_none": self.none,
            "source": self.source,
            "icp": [n.to_dict() for n in self.icp],
            "psb": [n.to_dict() for n in self.psb],
            "findings": [
                {"severity": f.severity, "message": f.message, "fix": f.fix, "number": f.number}
                for f in self.findings
            ],
        }


# -- reading the page ---------------------------------------------------------------------


class _Run(NamedTuple):
    """One visible text node: where it sits in the page text, and its context."""

    start: int
    end: int
    node: LexborNode
    link: LexborNode | None
    in_footer: bool


@dataclass(slots=True)
class _Page:
    """The visible text of a page (blocks separated by newlines) and its text runs."""

    text: str
    runs: list[_Run]
    main_end: int | None
    """Where the last ``<main>`` ends in :attr:`text`."""
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [r.start for r in self.runs]

    def runs_in(self, start: int, end: int) -> list[_Run]:
        """The runs that overlap ``text[start:end]``."""
        i = max(bisect.bisect_right(self.starts, start) - 1, 0)
        found = []
        for run in self.runs[i:]:
            if run.start >= end:
                break
            if run.end > start:
                found.append(run)
        return found


def _hidden_ids(parser: LexborHTMLParser) -> set[int]:
    """Elements hidden by the ``hidden`` attribute or an inline style."""
    return {
        node.mem_id
        for node in parser.css("[hidden], [style]")
        if "hidden" in node.attributes or _HIDING_STYLE.search(node.attributes.get("style") or "")
    }


def _footer_ids(parser: LexborHTMLParser) -> set[int]:
    """The site footer (last top-level ``<footer>``) and ``role=contentinfo`` elements."""
    top_level: list[LexborNode] = []
    for footer in parser.css("footer"):
        node = footer.parent
        while node is not None and (node.tag or "") not in _SECTIONING:
            node = node.parent
        if node is None:
            top_level.append(footer)
    ids = {n.mem_id for n in parser.css('[role~="contentinfo"]')}
    if top_level:
        ids.add(top_level[-1].mem_id)
    return ids


def _read(parser: LexborHTMLParser) -> _Page:
    """The page's visible text, with a run per text node."""
    root = parser.body or parser.root
    footers = _footer_ids(parser)
    hidden = _hidden_ids(parser)
    hrefs = {node.mem_id for node in parser.css("a[href]")}
    parts: list[str] = []
    runs: list[_Run] = []
    length = 0
    main_end: int | None = None
    links: list[LexborNode] = []
    footer_depth = 0
    # (node, None) on the way down; (element, tag) again on the way up.
    stack: list[tuple[LexborNode, str | None]] = [(root, None)] if root is not None else []
    while stack:
        node, leaving = stack.pop()
        if leaving is not None:
            tag = leaving
            ident = node.mem_id
            if ident in footers:
                footer_depth -= 1
            if links and ident == links[-1].mem_id:
                links.pop()
            if tag == "main":
                main_end = length
        else:
            tag = node.tag or ""
            if tag == "-text":
                text = node.text_content or ""
                if text:
                    link = links[-1] if links else None
                    runs.append(_Run(length, length + len(text), node, link, footer_depth > 0))
                    parts.append(text)
                    length += len(text)
                continue
            if tag.startswith(("-", "!")) or tag in _INVISIBLE:
                continue  # comments; invisible elements
            ident = node.mem_id
            if ident in hidden and node is not root:
                continue
            stack.append((node, tag))
            child = node.last_child
            while child is not None:
                stack.append((child, None))
                child = child.prev
            if ident in hrefs:
                links.append(node)
            if ident in footers:
                footer_depth += 1
        if tag not in _INLINE:
            parts.append("\n")
            length += 1
    return _Page("".join(parts), runs, main_end)


# -- judging ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Seen:
    text: str
    start: int
    end: int
    link: str | None
    in_footer: bool
    placement: Placement
    badge: bool | None
    occurrences: int = 1
    valid: bool = True
    message: str | None = None
    kind: str | None = None
    standard: str | None = None
    departures: tuple[str, ...] = ()


def _host(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").rstrip(".")


def _icp_link_problem(number: str, link: str | None, kind: str) -> Finding | None:
    fix = _("link {number} to {url}").format(number=number, url=ICP_URL)
    if link is None:
        if kind != "filing":
            return None  # licence and telecom numbers are commonly shown unlinked
        message = _("{number} is not a link to the MIIT filing system").format(number=number)
        return Finding("error", message, fix, number)
    scheme, host = _host(link)
    if host in _DEAD_MIIT_HOSTS:
        return Finding(
            "error",
            _("{number} links to {link}: {host} has been dead since 2020 (no redirect)").format(
                number=number, link=link, host=host
            ),
            fix,
            number,
        )
    if host == _MIIT_HOST:
        # It still brings a visitor to the filing system: a warning, not a failure.
        parts = urlsplit(link)
        deep = parts.path not in ("", "/") or parts.query or parts.fragment not in _MIIT_FRONT
        if scheme == "https" and not deep:
            return None
        if scheme != "https" and deep:
            why = _("http, which redirects to https and a page inside the filing system")
        elif scheme != "https":
            why = _("http, which redirects to https")
        else:
            why = _("a page inside the filing system")
        return Finding(
            "warning",
            _(
                "{number} links to {link} ({why}), not {url}: it works for a visitor, but "
                "hosting providers' checks look for that address"
            ).format(number=number, link=link, why=why, url=ICP_URL),
            fix,
            number,
        )
    severity: Severity = "error" if kind == "filing" else "info"
    message = _("{number} links to {link}, not to the MIIT filing system")
    return Finding(severity, message.format(number=number, link=link), fix, number)


def _psb_link_problem(number: str, code: str, link: str | None) -> Finding | None:
    target = PSB_URL.replace("{code}", code)
    fix = _("link {number} to {url}").format(number=number, url=target)
    if link is None:
        message = _("{number} is not a link to the MPS filing system").format(number=number)
        return Finding("warning", message, fix, number)
    scheme, host = _host(link)
    if host in _OLD_PSB_HOSTS:
        return Finding(
            "error",
            _("{number} links to the old portal {host}, reported unreachable since 2025").format(
                number=number, host=host
            ),
            fix,
            number,
        )
    if host != _MPS_HOST:
        message = _("{number} links to {link}, not to the MPS filing system")
        return Finding("error", message.format(number=number, link=link), fix, number)
    if scheme != "https":
        message = _("{number} links to {link}; the filing system is https")
        return Finding("error", message.format(number=number, link=link), fix, number)
    m = _PSB_CODE.search(link)
    if m is None:
        message = _("{number} links to the MPS site without its code=").format(number=number)
        return Finding("warning", message, fix, number)
    if m[1] != code:
        message = _("{number} links to code={linked}, not to its own code {code}")
        return Finding("error", message.format(number=number, linked=m[1], code=code), fix, number)
    return None


def _has_img(node: LexborNode | None) -> bool:
    return node is not None and (node.tag == "img" or node.css_first("img") is not None)


def _element_before(node: LexborNode) -> LexborNode | None:
    prev = node.prev
    while prev is not None and not prev.is_element_node:
        if (prev.text_content or "").strip():
            return None  # text between: not next to it
        prev = prev.prev
    return prev


def _badge_next_to(run: _Run) -> bool:
    """An ``<img>`` in the number's link, just before it, or beside it in its parent."""
    element = run.link if run.link is not None else run.node.parent
    if element is None:
        return False
    if _has_img(element) or _has_img(_element_before(element)):
        return True
    parent = element.parent
    if parent is None or (parent.tag or "") in ("body", "html"):
        return False
    child = parent.first_child
    while child is not None:
        if child.tag == "img":
            return True
        child = child.next
    return False


def _placement(page: _Page, run: _Run, start: int, end: int) -> Placement:
    if run.in_footer:
        return "footer"
    total = len(page.text.strip())
    after = len(page.text[end:].strip())
    if after <= _END_SHARE * total or (page.main_end is not None and start >= page.main_end):
        return "end"
    return "elsewhere"


def _href(run: _Run, base: str) -> str | None:
    """The target of the link the run is in, resolved against the page's URL."""
    href = run.link.attributes.get("href") if run.link is not None else None
    return None if href is None else urljoin(base, href.strip())


def _collect(page: _Page, found: list[Recognised], base: str, *, psb: bool) -> list[_Seen]:
    """One entry per distinct number: its best occurrence (linked, then in the footer)."""
    best: dict[str, _Seen] = {}
    counts: dict[str, int] = {}
    rank = {"footer": 2, "end": 1, "elsewhere": 0}
    for number in found:
        if number.standard is None:
            continue
        runs = page.runs_in(number.start, number.end)
        if not runs:
            continue
        run = next((r for r in runs if r.link is not None), runs[0])
        seen = _Seen(
            number.text,
            number.start,
            number.end,
            _href(run, base),
            run.in_footer,
            _placement(page, run, number.start, number.end),
            _badge_next_to(run) if psb else None,
            kind=number.kind,
            standard=number.standard,
            departures=number.departures,
        )
        key = number.standard
        counts[key] = counts.get(key, 0) + 1
        old = best.get(key)
        if old is None or (seen.link is not None, rank[seen.placement]) > (
            old.link is not None,
            rank[old.placement],
        ):
            best[key] = seen
    for key, seen in best.items():
        seen.occurrences = counts[key]
    return list(best.values())


def _malformed(
    page: _Page, found: list[Recognised], base: str
) -> tuple[list[_Seen], list[Finding]]:
    """Number-like text that is not a number, with what is wrong with it."""
    bad: list[_Seen] = []
    notes: list[Finding] = []
    for number in found:
        if number.standard is not None:
            continue
        text = number.text
        if number.fan_badge:
            message = _("{number} is a fan badge, not a filing number (ignored)")
            notes.append(Finding("info", message.format(number=text), None))
            continue
        runs = page.runs_in(number.start, number.end)
        if not runs:
            continue
        run = runs[0]
        bad.append(
            _Seen(
                text,
                number.start,
                number.end,
                _href(run, base),
                run.in_footer,
                _placement(page, run, number.start, number.end),
                None,
                valid=False,
                message=number.error,
            )
        )
    return bad, notes


def _form_finding(seen: _Seen) -> Finding | None:
    """A number shown in a form the filing record does not use."""
    if not seen.departures:
        return None
    return Finding(
        "warning",
        _("{number} is not in the standard form: {departures}").format(
            number=seen.text, departures=_("; ").join(seen.departures)
        ),
        _("write it as {standard}, as on the filing record").format(standard=seen.standard),
        seen.text,
    )


def _placement_finding(seen: _Seen) -> Finding | None:
    if seen.placement == "footer":
        return None
    if seen.placement == "end":
        return Finding(
            "info",
            _("{number} is not inside the site footer, but at the end of the page").format(
                number=seen.text
            ),
            None,
            seen.text,
        )
    return Finding(
        "warning",
        _("{number} is not at the bottom of the page").format(number=seen.text),
        _("move {number} into the page's footer (the last <footer>), centred").format(
            number=seen.text
        ),
        seen.text,
    )


def _report(seen: _Seen) -> NumberReport:
    return NumberReport(
        text=seen.text,
        valid=seen.valid,
        message=seen.message,
        linked=seen.link is not None,
        link=seen.link,
        in_footer=seen.in_footer,
        placement=seen.placement,
        badge=seen.badge,
        occurrences=seen.occurrences,
        standard=seen.standard,
    )


def audit_html(
    html: str, url: str, expect: Sequence[str] = (), *, none: bool = False
) -> PageReport:
    """Judge one home page's HTML (already decoded); pure, no I/O.

    ``url`` is the page's address, against which relative links are resolved. Each
    string in ``expect`` is a number (ICP or PSB) the page must show, compared after
    :func:`~icp_footer.numbers.normalise`. With ``none`` the page's host is configured
    ``DOMAIN=none``: it passes when it shows no number and no banner; a number it shows
    anyway is a warning (and is judged as any other), the banner an error.
    """
    parser = LexborHTMLParser(html, scripting=True)
    page = _read(parser)
    findings: list[Finding] = []

    icp_found = recognise_icp(page.text)
    icp_seen = _collect(page, icp_found, url, psb=False)
    bad_icp, notes = _malformed(page, icp_found, url)
    findings += notes
    for seen in icp_seen:
        problem = _icp_link_problem(seen.text, seen.link, seen.kind or "")
        findings += [
            f for f in (problem, _form_finding(seen), _placement_finding(seen)) if f is not None
        ]
    for seen in bad_icp:
        findings.append(
            Finding(
                "error",
                _("malformed ICP number: {error}").format(error=seen.message),
                _("show the number exactly as on the filing record instead of {number}").format(
                    number=seen.text
                ),
                seen.text,
            )
        )

    psb_found = recognise_psb(page.text)
    psb_seen = _collect(page, psb_found, url, psb=True)
    bad_psb, notes = _malformed(page, psb_found, url)
    findings += notes
    for seen in psb_seen:
        code = "".join(c for c in seen.standard or "" if c.isdigit())
        if not seen.badge:
            findings.append(
                Finding(
                    "warning",
                    _("no badge image next to {number} (a CSS background is not seen here)").format(
                        number=seen.text
                    ),
                    _("put the PSB badge <img> just before {number}, inside its link").format(
                        number=seen.text
                    ),
                    seen.text,
                )
            )
        problem = _psb_link_problem(seen.text, code, seen.link)
        findings += [
            f for f in (problem, _form_finding(seen), _placement_finding(seen)) if f is not None
        ]
    for seen in bad_psb:
        findings.append(
            Finding(
                "error",
                _("malformed PSB number: {error}").format(error=seen.message),
                _("show the number exactly as on the filing record instead of {number}").format(
                    number=seen.text
                ),
                seen.text,
            )
        )

    if none:
        findings += [
            Finding(
                "warning",
                _(
                    "{number} is shown, but this host is configured to show nothing (DOMAIN=none)"
                ).format(number=seen.text),
                _(
                    "remove {number} from the page, or configure it for this host instead of none"
                ).format(number=seen.text),
                seen.text,
            )
            for seen in icp_seen + psb_seen
        ]
    elif not icp_seen and not bad_icp:
        elsewhere = [r.text for r in recognise_icp(html) if r.valid]
        message = (
            _(
                "no ICP number in the page's visible text; {number} appears only outside the "
                "visible text (a script, a comment, an attribute or a hidden element): "
                "visitors and checkers without JavaScript do not see it"
            ).format(number=elsewhere[0])
            if elsewhere
            else _("no ICP number in the page's visible text")
        )
        findings.append(
            Finding(
                "error",
                message,
                _("show the ICP number in the page footer, linked to {url}").format(url=ICP_URL),
            )
        )
    if parser.css_first('[data-icp-footer="banner"], .icp-footer-banner') is not None:
        fix = (
            _("the app does not see this host as DOMAIN=none: check its ICP_FOOTER_DOMAINS")
            if none
            else _("set ICP_FOOTER_NUMBER or an ICP_FOOTER_DOMAINS entry for this host")
        )
        findings.append(
            Finding("error", _("icp-footer shows its missing-number banner on this page"), fix)
        )

    # Compared on the standard form: 滇ICP备09010050-5号 is 滇ICP备09010050号-5.
    shown = {s.standard or normalise(s.text): s.text for s in icp_seen + psb_seen}
    for wanted in expect:
        key = standard_form(wanted) or normalise(wanted)
        if key in shown:
            continue
        is_psb = "公网安备" in key
        others = [s.text for s in (psb_seen if is_psb else icp_seen)]
        message = (
            _("the page does not show the expected number {number}; it shows {shown}").format(
                number=wanted, shown=_(", ").join(others)
            )
            if others
            else _("the page does not show the expected number {number}").format(number=wanted)
        )
        findings.append(
            Finding(
                "error",
                message,
                _("show {number} (check the number configured for this host)").format(
                    number=wanted
                ),
                wanted,
            )
        )

    return PageReport(
        url=url,
        final_url=url,
        icp=tuple(_report(s) for s in sorted(icp_seen + bad_icp, key=lambda s: s.start)),
        psb=tuple(_report(s) for s in sorted(psb_seen + bad_psb, key=lambda s: s.start)),
        findings=tuple(findings),
    )


# -- what each page must show ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expectation:
    """What one URL's page must show, and where that comes from."""

    numbers: tuple[str, ...] = ()
    """Numbers (ICP or PSB) the page must show."""
    none: bool = False
    """The host is ``DOMAIN=none``: no number and no banner."""
    skip: str | None = None
    """Why the URL is not checked at all (not a home page), with what to do instead."""
    source: str | None = None
    """Where this comes from, as a report shows it."""


def configured_expectation(settings: Settings, url: str, where: str) -> Expectation:
    """What ``url``'s page must show under ``settings``, as the middleware would serve it.

    The URL's host picks the site (:meth:`~icp_footer.config.Settings.site_for`); a path
    that is not a home page (:meth:`~icp_footer.config.Settings.is_home`) is skipped.
    ``where`` names the configuration in the report ("the app's configuration").
    """
    parts = urlsplit(url)
    path = unquote(parts.path) or "/"
    if not settings.is_home(path):
        homes = ", ".join(sorted(settings.paths or ()))
        return Expectation(
            skip=_(
                "icp-footer adds the number to home pages only ({paths}): "
                "check / instead, or add {path} to ICP_FOOTER_PATHS"
            ).format(paths=homes, path=path),
            source=where,
        )
    host = parts.netloc.rpartition("@")[2]
    site = settings.site_for(host)
    if site is None:
        return Expectation(
            source=_("no number for {host} in {where}").format(
                host=normalise_host(host) or host, where=where
            )
        )
    entry = site.domain or "ICP_FOOTER_NUMBER"
    source = _("{entry} in {where}").format(entry=entry, where=where)
    if site.silenced:
        return Expectation(none=True, source=source)
    numbers = tuple(n.text for n in (site.icp, site.psb) if n is not None)
    return Expectation(numbers=numbers, source=source)


def summary(reports: Sequence[PageReport]) -> dict[str, int]:
    """How many pages were compliant, not compliant, errors and not home pages."""
    verdicts = [r.verdict for r in reports]
    return {
        "pages": len(reports),
        "compliant": verdicts.count("compliant"),
        "not_compliant": verdicts.count("not compliant"),
        "errors": verdicts.count("error"),
        "not_home": verdicts.count("not a home page"),
    }


def summary_line(reports: Sequence[PageReport]) -> str:
    """``25 pages: 23 compliant, 2 not compliant, 0 errors`` (and the pages skipped)."""
    counts = summary(reports)
    if counts["pages"] == 1:
        line = _("1 page: {compliant} compliant, {not_compliant} not compliant, {errors} errors")
    else:
        line = _(
            "{pages} pages: {compliant} compliant, {not_compliant} not compliant, {errors} errors"
        )
    line = line.format(**counts)
    if counts["not_home"]:
        line += _(", {not_home} not home pages (not checked)").format(**counts)
    return line


# -- fetching -----------------------------------------------------------------------------

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}


async def _check_one(client: httpx.AsyncClient, url: str, expect: Expectation) -> PageReport:
    if expect.skip is not None:
        return PageReport(
            url, home=False, source=expect.source, findings=(Finding("info", expect.skip),)
        )
    report = await _fetch_and_judge(client, url, expect)
    return replace(report, expected=expect.numbers, none=expect.none, source=expect.source)


async def _fetch_and_judge(client: httpx.AsyncClient, url: str, expect: Expectation) -> PageReport:
    try:
        async with client.stream("GET", url, follow_redirects=True) as response:
            final = str(response.url)
            status = response.status_code
            if not 200 <= status < 300:
                reason = f" {response.reason_phrase}" if response.reason_phrase else ""
                error = _("HTTP {status}{reason}").format(status=status, reason=reason)
                return PageReport(url, final, status, error)
            content_type = response.headers.get("content-type")
            media = (content_type or "").split(";")[0].strip().lower()
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    break
    except httpx.TimeoutException as error:
        message = _("timed out ({error})").format(error=type(error).__name__)
        return PageReport(url, error=message)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as error:
        message = _("unreachable: {error}").format(error=error or type(error).__name__)
        return PageReport(url, error=message)
    if media not in _HTML_TYPES and not (
        not media and re.match(rb"\s*<(?:!doctype html|html)", bytes(body[:512]), re.I)
    ):
        message = _("not an HTML page ({media})").format(media=media or _("no Content-Type"))
        return PageReport(url, final, status, message)
    decoded = decode_page(bytes(body[:MAX_BYTES]), content_type)
    report = audit_html(decoded.text, final, expect.numbers, none=expect.none)
    findings = report.findings
    if decoded.misread_by_prescan:
        findings = (*findings, _encoding_finding(decoded.encoding, decoded.step))
    if len(body) > MAX_BYTES:
        message = _("the page is longer than {limit} bytes: only the start was checked").format(
            limit=MAX_BYTES
        )
        findings = (*findings, Finding("warning", message))
    return replace(
        report,
        url=url,
        final_url=final,
        status=status,
        findings=findings,
        encoding=decoded.encoding,
        encoding_step=decoded.step,
    )


def _encoding_finding(encoding: str, step: Step) -> Finding:
    """The page is read right only by a browser's reading beyond the first 1,024 bytes."""
    label = encoding.lower()
    return Finding(
        "warning",
        _(
            "the page's encoding ({encoding}) is known only from {step}: browsers read "
            "it right, but readers that stop at the first 1,024 bytes see windows-1252 mojibake"
        ).format(encoding=encoding, step=_(STEPS[step])),
        _(
            "declare the charset in the Content-Type header or in the first 1,024 bytes "
            '(Content-Type: text/html; charset={label}, or <meta charset="{label}"> at the '
            "top of <head>)"
        ).format(label=label),
    )


class _ServerTransport(httpx.AsyncBaseTransport):
    """Send every request to one server, keeping the URL's host as the ``Host`` header."""

    def __init__(self, server: str, inner: httpx.AsyncBaseTransport | None = None) -> None:
        parts = httpx.URL(server)
        if parts.scheme not in ("http", "https") or not parts.host:
            raise ValueError(
                _("{server!r} is not a server URL: write http://127.0.0.1:8000").format(
                    server=server
                )
            )
        self._server = parts
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(
            scheme=self._server.scheme, host=self._server.host, port=self._server.port
        )
        # The Host header was set from the original URL when the request was built.
        routed = httpx.Request(
            request.method,
            url,
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(routed)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _expectation(
    expect: Sequence[str] | Callable[[str], Expectation],
) -> Callable[[str], Expectation]:
    if callable(expect):
        return expect
    fixed = Expectation(numbers=tuple(expect))
    return lambda _url: fixed


async def check_urls(
    urls: Sequence[str],
    *,
    expect: Sequence[str] | Callable[[str], Expectation] = (),
    client: httpx.AsyncClient | None = None,
    server: str | None = None,
    concurrency: int = 8,
    progress: Callable[[int, int, PageReport], None] | None = None,
) -> list[PageReport]:
    """Fetch and judge each URL's page; the reports come back in the order of ``urls``.

    ``expect`` is the numbers every page must show, or a function giving each URL its
    :class:`Expectation` (e.g. :func:`configured_expectation` for the configured numbers
    of its host). Redirects are followed. Unreachable pages, timeouts, non-2xx responses
    and non-HTML responses give a report with :attr:`PageReport.error` set. With
    ``client`` (e.g. one on an ``httpx.ASGITransport``) relative URLs resolve against its
    ``base_url``; without, a client with a 5 s connect / 15 s read timeout is used, which
    with ``server`` (``http://127.0.0.1:8000``) sends every request there, the URL's host
    as ``Host``: a server checked before DNS points to it. At most ``concurrency`` pages
    are fetched at once; ``progress(done, total, report)`` is called as each one finishes.
    """
    if concurrency < 1:
        raise ValueError(_("concurrency must be at least 1"))
    if client is not None and server is not None:
        raise ValueError(_("give client or server, not both"))
    own = client is None
    if client is None:
        transport = None if server is None else _ServerTransport(server)
        active = httpx.AsyncClient(timeout=_TIMEOUT, headers=_HEADERS, transport=transport)
    else:
        active = client
    expectation = _expectation(expect)
    limit = asyncio.Semaphore(concurrency)
    done = 0

    async def one(url: str) -> PageReport:
        nonlocal done
        async with limit:
            report = await _check_one(active, url, expectation(url))
        done += 1
        if progress is not None:
            progress(done, len(urls), report)
        return report

    try:
        return list(await asyncio.gather(*(one(url) for url in urls)))
    finally:
        if own:
            await active.aclose()


# -- in-process apps ----------------------------------------------------------------------


def is_asgi(app: object) -> bool:
    """Whether ``app`` is an ASGI app (an async callable) rather than a WSGI app."""
    if inspect.iscoroutinefunction(app):
        return True
    call = getattr(app, "__call__", None)  # noqa: B004 - an instance's __call__
    return call is not None and inspect.iscoroutinefunction(call)


class _ThreadedWSGI(httpx.AsyncBaseTransport):
    """``httpx.WSGITransport`` for an ``AsyncClient``: the app runs in a worker thread."""

    def __init__(self, app: Any) -> None:
        self._sync = httpx.WSGITransport(app=app, raise_app_exceptions=False)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        response = self._sync.handle_request(request)
        body = response.read()
        response.close()
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await asyncio.to_thread(self._handle, request)


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


def check_app(
    app: Any,
    urls: Sequence[str] = ("/",),
    host: str = "localhost",
    expect: Sequence[str] | Callable[[str], Expectation] = (),
    *,
    concurrency: int = 8,
    progress: Callable[[int, int, PageReport], None] | None = None,
) -> list[PageReport]:
    """Judge pages of an in-process WSGI or ASGI app, without a server (sync).

    ``urls`` are paths (sent to ``host``) or full URLs, whose host is sent as ``Host``:
    ``check_app(app, ["http://example.cn/"])`` checks what example.cn's visitors get.
    ASGI apps are detected by their async ``__call__``; lifespan events are not sent.
    An exception in the app gives a 500, which is reported as an error. ``expect``,
    ``concurrency`` and ``progress`` are as for :func:`check_urls`; :func:`app_settings`
    finds the settings the app's middleware uses, for :func:`configured_expectation`.
    """
    transport: httpx.AsyncBaseTransport = (
        httpx.ASGITransport(app=app, raise_app_exceptions=False)
        if is_asgi(app)
        else _ThreadedWSGI(app)
    )

    async def go() -> list[PageReport]:
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{host}", headers=_HEADERS, timeout=_TIMEOUT
        ) as client:
            return await check_urls(
                urls, expect=expect, client=client, concurrency=concurrency, progress=progress
            )

    return _run(go)


# Attributes under which a wrapper keeps the app it wraps: WSGI and ASGI middleware (``app``),
# Flask (``wsgi_app``), Starlette (``middleware_stack``), Django's handler (its middleware
# chain, each link ``functools.wraps`` a middleware whose ``get_response`` is the next one).
_WRAPPED: tuple[str, ...] = ("app", "wsgi_app", "middleware_stack", "_middleware_chain")
_WRAPPED += ("__wrapped__", "get_response")
_MAX_LAYERS = 64


def _settings_of(layer: object) -> Settings | None:
    settings = getattr(getattr(layer, "policy", None), "settings", None)
    if isinstance(settings, Settings):
        return settings
    settings = getattr(layer, "settings", None)
    return settings if isinstance(settings, Settings) else None


def app_settings(app: object) -> tuple[Settings, str] | None:
    """The settings of the outermost icp-footer middleware in ``app``, and its class name.

    The app is walked through the layers that wrap it (see ``_WRAPPED``); a Starlette or
    FastAPI app whose middleware stack is not built yet (it is built on the first request)
    gets it built here, as its first request would. ``None`` when no layer holds icp-footer
    settings. A configuration error in a middleware built here is raised.
    """
    seen: set[int] = set()
    layers: list[object] = [app]
    while layers and len(seen) < _MAX_LAYERS:
        layer = layers.pop(0)
        if layer is None or id(layer) in seen:
            continue
        seen.add(id(layer))
        settings = _settings_of(layer)
        if settings is not None:
            kind = type(layer)
            return settings, f"{kind.__module__}.{kind.__qualname__}"
        for name in _WRAPPED:
            inner = getattr(layer, name, None)
            if inner is None and name == "middleware_stack":
                build = getattr(layer, "build_middleware_stack", None)
                inner = build() if callable(build) else None
            if inner is not None:
                layers.append(inner)
    return None
