"""The data state's tag scanner: one contract, two implementations.

``TagScanner(start_names, end_names, ...).next(buf, pos, flags)`` reads ``buf`` from ``pos``
as a browser's tokenizer reads the data state, and returns the next event that can change a
decision, skipping text, ordinary tags (attribute by attribute, so a quoted value holding
``>`` does not end one), bogus comments and ``</>``. Tag names are matched ASCII
case-insensitively and reported lowercased:

``(kind, at, end, name, self_closing)``

* ``COMMENT``: ``<!--`` starts at ``at`` (``end`` is ``at + 4``);
* ``START`` / ``END``: a complete start or end tag ``buf[at:end]`` named ``name``, one of
  ``start_names`` / ``end_names`` (any name with :data:`EVERY_TAG` in ``flags``);
* ``UNFINISHED``: nothing more in the buffer; an unfinished construct starts at ``at``
  (``len(buf)`` when there is none), to be carried until more bytes come.

Whole constructs that change nothing are skipped with their content, when the buffer holds
them to their end:

* an SVG or MathML element (unless :data:`EVERY_TAG`) whose content is text and tags that do
  not stop a run of foreign content (``foreign_start`` / ``foreign_end``), text-only
  integration points (``foreign_text``, such as an icon's ``<title>``), and no comment, CDATA,
  stray ``<`` or nested ``<svg>``: the icons pages are full of;
* with :data:`SKIP_TEXT` (the caller knows a ``<script>`` or a ``raw_text`` element would
  only switch the tokenizer, and a comment changes nothing): a comment, a ``<script>``
  element (its escaped states included) and a raw-text element, up to the end tag that ends
  it, which is then read as an ordinary tag.

This module is the pure-Python implementation and the reference: it asks the regular
expression engine for the next needle in a lowercased copy of the buffer and treats every
other tag as ending at its first ``>``, which is exact unless a quoted value holds ``>``; a
second search finds every such value (``="...>``) and only those tags are read attribute by
attribute. ``icp_footer._speedups`` walks the bytes in C with the same answers;
:data:`TagScanner` is the one in use.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from typing import Protocol

__all__ = [
    "COMMENT",
    "END",
    "EVERY_TAG",
    "PLAIN_CLOSES_P",
    "PLAIN_DEPTH",
    "PLAIN_GUARDED",
    "PLAIN_INSIDE",
    "PLAIN_IS_P",
    "PLAIN_SCOPE",
    "PLAIN_SECTIONING",
    "PLAIN_SPECIAL",
    "PLAIN_VOID",
    "SKIP_TEXT",
    "START",
    "UNFINISHED",
    "Event",
    "PlainEvent",
    "PyTagScanner",
    "TagScanner",
]

UNFINISHED, COMMENT, START, END = range(4)
EVERY_TAG = 1
"""Report every tag, not only needles (and skip no SVG)."""
SKIP_TEXT = 2
"""Skip whole comments, scripts and raw-text elements."""

PLAIN_SECTIONING = 1
"""A plain element that, open, makes a guarded one plain."""
PLAIN_GUARDED = 2
"""A plain element whose start tag is plain only inside a sectioning one."""
PLAIN_SCOPE = 4
"""A plain element a special one's end tag does not reach past (it is then ignored)."""
PLAIN_INSIDE = 8
"""A plain element inside the site footer and hidden content, where every tag matters.

It is plain only with :data:`EVERY_TAG`; those without it, only without."""
PLAIN_VOID = 16
"""A plain element whose start tag opens nothing."""
PLAIN_SPECIAL = 32
"""A plain element another one's end tag does not reach past (it is then ignored)."""
PLAIN_CLOSES_P = 64
"""A plain element whose start tag closes an open ``<p>``: plain only while none is."""
PLAIN_IS_P = 128
"""The ``<p>`` element: a PLAIN_CLOSES_P one is not plain while it is open."""
PLAIN_DEPTH = 64
"""Plain elements :meth:`PyTagScanner.next_plain` keeps open before it hands one over."""

Event = tuple[int, int, int, bytes | None, bool]
PlainEvent = tuple[int, int, int, bytes | None, bool, tuple[bytes, ...], int]

_DELIM = rb"[\t\n\f\r />]"


