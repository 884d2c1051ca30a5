"""The ``icp-footer`` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urljoin, urlsplit

from icp_footer import __version__, _scan
from icp_footer._i18n import LANGUAGES, N_, _, set_language
from icp_footer.config import (
    ConfigError,
    Settings,
    Site,
    display_name,
    load,
    normalise_host,
)
from icp_footer.decoding import PRESCAN_BYTES
from icp_footer.injector import DEFAULT_LOOKBEHIND_LIMIT, Injector
from icp_footer.numbers import ICP_EXAMPLE, NumberError, parse_icp, parse_psb
from icp_footer.policy import Plan, Policy, Target, markup
from icp_footer.render import FooterStyle, detect_charset

if TYPE_CHECKING:
    from icp_footer.audit import Expectation, Finding, NumberReport, PageReport

_CHUNK = 1 << 16


@contextlib.contextmanager
def _configuration_warnings() -> Iterator[None]:
    """Show icp-footer's warnings while the settings are read, as plain lines on stderr.

    They are what :func:`~icp_footer.config.load` logs: an unknown ``ICP_FOOTER_*`` variable
    with its closest known name, a number used as given under ``ICP_FOOTER_STRICT=0``...
    Warnings an app logs while it serves ``check`` are its own business, and are not shown.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("icp_footer")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _read_head(source: BinaryIO) -> bytes:
    """The page's first bytes: enough for the charset prescan (or the whole of a short page)."""
    head = b""
    while len(head) < PRESCAN_BYTES and (chunk := source.read(_CHUNK)):
        head += chunk
    return head


def _configured_snippet(host: str | None, head: bytes) -> tuple[bytes, tuple[bytes, ...], str]:
    """What the middleware inserts for ``host`` into a page starting with ``head``.

    The snippet (empty: nothing is inserted), the "already shown" patterns, and a note
    for standard error. Raises :class:`ConfigError`.
    """
    with _configuration_warnings():
        settings = load()
    site = settings.site_for(host)
    name = normalise_host(host) if host else None
    shown = display_name(name) if name else ""
    charset = detect_charset("text/html", head)
    if site is not None and site.silenced:
        return b"", (), _("{host} is DOMAIN=none: nothing is inserted").format(host=shown)
    if site is None and settings.missing == "off":
        note = _("no number for this host and ICP_FOOTER_MISSING=off: nothing is inserted")
        return b"", (), note
    if charset is None or charset.startswith("utf-16"):
        note = _("a {charset} page: passed through untouched, as the middleware does")
        return b"", (), note.format(charset=charset or _("unknown-charset"))
    plan = Plan(content_type="text/html", csp=None, encoding="identity", xhtml=False)
    policy = Policy(settings)
    snippet, patterns = policy.snippet(Target(shown, site), plan, charset, head)
    return snippet, patterns, ""


def _inject(args: argparse.Namespace) -> int:
    try:
        source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as error:
        message = _("icp-footer inject: cannot read {file}: {reason}")
        print(message.format(file=args.file, reason=error.strerror or error), file=sys.stderr)
        return 2
    with source:
        try:
            head = _read_head(source)
        except OSError as error:  # a directory opens, then fails to read
            message = _("icp-footer inject: cannot read {file}: {reason}")
            print(message.format(file=args.file, reason=error.strerror or error), file=sys.stderr)
            return 2
        patterns: tuple[bytes, ...] = ()
        if args.snippet is not None:
            snippet, note = args.snippet.encode("utf-8"), ""
        else:
            try:
                snippet, patterns, note = _configured_snippet(args.host, head)
            except ConfigError as error:
                _print_problems(error)
                return 2
        if not snippet:
            sys.stdout.buffer.write(head)
            while chunk := source.read(_CHUNK):
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            print(f"icp-footer: {note}", file=sys.stderr)
            return 0
        injector = Injector(snippet, already_shown=patterns, lookbehind_limit=args.lookbehind_limit)
        sys.stdout.buffer.write(injector.feed(head))
        while chunk := source.read(_CHUNK):
            sys.stdout.buffer.write(injector.feed(chunk))
    sys.stdout.buffer.write(injector.finish())
    sys.stdout.buffer.flush()
    result = injector.result
    assert result is not None
    print(f"icp-footer: {result.placement.value}: {result.reason}", file=sys.stderr)
    return 0


