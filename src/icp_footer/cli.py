"""The ``icp-footer`` command."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Sequence

from icp_footer import __version__
from icp_footer.config import ConfigError, Settings, Site, load, normalise_host
from icp_footer.injector import DEFAULT_LOOKBEHIND_LIMIT, Injector
from icp_footer.render import FooterStyle, banner_html, footer_html

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


def snippet_html(site: Site | None, settings: Settings, host: str, style: FooterStyle) -> str:
    """The markup a home page on ``host`` gets: footer, banner, or nothing ("")."""
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
        html = snippet_html(site, settings, normal or args.host, style)
        print("snippet:" if html else "snippet: (nothing is inserted)")
        if html:
            print(html)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="icp-footer", description="Show ICP and PSB filing numbers on a site's home page."
    )
    parser.add_argument("--version", action="version", version=f"icp-footer {__version__}")
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
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