class Scanner(Protocol):
    def next(self, buf: bytes, pos: int, flags: int) -> Event: ...

    def next_plain(  # noqa: PLR0917 - a C method's positional arguments
        self,
        buf: bytes,
        pos: int,
        flags: int,
        room: int,
        sectioning: int,
        paragraphs: int,
        open_elements: list[bytes],
    ) -> PlainEvent: ...

    def script_step(self, buf: bytes, pos: int, level: int) -> tuple[int, int] | None: ...

    def raw_text_end(self, buf: bytes, pos: int, name: bytes) -> int: ...

    def find(self, buf: bytes, key: bytes, pos: int) -> int: ...

    def open_value(self, buf: bytes, pos: int) -> int: ...


def alternation(words: Iterable[bytes]) -> bytes:
    """A regex matching any of ``words``, factored by common prefixes.

    The regular-expression engine tries alternatives one by one, so ``s(?:cript|tyle)``
    rejects a non-needle tag in one comparison where ``script|style|...`` takes twenty.
    """
    groups: dict[bytes, list[bytes]] = {}
    for word in sorted(set(words)):
        groups.setdefault(word[:1], []).append(word[1:])
    parts = []
    for head, tails in groups.items():
        rest = [t for t in tails if t]
        if not rest:
            parts.append(re.escape(head))
            continue
        inner = alternation(rest)
        if len({t[:1] for t in rest}) > 1 or b"" in tails:
            inner = b"(?:" + inner + b")"
        parts.append(re.escape(head) + inner + (b"?" if b"" in tails else b""))
    return b"|".join(parts)


# Attributes as the tokenizer reads them. Once "=" follows a name the value must match in
# full (a quote there always opens a quoted value), so an unterminated value fails the match.
ATTRS = (
    rb"(?:[\t\n\f\r ]++|/(?!>)|(?:=[^\t\n\f\r />=]*+|[^\t\n\f\r />=]++)"
    rb"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >\"'][^\t\n\f\r >]*+|(?=>))"
    rb"|(?![\t\n\f\r ]*+=)))*+"
)
_ATTRS_RE = re.compile(ATTRS)
# An attribute whose quoted value opens (after ATTRS has read the complete ones); group 1 is
# the quote.
_OPEN_VALUE = re.compile(
    rb"(?:=[^\t\n\f\r />=]*+|[^\t\n\f\r />=]++)[\t\n\f\r ]*+=[\t\n\f\r ]*+([\"'])"
)
# One whole tag, attribute by attribute; group 1 is the tag name, group 2 a self-closing "/".
TAG = re.compile(rb"</?([a-z][^\t\n\f\r />]*+)" + ATTRS + rb"(/?)>")
# Any tag, when every tag matters.
_ANY_TAG = re.compile(rb"<(?:!--|([a-z][^\t\n\f\r />]*+)|/([a-z][^\t\n\f\r />]*+))")
# A quoted value longer than 256 bytes is handed to bytes.find: the engine walks a value byte
# by byte, and base64 images make values of many kilobytes. A match ends with ">" (the value
# holds it) or with the value's 257th byte; group 1 is set for a double quote.
_GT_OR_LONG_VALUE = re.compile(rb"=[\t\n\f\r ]*+(?:(\")[^\">]{0,256}+[^\"]|'[^'>]{0,256}+[^'])")
_OPENER = re.compile(rb"<[a-z!?/]")

# Text-like content: what ends a comment, script data at each level, a raw-text element.
COMMENT_END = re.compile(rb"--!?>")
_SCRIPT_DATA = re.compile(rb"</script" + _DELIM + rb"|<!--", re.IGNORECASE)
_SCRIPT_ESCAPED = re.compile(rb"-->|(</script)" + _DELIM + rb"|(<script)" + _DELIM, re.IGNORECASE)
_SCRIPT_DOUBLE_ESCAPED = re.compile(rb"-->|</script" + _DELIM, re.IGNORECASE)


@functools.lru_cache(maxsize=32)
def raw_text_end(name: bytes) -> re.Pattern[bytes]:
    """The end tag that ends the raw-text element ``name``, in any case."""
    return re.compile(b"</" + re.escape(name) + _DELIM, re.IGNORECASE)


