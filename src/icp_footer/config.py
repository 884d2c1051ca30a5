"""Settings, and the per-domain table of numbers, read once from an environ mapping.

``load()`` reads ``os.environ`` unless given a mapping; keyword arguments override the
variables (the middleware passes its own keyword arguments through). Nothing else in the
package reads the environment.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from icp_footer.domains import (
    DEFAULT_RELOAD_INTERVAL,
    DomainTable,
    NotUtf8Error,
    Signature,
    read_entries,
)
from icp_footer.injector import DEFAULT_LOOKBEHIND_LIMIT
from icp_footer.numbers import (
    ICP_EXAMPLE,
    PSB_EXAMPLE,
    IcpNumber,
    NumberError,
    PsbNumber,
    normalise,
    parse_icp,
    parse_psb,
)

__all__ = [
    "DEFAULT_PATHS",
    "ICP_URL",
    "PSB_URL",
    "VARIABLES",
    "ConfigError",
    "Settings",
    "Site",
    "display_host",
    "display_name",
    "load",
    "normalise_host",
]

log = logging.getLogger("icp_footer")

ICP_URL = "https://beian.miit.gov.cn/"
PSB_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"
DEFAULT_PATHS = ("/", "/index.html", "/index.htm")

VARIABLES: dict[str, str] = {
    "ICP_FOOTER_NUMBER": "the ICP number shown for any host no domain entry covers",
    "ICP_FOOTER_PSB": "the Public Security (公安) number shown with it",
    "ICP_FOOTER_DOMAINS": "per-domain entries: DOMAIN=ICP[|PSB] or DOMAIN=none, by ; or newline",
    "ICP_FOOTER_DOMAINS_FILE": "a UTF-8 file of such entries, one a line; re-read when it changes",
    "ICP_FOOTER_PATHS": "home-page paths, comma-separated; * means every page",
    "ICP_FOOTER_MISSING": "banner or off: what a home page gets when its host has no number",
    "ICP_FOOTER_STRICT": "1 (default): a malformed number stops startup; 0: it is logged",
    "ICP_FOOTER_OWNER": "an owner or copyright line shown before the numbers",
    "ICP_FOOTER_ICP_URL": "where the ICP number links",
    "ICP_FOOTER_PSB_URL": "where the PSB number links; {code} is its 14 digits",
    "ICP_FOOTER_LOOKBEHIND": "bytes held after the site footer while waiting for </body>",
    "ICP_FOOTER_TRUST_FORWARDED_HOST": "1: take the host from X-Forwarded-Host (behind a proxy)",
}

_EXAMPLES = {
    "ICP_FOOTER_NUMBER": f'ICP_FOOTER_NUMBER="{ICP_EXAMPLE}"',
    "ICP_FOOTER_PSB": f'ICP_FOOTER_PSB="{PSB_EXAMPLE}"',
    "ICP_FOOTER_DOMAINS": (
        f'ICP_FOOTER_DOMAINS="example.cn={ICP_EXAMPLE}|{PSB_EXAMPLE}; example.com=none"'
    ),
    "ICP_FOOTER_DOMAINS_FILE": "ICP_FOOTER_DOMAINS_FILE=/etc/icp-footer/domains.txt",
    "ICP_FOOTER_PATHS": 'ICP_FOOTER_PATHS="/,/index.html"',
    "ICP_FOOTER_MISSING": "ICP_FOOTER_MISSING=banner",
    "ICP_FOOTER_STRICT": "ICP_FOOTER_STRICT=0",
    "ICP_FOOTER_OWNER": 'ICP_FOOTER_OWNER="© 2026 示例公司 版权所有"',
    "ICP_FOOTER_ICP_URL": f"ICP_FOOTER_ICP_URL={ICP_URL}",
    "ICP_FOOTER_PSB_URL": f'ICP_FOOTER_PSB_URL="{PSB_URL}"',
    "ICP_FOOTER_LOOKBEHIND": "ICP_FOOTER_LOOKBEHIND=1048576",
    "ICP_FOOTER_TRUST_FORWARDED_HOST": "ICP_FOOTER_TRUST_FORWARDED_HOST=1",
}

_FILE = "ICP_FOOTER_DOMAINS_FILE"
_LINE_EXAMPLE = f"example.cn={ICP_EXAMPLE}|{PSB_EXAMPLE}"
"""The example a problem on one line of the domains file shows."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
# A name already in normal form (lower-case LDH labels, no port, no trailing dot): most Host
# headers, and every domain in a big domains file. It normalises to itself, five times faster.
_NORMAL_NAME = re.compile(r"(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)")


