"""The ``icp-footer`` command."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from icp_footer import __version__, _scan
from icp_footer.config import ConfigError, Site, load, normalise_host
from icp_footer.injector import DEFAULT_LOOKBEHIND_LIMIT, Injector
from icp_footer.numbers import NumberError, parse_icp, parse_psb
from icp_footer.policy import markup
from icp_footer.render import FooterStyle

if TYPE_CHECKING:
    from icp_footer.audit import Finding, NumberReport, PageReport

_CHUNK = 1 << 16


def _inject(args: argparse.Namespace) -> int:
    snippet = args.snippet.encode("utf-8")
    injector = Injector(snippet, lookbehind_limit=args.lookbehind_limit)
    source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    with source:
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
        return "(no number)", ""
    if site.silenced:
        return "none (shows nothing)", ""
    icp = site.icp.text if site.icp else ""
    return icp, site.psb.text if site.psb else ""


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    """Left-justify by display width: CJK characters take two columns in a terminal."""
    return text + " " * max(width - _width(text), 0)


def _config(args: argparse.Namespace) -> int:
    try:
        settings = load()
    except ConfigError as error:
        print("icp-footer: the configuration has errors:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    rows = [("(any other host)", *_describe(settings.default))]
    rows += [(domain, *_describe(site)) for domain, site in sorted(settings.domains.items())]
    width = max(_width(row[0]) for row in rows) + 2
    icp_width = max(_width(row[1]) for row in rows) + 2
    print(_pad("domain", width) + _pad("ICP", icp_width) + "PSB")
    for domain, icp, psb in rows:
        print((_pad(domain, width) + _pad(icp, icp_width) + psb).rstrip())
    print()
    print(f"ICP link:       {settings.icp_url}")
    print(f"PSB link:       {settings.psb_url}")
    paths = "* (every page)" if settings.paths is None else ", ".join(sorted(settings.paths))
    print(f"home paths:     {paths}")
    print(f"missing number: {settings.missing}")
    if settings.owner:
        print(f"owner line:     {settings.owner}")
    if args.host is not None:
        normal = normalise_host(args.host)
        site = settings.site_for(args.host)
        if site is None:
            entry = "no entry and no ICP_FOOTER_NUMBER"
        elif site.domain is None:
            entry = "ICP_FOOTER_NUMBER (no domain entry covers it)"
        else:
            entry = f"the entry for {site.domain}"
        print()
        print(f"host {args.host!r} -> {normal or '(not a valid host name)'}: {entry}")
        style = FooterStyle(charset="utf-8", style_nonce=None, inline_style=True, xhtml=False)
        html = markup(site, settings, normal or args.host, style)
        print("snippet:" if html else "snippet: (nothing is inserted)")
        if html:
            print(html)
    return 0


# -- check -----------------------------------------------------------------------------------

_CHECK_EPILOG = """\
exit status: 0 every page is compliant; 1 some page is not (no ICP number, a malformed
number, a link to a wrong or dead address, an expected number missing); 2 some page could
not be checked (unreachable, timed out, not 2xx, not HTML) or the command line is wrong.
When some pages fail to load and others are not compliant, the status is 2: errors win.
Warnings (placement, PSB badge) and notes do not change the status.

examples:
  icp-footer check https://example.cn/ --expect 京ICP备12345678号-1
  icp-footer check --app myproject.app:app http://example.cn/ http://example.com/
  icp-footer check --app path/to/site.py:app /   # a path is sent to http://localhost/
  icp-footer check --render --screenshot shots/ https://example.cn/
"""


def load_app(spec: str) -> Any:
    """Import ``module:attr`` or ``path/to/file.py:attr`` (``attr()`` calls a factory).

    The file's directory, or for a module name the current directory, is put on
    ``sys.path`` first, so the app's own imports work as they do under a server.
    """
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise ValueError(f"--app {spec!r}: write MODULE:APP or path/to/file.py:APP")
    call = attr.endswith("()")
    attr = attr.removesuffix("()")
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = Path(target).resolve()
        if not path.is_file():
            raise ValueError(f"--app {spec!r}: {path} does not exist")
        directory = str(path.parent)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        name = path.stem
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"--app {spec!r}: cannot import {path}")
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
        raise ValueError(f"--app {spec!r}: {target} has no attribute {attr!r}") from None
    return app() if call else app


class _Paint:
    """ANSI colours, only for a terminal and when NO_COLOR is not set."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


_MARKS = {"error": ("✗", "31"), "warning": ("!", "33"), "info": ("i", "2")}


def _number_line(kind: str, number: NumberReport, failed: bool, paint: _Paint) -> str:
    details = ["valid" if number.valid else "malformed"]
    details.append(f"linked to {number.link}" if number.linked else "not linked")
    if number.badge is not None:
        details.append("badge" if number.badge else "no badge")
    details.append(
        {"footer": "in the site footer", "end": "at the end of the page"}.get(
            number.placement, "not at the bottom"
        )
    )
    mark = paint("31", "✗") if failed else paint("32", "✓")
    return f"  {mark} {kind} {number.text}: {', '.join(details)}"


def _finding_lines(finding: Finding, paint: _Paint, indent: str) -> list[str]:
    symbol, colour = _MARKS[finding.severity]
    lines = [f"{indent}{paint(colour, symbol)} {finding.message}"]
    if finding.fix:
        lines.append(f"{indent}  fix: {finding.fix}")
    return lines