def script_step(text: bytes, pos: int, level: int) -> tuple[int, int] | None:
    """One step through script data from ``pos`` at ``level`` (0 script data, 1 escaped,
    2 double escaped): ``(pos, level)`` to go on from, or ``(at, -1)`` when the
    ``</script`` that ends the element starts at ``at``; ``None`` when the buffer ends first.
    """
    if level == 0:
        m = _SCRIPT_DATA.search(text, pos)
        if m is None:
            return None
        if text[m.start() + 1] == 0x2F:  # "</script"
            return m.start(), -1
        return m.start() + 2, 1  # the dashes of "<!--" may end the escape at once: "<!-->"
    if level == 1:
        m = _SCRIPT_ESCAPED.search(text, pos)
        if m is None:
            return None
        if m.group(1):
            return m.start(), -1
        return m.end(), 2 if m.group(2) else 0
    m = _SCRIPT_DOUBLE_ESCAPED.search(text, pos)
    if m is None:
        return None
    return m.end(), 0 if text[m.start()] == 0x2D else 1


def _script_end(text: bytes, pos: int) -> int | None:
    """Where the ``</script`` ending script data that starts at ``pos`` begins, if held."""
    level = 0
    while level >= 0:
        step = script_step(text, pos, level)
        if step is None:
            return None
        pos, level = step
    return pos


def _comment_end(text: bytes, at: int) -> int | None:
    """The end of the comment whose ``<!--`` is at ``at``, if the buffer holds it."""
    if len(text) - at < 6:
        return None
    if text[at + 4] == 0x3E:  # "<!-->"
        return at + 5
    if text[at + 4 : at + 6] == b"->":  # "<!--->"
        return at + 6
    m = COMMENT_END.search(text, at + 4)
    return None if m is None else m.end()