class ConfigError(ValueError):
    """The configuration cannot be used; the message lists every problem with an example."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class Site:
    """What one host shows: its ICP number and PSB number, or nothing (``DOMAIN=none``)."""

    domain: str | None
    """The entry that matched (ASCII, punycode), or ``None`` for ``ICP_FOOTER_NUMBER``."""
    icp: IcpNumber | None
    psb: PsbNumber | None = None

    @property
    def silenced(self) -> bool:
        """True for ``DOMAIN=none``: this host shows nothing, not even the banner."""
        return self.icp is None and self.psb is None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the middleware needs to know; build it with :func:`load`."""

    default: Site | None = None
    domains: Mapping[str, Site] = field(default_factory=dict)
    """Domain (normalised) to site. With ``ICP_FOOTER_DOMAINS_FILE``, a :class:`DomainTable`:
    every read answers from the current table, re-read when the file changes."""
    paths: frozenset[str] | None = frozenset(DEFAULT_PATHS)
    """Home-page paths; ``None`` means every page."""
    missing: Literal["banner", "off"] = "banner"
    strict: bool = True
    owner: str | None = None
    icp_url: str = ICP_URL
    psb_url: str = PSB_URL
    lookbehind_limit: int = DEFAULT_LOOKBEHIND_LIMIT
    trust_forwarded_host: bool = False

    def site_for(self, host: str | None) -> Site | None:
        """The site a host shows: the longest domain entry covering it, else the default.

        ``None`` means no number applies (the banner case). One dict probe per label.
        """
        return self.site_for_name(normalise_host(host) if host else None)

    def site_for_name(self, name: str | None) -> Site | None:
        """:meth:`site_for` for a name :func:`normalise_host` gave (``None``: no valid host)."""
        domains = self.domains
        if type(domains) is DomainTable:
            domains = domains.current()  # one table for every probe of this lookup
        if name and domains:
            if name.startswith("["):
                site = domains.get(name)
                if site is not None:
                    return site
            else:
                labels = name.split(".")
                for i in range(len(labels)):
                    site = domains.get(".".join(labels[i:]))
                    if site is not None:
                        return site
        return self.default

    def is_home(self, path: str) -> bool:
        """Is ``path`` (already without the script name or root path) a home page?"""
        return self.paths is None or (path or "/") in self.paths


def normalise_host(host: str) -> str | None:
    """Case, port, trailing dot, IPv6 literal and IDN normalised; ``None`` if not a host.

    ``例子.中国``, ``XN--FSQU00A.xn--fiqs8s.`` and ``例子.中国:8080`` all give
    ``xn--fsqu00a.xn--fiqs8s``; ``[::1]:8000`` gives ``[::1]``. A WSGI server hands the
    raw header over decoded as Latin-1, so UTF-8 sent raw is recovered first. A host name
    is LDH labels of 1-63 characters, 253 in all once in ASCII; an IPv4 address is one.
    """
    host = host.strip()
    if len(host) <= 253 and _NORMAL_NAME.fullmatch(host):
        return host
    return _normalise_host(host)


