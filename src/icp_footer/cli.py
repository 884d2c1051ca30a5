"""The ``icp-footer`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from icp_footer import __version__
from icp_footer.injector import DEFAULT_LOOKBEHIND_LIMIT, Injector

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
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