class PyTagScanner:
    """The reference :class:`Scanner`, in Python. It remembers searches for one buffer."""

    def __init__(  # noqa: PLR0917 - the compiled scanner takes the same arguments
        self,
        start_names: Iterable[bytes],
        end_names: Iterable[bytes],
        foreign_start: Iterable[bytes] = (),
        foreign_end: Iterable[bytes] = (),
        raw_text: Iterable[bytes] = (),
        foreign_text: Iterable[bytes] = (),
        plain: Iterable[bytes] = (),
        plain_kinds: bytes = b"",
    ) -> None:
        plain = tuple(plain)
        if len(plain) != len(plain_kinds):
            raise ValueError("plain_kinds needs one byte for each plain name")
        self._plain = dict(zip(plain, plain_kinds, strict=True))
        self._needles = _needle_search(tuple(start_names), tuple(end_names))
        foreign = (tuple(foreign_start), tuple(foreign_end))
        self._foreign_run = foreign_run(*foreign, tuple(foreign_text)) if all(foreign) else None
        self._raw_text = frozenset(raw_text)
        self._buf = b""
        self._low = b""
        self._found: dict[bool, tuple[int, re.Match[bytes] | None]] = {}
        self._gt: tuple[int, int | None] | None = None

    def next(self, buf: bytes, pos: int, flags: int) -> Event:
        """The next event in ``buf`` from ``pos`` (see the module's docstring)."""
        if buf is not self._buf:
            self._buf, self._low, self._found, self._gt = buf, buf.lower(), {}, None
        low = self._low
        every_tag = bool(flags & EVERY_TAG)
        skip_text = bool(flags & SKIP_TEXT)
        gt_from = pos  # violations before this were text or bogus comments
        while True:
            needle = self._next_needle(low, pos, every_tag)
            gt = self._violation(low, max(pos, gt_from))
            if gt is not None and (needle is None or gt < needle.start()):
                # A quoted value may hold ">": tokenize the tag it belongs to exactly.
                opener = _tag_start(low, pos, gt)
                if opener is None or not _is_tag_opener(low, opener):
                    gt_from = gt + 1  # text or bogus comment
                    continue
                tag = TAG.match(low, opener)
                if tag is None:
                    return UNFINISHED, opener, opener, None, False
                pos = tag.end()
                continue
            if needle is None:
                stop = _unfinished(low, pos)
                return UNFINISHED, stop, stop, None, False
            at = needle.start()
            opener = _tag_start(low, pos, at)
            if opener is not None:  # inside a tag or a bogus comment: skip all of it
                if _is_tag_opener(low, opener):
                    tag = TAG.match(low, opener)
                    close = -1 if tag is None else tag.end()
                else:
                    close = low.find(b">", opener) + 1 or -1
                if close < 0:
                    return UNFINISHED, opener, opener, None, False
                pos = close
                continue
            start_name, end_name = needle.group(1), needle.group(2)
            if start_name is None and end_name is None:
                after = _comment_end(low, at) if skip_text else None
                if after is not None:
                    pos = after
                    continue
                return COMMENT, at, at + 4, None, False
            tag = TAG.match(low, at)
            if tag is None:
                return UNFINISHED, at, at, None, False
            if start_name is None:
                return END, at, tag.end(), end_name, False
            if skip_text and (start_name == b"script" or start_name in self._raw_text):
                after = (
                    _script_end(low, tag.end())
                    if start_name == b"script"
                    else _search_start(raw_text_end(start_name), low, tag.end())
                )
                if after is not None:  # the whole element: its end tag is an ordinary tag
                    pos = after
                    continue
            if (
                start_name in (b"svg", b"math")
                and not tag.group(2)
                and not every_tag
                and self._foreign_run is not None
            ):
                run = self._foreign_run.match(low, tag.end())
                stop = run.end() if run else tag.end()
                closing = TAG.match(low, stop) if _FOREIGN_END.match(low, stop) else None
                if closing is not None:  # a whole icon that changes nothing
                    pos = closing.end()
                    continue
            return START, at, tag.end(), start_name, bool(tag.group(2))

    def next_plain(  # noqa: PLR0917 - the compiled scanner takes the same arguments
        self,
        buf: bytes,
        pos: int,
        flags: int,
        room: int,
        sectioning: int,
        paragraphs: int,
        open_elements: list[bytes],
    ) -> PlainEvent:
        """:meth:`next`, opening and closing plain elements itself.

        The caller says these elements, where they are plain (outside everything else that
        matters, or with :data:`PLAIN_INSIDE` inside the site footer and hidden content, where
        every tag is reported), only open and close. A start tag opens one, unless it is void
        (it opens nothing), guarded (plain only inside a sectioning element) or closes a
        ``<p>`` (plain only while no ``<p>`` is open). An end tag
        closes the innermost of its name and all inside it, unless the tree builder ignores
        it: a special element's end tag does not reach past a scope element, any other's
        past a special one. Those the scanner can settle alone are not events: it keeps the
        ones it opened on a stack (at most ``room`` and :data:`PLAIN_DEPTH`) and stops at
        the first event it cannot settle, an end tag for an element opened before included.
        The last item is the names still open, outermost first, for the caller to open
        before it acts on the event. ``sectioning`` and ``paragraphs``: how many sectioning
        elements and ``<p>`` are open already, ``open_elements``' included.

        ``open_elements`` are the caller's, outermost first. The innermost of them that are
        plain here (at most half of :data:`PLAIN_DEPTH`) start the stack, as if opened in this
        call: an end tag may close them too. The last item is the index of the first of the
        caller's it closed (``len(open_elements)`` when none), for the caller to close first.
        """
        plain = self._plain
        inside = PLAIN_INSIDE if flags & EVERY_TAG else 0
        first = len(open_elements)
        while first > 0 and len(open_elements) - first < PLAIN_DEPTH // 2:
            bits = plain.get(open_elements[first - 1])
            if bits is None or bits & PLAIN_INSIDE != inside:
                break
            first -= 1
        stack = open_elements[first:]
        carried = kept = len(stack)
        open_sectioning = sum(plain[e] & PLAIN_SECTIONING for e in stack)
        sectioning -= open_sectioning  # those open outside the stack
        paragraphs -= sum(1 for e in stack if plain[e] & PLAIN_IS_P)

        def answer(event: Event) -> PlainEvent:
            return (*event, tuple(stack[kept:]), first + kept)

        while True:
            event = self.next(buf, pos, flags)
            kind, _, end, name, _ = event
            if name is None or name not in plain or plain[name] & PLAIN_INSIDE != inside:
                return answer(event)
            bits = plain[name]
            if kind == START:
                if bits & PLAIN_VOID:
                    pos = end
                    continue
                if (
                    (bits & PLAIN_GUARDED and sectioning <= 0 and not open_sectioning)
                    or len(stack) - carried >= room
                    or len(stack) >= PLAIN_DEPTH
                ):
                    return answer(event)
                if bits & PLAIN_CLOSES_P and (
                    paragraphs > 0 or any(plain[e] & PLAIN_IS_P for e in stack)
                ):
                    return answer(event)
                stack.append(name)
                open_sectioning += bits & PLAIN_SECTIONING
            else:
                if name not in stack:
                    return answer(event)  # the caller's to judge
                at = len(stack) - 1 - stack[::-1].index(name)
                bound = PLAIN_SCOPE if bits & PLAIN_SPECIAL else PLAIN_SPECIAL
                if any(plain[inner] & bound for inner in stack[at + 1 :]):
                    return answer(event)  # the tree builder ignores it
                open_sectioning -= sum(plain[closed] & PLAIN_SECTIONING for closed in stack[at:])
                del stack[at:]
                kept = min(kept, at)
            pos = end

    def script_step(self, buf: bytes, pos: int, level: int) -> tuple[int, int] | None:
        """:func:`script_step`, for a caller that reads script data in its own text mode."""
        return script_step(buf, pos, level)

    def find(self, buf: bytes, key: bytes, pos: int) -> int:
        """``buf.find(key, pos)``: the compiled scanner leads its search by a rare byte."""
        return buf.find(key, pos)

    def raw_text_end(self, buf: bytes, pos: int, name: bytes) -> int:
        """Where the end tag of the raw-text element ``name`` starts from ``pos``, or -1."""
        m = raw_text_end(name).search(buf, pos)
        return -1 if m is None else m.start()

    def open_value(self, buf: bytes, pos: int) -> int:
        """For a tag's attributes from ``pos``, when ``buf`` ends inside a quoted value: the
        offset after that value's opening quote; -1 when the attributes end in ``buf`` or it
        ends anywhere else.
        """
        complete = _ATTRS_RE.match(buf, pos)
        assert complete is not None  # it matches the empty string too
        value = _OPEN_VALUE.match(buf, complete.end())
        if value is None or buf.find(value.group(1), value.end()) >= 0:
            return -1
        return value.end()

    def _next_needle(self, low: bytes, pos: int, every_tag: bool) -> re.Match[bytes] | None:
        """The next needle's match, remembering the answer for this buffer.

        The scanner asks again from later positions; while the match found before is still
        ahead (or there was none), it is the answer, and the buffer is not searched again.
        """
        found = self._found.get(every_tag)
        if found is not None:
            start, match = found
            if start <= pos and (match is None or match.start() >= pos):
                return match
        match = (_ANY_TAG if every_tag else self._needles).search(low, pos)
        self._found[every_tag] = (pos, match)
        return match

    def _violation(self, low: bytes, pos: int) -> int | None:
        """Where the first quoted value holding ">" at or after ``pos`` starts, if any."""
        if self._gt is not None:
            start, found = self._gt
            if start <= pos and (found is None or found >= pos):
                return found
        found = search_violation(low, pos, len(low))
        self._gt = (pos, found)
        return found


