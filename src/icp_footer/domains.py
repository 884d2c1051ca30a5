"""The per-domain table from ``ICP_FOOTER_DOMAINS_FILE``, re-read when the file changes.

The file holds one ``DOMAIN=ICP[|PSB]`` or ``DOMAIN=none`` entry per line, in UTF-8 (a BOM
is tolerated). Blank lines are ignored, and an ASCII ``#`` starts a comment that runs to the
end of its line, wherever it stands: no domain name and no ICP or PSB number contains one
(:mod:`icp_footer.numbers`), so nothing is lost. :func:`read_entries` reads that syntax;
:mod:`icp_footer.config` validates the entries.

:class:`DomainTable` is the mapping ``Settings.domains`` holds when a file is configured. A
request asks it for :meth:`~DomainTable.current`, a plain dict. At most once every
``reload_interval`` seconds one request thread stats the file (the others do not wait: they
keep the table they have) and, when its device, inode, size or modification time in
nanoseconds changed, builds a new table and swaps it in with one assignment. Readers never
take a lock and see the old table or the new one, never a mix. A new file that does not
validate, or that is gone, leaves the old table in place; its problems are logged once.
"""

from __future__ import annotations

import codecs
import logging
import os
import threading
import time
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import TYPE_CHECKING

from icp_footer._i18n import _

if TYPE_CHECKING:
    from icp_footer.config import Site

__all__ = ["DEFAULT_RELOAD_INTERVAL", "DomainTable", "NotUtf8Error", "Signature", "read_entries"]

log = logging.getLogger("icp_footer")

DEFAULT_RELOAD_INTERVAL = 5.0
"""Seconds between two looks at the file."""

Signature = tuple[int, int, int, int]
"""``(st_dev, st_ino, st_size, st_mtime_ns)``: what says the file changed.

The modification time alone misses a rewrite within the filesystem's timestamp granularity
(coarse on many filesystems, seconds on some); the size catches most of those, and the inode
catches a file renamed into place (the safe way to replace it), whatever its size and time.
"""

Build = Callable[[str, "dict[str, Site]"], "tuple[Signature, dict[str, Site]]"]
"""``build(path, previous)`` reads and validates the file: its signature and its table.

``previous`` is the table in use; the entries it already holds unchanged need not be
validated again. Raises :class:`ValueError` (``ConfigError``) listing the problems, one a
line.
"""

_ATTEMPTS = 3
_LOGGED_PROBLEMS = 20


class NotUtf8Error(ValueError):
    """The file is not UTF-8; ``line`` is the line of the first bad byte."""

    def __init__(self, line: int, byte: int) -> None:
        self.line = line
        super().__init__(
            _("byte {byte} is not UTF-8: save the file as UTF-8").format(byte=f"0x{byte:02x}")
        )