def _describe(site: Site | None) -> tuple[str, str]:
    if site is None:
        return _("(no number)"), ""
    if site.silenced:
        return _("none (shows nothing)"), ""
    icp = site.icp.text if site.icp else ""
    return icp, site.psb.text if site.psb else ""


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    """Left-justify by display width: CJK characters take two columns in a terminal."""
    return text + " " * max(width - _width(text), 0)


def _print_problems(error: ConfigError) -> None:
    print(_("icp-footer: the configuration has errors:"), file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)


def _nothing_configured(settings: Settings) -> str | None:
    """What to say when no number is configured at all."""
    if settings.default is not None or len(settings.domains):
        return None
    if settings.missing == "off":
        return _(
            "No number is configured, and ICP_FOOTER_MISSING=off: no page shows an ICP "
            'number. Set one: ICP_FOOTER_NUMBER="{example}"'
        ).format(example=ICP_EXAMPLE)
    return _(
        "No number is configured: every home page will show the red warning banner. Set "
        'the number of the site: ICP_FOOTER_NUMBER="{example}", or one per domain: '
        'ICP_FOOTER_DOMAINS="example.cn={example}; example.com=none"'
    ).format(example=ICP_EXAMPLE)


def _config(args: argparse.Namespace) -> int:
    try:
        with _configuration_warnings():
            settings = load()
    except ConfigError as error:
        _print_problems(error)
        return 2
    rows = [(_("(any other host)"), *_describe(settings.default))]
    rows += [(domain, *_describe(site)) for domain, site in sorted(settings.domains.items())]
    width = max(_width(row[0]) for row in rows) + 2
    icp_width = max(_width(row[1]) for row in rows) + 2
    print(_pad(_("domain"), width) + _pad("ICP", icp_width) + "PSB")
    for domain, icp, psb in rows:
        print((_pad(domain, width) + _pad(icp, icp_width) + psb).rstrip())
    print()
    print(_("ICP link:       {url}").format(url=settings.icp_url))
    print(_("PSB link:       {url}").format(url=settings.psb_url))
    print(_("home paths:     {paths}").format(paths=_home_paths(settings)))
    print(_("missing number: {mode}").format(mode=settings.missing))
    if settings.owner:
        print(_("owner line:     {owner}").format(owner=settings.owner))
    nothing = _nothing_configured(settings)
    if nothing is not None:
        print(_("icp-footer config: warning: {warning}").format(warning=nothing), file=sys.stderr)
    if args.host is not None or args.snippet:
        print()
        print(_host_summary(settings, args.host))
    if args.snippet:
        host = normalise_host(args.host) if args.host else None
        style = FooterStyle(charset="utf-8", style_nonce=None, inline_style=True, xhtml=False)
        html = markup(settings.site_for(host), settings, host or args.host, style)
        print()
        if html:
            print(_("snippet (indented here; the page gets it on one line, as UTF-8 text):"))
            print(pretty_html(html))
        else:
            print(_("snippet: (nothing is inserted)"))
    return 0


def _home_paths(settings: Settings) -> str:
    if settings.paths is None:
        return _("* (every page)")
    return ", ".join(sorted(settings.paths))


def _host_summary(settings: Settings, host: str | None) -> str:
    """What a host's home pages get, in a few readable lines."""
    normal = normalise_host(host) if host else None
    site = settings.site_for_name(normal)
    if site is None:
        entry = _("no entry and no ICP_FOOTER_NUMBER")
    elif site.domain is None:
        entry = _("ICP_FOOTER_NUMBER (no domain entry covers it)")
    else:
        entry = _("the entry for {domain}").format(domain=site.domain)
    if host is None:
        lines = [_("no host: {entry}").format(entry=entry)]
    else:
        shown = normal or _("(not a valid host name)")
        lines = [
            _("host {host!r} -> {normal}: {entry}").format(host=host, normal=shown, entry=entry)
        ]
    if site is not None and site.silenced:
        lines.append(_("  shows:       nothing: no number and no banner (DOMAIN=none)"))
        return "\n".join(lines)
    if site is None:
        if settings.missing == "off":
            lines.append(_("  shows:       nothing (ICP_FOOTER_MISSING=off)"))
        else:
            example = display_name(normal) if normal else "example.cn"
            lines.append(
                _(
                    "  shows:       the red warning banner: no ICP number is configured. "
                    'Set one: ICP_FOOTER_DOMAINS="{host}={example}"'
                ).format(host=example, example=ICP_EXAMPLE)
            )
    else:
        if site.icp is not None:
            lines.append(
                _("  ICP number:  {number}, linked to {url}").format(
                    number=site.icp.text, url=settings.icp_url
                )
            )
        if site.psb is not None:
            url = settings.psb_url.replace("{code}", site.psb.code)
            lines.append(
                _("  PSB number:  {number}, after its badge, linked to {url}").format(
                    number=site.psb.text, url=url
                )
            )
        if settings.owner:
            lines.append(_("  owner line:  {owner}").format(owner=settings.owner))
    lines.append(
        _(
            "  where:       on home pages ({paths}) answered 200 with HTML: at the end of the "
            "site footer (the last top-level <footer>), else just before </body>; not when "
            "the page already shows the number"
        ).format(paths=_home_paths(settings))
    )
    return "\n".join(lines)


