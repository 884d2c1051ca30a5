"""Settings, and the per-domain table of numbers, read once from an environ mapping.

``load()`` reads ``os.environ`` unless given a mapping; keyword arguments override the
variables (the middleware passes its own keyword arguments through). Nothing else in the
package reads the environment.
"""

from __future__ import annotations

import contextlib
import difflib
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

from icp_footer._i18n import N_, _
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
    "OTHER_VARIABLES",
    "PSB_URL",
    "VARIABLES",
    "ConfigError",
    "Problem",
    "Settings",
    "Site",
    "display_host",
    "display_name",
    "load",
    "normalise_host",
    "unknown_variables",
]

log = logging.getLogger("icp_footer")

ICP_URL = "https://beian.miit.gov.cn/"
PSB_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"
DEFAULT_PATHS = ("/", "/index.html", "/index.htm")

VARIABLES: dict[str, str] = {
    "ICP_FOOTER_NUMBER": N_("the ICP number shown for any host no domain entry covers"),
    "ICP_FOOTER_PSB": N_("the Public Security (公安) number shown with it"),
    "ICP_FOOTER_DOMAINS": N_(
        "per-domain entries: DOMAIN=ICP[|PSB] or DOMAIN=none, by ; or newline"
    ),
    "ICP_FOOTER_DOMAINS_FILE": N_(
        "a UTF-8 file of such entries, one a line; re-read when it changes"
    ),
    "ICP_FOOTER_PATHS": N_("home-page paths, comma-separated; * means every page"),
    "ICP_FOOTER_MISSING": N_("banner or off: what a home page gets when its host has no number"),
    "ICP_FOOTER_STRICT": N_("1 (default): a malformed number stops startup; 0: it is logged"),
    "ICP_FOOTER_OWNER": N_("an owner or copyright line shown before the numbers"),
    "ICP_FOOTER_ICP_URL": N_("where the ICP number links"),
    "ICP_FOOTER_PSB_URL": N_("where the PSB number links; {code} is its 14 digits"),
    "ICP_FOOTER_LOOKBEHIND": N_("bytes held after the site footer while waiting for </body>"),
    "ICP_FOOTER_TRUST_FORWARDED_HOST": N_(
        "1: take the host from X-Forwarded-Host (behind a proxy)"
    ),
}
"""Each variable and what it does, in English: show ``_(VARIABLES[name])``."""

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

OTHER_VARIABLES = frozenset(
    {
        "ICP_FOOTER_PURE_PYTHON",  # switches the compiled scanner off
        "ICP_FOOTER_CHROMIUM",  # the browser "check --render" drives
        "ICP_FOOTER_SANITIZE",  # the development tools' own
        "ICP_FOOTER_SCREENSHOTS",
        "ICP_FOOTER_EXAMPLE_BARE",
    }
)
"""``ICP_FOOTER_*`` variables that are not settings but are not mistakes either."""

_PREFIX = "ICP_FOOTER_"
_FILE = "ICP_FOOTER_DOMAINS_FILE"
_LINE_EXAMPLE = f"example.cn={ICP_EXAMPLE}|{PSB_EXAMPLE}"
"""The example a problem on one line of the domains file shows."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
# A name already in normal form (lower-case LDH labels, no port, no trailing dot): most Host
# headers, and every domain in a big domains file. It normalises to itself, five times faster.
_NORMAL_NAME = re.compile(r"(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)")


class Problem(str):
    """One configuration problem, worded in the reader's language.

    The string is ``"<statement>. Example: <example>"`` (``"<statement>."`` without an
    example); the parts stay apart for whoever shows them otherwise (``manage.py check``
    shows the example as the hint). ``statement`` names the variable, entry or line.
    """

    statement: str
    example: str | None

    def __new__(cls, statement: str, example: str | None = None) -> Problem:
        """The problem ``statement`` (no final period), and a correct ``example``."""
        if example is None:
            text = _("{statement}.").format(statement=statement)
        else:
            text = _("{statement}. Example: {example}").format(statement=statement, example=example)
        problem = super().__new__(cls, text)
        problem.statement = statement
        problem.example = example
        return problem

    def __getnewargs__(self) -> tuple[str, str | None]:  # type: ignore[override]
        return (self.statement, self.example)


class ConfigError(ValueError):
    """The configuration cannot be used; the message lists every problem with an example.

    ``problems`` are strings, one a problem; those :func:`load` finds are :class:`Problem`.
    """

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
        host, _colon, port = host.partition(":")
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

        A problem on a line of the domains file (a ``where`` from :func:`_file_line`) shows
        an example line, not the variable.
        """
        example = _EXAMPLES[variable]
        if isinstance(where, _FileLine):
            example = _LINE_EXAMPLE
        elif where is None and entry is not None:
            where = _('{variable} entry "{entry}"').format(variable=variable, entry=entry)
        elif where is None:
            where = variable
        problem = Problem(_("{where}: {what}").format(where=where, what=what), example)
        if self.strict or always:
            self.errors.append(problem)
        else:
            log.warning(
                _("icp-footer: {problem} (ICP_FOOTER_STRICT=0: used as given)").format(
                    problem=problem
                )
            )


class _FileLine(str):
    """Where in the domains file a problem is: ``ICP_FOOTER_DOMAINS_FILE PATH line N``."""

    line: int