def _normalise_host(host: str) -> str | None:
    """:func:`normalise_host` for a stripped host not already in normal form."""
    if not host or len(host) > 1024:
        return None
    if not host.isascii():
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            host = host.encode("latin-1").decode("utf-8")
    if host.startswith("["):
        end = host.find("]")
        if end < 0 or (host[end + 1 :] and not _is_port(host[end + 1 :])):
            return None
        try:
            return f"[{ipaddress.IPv6Address(host[1:end]).compressed}]"
        except ValueError:
            return None
    if host.count(":") == 1:
        host, _, port = host.partition(":")
        if not _is_port(":" + port):
            return None
    elif ":" in host:
        try:  # an IPv6 address without brackets, as some servers pass it
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    host = host.rstrip(".").lower()
    if not host:
        return None
    try:
        labels = [_to_ascii(label) for label in host.split(".")]
    except ValueError:
        return None
    name = ".".join(labels)
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    return name


def display_host(host: str | None) -> str | None:
    """``host`` as a page or a log may show it (:func:`display_name`); ``None`` if not a host.

    Anything :func:`normalise_host` refuses is not shown at all, so what is shown is at
    most 253 characters of letters, digits, marks, ``-`` and ``.``: a host name or an IPv4
    address, or else a compressed IPv6 literal such as ``[::1]``.
    """
    name = normalise_host(host) if host else None
    return display_name(name) if name else None


def display_name(name: str) -> str:
    """A name :func:`normalise_host` gave, with its IDN labels in Unicode (``例子.中国``).

    A label stays in ASCII (``xn--...``) unless it decodes to letters, digits, marks and
    ``-`` only: no symbol or punctuation that could pass for a ``/`` or a ``.``. The result
    is what an operator may paste into ``ICP_FOOTER_DOMAINS``: it normalises back to
    ``name``.
    """
    if "xn--" not in name:
        return name
    return ".".join(_to_unicode(label) for label in name.split("."))


def _is_port(text: str) -> bool:
    return text == ":" or (text[:1] == ":" and text[1:].isdigit() and len(text) <= 6)


def _to_ascii(label: str) -> str:
    if label.isascii():
        return label
    # IDNA 2003 (the standard library's codec) maps case and width as browsers do for
    # these labels; one label at a time so an error names nothing it should not.
    return label.encode("idna").decode("ascii")


def _to_unicode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        text = label.encode("ascii").decode("idna")  # checks that it encodes back to label
    except UnicodeError:
        return label
    if all(c == "-" or unicodedata.category(c)[0] in "LMN" for c in text):
        return text
    return label


# -- reading the variables ------------------------------------------------------------------