class _Pretty(HTMLParser):
    """Indents markup one element a line, for reading (the page gets it on one line)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.lines: list[str] = []
        self.depth = 0
        self.text = ""

    def _line(self, text: str) -> None:
        if self.text.strip():
            self.lines.append("  " * self.depth + self.text.strip())
        self.text = ""
        if text:
            self.lines.append("  " * self.depth + text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._line(self.get_starttag_text() or f"<{tag}>")
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._line(self.get_starttag_text() or f"<{tag} />")

    def handle_endtag(self, tag: str) -> None:
        self._line("")
        self.depth = max(self.depth - 1, 0)
        self._line(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_entityref(self, name: str) -> None:
        self.text += f"&{name};"

    def handle_charref(self, name: str) -> None:
        self.text += f"&#{name};"

    def close(self) -> None:
        super().close()
        self._line("")


_VOID = frozenset({"img", "br", "hr", "meta", "link", "input", "source", "wbr"})


def pretty_html(html: str) -> str:
    """``html`` one tag or text a line, indented by nesting (for reading only)."""
    parser = _Pretty()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.lines)


# -- check -----------------------------------------------------------------------------------

_CHECK_EPILOG = N_(
    """\
exit status: 0 every page is compliant; 1 some page is not (no ICP number, a malformed
number, a link to a wrong or dead address, an expected number missing); 2 some page could
not be checked (unreachable, timed out, not 2xx, not HTML) or the command line is wrong.
When some pages fail to load and others are not compliant, the status is 2: errors win.
Warnings (placement, PSB badge) and notes do not change the status.

With --app or --configured, each URL's host is checked against the number configured for
it; a DOMAIN=none host passes when it shows no number and no banner; a path that is not a
home page (ICP_FOOTER_PATHS) is reported as such, not checked. A last line counts the pages.

examples:
  icp-footer check https://example.cn/ --expect 京ICP备12345678号-1
  icp-footer check https://example.cn/ https://example.com/ \\
      --expect example.cn=京ICP备12345678号-1 --expect example.com=none
  icp-footer check --app myproject.app:app http://example.cn/ http://example.com/
  icp-footer check --configured                  # every configured domain: for cron or CI
  icp-footer check --configured --domains-file /etc/icp-footer/domains.txt
  icp-footer check --app path/to/site.py:app /   # a path is sent to http://localhost/
  icp-footer check --render --screenshot shots/ https://example.cn/
"""
)


def load_app(spec: str) -> Any:
    """Import ``module:attr`` or ``path/to/file.py:attr`` (``attr()`` calls a factory).

    The file's directory, or for a module name the current directory, is put on
    ``sys.path`` first, so the app's own imports work as they do under a server.
    """
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        message = _("--app {spec!r}: write MODULE:APP or path/to/file.py:APP")
        raise ValueError(message.format(spec=spec))
    call = attr.endswith("()")
    attr = attr.removesuffix("()")
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = Path(target).resolve()
        if not path.is_file():
            raise ValueError(
                _("--app {spec!r}: {path} does not exist").format(spec=spec, path=path)
            )
        directory = str(path.parent)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        name = path.stem
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(_("--app {spec!r}: cannot import {path}").format(spec=spec, path=path))
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
    else:
        cwd = os.getcwd()
        if cwd not in sys.path and "" not in sys.path:
            sys.path.insert(0, cwd)
        module = importlib.import_module(target)
    app: Any = module
    try:
        for part in attr.split("."):
            app = getattr(app, part)
    except AttributeError:
        message = _("--app {spec!r}: {target} has no attribute {attr!r}")
        raise ValueError(message.format(spec=spec, target=target, attr=attr)) from None
    return app() if call else app


class _Paint:
    """ANSI colours, only for a terminal and when NO_COLOR is not set."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