def format_report(report: PageReport, paint: _Paint | None = None) -> str:
    """One page's block of human-readable output."""
    paint = paint or _Paint(False)
    where = report.url
    if report.final_url and report.final_url != report.url:
        where += f" -> {report.final_url}"
    if report.error is not None:
        return f"{paint('31', '✗')} {where}: error: {report.error}"
    verdict = paint("32", "compliant") if report.ok else paint("31", "not compliant")
    mark = paint("32", "✓") if report.ok else paint("31", "✗")
    lines = [f"{mark} {where}: {verdict}"]
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


def _check(args: argparse.Namespace) -> int:
    try:
        from icp_footer import audit  # noqa: PLC0415 - needs the audit extra
    except ImportError as error:
        extra = "render" if args.render else "audit"
        print(
            f"icp-footer check: {error}: install it with pip install 'icp-footer[{extra}]'",
            file=sys.stderr,
        )
        return 2

    for number in args.expect:
        try:
            parse_psb(number) if "公网安备" in number else parse_icp(number)
        except NumberError as error:
            print(f"icp-footer check: --expect {error}", file=sys.stderr)
            return 2
    concurrency = args.concurrency if args.concurrency is not None else 4 if args.render else 8
    if concurrency < 1:
        print("icp-footer check: --concurrency must be at least 1", file=sys.stderr)
        return 2
    if args.screenshot is not None and not args.render:
        print("icp-footer check: --screenshot needs --render", file=sys.stderr)
        return 2
    urls: list[str] = list(args.urls)
    if args.app is None:
        if not urls:
            print("icp-footer check: give at least one URL (or --app)", file=sys.stderr)
            return 2
        urls = [url if "://" in url else f"https://{url}" for url in urls]
    else:  # paths go to localhost; a full URL's host is sent as Host
        urls = [urljoin("http://localhost/", url) for url in urls or ["/"]]
    if args.render:
        return _check_rendered(args, urls, concurrency)

    total = len(urls)

    def progress(done: int, _total: int, report: PageReport) -> None:
        if total > 1:
            state = "error" if report.error else "ok" if report.ok else "not compliant"
            print(f"[{done}/{total}] {report.url} {state}", file=sys.stderr, flush=True)

    if args.app is not None:
        try:
            app = load_app(args.app)
        except (ValueError, ImportError) as error:
            print(f"icp-footer check: {error}", file=sys.stderr)
            return 2
        reports = audit.check_app(
            app, urls, expect=args.expect, concurrency=concurrency, progress=progress
        )
    else:
        reports = asyncio.run(
            audit.check_urls(urls, expect=args.expect, concurrency=concurrency, progress=progress)
        )

    if args.json:
        print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        paint = _Paint(colour)
        print("\n\n".join(format_report(r, paint) for r in reports))
    if any(r.error is not None for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="icp-footer", description="Show ICP and PSB filing numbers on a site's home page."
    )
    scanner = "compiled scanner" if _scan.COMPILED else "pure-Python scanner"
    parser.add_argument(
        "--version", action="version", version=f"icp-footer {__version__} ({scanner})"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    inject = commands.add_parser(
        "inject", help="insert an HTML snippet into a page, as the middleware does"
    )
    inject.add_argument("file", help="the HTML page, or - for standard input")
    inject.add_argument("--snippet", required=True, help="the HTML to insert")
    inject.add_argument(
        "--lookbehind-limit",
        type=int,
        default=DEFAULT_LOOKBEHIND_LIMIT,
        help="bytes held after the site footer while waiting for </body> (default 1 MiB)",
    )
    inject.set_defaults(run=_inject)
    config = commands.add_parser(
        "config", help="validate the ICP_FOOTER_* settings and print the resolved table"
    )
    config.add_argument("--host", help="show which entry HOST resolves to, and its snippet")
    config.set_defaults(run=_config)
    check = commands.add_parser(
        "check",
        help="check that home pages show their ICP number as the rules ask",
        description="Fetch each home page and check its ICP and PSB numbers: shown in the "
        "visible text, well-formed, linked to the right address, at the bottom of the page.",
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "urls",
        nargs="*",
        metavar="URL",
        help="home page URLs (https:// is added when no scheme is given); with --app, "
        "paths or URLs whose host is sent as Host (default /, i.e. http://localhost/)",
    )
    check.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="NUMBER",
        help="a number (ICP or PSB) every page must show; repeatable",
    )
    check.add_argument("--json", action="store_true", help="print the reports as JSON")
    check.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="pages fetched at once (8; with --render, pages open in the browser at once: 4)",
    )
    check.add_argument(
        "--app",
        metavar="MODULE:APP",
        help="check an in-process WSGI or ASGI app instead of the network, e.g. "
        "myproject.app:app or path/to/site.py:app (APP() calls a factory)",
    )
    check.add_argument(
        "--render",
        action="store_true",
        help="open each page in headless Chromium, at a desktop and a phone viewport, and "
        "judge what a visitor sees: visible, readable, centred at the bottom, linked "
        '(pip install "icp-footer[render]" and an installed Chromium)',
    )
    check.add_argument(
        "--screenshot",
        metavar="DIR",
        help="with --render: save one PNG per page and viewport in DIR, cropped to the "
        "footer, each number outlined",
    )
    check.set_defaults(run=_check)
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