@functools.lru_cache(maxsize=8)
def _needle_search(
    start_names: tuple[bytes, ...], end_names: tuple[bytes, ...]
) -> re.Pattern[bytes]:
    """``<!--``, or a start or end tag with one of the names (groups 1 and 2)."""
    return re.compile(
        rb"<(?:!--|("
        + alternation(start_names)
        + rb")"
        + _DELIM
        + rb"|/("
        + alternation(end_names)
        + rb")"
        + _DELIM
        + rb")"
    )


_FOREIGN_END = re.compile(rb"</(?:svg|math)" + _DELIM)


def _search_start(pattern: re.Pattern[bytes], text: bytes, pos: int) -> int | None:
    m = pattern.search(text, pos)
    return None if m is None else m.start()


@functools.lru_cache(maxsize=8)
def foreign_run(
    start_stops: tuple[bytes, ...], end_stops: tuple[bytes, ...], text_only: tuple[bytes, ...] = ()
) -> re.Pattern[bytes]:
    """A run of text and tags that change nothing in foreign content (outside integration
    points): it stops at a start tag in ``start_stops``, an end tag in ``end_stops``, and
    anything but text and whole tags. An element in ``text_only`` (an integration point)
    whose content is only text, closed by its own end tag, is part of the run."""
    text_element = b"".join(
        b"|<"
        + re.escape(name)
        + rb"(?=[\t\n\f\r />])"
        + ATTRS
        + rb">[^<]*+</"
        + re.escape(name)
        + rb"(?=[\t\n\f\r />])"
        + ATTRS
        + rb"/?>"
        for name in text_only
    )
    return re.compile(
        rb"(?:[^<]++"
        + text_element
        + rb"|<(?!(?:"
        + alternation(start_stops)
        + rb")[\t\n\f\r />])[a-z][^\t\n\f\r />]*+"
        + ATTRS
        + rb"/?>|</(?!(?:"
        + alternation(end_stops)
        + rb")[\t\n\f\r />])[a-z][^\t\n\f\r />]*+"
        + ATTRS
        + rb"/?>)*+"
    )