_MARKS = {"error": ("✗", "31"), "warning": ("!", "33"), "info": ("i", "2")}


def _number_line(kind: str, number: NumberReport, failed: bool, paint: _Paint) -> str:
    details = [_("valid") if number.valid else _("malformed")]
    details.append(
        _("linked to {link}").format(link=number.link) if number.linked else _("not linked")
    )
    if number.badge is not None:
        details.append(_("badge") if number.badge else _("no badge"))
    if number.placement == "footer":
        details.append(_("in the site footer"))
    elif number.placement == "end":
        details.append(_("at the end of the page"))
    else:
        details.append(_("not at the bottom"))
    mark = paint("31", "✗") if failed else paint("32", "✓")
    return f"  {mark} {kind} " + _("{number}: {details}").format(
        number=number.text, details=_(", ").join(details)
    )


def _finding_lines(finding: Finding, paint: _Paint, indent: str) -> list[str]:
    symbol, colour = _MARKS[finding.severity]
    lines = [f"{indent}{paint(colour, symbol)} {finding.message}"]
    if finding.fix:
        lines.append(f"{indent}  " + _("fix: {fix}").format(fix=finding.fix))
    return lines


def format_report(report: PageReport, paint: _Paint | None = None) -> str:
    """One page's block of human-readable output."""
    paint = paint or _Paint(False)
    where = report.url
    if report.final_url and report.final_url != report.url:
        where += f" -> {report.final_url}"
    if not report.home:
        lines = [f"{paint('2', '-')} {where}: {_('not a home page')}"]
        return "\n".join(lines + [f"  {paint('2', 'i')} {f.message}" for f in report.findings])
    if report.error is not None:
        return f"{paint('31', '✗')} {where}: " + _("error: {error}").format(error=report.error)
    verdict = paint("32", _("compliant")) if report.ok else paint("31", _("not compliant"))
    mark = paint("32", "✓") if report.ok else paint("31", "✗")
    lines = [f"{mark} {where}: {verdict}"]
    if report.none:
        lines.append(
            "  " + _("expected: no number and no banner ({source})").format(source=report.source)
        )
    elif report.expected:
        wanted = ", ".join(report.expected)
        lines.append(
            "  " + _("expected: {numbers} ({source})").format(numbers=wanted, source=report.source)
        )
    shown: set[int] = set()
    for kind, numbers in (("ICP", report.icp), ("PSB", report.psb)):
        for number in numbers:
            own = [f for f in report.findings if f.number == number.text]
            failed = any(f.severity == "error" for f in own)
            lines.append(_number_line(kind, number, failed, paint))
            for finding in own:
                shown.add(id(finding))
                lines += _finding_lines(finding, paint, "      ")
    for finding in report.findings:
        if id(finding) not in shown:
            lines += _finding_lines(finding, paint, "  ")
    return "\n".join(lines)


def _check_rendered(args: argparse.Namespace, urls: list[str], concurrency: int) -> int:
    """``check --render``: icp_footer.visual judges, prints and gives the status."""
    from icp_footer import visual  # noqa: PLC0415 - needs the render extra

    app = None
    if args.app is not None:
        try:
            app = load_app(args.app)
        except (ValueError, ImportError) as error:
            print(f"icp-footer check: {error}", file=sys.stderr)
            return 2
    return visual.check_command(
        urls,
        app=app,
        expect=args.expect,
        concurrency=concurrency,
        screenshot_dir=args.screenshot,
        as_json=args.json,
        colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR"),
    )