class _Problems:
    """Collects every problem, so one failed start shows them all."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.errors: list[str] = []

    def add(
        self,
        variable: str,
        entry: str | None,
        what: str,
        *,
        always: bool = False,
        where: str | None = None,
    ) -> None:
        """Record a problem; ``where`` replaces the default ``VARIABLE entry "ENTRY"``.

        A problem on a line of the domains file shows an example line, not the variable.
        """
        if where is None:
            where = f'{variable} entry "{entry}"' if entry is not None else variable
        example = _LINE_EXAMPLE if where.startswith(f"{_FILE} ") else _EXAMPLES[variable]
        message = f"{where}: {what}. Example: {example}"
        if self.strict or always:
            self.errors.append(message)
        else:
            log.warning("icp-footer: %s (ICP_FOOTER_STRICT=0: used as given)", message)


def _icp(
    text: str, variable: str, entry: str | None, problems: _Problems, where: str | None = None
) -> IcpNumber | None:
    text = text.strip()  # spaces around "=" and "|" belong to the entry, not the number
    try:
        return parse_icp(text)
    except NumberError as error:
        problems.add(variable, entry, str(error), where=where)  # the error quotes the number
        if problems.strict:
            return None
        return IcpNumber(text.strip(), normalise(text), "unknown", "")


def _psb(
    text: str, variable: str, entry: str | None, problems: _Problems, where: str | None = None
) -> PsbNumber | None:
    text = text.strip()
    try:
        return parse_psb(text)
    except NumberError as error:
        problems.add(variable, entry, str(error), where=where)
        if problems.strict:
            return None
        digits = "".join(c for c in normalise(text) if c.isdigit())
        return PsbNumber(text.strip(), normalise(text), digits, "")


def _domains(value: str, problems: _Problems) -> dict[str, Site]:
    entries = ((None, raw.strip()) for raw in re.split(r"[;\n]", value))
    return _entries(entries, "ICP_FOOTER_DOMAINS", problems, {})


def _entries(
    entries: Iterable[tuple[str | None, str]],
    variable: str,
    problems: _Problems,
    seen: dict[str, str | None],
    previous: Mapping[str, Site] | None = None,
) -> dict[str, Site]:
    """Validate ``(where, entry)`` pairs into a table.

    ``where`` locates the entry in messages (``None``: ``VARIABLE entry "ENTRY"``); ``seen``
    maps every domain already taken to where, and gets this call's domains added. An entry
    whose site in ``previous`` (the table being replaced) has the same numbers keeps that
    site: its numbers were validated already, and validating them is most of the cost.
    """
    table: dict[str, Site] = {}
    for where, entry in entries:
        if not entry:
            continue
        problem: str | None = None
        domain_text, sep, numbers = entry.partition("=")
        domain_text = domain_text.strip()
        domain = normalise_host(domain_text) or ""
        if where is not None and ";" in entry:
            problem = f'"{_clip(entry)}": one entry a line, without ";"'
        elif not sep or not numbers.strip():
            quoted = f'"{_clip(entry)}": ' if where is not None else ""
            problem = f"{quoted}write DOMAIN=NUMBER, DOMAIN=NUMBER|PSB or DOMAIN=none"
        elif domain_text.startswith(("*.", ".")):
            bare = domain_text.lstrip("*.")
            problem = f'an entry already covers its subdomains: write "{bare}"'
        elif not domain or domain_text.rstrip(".").count(":") == 1:
            problem = f'"{_clip(domain_text)}" is not a domain name'
        elif domain in seen:
            before = seen[domain]
            if where is None:
                problem = f"{domain} has two entries"
            elif before is None:
                problem = f"{domain} also has an entry in ICP_FOOTER_DOMAINS: keep one of the two"
            else:
                problem = f"{domain} has two entries: lines {_line(before)} and {_line(where)}"
        if problem is not None:
            problems.add(variable, entry, problem, always=True, where=where)
            continue
        seen[domain] = where
        icp_text, _, psb_text = numbers.partition("|")
        old = previous.get(domain) if previous else None
        if old is not None and _unchanged(old, icp_text.strip(), psb_text.strip()):
            table[domain] = old
            continue
        if icp_text.strip().lower() == "none" and not psb_text.strip():
            table[domain] = Site(domain, None, None)
            continue
        icp = _icp(icp_text, variable, entry, problems, where)
        psb = _psb(psb_text, variable, entry, problems, where) if psb_text.strip() else None
        if icp is not None and (psb is not None or not psb_text.strip()):
            table[domain] = Site(domain, icp, psb)
    return table


def _unchanged(site: Site, icp_text: str, psb_text: str) -> bool:
    """Is ``site`` what an entry with these (stripped) numbers gives?"""
    if site.icp is None:
        return site.psb is None and icp_text.lower() == "none" and not psb_text
    return site.icp.text == icp_text and (site.psb.text if site.psb else "") == psb_text


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(where: str) -> str:
    """The line number at the end of a ``where`` of the domains file."""
    return where[where.rindex(" ") + 1 :]


def _file_table(
    path: str, previous: Mapping[str, Site], *, fixed: Mapping[str, Site], strict: bool
) -> tuple[Signature, dict[str, Site]]:
    """Read and validate the domains file; its entries join ``fixed`` (ICP_FOOTER_DOMAINS).

    ``previous`` is the table in use, whose unchanged entries are kept as they are.
    Raises :class:`ConfigError` listing every problem, each naming the file and the line.
    """
    problems = _Problems(strict)
    try:
        found, lines = read_entries(path)
    except NotUtf8Error as error:
        problems.add(
            _FILE, None, str(error), always=True, where=f"{_FILE} {path} line {error.line}"
        )
    except OSError as error:
        what = f"cannot read {path} ({error.strerror or error})"
        problems.add(_FILE, None, what, always=True)
    else:
        seen: dict[str, str | None] = dict.fromkeys(fixed)
        entries = ((f"{_FILE} {path} line {number}", entry) for number, entry in lines)
        table = _entries(entries, _FILE, problems, seen, previous)
    if problems.errors:
        raise ConfigError(problems.errors)
    return found, {**fixed, **table} if fixed else table


def _flag(value: str, variable: str, problems: _Problems) -> bool | None:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    problems.add(variable, None, f'"{value}" is not 1 or 0', always=True)
    return None


def _paths(value: str | Iterable[str], problems: _Problems) -> frozenset[str] | None:
    items = value.split(",") if isinstance(value, str) else list(value)
    paths = {item.strip() for item in items if item.strip()}
    if "*" in paths:
        return None
    bad = sorted(p for p in paths if not p.startswith("/"))
    if bad or not paths:
        what = f'"{bad[0]}" does not start with /' if bad else "no path given"
        problems.add("ICP_FOOTER_PATHS", None, what, always=True)
    return frozenset(paths) if paths else frozenset(DEFAULT_PATHS)


def _url(value: str, variable: str, problems: _Problems) -> str:
    url = value.strip()
    if not re.match(r"https?://[^\s/]+", url):
        problems.add(variable, None, f'"{value}" is not an http(s) URL', always=True)
    elif variable == "ICP_FOOTER_PSB_URL" and "{code}" not in url:
        log.warning("icp-footer: ICP_FOOTER_PSB_URL has no {code}: every PSB links to one page")
    return url


_OVERRIDES = {
    "number": "ICP_FOOTER_NUMBER",
    "psb": "ICP_FOOTER_PSB",
    "domains": "ICP_FOOTER_DOMAINS",
    "domains_file": "ICP_FOOTER_DOMAINS_FILE",
    "paths": "ICP_FOOTER_PATHS",
    "missing": "ICP_FOOTER_MISSING",
    "strict": "ICP_FOOTER_STRICT",
    "owner": "ICP_FOOTER_OWNER",
    "icp_url": "ICP_FOOTER_ICP_URL",
    "psb_url": "ICP_FOOTER_PSB_URL",
    "lookbehind_limit": "ICP_FOOTER_LOOKBEHIND",
    "trust_forwarded_host": "ICP_FOOTER_TRUST_FORWARDED_HOST",
}


def load(
    environ: Mapping[str, str] | None = None,
    *,
    reload_interval: float | None = None,
    clock: Callable[[], float] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings from ``environ`` (default ``os.environ``) and keyword overrides.

    Keywords are the variable names without ``ICP_FOOTER_``, lower-cased: ``number``,
    ``psb``, ``domains`` (a string as in the variable, or a mapping of domain to
    ``"ICP|PSB"`` or ``"none"``), ``domains_file`` (a path), ``paths`` (a string or an
    iterable), ``missing``, ``strict``, ``owner``, ``icp_url``, ``psb_url``,
    ``lookbehind_limit``, ``trust_forwarded_host``. A keyword set to ``None`` is ignored.

    With a domains file, ``reload_interval`` (seconds, default 5; ``math.inf`` never looks
    again) is how often its stat is checked, timed by ``clock`` (seconds, monotonic).

    Raises :class:`ConfigError` listing every problem found.
    """
    unknown = sorted(set(overrides) - set(_OVERRIDES))
    if unknown:
        raise TypeError(f"unknown icp-footer setting(s): {', '.join(unknown)}")
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {var: env[var] for var in VARIABLES if var in env}
    for key, value in overrides.items():
        if value is not None:
            values[_OVERRIDES[key]] = value

    strict_value = values.get("ICP_FOOTER_STRICT", True)
    early = _Problems(strict=True)
    strict = (
        strict_value
        if isinstance(strict_value, bool)
        else _flag(str(strict_value), "ICP_FOOTER_STRICT", early)
    )
    problems = _Problems(strict=strict is not False)
    problems.errors.extend(early.errors)

    default: Site | None = None
    number = str(values.get("ICP_FOOTER_NUMBER", "")).strip()
    psb_text = str(values.get("ICP_FOOTER_PSB", "")).strip()
    if number:
        icp = _icp(number, "ICP_FOOTER_NUMBER", None, problems)
        psb = _psb(psb_text, "ICP_FOOTER_PSB", None, problems) if psb_text else None
        if icp is not None:
            default = Site(None, icp, psb)
    elif psb_text:
        problems.add("ICP_FOOTER_PSB", None, "it needs ICP_FOOTER_NUMBER beside it", always=True)

    raw_domains = values.get("ICP_FOOTER_DOMAINS", "")
    if isinstance(raw_domains, Mapping):
        raw_domains = ";".join(f"{d}={n}" for d, n in raw_domains.items())
    domains: Mapping[str, Site] = _domains(str(raw_domains), problems)
    domains_file = os.fspath(values.get(_FILE, ""))
    if isinstance(domains_file, bytes):
        domains_file = os.fsdecode(domains_file)
    interval = DEFAULT_RELOAD_INTERVAL if reload_interval is None else reload_interval
    if isinstance(interval, bool) or not isinstance(interval, int | float) or not interval > 0:
        problems.errors.append(
            f"reload_interval: {interval!r} is not a number of seconds > 0. "
            "Example: reload_interval=5"
        )
        interval = DEFAULT_RELOAD_INTERVAL
    if domains_file.strip():
        path = os.path.abspath(domains_file.strip())
        build = partial(_file_table, fixed=domains, strict=problems.strict)
        try:
            found, table = build(path, {})
        except ConfigError as error:
            problems.errors.extend(error.problems)
        else:
            domains = DomainTable(
                path,
                build,
                table=table,
                signature=found,
                reload_interval=float(interval),
                clock=clock or time.monotonic,
            )

    paths = _paths(values.get("ICP_FOOTER_PATHS", ",".join(DEFAULT_PATHS)), problems)
    missing = str(values.get("ICP_FOOTER_MISSING", "banner")).strip().lower()
    if missing not in ("banner", "off"):
        problems.add(
            "ICP_FOOTER_MISSING", None, f'"{missing}" is neither banner nor off', always=True
        )
        missing = "banner"
    owner = str(values["ICP_FOOTER_OWNER"]).strip() if "ICP_FOOTER_OWNER" in values else None
    icp_url = _url(str(values.get("ICP_FOOTER_ICP_URL", ICP_URL)), "ICP_FOOTER_ICP_URL", problems)
    psb_url = _url(str(values.get("ICP_FOOTER_PSB_URL", PSB_URL)), "ICP_FOOTER_PSB_URL", problems)

    limit_value = values.get("ICP_FOOTER_LOOKBEHIND", DEFAULT_LOOKBEHIND_LIMIT)
    try:
        limit = int(limit_value)
        if limit < 1024:
            raise ValueError
    except (TypeError, ValueError):
        problems.add(
            "ICP_FOOTER_LOOKBEHIND",
            None,
            f'"{limit_value}" is not a byte count >= 1024',
            always=True,
        )
        limit = DEFAULT_LOOKBEHIND_LIMIT

    trust_value = values.get("ICP_FOOTER_TRUST_FORWARDED_HOST", False)
    trust = (
        trust_value
        if isinstance(trust_value, bool)
        else _flag(str(trust_value), "ICP_FOOTER_TRUST_FORWARDED_HOST", problems)
    )

    if problems.errors:
        raise ConfigError(problems.errors)
    return Settings(
        default=default,
        domains=domains,
        paths=paths,
        missing="off" if missing == "off" else "banner",
        strict=strict is not False,
        owner=owner or None,
        icp_url=icp_url,
        psb_url=psb_url,
        lookbehind_limit=limit,
        trust_forwarded_host=bool(trust),
    )