def search_violation(low: bytes, pos: int, limit: int) -> int | None:
    """Where the first quoted value holding ``>`` in ``low[pos:limit]`` starts, if any.

    Long values are read with ``bytes.find``.
    """
    while True:
        m = _GT_OR_LONG_VALUE.search(low, pos, limit)
        if m is None:
            return None
        value = m.end()
        if low[value - 1] == 0x3E:  # ">" within the value's first 257 bytes
            return m.start()
        close = low.find(b"'" if m.start(1) < 0 else b'"', value, limit)
        if low.find(b">", value, limit if close < 0 else close) >= 0:
            return m.start()
        pos = m.start() + 1


def _tag_start(low: bytes, lo: int, at: int) -> int | None:
    """The opener of the tag or bogus comment that contains ``at``, if any.

    Exact as long as no quoted value in ``low[lo:at]`` holds ``>``.
    """
    gt = low.rfind(b">", lo, at)
    m = _OPENER.search(low, gt + 1 if gt >= 0 else lo, at)
    return None if m is None else m.start()


def _is_tag_opener(low: bytes, at: int) -> bool:
    """``<x`` or ``</x`` with an ASCII letter x: the start of a real tag token."""
    c = low[at + 1 : at + 2]
    if c == b"/":
        c = low[at + 2 : at + 3]
    return c.isalpha()


def _unfinished(low: bytes, pos: int) -> int:
    """Where an unfinished construct at the end of ``low`` starts (``len(low)`` if none)."""
    gt = low.rfind(b">", pos)
    lo = gt + 1 if gt >= 0 else pos
    m = _OPENER.search(low, lo)
    if m is not None:
        return m.start()
    if low.endswith(b"<") and len(low) - 1 >= lo:
        return len(low) - 1
    return len(low)


ScannerType = Callable[..., Scanner]
"""A scanner class: ``(start_names, end_names, foreign_start=(), foreign_end=(), raw_text=(),
foreign_text=())``."""


def _compiled() -> ScannerType | None:
    if os.environ.get("ICP_FOOTER_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from icp_footer import _speedups  # type: ignore[attr-defined]  # noqa: PLC0415
    except ImportError:
        return None
    return _speedups.TagScanner  # type: ignore[no-any-return]


TagScanner: ScannerType = _compiled() or PyTagScanner
"""The scanner in use: the compiled one when it is built and not switched off with
``ICP_FOOTER_PURE_PYTHON=1``, else :class:`PyTagScanner`."""

COMPILED = TagScanner is not PyTagScanner
"""Whether the compiled scanner is in use (``icp-footer --version`` says which)."""


Names = tuple[tuple[bytes, ...] | bytes, ...]
_SHARED: dict[tuple[ScannerType, int], tuple[Names, Scanner]] = {}


def make_scanner(names: Names) -> Scanner:
    """A :data:`TagScanner` built with ``names`` (the arguments its constructor takes).

    A compiled scanner keeps no state between calls, so one serves every injector (building
    its tables costs more than a small page takes to scan); the reference remembers searches
    for one buffer, so each caller gets its own. ``names`` is meant to be a constant: the
    shared scanners are found by its identity, which costs less than hashing it per request.
    """
    kind: ScannerType = TagScanner  # looked up on each call: tests switch it
    if kind is PyTagScanner:
        return TagScanner(*names)
    key = (kind, id(names))
    entry = _SHARED.get(key)
    if entry is None:
        if len(_SHARED) >= 8:  # not constants after all: keep the table small
            _SHARED.clear()
        entry = (names, kind(*names))  # the entry holds names, so its id stays its own
        _SHARED[key] = entry
    return entry[1]