class _Expected:
    """``--expect`` values: numbers for every page, and numbers (or none) per host."""

    def __init__(self, values: Sequence[str]) -> None:
        self.every: list[str] = []
        self.by_host: dict[str, list[str] | None] = {}  # None: HOST=none
        self.shown: dict[str, str] = {}  # host as typed
        for value in values:
            self._add(value)

    def _add(self, value: str) -> None:
        host_text, sep, number = value.partition("=")
        if not sep:
            self.every.append(_valid_number(value))
            return
        host = normalise_host(host_text)
        if host is None:
            raise ValueError(
                _("--expect {value!r}: {host!r} is not a host name. Example: {example}").format(
                    value=value, host=host_text.strip(), example=f"example.cn={ICP_EXAMPLE}"
                )
            )
        number = number.strip()
        is_none = number.lower() == "none"
        current = self.by_host.get(host, [])
        if (is_none and current) or (not is_none and current is None):
            message = _("--expect: {host} has both numbers and none: give one or the other")
            raise ValueError(message.format(host=host))
        self.by_host[host] = None if is_none else [*(current or ()), _valid_number(number)]
        self.shown.setdefault(host, host_text.strip())

    def for_host(self, name: str | None) -> tuple[str, list[str] | None] | None:
        """The ``--expect HOST=`` entry covering ``name`` (the longest), as for domains."""
        if not name or not self.by_host:
            return None
        labels = name.split(".")
        for i in range(len(labels)):
            domain = ".".join(labels[i:])
            if domain in self.by_host:
                return domain, self.by_host[domain]
        return None


def _valid_number(text: str) -> str:
    text = text.strip()
    try:
        parse_psb(text) if "公网安备" in text else parse_icp(text)
    except NumberError as error:
        raise ValueError(f"--expect {error}") from None
    return text


def _expectations(
    expected: _Expected, settings: Settings | None, where: str
) -> Callable[[str], Expectation]:
    """Each URL's expectation: ``--expect HOST=``, else bare ``--expect``, else the settings.

    With settings, a path that is not a home page is not checked, whatever is expected.
    """
    from icp_footer.audit import Expectation, configured_expectation  # noqa: PLC0415

    def expectation(url: str) -> Expectation:
        configured = None if settings is None else configured_expectation(settings, url, where)
        if configured is not None and configured.skip is not None:
            return configured
        host = urlsplit(url).netloc.rpartition("@")[2]
        entry = expected.for_host(normalise_host(host) if host else None)
        if entry is not None:
            domain, wanted = entry
            source = _("--expect {host}=").format(host=expected.shown[domain])
            return Expectation(numbers=tuple(wanted or ()), none=wanted is None, source=source)
        if expected.every:
            return Expectation(numbers=tuple(expected.every), source="--expect")
        return configured or Expectation()

    return expectation


class _UsageError(Exception):
    """A command line ``check`` cannot run: the message says why (exit status 2)."""


