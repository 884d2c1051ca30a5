"""A sans-IO scanner that inserts one snippet into an HTML body as it streams.

``Injector(snippet).feed(chunk) -> bytes`` and ``.finish() -> bytes`` rewrite a byte stream
so that the snippet lands where a visitor sees it at the bottom of the page:

1. as the last child of the site footer: the last ``<footer>`` that is not inside ``article``,
   ``aside``, ``main``, ``nav``, ``section``, another ``footer``, a hidden element,
   ``<template>`` contents or SVG/MathML (the element browsers expose as the ``contentinfo``
   landmark), even one a CMS writes after ``</body>``;
2. else just before the first real ``</body>`` (or ``</html>``) end tag, when nothing but
   whitespace and comments follows it;
3. else at the end of the document.

Wherever it goes, elements a visitor does not see that are open there (a ``<select>``, a
closed ``<details>``, an ``<object>``'s fallback, SVG text) are closed first.

"Real" is decided as a browser's tokenizer decides it: comments, bogus comments, script
data with its escaped states, raw text and RCDATA elements, ``<plaintext>``, template
contents, CDATA in foreign content and attribute values never hold a real tag.

In the data state the injector never reads tags itself: a :mod:`icp_footer._scan` scanner
(compiled, or the pure-Python reference) hands it the next *needle*, the few tags that can
change a decision. Text-like modes search for their terminator; SVG/MathML content is read
here. Every decision is made here, once, whichever scanner reads the bytes.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from icp_footer import _scan
from icp_footer._i18n import N_, _
from icp_footer._scan import ATTRS as _ATTRS
from icp_footer._scan import TAG as _TAG

__all__ = ["DEFAULT_LOOKBEHIND_LIMIT", "InjectionResult", "Injector", "Placement", "inject"]

log = logging.getLogger("icp_footer")

DEFAULT_LOOKBEHIND_LIMIT = 1 << 20
"""Bytes held after a site footer closes while waiting for ``</body>`` (1 MiB)."""


class Placement(enum.Enum):
    """Where the snippet went."""

    FOOTER = "footer"
    """As the last child of the site footer."""
    BEFORE_BODY_END = "body"
    """Just before the real ``</body>`` (or ``</html>``) end tag."""
    END_OF_DOCUMENT = "end"
    """At the end of the document (after closing what was open there)."""
    NOT_INSERTED = "none"
    """Nowhere; ``InjectionResult.reason`` says why."""


@dataclass(frozen=True, slots=True)
class InjectionResult:
    """What an :class:`Injector` did, available once it has decided."""

    placement: Placement
    offset: int | None
    """Offset in the input where the insertion begins; ``None`` when nothing was inserted."""
    inserted: bytes
    """The bytes inserted: closing markup for what was open (often empty), then the snippet."""
    reason: str


_WS = rb"\t\n\f\r "
_DELIM = rb"[\t\n\f\r />]"
_RAWTEXT = (
    b"style",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
    b"textarea",
    b"title",
)
_SECTIONING = (b"article", b"aside", b"main", b"nav", b"section", b"footer")
# Elements whose content a visitor does not see (a closed <details>, a <select>'s options,
# an <object>'s fallback...): the number must never be inserted inside one.
_HIDERS = (
    b"select", b"datalist", b"object", b"video", b"audio", b"canvas", b"details", b"dialog",
)  # fmt: skip

_START_NEEDLES = (
    *(b"script", b"plaintext", b"template", b"svg", b"math", b"table"),
    *_RAWTEXT,
    *_SECTIONING,
    *_HIDERS,
)
# A table open at </body> makes the tree builder ignore it: it is tracked for that.
_END_NEEDLES = (b"template", *_SECTIONING, *_HIDERS, b"table", b"body", b"html")


# Everything below matches the ASCII-lowercased buffer (bytes.lower() keeps every offset).
_TAG_NAME = re.compile(rb"</?([a-z][^\t\n\f\r />]*+)", re.IGNORECASE)
_NEEDLE_NAMES = frozenset(_START_NEEDLES + _END_NEEDLES)
_RAWTEXT_NAMES = frozenset(_RAWTEXT)
# Needles that, outside the site footer and hidden content, only open or close an element.
_PLAIN_NEEDLES = frozenset((*_SECTIONING, b"table"))
_SECTIONING_NAMES = frozenset(_SECTIONING)
_HIDER_NAMES = frozenset(_HIDERS)
# Start tags that close an open <p> (the tree builder's "close a p element").
_CLOSES_P = frozenset(
    b"address article aside blockquote center details dialog dir div dl fieldset figcaption "
    b"figure footer form header hgroup h1 h2 h3 h4 h5 h6 hr li listing main menu nav ol p "
    b"pre search section summary table ul dd dt xmp plaintext".split()
)
# Elements whose end tag closes everything opened inside them, unless one of _SCOPE is:
# a table inside an object keeps "</object>" from reaching the object.
_POPS_INSIDE = frozenset((b"select", b"object", b"details", b"dialog"))
_SCOPE = frozenset(b"applet caption html table td th marquee object template".split())
# The tree builder's special elements: "any other end tag" does not reach past one.
_SPECIAL = frozenset(
    b"address applet area article aside base basefont bgsound blockquote body br button caption "
    b"center col colgroup dd details dialog dir div dl dt embed fieldset figcaption figure footer "
    b"form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li "
    b"link listing main marquee menu meta nav noembed noframes noscript object ol p param "
    b"plaintext pre script search section select source style summary table tbody td template "
    b"textarea tfoot th thead title tr track ul wbr xmp".split()
)
# Tags that end a select inside a table ("in select in table"), and then act as themselves.
_TABLE_PARTS = frozenset(b"caption table tbody td tfoot th thead tr".split())
# Start tags a select does not ignore.
_IN_SELECT = frozenset(b"option optgroup select hr script template".split())
# Formatting elements: their end tags run the adoption agency, so a closer leaves them be.
_FORMATTING = frozenset(b"a b big code em font i nobr s small strike strong tt u".split())
# Elements that bound the scope in which those start tags look for a <p>, <li> or <dd>.
_SCOPE_BOUNDARY = frozenset(
    b"applet caption html table td th marquee object template button ol ul".split()
)
# The end tag of a script or raw-text element, up to its name (the element is ended only
# when a delimiter follows it).
_TEXT_END_TAG = re.compile(
    rb"</(?:script|" + _scan.alternation(_RAWTEXT) + rb")(?=[\t\n\f\r />])", re.IGNORECASE
)
_NOT_CONTENT = re.compile(rb"<(?:[!?]|/(?![a-z]))[^>]*+>?", re.IGNORECASE)
# The rest of a tag after a quoted value; and, when that is unfinished, whether it stops
# inside another quoted value (group 1 is its quote).
_TAG_REST_RE = re.compile(_ATTRS + rb"(/?)>")
_BREAKOUT = frozenset(
    b"b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i "
    b"img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt "
    b"u ul var".split()
)
_VOID = frozenset(
    b"area base br col embed hr img input keygen link meta param source track wbr".split()
)
# End tags the tree builder matches against any open element in scope: inside the site
# footer, one that matches nothing opened in the footer closes the footer itself.
_BLOCK_END = frozenset(
    b"address blockquote button center details dialog dir div dl fieldset figcaption figure "
    b"form header hgroup listing menu ol pre search summary ul li dd dt h1 h2 h3 h4 h5 h6".split()
)
# SVG and MathML elements whose content is parsed as HTML again.
_INTEGRATION_POINTS = frozenset(b"foreignobject desc title mi mo mn ms mtext".split())
# End tags that may end foreign content: p, br, body and html always; the others when an
# HTML element of that name is open around it (the tree builder then pops up to it).
_FOREIGN_EXIT_END = frozenset(
    b"body html footer article aside main nav section template p br".split() + list(_HIDERS)
)
# Foreign-content tags that change something, and so are never streamed when long.
_FOREIGN_KEEP = _BREAKOUT | _INTEGRATION_POINTS | _FOREIGN_EXIT_END | {b"svg", b"math"}
# A run of text and tags that change nothing in foreign content (outside integration points):
# SVG icons are read in one match instead of tag by tag.
_FOREIGN_STOP_START = tuple(sorted(_BREAKOUT | _INTEGRATION_POINTS | {b"svg", b"math"}))
_FOREIGN_STOP_END = tuple(sorted(_FOREIGN_EXIT_END | {b"svg", b"math"}))
_FOREIGN_SKIP = _scan.foreign_run(
    _FOREIGN_STOP_START, _FOREIGN_STOP_END, tuple(sorted(_INTEGRATION_POINTS))
)

# Inside the site footer and hidden content every element is tracked. These only open and
# close there, as _start_tag and _end_tag take them while no select or template is open: void
# elements open nothing; phrasing elements imply nothing; blocks close a <p>, and so nothing
# while none is open. What else a start tag may imply (a <li> closes a <li>), and the names
# with a branch of their own, stay events.
_INSIDE_PHRASING = frozenset(
    b"a abbr b bdi bdo big cite code data del dfn em font i ins kbd label mark nobr q s samp "
    b"small span strike strong sub sup time tt u var".split()
)
_INSIDE_BLOCKS = _CLOSES_P - _NEEDLE_NAMES - _VOID - {b"li", b"dd", b"dt"}
_INSIDE_PLAIN = _INSIDE_PHRASING | _INSIDE_BLOCKS | _VOID
assert _INSIDE_PHRASING.isdisjoint(_SPECIAL | _CLOSES_P)
assert _INSIDE_PLAIN.isdisjoint(
    _NEEDLE_NAMES | _SECTIONING_NAMES | _HIDER_NAMES | _PLAIN_NEEDLES
    | {b"li", b"dd", b"dt", b"option", b"optgroup", b"body", b"html", b"svg", b"math"}
)  # fmt: skip

# The scanner settles these alone (see _scan_data): outside the site footer and hidden
# content, the plain needles, as _start_tag and _end_tag would take them (a <footer> is plain
# inside a sectioning element); inside, the elements above. An end tag the tree builder
# ignores (as _ignored_end judges it) stays an event.
assert _PLAIN_NEEDLES <= _SPECIAL
_PLAIN = tuple(sorted(_PLAIN_NEEDLES | _INSIDE_PLAIN))
_PLAIN_KINDS = bytes(
    (_scan.PLAIN_SECTIONING if name in _SECTIONING_NAMES else 0)
    | (_scan.PLAIN_GUARDED if name == b"footer" else 0)
    | (_scan.PLAIN_SCOPE if name in _SCOPE else 0)
    | (_scan.PLAIN_INSIDE if name in _INSIDE_PLAIN else 0)
    | (_scan.PLAIN_VOID if name in _VOID else 0)
    | (_scan.PLAIN_SPECIAL if name in _SPECIAL else 0)
    | (_scan.PLAIN_CLOSES_P if name in _INSIDE_BLOCKS else 0)
    | (_scan.PLAIN_IS_P if name == b"p" else 0)
    for name in _PLAIN
)

_SCANNER_NAMES = (
    _START_NEEDLES,
    _END_NEEDLES,
    _FOREIGN_STOP_START,
    _FOREIGN_STOP_END,
    _RAWTEXT,
    tuple(sorted(_INTEGRATION_POINTS)),
    _PLAIN,
    _PLAIN_KINDS,
)

# Scanner modes.
_DATA, _COMMENT, _RAW, _SCRIPT, _CDATA, _FOREIGN, _VALUE, _TAG_REST, _DONE = range(9)
# An unfinished ordinary tag longer than this, inside a quoted value, is streamed on.
_LONG_TAG = 8192
# Bytes of already-emitted input kept so a terminator split across chunks is still seen:
# more than the longest one ("</noscript" and a delimiter).
_CONTEXT = 16
_TEXT_MODES = frozenset((_COMMENT, _RAW, _SCRIPT, _CDATA))
# Larger chunks are scanned in slices of this size.
_SLICE = 1 << 16
# Open elements tracked at most; deeper nesting stops the site-footer tracking.
_MAX_DEPTH = 512
# A carried unfinished construct longer than this is scanned again only once the carried
# bytes have doubled, so a huge tag arriving in small chunks costs linear time.
_RESCAN_MIN = 4096


class Injector:
    """Insert ``snippet`` once into an HTML document that arrives in chunks.

    ``already_shown`` are byte patterns (the configured number as the page would show it);
    when one occurs in the input before the chosen insertion point, nothing is inserted.
    ``lookbehind_limit`` caps the bytes held after a site footer closes while waiting to
    learn whether it was the last one, and the size of one unfinished tag; past it the held
    bytes are flushed and the snippet goes before ``</body>`` instead.

    The injector never raises from :meth:`feed` or :meth:`finish`: an internal error turns
    it into a pass-through that returns every input byte unchanged, and is logged.
    """

    def __init__(
        self,
        snippet: bytes,
        *,
        already_shown: Iterable[bytes] = (),
        lookbehind_limit: int = DEFAULT_LOOKBEHIND_LIMIT,
    ) -> None:
        if lookbehind_limit < 1:
            raise ValueError("lookbehind_limit must be positive")
        self._snippet = bytes(snippet)
        self._patterns = tuple(p for p in already_shown if p)
        self._overlap = max((len(p) for p in self._patterns), default=1) - 1
        # The variants of one number share a prefix (such as "京ICP备"): one search for it
        # stands in for a search per variant. Without a telling one, each is searched.
        key = _common_prefix(self._patterns)
        self._keys = (key,) if len(key) >= 3 else self._patterns
        self._limit = lookbehind_limit
        self.result: InjectionResult | None = None
        """Set once the injector has decided (at the latest in :meth:`finish`)."""

        self._mode = _DATA
        self._raw_name = b""
        self._script_level = 0  # 0 script data, 1 escaped, 2 double escaped
        self._quote = b'"'  # the quote of the long attribute value being streamed
        self._buf = b""  # carried bytes: an unfinished construct, or context already emitted
        self._buf_emitted = 0  # how much of _buf was already emitted (context)
        self._consumed = 0  # input offset of the end of the last chunk fed
        self._template_depth = 0
        self._foreign_depth = 0
        self._integration = b""  # the integration point we are inside, if any
        # Open elements that matter, outermost first: sectioning elements and hiders, and,
        # inside the site footer or a hider, every element (see _tracks_all).
        self._open: list[bytes] = []
        self._counts: dict[bytes, int] = {}  # how often each name is in _open
        self._sectioning = 0  # sectioning elements in _open
        self._hiding = 0  # hiders in _open
        self._untracked = False  # nesting went past _MAX_DEPTH: elements are not tracked
        self._site_footer_open = False
        self._body_ended = False  # a real </body> or </html> was seen
        self._body_end: tuple[int, bytes] | None = None  # its offset, and the closer there
        self._at_body_end = False  # the candidate is that </body>: content after it moves it
        # What is open at that </body> ignores it (a select, SVG): comments after it move it too.
        self._fragile_body_end = False
        self._foreign_closer = b""  # closes the SVG text an end tag just left, for _end_tag
        # Where the snippet goes if nothing better comes: a site footer's "</footer" or the
        # first "</body>"; what follows it is held until the end, within the look-behind.
        self._candidate: int | None = None
        self._candidate_placement = Placement.FOOTER
        self._candidate_closer = b""
        self._held: list[bytes] = []  # output held back after the candidate
        self._held_size = 0
        self._pending: list[bytes] = []  # chunks waiting for a rescan of a long carried construct
        self._pending_size = 0
        self._rescan_at = 0  # rescan once the carried bytes reach this size
        self._finishing = False
        self._long_tag = b""  # a streamed start tag that matters, acted on at its end
        self._shown_at: int | None = None
        self._shown_tail = b""
        self._failed = False
        self._note = ""
        self._e = 0
        self._tags = _scan.make_scanner(_SCANNER_NAMES)
        # The reference would settle plain elements in a Python loop of its own: slower than
        # the inline path in _scan_data, which does the same.
        self._scanner_settles_plain = not isinstance(self._tags, _scan.PyTagScanner)
        self._in_body_flags = (False, _scan.SKIP_TEXT, True, self._scanner_settles_plain)

    # -- public API ------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> bytes:
        """Take the next piece of the body; return the bytes that can be sent now."""
        if self._failed:
            return bytes(chunk)
        if self._mode == _DONE and not self._buf:
            self._consumed += len(chunk)
            return bytes(chunk)
        if self._rescan_at and not self._finishing:
            # A long unfinished construct is carried: scanning it again for every small
            # chunk would cost quadratic time, so wait until the carried bytes have doubled.
            self._pending.append(bytes(chunk))
            self._pending_size += len(chunk)
            if len(self._buf) + self._pending_size < self._rescan_at:
                return b""
            return self._feed_pending()
        if len(chunk) > _SLICE:
            # Scanning works on a lowercased copy of what it reads (the pure-Python scanner
            # always, foreign content with either); slices keep that copy small when a large
            # body arrives in one piece. Both scanners slice alike: a tag longer than the
            # look-behind limit is given up on or not depending on where buffers end.
            chunk = bytes(chunk)
            clean, result = self._all_sent(), self.result
            view = memoryview(chunk)
            parts: list[bytes | memoryview] = []
            for i in range(0, len(chunk), _SLICE):
                piece = chunk[i : i + _SLICE]
                sent = self.feed(piece)
                # A slice sent on whole is joined from the chunk: it is freed at once, and
                # the next slice reuses its memory.
                parts.append(view[i : i + _SLICE] if sent is piece else sent)
            decided = self.result
            unchanged = decided is result or (decided is not None and not decided.inserted)
            if clean and unchanged and self._all_sent():
                return chunk  # what the parts make: the page is not copied once more
            return b"".join(parts)
        chunk = bytes(chunk)
        before = self._snapshot()
        try:
            return self._feed(chunk)
        except Exception:
            return self._fail(before, chunk)

    def _all_sent(self) -> bool:
        """Has every input byte so far been returned (none held, carried or pending)?"""
        return not self._held and self._buf_emitted == len(self._buf) and not self._pending

    def finish(self) -> bytes:
        """Signal the end of the body; return what remains, including the insertion."""
        if self._failed:
            return b""
        self._finishing = True
        out = self._feed_pending() if self._pending else b""
        if self._failed:
            return out
        before = self._snapshot()
        try:
            return out + self._finish()
        except Exception:
            return out + self._fail(before)

    def _feed_pending(self) -> bytes:
        # In one piece, not in slices: each slice would scan the carried construct again.
        chunk = b"".join(self._pending)
        self._pending, self._pending_size, self._rescan_at = [], 0, 0
        before = self._snapshot()
        try:
            return self._feed(chunk)
        except Exception:
            return self._fail(before, chunk)

    def abandon(self, reason: str = "the body ended early") -> bytes:
        """The body will not end properly (a truncated stream): insert nothing.

        Returns every input byte not yet returned, unchanged; later :meth:`feed` calls pass
        their chunks through and :meth:`finish` returns nothing.
        """
        unsent = b"" if self._failed else b"".join(_unsent(self._snapshot()))
        self._failed = True
        self._held, self._buf, self._pending = [], b"", []
        if self.result is None:  # an insertion already made stays reported
            self.result = InjectionResult(Placement.NOT_INSERTED, None, b"", reason)
        return unsent

    # -- failure ---------------------------------------------------------------------------

    def _snapshot(self) -> _Snapshot:
        """Where the input bytes received but not yet returned are (held look-behind,
        unfinished tag, pending chunks), for :func:`_unsent`.

        It costs no copy: the pieces are immutable, and the lists only ever grow in place or
        are replaced, so their lengths now mark what they hold now.
        """
        held, pending = self._held, self._pending
        return held, len(held), self._buf, self._buf_emitted, pending, len(pending)

    def _fail(self, before: _Snapshot, chunk: bytes = b"") -> bytes:
        # The caller has had every input byte before those of ``before`` and ``chunk``:
        # returning them, and every later chunk untouched, keeps the output equal to the input.
        log.exception("%s", _("icp-footer: rewriting failed; passing the body through unchanged"))
        self._failed = True
        self.result = InjectionResult(Placement.NOT_INSERTED, None, b"", "internal error")
        self._held, self._buf, self._pending = [], b"", []
        return b"".join((*_unsent(before), chunk))

    # -- output ----------------------------------------------------------------------------

    def _emit(self, out: list[bytes], data: bytes, start: int) -> None:
        """Send input bytes ``data`` (which begin at input offset ``start``) onwards."""
        if not data:
            return
        if self._patterns and self._shown_at is None:
            tail, overlap = self._shown_tail, self._overlap
            found = self._first_shown(data, start)
            if tail:  # one straddling the previous piece: in the tail and data's first bytes
                near = self._first_shown(tail + data[:overlap], start - len(tail))
                if near is not None and (found is None or near < found):
                    found = near
            self._shown_at = found
            if overlap:
                self._shown_tail = (
                    data[-overlap:] if len(data) >= overlap else (tail + data)[-overlap:]
                )
        self._hold(out, data)

    def _first_shown(self, window: bytes, start: int) -> int | None:
        """The input offset of the first pattern in ``window`` (which begins at ``start``)."""
        find, first = self._tags.find, None
        for key in self._keys:
            at = find(window, key, 0)
            while at >= 0:
                if any(window.startswith(pattern, at) for pattern in self._patterns):
                    if first is None or start + at < first:
                        first = start + at
                    break
                at = find(window, key, at + 1)
        return first

    def _hold(self, out: list[bytes], data: bytes) -> None:
        """Hold ``data`` back after a candidate, within the look-behind; else send it."""
        if self._candidate is None or self.result is not None:
            out.append(data)
            return
        self._held.append(data)
        self._held_size += len(data)
        if self._held_size <= self._limit:
            return
        if self._at_body_end or self._candidate_placement is not Placement.FOOTER:
            # Nothing after </body> can move the insertion far: it goes there now.
            self._decide_at_candidate(out)
            return
        # The note ends up in InjectionResult.reason, which stays English: only the log is not.
        self._note = N_("the site footer was too far from </body> (look-behind limit)")
        if log.isEnabledFor(logging.INFO):
            message = _("icp-footer: {note}; inserting before </body> instead")
            log.info("%s", message.format(note=_(self._note)))
        held, candidate = b"".join(self._held), self._candidate
        self._candidate = None
        self._held, self._held_size = [], 0
        if self._body_end is None or self._body_end[0] < candidate:
            out.append(held)  # no </body> left to fall back to: the end decides
            return
        # </body> was already seen: send what comes before it, hold the rest there.
        offset, closer = self._body_end
        out.append(held[: offset - candidate])
        self._set_candidate(offset, Placement.BEFORE_BODY_END, closer)
        self._hold(out, held[offset - candidate :])

    def _release_held(self, out: list[bytes]) -> None:
        # A new list, never a clear(): a snapshot taken for _fail may still refer to it.
        if self._held:
            out.extend(self._held)
            self._held, self._held_size = [], 0

    def _set_candidate(self, offset: int, placement: Placement, closer: bytes) -> None:
        self._at_body_end = False
        self._candidate = offset
        self._candidate_placement = placement
        self._candidate_closer = closer

    def _decide_at_candidate(self, out: list[bytes]) -> None:
        assert self._candidate is not None
        if self._candidate_placement is Placement.FOOTER:
            reason = "as the last child of the site footer"
        else:
            reason = "before </body>" + (f" ({self._note})" if self._note else "")
        self._decide(
            out, self._candidate, self._candidate_placement, reason, self._candidate_closer
        )

    def _decide(
        self, out: list[bytes], offset: int, placement: Placement, reason: str, closer: bytes = b""
    ) -> None:
        """Insert at ``offset`` (the candidate, or the current position) and stop scanning."""
        if self.result is not None:  # decided already (the look-behind ran out)
            return
        at_candidate = self._candidate is not None and offset == self._candidate
        if self._shown_at is not None and self._shown_at < offset:
            self.result = InjectionResult(
                Placement.NOT_INSERTED, None, b"", "the page already shows the number"
            )
            self._release_held(out)
        else:
            inserted = closer + self._snippet
            self.result = InjectionResult(placement, offset, inserted, reason)
            if at_candidate:
                out.append(inserted)
                self._release_held(out)
            else:
                self._release_held(out)
                out.append(inserted)
        self._candidate = None
        self._mode = _DONE

    # -- scanning --------------------------------------------------------------------------
    #
    # During one _feed, ``buf`` is the carried bytes plus the new chunk, ``base`` its input
    # offset, and ``self._e`` how much of ``buf`` has been emitted.

    def _flush(self, out: list[bytes], buf: bytes, base: int, upto: int) -> None:
        e = self._e
        if upto > e:
            if self._candidate is None and (self._shown_at is not None or not self._patterns):
                out.append(buf[e:upto])  # what _emit does when nothing is held or looked for
            else:
                self._emit(out, buf[e:upto], base + e)
            self._e = upto

    def _feed(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        if (
            self._buf
            and self._mode in _TEXT_MODES
            and len(chunk) > _CONTEXT
            and self._buf_emitted == len(self._buf)
            and not self._ends_at(self._buf + chunk[:_CONTEXT])
        ):
            # The context kept for a split terminator holds no start of one: the chunk alone
            # reads the same, and is neither copied after the context nor sliced from it.
            self._buf, self._buf_emitted = b"", 0
        buf = self._buf + chunk if self._buf else chunk
        base = self._consumed - len(self._buf)
        self._consumed += len(chunk)
        self._e = self._buf_emitted
        keep = self._scan(buf, base, out)
        self._buf = buf[keep:]
        self._buf_emitted = self._e - keep if self._e > keep else 0
        if len(self._buf) > self._limit:
            # One unfinished construct larger than the limit: stop rewriting, lose nothing.
            self._note = N_("an unfinished tag longer than the look-behind limit")
            message = _("icp-footer: {note}; passing the rest through")
            log.warning("%s", message.format(note=_(self._note)))
            self._flush(out, buf, base, len(buf))
            if self._candidate is not None and not self._site_footer_open:
                self._decide_at_candidate(out)  # what the construct holds cannot move it
            self._release_held(out)
            self._candidate = None
            self._buf = b""
            self._buf_emitted = 0
            self._mode = _DONE
            if self.result is None:
                self.result = InjectionResult(Placement.NOT_INSERTED, None, b"", self._note)
        elif len(self._buf) > _RESCAN_MIN and self._mode in (_DATA, _FOREIGN, _TAG_REST):
            self._rescan_at = min(2 * len(self._buf), self._limit + 1)
        return b"".join(out)

    def _scan(self, buf: bytes, base: int, out: list[bytes]) -> int:
        """Process ``buf``, emit what is settled; return where the carried bytes start.

        Scanning starts at 0: carried bytes are an unfinished construct (not yet emitted)
        or, in a text-like mode, context that may hold the start of a split terminator.
        """
        pos = 0
        low = b""  # the ASCII-lowercased buffer, made when foreign content first needs it
        end = len(buf)
        while True:
            if self.result is not None:
                self._mode = _DONE
            mode = self._mode
            if mode == _DONE:
                self._flush(out, buf, base, end)
                return end
            if mode in (_DATA, _FOREIGN):
                if mode == _DATA:  # the scanner reads the bytes in any case
                    pos, stop = self._scan_data(buf, pos, base, out)
                else:
                    if not low:
                        low = buf.lower()
                    pos, stop = self._scan_foreign(buf, low, pos, base, out)
                if stop is not None:  # an unfinished construct starts at stop: carry it
                    if end - stop > _LONG_TAG and self._enter_long_value(buf, stop, tag=True):
                        self._flush(out, buf, base, end)
                        return end
                    self._flush(out, buf, base, stop)
                    return stop
                continue
            if mode == _TAG_REST:
                tag = _TAG_REST_RE.match(buf, pos)
                if tag is not None:
                    self._mode = self._markup_mode()
                    pos = tag.end()
                    if self._long_tag:  # a start tag that matters ends here: act on it now
                        self._flush(out, buf, base, pos)
                        name, self._long_tag = self._long_tag, b""
                        self._start_tag(name, None, buf, base, out, self_closing=bool(tag.group(1)))
                    continue
                self._flush(out, buf, base, end)  # the tag is ordinary: its bytes can go
                if self._enter_long_value(buf, pos, tag=False):
                    return end
                return pos  # keep the short unfinished rest as context
            if mode == _VALUE:
                at = buf.find(self._quote, pos)
                if at < 0:
                    self._flush(out, buf, base, end)
                    return end
                self._mode = _TAG_REST
                pos = at + 1
                continue
            found = self._find_terminator(buf, pos)
            if found is None:  # emit all, keep a little context for a split terminator
                self._flush(out, buf, base, end)
                return max(pos, end - _CONTEXT)
            pos = found

    def _enter_long_value(self, buf: bytes, start: int, *, tag: bool) -> bool:
        """Does an unfinished tag stop inside a quoted value? Then stream it on.

        ``start`` is where the tag begins (``tag``) or where its attributes go on after a
        streamed value; what is left of the buffer must be an attribute whose quoted value
        is still open. A start tag that matters is acted on when it ends; tags that may move
        the insertion point to their start are never streamed (end tags that matter,
        ``<plaintext>``, foreign content's exits).
        """
        if tag:
            name = _TAG_NAME.match(buf, start)
            if name is None:
                return False
            tag_name, end_tag = name.group(1).lower(), buf[start + 1] == 0x2F
            if self._mode == _FOREIGN:
                if self._integration or tag_name in _FOREIGN_KEEP:
                    return False
                self._long_tag = b""
            elif end_tag:
                if tag_name in _NEEDLE_NAMES or self._tracks_all():
                    return False
                self._long_tag = b""
            else:
                if tag_name == b"plaintext":
                    return False
                self._long_tag = (
                    tag_name if tag_name in _NEEDLE_NAMES or self._tracks_all() else b""
                )
            start = name.end()
        value = self._tags.open_value(buf, start)
        if value < 0:
            if tag:
                self._long_tag = b""
            return False
        self._mode = _VALUE
        self._quote = buf[value - 1 : value]
        return True

    def _markup_mode(self) -> int:
        return _FOREIGN if self._foreign_depth else _DATA

    def _ends_at(self, seam: bytes) -> bool:
        """Does ``seam`` hold what ends the current text-like mode (or a level of script data)?"""
        mode = self._mode
        if mode == _COMMENT:
            return _scan.COMMENT_END.search(seam) is not None
        if mode == _CDATA:
            return b"]]>" in seam
        if mode == _RAW:
            return self._tags.raw_text_end(seam, 0, self._raw_name) >= 0
        return self._tags.script_step(seam, 0, self._script_level) is not None

    def _find_terminator(self, buf: bytes, pos: int) -> int | None:
        """In a text-like mode: where scanning goes on after its end, or None."""
        mode = self._mode
        if mode == _COMMENT:
            m = _scan.COMMENT_END.search(buf, pos)
            if m is None:
                return None
            self._mode = self._markup_mode()
            return m.end()
        if mode == _CDATA:
            at = buf.find(b"]]>", pos)
            if at < 0:
                return None
            self._mode = _FOREIGN
            return at + 3
        if mode == _RAW:
            at = self._tags.raw_text_end(buf, pos, self._raw_name)
            if at < 0:
                return None
            self._mode = self._markup_mode()  # the end tag is then an ordinary tag
            return at
        step = self._tags.script_step(buf, pos, self._script_level)
        if step is None:
            return None
        pos, level = step
        if level < 0:  # "</script": the end tag is then an ordinary tag
            self._mode = self._markup_mode()
            self._script_level = 0
        else:
            self._script_level = level
        return pos

    def _scan_data(
        self, buf: bytes, pos: int, base: int, out: list[bytes]
    ) -> tuple[int, int | None]:
        """Scan the data state from ``pos``.

        Returns ``(pos, None)`` when the mode changed (scanning goes on at ``pos``), or
        ``(pos, stop)`` at the end of the buffer, where ``stop`` is the start of an
        unfinished construct to carry (``len(buf)`` when there is none).
        """
        end = len(buf)
        next_event, next_plain = self._tags.next, self._tags.next_plain
        open_elements, counts = self._open, self._counts
        after_body, flags, plain, settle = self._data_flags()
        while True:
            if settle and not self._foreign_closer:
                # The scanner opens and closes what it can settle alone; the elements it
                # left open come back in `opened`, for the open elements here.
                kind, at, tag_end, name, self_closing, opened, closed_from = next_plain(
                    buf,
                    pos,
                    flags,
                    _MAX_DEPTH - len(open_elements),
                    self._sectioning,
                    counts.get(b"p", 0),
                    open_elements,
                )
                if closed_from < len(open_elements):  # it closed some of those open here
                    self._pop_from(closed_from)
                for element in opened:
                    open_elements.append(element)
                    counts[element] = counts.get(element, 0) + 1
                    if element in _SECTIONING_NAMES:
                        self._sectioning += 1
            else:
                kind, at, tag_end, name, self_closing = next_event(buf, pos, flags)
            if (
                plain
                and name in _PLAIN_NEEDLES
                and (kind == _scan.END or name != b"footer" or self._sectioning)
            ):
                # What most needles are: a sectioning element or table opened or closed
                # outside the site footer and hidden content, which only the open elements
                # record. This is what _start_tag and _end_tag do with them, inline; none
                # of it changes the flags.
                pos = tag_end
                if kind == _scan.START:
                    if len(open_elements) < _MAX_DEPTH:
                        open_elements.append(name)
                        counts[name] = counts.get(name, 0) + 1
                        if name in _SECTIONING_NAMES:
                            self._sectioning += 1
                    else:
                        self._stop_tracking(out)
                        after_body, flags, plain, settle = self._data_flags()
                    continue
                self._foreign_closer = b""
                if open_elements and open_elements[-1] == name:
                    # What _pop_from does for the innermost element, which nothing inside
                    # can keep open: the usual case, a section opened in an earlier chunk.
                    del open_elements[-1]
                    if counts[name] == 1:
                        del counts[name]
                    else:
                        counts[name] -= 1
                    if name in _SECTIONING_NAMES:
                        self._sectioning -= 1
                    continue
                index = self._last_index(name)
                if index is not None and not self._ignored_end(name, index):
                    self._pop_from(index)
                continue
            if after_body and (
                _is_content(buf[pos:at])
                or kind == _scan.START
                or (kind == _scan.END and name in (b"p", b"br"))  # stray, these make one
                or (kind == _scan.COMMENT and self._fragile_body_end)  # stays inside
            ):
                self._body_end_moves(out, buf, base, pos)
                after_body, flags, plain, settle = self._data_flags()
                # The event was found while every tag mattered; in the body again, read on
                # from here as the body is read, or a tag that changes nothing there (a <b>)
                # would count as open, as a chunk boundary before it would not let it.
                continue
            if kind == _scan.UNFINISHED:
                return pos, at
            if kind == _scan.COMMENT:
                if end - at < 6:
                    return pos, at
                if buf[at + 4] == 0x3E:  # "<!-->"
                    pos = at + 5
                elif buf[at + 4 : at + 6] == b"->":  # "<!--->"
                    pos = at + 6
                else:
                    self._mode = _COMMENT
                    return at + 4, None
                continue
            assert name is not None
            if kind == _scan.START:
                changed = self._start_tag(name, at, buf, base, out, self_closing=self_closing)
            else:
                changed = self._end_tag(name, at, buf, base, out)
            pos = tag_end
            if changed:
                return pos, None
            after_body, flags, plain, settle = self._data_flags()

    def _data_flags(self) -> tuple[bool, int, bool, bool]:
        """What the data state's scan asks the scanner for, from the current state.

        Returns whether the body's end was just seen (everything after it may move it),
        the scanner flags, whether sectioning needles (and a ``<footer>`` inside one) only
        open and close elements here, and whether the scanner may settle its plain elements
        (those, or inside the site footer and hidden content, _INSIDE_PLAIN): see _scan_data.
        """
        if self._candidate is not None and self._at_body_end:
            return True, _scan.EVERY_TAG, False, False  # tags, comments, scripts may move it
        if not (
            self._site_footer_open
            or self._hiding
            or self._template_depth
            or self._untracked
            or self._counts.get(b"select")
        ):
            return self._in_body_flags  # the usual case: what the lines below give then
        # A comment changes nothing here, nor a script or raw-text element, which only
        # switches the tokenizer, unless a select ignores its start tag.
        flags = _scan.SKIP_TEXT
        if self._site_footer_open or self._hiding:
            flags |= _scan.EVERY_TAG
        if self._counts.get(b"select") and not self._template_depth:
            flags &= ~_scan.SKIP_TEXT
        plain = flags == _scan.SKIP_TEXT and not self._template_depth and not self._untracked
        settle = self._scanner_settles_plain and (
            plain
            or (bool(flags & _scan.SKIP_TEXT) and not self._template_depth and not self._untracked)
        )
        return False, flags, plain, settle

    def _start_tag(
        self,
        name: bytes,
        at: int | None,
        buf: bytes,
        base: int,
        out: list[bytes],
        *,
        self_closing: bool = False,
    ) -> bool:
        """Act on a real start tag at ``buf[at]``; True when the scanner's mode changed.

        ``at`` is ``None`` for a long tag acted on at its end, which is never ``<plaintext>``.
        """
        if self._counts.get(b"select") and not self._template_depth:
            if name in (b"input", b"keygen", b"textarea") or self._select_in_table_ends(name):
                self._pop_from(self._last_index(b"select") or 0)
            elif name not in _IN_SELECT:
                return False  # ignored, so no raw text, no foreign content, no plaintext
        if name == b"script":
            self._mode = _SCRIPT
            self._script_level = 0
            return True
        if name in _RAWTEXT_NAMES:
            self._mode = _RAW
            self._raw_name = name
            return True
        if name == b"template":
            self._template_depth += 1
            return False
        if name in (b"svg", b"math"):
            if self_closing:  # <svg/> is empty
                return False
            self._mode = _FOREIGN
            self._foreign_depth = 1
            return True
        if name == b"plaintext":
            # Nothing after it can ever be markup: the number goes here at the latest.
            assert at is not None
            self._flush(out, buf, base, at)
            self._footer_or(
                out,
                base + at,
                Placement.END_OF_DOCUMENT,
                "before <plaintext>, after which no markup is possible",
                b"</template>" * self._template_depth,
            )
            self._e = at
            return True
        if self._template_depth or name in _VOID or self._untracked:
            return False
        select = self._last_index(b"select")
        if select is not None and name not in (b"option", b"optgroup", b"hr"):
            if name == b"select":
                self._pop_from(select)  # a <select> in a select closes it
            return False  # every other start tag in a select is ignored
        if self._tracks_all():
            self._close_implied(name)
        if len(self._open) >= _MAX_DEPTH:
            self._stop_tracking(out)
            return False
        if name == b"footer" and not self._sectioning and not self._hiding:
            if at is not None:  # the look-behind may run out before here, whatever the chunks
                self._flush(out, buf, base, at)
            if self._candidate is not None:  # a later site footer replaces the earlier one
                self._candidate = None
                self._release_held(out)
            self._site_footer_open = True
        self._push(name)
        return False

    def _end_tag(self, name: bytes, at: int, buf: bytes, base: int, out: list[bytes]) -> bool:
        """Act on a real end tag starting at ``buf[at]``; True when the mode changed."""
        foreign_closer, self._foreign_closer = self._foreign_closer, b""
        if name == b"template":
            if self._template_depth:
                self._template_depth -= 1
            return False
        if self._template_depth:
            return False
        if name in (b"body", b"html"):
            if not self._body_ended:
                # The tree builder puts whatever follows into the body all the same (a CMS
                # may write its footer after </body>): hold it until the end, and if more
                # than whitespace and comments come, the body really ends at the end.
                self._body_ended = True
                self._flush(out, buf, base, at)  # may run the site footer's look-behind out
                if self._site_footer_open:
                    closer = foreign_closer + self._closer(1)
                    self._set_candidate(base + at, Placement.FOOTER, closer)
                else:
                    self._body_end = (base + at, foreign_closer + self._closer(0))
                    if self._candidate is not None:
                        return False
                    self._set_candidate(base + at, Placement.BEFORE_BODY_END, self._body_end[1])
                self._at_body_end = True
                self._fragile_body_end = (
                    self._fragile_body_end
                    or bool(self._candidate_closer)
                    or bool(self._counts.get(b"table"))
                )
            return False
        if self._untracked:
            return False
        if self._counts.get(b"select") and name not in (b"select", b"option", b"optgroup"):
            if not self._select_in_table_ends(name, end_tag=True):
                return False  # inside a select every other end tag is ignored
            self._pop_from(self._last_index(b"select") or 0)
        index = self._last_index(name)
        if index is None:
            if not self._site_footer_open or name not in _BLOCK_END:
                # In a hider, one that matches nothing is taken as stray: closing the hider
                # once more is harmless, the number inside it is not.
                return False
            index = 0  # it closes an element around the site footer, and so the footer
        elif self._ignored_end(name, index):
            return False
        if index == 0 and self._site_footer_open:
            self._site_footer_open = False
            if self._candidate is None:  # else it is the </body> inside it, already held
                self._flush(out, buf, base, at)
                closer = foreign_closer + self._closer(1)
                self._set_candidate(base + at, Placement.FOOTER, closer)
        self._pop_from(index)
        return False

    def _select_in_table_ends(self, name: bytes, *, end_tag: bool = False) -> bool:
        """Does a table tag ``name`` end the select it meets, one inside a table?

        Any of their start tags does; an end tag only when its element is open, which is
        known here only for the table itself (cells and rows are not tracked): the others
        are ignored, as the tree builder ignores them when none is open.
        """
        if name != b"table" if end_tag else name not in _TABLE_PARTS:
            return False
        table, select = self._last_index(b"table"), self._last_index(b"select")
        return table is not None and select is not None and table < select

    def _ignored_end(self, name: bytes, index: int) -> bool:
        """Does the tree builder ignore the end tag ``name`` for ``_open[index]``?

        A block's end tag does not reach past an element that bounds its scope (a table, a
        cell, an object); any other end tag stops at a special element (a ``<p>``, a
        ``<div>``) open inside its element.
        """
        inside = self._open[index + 1 :]
        if not inside:
            return False
        if name in _SPECIAL:
            return not _SCOPE.isdisjoint(inside)
        return not _SPECIAL.isdisjoint(inside)

    def _body_end_moves(self, out: list[bytes], buf: bytes, base: int, at: int) -> None:
        """Content after </body>, from ``buf[at]`` on, lands in the body: the end is further.

        Unless the look-behind runs out before it (the same, however the body is split).
        """
        self._flush(out, buf, base, at)
        if self.result is None:
            self._candidate = None
            self._release_held(out)

    # -- open elements ---------------------------------------------------------------------

    def _tracks_all(self) -> bool:
        """Inside the site footer or a hider, every element matters: each is tracked."""
        return self._site_footer_open or self._hiding > 0

    def _push(self, name: bytes) -> None:
        self._open.append(name)
        self._counts[name] = self._counts.get(name, 0) + 1
        if name in _SECTIONING_NAMES:
            self._sectioning += 1
        elif name in _HIDER_NAMES:
            self._hiding += 1

    def _pop_from(self, index: int) -> None:
        """Close ``_open[index:]``. Amortised constant: each element is popped once."""
        counts = self._counts
        for name in self._open[index:]:
            counts[name] -= 1
            if not counts[name]:  # a page of made-up names must not grow the table
                del counts[name]
            if name in _SECTIONING_NAMES:
                self._sectioning -= 1
            elif name in _HIDER_NAMES:
                self._hiding -= 1
        del self._open[index:]

    def _last_index(self, name: bytes) -> int | None:
        if not self._counts.get(name):
            return None
        stack = self._open
        index = len(stack) - 1
        while stack[index] != name:
            index -= 1
        return index

    def _first_hider(self, start: int) -> int:
        """The index of the first hider at or after ``start`` (``len(_open)`` if none)."""
        stack = self._open
        if self._hiding:
            for index in range(start, len(stack)):
                if stack[index] in _HIDER_NAMES:
                    return index
        return len(stack)

    def _close_implied(self, name: bytes) -> None:
        """Pop what the start tag ``name`` closes implicitly (tracked elements only)."""
        if name in _CLOSES_P:
            self._pop_in_scope(b"p")
        if name == b"li":
            self._pop_in_scope(b"li")
        elif name in (b"dd", b"dt"):
            self._pop_in_scope(b"dd")
            self._pop_in_scope(b"dt")
        elif name in (b"option", b"optgroup") and self._open[-1:] == [b"option"]:
            self._pop_from(len(self._open) - 1)
            if name == b"optgroup" and self._open[-1:] == [b"optgroup"]:
                self._pop_from(len(self._open) - 1)

    def _pop_in_scope(self, name: bytes) -> None:
        index = self._last_index(name)
        if index is not None and not any(
            other in _SCOPE_BOUNDARY for other in self._open[index + 1 :]
        ):
            self._pop_from(index)

    def _closer(self, start: int) -> bytes:
        """End tags that close every hider open at or after ``_open[start]``.

        What is open inside a hider is closed first, innermost first, so that each end
        tag meets its own element, unless the hider's own end tag closes all of it.
        """
        names = self._open[self._first_hider(start) :]
        closer = b""
        if b"select" in names:  # a select ignores every end tag but its own: it goes first
            closer = b"</select>"
            names = names[: names.index(b"select")]
        for index, name in enumerate(names):
            inside = names[index + 1 :]
            if name in _POPS_INSIDE and name not in inside and _SCOPE.isdisjoint(inside):
                names = names[: index + 1]  # its end tag closes all that is inside it
                break
        return closer + b"".join(
            b"</" + name + b">" for name in reversed(names) if name not in _FORMATTING
        )

    def _stop_tracking(self, out: list[bytes]) -> None:
        """Nesting went past _MAX_DEPTH: stop tracking, and so give up on the site footer."""
        self._note = f"elements nested deeper than {_MAX_DEPTH}"
        if log.isEnabledFor(logging.INFO):
            note = _("elements nested deeper than {depth}").format(depth=_MAX_DEPTH)
            message = _("icp-footer: {note}; inserting before </body> instead")
            log.info("%s", message.format(note=note))
        if self._candidate is not None and self._candidate_placement is Placement.FOOTER:
            self._candidate = None
            self._release_held(out)
        self._untracked = True
        self._site_footer_open = False
        self._pop_from(0)

    def _scan_foreign(
        self, buf: bytes, low: bytes, pos: int, base: int, out: list[bytes]
    ) -> tuple[int, int | None]:
        """Scan SVG/MathML content; same contract as _scan_data.

        Runs of tags that change nothing are skipped in one match; the rest is read tag by
        tag.
        """
        end = len(low)
        while True:
            if self._at_body_end and self._candidate is not None:
                # After a </body> met here the tree builder stays in this SVG: anything but
                # whitespace and another </body> lands in it, so the body ends further on.
                lt = low.find(b"<", pos)
                if low[pos : end if lt < 0 else lt].strip(b"\t\n\f\r "):
                    self._body_end_moves(out, buf, base, pos)
                elif lt >= 0 and end - lt < 2:
                    return pos, lt  # "<" or "</": which one is not known yet
                elif lt >= 0 and low[lt + 1] != 0x2F:  # end tags only close things
                    self._body_end_moves(out, buf, base, pos)
            if not (self._integration or self._tracks_all() or self._at_body_end):
                skip = _FOREIGN_SKIP.match(low, pos)
                pos = skip.end() if skip else pos
            lt = low.find(b"<", pos)
            if lt < 0:
                return pos, end
            if end - lt < 3:
                return pos, lt
            nxt = low[lt + 1]
            if low.startswith(b"<!--", lt):
                if end - lt < 6:
                    return pos, lt
                if low[lt + 4] == 0x3E:
                    pos = lt + 5
                elif low[lt + 4 : lt + 6] == b"->":
                    pos = lt + 6
                else:
                    self._mode = _COMMENT
                    return lt + 4, None
                continue
            if buf.startswith(b"<![CDATA[", lt):  # case-sensitive, unlike tag names
                self._mode = _CDATA
                return lt + 9, None
            if _is_tag_opener(low, lt):
                tag = _TAG.match(low, lt)
                if tag is None:
                    return pos, lt
                name = tag.group(1)
                if self._integration and nxt != 0x2F:
                    # HTML content inside <foreignObject>, <desc>, <title>, <mi>...
                    if name == b"script" or name in _RAWTEXT_NAMES:
                        self._start_tag(name, lt, buf, base, out, self_closing=bool(tag.group(2)))
                        return tag.end(), None
                    if name in (b"svg", b"math") and not tag.group(2):
                        self._foreign_depth += 1
                elif self._integration and name == self._integration:
                    self._integration = b""
                elif nxt != 0x2F:
                    if name in _BREAKOUT:  # an HTML tag ends foreign content
                        self._foreign_depth = 0
                        self._mode = _DATA
                        return lt, None
                    if name in (b"svg", b"math") and not tag.group(2):
                        self._foreign_depth += 1
                    elif name in _INTEGRATION_POINTS and not tag.group(2):
                        self._integration = name
                elif name in (b"svg", b"math"):
                    self._foreign_depth -= 1
                    self._integration = b""
                    if not self._foreign_depth:
                        self._mode = _DATA
                        return tag.end(), None
                elif name in (b"body", b"html"):
                    # The tree builder leaves the SVG open: note the body's end, stay here.
                    self._fragile_body_end = True
                    if self._integration in (b"title", b"desc"):  # SVG text nobody sees
                        self._foreign_closer = b"</" + self._integration + b">"
                    self._end_tag(name, lt, buf, base, out)
                elif name in (b"p", b"br") or (
                    self._template_depth if name == b"template" else self._counts.get(name)
                ):
                    if self._integration in (b"title", b"desc"):  # SVG text nobody sees
                        self._foreign_closer = b"</" + self._integration + b">"
                    self._integration = b""
                    self._foreign_depth = 0
                    self._mode = _DATA
                    return lt, None
                pos = tag.end()
                continue
            if nxt in b"!?/":  # bogus comment, doctype or "</>": ends at the first ">"
                if nxt == 0x21 and end - lt < 9 and b"<![CDATA[".startswith(buf[lt:]):
                    return pos, lt  # could still become "<![CDATA["
                gt = low.find(b">", lt)
                if gt < 0:
                    return pos, lt
                pos = gt + 1
                continue
            pos = lt + 1

    # -- the end ---------------------------------------------------------------------------

    def _finish(self) -> bytes:
        out: list[bytes] = []
        buf, base = self._buf, self._consumed - len(self._buf)
        self._buf = b""
        self._e = self._buf_emitted
        if self._mode == _DONE:
            self._flush(out, buf, base, len(buf))
            return b"".join(out)
        closer = b""
        if self._mode in (_VALUE, _TAG_REST):  # a long tag, already sent: end it
            closer = (self._quote if self._mode == _VALUE else b"") + b">"
            self._mode = self._markup_mode()
            if self._long_tag:
                name, self._long_tag = self._long_tag, b""
                self._start_tag(name, None, buf, base, out)
        mode = self._mode
        if mode == _COMMENT:
            closer += b"-->"
        elif mode == _RAW:
            closer += b"</" + self._raw_name + b">"
        elif mode == _SCRIPT:
            closer += (b"-->" if self._script_level else b"") + b"</script>"
        elif mode == _CDATA:
            closer += b"]]>"
        at = self._e
        rest = buf[at:]
        # (An HTML integration point in SVG or MathML holds HTML's script and raw text too.)
        html = mode == _DATA or (mode == _FOREIGN and self._integration)
        text_end = _TEXT_END_TAG.match(buf) if html and not closer else None
        if text_end is not None:
            # The end tag of a script or raw-text element (whose start may be sent already,
            # kept as context): before it is inside the element, as text. Close it instead.
            value = self._tags.open_value(buf, text_end.end())
            closer += (buf[value - 1 : value] if value >= 0 else b"") + b">"
            at = len(buf)
        elif rest and not _is_unfinished_tag(rest):
            # "<!--", "<!x", "<?x", "</ x" or a doctype run to the end: close it, then insert
            closer = b"-->" if rest.startswith(b"<!--") else b">"
            if rest == b"<!-->":  # already a whole (empty) comment
                closer = b""
            at = len(buf)
        # Otherwise the carried bytes are an unfinished tag, which browsers drop: the
        # insertion goes before it.
        closer += self._svg_text_closer()
        closer += b"</template>" * self._template_depth
        self._flush(out, buf, base, at)
        self._footer_or(
            out, base + at, Placement.END_OF_DOCUMENT, "at the end of the document", closer
        )
        self._flush(out, buf, base, len(buf))
        return b"".join(out)

    def _svg_text_closer(self) -> bytes:
        """Closes the SVG ``<title>`` or ``<desc>`` the scan is in: text nobody sees."""
        if self._foreign_depth and self._integration in (b"title", b"desc"):
            return b"</" + self._integration + b">"
        return b""

    def _footer_or(
        self, out: list[bytes], offset: int, placement: Placement, reason: str, closer: bytes = b""
    ) -> None:
        """Decide at a point that ends the body: the site footer wins if there is one.

        ``closer`` closes what is open at ``offset`` (a comment, raw text, templates); the
        hiders open there are closed after it.
        """
        if self._candidate is not None:
            self._decide_at_candidate(out)
        elif self._site_footer_open:
            self._decide(
                out,
                offset,
                Placement.FOOTER,
                "as the last child of the site footer",
                closer + self._closer(1),
            )
        else:
            if self._note:
                reason = f"{reason} ({self._note})"
            self._decide(out, offset, placement, reason, closer + self._closer(0))


_Snapshot = tuple[list[bytes], int, bytes, int, list[bytes], int]


def _unsent(snapshot: _Snapshot) -> tuple[bytes, ...]:
    """The input bytes a :meth:`Injector._snapshot` marks as received but not returned."""
    held, held_count, buf, buf_emitted, pending, pending_count = snapshot
    return (*held[:held_count], buf[buf_emitted:], *pending[:pending_count])


def _common_prefix(patterns: tuple[bytes, ...]) -> bytes:
    """The longest prefix all ``patterns`` share."""
    if not patterns:
        return b""
    first, last = min(patterns), max(patterns)
    n = 0
    while n < len(first) and first[n] == last[n]:
        n += 1
    return first[:n]


def _is_content(text: bytes) -> bool:
    """Does ``text``, between tags, put something in the tree (not only whitespace)?

    Bogus comments (``<!x>``, ``<?x>``, ``</ x>``) and ``</>`` put nothing in the body.
    """
    return bool(_NOT_CONTENT.sub(b"", text).strip(b"\t\n\f\r "))


def _is_tag_opener(low: bytes, at: int) -> bool:
    """``<x`` or ``</x`` with an ASCII letter x: the start of a real tag token."""
    c = low[at + 1 : at + 2]
    if c == b"/":
        c = low[at + 2 : at + 3]
    return c.isalpha()


def _is_unfinished_tag(rest: bytes) -> bool:
    """Is ``rest`` (carried to the end) a tag, or text, that a browser drops or shows as is?

    ``<``, ``</`` and ``<name...`` are; comments, bogus comments and doctypes are not.
    """
    return len(rest) < 2 or (
        rest[1:2] not in b"!?"
        and (rest[1:2] != b"/" or len(rest) < 3 or _is_tag_opener(rest.lower(), 0))
    )


def inject(
    document: bytes,
    snippet: bytes,
    *,
    already_shown: Iterable[bytes] = (),
    lookbehind_limit: int = DEFAULT_LOOKBEHIND_LIMIT,
) -> tuple[bytes, InjectionResult]:
    """Run a whole document through an :class:`Injector`; return the output and the result."""
    injector = Injector(snippet, already_shown=already_shown, lookbehind_limit=lookbehind_limit)
    out = injector.feed(document) + injector.finish()
    assert injector.result is not None
    return out, injector.result