def _file_line(path: str, line: int) -> _FileLine:
    where = _FileLine(
        _("{variable} {path} line {line}").format(variable=_FILE, path=path, line=line)
    )
    where.line = line
    return where


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
    entries: Iterable[tuple[_FileLine | None, str]],
    variable: str,
    problems: _Problems,
    seen: dict[str, _FileLine | None],
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
            problem = _('"{entry}": one entry a line, without ";"').format(entry=_clip(entry))
        elif not sep or not numbers.strip():
            problem = _("write DOMAIN=NUMBER, DOMAIN=NUMBER|PSB or DOMAIN=none")
            if where is not None:
                problem = _('"{entry}": {problem}').format(entry=_clip(entry), problem=problem)
        elif domain_text.startswith(("*.", ".")):
            bare = domain_text.lstrip("*.")
            problem = _('an entry already covers its subdomains: write "{domain}"').format(
                domain=bare
            )
        elif not domain or domain_text.rstrip(".").count(":") == 1:
            problem = _('"{text}" is not a domain name').format(text=_clip(domain_text))
        elif domain in seen:
            before = seen[domain]
            if where is None:
                problem = _("{domain} has two entries").format(domain=domain)
            elif before is None:
                problem = _(
                    "{domain} also has an entry in ICP_FOOTER_DOMAINS: keep one of the two"
                ).format(domain=domain)
            else:
                problem = _("{domain} has two entries: lines {first} and {second}").format(
                    domain=domain, first=before.line, second=where.line
                )
        if problem is not None:
            problems.add(variable, entry, problem, always=True, where=where)
            continue
        seen[domain] = where
        icp_text, _bar, psb_text = numbers.partition("|")
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
        problems.add(_FILE, None, str(error), always=True, where=_file_line(path, error.line))
    except OSError as error:
        what = _("cannot read {path} ({reason})").format(path=path, reason=error.strerror or error)
        problems.add(_FILE, None, what, always=True)
    else:
        seen: dict[str, _FileLine | None] = dict.fromkeys(fixed)
        entries = ((_file_line(path, number), entry) for number, entry in lines)
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
    problems.add(variable, None, _('"{value}" is not 1 or 0').format(value=value), always=True)
    return None


def _paths(value: str | Iterable[str], problems: _Problems) -> frozenset[str] | None:
    items = value.split(",") if isinstance(value, str) else list(value)
    paths = {item.strip() for item in items if item.strip()}
    if "*" in paths:
        return None
    bad = sorted(p for p in paths if not p.startswith("/"))
    if bad or not paths:
        what = (
            _('"{path}" does not start with /').format(path=bad[0]) if bad else _("no path given")
        )
        problems.add("ICP_FOOTER_PATHS", None, what, always=True)
    return frozenset(paths) if paths else frozenset(DEFAULT_PATHS)


def _url(value: str, variable: str, problems: _Problems) -> str:
    url = value.strip()
    if not re.match(r"https?://[^\s/]+", url):
        problems.add(
            variable, None, _('"{value}" is not an http(s) URL').format(value=value), always=True
        )
    elif variable == "ICP_FOOTER_PSB_URL" and "{code}" not in url:
        log.warning(
            _("icp-footer: {variable} has no {code}: every PSB number links to one page").format(
                variable=variable, code="{code}"
            )
        )
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


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """The ``ICP_FOOTER_*`` variables of ``environ`` (default ``os.environ``) that are not known.

    Each comes with the closest known name, or ``None`` when none is close:
    ``ICP_FOOTER_NUMBR`` gives ``("ICP_FOOTER_NUMBR", "ICP_FOOTER_NUMBER")``. The prefix is
    matched in any case (``icp_footer_number`` is a mistake too); the names are sorted.
    Known are :data:`VARIABLES` and :data:`OTHER_VARIABLES`.
    """
    env = os.environ if environ is None else environ
    known = [*VARIABLES, *sorted(OTHER_VARIABLES)]
    # Every name shares the prefix: compare what follows it, or every name looks close.
    stems = [name.removeprefix(_PREFIX) for name in known]
    found: list[tuple[str, str | None]] = []
    for name in sorted(env):
        upper = name.upper()
        if not upper.startswith(_PREFIX) or name in VARIABLES or name in OTHER_VARIABLES:
            continue
        close = difflib.get_close_matches(upper.removeprefix(_PREFIX), stems, n=1)
        found.append((name, _PREFIX + close[0] if close else None))
    return found


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

    Raises :class:`ConfigError` listing every problem found. Logs a warning for each
    ``ICP_FOOTER_*`` variable that is not one (:func:`unknown_variables`).
    """
    unknown = sorted(set(overrides) - set(_OVERRIDES))
    if unknown:
        raise TypeError(
            _("unknown icp-footer setting(s): {names}").format(names=", ".join(unknown))
        )
    env = os.environ if environ is None else environ
    for name, close in unknown_variables(env):
        if close is None:
            log.warning(
                _("icp-footer: {name} is not an icp-footer variable; it is ignored").format(
                    name=name
                )
            )
        else:
            log.warning(
                _(
                    "icp-footer: {name} is not an icp-footer variable; it is ignored. "
                    "Did you mean {close}?"
                ).format(name=name, close=close)
            )
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
        problems.add("ICP_FOOTER_PSB", None, _("it needs ICP_FOOTER_NUMBER beside it"), always=True)

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
            Problem(
                _("reload_interval: {value} is not a number of seconds > 0").format(
                    value=repr(interval)
                ),
                "reload_interval=5",
            )
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
            "ICP_FOOTER_MISSING",
            None,
            _('"{value}" is neither banner nor off').format(value=missing),
            always=True,
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
            _('"{value}" is not a byte count >= 1024').format(value=limit_value),
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