def signature(st: os.stat_result) -> Signature:
    """The parts of a ``stat`` result that change when the file is rewritten or replaced."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_entries(path: str) -> tuple[Signature, list[tuple[int, str]]]:
    """The file's signature and its entries as ``(line number, text)``, comments dropped.

    Raises :class:`OSError` when the file cannot be read (or keeps changing while it is
    read), :class:`NotUtf8Error` when it is not UTF-8.
    """
    for _attempt in range(_ATTEMPTS):
        with open(path, "rb") as file:
            before = signature(os.fstat(file.fileno()))
            data = file.read()
            after = signature(os.fstat(file.fileno()))
        if before == after:
            break
    else:
        raise OSError(_("{path} kept changing while it was read").format(path=path))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotUtf8Error(data.count(b"\n", 0, error.start) + 1, data[error.start]) from None
    entries = []
    for number, line in enumerate(text.split("\n"), 1):
        entry = line.partition("#")[0].strip()
        if entry:
            entries.append((number, entry))
    return after, entries


class DomainTable(Mapping[str, "Site"]):
    """The domain table of a file, kept current; a read-only mapping of domain to site.

    ``build`` reads and validates the file (see :data:`Build`); ``table`` and ``signature``
    are what it gave at startup. ``clock`` (seconds, monotonic) times the checks.
    Every mapping method answers from one table, the current one.
    """

    __slots__ = (
        "_build",
        "_clock",
        "_due",
        "_lock",
        "_reported",
        "_signature",
        "_table",
        "path",
        "reload_interval",
    )

    def __init__(
        self,
        path: str,
        build: Build,
        *,
        table: dict[str, Site],
        signature: Signature,
        reload_interval: float = DEFAULT_RELOAD_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.reload_interval = reload_interval
        self._build = build
        self._clock = clock
        self._table = table
        self._signature = signature
        self._reported: object = None  # the last failure logged, so it is logged once
        self._lock = threading.Lock()  # held by the one thread checking the file
        self._due = clock() + reload_interval

    def current(self) -> dict[str, Site]:
        """The table to answer from now; looks at the file if the interval has passed."""
        if self._clock() >= self._due:
            self._check()
        return self._table

    def _check(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another thread is looking; this one keeps the table it has
        try:
            now = self._clock()
            if now < self._due:
                return  # looked at while this thread was on its way
            self._due = now + self.reload_interval
            self._reload()
        finally:
            self._lock.release()

    def _reload(self) -> None:
        try:
            seen = signature(os.stat(self.path))
        except OSError as error:
            reason = error.strerror or error
            self._report(
                ("gone", error.errno), [_("cannot read it ({reason})").format(reason=reason)]
            )
            return
        if seen == self._signature:
            self._reported = None
            return
        if seen == self._reported:
            return
        if seen[2] == 0:
            # Most writers truncate before they write: an empty file is a file being written.
            # To remove every entry, leave a comment in it.
            self._report(seen, [_("it is empty; taken as being rewritten")])
            return
        try:
            fresh, table = self._build(self.path, self._table)
        except (OSError, ValueError) as error:
            self._report(seen, str(error).splitlines())
            return
        except Exception as error:  # a bug must not fail the request that happened to look
            self._report(seen, [f"{type(error).__name__}: {error}"], exc_info=True)
            return
        self._table = table  # the one assignment readers see
        self._signature = fresh
        self._reported = None
        log.info(
            _("icp-footer: ICP_FOOTER_DOMAINS_FILE {path} reloaded: {count} entries").format(
                path=self.path, count=len(table)
            )
        )

    def _report(self, failure: object, problems: list[str], *, exc_info: bool = False) -> None:
        if failure == self._reported:
            return
        self._reported = failure
        log.warning(
            _(
                "icp-footer: ICP_FOOTER_DOMAINS_FILE {path} changed and cannot be used; the "
                "{count} entries loaded before stay in use until it is fixed:"
            ).format(path=self.path, count=len(self._table)),
            exc_info=exc_info,
        )
        for problem in problems[:_LOGGED_PROBLEMS]:
            log.warning("icp-footer:   %s", problem)
        if len(problems) > _LOGGED_PROBLEMS:
            more = len(problems) - _LOGGED_PROBLEMS
            log.warning(_("icp-footer:   ... and {count} more").format(count=more))

    # -- the mapping, answered from one table ---------------------------------------------------

    def __getitem__(self, domain: str) -> Site:
        return self.current()[domain]

    def get(self, domain: str, default: Site | None = None) -> Site | None:  # type: ignore[override]
        """The entry for ``domain`` exactly (no parent-domain search: see ``Settings``)."""
        return self.current().get(domain, default)

    def __contains__(self, domain: object) -> bool:
        return domain in self.current()

    def __iter__(self) -> Iterator[str]:
        return iter(self.current())

    def __len__(self) -> int:
        return len(self.current())

    def keys(self) -> KeysView[str]:
        """The domains of the current table."""
        return self.current().keys()

    def items(self) -> ItemsView[str, Site]:
        """The entries of the current table (one table, even if it is replaced meanwhile)."""
        return self.current().items()

    def values(self) -> ValuesView[Site]:
        """The sites of the current table."""
        return self.current().values()

    def __repr__(self) -> str:
        return f"<DomainTable {self.path!r}: {len(self._table)} entries>"