def _check_urls(args: argparse.Namespace, expected: _Expected) -> list[str]:
    """The URLs given, made absolute; raises :class:`_UsageError` for a wrong command line."""
    if args.concurrency is not None and args.concurrency < 1:
        raise _UsageError(_("--concurrency must be at least 1"))
    if args.screenshot is not None and not args.render:
        raise _UsageError(_("--screenshot needs --render"))
    if args.render and (expected.by_host or args.configured):
        raise _UsageError(_("--render does not take --expect HOST=NUMBER or --configured yet"))
    if args.domains_file is not None and not args.configured:
        raise _UsageError(_("--domains-file goes with --configured"))
    if args.app is not None and (args.domains_file is not None or args.server is not None):
        raise _UsageError(
            _("--app checks the app's own configuration: leave out --domains-file and --server")
        )
    if args.server is not None:
        parts = urlsplit(args.server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            message = _("--server {server!r} is not a server URL: write http://127.0.0.1:8000")
            raise _UsageError(message.format(server=args.server))
    urls: list[str] = list(args.urls)
    if args.app is not None:  # paths go to localhost; a full URL's host is sent as Host
        default = [] if args.configured else ["/"]
        return [urljoin("http://localhost/", url) for url in urls or default]
    if not urls and not args.configured:
        raise _UsageError(_("give at least one URL (or --app, or --configured)"))
    return [url if "://" in url else f"https://{url}" for url in urls]


@dataclass(frozen=True, slots=True)
class _Source:
    """The app to check in process (or None), and the settings each URL is checked against."""

    app: Any = None
    settings: Settings | None = None
    where: str = ""
    """How a report names the configuration."""
    configuration: str = ""
    """How the output's first line names it."""


def _check_source(args: argparse.Namespace) -> _Source:
    """Load the app and find its settings, or read the environment's (``--configured``).

    Raises :class:`_UsageError`, or :class:`ConfigError` for settings with errors.
    """
    from icp_footer.audit import app_settings  # noqa: PLC0415 - needs the audit extra

    app = None
    if args.app is not None:
        try:
            app = load_app(args.app)
        except (ValueError, ImportError) as error:
            raise _UsageError(str(error)) from None
        try:
            found = app_settings(app)
        except ConfigError:
            raise
        except Exception as error:  # e.g. Django's ImproperlyConfigured
            message = _("the app's icp-footer middleware cannot start: {error}")
            raise _UsageError(message.format(error=error)) from None
        if found is not None:
            settings, kind = found
            configuration = _("the app's configuration ({middleware})").format(middleware=kind)
            return _Source(app, settings, _("the app's configuration"), configuration)
        configuration = _(
            "the ICP_FOOTER_* environment (no icp-footer middleware found in the app)"
        )
        return _Source(app, load(), _("the environment"), configuration)
    if not args.configured:
        return _Source()
    if args.domains_file is None:
        return _Source(None, load(), _("the environment"), _("the ICP_FOOTER_* environment"))
    configuration = _("{file} and the ICP_FOOTER_* environment").format(file=args.domains_file)
    return _Source(None, load(domains_file=args.domains_file), args.domains_file, configuration)


def _configured_urls(source: _Source, scheme: str) -> list[str]:
    """``SCHEME://DOMAIN/`` for every configured domain (``none`` ones too: checked as such)."""
    assert source.settings is not None
    domains = sorted(source.settings.domains)
    if not domains:
        message = _(
            "--configured: no domain is configured in {where}: set ICP_FOOTER_DOMAINS or "
            "ICP_FOOTER_DOMAINS_FILE, or give the URLs to check"
        )
        raise _UsageError(message.format(where=source.configuration))
    return [f"{scheme}://{domain}/" for domain in domains]


def _check(args: argparse.Namespace) -> int:
    try:
        from icp_footer import audit  # noqa: PLC0415 - needs the audit extra
    except ImportError as error:
        extra = "render" if args.render else "audit"
        message = _("icp-footer check: {error}: install it with pip install 'icp-footer[{extra}]'")
        print(message.format(error=error, extra=extra), file=sys.stderr)
        return 2
    concurrency = args.concurrency if args.concurrency is not None else 4 if args.render else 8
    try:
        expected = _Expected(args.expect)
        urls = _check_urls(args, expected)
        if args.render:
            return _check_rendered(args, urls, concurrency)
        with _configuration_warnings():
            source = _check_source(args)
        if args.configured:
            urls += _configured_urls(source, "https" if source.app is None else "http")
    except (ValueError, _UsageError) as error:
        print(f"icp-footer check: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        _print_problems(error)
        return 2

    total = len(urls)

    def progress(done: int, _total: int, report: PageReport) -> None:
        if total > 1:
            print(f"[{done}/{total}] {report.url} {report.verdict}", file=sys.stderr, flush=True)

    expectation = _expectations(expected, source.settings, source.where)
    if source.app is not None:
        reports = audit.check_app(
            source.app, urls, expect=expectation, concurrency=concurrency, progress=progress
        )
    else:
        reports = asyncio.run(
            audit.check_urls(
                urls,
                expect=expectation,
                server=args.server,
                concurrency=concurrency,
                progress=progress,
            )
        )
    _print_reports(reports, source.configuration, as_json=args.json)
    if any(r.error is not None for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1


def _print_reports(reports: Sequence[PageReport], configuration: str, *, as_json: bool) -> None:
    from icp_footer.audit import summary, summary_line  # noqa: PLC0415 - needs the audit extra

    if as_json:
        document = {
            "configuration": configuration or None,
            "reports": [r.to_dict() for r in reports],
            "summary": summary(reports),
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return
    paint = _Paint(sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    blocks = [format_report(r, paint) for r in reports]
    if configuration:
        blocks.insert(0, _("checked against {configuration}").format(configuration=configuration))
    blocks.append(summary_line(reports))
    print("\n\n".join(blocks))


def _language_option(argv: list[str]) -> str | None:
    """The value of ``--lang`` before the command, if given and valid (argparse checks it)."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv) and argv[index + 1] in LANGUAGES:
            return argv[index + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGUAGES:
            return arg[7:]
        if not arg.startswith("-"):
            return None  # the command: options after it are its own
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    lang = _language_option(args_list)
    if lang is None:
        return _main(args_list)
    set_language(lang)  # before the parser: its help is written in that language
    try:
        return _main(args_list)
    finally:
        set_language(None)


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="icp-footer", description=_("Show ICP and PSB filing numbers on a site's home page.")
    )
    scanner = "compiled scanner" if _scan.COMPILED else "pure-Python scanner"
    parser.add_argument(
        "--version", action="version", version=f"icp-footer {__version__} ({scanner})"
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=_("the language of messages: zh or en (default: from LC_ALL, LC_MESSAGES, LANG)"),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    inject = commands.add_parser(
        "inject", help=_("insert an HTML snippet into a page, as the middleware does")
    )
    inject.add_argument("file", help=_("the HTML page, or - for standard input"))
    inject.add_argument(
        "--snippet",
        help=_(
            "the HTML to insert (default: what the ICP_FOOTER_* configuration gives --host, "
            "in the page's charset)"
        ),
    )
    inject.add_argument("--host", help=_("the host whose snippet to insert (default: none)"))
    inject.add_argument(
        "--lookbehind-limit",
        type=int,
        default=DEFAULT_LOOKBEHIND_LIMIT,
        help=_("bytes held after the site footer while waiting for </body> (default 1 MiB)"),
    )
    inject.set_defaults(run=_inject)
    config = commands.add_parser(
        "config", help=_("validate the ICP_FOOTER_* settings and print the resolved table")
    )
    config.add_argument(
        "--host", help=_("show what HOST's home pages get: the entry, numbers, links and where")
    )
    config.add_argument(
        "--snippet", action="store_true", help=_("also print the full snippet, indented")
    )
    config.set_defaults(run=_config)
    check = commands.add_parser(
        "check",
        help=_("check that home pages show their ICP number as the rules ask"),
        description=_(
            "Fetch each home page and check its ICP and PSB numbers: shown in the "
            "visible text, well-formed, linked to the right address, at the bottom of the page."
        ),
        epilog=_(_CHECK_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "urls",
        nargs="*",
        metavar="URL",
        help=_(
            "home page URLs (https:// is added when no scheme is given); with --app, "
            "paths or URLs whose host is sent as Host (default /, i.e. http://localhost/)"
        ),
    )
    check.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="[HOST=]NUMBER",
        help=_(
            "a number (ICP or PSB) every page must show, or HOST=NUMBER (HOST=none) for "
            "the pages of HOST and its subdomains; repeatable. Without it, --app and "
            "--configured check each host against its configured number"
        ),
    )
    check.add_argument(
        "--configured",
        action="store_true",
        help=_(
            "also check https://DOMAIN/ for every configured domain (ICP_FOOTER_DOMAINS, "
            "ICP_FOOTER_DOMAINS_FILE, or the app's with --app), each against its own number; "
            "DOMAIN=none entries must show no number and no banner"
        ),
    )
    check.add_argument(
        "--domains-file",
        metavar="PATH",
        help=_("with --configured: read the domains from this file (as ICP_FOOTER_DOMAINS_FILE)"),
    )
    check.add_argument(
        "--server",
        metavar="URL",
        help=_(
            "send every request to this server (e.g. http://10.0.0.5:8000), each URL's host "
            "as Host: check a server before DNS points to it"
        ),
    )
    check.add_argument("--json", action="store_true", help=_("print the reports as JSON"))
    check.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help=_("pages fetched at once (8; with --render, pages open in the browser at once: 4)"),
    )
    check.add_argument(
        "--app",
        metavar="MODULE:APP",
        help=_(
            "check an in-process WSGI or ASGI app instead of the network, e.g. "
            "myproject.app:app or path/to/site.py:app (APP() calls a factory)"
        ),
    )
    check.add_argument(
        "--render",
        action="store_true",
        help=_(
            "open each page in headless Chromium, at a desktop and a phone viewport, and "
            "judge what a visitor sees: visible, readable, centred at the bottom, linked "
            '(pip install "icp-footer[render]" and an installed Chromium)'
        ),
    )
    check.add_argument(
        "--screenshot",
        metavar="DIR",
        help=_(
            "with --render: save one PNG per page and viewport in DIR, cropped to the "
            "footer, each number outlined"
        ),
    )
    check.set_defaults(run=_check)
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
